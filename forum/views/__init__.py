from flask import Flask


def register_blueprints(app: Flask) -> None:
    from .. import api
    from . import auth, groups, main, moderation, posts, terms, tokens, users

    for module in (main, auth, posts, users, groups, terms, moderation, tokens):
        app.register_blueprint(module.bp)
    api.init_app(app)
