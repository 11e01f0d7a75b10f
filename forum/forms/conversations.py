"""Forms for conversations and blocking. Lengths are checked by the service too, so the
API and the pages refuse the same things."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, SubmitField, TextAreaField

from forum.services.conversations import SUBJECT_MAX


class NewConversationForm(FlaskForm):
    to = StringField("To", description="Usernames, separated by commas.")
    subject = StringField("Subject", description=f"Up to {SUBJECT_MAX} characters; only the people in it see it.")
    body = TextAreaField("Message", description="Markdown and $math$ work here.")
    submit = SubmitField("Send")


class MessageForm(FlaskForm):
    body = TextAreaField("Reply", description="Markdown and $math$ work here.")
    file = FileField(
        "Attach a file (optional)",
        description="PNG, JPEG, GIF, WebP or PDF; only the people in this conversation can open it.",
    )
    submit = SubmitField("Send")


class EditMessageForm(FlaskForm):
    body = TextAreaField("Message", description="The others will see it marked “edited”.")
    submit = SubmitField("Save")


class AddParticipantForm(FlaskForm):
    username = StringField("Add someone", description="They will read the whole conversation, from its first message.")
    submit = SubmitField("Add")
