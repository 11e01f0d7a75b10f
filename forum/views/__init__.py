from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import auth, groups, main, posts, users, votes

    for module in (main, auth, posts, users, groups, votes):
        app.register_blueprint(module.bp)
