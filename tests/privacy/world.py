"""A small world: one post per audience, five kinds of viewer, and the roles that may read each."""

from __future__ import annotations

from dataclasses import dataclass, field

from forum.extensions import db
from forum.models import Comment, Group, Post, User
from tests.factories import login, make_attachment, make_comment, make_group, make_post, make_user
from tests.privacy.kept import KeptWorlds

# "moderator" is a site moderator outside restricted audiences: a role is never a key to a post.
VIEWERS = ("anonymous", "outsider", "member", "listed", "author", "moderator")


@dataclass(frozen=True)
class AudienceCase:
    name: str
    kind: str
    to_group: bool = False
    to_user: bool = False
    deleted: bool = False
    draft: bool = False  # the chosen audience waits for publishing: only the author reads it
    # The group requires two-factor sign-in to read, and its member has none: an outsider to it.
    two_factor_group: bool = False

    def readers(self) -> set[str]:
        if self.draft:
            return {"author"}
        if self.kind == "public":
            return set(VIEWERS)
        if self.kind == "members":
            return set(VIEWERS) - {"anonymous"}
        member = self.to_group and not self.two_factor_group
        return {"author"} | ({"member"} if member else set()) | ({"listed"} if self.to_user else set())


AUDIENCES = {
    case.name: case
    for case in (
        AudienceCase("public", "public"),
        AudienceCase("members", "members"),
        AudienceCase("group", "restricted", to_group=True),
        AudienceCase("user", "restricted", to_user=True),
        AudienceCase("group+user", "restricted", to_group=True, to_user=True),
        AudienceCase("group-two-factor", "restricted", to_group=True, two_factor_group=True),
        # Deleted posts: readers get a "deleted" page, outsiders still the missing 404.
        AudienceCase("group-deleted", "restricted", to_group=True, deleted=True),
        AudienceCase("members-deleted", "members", deleted=True),
        # Drafts: whatever audience they will have, nobody but the author reads them yet.
        AudienceCase("draft-public", "public", draft=True),
        AudienceCase("draft-group", "restricted", to_group=True, draft=True),
    )
}


@dataclass
class World:
    users: dict
    group: object
    post: object
    comment: object
    reply: object
    files: dict = field(default_factory=dict)  # {post_file}, {comment_file}, {other_file} keys


_worlds = {"n": 0}


def build_world(case: AudienceCase, *, listed_group: bool = False) -> World:
    """Several worlds may share one database: names carry a serial number."""
    from forum.services import posts as post_service

    _worlds["n"] += 1
    n = _worlds["n"]
    author = make_user(f"author{n}")
    users = {
        "author": author,
        "member": make_user(f"member{n}"),
        "listed": make_user(f"listed{n}"),
        "outsider": make_user(f"outsider{n}"),
        "moderator": make_user(f"moderator{n}"),
    }
    users["moderator"].role = "moderator"
    db.session.commit()
    # Owned by someone else, so neither the author nor the member moderates the group's posts.
    owner = make_user(f"owner{n}")
    group = make_group(owner, f"Quiet Lab {n}", members=(users["member"], author), listed=listed_group)
    if case.two_factor_group:
        # Set directly: the owner, not a viewer here, would need two-factor to set it by form.
        group.requires_two_factor = True
        db.session.commit()
    post = make_post(
        author,
        "Hidden result",
        "Body of the hidden result.",
        tags="hidden-tag",
        audience=case.kind,
        users=(users["listed"],) if case.to_user else (),
        groups=(group,) if case.to_group else (),
        draft=case.draft,
    )
    comment = make_comment(author, post, "A comment by the author.")
    reply = make_comment(author, post, "A reply by the author.", parent=comment)
    other = make_post(author, "Open figure", "A public post with a figure.")
    files = {
        "post_file": make_attachment(author, post).key,
        "comment_file": make_attachment(author, post, comment=comment).key,
        "other_file": make_attachment(author, other).key,
    }
    if case.deleted:
        post_service.delete_post(post)
    return World(users, group, post, comment, reply, files)


def sign_in(client, world: World, viewer: str) -> None:
    if viewer != "anonymous":
        login(client, world.users[viewer])


def kept_world(kept: KeptWorlds, case: AudienceCase, *, again: bool = False) -> World:
    """`build_world(case)`, built once per worker and loaded for every later test (kept.py);
    `again`: loaded anew in the middle of a test whose probe changed it."""

    def build() -> dict:
        world = build_world(case)
        return {
            "users": {role: user.id for role, user in world.users.items()},
            "group": world.group.id,
            "post": world.post.id,
            "comment": world.comment.id,
            "reply": world.reply.id,
            "files": world.files,
        }

    ids = (kept.load if again else kept.world)(("audience", case), build)
    return World(
        users={role: db.session.get(User, user_id) for role, user_id in ids["users"].items()},
        group=db.session.get(Group, ids["group"]),
        post=db.session.get(Post, ids["post"]),
        comment=db.session.get(Comment, ids["comment"]),
        reply=db.session.get(Comment, ids["reply"]),
        files=dict(ids["files"]),
    )
