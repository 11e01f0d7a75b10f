from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import auth, groups, main, moderation, posts, users

    for module in (main, auth, posts, users, groups, moderation):
        app.register_blueprint(module.bp)
