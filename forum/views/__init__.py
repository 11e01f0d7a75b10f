from flask import Flask


def register_blueprints(app: Flask) -> None:
    from forum.views import (
        access,
        account,
        attachments,
        auth,
        drafts,
        feed_settings,
        feeds,
        group_members,
        groups,
        link_previews,
        main,
        moderation,
        notifications,
        posts,
        search,
        settings,
        terms,
        tokens,
        users,
        versions,
        votes,
        vouches,
    )

    for module in (
        main,
        auth,
        posts,
        users,
        groups,
        group_members,
        terms,
        moderation,
        votes,
        tokens,
        search,
        feeds,
        feed_settings,
        notifications,
        versions,
        link_previews,
        drafts,
        attachments,
        access,
        vouches,
        settings,
        account,
    ):
        app.register_blueprint(module.bp)
