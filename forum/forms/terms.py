from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.validators import Length

from forum.forms import choices
from forum.services.terms import NO_TERMS, template_choices


class PostTermsFields:
    """The terms part of the post editor, mixed into PostForm.

    The service checks the choice (so an unknown key gets a clear message, not WTForms'
    generic one); choices come from the app's TERMS_TEMPLATES at request time.
    """

    terms = RadioField(
        "Usage terms",
        choices=lambda: choices(template_choices()),
        default=NO_TERMS,
        validate_choice=False,
        description="Readers must agree to these before they can read the post and its comments. "
        "Changing them asks every reader to agree again.",
    )
    terms_custom = TextAreaField(
        "Your own terms",
        validators=[Length(max=10_000)],
        description="Markdown. Used when “My own terms” is chosen.",
    )


class AcceptTermsForm(FlaskForm):
    """“I agree”: carries the version the reader was shown, so an outdated one is refused."""

    version = HiddenField()
    submit = SubmitField("I agree")


class AcceptSiteTermsForm(AcceptTermsForm):
    next = HiddenField()


class SiteTermsForm(FlaskForm):
    body = TextAreaField(
        "Site terms",
        validators=[Length(max=10_000)],
        description="Markdown. Every member agrees to these; saving asks everyone to agree again.",
    )
    submit = SubmitField("Save as a new version")
