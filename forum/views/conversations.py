"""Private conversations: the inbox, one conversation, starting one, adding people, leaving.

Every address under /messages/<id> fetches through `visibility.get_conversation_or_404`
first, so anyone but a current participant gets the 404 of a missing conversation."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import visibility
from forum.extensions import db
from forum.forms import show_error
from forum.forms.conversations import AddParticipantForm, EditMessageForm, MessageForm, NewConversationForm
from forum.forms.moderation import ReportForm
from forum.forms.posts import ConfirmForm
from forum.infra.storage import get_storage
from forum.models import Conversation, ConversationParticipant
from forum.queries import conversations as queries
from forum.queries import trust
from forum.queries.users import user_named
from forum.services import ServiceError, moderation
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
    # The one write a GET may make (issue 23): the read state, and only when it changes from
    # unread to read, so viewing a conversation already read writes nothing (no disk sync).
    if service.has_news(conversation, me):
        service.mark_read(me)
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


@bp.route("/messages/<int:conversation_id>/<int:message_id>/edit", methods=["GET", "POST"])
@login_required
def edit(conversation_id: int, message_id: int):
    """Its author edits a message; anyone else's (or a removed one) is refused."""
    conversation, _me = visibility.get_conversation_or_404(conversation_id, current_user)
    message = visibility.get_message_or_404(current_user, conversation, message_id)
    if message.author_id != current_user.id:
        abort(403)
    form = EditMessageForm()
    if request.method == "GET":
        form.body.data = message.body_md
    elif form.validate_on_submit():
        try:
            service.edit(current_user, message, form.body.data)
        except ServiceError as error:
            db.session.rollback()
            show_error(form, error, "body")
        else:
            return redirect(url_for("conversations.view", conversation_id=conversation.id) + f"#m{message.id}")
    status = 400 if request.method == "POST" else 200
    return render_template("conversations/edit.html", conversation=conversation, message=message, form=form), status


@bp.route("/messages/<int:conversation_id>/<int:message_id>/report", methods=["GET", "POST"])
@login_required
def report(conversation_id: int, message_id: int):
    """A participant reports a message: the report keeps a copy of that message alone, and
    moderators act on the copy without ever opening the conversation."""
    conversation, _me = visibility.get_conversation_or_404(conversation_id, current_user)
    message = visibility.get_message_or_404(current_user, conversation, message_id)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            moderation.report_message(current_user, message, form.reason.data, form.details.data or "")
        except ServiceError as error:
            db.session.rollback()
            if error.status != 400:
                abort(error.status, error.message)
            show_error(form, error, "details")
        else:
            flash("Thank you. The moderators will look at a copy of this message, and nothing else here.", "success")
            return redirect(url_for("conversations.view", conversation_id=conversation.id) + f"#m{message.id}")
    status = 400 if request.method == "POST" else 200
    return render_template("conversations/report.html", conversation=conversation, message=message, form=form), status


@bp.route("/messages/<int:conversation_id>/<any(accept, decline, leave, mute, unmute):answer>", methods=["POST"])
@login_required
def answer(conversation_id: int, answer: str):
    _conversation, me = visibility.get_conversation_or_404(conversation_id, current_user)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.answer(me, answer)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("conversations.view", conversation_id=conversation_id))
    if answer in ("mute", "unmute"):
        flash("Muted: no notifications or email for it." if answer == "mute" else "Unmuted.", "info")
        return redirect(url_for("conversations.view", conversation_id=conversation_id))
    if answer == "accept":
        return redirect(url_for("conversations.view", conversation_id=conversation_id))
    flash("You left the conversation." if answer == "leave" else "Declined.", "info")
    return redirect(url_for("conversations.inbox"))
