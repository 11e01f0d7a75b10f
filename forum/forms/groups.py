from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class GroupForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(min=2, max=80)])
    slug = StringField("Address", validators=[Optional(), Length(max=63)], description="Used in links: /groups/<address>. Leave empty to derive it from the name.")
    description = TextAreaField("Description", validators=[Length(max=10_000)], description="Markdown.")
    interests = StringField("Interests", validators=[Length(max=800)], description="Comma-separated")
    listed = RadioField(
        "Visibility", default="listed",
        choices=[("listed", "Listed in the group directory"), ("unlisted", "Unlisted: only members know it exists")],
    )
    join_policy = RadioField(
        "How people join", default="request",
        choices=[("open", "Anyone may join"), ("request", "By request, approved by owners and admins"), ("invite", "By invitation only")],
    )
    submit = SubmitField("Save group")
