from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField

from forum.forms import choices
from forum.models import EMAIL_CATEGORIES

MODE_CHOICES = choices(
    [
        ("off", "Off"),
        ("immediate", "Immediately"),
        ("batched", "One email per thread, every few minutes at most"),
        ("digest", "Daily digest"),
    ]
)


class _Base(FlaskForm):
    submit = SubmitField("Save")


# One radio group per category, named after it (EMAIL_CATEGORIES is the list to keep).
NotificationSettingsForm = type(
    "NotificationSettingsForm",
    (_Base,),
    {category: RadioField(label, choices=MODE_CHOICES, default="off") for category, label in EMAIL_CATEGORIES.items()},
)
