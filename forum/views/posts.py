"""Post pages, the comment thread and its permalinks."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from forum import permissions, visibility
from forum.extensions import client_address, db, limiter
from forum.forms import for_members, show_error
from forum.forms.drafts import PublishForm
from forum.forms.posts import CHOOSE_AUDIENCE, CommentForm, ConfirmForm, PostForm, PreviewForm
from forum.infra import page_cache
from forum.infra.page_cache import cached_page
from forum.infra.pages import Page
from forum.models import Comment, Group, User
from forum.queries import feeds, listings, marked_copies, unread
from forum.queries.threads import (
    Node,
    PageThread,
    build_tree,
    comment_page_of,
    page_thread,
    viewer_relations,
)
from forum.rendering import marks, post_html, thread_html
from forum.services import (
    ServiceError,
    default_audience,
    history,
    reads,
)
from forum.services import (
    attachments as attachment_service,
)
from forum.services import (
    comments as comment_service,
)
from forum.services import (
    drafts as draft_service,
)
from forum.services import (
    posts as post_service,
)
from forum.services import (
    terms as terms_service,
)
from forum.services.audience import PUBLIC_MEANS, audience_of, resolve_audience
from forum.services.errors import NotVerified
from forum.services.terms import KEEP
from forum.services.votes import viewer_votes, votes_from_rows
from forum.views import kept_forms
from forum.views.kept_forms import keeps_text
from forum.views.terms import render_gate
from forum.web.paging import page_arg

bp = Blueprint("posts", __name__)
# An editor's form sent with an expired session (and so an expired token) goes back into the editor.
bp.register_error_handler(CSRFError, kept_forms.csrf_refused)


def _error_status(error: ServiceError) -> int:
    """Refusals that are not about the form (a ban) end here; the rest re-render it (an
    unverified address too: the text waits while its owner follows the emailed link)."""
    if error.status == 403 and not isinstance(error, NotVerified):
        abort(403, error.message)
    return error.status if error.status in (403, 409, 429) else 400


def _tree(comments, **kwargs):
    """The thread as this viewer may see it: removed comments become placeholders."""
    # The viewer once, not through the `current_user` proxy per comment (most of a long tree's build).
    viewer = current_user._get_current_object()
    return build_tree(
        comments,
        max_depth=current_app.config["MAX_THREAD_DEPTH"],
        hidden=lambda c: not visibility.shows_comment(viewer, c),
        **kwargs,
    )


def _require_write() -> None:
    if not permissions.can_write(current_user):
        abort(403)


def _audience_from(form: PostForm):
    return resolve_audience(
        current_user, form.audience.data, form.audience_users.data or "", form.audience_groups.data or ""
    )


def _audience_chosen(form: PostForm, publishing: bool) -> bool:
    """Publishing needs the readers named (the form chooses none for you). A draft or an upload may wait:
    it plans Members, never Public, and the editor shows that choice before anything is published."""
    if form.audience.data:
        return True
    if publishing:
        form.audience.errors = [*form.audience.errors, CHOOSE_AUDIENCE]
        return False
    form.audience.data = "members"
    return True


def _asks_public_confirmation(form: PostForm, post=None, *, publishing: bool) -> bool:
    """Whether this POST would open the post to Public for the first time (publishing it, or widening
    a published one) without the second step's `confirm_public`: then the editor comes back with that
    step naming what public means, everything typed kept and nothing saved. Any POST, with or without
    the Publish button: a script or a stale page gets the same question."""
    if form.confirm_public.data or "audience" not in form or form.audience.data != "public":
        return False
    if post is None or post.is_draft:
        return publishing
    return audience_of(post).kind != "public"


def _terms_from(form: PostForm):
    return terms_service.resolve_terms(form.terms.data, form.terms_custom.data)


def _render_editor(form: PostForm, post=None, status: int = 200, confirm_public: bool = False, restored: bool = False):
    preview = None
    if form.preview.data and form.body.data:
        preview = marks.render_source(form.body.data)
    files = (
        [(a, attachment_service.snippet(post.id, a)) for a in attachment_service.of_post(current_user, post)]
        if post
        else []
    )
    may_change_authors = post is None or permissions.can_change_authors(current_user, post)
    return render_template(
        "posts/edit.html",
        form=form,
        post=post,
        preview=preview,
        # How many readers the text's marks tell apart: for a post that is marked or uses alternatives.
        marks_note=marks.summary(form.body.data)
        if form.body.data and ("{{" in form.body.data or (post is not None and post.marks_copies))
        else None,
        # A form sent back (an error, a preview, an upload) or a placed file holds text not saved yet.
        # So does one given back after an expired session (views/kept_forms.py).
        unsaved=request.method == "POST" or bool(request.args.get("placed")) or restored,
        confirm_public=confirm_public,
        public_means=PUBLIC_MEANS,
        files=files,
        may_change_authors=may_change_authors,
        # What a change of readers would keep from them unless the author opens it.
        kept=history.kept_counts(post) if post is not None and may_change_authors else None,
    ), status


def _upload_from(form) -> attachment_service.Prepared | None:
    """The checked file of a post or comment form; None when none was chosen."""
    upload = form.file.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    attachment_service.ensure_upload_allowed(current_user)
    return attachment_service.prepare(upload.filename, upload.read())


def _uploaded(prepared) -> None:
    flash(f"Uploaded {prepared.filename}; it is in the text where your cursor was. Save to keep it there.", "success")


def _same_page(**_view_args) -> str:
    return request.path


def _preselect_default_audience(form: PostForm) -> None:
    """A new post starts with the author's default audience from settings, if they chose one."""
    preset = default_audience.preset(current_user)
    if preset is not None:
        form.audience.data = preset.kind
        form.audience_groups.data = preset.group_slug


@bp.route("/posts/new", methods=["GET", "POST"])
@keeps_text(_same_page)
@login_required
def new_post():
    """Publish, save a draft, or upload a file (which saves a draft to own it)."""
    _require_write()
    form = PostForm()
    if request.method == "GET":
        restored = kept_forms.restore(form)
        if not restored:
            _preselect_default_audience(form)
        return _render_editor(form, restored=restored)
    status = 400 if not form.preview.data else 200
    publishing = not (form.save_draft.data or form.upload.data)
    ready = form.validate_on_submit() and not form.preview.data and _audience_chosen(form, publishing)
    if ready and _asks_public_confirmation(form, publishing=publishing):
        return _render_editor(form, confirm_public=True)
    if ready:
        try:
            prepared = _upload_from(form) if form.upload.data else None
            if form.upload.data and prepared is None:
                raise ServiceError("Choose a file to upload.", field="file")
            post = post_service.create_post(
                current_user,
                form.title.data,
                form.body.data,
                form.tags.data or "",
                _audience_from(form),
                terms=_terms_from(form),
                draft=bool(form.save_draft.data or form.upload.data),
                coauthors=form.coauthors.data or "",
            )
            if prepared is not None:
                attachment_service.store(post, current_user, prepared)
        except ServiceError as error:
            status = _error_status(error)
            show_error(form, error)
        else:
            if prepared is not None:
                _uploaded(prepared)
                # The editor shows the file's Markdown in the text where the cursor was (nothing is saved on a GET).
                return redirect(url_for("posts.edit", post_id=post.id, placed=prepared.key, at=form.cursor.data))
            flash(
                "Draft saved. Only its authors can read it until you share or publish it."
                if post.is_draft
                else "Your post is published.",
                "success",
            )
            return redirect(url_for("posts.view", post_id=post.id))
    return _render_editor(form, status=status)


def _preview_limit() -> str:
    return current_app.config["PREVIEW_LIMIT"]


def _preview_key() -> str:
    return f"preview:{current_user.id}" if current_user.is_authenticated else f"preview:{client_address()}"


@bp.route("/posts/preview", methods=["POST"])
@limiter.limit(_preview_limit, key_func=_preview_key)
def preview():
    """The editor's live preview (static/editor.js): the text rendered as the post page renders it,
    math and figures included, sanitized like every stored post; nothing is saved."""
    if not current_user.is_authenticated:
        return jsonify(error="Sign in to preview."), 401
    form = PreviewForm()
    if not form.validate_on_submit():
        return jsonify(error=" ".join(form.body.errors) or "Nothing to preview."), 400
    return jsonify(html=marks.render_source(form.body.data) if form.body.data else "")


def _comment_sort() -> str:
    sort = request.args.get("sort", listings.COMMENT_SORTS[0])
    return sort if sort in listings.COMMENT_SORTS else listings.COMMENT_SORTS[0]


def _unknown_sort() -> str | None:
    """The `?sort=` asked for when it is not one we have (the page says so, in the default order)."""
    sort = request.args.get("sort")
    return sort if sort is not None and sort not in listings.COMMENT_SORTS else None


def _page_votes(post):
    """The viewer's votes on the post and all its comments: one query."""
    return viewer_votes(current_user, post_ids=[post.id], comment_ids=listings.comment_ids_of_post(post))


def comment_url(comment: Comment) -> str:
    """The post page at the page of comments (default order) that shows `comment`."""
    position = db.session.scalar(listings.top_level_position(current_user, comment, listings.COMMENT_SORTS[0])) or 0
    page = position // current_app.config["COMMENTS_PER_PAGE"] + 1
    return url_for("posts.view", post_id=comment.post_id, page=page if page > 1 else None, _anchor=f"c{comment.id}")


def _comment_page(viewer, post, sort: str) -> tuple[Page[tuple], PageThread]:
    """The requested page of a thread: `total` counts top-level comments, and `items` are
    the rows of those on this page with their replies; and the same rows as the viewer's
    thread (removed comments become placeholders: `visibility.comment_shown`). One query,
    which carries the count too; a second for the count only when the page has no comments
    to carry it."""
    per_page = current_app.config["COMMENTS_PER_PAGE"]
    number = 1 if post.is_deleted else page_arg()
    # All rows at once: cheaper than one at a time (SQLAlchemy makes them in one call).
    rows = [] if post.is_deleted else comment_page_of(viewer, post, sort, (number - 1) * per_page, per_page).all()
    thread, total = page_thread(rows, viewer, post, current_app.config["MAX_THREAD_DEPTH"])
    if total is None:
        total = 0 if post.is_deleted else db.session.execute(listings.top_level_count(viewer, post)).scalar_one()
    return Page(thread.rows, number, per_page, total), thread


def _mark_new(viewer, thread: PageThread, since) -> bool:
    """Comments someone else wrote since the viewer's previous visit (None: a first visit,
    nothing is new) are marked for this viewer alone, when the thread is printed. Whether
    any on this page is."""
    if since is None:
        return False
    thread.new_ids = frozenset(
        comment_id
        for comment_id, created, author in thread.written()
        if unread.written_since(created, author, viewer, since)
    )
    return bool(thread.new_ids)


def _render_post(post, comment_form: CommentForm | None, status: int = 200, visit: reads.Visit | None = None):
    # The viewer once: each question through the `current_user` proxy resolves it again (~100 a page).
    viewer = current_user._get_current_object()
    sort = _comment_sort()
    page, tree = _comment_page(viewer, post, sort)
    marked_new = _mark_new(viewer, tree, visit.since if visit is not None else None)
    # A reload that marks nothing new need not be recorded (services/reads.py).
    if visit is not None:
        reads.record_visit(visit, marked_new=marked_new)
    # The viewer's votes, follow, saved post and blocks: one statement, not four.
    relations = viewer_relations(viewer, post, votes=permissions.can_vote(viewer))
    audience = visibility.describe_audience(viewer, post)
    post_terms = terms_service.terms_box(viewer, post)
    can_moderate = permissions.can_moderate_post(viewer, post)
    shows_edit = post.id in visibility.edited_for(viewer, [post])
    page_html = render_template(
        "posts/view.html",
        post=post,
        body_html=marked_copies.html_for(viewer, post),
        tree=tree,
        comment_page=page,
        sort=sort,
        comment_sorts=listings.COMMENT_SORTS,
        unknown_sort=_unknown_sort(),
        audience=audience,
        votes=votes_from_rows(relations.vote_rows),
        saved=relations.saved,
        comment_form=comment_form,
        confirm_form=for_members(ConfirmForm),
        post_terms=post_terms,
        can_moderate=can_moderate,
        post_rights=_rights(viewer, post),
        shows_edit=shows_edit,
        publish_form=for_members(PublishForm) if post.is_draft else None,  # only a draft's box has it
        kept=history.kept_counts(post) if post.is_draft else None,
        # Its address, printed twice (the head's link and the comments' own): built once.
        comments_feed=url_for("feeds.comments", post_id=post.id)
        if not post.is_deleted and feeds.post_has_comment_feed(post)
        else None,
        # The parts every reader of this version and kind of viewer shares (rendering/post_html.py).
        part_key=post_html.part_key(
            viewer, post, can_moderate=can_moderate, shows_edit=shows_edit, audience=audience, post_terms=post_terms
        ),
        comment_form_key=post_html.comment_form_key(post, comment_form),
    )
    return thread_html.with_thread(page_html), status  # the thread goes in as the UTF-8 it is kept as


def _rights(viewer, post) -> dict:
    """What the page offers the viewer on this post (permissions decide; the page only shows)."""
    return {
        "edit": permissions.can_edit_post(viewer, post),
        "delete": permissions.can_delete_post(viewer, post),
        "comment": permissions.can_comment(viewer, post),
        "share": post.is_draft and permissions.can_change_authors(viewer, post),
    }


def _one_post(post_id: int) -> list[str]:
    """The post page shows this post alone: kept under its scope, EVERYTHING and the viewer's
    own token, not the viewer's other tokens (infra/page_cache.py). What it prints, and which
    committed write replaces which of those (forum/infra/page_cache.py `_reach`):
    - the post: title, body (a marked copy per reader), tags, state badges, edit stamp and
      versions kept, listing card, terms box's text, notices of removal or deletion, the
      draft box and its shares, the comment feed's link: a change to the post (`posts`,
      `post_audience`, `post_revisions`, `post_terms`, `post_listings`, `draft_shares`,
      `post_planned_audience`, its tags and co-authors): post:X;
    - the thread, comment and post scores, counts and vote widgets' totals: activity
      inside the post (`comments`, `votes`, the post's counters): post:X;
    - the viewer's own votes in it: `votes`, post:X; their follow or mute: `subscriptions`,
      their own token; their karma (the vote rules): their own token; what they may read
      and which groups the audience line names (their memberships): their own token;
    - the audience line's user and group names and which groups are listed, the byline's
      names, a moderator's view and every right shown (roles, bans, warnings, verification,
      two-factor), site and post terms acceptances, blocks, saved items, attachments,
      moderation notices: `users` (other than karma), `groups`, `bans`, `warnings`,
      `terms_acceptances`, `site_terms*`, `blocks`, `saved_items`, `attachments`,
      `mod_actions`: EVERYTHING;
    - the header: the bell's count is in the key by value (`header_of`); its open reports
      (`reports`), ban and names: EVERYTHING; "new since your last visit": never kept."""
    return [page_cache.post_scope(post_id)]


@bp.route("/posts/<int:post_id>")
@cached_page(scopes=_one_post, shows_only_scopes=True)
def view(post_id: int):
    viewer = current_user._get_current_object()
    post, gate = visibility.get_readable_body_or_gate(post_id, viewer)
    if gate is not None:
        return render_gate(post, gate)
    comment_form = for_members(CommentForm)
    if comment_form is not None:
        kept_forms.restore(comment_form)  # a comment sent when the session had expired
    return _render_post(post, comment_form, visit=reads.open_visit(viewer, post))


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@keeps_text(_same_page)
@login_required
def edit(post_id: int):
    post, gate = visibility.get_readable_body_or_gate(post_id, current_user)
    if not permissions.can_edit_post(current_user, post):
        abort(403)
    if gate is not None:
        # A co-editor who has not accepted the terms reads no more here than on the post page.
        return render_gate(post, gate)
    form = PostForm()
    authors_decide = permissions.can_change_authors(current_user, post)
    if not authors_decide:
        del form.audience  # an editor the draft was shared with edits the text, not who reads it
    status = 400 if request.method == "POST" and not form.preview.data else 200
    # A draft publishes with Publish (or the Public step's button); without either, a POST saves it.
    publishing = post.is_draft and bool(form.submit.data or form.confirm_public.data)
    restored = request.method == "GET" and kept_forms.restore(form)
    if restored:
        pass  # the text sent when the session had expired, not the saved one
    elif request.method == "GET":
        current = audience_of(post)
        form.coauthors.data = draft_service.coauthor_names(post)
        form.title.data, form.body.data = post.title, post.body_md
        form.tags.data = ", ".join(t.name for t in post.tags)
        if authors_decide:
            form.audience.data = current.kind
        form.audience_users.data = ", ".join(
            db.session.scalars(select(User.username).where(User.id.in_(current.user_ids)).order_by(User.username))
        )
        form.audience_groups.data = ", ".join(
            db.session.scalars(select(Group.slug).where(Group.id.in_(current.group_ids)).order_by(Group.slug))
        )
        form.terms.data, form.terms_custom.data = terms_service.form_values(post)
        placed = next(
            (a for a in attachment_service.of_post(current_user, post) if a.key == request.args.get("placed")), None
        )
        if placed is not None:  # just uploaded from the new-post form: its Markdown where the cursor was
            snippet = attachment_service.snippet(post.id, placed)
            if snippet not in form.body.data:
                form.body.data = attachment_service.place_snippet(form.body.data, snippet, request.args.get("at"))
    elif form.validate_on_submit() and form.upload.data:
        # The typed text stays in the form, unsaved; the file is attached to the post at once.
        try:
            prepared = _upload_from(form)
            if prepared is None:
                raise ServiceError("Choose a file to upload.", field="file")
            attachment_service.store(post, current_user, prepared)
        except ServiceError as error:
            status = _error_status(error)
            show_error(form, error)
        else:
            snippet = attachment_service.snippet(post.id, prepared)
            form.body.data = attachment_service.place_snippet(form.body.data or "", snippet, form.cursor.data)
            _uploaded(prepared)
            status = 200
    elif (
        form.validate_on_submit()
        and authors_decide
        and not form.preview.data
        and not _audience_chosen(form, publishing=not (post.is_draft and form.save_draft.data))
    ):
        pass  # the editor again, saying what to choose
    elif form.validate_on_submit() and authors_decide and _asks_public_confirmation(form, post, publishing=publishing):
        return _render_editor(form, post=post, confirm_public=True)
    elif form.validate_on_submit() and not form.preview.data:
        # Only authors choose the audience, terms and co-authors; an editor the draft was shared with edits the text.
        try:
            post_service.update_post(
                post,
                current_user,
                form.title.data,
                form.body.data,
                form.tags.data or "",
                _audience_from(form) if authors_decide else audience_of(post),
                terms=_terms_from(form) if authors_decide else KEEP,
                coauthors=(form.coauthors.data or "") if authors_decide else None,
                open_history=authors_decide and not post.is_draft and form.open_history.data,
            )
            if publishing:
                draft_service.publish(post, current_user, open_history=form.open_history.data)
        except ServiceError as error:
            status = _error_status(error)
            show_error(form, error)
        else:
            flash("Your post is published." if publishing else "Your changes are saved.", "success")
            return redirect(url_for("posts.view", post_id=post.id))
    return _render_editor(form, post=post, status=status, restored=restored)


@bp.route("/posts/<int:post_id>/delete", methods=["POST"])
@login_required
def delete(post_id: int):
    post = visibility.get_post_or_404(post_id, current_user)
    if not permissions.can_delete_post(current_user, post):
        abort(403)
    if ConfirmForm().validate_on_submit():
        post_service.delete_post(post)
        flash("The post was deleted.", "info")
    return redirect(url_for("posts.view", post_id=post.id))


def _comment_editor(post_id: int) -> str:
    """Where a comment's text goes back to: its reply page, or the post's page for a top-level one."""
    parent = request.form.get("parent_id", "")
    if parent.isdigit():
        return url_for("posts.reply", comment_id=int(parent))
    return url_for("posts.view", post_id=post_id)


@bp.route("/posts/<int:post_id>/comments", methods=["POST"])
@keeps_text(_comment_editor)
@login_required
def comment(post_id: int):
    post = visibility.get_post_body_or_404(post_id, current_user)
    _require_write()
    form = CommentForm()
    parent = None
    if form.parent_id.data:
        if not form.parent_id.data.isdigit():
            abort(400)
        # The form is shown again quoting the parent: only a comment whose text the viewer is shown.
        parent = visibility.get_shown_comment_or_404(int(form.parent_id.data), current_user)
    status = 400
    if form.validate_on_submit():
        try:
            prepared = _upload_from(form)
            body = form.body.data or ""  # DataRequired: never None here
            if prepared is not None:
                body = f"{body.rstrip()}\n\n{attachment_service.snippet(post.id, prepared)}"
            new = comment_service.add_comment(current_user, post, body, parent)
            if prepared is not None:
                attachment_service.store(post, current_user, prepared, comment=new)
        except ServiceError as error:
            status = _error_status(error)
            show_error(form, error)
        else:
            return redirect(comment_url(new))
    # Show the form again with what was typed, on the reply page or the post page.
    if parent is not None:
        return render_template("posts/reply.html", post=post, parent=parent, form=form), status
    return _render_post(post, form, status)


@bp.route("/comments/<int:comment_id>")
@cached_page
def comment_permalink(comment_id: int):
    """One comment with its whole subtree: where deep threads continue."""
    target = visibility.get_comment_or_404(comment_id, current_user)
    post = target.post
    comments = db.session.scalars(listings.comment_with_replies(current_user, target, _comment_sort())).unique().all()
    # The target heads its own subtree, shown in full from depth 0.
    root = Node(
        target, 0, children=_tree(comments, root_id=target.id), shown=visibility.shows_comment(current_user, target)
    )
    parent = next((c for c in comments if c.id == target.parent_id), None)
    return render_template(
        "posts/comment.html",
        post=post,
        target=target,
        parent=parent,
        tree=[root],
        votes=_page_votes(post),
        thread_url=comment_url(target),
        comment_form=for_members(CommentForm),
        confirm_form=for_members(ConfirmForm),
        can_moderate=permissions.can_moderate_post(current_user, post),
    )


@bp.route("/comments/<int:comment_id>/reply", methods=["GET"])
@login_required
def reply(comment_id: int):
    parent = visibility.get_shown_comment_or_404(comment_id, current_user)
    _require_write()
    form = CommentForm(parent_id=str(parent.id))
    kept_forms.restore(form)
    return render_template("posts/reply.html", post=parent.post, parent=parent, form=form)


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@keeps_text(_same_page)
@login_required
def edit_comment(comment_id: int):
    target = visibility.get_shown_comment_or_404(comment_id, current_user)
    if not permissions.can_edit_comment(current_user, target):
        abort(403)
    form = CommentForm()
    if request.method == "GET" and not kept_forms.restore(form):
        form.body.data = target.body_md
    elif form.validate_on_submit():
        try:
            comment_service.edit_comment(target, form.body.data)
        except ServiceError as error:
            show_error(form, error)
        else:
            return redirect(comment_url(target))
    status = 400 if request.method == "POST" else 200
    return render_template("posts/edit_comment.html", comment=target, form=form), status


@bp.route("/comments/<int:comment_id>/delete", methods=["POST"])
@login_required
def delete_comment(comment_id: int):
    target = visibility.get_comment_or_404(comment_id, current_user)
    if not permissions.can_delete_comment(current_user, target):
        abort(403)
    if ConfirmForm().validate_on_submit():
        comment_service.delete_comment(target)
        flash("Your comment was deleted.", "info")
    return redirect(comment_url(target))
