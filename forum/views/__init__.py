from flask import Flask


def register_blueprints(app: Flask) -> None:
    from .. import api
    from . import auth, feed_settings, feeds, group_members, groups, main, moderation, notifications, posts, search, terms, tokens, users, votes
    from . import access, link_previews, versions, vouches

    for module in (main, auth, posts, users, groups, group_members, terms, moderation, votes, tokens, search, feeds, feed_settings,
                   notifications, versions, link_previews, access, vouches):
        app.register_blueprint(module.bp)
    api.init_app(app)
