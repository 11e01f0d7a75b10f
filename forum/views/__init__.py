from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import auth, group_members, groups, main, moderation, posts, terms, users, votes

    for module in (main, auth, posts, users, groups, group_members, terms, moderation, votes):
        app.register_blueprint(module.bp)
