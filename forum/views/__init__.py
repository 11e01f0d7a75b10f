from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import auth, groups, main, moderation, posts, terms, users, votes

    for module in (main, auth, posts, users, groups, terms, moderation, votes):
        app.register_blueprint(module.bp)
