from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from forum.forms import choices

EXPIRY_CHOICES = choices([("7", "7 days"), ("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("never", "Never")])


class TokenForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired(message="Name your token."), Length(max=80)],
        description="What uses it, e.g. “reading-list mirror on my laptop”.",
    )
    scope = RadioField(
        "Access",
        default="read",
        choices=choices(
            [
                ("read", "Read: everything you can read, nothing more"),
                ("read-write", "Read and write: also post, comment, edit and delete as you"),
            ]
        ),
    )
    expires = SelectField("Expires after", choices=EXPIRY_CHOICES, default="90")
    submit = SubmitField("Create token")


def expiry_days(value: str | None) -> int | None:
    return None if value in (None, "", "never") else int(value)
