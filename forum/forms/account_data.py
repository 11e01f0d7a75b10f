from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import Length


class DeleteAccountForm(FlaskForm):
    # No DataRequired: an empty field reaches the service, whose message says what to type.
    password = PasswordField("Your password", validators=[Length(max=256)])
    confirmation = StringField(
        "Type your username to confirm",
        validators=[Length(max=64)],
        description="Deleting cannot be undone.",
    )
    submit = SubmitField("Delete my account")
