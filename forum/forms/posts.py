from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from forum.forms import choices
from forum.forms.terms import PostTermsFields

AUDIENCE_CHOICES = choices(
    [
        ("public", "Public: anyone, signed in or not"),
        ("members", "Members: anyone signed in"),
        ("restricted", "Restricted: only the people and groups below"),
    ]
)


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
    audience = RadioField("Who can read it", choices=AUDIENCE_CHOICES, default="public")
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
    upload = SubmitField("Upload")
    preview = SubmitField("Preview")
    save_draft = SubmitField("Save draft")
    submit = SubmitField("Publish")


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
