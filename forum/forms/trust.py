"""Forms for vouches, listed restricted posts and requests for access."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from forum.services.access import ABSTRACT_MAX, NOTE_MAX
from forum.services.vouches import STATEMENT_MAX


class VouchForm(FlaskForm):
    statement = StringField(
        "Vouch for them",
        validators=[Length(max=STATEMENT_MAX, message=f"Keep it to {STATEMENT_MAX} characters.")],
        description=f"Public, up to {STATEMENT_MAX} characters: what you know of their work, "
        "e.g. “I know their work on sparse autoencoders”.",
    )
    submit = SubmitField("Vouch")


class ListingForm(FlaskForm):
    listed = BooleanField(
        "List this post: signed-in members see its title, author and the abstract below, and may request access"
    )
    abstract = TextAreaField(
        "Abstract",
        validators=[Length(max=ABSTRACT_MAX, message=f"Keep the abstract to {ABSTRACT_MAX} characters.")],
        description=f"Up to {ABSTRACT_MAX} characters of plain text. The only text of the post outsiders see.",
    )
    submit = SubmitField("Save")


class AccessRequestForm(FlaskForm):
    note = StringField(
        "A note for the author (optional)",
        validators=[Length(max=NOTE_MAX, message=f"Keep the note to {NOTE_MAX} characters.")],
    )
    submit = SubmitField("Request access")


class VouchedJoinForm(FlaskForm):
    """A join request to a group that requires a vouch names the member who vouches."""

    vouch = SelectField("A member who vouches for you", coerce=int, validate_choice=False)
