from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length


class EmailChangeForm(FlaskForm):
    email = EmailField(
        "New address",
        validators=[DataRequired(), Length(max=254)],
        description="We send a link to it; until you follow it, your current address keeps your mail.",
    )
    password = PasswordField("Current password", validators=[DataRequired(), Length(max=256)])
    submit = SubmitField("Change address")


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=256)])
    new = PasswordField("New password", validators=[DataRequired(), Length(max=256)])
    repeat = PasswordField("Repeat the new password", validators=[DataRequired(), Length(max=256)])
    submit = SubmitField("Change password")


class ForgotForm(FlaskForm):
    email = EmailField("Your account's email address", validators=[DataRequired(), Length(max=254)])
    submit = SubmitField("Send me a link")


class ResetForm(FlaskForm):
    new = PasswordField("New password", validators=[DataRequired(), Length(max=256)])
    repeat = PasswordField("Repeat the new password", validators=[DataRequired(), Length(max=256)])
    submit = SubmitField("Set the new password")
