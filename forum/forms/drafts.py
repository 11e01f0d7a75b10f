from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from forum.forms import choices

ROLE_CHOICES = choices(
    [
        ("read", "Read"),
        ("comment", "Read and comment"),
        ("edit", "Read, comment and edit the text"),
    ]
)


class ShareForm(FlaskForm):
    username = StringField(
        "Username", validators=[DataRequired(message="Whom should the draft be shared with?"), Length(max=40)]
    )
    role = SelectField("May", choices=ROLE_CHOICES, default="comment")
    submit = SubmitField("Share")


class PublishForm(FlaskForm):
    """Publishing from the draft's page. Unticked, the draft's earlier versions and review
    comments stay with its readers (services/history.py)."""

    open_history = BooleanField("Let the published audience read them too")
    # Asked only of a draft planned for Public: the box names what public means (forms/posts.py).
    confirm_public = BooleanField("Yes, publish to everyone: anyone on the internet, signed in or not, may read it")
    submit = SubmitField("Publish")
