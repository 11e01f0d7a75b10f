"""THE read rule. Every page, listing, count, feed and search result decides what a
viewer may read through this module, so the rule lives in one place.

A viewer is a set of principal tokens (`public`, `members`, `user:<id>`, `group:<id>`);
a post's audience is a set of tokens in `post_audience`; a viewer reads a post when
the two sets meet. The same tokens go into the search index, written by `audience_tokens`.

A post may carry usage terms. Then a reader in its audience sees only its title, author,
audience and terms until they accept the current version (`body_readable`); its body,
comments and revisions stay hidden, and their addresses answer 404. Comments are
readable exactly when their post's body is.

Tokens are read from the database on every request (cached only for that request),
so leaving a group or a narrowed audience takes effect on the very next request.
A group may require two-factor sign-in of its readers: a member whose account lacks it
holds no token of that group (`principals`), so its posts answer them as to an outsider.

A draft is read by its authors and the people they shared it with: while it is a draft,
its `post_audience` rows hold exactly their user tokens (the audience chosen for
publishing waits in `post_planned_audience`), so `readable` needs no exception for it.
A draft is in no listing, count or search for anyone (`listed`); the Drafts page lists
them through `visible_drafts`. Unsharing deletes the token: 404 on the next request.

An attachment is readable exactly when its post's body is (`get_attachment_or_404`).

Each earlier version, and each comment written while the post was a draft, keeps the
audience it was written for (models/snapshot.py): it is read by whoever could read it
then AND can read the post now (`in_snapshot`), so publishing a draft or widening an
audience opens only the current text unless the author chooses to open the rest.

Content removed by a moderator leaves every listing and count, for everyone. Its own
page still opens for its author (who is told why) and for those who may moderate it,
but only if they are in its audience: a moderator's role is never a key to a post.

Pick the fetcher or clause that applies the whole rule for your purpose; never rebuild
one from its parts (`deleted_at`, `removed_at`, `is_draft`) outside this module:

    name                        returns                          for whom / refuses how
    --------------------------  -------------------------------  ------------------------------------------------
    Posts
    readable(viewer)            SQL clause on Post               in the audience (drafts: authors and sharees)
    listed(viewer)              SQL clause on Post               readable, published, not deleted, not removed:
                                                                 every listing and count
    visible_posts(viewer)       Select[Post]                     listed: where every listing starts
    can_read_post / readable_post_ids   bool / set of ids        readable (no state): e.g. link a title or not
    get_post_or_404             Post (deleted ones too)          readable; removed only to its author and its
                                                                 moderators; else 404. Title-level pages only
    get_readable_body_or_gate   (Post, terms or None)            as get_post_or_404, with the terms to accept:
                                                                 pages that show the text show the gate instead
                                                                 (post page, editor)
    get_post_body_or_404        Post                             as get_post_or_404 and past the terms, else 404:
                                                                 addresses that only serve text or change it
                                                                 (revisions, diffs, comments, API edit, files)
    get_live_post_body_or_404   Post                             as get_post_body_or_404, never a deleted post:
                                                                 addresses that quote or act on it (report)
    can_read_body(viewer, id)   bool                             the same test for one post, no abort
    anyone_reads_in_full(id)    bool or None                     listed and past the terms for an anonymous
                                                                 reader, as this request's fetch found it
    body_readable / title_only  SQL clause on Post               past the terms (authors always) / gated
    gated_post_ids / gated_comment_ids   Select of ids           listed but gated: titles only, no snippets
    Listing cards (restricted posts listed by their author)
    discoverable(viewer)        SQL clause on Post               signed-in members: title, author, abstract only
    discoverable_posts / listing_cards / get_listing_or_404      the cards; 404 like a missing post
    read_listing_ids(viewer)    Select of ids                    cards of posts the viewer already reads
    Comments
    visible_comments(viewer)    Select[Comment]                  on listed posts past the terms; never deleted or
                                                                 removed: every listing and count of comments
    get_comment_or_404          Comment (any state)              on a post whose body the viewer reads, else 404:
                                                                 permalinks, votes, moderation (placeholders)
    shows_comment(viewer, c)    bool                             its text, not a placeholder: removed ones only
                                                                 to their author and the post's moderators
    shown_comment_ids           set of ids                       get_shown_comment_or_404 for many, no abort
    get_shown_comment_or_404    Comment                          get_comment_or_404 and shows_comment, else 404:
                                                                 every address that quotes or acts on its text
                                                                 (reply page and form, edit, report, API)
    Versions and draft-era comments (each keeps the audience it was written for)
    in_snapshot / comment_in_snapshot / revision_in_snapshot    SQL clause: written for the viewer (with readable)
    comments_of / revisions_of  Select                           of a post already fetched: what the viewer may see
    edited_for(viewer, posts)   set of post ids                  may know it was edited (reads an earlier version)
    snapshot_principals / both_audiences    tokens               the index writer only: a kept comment's acl
    Drafts, files, search, tags, groups, references
    visible_drafts(viewer)      Select[Post]                     the viewer's drafts and those shared with them
    get_attachment_or_404       (Post, Attachment)               whoever reads the body (and the comment), else 404
    readable_hits               (posts, comments) by id          search hits re-checked: listed, comments past terms
    search_exclusions           SearchExclusions                 what a search leaves out for the viewer: gated
                                                                 posts and comments, read cards, bans; one statement
    post_principals             tokens by post id                the index writer only (what a post is shared with)
    visible_tags(viewer)        Select[(Tag, count)]             tags of listed posts, counted over listed posts
    visible_groups / get_group_or_404 / visible_group_clause    listed groups, the viewer's, invitations; 404
    can_see_members / can_see_group_activity    bool             who is in a group / its counts and posts
    describe_audience           dict                             what the post page may say about its audience
    references_readable         SQL clause                       notifications and their emails name only what
                                                                 the viewer may read now
    refers_to_readable          SQL clause                       the moderation log: posts the viewer may open
                                                                 (removed ones only to author and moderators),
                                                                 comments in their snapshot, messages of the
                                                                 viewer's conversations

    Conversations (their participants are the audience; nothing else opens one)
    in_conversation(viewer, col) SQL clause on a conversation id     the viewer is a participant who has not left
                                                                 nor declined: lists, counts, notifications
    visible_conversations       Select[Conversation]             the viewer's inbox; in no other listing,
                                                                 search, feed, count or profile for anyone
    get_conversation_or_404     (Conversation, participant row)  a participant, else the 404 of a missing one
                                                                 (former participants and moderators included)
    messages_of(viewer, c)      Select[Message]                  of a conversation already fetched
    get_message_attachment_or_404   MessageAttachment            a file sent in it: participants only, else 404
    get_message_or_404(c, id)   Message                          one live message of a conversation already fetched

Read helpers in forum/queries/ take the viewer, start from these and refuse by themselves
(member lists, join requests, invitations, read receipts, acceptances, draft shares, the
editor's files). tests/test_read_layer.py fails on a content query anywhere else.

One read of restricted text does not pass through `readable`: a report keeps a copy of the
reported title and text (or of one reported message), and site moderators read that copy
in their queue whether or not they are in the post's audience or the conversation
(forum/queries/reports.py, moderators only, 404 otherwise). The conversation itself stays
closed to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import abort
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    DateTime,
    Integer,
    Row,
    Select,
    String,
    and_,
    bindparam,
    exists,
    false,
    func,
    inspect,
    literal_column,
    not_,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased, joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from forum.extensions import db
from forum.infra import prebuilt, viewer_state
from forum.infra.loaded import as_loaded, column_keys, loaded
from forum.infra.memo import forget, request_memo
from forum.infra.planner import not_from_index
from forum.infra.rows import rows as plain_rows
from forum.models import (
    Attachment,
    AudienceSnapshotPrincipal,
    Ban,
    Comment,
    Conversation,
    ConversationParticipant,
    Group,
    GroupInvitation,
    Membership,
    Message,
    MessageAttachment,
    Post,
    PostAudience,
    PostListing,
    PostRevision,
    PostTerms,
    Tag,
    TermsAcceptance,
    User,
    post_coauthors,
)
from forum.models._time import utcnow
from forum.models.moderated import AuthorRow, ModeratedRow
from forum.models.post import post_tags
from forum.models.principals import MEMBERS, PUBLIC, group_ids_in, group_token, user_ids_in, user_token
from forum.models.user import is_signed_in


def principals(viewer: User | None) -> frozenset[str]:
    """The tokens a viewer holds right now.

    A member of a group that requires two-factor sign-in (`Group.requires_two_factor`)
    holds its token only once their account has it: until then every post, count, search
    hit and feed entry shared with the group is out of their reach, as for an outsider.
    """
    if not is_signed_in(viewer):
        return frozenset({PUBLIC})
    cache = request_memo(_PRINCIPALS)
    if viewer.id not in cache:
        # The member's groups come with the rest of their state, in one statement a request.
        groups = viewer_state.state(viewer.id).open_group_ids
        cache[viewer.id] = frozenset({PUBLIC, MEMBERS, user_token(viewer.id), *(group_token(gid) for gid in groups)})
    return cache[viewer.id]


# Per request only (forum/infra/memo.py says why not `g`): a removed member loses access
# on their very next request.
_PRINCIPALS = "principals"


def forget_principals() -> None:
    """Drop the per-request cache after a membership change inside the same request."""
    forget(_PRINCIPALS)
    viewer_state.forget()


def audience_tokens(
    author_id: int,
    kind: str,
    user_ids: Iterable[int],
    group_ids: Iterable[int],
    coauthor_ids: Iterable[int] = (),
) -> set[str]:
    """The tokens stored for an audience choice. The authors can always read their post."""
    tokens = {user_token(author_id), *(user_token(uid) for uid in coauthor_ids)}
    if kind == "public":
        tokens.add(PUBLIC)
    elif kind == "members":
        tokens.add(MEMBERS)
    else:
        tokens.update(user_token(uid) for uid in user_ids)
        tokens.update(group_token(gid) for gid in group_ids)
    return tokens


# --- posts -----------------------------------------------------------------------------


def readable(viewer: User | None, post_id_column=Post.id) -> ColumnElement[bool]:
    """SQL: the post in `post_id_column` has an audience token the viewer holds.

    On SQLite it is probed per post through the primary key (post_id, principal): one
    short range per post. `not_from_index` keeps SQLite's planner off the
    (principal, post_id) index here, which it would otherwise probe once per token: 23
    lookups a post for a viewer in 20 groups, 350 ms to count a 50,000-post front page.
    PostgreSQL needs that index to count (one range per token, then a hash join), so it
    keeps it (bench/README.md, "visibility").
    """
    return exists().where(
        PostAudience.post_id == post_id_column,
        not_from_index(PostAudience.principal).in_(principals(viewer)),
    )


def open_to_every_member(post_id_column=Post.id) -> ColumnElement[bool]:
    """SQL: the post's audience is public or all members, i.e. anyone may read it after
    registering. Karma, which is public, counts only votes on such posts (docs/karma.md)."""
    return exists().where(
        PostAudience.post_id == post_id_column,
        PostAudience.principal.in_((PUBLIC, MEMBERS)),
    )


def listed(viewer: User | None) -> ColumnElement[bool]:
    """SQL: the post may appear in listings and counts for the viewer
    (readable, published, neither deleted nor removed)."""
    return and_(readable(viewer), _published_and_live())


def _published_and_live() -> ColumnElement[bool]:
    return and_(Post.is_draft.is_(False), Post.deleted_at.is_(None), Post.removed_at.is_(None))


def visible_posts(viewer: User | None) -> Select[tuple[Post]]:
    """Every listing of posts starts here."""
    return select(Post).where(listed(viewer))


def can_read_post(viewer: User | None, post_id: int) -> bool:
    return bool(db.session.scalar(select(readable(viewer)).select_from(Post).where(Post.id == post_id)))


def readable_post_ids(viewer: User | None, post_ids: Iterable[int]) -> set[int]:
    """Which of these posts the viewer is in the audience of (one query for a page)."""
    ids = set(post_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(Post.id).where(Post.id.in_(ids), readable(viewer))))


def sees_removed(viewer: User | None, author_id: int, post: Post) -> bool:
    """May this viewer, already in the post's audience, see removed content by
    `author_id` on it? Its author may (to read why), and so may whoever may moderate it."""
    from forum import permissions  # permissions never imports visibility; the cycle is one-way

    if not is_signed_in(viewer):
        return False
    return viewer.id == author_id or permissions.can_moderate_post(viewer, post)


def get_post_or_404(post_id: int, viewer: User | None) -> Post:
    """The single-object check: the listing clause applied to one id.

    A post the viewer may not read answers 404, exactly like one that never existed.
    A deleted post is still returned so its page can say it was deleted; a removed
    one only to its author and its moderators (in its audience), 404 to everyone else.
    """
    post = _one_post(post_id, viewer, body=False)
    if post is None or (post.is_removed and not sees_removed(viewer, post.author_id, post)):
        abort(404)
    return post


def _one_post(post_id: int, viewer: User | None, *, body: bool) -> Post | None:
    """The post if the viewer reads it (`readable`), and with `body` past its terms too
    (`body_readable`); None otherwise.

    Its statement is built once per process and kind of viewer (infra/prebuilt.py), from
    the same clauses: building it and its eager loads cost more than SQLite took to run it.
    The post's id is a bound parameter, the viewer's id and tokens are put in by the core,
    which refuses to build a statement that depends on the viewer in any other way.

    Its rows are plain rows (infra/rows.py) made into the post, its author, tags and
    co-authors as their joined loads would (infra/loaded.py): the ORM set up those loaders
    afresh on every call, a third of a signed-out post page (bench/README.md, "Issue 23,
    sixth round"). The rows are those the check let through; nothing else is made."""
    statement, params = prebuilt.variant_for("visibility.one_post", _one_post_statement, viewer, principals, (body,))
    found = plain_rows(statement, {**params, "post_id": post_id}).all()
    if not found:
        return None
    post = _made_post(found)
    request_memo(_IN_FULL)[post.id] = bool(found[0][_IN_FULL_AT])
    if "audience" in inspect(post).unloaded:
        # Its audience by a statement built once too: the `selectin` loader rebuilt its own
        # statement each time, half the fetch. Read only after the check let the post through.
        audience = [as_loaded(PostAudience, row) for row in plain_rows(_AUDIENCE, {"post_id": post.id})]
        set_committed_value(post, "audience", audience)
    return post


_AUDIENCE = select(*(getattr(PostAudience, key) for key in column_keys(PostAudience))).where(
    PostAudience.post_id == bindparam("post_id", type_=Integer)
)
_IN_FULL = "anyone_reads_in_full"
# Where each part of `_one_post_statement`'s row starts: the post's columns, whether anyone
# reads it in full, its author's columns, a tag's, a co-author's.
_POST_KEYS, _USER_KEYS, _TAG_KEYS = column_keys(Post), column_keys(User), column_keys(Tag)
_IN_FULL_AT = len(_POST_KEYS)
_AUTHOR_AT = _IN_FULL_AT + 1
_TAG_AT = _AUTHOR_AT + len(_USER_KEYS)
_COAUTHOR_AT = _TAG_AT + len(_TAG_KEYS)


def _one_post_statement(viewer: User | None, body: bool) -> Select:
    """One post with what every post page shows of it, in two statements instead of four:
    its author, tags and co-authors joined to it (at most 8 x 10 rows) in the order their
    relationships give, then its audience (which can name many readers, so it stays a
    statement of its own, which `_one_post` runs). Beside the post, whether an anonymous
    reader may read it in full (`anyone_reads_in_full`).

    Every joined table is an alias, as the joined loads' were: the rule's own subqueries
    (co-authors in `is_author`) must never correlate to a table of the join."""
    where = [Post.id == bindparam("post_id", type_=Integer), readable(viewer)]
    if body:
        where.append(body_readable(viewer))
    in_full = and_(listed(None), body_readable(None)).label(_IN_FULL)
    author, tag, coauthor = aliased(User), aliased(Tag), aliased(User)
    tagged, coauthored = post_tags.alias(), post_coauthors.alias()
    return (
        select(
            *(getattr(Post, key) for key in _POST_KEYS),
            in_full,
            *(getattr(author, key) for key in _USER_KEYS),
            *(getattr(tag, key) for key in _TAG_KEYS),
            *(getattr(coauthor, key) for key in _USER_KEYS),
        )
        .join(author, author.id == Post.author_id)
        .outerjoin(tagged, tagged.c.post_id == Post.id)
        .outerjoin(tag, tag.id == tagged.c.tag_id)
        .outerjoin(coauthored, coauthored.c.post_id == Post.id)
        .outerjoin(coauthor, coauthor.id == coauthored.c.user_id)
        .where(*where)
        .order_by(tag.name, coauthor.username)  # the relationships' order_by
    )


def _made_post(found: Sequence[Row]) -> Post:
    """The post of `_one_post_statement`'s rows (one per tag and co-author pair), with its
    author, tags and co-authors, as the session's objects."""
    first = found[0]
    post = as_loaded(Post, first[:_IN_FULL_AT])
    tags: dict[int, Tag] = {}
    coauthors: dict[int, User] = {}
    for row in found:
        tag_id, coauthor_id = row[_TAG_AT], row[_COAUTHOR_AT]
        if tag_id is not None and tag_id not in tags:
            tags[tag_id] = as_loaded(Tag, row[_TAG_AT:_COAUTHOR_AT])
        if coauthor_id is not None and coauthor_id not in coauthors:
            coauthors[coauthor_id] = as_loaded(User, row[_COAUTHOR_AT:])
    loaded(post, "author", as_loaded(User, first[_AUTHOR_AT:_TAG_AT]))
    loaded(post, "tags", list(tags.values()))
    loaded(post, "coauthors", list(coauthors.values()))
    return post


def anyone_reads_in_full(post_id: int) -> bool | None:
    """Whether an anonymous reader may read the post in full (`listed` and `body_readable`
    for them: what its comment feed serves), as this request's checked fetch of it found
    beside the post; None when no fetch of it in this request asked. The page that links
    to the feed needs no statement of its own for it."""
    return request_memo(_IN_FULL).get(post_id)


# --- usage terms: the body gate ---------------------------------------------------------


def body_readable(viewer: User | None) -> ColumnElement[bool]:
    """SQL: the viewer may read the body (and comments, revisions) of the post in `Post`.

    True when the post has no terms, the viewer wrote it, or the viewer accepted the
    version in force. Only meaningful together with `readable`: it never widens an audience.
    """
    no_terms = Post.terms_version.is_(None)
    if not is_signed_in(viewer):
        return no_terms
    accepted = exists().where(
        TermsAcceptance.post_id == Post.id,
        TermsAcceptance.user_id == viewer.id,
        TermsAcceptance.version == Post.terms_version,
    )
    return or_(no_terms, is_author(viewer), accepted)


def is_author(viewer: User | None) -> ColumnElement[bool]:
    """SQL: the viewer wrote the post in `Post`, alone or as a co-author."""
    if not is_signed_in(viewer):
        return Post.id.is_(None)  # false for every row
    coauthor = exists().where(post_coauthors.c.post_id == Post.id, post_coauthors.c.user_id == viewer.id)
    return or_(Post.author_id == viewer.id, coauthor)


def title_only(viewer: User | None) -> ColumnElement[bool]:
    """SQL: the post is gated for the viewer: show its title, never its text or snippets."""
    return not_(body_readable(viewer))


def gated_post_ids(viewer: User | None, *, include_removed: bool = False) -> Select[tuple[int]]:
    """Ids of posts the viewer may list but not read until they accept terms (for search's
    `title_only_post_ids`): a subquery, or run it for a set. `include_removed`: also
    removed ones, for a moderator's search that shows removed content."""
    shown = and_(readable(viewer), Post.deleted_at.is_(None)) if include_removed else listed(viewer)
    # Only posts with terms can be gated: tested first, the audience is probed for those alone.
    return select(Post.id).where(Post.terms_version.is_not(None), shown, title_only(viewer))


def gated_comment_ids(viewer: User | None, *, include_removed: bool = False) -> Select[tuple[int]]:
    """Ids of comments on posts gated for the viewer: search must not show them at all."""
    return select(Comment.id).where(Comment.post_id.in_(gated_post_ids(viewer, include_removed=include_removed)))


def can_read_body(viewer: User | None, post_id: int) -> bool:
    """In the post's audience and past its terms: what `get_post_body_or_404` lets through."""
    query = select(and_(readable(viewer), body_readable(viewer))).select_from(Post).where(Post.id == post_id)
    return bool(db.session.scalar(query))


def get_readable_body_or_gate(post_id: int, viewer: User | None) -> tuple[Post, PostTerms | None]:
    """The post page's fetch: 404 outside the audience, else (post, terms to accept first).

    The terms are None when the viewer may read the body.
    """
    post = get_post_or_404(post_id, viewer)
    if post.terms_version is None or post.is_deleted:
        return post, None
    if db.session.scalar(select(body_readable(viewer)).select_from(Post).where(Post.id == post.id)):
        return post, None
    terms = db.session.scalar(
        select(PostTerms).where(PostTerms.post_id == post.id, PostTerms.version == post.terms_version)
    )
    return post, terms


def get_post_body_or_404(post_id: int, viewer: User | None) -> Post:
    """For addresses that show or change a post's text (revisions, new comments): a gated
    post answers 404 there, like a hidden one."""
    post = _one_post(post_id, viewer, body=True)
    if post is None or (post.is_removed and not sees_removed(viewer, post.author_id, post)):
        abort(404)
    return post


def get_live_post_body_or_404(post_id: int, viewer: User | None) -> Post:
    """For addresses that quote or act on a post's text as it stands (a report): the body
    the viewer may read, and never a deleted post, whose title and text nobody is shown."""
    post = get_post_body_or_404(post_id, viewer)
    if post.is_deleted:
        abort(404)
    return post


# --- listed restricted posts: the card outsiders may see, to request access ---------------


def discoverable(viewer: User | None) -> ColumnElement[bool]:
    """SQL: the viewer may see the listing card of the post in `Post`: its title, author
    and abstract, and nothing else (no body, comments, counts or audience).

    Only signed-in members, only for restricted posts whose author listed them, neither
    deleted nor removed. Independent of `readable`: a reader sees the post itself. An
    unlisted restricted post is exactly as invisible as before (its request-access
    addresses answer 404, like a missing post). The search index stores the card as a
    document of its own with the `members` token (indexing.listing_document).
    """
    if not is_signed_in(viewer):
        return false()
    return has_listing_card()


def has_listing_card() -> ColumnElement[bool]:
    """SQL: the post in `Post` shows a listing card to members (see `discoverable`); what
    the search index asks when it writes the card's document."""
    # An alias: callers join post_listings themselves, and the clause must stay its own.
    listing = aliased(PostListing)
    return and_(
        Post.audience_kind == "restricted",
        _published_and_live(),  # a draft shows no card, even if listed
        exists().where(listing.post_id == Post.id),
    )


def read_listing_ids(viewer: User | None) -> Select[tuple[int]]:
    """Ids of listed posts the viewer already reads: search shows them the post, not its card."""
    return select(Post.id).where(discoverable(viewer), readable(viewer))


def discoverable_posts(viewer: User | None) -> Select[tuple[Post, PostListing]]:
    """Listing cards the viewer may see, newest first."""
    return (
        select(Post, PostListing)
        .join(PostListing, PostListing.post_id == Post.id)
        .where(discoverable(viewer))
        .order_by(PostListing.created_at.desc(), Post.id.desc())
    )


def listing_cards(viewer: User | None, post_ids: Iterable[int]) -> dict[int, tuple[Post, PostListing]]:
    """Of these posts, the listing cards the viewer may see (one query: search hits)."""
    ids = set(post_ids)
    if not ids:
        return {}
    return {
        row.Post.id: (row.Post, row.PostListing)
        for row in db.session.execute(discoverable_posts(viewer).where(Post.id.in_(ids)))
    }


def get_listing_or_404(post_id: int, viewer: User | None) -> tuple[Post, PostListing]:
    """The single-object check for a listing card: 404 exactly like a missing post."""
    row = db.session.execute(discoverable_posts(viewer).where(Post.id == post_id)).first()
    if row is None:
        abort(404)
    return row.Post, row.PostListing


# --- search: the tokens the index stores, and the re-check of its hits -------------------


def post_principals(post_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """The audience tokens of these posts, as stored in `post_audience`: what the search
    index records for each post and its comments."""
    return _tokens_by(PostAudience.post_id, PostAudience.principal, post_ids)


def _tokens_by(key, principal, ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """{key: its tokens} from a (key, principal) table, for these keys."""
    tokens: dict[int, set[str]] = {}
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), 500):  # SQLite caps bound parameters
        for found_key, token in db.session.execute(select(key, principal).where(key.in_(wanted[start : start + 500]))):
            tokens.setdefault(found_key, set()).add(token)
    return {found_key: frozenset(found) for found_key, found in tokens.items()}


@dataclass(frozen=True)
class SearchExclusions:
    """What one viewer's search leaves out or shows by title only (`search_exclusions`)."""

    gated_posts: frozenset[int]  # `gated_post_ids`: titles only, no snippets
    gated_comments: frozenset[int]  # `gated_comment_ids`: never shown
    read_listings: frozenset[int]  # `read_listing_ids`: the post is shown, not its card
    banned_authors: frozenset[int]  # everyone under a ban now: what they wrote is left out


def search_exclusions(viewer: User | None, *, include_removed: bool = False) -> SearchExclusions:
    """Everything a search applies beyond the audience, for this viewer now, in one statement
    built once per kind of viewer (infra/prebuilt.py): `gated_post_ids`, `gated_comment_ids`
    and `read_listing_ids` as they are, and the bans in force (`viewer_state.ban_in_force`,
    the clause `permissions.banned_user_ids` reads), the time bound on each call."""
    statement, params = prebuilt.variant_for(
        "visibility.search_exclusions", _search_exclusions_statement, viewer, principals, (include_removed,)
    )
    found: dict[str, set[int]] = {kind: set() for kind in _EXCLUSION_KINDS}
    for found_id, kind in plain_rows(statement, {**params, "now": utcnow()}):
        found[kind].add(found_id)
    return SearchExclusions(*(frozenset(found[kind]) for kind in _EXCLUSION_KINDS))


_EXCLUSION_KINDS = ("gated_post", "gated_comment", "read_listing", "banned")


def _search_exclusions_statement(viewer: User | None, include_removed: bool) -> CompoundSelect:
    def kind(name: str):
        return literal_column(f"'{name}'", String).label("kind")

    parts = [
        gated_post_ids(viewer, include_removed=include_removed).add_columns(kind("gated_post")),
        gated_comment_ids(viewer, include_removed=include_removed).add_columns(kind("gated_comment")),
        select(Ban.user_id, kind("banned")).where(viewer_state.ban_in_force(bindparam("now", type_=DateTime))),
    ]
    if is_signed_in(viewer):  # cards are for members: anyone else has none to trade for a post
        parts.append(read_listing_ids(viewer).add_columns(kind("read_listing")))
    return union_all(*parts)


@dataclass(frozen=True, slots=True)
class HitPost(ModeratedRow):
    """A post a search hit names, as the results print it (columns, not a `Post`)."""

    id: int
    title: str
    audience_kind: str
    is_draft: bool
    marks_copies: bool
    created_at: datetime
    deleted_at: datetime | None
    removed_at: datetime | None
    author: AuthorRow


@dataclass(frozen=True, slots=True)
class HitComment(ModeratedRow):
    """A comment a search hit names, as the results print it."""

    id: int
    post_id: int
    created_at: datetime
    deleted_at: datetime | None
    removed_at: datetime | None
    author: AuthorRow


def readable_hits(
    viewer: User | None,
    post_ids: Iterable[int],
    comment_ids: Iterable[int],
    *,
    include_removed: bool = False,
) -> tuple[dict[int, HitPost | Post], dict[int, HitComment]]:
    """Of these search hits, the posts and comments the viewer may see listed, in one query.

    The index already filtered by audience; this is the same rule applied again from the
    database, so a stale index can never show what the viewer may not read. Comments
    also need a readable body (terms accepted). `include_removed` is for site
    moderators only (the caller checks): removed content, still within their audience.

    The results print a few columns of each, so that is what is read (`HitPost`,
    `HitComment`), by a statement built once per kind of viewer (infra/prebuilt.py) from the
    same clauses, the hits' ids bound. A post that gives each reader a marked copy comes
    back as the `Post` itself, read by the same rule: its excerpt is made from its text.
    """
    post_ids, comment_ids = set(post_ids), set(comment_ids)
    if not post_ids:
        return {}, {}
    statement, params = prebuilt.variant_for(
        "visibility.readable_hits", _readable_hits_statement, viewer, principals, (include_removed,)
    )
    rows = plain_rows(statement, {**params, "post_ids": sorted(post_ids), "comment_ids": sorted(comment_ids)}).all()
    posts: dict[int, HitPost | Post] = {}
    comments: dict[int, HitComment] = {}
    for row in rows:
        if row.post_id not in posts:
            author = AuthorRow(row.author_id, row.author_username, row.author_display_name, row.author_deleted_at)
            posts[row.post_id] = HitPost(
                row.post_id,
                row.title,
                row.audience_kind,
                row.is_draft,
                row.marks_copies,
                row.post_created_at,
                row.post_deleted_at,
                row.post_removed_at,
                author,
            )
        if (
            row.comment_id is not None
            and row.body_ok
            and row.comment_deleted_at is None
            and (include_removed or row.comment_removed_at is None)
        ):
            commenter = AuthorRow(
                row.commenter_id, row.commenter_username, row.commenter_display_name, row.commenter_deleted_at
            )
            comments[row.comment_id] = HitComment(
                row.comment_id,
                row.post_id,
                row.comment_created_at,
                row.comment_deleted_at,
                row.comment_removed_at,
                commenter,
            )
    marked = [post_id for post_id, post in posts.items() if post.marks_copies]
    if marked:
        for post_id in marked:
            del posts[post_id]  # back only as the Post itself, read by the same rule
        marked_posts = (
            select(Post)
            .where(Post.id.in_(marked), readable(viewer), _hit_state(include_removed))
            .options(lazyload(Post.tags), lazyload(Post.audience))  # a copy needs its text and authors
        )
        for post in db.session.scalars(marked_posts):
            posts[post.id] = post
    return posts, comments


def _hit_state(include_removed: bool) -> ColumnElement[bool]:
    return and_(Post.deleted_at.is_(None), Post.is_draft.is_(False)) if include_removed else _published_and_live()


def _readable_hits_statement(viewer: User | None, include_removed: bool) -> Select:
    """`readable_hits`' statement: the posts among `post_ids` the viewer may list, each
    with its comments among `comment_ids` that are in the viewer's snapshot."""
    author, commenter = aliased(User), aliased(User)
    return (
        select(
            Post.id.label("post_id"),
            Post.title,
            Post.audience_kind,
            Post.is_draft,
            Post.marks_copies,
            Post.created_at.label("post_created_at"),
            Post.deleted_at.label("post_deleted_at"),
            Post.removed_at.label("post_removed_at"),
            author.id.label("author_id"),
            author.username.label("author_username"),
            author.display_name.label("author_display_name"),
            author.deleted_at.label("author_deleted_at"),
            Comment.id.label("comment_id"),
            Comment.created_at.label("comment_created_at"),
            Comment.deleted_at.label("comment_deleted_at"),
            Comment.removed_at.label("comment_removed_at"),
            commenter.id.label("commenter_id"),
            commenter.username.label("commenter_username"),
            commenter.display_name.label("commenter_display_name"),
            commenter.deleted_at.label("commenter_deleted_at"),
            body_readable(viewer).label("body_ok"),
        )
        .join(author, author.id == Post.author_id)
        .outerjoin(
            Comment,
            and_(
                Comment.post_id == Post.id,
                Comment.id.in_(bindparam("comment_ids", expanding=True)),
                comment_in_snapshot(viewer),
            ),
        )
        .outerjoin(commenter, commenter.id == Comment.author_id)
        .where(Post.id.in_(bindparam("post_ids", expanding=True)), readable(viewer), _hit_state(include_removed))
    )


# --- drafts and attachments -------------------------------------------------------------


def visible_drafts(viewer: User | None) -> Select[tuple[Post]]:
    """The viewer's drafts and the drafts shared with them: the Drafts page. A draft's
    audience rows are its readers, so this is `readable` restricted to drafts."""
    return (
        select(Post)
        .where(readable(viewer), Post.is_draft.is_(True), Post.deleted_at.is_(None))
        .order_by(Post.edited_at.desc().nulls_last(), Post.created_at.desc(), Post.id.desc())
    )


def get_attachment_or_404(post_id: int, key: str, viewer: User | None) -> tuple[Post, Attachment]:
    """A file answers only under the post that owns it, and only to those who may read that
    post's body now; a file of a deleted post, or of a comment the viewer is not shown,
    answers 404 too. Every refusal is the same `abort(404)` as a missing file."""
    post = get_post_body_or_404(post_id, viewer)
    attachment = db.session.scalar(select(Attachment).where(Attachment.key == key, Attachment.post_id == post.id))
    if attachment is None or post.is_deleted:
        abort(404)
    if attachment.comment_id is not None:
        comment = db.session.scalar(
            select(Comment).where(Comment.id == attachment.comment_id, comment_in_snapshot(viewer))
        )
        if comment is None or not shows_comment(viewer, comment):
            abort(404)
    return post, attachment


def is_restricted(post: Post) -> bool:
    """Whether a signed-out visitor may not read the post's body (for caching headers)."""
    return post.is_draft or post.terms_version is not None or PUBLIC not in {a.principal for a in post.audience}


# --- comments --------------------------------------------------------------------------


def visible_comments(viewer: User | None) -> Select[tuple[Comment]]:
    """Comments on posts the viewer may list and whose body they may read (terms accepted).
    Deleted and removed comments are in no listing, for anyone (threads show their
    placeholders through `queries.listings`, not from here)."""
    return (
        select(Comment)
        .join(Post, Comment.post_id == Post.id)
        .where(
            listed(viewer),
            body_readable(viewer),
            comment_in_snapshot(viewer),
            Comment.removed_at.is_(None),
            Comment.deleted_at.is_(None),
        )
    )


def get_comment_or_404(comment_id: int, viewer: User | None) -> Comment:
    """A comment on a post the viewer may open. A removed (or deleted) comment is still
    returned, so its permalink shows the thread's placeholder; `shows_comment` decides
    whether its text is shown."""
    comment = db.session.scalar(
        select(Comment)
        .join(Post, Comment.post_id == Post.id)
        .where(
            Comment.id == comment_id,
            readable(viewer),
            body_readable(viewer),
            comment_in_snapshot(viewer),
            Post.deleted_at.is_(None),
        )
    )
    if comment is None or (comment.post.is_removed and not sees_removed(viewer, comment.post.author_id, comment.post)):
        abort(404)
    return comment


def shows_comment(viewer: User | None, comment: Comment) -> bool:
    """Whether the viewer sees this (readable) comment's text, rather than a placeholder."""
    return comment_shown(
        viewer, comment.post, comment.author_id, deleted=comment.is_deleted, removed=comment.is_removed
    )


def comment_shown(viewer: User | None, post: Post, author_id: int, *, deleted: bool, removed: bool) -> bool:
    """`shows_comment` for a comment read as columns (the post page's rows, queries/threads.py)
    on `post`, which the caller fetched through this module."""
    if deleted:
        return False
    return not removed or sees_removed(viewer, author_id, post)


def get_shown_comment_or_404(comment_id: int, viewer: User | None) -> Comment:
    """For every address that quotes or acts on a comment's text (reply, edit, report): a
    comment whose text the viewer is shown (`shows_comment`), else 404 like a missing one,
    so a removed comment's text never reaches a reader through a form. A deleted comment
    answers 404 too (a late reply gets its text back on the error page, web/errors.py)."""
    comment = get_comment_or_404(comment_id, viewer)
    if not shows_comment(viewer, comment):
        abort(404)
    return comment


def shown_comment_ids(viewer: User | None, comment_ids: Iterable[int]) -> set[int]:
    """Of these comments, those whose text `get_shown_comment_or_404` would show the viewer:
    the same test for many at once, without aborting (a member's data export)."""
    ids = set(comment_ids)
    if not ids:
        return set()
    found = db.session.scalars(
        select(Comment)
        .join(Post, Comment.post_id == Post.id)
        .where(
            Comment.id.in_(ids),
            readable(viewer),
            body_readable(viewer),
            comment_in_snapshot(viewer),
            Post.deleted_at.is_(None),
        )
    ).all()
    return {
        c.id
        for c in found
        if (not c.post.is_removed or sees_removed(viewer, c.post.author_id, c.post)) and shows_comment(viewer, c)
    }


# --- versions and draft-era comments ----------------------------------------------------


def in_snapshot(viewer: User | None, snapshot_id_column) -> ColumnElement[bool]:
    """SQL: the row whose audience snapshot is `snapshot_id_column` was written for the
    viewer: no snapshot (it follows the post), or one holding a token the viewer holds.
    Only meaningful together with `readable`: a snapshot never widens the post's audience."""
    return or_(
        snapshot_id_column.is_(None),
        exists().where(
            AudienceSnapshotPrincipal.snapshot_id == snapshot_id_column,
            AudienceSnapshotPrincipal.principal.in_(principals(viewer)),
        ),
    )


def comment_in_snapshot(viewer: User | None) -> ColumnElement[bool]:
    """SQL: the comment in `Comment` was written for the viewer (a draft's review comment
    stays with the draft's readers). Every comment read (threads, permalinks, feeds,
    profiles, search, notifications) carries it beside `readable`."""
    return in_snapshot(viewer, Comment.audience_snapshot_id)


def revision_in_snapshot(viewer: User | None) -> ColumnElement[bool]:
    """SQL: the version in `PostRevision` was written for the viewer."""
    return in_snapshot(viewer, PostRevision.audience_snapshot_id)


def comments_of(viewer: User | None, post: Post) -> Select[tuple[Comment]]:
    """The comments of a post the caller fetched through this module that the viewer may
    see (deleted and removed ones included: the thread shows their placeholders)."""
    return select(Comment).where(Comment.post_id == post.id, comment_in_snapshot(viewer))


def revisions_of(viewer: User | None, post: Post) -> Select[tuple[PostRevision]]:
    """The earlier versions of a post the caller fetched through `get_post_body_or_404`
    that the viewer may read, oldest first."""
    return (
        select(PostRevision)
        .where(PostRevision.post_id == post.id, revision_in_snapshot(viewer))
        .order_by(PostRevision.id)
    )


def edited_for(viewer: User | None, posts: Iterable[Post]) -> set[int]:
    """Of these posts (fetched through this module), those the viewer may know were edited:
    they may read an earlier version (an edit before the viewer's first version is not
    theirs to know). One query; none when no post was edited."""
    ids = {post.id for post in posts if post.edited_at is not None}
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(PostRevision.post_id).where(PostRevision.post_id.in_(ids), revision_in_snapshot(viewer)).distinct()
        )
    )


def refers_to_readable(
    viewer: User | None, post_id_column, comment_id_column, message_id_column=None
) -> ColumnElement[bool]:
    """SQL: a row about a post, and maybe one of its comments, refers to what the viewer may
    open: the post's audience, the comment's snapshot, and a removed post only for its
    author and the site's moderators, as on its own page (a record such as a moderation
    log entry, which names the post: a removed post's title is not the audience's any more).
    A row about a message refers to what the viewer may open only while they take part in
    its conversation: no role opens one, so a moderator's own decision on a reported
    message is not in their log (the resolved report is)."""
    from forum import permissions  # permissions never imports visibility; the cycle is one-way

    me = viewer.id if is_signed_in(viewer) else None
    open_post = or_(
        Post.removed_at.is_(None), Post.author_id == me, true() if permissions.is_moderator(viewer) else false()
    )
    post_ok = exists().where(Post.id == post_id_column, readable(viewer), open_post).correlate_except(Post)
    comment_ok = exists().where(Comment.id == comment_id_column, comment_in_snapshot(viewer)).correlate_except(Comment)
    clauses = [or_(post_id_column.is_(None), post_ok), or_(comment_id_column.is_(None), comment_ok)]
    if message_id_column is not None:
        message_ok = (
            exists()
            .where(Message.id == message_id_column, in_conversation(viewer, Message.conversation_id))
            .correlate_except(Message)
        )
        clauses.append(or_(message_id_column.is_(None), message_ok))
    return and_(*clauses)


def snapshot_principals(snapshot_ids: Iterable[int | None]) -> dict[int, frozenset[str]]:
    """The tokens of these audience snapshots: what the search index records for a kept comment."""
    ids = {sid for sid in snapshot_ids if sid is not None}
    return _tokens_by(AudienceSnapshotPrincipal.snapshot_id, AudienceSnapshotPrincipal.principal, ids)


def both_audiences(first: frozenset[str], second: frozenset[str]) -> frozenset[str]:
    """Tokens whose every holder is in both audiences (never wider than either): the acl
    of a document read by whoever may read the post AND its snapshot. A token passes
    when the other audience holds it, is public, or is `members` and the token is a
    signed-in one."""

    def admits(audience: frozenset[str], token: str) -> bool:
        return token in audience or PUBLIC in audience or (MEMBERS in audience and token != PUBLIC)

    return frozenset(t for t in first if admits(second, t)) | frozenset(t for t in second if admits(first, t))


# --- tags ------------------------------------------------------------------------------


def visible_tags(viewer: User | None) -> Select:
    """(Tag, count of listed posts) for tags on at least one post the viewer may list.

    A tag used only on restricted posts does not exist for an outsider.
    """
    n_posts = func.count(Post.id).label("n_posts")
    return (
        select(Tag, n_posts)
        .join(post_tags, post_tags.c.tag_id == Tag.id)
        .join(Post, Post.id == post_tags.c.post_id)
        .where(listed(viewer))
        .group_by(Tag.id)
    )


# --- groups ----------------------------------------------------------------------------


def visible_group_clause(viewer: User | None, *, invited: bool = True) -> ColumnElement[bool]:
    """SQL: groups whose name and description the viewer may see.

    Listed groups, groups the viewer belongs to and, with `invited`, unlisted groups
    that hold a pending invitation for the viewer, so an invitee can read what they
    are asked to join. Knowing a group is not reading it: its members and posts stay
    behind `can_see_members` and `can_see_group_activity`. Pickers, autocomplete and
    the directory pass `invited=False`: an invitation is answered, not shared to.
    """
    if not is_signed_in(viewer):
        return Group.listed.is_(True)
    member_of = exists().where(Membership.group_id == Group.id, Membership.user_id == viewer.id)
    if not invited:
        return or_(Group.listed.is_(True), member_of)
    invited_to = exists().where(
        GroupInvitation.group_id == Group.id,
        GroupInvitation.user_id == viewer.id,
        GroupInvitation.status == "pending",
    )
    return or_(Group.listed.is_(True), member_of, invited_to)


def visible_groups(viewer: User | None, *, invited: bool = False) -> Select[tuple[Group]]:
    """Groups to list or pick from: listed ones and the viewer's own (see `visible_group_clause`)."""
    return select(Group).where(visible_group_clause(viewer, invited=invited))


def get_group_or_404(slug: str, viewer: User | None) -> Group:
    group = db.session.scalar(select(Group).where(Group.slug == slug, visible_group_clause(viewer)))
    if group is None:
        abort(404)
    return group


def is_member(viewer: User | None, group: Group) -> bool:
    return is_signed_in(viewer) and group_token(group.id) in principals(viewer)


def can_see_members(viewer: User | None, group: Group) -> bool:
    """Member lists of listed groups are open to signed-in users; unlisted ones to members only."""
    if not is_signed_in(viewer):
        return False
    return group.listed or is_member(viewer, group)


def can_see_group_activity(viewer: User | None, group: Group) -> bool:
    """Member and post counts and the post list of a group: anyone for a listed group
    (posts still filtered one by one), members only for an unlisted one, so an
    invitee learns the name and description and nothing more."""
    return group.listed or is_member(viewer, group)


def describe_audience(viewer: User | None, post: Post) -> dict:
    """What the post page may say about its audience to this viewer.

    The author sees every entry; other readers see the users, and the groups they
    may see, with "others" standing for the groups they may not, so an unlisted
    group is never named to a non-member.
    """
    tokens = {a.principal for a in post.audience}
    user_ids = [uid for uid in user_ids_in(tokens) if uid != post.author_id]
    group_ids = group_ids_in(tokens)
    # Most posts name nobody (public, members): no queries for empty lists.
    users = (
        db.session.scalars(select(User).where(User.id.in_(user_ids)).order_by(User.username)).all() if user_ids else []
    )
    by_author = is_signed_in(viewer) and viewer.id in post.author_ids
    all_groups = (
        db.session.scalars(select(Group).where(Group.id.in_(group_ids)).order_by(Group.name)).all() if group_ids else []
    )
    if by_author or not all_groups:
        shown = list(all_groups)
    else:
        seen = set(db.session.scalars(select(Group.id).where(Group.id.in_(group_ids), visible_group_clause(viewer))))
        shown = [grp for grp in all_groups if grp.id in seen]
    return {
        "kind": post.audience_kind,
        "users": [u for u in users if u.id not in post.author_ids],
        "groups": shown,
        "others": len(shown) < len(all_groups),
    }


# --- references: notifications and the emails built from them ---------------------------


# --- conversations -----------------------------------------------------------------------


def in_conversation(viewer: User | None, conversation_id_column=Conversation.id) -> ColumnElement[bool]:
    """SQL: the viewer takes part in this conversation now. Read from the viewer's own
    `user:` token only: a conversation's audience is its current participants."""
    user_ids = user_ids_in(principals(viewer))
    if not user_ids:
        return false()
    return (
        exists()
        .where(
            ConversationParticipant.conversation_id == conversation_id_column,
            ConversationParticipant.user_id.in_(user_ids),
            ConversationParticipant.left_at.is_(None),
            ConversationParticipant.state != "declined",
        )
        .correlate_except(ConversationParticipant)
    )


def visible_conversations(viewer: User | None) -> Select[tuple[Conversation]]:
    return select(Conversation).where(in_conversation(viewer))


def get_conversation_or_404(conversation_id: int, viewer: User | None) -> tuple[Conversation, ConversationParticipant]:
    """The conversation and the viewer's place in it; anyone else gets the 404 of a missing one."""
    found = db.session.execute(
        select(Conversation, ConversationParticipant)
        .join(ConversationParticipant, ConversationParticipant.conversation_id == Conversation.id)
        .where(
            Conversation.id == conversation_id,
            ConversationParticipant.user_id == (viewer.id if is_signed_in(viewer) else None),
            in_conversation(viewer),
        )
    ).first()
    if found is None:
        abort(404)
    return found[0], found[1]


def messages_of(viewer: User | None, conversation: Conversation) -> Select[tuple[Message]]:
    """The messages of a conversation the viewer takes part in, oldest first (the whole
    history: see models/conversation.py for why someone added later reads it too)."""
    return (
        select(Message)
        .where(Message.conversation_id == conversation.id, in_conversation(viewer, Message.conversation_id))
        .options(joinedload(Message.author))
        .order_by(Message.created_at, Message.id)
    )


def get_message_or_404(viewer: User | None, conversation: Conversation, message_id: int) -> Message:
    """One live message of a conversation the viewer takes part in (to report or edit it); a
    message of another conversation, or one a moderator removed (its text is no one's to
    read now, its author's included), answers the same 404 as a missing one."""
    found = db.session.scalar(
        messages_of(viewer, conversation).where(Message.id == message_id, Message.removed_at.is_(None))
    )
    if found is None:
        abort(404)
    return found


def get_message_attachment_or_404(conversation_id: int, key: str, viewer: User | None) -> MessageAttachment:
    found = db.session.scalar(
        select(MessageAttachment)
        .join(Message, Message.id == MessageAttachment.message_id)
        .where(
            MessageAttachment.conversation_id == conversation_id,
            MessageAttachment.key == key,
            in_conversation(viewer, MessageAttachment.conversation_id),
            Message.removed_at.is_(None),  # a message a moderator removed takes its files with it
        )
    )
    if found is None:
        abort(404)
    return found


def references_readable(viewer: User | None, post_id_column, comment_id_column, group_id_column) -> ColumnElement[bool]:
    """SQL: a row that refers to a post, a comment and a group (each may be NULL) names
    only what the viewer may read now, so a notification, its count and its email follow
    every change of audience, membership, terms, deletion and removal.

    A post must be readable and not deleted; a comment also needs the post's body
    (terms accepted) and must be live; removed content still counts for its own author,
    who is told about the removal. A group must be one the viewer may see.
    """
    me = viewer.id if is_signed_in(viewer) else None
    post_ok = (
        exists()
        .where(
            Post.id == post_id_column,
            readable(viewer),
            Post.deleted_at.is_(None),
            or_(Post.removed_at.is_(None), Post.author_id == me),
        )
        .correlate_except(Post)
    )  # never the caller's own join of the same tables
    comment_ok = (
        exists()
        .where(
            Comment.id == comment_id_column,
            Comment.post_id == Post.id,
            Post.id == post_id_column,
            body_readable(viewer),
            comment_in_snapshot(viewer),
            Comment.deleted_at.is_(None),
            or_(Comment.removed_at.is_(None), Comment.author_id == me),
        )
        .correlate_except(Comment, Post)
    )
    group_ok = exists().where(Group.id == group_id_column, visible_group_clause(viewer)).correlate_except(Group)
    return and_(
        or_(post_id_column.is_(None), post_ok),
        or_(comment_id_column.is_(None), comment_ok),
        or_(group_id_column.is_(None), group_ok),
    )
