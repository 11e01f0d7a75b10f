from flask import Flask


def register_blueprints(app: Flask) -> None:
    from forum.views import (
        access,
        account,
        account_data,
        approvals,
        attachments,
        auth,
        blocks,
        conversations,
        drafts,
        feed_settings,
        feeds,
        group_members,
        groups,
        link_previews,
        main,
        marks,
        moderation,
        notifications,
        posts,
        reading_list,
        search,
        sessions,
        settings,
        terms,
        tokens,
        two_factor,
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
        approvals,
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
        sessions,
        settings,
        two_factor,
        account_data,
        account,
        marks,
        conversations,
        blocks,
        reading_list,
    ):
        app.register_blueprint(module.bp)
    if app.config["REGISTRATION_MODE"] == "invite":
        from forum.views import invites

        app.register_blueprint(invites.bp)
