"""Forms for reports and moderators' decisions. The rules live in services.moderation."""

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from forum.forms import choices
from forum.models import REPORT_REASONS

BAN_LENGTHS = choices(
    [
        ("1", "1 day"),
        ("3", "3 days"),
        ("7", "1 week"),
        ("30", "30 days"),
        ("365", "1 year"),
        ("permanent", "Permanently"),
    ]
)


class ReportForm(FlaskForm):
    reason = RadioField("Why are you reporting this?", choices=choices(REPORT_REASONS.items()), default="spam")
    details = TextAreaField(
        "Anything the moderators should know",
        validators=[Length(max=2000)],
        description="Required for “Other”. Moderators see a copy of the reported text, "
        "never the rest of a restricted post.",
    )
    submit = SubmitField("Send report")


class ResolveForm(FlaskForm):
    decision = RadioField(
        "Decision",
        default="dismiss",
        choices=choices(
            [
                ("dismiss", "Dismiss: nothing wrong"),
                ("remove", "Remove the content"),
                ("warn", "Warn its author"),
                ("ban", "Ban its author"),
            ]
        ),
    )
    reason = StringField("Reason (public in the log, shown to the author)", validators=[Length(max=2000)])
    days = SelectField("Ban length", choices=BAN_LENGTHS, default="7")
    submit = SubmitField("Decide")


class ReasonForm(FlaskForm):
    """Remove, restore, unban: a button with a reason."""

    reason = StringField("Reason", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Confirm")


class BanForm(FlaskForm):
    reason = StringField("Reason (shown to them and in the public log)", validators=[Length(max=2000)])
    days = SelectField("Length", choices=BAN_LENGTHS, default="7")
    submit = SubmitField("Ban")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=choices([("user", "User"), ("moderator", "Moderator"), ("admin", "Admin")]))
    reason = StringField("Reason (public in the log)", validators=[Length(max=2000)])
    submit = SubmitField("Change role")


def ban_days(value: str | None) -> int | None:
    """The form's ban length as days, None for permanent."""
    return None if value in (None, "", "permanent") else int(value)
