"""Editor forms that outlive their session: sent signed out (or with a CSRF token the session
no longer holds), their text is kept on the server (services/form_stash.py), the writer signs
in, and the same editor opens with the text back in it, in that browser only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import after_this_request, current_app, flash, g, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import MultiDict

from forum.queries.sessions import session_with_hash
from forum.services import form_stash
from forum.services.sessions import hash_key
from forum.web import errors

COOKIE = "kept_form"
# The typed fields of the post and comment editors (never the CSRF token, a button or a file).
KEPT_FIELDS = (
    "title",
    "body",
    "tags",
    "coauthors",
    "audience",
    "audience_users",
    "audience_groups",
    "terms",
    "terms_custom",
    "open_history",
    "cursor",
    "parent_id",
)
KEPT_MESSAGE = "Your session had expired, so nothing was saved yet: sign in and your text is back in the editor."
AGAIN_MESSAGE = "The form had expired, so nothing was saved yet: your text is back in the editor. Send it again."


def _writer_id() -> int | None:
    """The account the request was written by: the signed-in one, or the one whose (now ended
    or idle) session the browser still named (api/auth.py remembers that key)."""
    if current_user.is_authenticated:
        return current_user.id
    key = g.get("dead_session_key")
    record = session_with_hash(hash_key(key)) if key else None
    return record.user_id if record is not None else None


def _sent_from_this_site() -> bool:
    """Whether the browser says the form was on one of our pages (Origin, else Referer: browsers
    send one with every form POST). A form posted from elsewhere is not kept: another site must
    not be able to put words in a member's editor. Then the error page hands the text back."""
    sent_from = request.headers.get("Origin") or request.headers.get("Referer")
    if not sent_from:
        return False
    parts = urlsplit(sent_from)
    return (parts.scheme, parts.netloc) == (request.scheme, request.host)


def keep_and_return(path: str):
    """Keep the request's text for the editor at `path` and send the writer there (through
    sign-in when signed out). Not kept (too large, or sent from another site): None, and the
    caller answers as it would have (the sign-in redirect, or the page handing the text back)."""
    if not _sent_from_this_site():
        return None
    writer = _writer_id()
    fields = [(name, value) for name, value in request.form.items(multi=True) if name in KEPT_FIELDS]
    key = form_stash.stash(request.cookies.get(COOKIE), path, fields, writer)
    if key is None:
        return None
    if current_user.is_authenticated:
        flash(AGAIN_MESSAGE, "info")
        response = redirect(path)
    else:
        flash(KEPT_MESSAGE, "info")
        response = redirect(url_for("auth.login", next=path))
    response.set_cookie(
        COOKIE,
        key,
        max_age=int(form_stash.LIFETIME.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    return response


def keeps_text(return_path: Callable[..., str]):
    """For an editor's POST view, above `login_required`: a signed-out POST is kept and sent
    to sign in instead of being lost. `return_path(**view_args)` names the editor page."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if request.method == "POST" and not current_user.is_authenticated:
                kept = keep_and_return(return_path(**kwargs))
                if kept is not None:
                    return kept
            return view(*args, **kwargs)

        wrapper.kept_return_path = return_path  # type: ignore[attr-defined]  # read by the CSRF handler
        return wrapper

    return decorate


def csrf_refused(_error: CSRFError):
    """A blueprint's CSRFError handler (its session expired, and the token with it): a view
    that `keeps_text` keeps it and sends the writer back to the editor; any other form gets
    the site's refusal, which hands the text back for copying."""
    view = current_app.view_functions.get(request.endpoint or "")
    return_path = getattr(view, "kept_return_path", None)
    kept = keep_and_return(return_path(**(request.view_args or {}))) if return_path is not None else None
    return kept if kept is not None else errors.csrf_refused()


def restore(form) -> bool:
    """On the editor's GET: put back the text kept in this browser for this page and this
    signed-in writer (then forgotten, and its cookie deleted). False when there is none."""
    fields = form_stash.take(request.cookies.get(COOKIE), current_user, request.path)
    if fields is None:
        return False
    form.process(formdata=MultiDict(fields))

    @after_this_request
    def forget(response):
        response.delete_cookie(COOKIE, httponly=True, samesite="Lax")
        return response

    return True
