from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import auth, groups, main, posts, terms, users

    for module in (main, auth, posts, users, groups, terms):
        app.register_blueprint(module.bp)
