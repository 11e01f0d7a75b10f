from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from forum.forms import choices
from forum.services.groups import STATEMENT_MAX


class GroupForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[
            DataRequired(message="A group needs a name."),
            Length(min=2, max=80, message="Group names are 2 to 80 characters."),
        ],
    )
    slug = StringField(
        "Address",
        validators=[Optional(), Length(max=63)],
        description="Used in links: /groups/<address>. Leave empty to derive it from the name.",
    )
    description = TextAreaField("Description", validators=[Length(max=10_000)], description="Markdown.")
    interests = StringField("Interests", validators=[Length(max=800)], description="Comma-separated")
    listed = RadioField(
        "Visibility",
        default="listed",
        choices=choices(
            [("listed", "Listed in the group directory"), ("unlisted", "Unlisted: only members know it exists")]
        ),
    )
    join_policy = RadioField(
        "How people join",
        default="request",
        choices=choices(
            [
                ("open", "Anyone may join"),
                ("request", "By request, approved by owners and admins"),
                ("invite", "By invitation only"),
            ]
        ),
    )
    requires_vouch = BooleanField("A join request must name a current member who vouches for the requester")
    requires_two_factor = BooleanField(
        "Members read the group's posts only once their account has two-factor sign-in",
        description="Members without it are told why and how to turn it on; until then the posts are hidden from them.",
    )
    submit = SubmitField("Save group")


class EditGroupForm(GroupForm):
    # The address stays: links, bookmarks and audience pickers use it.
    slug = None  # type: ignore[assignment]  # WTForms drops an inherited field set to None; the stubs cannot say so


class InviteForm(FlaskForm):
    username = StringField(
        "Invite someone",
        validators=[DataRequired(message="Enter a username."), Length(max=64)],
        description="Their username",
    )
    submit = SubmitField("Invite")


class JoinRequestForm(FlaskForm):
    statement = TextAreaField(
        "Why would you like to join?",
        validators=[Length(max=STATEMENT_MAX, message=f"Keep the statement to {STATEMENT_MAX:,} characters.")],
        description=f"Optional, up to {STATEMENT_MAX:,} characters. The group's owners and admins read it.",
    )
    # Groups that require a vouch: which member's vouch the request carries (a Vouch id).
    vouch = SelectField("A member who vouches for you", coerce=int, validate_choice=False, default=0)
    submit = SubmitField("Send request")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=choices([("member", "member"), ("admin", "admin"), ("owner", "owner")]))
    submit = SubmitField("Change")


class DeleteGroupForm(FlaskForm):
    confirm = StringField(
        "Type the group's address to confirm", validators=[DataRequired(message="Type the address to confirm.")]
    )
    submit = SubmitField("Delete this group")
