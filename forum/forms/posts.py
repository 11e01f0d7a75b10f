from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from forum.forms import choices
from forum.forms.terms import PostTermsFields

AUDIENCE_CHOICES = choices(
    [
        ("public", "Public: anyone, signed in or not"),
        ("members", "Members: anyone signed in"),
        ("restricted", "Restricted: only the people and groups below"),
    ]
)


CHOOSE_AUDIENCE = "Choose who can read it: Public, Members or Restricted."


class PostForm(PostTermsFields, FlaskForm):
    title = StringField("Title", validators=[DataRequired(message="A post needs a title."), Length(max=200)])
    body = TextAreaField(
        "Body",
        validators=[DataRequired(message="A post needs a body."), Length(max=100_000)],
        description="Markdown: **bold**, _italic_, [links](https://…), lists, tables, `code`, ```python fenced code, "
        "math as $x^2$ or $$\\sum_i x_i$$, footnotes[^1] with [^1]: the note, - [ ] task lists.",
    )
    tags = StringField(
        "Tags", validators=[Length(max=500)], description="Comma-separated, e.g. interpretability, forecasting"
    )
    # No default: on a forum for hazardous results the author names the readers every time.
    audience = RadioField(
        "Who can read it",
        choices=AUDIENCE_CHOICES,
        default=None,
        validate_choice=False,
        # Left empty, publishing is refused with CHOOSE_AUDIENCE (views/posts.py: _audience_chosen).
        validators=[Optional(), AnyOf([c.value for c in AUDIENCE_CHOICES], message=CHOOSE_AUDIENCE)],
    )
    audience_users = StringField("People", validators=[Length(max=2000)], description="Usernames, separated by commas")
    audience_groups = StringField(
        "Groups", validators=[Length(max=2000)], description="Group addresses, separated by commas"
    )
    coauthors = StringField(
        "Co-authors",
        validators=[Length(max=1000)],
        description="Usernames, separated by commas. Co-authors may edit the post, always read it and share its karma.",
    )
    # Unticked, a change of readers (or publishing) leaves earlier versions, and a draft's
    # review comments, with the readers they were written for (services/history.py).
    open_history = BooleanField("Open them to the new readers too")
    file = FileField(
        "Attach a figure or PDF",
        description="PNG, JPEG, GIF, WebP or PDF. Images lose their metadata; PDFs are kept as sent, "
        "with their author and software fields: clear those before uploading.",
    )
    # Where the text cursor was when Upload was pressed (set by static/editor.js); the file's Markdown goes
    # there, or at the end without JavaScript.
    cursor = HiddenField()
    upload = SubmitField("Upload")
    preview = SubmitField("Preview")
    save_draft = SubmitField("Save draft")
    submit = SubmitField("Publish")
    # The second step of publishing to Public: pressed on the confirmation the first attempt shows.
    # Without it in the POST, nothing is opened to Public (views/posts.py: _asks_public_confirmation).
    confirm_public = SubmitField("Yes, publish to everyone")


class PreviewForm(FlaskForm):
    """The editor's live preview: only the text to render (and the CSRF token)."""

    body = TextAreaField("Body", validators=[Length(max=100_000)])


class CommentForm(FlaskForm):
    body = TextAreaField("Comment", validators=[DataRequired(message="A comment needs some text."), Length(max=20_000)])
    file = FileField(
        "Attach a figure or PDF",
        description="Optional: PNG, JPEG, GIF, WebP or PDF, linked at the end of the comment. "
        "PDFs keep their metadata (author, software).",
    )
    parent_id = HiddenField()
    submit = SubmitField("Comment")


class ConfirmForm(FlaskForm):
    """An empty form that only carries the CSRF token (delete buttons and the like)."""

    submit = SubmitField("Confirm")


class DefaultAudienceForm(FlaskForm):
    """Settings: who a new post is for unless the author picks otherwise (services/default_audience.py)."""

    # Choices are the member's own (their groups), set by the view; the service checks the value.
    default_audience = RadioField("New posts start as", choices=[], validate_choice=False)
    submit = SubmitField("Save")
