"""WTForms classes, one module per feature. Forms check shape and length; the
services hold the rules, so the API and the pages refuse the same things."""

from collections.abc import Iterable
from typing import TypeVar

from flask import flash
from flask_login import current_user
from wtforms import Form, SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3; types-WTForms is at 3.2

from forum.services.errors import ServiceError

F = TypeVar("F")


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 wants them (plain tuples are deprecated)."""
    return [SelectChoice(value, label) for value, label in pairs]


def for_members(form_class: type[F]) -> F | None:
    """A form only a signed-in viewer can submit, or None for anyone else.

    Making a form makes its CSRF token, and the token a session: an anonymous reader
    would get a cookie on every page, which also rules out gzip and the page cache."""
    return form_class() if current_user.is_authenticated else None


def show_error(form: Form, error: ServiceError, default: str | None = None) -> None:
    """Put a service's refusal on the form being re-rendered, beside what the user typed.

    On the field the service named, else on `default`; when neither is a field the user can
    see (none, or a hidden input, which prints no errors), as a flash message on the page."""
    name = next((n for n in (error.field, default) if n is not None and n in form), None)
    field = form[name] if name is not None else None
    if field is None or field.type == "HiddenField":
        flash(error.message, "error")
    else:
        field.errors = [*field.errors, error.message]
