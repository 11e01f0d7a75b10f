from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class ProfileForm(FlaskForm):
    display_name = StringField("Display name", validators=[DataRequired(), Length(max=64)])
    bio = TextAreaField("Bio", validators=[Length(max=5000)], description="Markdown.")
    interests = StringField(
        "Interests",
        validators=[Length(max=800)],
        description="Comma-separated, e.g. mechanistic interpretability, AI governance",
    )
    open_to_contact = BooleanField("Open to contact: suggest me to members who share my interests")
    submit = SubmitField("Save profile")
