"""The read rule cannot be bypassed: content is queried only inside the read layer.

Every read of a post, a comment or anything that names one goes through forum/visibility.py
and the viewer-taking helpers in forum/queries/ (services write, and the index writer reads
what it indexes). A query of a content table anywhere else (a view, the API, mail,
rendering, the web layer, the CLI) could skip the audience, the terms or "removed", so
this test walks forum/ with `ast` and fails on one. Move such a query into forum/queries/
as a helper that takes the viewer; allow-list it below only with a reason.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from werkzeug.exceptions import NotFound

import forum
from forum import models
from forum.extensions import db
from forum.models.post import post_tags

ROOT = Path(forum.__file__).parent

# Where content may be queried: the rule, its read helpers, the mutations, the models
# themselves, and the index writer (it reads what it stores, with the audience tokens).
READ_LAYER = (
    "visibility.py",
    "queries/",
    "services/",
    "models/",
    "search/indexing.py",
    "search/postgres.py",
)

# Models (and tables) that hold a post's content, or say something about a post or comment
# (its existence, audience, readers, files, versions, terms): decided from forum/models.
CONTENT = {
    "Post",
    "PostAudience",
    "PostRevision",
    "PostListing",
    "AccessRequest",
    "Attachment",
    "Comment",
    "Conversation",
    "ConversationParticipant",
    "Message",
    "Block",
    "SavedItem",
    "DraftShare",
    "PlannedAudience",
    "Notification",
    "PostRead",
    "PostTerms",
    "TermsAcceptance",
    "Report",
    "SearchEntry",
    "Vote",
    "post_coauthors",
    "post_tags",
}

# Calls that build or run a query. `select(...)`, `exists(...)` and friends by their own name;
# the session's and Flask-SQLAlchemy's runners by their attribute name.
BUILDERS = {"select", "exists", "insert", "update", "delete", "union", "union_all", "text"}
RUNNERS = {
    "get",
    "get_one",
    "scalar",
    "scalars",
    "execute",
    "query",
    "paginate",
    "get_or_404",
    "first_or_404",
    "one_or_404",
}

# Their table names, for raw SQL in `text(...)`.
TABLES = {
    table.name
    for table in db.metadata.sorted_tables
    if any(getattr(getattr(models, name, None), "__table__", None) is table for name in CONTENT)
} | {post_tags.name, models.post_coauthors.name}

# (file, function): why it may query content outside the read layer. Keep it short.
ALLOWED: dict[tuple[str, str], str] = {
    ("permissions.py", "draft_role"): "the viewer's own share of a draft the caller fetched through visibility: "
    "who may edit or comment on it is a write rule",
    ("infra/page_cache.py", "_post_tokens"): "which readers' kept pages a committed write reaches: audience "
    "tokens by post id, used as cache scopes and never shown",
    ("infra/page_cache.py", "_reach"): "the post a written vote, comment or notification belongs to, by id, to "
    "find the scopes above",
    ("mail/compose.py", "_thread_batch"): "the recipient's own notification that opened a thread's batch, for its "
    "post id; what the email says comes from inbox.items, through visibility",
    ("mail/outbox.py", "_deliver"): "the post id of the recipient's own notification, to skip later batches of "
    "the same thread; nothing is shown",
    ("demo/history.py", "add_earlier_work"): "the demo seed finds the post it just wrote, in the CLI, for no viewer",
    ("demo/history.py", "add_open_report"): "the demo seed finds the post it just wrote, in the CLI, for no viewer",
    ("demo/history.py", "spread_over_past_days"): "the demo seed dates what it wrote into the past, in the CLI, "
    "for no viewer",
}


def _names(node: ast.AST) -> set[str]:
    """Content models a node mentions (`Post`, `models.Post`, `Post.id`, or a table in raw SQL)."""
    found = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and child.id in CONTENT:
            found.add(child.id)
        elif isinstance(child, ast.Attribute) and child.attr in CONTENT:
            found.add(child.attr)
        elif isinstance(child, ast.Call) and _called(child) == "text":
            for arg in child.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.update(set(re.findall(r"[a-z_]+", arg.value.lower())) & TABLES)
    return found


def _called(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _is_query(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in BUILDERS
    if isinstance(func, ast.Attribute):
        if func.attr in BUILDERS:  # sa.select, db.select; not bp.delete("/route")
            return ast.unparse(func.value) in ("db", "sa", "sqlalchemy")
        # db.session.get(...), db.session.scalars(...), db.paginate(...); not dict.get or str.query
        receiver = ast.unparse(func.value)
        return func.attr in RUNNERS and (receiver.endswith("session") or receiver == "db")
    return False


def stray_queries(path: Path, source: str) -> list[tuple[str, str, int, str]]:
    """(file, function, line, code) for each content query in this file."""
    tree = ast.parse(source)
    relative = path.relative_to(ROOT).as_posix()
    found = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name if function == "<module>" else f"{function}.{child.name}")
                continue
            hit = None
            if isinstance(child, ast.Call) and _is_query(child) and _names(child):
                hit = child
            # Post.query (Flask-SQLAlchemy's legacy query property)
            elif isinstance(child, ast.Attribute) and child.attr == "query" and _names(child.value):
                hit = child
            if hit is not None:
                found.append((relative, function, hit.lineno, ast.unparse(hit)[:100]))
                continue  # one report per query, not one per nested select
            visit(child, function)

    visit(tree, "<module>")
    return found


def _outside_read_layer() -> list[Path]:
    return [path for path in sorted(ROOT.rglob("*.py")) if not path.relative_to(ROOT).as_posix().startswith(READ_LAYER)]


def test_no_content_query_outside_the_read_layer():
    strays = []
    for path in _outside_read_layer():
        for relative, function, line, code in stray_queries(path, path.read_text()):
            if (relative, function.split(".")[0]) not in ALLOWED:
                strays.append(f"forum/{relative}:{line} in {function}: {code}")
    assert strays == [], "Content queried outside the read layer (move it into forum/queries/):\n" + "\n".join(strays)


def test_every_allowance_is_still_needed():
    """An allow-list entry whose query moved away is removed, so the list stays short."""
    used = set()
    for path in _outside_read_layer():
        used.update(
            (relative, function.split(".")[0]) for relative, function, _, _ in stray_queries(path, path.read_text())
        )
    assert set(ALLOWED) - used == set()


def test_the_walk_sees_each_kind_of_stray_query():
    """The detector itself: each way of querying content is found, and ordinary code is not."""
    source = """
def view(post_id, viewer):
    a = db.session.get(Comment, post_id)
    b = db.session.scalar(select(Post).where(Post.id == post_id))
    c = Post.query.filter_by(id=post_id).first()
    d = db.session.scalars(visibility.visible_posts(viewer).where(Post.id.in_([1])))
    e = db.paginate(select(models.Attachment))
    f = db.session.execute(text("SELECT id FROM comments WHERE post_id = :p"), {"p": post_id})
    return {}.get("x"), db.session.get(User, 1), select(User.id), listings.posts_by(viewer, viewer)
"""
    found = stray_queries(ROOT / "views" / "example.py", source)
    assert [(function, line) for _, function, line, _ in found] == [
        ("view", 3),
        ("view", 4),
        ("view", 5),
        ("view", 6),
        ("view", 7),
        ("view", 8),
    ]


# --- read helpers refuse by themselves, whatever their caller checked ----------------------


def test_read_helpers_refuse_a_viewer_their_page_would_refuse(app):
    from forum.queries import audit, reports
    from forum.queries import groups as group_queries
    from forum.queries import terms as terms_queries
    from forum.services import access, attachments, drafts, moderation, reads
    from forum.services import groups as group_service
    from tests.factories import make_attachment, make_group, make_post, make_user
    from tests.moderation_helpers import make_moderator

    author, reader, editor, outsider = (make_user(name) for name in ("ada", "ben", "eli", "out"))
    mod = make_moderator("mod")
    post = make_post(author, "Restricted", audience="restricted", users=(reader,))
    reads.record_read(reader, post)
    access.set_listing(author, post, True, "An abstract long enough to be shown to the members of the site.")
    access.request_access(outsider, post, "please")
    draft = make_post(author, "Draft", draft=True)
    drafts.share_draft(draft, author, editor.username, "edit")
    make_attachment(author, draft)
    hidden = make_group(author, "Hidden", members=(reader,), listed=False)
    group_service.invite(author, hidden, outsider.username)
    group = make_group(author, "Open")
    group_service.request_to_join(outsider, group, "let me in")
    report = moderation.report(reader, make_post(author, "Reported"), None, "spam")

    # Those the page is for get the rows...
    assert audit.reads_of(author, post) and audit.requests_of(author, post)
    assert audit.listing_of(author, post) is not None
    assert drafts.shares(author, draft) and attachments.of_post(editor, draft)
    assert group_queries.members(reader, hidden)
    assert group_queries.pending_requests(author, group) and group_queries.pending_invitations(author, hidden)
    assert db.session.scalars(reports.queue(mod)).all() == [report]
    assert reports.get_report_or_404(mod, report.id) == report
    # ...and everyone else gets nothing, without their caller checking.
    assert audit.reads_of(reader, post) == [] and audit.requests_of(reader, post) == []
    assert audit.listing_of(reader, post) is None and terms_queries.acceptances_of(reader, post) == []
    assert drafts.shares(editor, draft) == [] and attachments.of_post(outsider, draft) == []
    assert group_queries.members(outsider, hidden) is None
    assert (
        group_queries.pending_requests(reader, group) == [] and group_queries.pending_invitations(reader, hidden) == []
    )
    assert db.session.scalars(reports.queue(reader)).all() == []
    with pytest.raises(NotFound):
        reports.get_report_or_404(reader, report.id)
