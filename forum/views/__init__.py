from flask import Flask


def register_blueprints(app: Flask) -> None:
    from .. import api
    from . import auth, feed_settings, feeds, group_members, groups, main, moderation, posts, search, terms, tokens, users, votes
    from . import link_previews, versions

    for module in (main, auth, posts, users, groups, group_members, terms, moderation, votes, tokens, search, feeds, feed_settings):
        app.register_blueprint(module.bp)
    for module in (versions, link_previews):
        app.register_blueprint(module.bp)
    api.init_app(app)
