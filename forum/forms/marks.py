"""Forms for marked copies: turning marking on or off, and tracing a leaked text."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import Length

TRACE_MAX = 200_000


class MarkingForm(FlaskForm):
    marked = BooleanField(
        "Mark each reader's copy: every reader gets wording of their own, and is told so on the terms and the post"
    )
    save = SubmitField("Save")


class TraceForm(FlaskForm):
    leaked = TextAreaField(
        "Leaked text",
        validators=[Length(max=TRACE_MAX, message=f"Paste at most {TRACE_MAX:,} characters.")],
        description="Paste the text as found: a few paragraphs are usually enough; more is better.",
    )
    figure = FileField(
        "Or a leaked figure or PDF",
        description="One of the post's figures as found (re-saved, re-compressed or scaled is fine), or a PDF.",
    )
    trace = SubmitField("Trace")
