"""A world of things some viewers must never read, each written with a canary word of its
own, and the table of who must not meet which word.

Restricted posts' own words are the business of test_crawl.py; here are the other ways
a text stays out of reach: a moderator removed it, its author deleted it, it is a draft
or was written while the post was one, it waits behind usage terms, or it was written
while the post's audience was narrower. The viewers are the people the promise is made
to: an anonymous visitor, a signed-in outsider, a member of the lab who has not accepted
the gated post's terms, the owner of a second group who co-manages a listed post (and
may decide its access requests) without reading it, someone a gated draft was shared
with for editing, who has not accepted its terms either, and a site moderator, who may
see what was removed from a public post but is in no restricted audience.

The expectations come from the story told in `build_marker_world`, never from
`forum.visibility`: `hidden_posts` is which posts a viewer may not open at all (every
address under them answers like a missing post), `gated_posts` is which they may open
but not read (their text-bearing addresses answer like a missing post).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import make_url

from forum.extensions import db
from forum.infra import page_cache
from forum.services import access, feed_tokens, moderation
from forum.services import comments as comment_service
from forum.services import drafts as draft_service
from forum.services import notifications as notification_service
from forum.services import posts as post_service
from forum.services import terms as terms_service
from forum.services.audience import Audience, audience_of
from tests.factories import (
    ON_POSTGRES,
    make_attachment,
    make_comment,
    make_group,
    make_post,
    make_user,
    postgres_databases,
)
from tests.privacy.kept import copy_in, copy_out

VIEWERS = ("anonymous", "outsider", "member", "coowner", "sharee", "moderator")
MENTIONS = "@stranger @labmate @steward @copyeditor @warden"  # the signed-in viewers, by name
EVERYONE = frozenset(VIEWERS)


@dataclass(frozen=True)
class Marker:
    word: str
    what: str
    forbidden: frozenset[str] = EVERYONE  # the viewers who must never meet the word


MARKERS = (
    # A site moderator may see what was removed from a post they can read (a public one), and only that.
    Marker(
        "mordant",
        "a public post removed by a moderator: title, body, earlier version, comment",
        EVERYONE - {"moderator"},
    ),
    Marker("halcyon", "a listed post shared with two groups, removed: title, body, abstract, comment"),
    Marker("petitioner", "the note of the access request waiting on the removed listed post"),
    Marker("cinnabar", "a comment a moderator removed, on an open post", EVERYONE - {"moderator"}),
    Marker("ossuary", "a post its author deleted: title and body"),
    Marker("tallow", "a comment its author deleted, on an open post"),
    Marker("brimstone", "a draft never published: title, body, earlier version, a reviewer's comment"),
    Marker("sassafras", "a lab post behind terms the member has not accepted: body, comments, earlier version"),
    Marker("juniper", "a draft behind terms, shared for editing with someone who has not accepted them"),
    # The lab member read the post while it was the lab's: the earlier version is theirs to read.
    Marker("wisteria", "an earlier version written while the post was the lab's only", EVERYONE - {"member"}),
    Marker("foxglove", "a published post's draft-era version and its reviewer's comment"),
)

# Texts that are not canary words but still give something away to one viewer: the only
# pending request the co-owner could decide is on a removed post, so no count of them shows.
PHRASES = {"coowner": ("Requests waiting for your decision",)}


@dataclass
class MarkerWorld:
    """Ids and names only: the world outlives the session that built it."""

    users: dict  # role -> username
    posts: dict  # name -> post id
    comments: dict  # name -> (comment id, name of its post)
    files: dict  # post name -> attachment key
    groups: dict  # name -> slug
    request_id: int  # the access request waiting on the removed listed post
    feeds: dict = field(default_factory=dict)  # viewer -> private feed path

    def hidden_posts(self, viewer: str) -> set[str]:
        """Posts the viewer may not open at all."""
        # Removed posts open only for their author and moderators; a draft for its sharees.
        # The deleted one still opens for its audience, as a "[deleted]" page.
        hidden = {"halcyon", "brimstone"} | ({"mordant"} if viewer != "moderator" else set())
        if viewer != "member":
            hidden.add("sassafras")  # the lab's
        if viewer != "sharee":
            hidden.add("juniper")  # a draft shared with the sharee alone
        if viewer == "anonymous":
            hidden.add("members_note")
        return hidden

    def gated_posts(self, viewer: str) -> set[str]:
        """Posts the viewer may open (title and terms) but not read."""
        return {"member": {"sassafras"}, "sharee": {"juniper"}}.get(viewer, set())

    def hidden_comments(self, viewer: str) -> set[str]:
        """Comments whose addresses answer like a missing comment for the viewer: those on
        posts they may not open or read, and on the deleted post."""
        closed = self.hidden_posts(viewer) | self.gated_posts(viewer) | {"ossuary"}
        return {name for name, (_, post) in self.comments.items() if post in closed}

    def unrepliable_comments(self, viewer: str) -> set[str]:
        """Comments the viewer may not answer: closed ones, and those whose text is gone (a
        removed one shows its text to a moderator of its post)."""
        return self.hidden_comments(viewer) | {"tallow"} | ({"cinnabar"} if viewer != "moderator" else set())

    def hidden_post_ids(self, viewer: str) -> set[int]:
        return {self.posts[name] for name in self.hidden_posts(viewer)}

    def forbidden_words(self, viewer: str) -> tuple[str, ...]:
        return tuple(m.word for m in MARKERS if viewer in m.forbidden) + PHRASES.get(viewer, ())


def _gate(post, author, text: str = "Cite the lab before reusing anything here.") -> None:
    post_service.update_post(
        post,
        author,
        post.title,
        post.body_md,
        [t.name for t in post.tags],
        audience_of(post),
        terms=terms_service.resolve_terms("custom", text),
    )


def _edit(post, editor, title: str, body: str, audience: Audience | None = None) -> None:
    post_service.update_post(
        post, editor, title, body, [t.name for t in post.tags], audience if audience is not None else audience_of(post)
    )


def build_marker_world() -> MarkerWorld:
    author = make_user("scribe")
    users = {
        "author": author,
        "outsider": make_user("stranger"),
        "member": make_user("labmate"),
        "coowner": make_user("steward"),
        "sharee": make_user("copyeditor"),
        "reviewer": make_user("referee"),
        "requester": make_user("asker"),
        "moderator": make_user("warden"),
        "bystander": make_user("bystander"),
    }
    users["moderator"].role = "moderator"
    db.session.commit()
    lab_owner = make_user("labhead")
    # Invitation only: an empty POST to /join must not change who belongs.
    lab = make_group(lab_owner, "Gated Lab", members=(users["member"], author), join_policy="invite")
    partner = make_group(users["coowner"], "Partner Lab", members=(author,), join_policy="invite")
    probe_hall = make_group(users["bystander"], "Probe Hall", join_policy="invite")
    lab_only = Audience("restricted", frozenset(), frozenset({lab.id}))
    posts, comments, files = {}, {}, {}
    # Every signed-in viewer follows the author and is named in the hidden texts: the
    # notifications made for them must say nothing either.
    for viewer in VIEWERS[1:]:
        notification_service.set_following(users[viewer], "user", author.id, "follow")
    db.session.commit()

    # An open thread: a comment a moderator removed, one its author deleted, and a live one.
    posts["open"] = make_post(author, "Open thread", "Anyone may read this.", tags="probe-tag")
    for viewer in VIEWERS[1:]:
        notification_service.set_following(users[viewer], "post", posts["open"].id, "follow")
    db.session.commit()
    comments["open"] = make_comment(users["bystander"], posts["open"], "A plain question.")
    comments["cinnabar"] = make_comment(author, posts["open"], f"cinnabar remark, later removed {MENTIONS}")
    comments["tallow"] = make_comment(author, posts["open"], f"tallow remark, later deleted {MENTIONS}")
    moderation.remove_comment(users["moderator"], comments["cinnabar"], "off topic")
    comment_service.delete_comment(comments["tallow"])
    files["open"] = make_attachment(author, posts["open"]).key

    posts["members_note"] = make_post(author, "Members note", "For signed-in members.", audience="members")

    # A public post, edited, commented, then removed by a moderator.
    posts["mordant"] = make_post(author, "Mordant claims", "mordant first body")
    _edit(posts["mordant"], author, "Mordant claims, revised", "mordant second body")
    comments["mordant"] = make_comment(users["member"], posts["mordant"], f"mordant objection {MENTIONS}")
    files["mordant"] = make_attachment(author, posts["mordant"]).key
    moderation.remove_post(users["moderator"], posts["mordant"], "misleading")

    # A listed post shared with two groups (so no group moderates it): the partner lab's
    # owner may decide its access requests. Someone asks, then a moderator removes it.
    both = Audience("restricted", frozenset(), frozenset({lab.id, partner.id}))
    posts["halcyon"] = post_service.create_post(author, "Halcyon survey", "halcyon body", "", both)
    comments["halcyon"] = make_comment(author, posts["halcyon"], f"halcyon note {MENTIONS}")
    access.set_listing(author, posts["halcyon"], True, "The halcyon abstract, for members to ask.")
    request_id = access.request_access(users["requester"], posts["halcyon"], "A petitioner asks to read it.").id
    moderation.remove_post(users["moderator"], posts["halcyon"], "duplicate")

    # A public post its author deleted.
    posts["ossuary"] = make_post(author, "Ossuary notes", "ossuary body")
    comments["ossuary"] = make_comment(author, posts["ossuary"], "A comment on a deleted post.")
    post_service.delete_post(posts["ossuary"])

    # A draft never published, edited, with a reviewer's comment.
    posts["brimstone"] = make_post(author, "Brimstone plan", "brimstone first body", draft=True)
    _edit(posts["brimstone"], author, "Brimstone plan", "brimstone second body")
    draft_service.share_draft(posts["brimstone"], author, users["reviewer"].username, "comment")
    comments["brimstone"] = make_comment(users["reviewer"], posts["brimstone"], f"brimstone review {MENTIONS}")
    files["brimstone"] = make_attachment(author, posts["brimstone"]).key

    # The lab's post behind terms the member never accepted: the title may show, nothing else.
    posts["sassafras"] = post_service.create_post(author, "Gated protocol", "sassafras first body", "", lab_only)
    _edit(posts["sassafras"], author, "Gated protocol", "sassafras second body")
    _gate(posts["sassafras"], author)
    comments["sassafras"] = make_comment(author, posts["sassafras"], f"sassafras comment {MENTIONS}")
    make_comment(author, posts["sassafras"], "sassafras reply", parent=comments["sassafras"])
    files["sassafras"] = make_attachment(author, posts["sassafras"]).key

    # A draft behind terms, shared for editing: the editor sees the gate, not the text.
    posts["juniper"] = make_post(
        author, "Gated draft", "juniper first body", audience="restricted", groups=(lab,), draft=True
    )
    _edit(posts["juniper"], author, "Gated draft", "juniper second body")
    _gate(posts["juniper"], author)
    draft_service.share_draft(posts["juniper"], author, users["sharee"].username, "edit")
    comments["juniper"] = make_comment(author, posts["juniper"], f"juniper comment {MENTIONS}")
    files["juniper"] = make_attachment(author, posts["juniper"]).key

    # Written for the lab, rewritten, then opened to everyone: the lab-era text stays the lab's.
    posts["wisteria"] = post_service.create_post(author, "Wisteria internal", "wisteria body for the lab", "", lab_only)
    _edit(posts["wisteria"], author, "Widened study", "Open to everyone now.")
    _edit(posts["wisteria"], author, "Widened study", "Open to everyone now.", Audience("public"))

    # A draft reviewed and rewritten, then published: the public reads only what was published.
    posts["foxglove"] = make_post(author, "Foxglove working title", "foxglove draft body", draft=True)
    draft_service.share_draft(posts["foxglove"], author, users["reviewer"].username, "comment")
    comments["foxglove"] = make_comment(users["reviewer"], posts["foxglove"], f"foxglove review {MENTIONS}")
    _edit(posts["foxglove"], author, "Published paper", "The final text.")
    draft_service.publish(posts["foxglove"], author)

    feeds = {viewer: f"/feeds/private/{feed_tokens.rotate(users[viewer])[1]}.atom" for viewer in VIEWERS[1:]}
    return MarkerWorld(
        users={role: user.username for role, user in users.items()},
        posts={name: post.id for name, post in posts.items()},
        comments={name: (comment.id, _post_name(posts, comment.post_id)) for name, comment in comments.items()},
        files=files,
        groups={"lab": lab.slug, "partner": partner.slug, "probe": probe_hall.slug},
        request_id=request_id,
        feeds=feeds,
    )


def _post_name(posts: dict, post_id: int) -> str:
    return next(name for name, post in posts.items() if post.id == post_id)


# A form a viewer may really use (a moderator restoring a post, an open reply) changes the
# world: the tests after it start again from the world as built, kept once beside it.
_KEPT = "_world"


# PostgreSQL under the Whoosh backend: the rows and sequences of the world as built, by database.
# Loading them back (kept.py) costs milliseconds; a database copied from a template cost about
# half a second after each marker test, and nearly every one writes (signing in does).
_kept_rows: dict[str, tuple[dict[str, bytes], str]] = {}


def keep_world(app) -> None:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if ON_POSTGRES and app.config["SEARCH_BACKEND"] == "whoosh":
        _kept_rows[url.database] = copy_out()
    db.engine.dispose()
    if ON_POSTGRES:
        postgres_databases()(url.database + _KEPT, template=url.database)
    else:
        shutil.copy(url.database, url.database + _KEPT)
    for folder in world_folders(app):
        shutil.copytree(folder, f"{folder}{_KEPT}")


def restore_world(app) -> None:
    db.session.remove()
    db.engine.dispose()
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.database in _kept_rows:
        copy_in(*_kept_rows[url.database])
    elif ON_POSTGRES:
        postgres_databases()(url.database, template=url.database + _KEPT)
    else:
        for leftover in (Path(url.database + "-wal"), Path(url.database + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copy(url.database + _KEPT, url.database)
    for folder in world_folders(app):
        shutil.rmtree(folder)
        shutil.copytree(f"{folder}{_KEPT}", folder)
    page_cache.forget_all()


def world_folders(app) -> list[Path]:
    """The search index (a symlink to its current build: that build is copied) and the uploads."""
    folders = (Path(app.config["SEARCH_INDEX_DIR"]), Path(app.config["UPLOAD_DIR"]))
    return [folder.resolve() for folder in folders if folder.exists()]
