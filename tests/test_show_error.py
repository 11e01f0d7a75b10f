"""forms.show_error: a service's refusal lands where the re-rendered form shows it."""

from __future__ import annotations

from flask import get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField

from forum.forms import show_error
from forum.services import ServiceError


class _Form(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("Name")
    bio = StringField("Bio")
    next = HiddenField()


def test_the_named_field_else_the_default_else_a_flash(app):
    with app.test_request_context("/", method="POST", data={"name": "typed", "bio": "kept"}):
        form = _Form()
        form.validate()
        show_error(form, ServiceError("Too long.", field="bio"), "name")
        show_error(form, ServiceError("Taken.", field="nonesuch"), "name")
        show_error(form, ServiceError("Banned."))
        show_error(form, ServiceError("Bad target.", field="next"))
        assert form.bio.errors == ["Too long."] and form.name.errors == ["Taken."]
        assert form.next.errors == []
        assert get_flashed_messages(with_categories=True) == [("error", "Banned."), ("error", "Bad target.")]
        assert (form.name.data, form.bio.data) == ("typed", "kept")
