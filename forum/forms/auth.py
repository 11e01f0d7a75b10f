from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    remember = BooleanField("Keep me signed in")
    next = HiddenField()
    submit = SubmitField("Sign in")


class RegisterForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[DataRequired(), Length(min=3, max=32)],
        description="Lower-case letters, digits, '-' and '_'. Used in links and audience lists.",
    )
    display_name = StringField("Display name", validators=[Length(max=64)])
    email = EmailField(
        "Email address",
        validators=[DataRequired(), Length(max=254)],
        description="We send a link to confirm it; you can post once it is confirmed. Never shown to others.",
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(min=10, max=256)])
    confirm = PasswordField("Repeat password", validators=[EqualTo("password", message="The passwords differ.")])
    # Shown only while site terms exist; the version is the one the new member was shown.
    accept_site_terms = BooleanField("I agree to the site terms above")
    site_terms_version = HiddenField()
    # Shown only when REGISTRATION_MODE is "invite".
    invite_code = StringField("Invite code", validators=[Optional(), Length(max=64)])
    submit = SubmitField("Create account")
