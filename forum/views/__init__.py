from flask import Flask


def register_blueprints(app: Flask) -> None:
    from .. import api
    from . import access, auth, group_members, groups, main, moderation, posts, search, terms, tokens, users, votes, vouches

    for module in (main, auth, posts, users, groups, group_members, terms, moderation, votes, tokens, search, access, vouches):
        app.register_blueprint(module.bp)
    api.init_app(app)
