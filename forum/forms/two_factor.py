from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

CODE_HINT = "The 6 digits your authenticator app shows, or one of your recovery codes."


class ConfirmAuthenticatorForm(FlaskForm):
    code = StringField(
        "Code from the app",
        validators=[DataRequired(message="Enter the 6 digits your app shows."), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField("Turn on")


class SecondStepForm(FlaskForm):
    code = StringField(
        "Code",
        validators=[Optional(), Length(max=64)],
        description=CODE_HINT,
        render_kw={"autocomplete": "one-time-code", "autofocus": True},
    )
    # Filled by static/two-factor.js with the security key's answer.
    credential = HiddenField(validators=[Optional(), Length(max=20_000)])
    submit = SubmitField("Continue")


class TurnOffForm(FlaskForm):
    code = StringField("Code", validators=[Optional(), Length(max=64)], description=CODE_HINT)
    password = PasswordField("Or your password", validators=[Optional(), Length(max=256)])
    submit = SubmitField("Turn off two-factor sign-in")


class RenewCodesForm(FlaskForm):
    password = PasswordField(
        "Your password", validators=[DataRequired(message="Enter your password."), Length(max=256)]
    )
    submit = SubmitField("Make new recovery codes")


class SecurityKeyForm(FlaskForm):
    name = StringField(
        "Name of the key",
        validators=[DataRequired(message="Name your key."), Length(max=80)],
        description="So you can tell your keys apart, e.g. “blue key on my keyring”.",
    )
    credential = HiddenField(validators=[Optional(), Length(max=20_000)])
    submit = SubmitField("Register a security key")
