"""Private conversations: the inbox, one conversation, starting one, adding people, leaving.

Every address under /messages/<id> fetches through `visibility.get_conversation_or_404`
first, so anyone but a current participant gets the 404 of a missing conversation."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import visibility
from forum.extensions import db
from forum.forms import show_error
from forum.forms.conversations import AddParticipantForm, MessageForm, NewConversationForm
from forum.forms.posts import ConfirmForm
from forum.infra.storage import get_storage
from forum.models import Conversation, ConversationParticipant
from forum.queries import conversations as queries
from forum.queries import trust
from forum.queries.users import user_named
from forum.services import ServiceError
from forum.services import conversations as service
from forum.views.attachments import FILE_CSP

bp = Blueprint("conversations", __name__)


@bp.route("/messages")
@login_required
def inbox():
    return render_template("conversations/inbox.html", rows=queries.inbox(current_user))


@bp.route("/messages/new", methods=["GET", "POST"])
@login_required
def new():
    form = NewConversationForm()
    if request.method == "GET":
        form.to.data = form.to.data or request.args.get("to", "")[:200]
        form.subject.data = form.subject.data or request.args.get("subject", "")[:200]
        return render_template("conversations/new.html", form=form)
    if not form.validate_on_submit():
        return render_template("conversations/new.html", form=form), 400
    names = [n.strip().lstrip("@") for n in (form.to.data or "").split(",") if n.strip()]
    recipients = []
    for name in names:
        user = user_named(name)
        if user is None:
            form.to.errors = [f"There is no member named {name}."]
            return render_template("conversations/new.html", form=form), 400
        recipients.append(user)
    try:
        conversation = service.start(current_user, recipients, form.subject.data, form.body.data)
    except ServiceError as error:
        db.session.rollback()
        show_error(form, error, "body")
        return render_template("conversations/new.html", form=form), error.status
    flash("Sent.", "success")
    return redirect(url_for("conversations.view", conversation_id=conversation.id))


def _render(conversation: Conversation, me: ConversationParticipant, status: int = 200, **forms):
    return (
        render_template(
            "conversations/view.html",
            conversation=conversation,
            me=me,
            participants=queries.participants(current_user, conversation),
            messages=db.session.scalars(visibility.messages_of(current_user, conversation)).all(),
            message_form=forms.get("message_form") or MessageForm(),
            add_form=forms.get("add_form") or AddParticipantForm(),
            confirm_form=ConfirmForm(),
            vouched_ids={v.vouchee_id for v in trust.vouches_by(current_user)},
        ),
        status,
    )


@bp.route("/messages/<int:conversation_id>")
@login_required
def view(conversation_id: int):
    conversation, me = visibility.get_conversation_or_404(conversation_id, current_user)
    response = _render(conversation, me)
    if me.last_read_at is None or me.last_read_at < conversation.last_message_at:
        service.mark_read(me)  # the read state, like a post's read receipt: written only when there is news
    return response


@bp.route("/messages/<int:conversation_id>", methods=["POST"])
@login_required
def write(conversation_id: int):
    conversation, me = visibility.get_conversation_or_404(conversation_id, current_user)
    form = MessageForm()
    if not form.validate_on_submit():
        return _render(conversation, me, 400, message_form=form)
    upload = form.file.data
    file = (upload.filename or "file", upload.read()) if upload and upload.filename else None
    try:
        service.write(current_user, conversation, me, form.body.data, file)
    except ServiceError as error:
        db.session.rollback()
        show_error(form, error, "body")
        return _render(conversation, me, error.status, message_form=form)
    return redirect(url_for("conversations.view", conversation_id=conversation.id) + "#latest")


@bp.route("/messages/<int:conversation_id>/files/<key>")
@login_required
def message_file(conversation_id: int, key: str):
    """A file sent in a conversation: its current participants only, kept in no cache."""
    attachment = visibility.get_message_attachment_or_404(conversation_id, key, current_user)
    data = get_storage().load(attachment.key)
    if data is None:
        abort(404)
    response = Response(data, mimetype=attachment.content_type)
    disposition = "inline" if attachment.is_image else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{attachment.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/messages/<int:conversation_id>/add", methods=["POST"])
@login_required
def add(conversation_id: int):
    conversation, me = visibility.get_conversation_or_404(conversation_id, current_user)
    form = AddParticipantForm()
    if not form.validate_on_submit():
        return _render(conversation, me, 400, add_form=form)
    user = user_named(form.username.data or "")
    try:
        if user is None:
            raise ServiceError(f"There is no member named {form.username.data}.", field="username")
        service.add_participant(current_user, conversation, me, user)
    except ServiceError as error:
        db.session.rollback()
        show_error(form, error, "username")
        return _render(conversation, me, error.status, add_form=form)
    flash(f"{user.display_name} is in the conversation now.", "success")
    return redirect(url_for("conversations.view", conversation_id=conversation.id))


@bp.route("/messages/<int:conversation_id>/<any(accept, decline, leave):answer>", methods=["POST"])
@login_required
def answer(conversation_id: int, answer: str):
    _conversation, me = visibility.get_conversation_or_404(conversation_id, current_user)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        {"accept": service.accept, "decline": service.decline, "leave": service.leave}[answer](me)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("conversations.view", conversation_id=conversation_id))
    if answer == "accept":
        return redirect(url_for("conversations.view", conversation_id=conversation_id))
    flash("You left the conversation." if answer == "leave" else "Declined.", "info")
    return redirect(url_for("conversations.inbox"))
