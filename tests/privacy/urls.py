"""THE list of URLs under a post or a comment, with what an audience member gets.

Add every new route here (votes, reports, moderation, feeds, API formats...):
`test_every_post_route_is_probed` fails until a route taking `post_id` or
`comment_id` has a probe for each of its methods.

Placeholders in paths and form data: {post}, {comment} (a top-level comment by the
post's author), for edits that keep the audience {kind}, {users}, {groups}, and the
attachment keys {post_file} (the post's figure), {comment_file} (on {comment}) and
{other_file} (a figure of another, public post: never readable under this one).
`expect` maps the viewer's role to the status an audience member gets:
anonymous, reader (signed in, not the author), author, and optionally moderator
(a site moderator; defaults to the reader's status). A probe marked `public_only`
shows what an anonymous reader sees whoever asks (feeds): on a post that is not
public, everyone, its author included, gets the 404 of a missing post.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LOGIN = 302  # login_required sends anonymous visitors to the sign-in page


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    expect: dict = field(default_factory=dict)
    data: dict | None = None
    headers: tuple = ()
    json: dict | None = None  # a JSON body (the API), formatted like `data`
    note: str = ""
    public_only: bool = False
    on_draft: dict | None = None  # statuses that differ while the post is a draft

    def status_for(self, role: str, audience_kind: str = "public", draft: bool = False) -> int:
        if self.public_only and (audience_kind != "public" or draft):
            return 404
        if draft and self.on_draft and role in self.on_draft:
            return self.on_draft[role]
        return self.expect.get(role, self.expect["reader"])

    def __str__(self) -> str:
        return f"{self.method} {self.path}{' ' + self.note if self.note else ''}"

    def render(self, post: int, comment: int, **extra) -> tuple[str, dict | None]:
        values = {"post": post, "comment": comment, **extra}
        data = {k: v.format(**values) for k, v in self.data.items()} if self.data is not None else None
        return self.path.format(**values), data

    def render_json(self, post: int, comment: int) -> dict | None:
        if self.json is None:
            return None
        values = {"post": post, "comment": comment}
        return {k: v.format(**values) if isinstance(v, str) else v for k, v in self.json.items()}


def everyone(status: int) -> dict:
    return {"anonymous": status, "reader": status, "author": status}


def signed_in(reader: int, author: int, **others: int) -> dict:
    return {"anonymous": LOGIN, "reader": reader, "author": author, **others}


JSON = (("Accept", "application/json"),)
EDIT_POST = {
    "title": "Edited title",
    "body": "Edited body.",
    "tags": "hidden-tag",
    "audience": "{kind}",
    "audience_users": "{users}",
    "audience_groups": "{groups}",
}

POST_PROBES = [
    Probe("GET", "/posts/{post}", everyone(200)),
    Probe("GET", "/posts/{post}?sort=new", everyone(200)),
    Probe("GET", "/posts/{post}?sort=nonsense&page=1", everyone(200), note="unknown sort"),
    Probe("GET", "/posts/{post}?page=9", everyone(200), note="past the last page of comments"),
    Probe("GET", "/posts/{post}?page=x", everyone(200), note="not a page number"),
    Probe("GET", "/posts/{post}", everyone(200), headers=JSON, note="as JSON"),
    Probe("GET", "/posts/{post}/edit", signed_in(403, 200)),
    Probe("POST", "/posts/{post}/edit", signed_in(403, 302), data=EDIT_POST),
    Probe("POST", "/posts/{post}/edit", signed_in(403, 400), data={**EDIT_POST, "title": ""}, note="invalid"),
    Probe("POST", "/posts/{post}/edit", signed_in(403, 200), data={**EDIT_POST, "preview": "Preview"}, note="preview"),
    # Versions and their differences: open to whoever may read the body.
    Probe("GET", "/posts/{post}/revisions", everyone(200)),
    Probe("GET", "/posts/{post}/revisions/compare", everyone(200)),
    Probe("GET", "/posts/{post}/revisions/compare?from=1&to=1", everyone(200), note="one version"),
    Probe("GET", "/posts/{post}/revisions/compare?from=1&to=9", everyone(404), note="no such version"),
    # The title a link to the post shows on hover (static/link-previews.js).
    Probe("GET", "/posts/{post}/preview", everyone(200)),
    Probe("GET", "/posts/{post}/preview", everyone(200), headers=JSON, note="as JSON"),
    Probe("POST", "/posts/{post}/delete", signed_in(403, 302), data={}),
    Probe("POST", "/posts/{post}/comments", signed_in(302, 302), data={"body": "New comment."}),
    Probe(
        "POST",
        "/posts/{post}/comments",
        signed_in(302, 302),
        data={"body": "Reply.", "parent_id": "{comment}"},
        note="reply",
    ),
    Probe("POST", "/posts/{post}/comments", signed_in(400, 400), data={"body": ""}, note="empty"),
    # Terms: the post has none, so agreeing records nothing and goes back to the post.
    Probe("POST", "/posts/{post}/terms/accept", signed_in(302, 302), data={"version": "1"}),
    Probe("GET", "/posts/{post}/acceptances", signed_in(403, 200)),
    Probe("GET", "/posts/{post}/report", signed_in(200, 200)),
    Probe("POST", "/posts/{post}/report", signed_in(302, 302), data={"reason": "spam", "details": ""}),
    Probe("POST", "/moderation/posts/{post}/remove", signed_in(403, 403, moderator=302), data={"reason": "r"}),
    Probe("POST", "/moderation/posts/{post}/restore", signed_in(403, 403, moderator=409), data={"reason": "r"}),
    # Request access: only listed posts have these addresses (the worlds' posts are not
    # listed), so they answer 404 to everyone, exactly like a missing post.
    Probe("GET", "/posts/{post}/access", signed_in(404, 404)),
    Probe("POST", "/posts/{post}/access", signed_in(404, 404), data={"note": "Please."}),
    # Deciding: readers may not (403); the author finds no such request.
    Probe("POST", "/posts/{post}/access/decide", signed_in(403, 404), data={"request_id": "0", "decision": "approve"}),
    Probe(
        "POST",
        "/posts/{post}/access/decide",
        signed_in(400, 400),
        data={"request_id": "0", "decision": "maybe"},
        note="bad decision",
    ),
    # The author's audit and listing settings; unlisting a post that is not listed changes nothing.
    Probe("GET", "/posts/{post}/audit", signed_in(403, 200)),
    Probe("GET", "/posts/{post}/listing", signed_in(403, 200)),
    Probe("POST", "/posts/{post}/listing", signed_in(403, 302), data={"abstract": ""}),
    # Marked copies: the author's switch and trace (docs/marks.md); turning marking off changes nothing here.
    Probe("GET", "/posts/{post}/marks", signed_in(403, 200)),
    Probe("POST", "/posts/{post}/marks/setting", signed_in(403, 302), data={}),
    Probe("POST", "/posts/{post}/marks/trace", signed_in(403, 200), data={"leaked": "some leaked words"}),
    # Nobody votes on their own post or comment: 403 for the author.
    Probe("POST", "/posts/{post}/vote", signed_in(303, 403), data={"value": "up"}),
    Probe(
        "POST",
        "/posts/{post}/vote",
        signed_in(200, 403, anonymous=401),
        data={"value": "up"},
        headers=JSON,
        note="as JSON",
    ),
    # Attachments answer under their own post only, to whoever may read its body.
    Probe("GET", "/posts/{post}/files/{post_file}", everyone(200)),
    Probe("GET", "/posts/{post}/files/{comment_file}", everyone(200), note="a comment's file"),
    Probe("GET", "/posts/{post}/files/{other_file}", everyone(404), note="another post's file"),
    Probe("GET", "/posts/{post}/files/not-a-key", everyone(404), note="no such file"),
    # Drafts: only authors share and publish; a published post has nothing to share.
    Probe("GET", "/posts/{post}/share", signed_in(403, 409), on_draft={"author": 200}),
    Probe(
        "POST",
        "/posts/{post}/share",
        signed_in(403, 409),
        data={"username": "nobody-at-all", "role": "read"},
        on_draft={"author": 400},
        note="unknown user",
    ),
    Probe("POST", "/posts/{post}/share/remove", signed_in(403, 409), data={"user_id": "1"}, on_draft={"author": 302}),
    Probe("POST", "/posts/{post}/publish", signed_in(403, 409), data={}, on_draft={"author": 302}),
    # Atom feed of the comments: the anonymous view, whoever asks (forum/queries/feeds.py).
    Probe("GET", "/feeds/posts/{post}/comments.atom", everyone(200), public_only=True),
    # Following and muting a thread (notifications).
    Probe("POST", "/posts/{post}/follow", signed_in(302, 302), data={"state": "follow"}),
    Probe("POST", "/posts/{post}/follow", signed_in(302, 302), data={"state": "mute"}, note="mute"),
    # The reading list (issue 26): saving needs the body, as reading it does.
    Probe("POST", "/posts/{post}/save", signed_in(302, 302), data={"state": "save"}),
    Probe("POST", "/posts/{post}/save", signed_in(302, 302), data={"state": "unsave"}, note="unsave"),
]

COMMENT_PROBES = [
    Probe("GET", "/comments/{comment}", everyone(200)),
    Probe("GET", "/comments/{comment}", everyone(200), headers=JSON, note="as JSON"),
    Probe("GET", "/comments/{comment}/reply", signed_in(200, 200)),
    Probe("GET", "/comments/{comment}/edit", signed_in(403, 200)),
    Probe("POST", "/comments/{comment}/edit", signed_in(403, 302), data={"body": "Edited comment."}),
    Probe("POST", "/comments/{comment}/edit", signed_in(403, 400), data={"body": ""}, note="empty"),
    Probe("POST", "/comments/{comment}/delete", signed_in(403, 302), data={}),
    Probe("GET", "/comments/{comment}/report", signed_in(200, 200)),
    Probe("POST", "/comments/{comment}/report", signed_in(302, 302), data={"reason": "spam", "details": ""}),
    Probe("POST", "/moderation/comments/{comment}/remove", signed_in(403, 403, moderator=302), data={"reason": "r"}),
    Probe("POST", "/moderation/comments/{comment}/restore", signed_in(403, 403, moderator=409), data={"reason": "r"}),
    Probe("POST", "/comments/{comment}/vote", signed_in(303, 403), data={"value": "up"}),
    Probe(
        "POST",
        "/comments/{comment}/vote",
        signed_in(200, 403, anonymous=401),
        data={"value": "up"},
        headers=JSON,
        note="as JSON",
    ),
    Probe("POST", "/comments/{comment}/agreement", signed_in(303, 403), data={"value": "agree"}),
    # A page's vote buttons: one endpoint, the item named in the button's value (views/votes.vote).
    Probe("POST", "/votes", signed_in(303, 403), data={"vote": "post:{post}:karma:up"}, note="on the post"),
    Probe(
        "POST",
        "/votes",
        signed_in(200, 403, anonymous=401),
        data={"vote": "post:{post}:karma:up:none"},
        headers=JSON,
        note="on the post, as JSON",
    ),
    Probe("POST", "/votes", signed_in(303, 403), data={"vote": "comment:{comment}:karma:up"}, note="on the comment"),
    Probe("POST", "/votes", signed_in(303, 403), data={"vote": "comment:{comment}:agreement:agree"}, note="agreement"),
    Probe("POST", "/comments/{comment}/save", signed_in(302, 302), data={"state": "save"}),
]

# The JSON API under /api/v1, signed in by the session cookie (CSRF is off in tests; bearer
# tokens reach the same views, see tests/api/). Anonymous writes are 401, never a redirect.
API = "/api/v1"


def api_signed_in(reader: int, author: int, **others: int) -> dict:
    return {"anonymous": 401, "reader": reader, "author": author, **others}


API_PROBES = [
    Probe("GET", API + "/posts/{post}", everyone(200)),
    Probe("PATCH", API + "/posts/{post}", api_signed_in(403, 200), json={"title": "Edited by API"}),
    Probe("DELETE", API + "/posts/{post}", api_signed_in(403, 204)),
    Probe("GET", API + "/posts/{post}/comments", everyone(200)),
    Probe("POST", API + "/posts/{post}/comments", api_signed_in(201, 201), json={"body": "API comment."}),
    Probe(
        "POST",
        API + "/posts/{post}/terms/accept",
        api_signed_in(200, 200),
        json={"version": 1},
        note="no terms: nothing to record",
    ),
    Probe("POST", API + "/posts/{post}/reports", api_signed_in(201, 201), json={"reason": "spam"}),
    Probe("GET", API + "/comments/{comment}", everyone(200)),
    Probe("POST", API + "/comments/{comment}/replies", api_signed_in(201, 201), json={"body": "API reply."}),
    Probe("PATCH", API + "/comments/{comment}", api_signed_in(403, 200), json={"body": "Edited by API."}),
    Probe("DELETE", API + "/comments/{comment}", api_signed_in(403, 204)),
    Probe("POST", API + "/comments/{comment}/reports", api_signed_in(201, 201), json={"reason": "spam"}),
    # Votes: the author may not vote on their own writing, and nobody here has the karma to down-vote.
    Probe("POST", API + "/posts/{post}/votes", api_signed_in(200, 403), json={"value": "up"}),
    Probe(
        "POST", API + "/posts/{post}/votes", api_signed_in(403, 403), json={"value": "down"}, note="below the threshold"
    ),
    Probe("POST", API + "/comments/{comment}/votes", api_signed_in(200, 403), json={"value": "up"}),
    Probe("POST", API + "/comments/{comment}/agreement", api_signed_in(200, 403), json={"value": "agree"}),
]
POST_PROBES += [p for p in API_PROBES if "/posts/" in p.path]
COMMENT_PROBES += [p for p in API_PROBES if "/comments/{comment}" in p.path and "/posts/" not in p.path]

_GETS = [p for p in POST_PROBES + COMMENT_PROBES if p.method == "GET" and not p.headers]
HEAD_PROBES = [
    Probe("HEAD", p.path, p.expect, note=p.note, public_only=p.public_only, on_draft=p.on_draft) for p in _GETS
]

PROBES = POST_PROBES + COMMENT_PROBES + HEAD_PROBES

# Route arguments that name a post or a comment: every rule using one must be probed.
OBJECT_ARGUMENTS = {"post_id": "/posts/", "comment_id": "/comments/"}
