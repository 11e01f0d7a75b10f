"""JSON Schemas (OpenAPI 3.1 dialect) of what the API sends and accepts.

The serializers in `serialize.py` produce exactly these shapes; the schemathesis run in
tests/api checks every response against them.
"""

from __future__ import annotations

from typing import Any

from forum.api.errors import CODES
from forum.models import AUDIENCE_KINDS, GROUP_ROLES, JOIN_POLICIES, REPORT_REASONS, TOKEN_SCOPES
from forum.services.votes import CHOICES, NO_VOTE


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def obj(properties: dict, *, required: tuple[str, ...] | None = None, closed: bool = True) -> dict:
    """An object; by default every property is required (responses always carry all keys)."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties if required is None else required),
    }
    if closed:
        schema["additionalProperties"] = False
    return schema


def page_of(item: dict) -> dict:
    return obj(
        {
            "items": {"type": "array", "items": item},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0, "description": "Counts only what the caller may read."},
            "pages": {"type": "integer", "minimum": 0},
        }
    )


STRING = {"type": "string"}
TEXT = {"type": "string", "maxLength": 100_000}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
STATE = {"type": "string", "enum": ["live", "deleted", "removed"]}
STRINGS = {"type": "array", "items": STRING}
# Co-authors edit the post and share its karma; a draft is read only by its authors and sharees.
AUTHORSHIP = {
    "coauthors": {"type": "array", "items": ref("UserRef")},
    "draft": {
        "type": "boolean",
        "description": "Not published yet: only its authors and the people they shared it with read it.",
    },
}
KARMA_CHOICES = list(CHOICES["karma"])
AGREEMENT_CHOICES = list(CHOICES["agreement"])


def _shown(schema: dict, what: str) -> dict:
    """A number or vote the pages show only with the item's text: null where they show a
    placeholder instead (a deleted post, a deleted or removed comment)."""
    return {**nullable(schema), "description": what + " Null where the item shows as a placeholder."}


def _my_vote(choices: list[str], axis: str) -> dict:
    return _shown(
        {"type": "string", "enum": choices},
        f"The caller's {axis} vote; null for none (or when signed out, or on their own writing).",
    )


VOTE_NUMBERS = {
    "score": _shown(INT, "Sum of the karma votes' weights (docs/karma.md)."),
    "vote_count": _shown(INT, "Number of karma votes."),
    "my_vote": _my_vote(KARMA_CHOICES, "karma"),
}
AGREEMENT_NUMBERS = {
    "agreement": _shown(INT, "Agree minus disagree votes."),
    "agreement_count": _shown(INT, "Number of agreement votes."),
    "my_agreement": _my_vote(AGREEMENT_CHOICES, "agreement"),
}

COMPONENTS: dict[str, dict] = {
    "Error": obj(
        {
            "error": obj(
                {
                    "code": {"type": "string", "enum": sorted(set(CODES.values()))},
                    "message": STRING,
                    "field": nullable(STRING),
                }
            ),
        }
    ),
    "UserRef": obj({"username": STRING, "display_name": STRING, "url": STRING}),
    "User": obj(
        {
            "username": STRING,
            "display_name": STRING,
            "bio": STRING,
            "bio_html": STRING,
            "interests": STRINGS,
            "karma": INT,
            "role": STRING,
            "created_at": TIME,
            "url": STRING,
            "post_count": {**INT, "description": "Posts the caller may read."},
            "comment_count": {**INT, "description": "Comments the caller may read."},
        }
    ),
    "Me": obj(
        {
            "id": INT,
            "username": STRING,
            "display_name": STRING,
            "role": STRING,
            "karma": INT,
            "created_at": TIME,
            "token": nullable(
                obj(
                    {
                        "name": STRING,
                        "scope": {"type": "string", "enum": list(TOKEN_SCOPES)},
                        "expires_at": nullable(TIME),
                    }
                )
            ),
        }
    ),
    # The same file /settings/data downloads (forum/queries/account_data.py); its parts are
    # described in docs/accounts.md, so only its outline is pinned here.
    "AccountExport": obj(
        {
            "format": {"type": "string", "const": "forum-account-export"},
            "version": INT,
            "exported_at": TIME,
            "profile": {"type": "object"},
            "posts": {"type": "array", "items": {"type": "object"}},
            "comments": {"type": "array", "items": {"type": "object"}},
            "votes": {"type": "array", "items": {"type": "object"}},
            "groups": {"type": "object"},
            "vouches": {"type": "object"},
            "terms_accepted": {"type": "object"},
            "notification_settings": {"type": "object"},
            "access_requests": {"type": "array", "items": {"type": "object"}},
            "reports": {"type": "array", "items": {"type": "object"}},
            "conversations": {"type": "array", "items": {"type": "object"}},
            "files": {"type": "array", "items": {"type": "object"}},
            "api_tokens": {"type": "array", "items": {"type": "object"}},
        }
    ),
    "Audience": obj(
        {
            "kind": {"type": "string", "enum": list(AUDIENCE_KINDS)},
            "users": {**STRINGS, "description": "Usernames, besides the author."},
            "groups": {**STRINGS, "description": "Slugs of the groups the caller may see."},
            "others": {**BOOL, "description": "Groups the caller may not see are in the audience too."},
        }
    ),
    "Terms": obj(
        {
            "version": INT,
            "body_md": STRING,
            "body_html": STRING,
            "accepted": {**BOOL, "description": "The caller agreed to this version (or wrote the post)."},
        }
    ),
    "PostSummary": obj(
        {
            "id": INT,
            "title": STRING,
            "author": ref("UserRef"),
            **AUTHORSHIP,
            "created_at": TIME,
            "edited_at": nullable(TIME),
            "tags": STRINGS,
            "audience_kind": {"type": "string", "enum": list(AUDIENCE_KINDS)},
            "comment_count": INT,
            **VOTE_NUMBERS,
            "state": STATE,
            "url": STRING,
            "gated": {**BOOL, "description": "The post has terms the caller has not accepted: no body until they do."},
        }
    ),
    "Post": obj(
        {
            "id": INT,
            "title": STRING,
            "author": ref("UserRef"),
            **AUTHORSHIP,
            "created_at": TIME,
            "edited_at": nullable(TIME),
            "tags": STRINGS,
            "audience_kind": {"type": "string", "enum": list(AUDIENCE_KINDS)},
            "comment_count": INT,
            **VOTE_NUMBERS,
            "state": STATE,
            "url": STRING,
            "gated": BOOL,
            "body_md": nullable(STRING),
            "body_html": nullable(STRING),
            "audience": ref("Audience"),
            "terms": nullable(ref("Terms")),
            "removal_reason": nullable(STRING),
            "can_edit": BOOL,
            "can_delete": BOOL,
            "can_comment": BOOL,
        }
    ),
    "Comment": obj(
        {
            "id": INT,
            "post_id": INT,
            "parent_id": nullable(INT),
            "author": nullable(ref("UserRef")),
            "body_md": nullable(STRING),
            "body_html": nullable(STRING),
            "created_at": TIME,
            "edited_at": nullable(TIME),
            "state": STATE,
            **VOTE_NUMBERS,
            **AGREEMENT_NUMBERS,
            "url": STRING,
        }
    ),
    "CommentNode": obj(
        {
            "comment": ref("Comment"),
            "reply_count": {**INT, "description": "Replies below this comment that the caller sees."},
            "replies": {"type": "array", "items": ref("CommentNode")},
        }
    ),
    "GroupRef": obj({"slug": STRING, "name": STRING, "url": STRING}),
    "Group": obj(
        {
            "slug": STRING,
            "name": STRING,
            "url": STRING,
            "description": STRING,
            "description_html": STRING,
            "listed": BOOL,
            "join_policy": {"type": "string", "enum": list(JOIN_POLICIES)},
            "interests": STRINGS,
            "created_at": TIME,
            "member_count": {**nullable(INT), "description": "Null when the caller may not see the group's activity."},
            "post_count": {**nullable(INT), "description": "Posts shared with the group that the caller may read."},
            "state": {
                **nullable({"type": "string", "enum": [*GROUP_ROLES, "invited", "requested"]}),
                "description": "The caller's role, or a pending invitation or request.",
            },
        }
    ),
    "Invitation": obj(
        {
            "id": INT,
            "group": ref("GroupRef"),
            "user": ref("UserRef"),
            "invited_by": ref("UserRef"),
            "status": STRING,
            "created_at": TIME,
        }
    ),
    "JoinRequest": obj(
        {
            "id": INT,
            "group": ref("GroupRef"),
            "user": ref("UserRef"),
            "statement": STRING,
            "status": STRING,
            "created_at": TIME,
        }
    ),
    "Member": obj({"user": ref("UserRef"), "role": {"type": "string", "enum": list(GROUP_ROLES)}, "joined_at": TIME}),
    "Report": obj(
        {
            "id": INT,
            "reason": {"type": "string", "enum": list(REPORT_REASONS)},
            "status": STRING,
            "post_id": nullable(INT),
            "comment_id": nullable(INT),
            "message_id": nullable(INT),
            "created_at": TIME,
        }
    ),
    "SearchHit": obj(
        {
            "kind": {
                "type": "string",
                "enum": ["post", "comment", "listing"],
                "description": "listing: the card of a "
                "listed restricted post the caller cannot read (title, author, abstract); "
                "url is where to request access.",
            },
            "post_id": INT,
            "comment_id": nullable(INT),
            "title": {**STRING, "description": "The post's title (for a comment, the post it is on)."},
            "author": ref("UserRef"),
            "created_at": TIME,
            "snippet_html": {
                **nullable(STRING),
                "description": "Escaped text with <mark> around matches; null for a post "
                "whose terms the caller has not accepted.",
            },
            "state": STATE,
            "url": STRING,
        }
    ),
    "SearchResults": obj(
        {
            "items": {"type": "array", "items": ref("SearchHit")},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0, "description": "Counts only what the caller may read."},
            "pages": {"type": "integer", "minimum": 0},
            "empty_query": BOOL,
            "truncated": BOOL,
            "query_error": {
                **nullable(STRING),
                "description": "Why the query could not be read (an unclosed quote, a dangling OR...); "
                "nothing was searched.",
            },
            "corrected": {
                **nullable(STRING),
                "description": "Nothing matched `q`; the results are for this corrected spelling.",
            },
        }
    ),
    "Tag": obj({"name": STRING, "posts": {**INT, "description": "Posts with this tag the caller may read."}}),
    "VoteResult": obj(
        {
            "kind": {"type": "string", "enum": ["post", "comment"]},
            "id": INT,
            "axis": {"type": "string", "enum": list(CHOICES)},
            "vote": {
                **nullable({"type": "string", "enum": KARMA_CHOICES + AGREEMENT_CHOICES}),
                "description": "The caller's vote on this axis after the request; null for none.",
            },
            "score": INT,
            "vote_count": INT,
            "agreement": {**INT, "description": "Comments only."},
            "agreement_count": {**INT, "description": "Comments only."},
            "pending": {
                **BOOL,
                "description": "Present (true) when the vote is kept but not counted yet: the account is "
                "unverified or younger than the site's waiting period (docs/karma.md).",
            },
        },
        required=("kind", "id", "axis", "vote", "score", "vote_count"),
    ),
}


# --- request bodies ---------------------------------------------------------------------

AUDIENCE_IN = obj(
    {
        "kind": {"type": "string", "enum": list(AUDIENCE_KINDS)},
        "users": {**STRINGS, "description": "Usernames (restricted posts)."},
        "groups": {**STRINGS, "description": "Group slugs (restricted posts)."},
    },
    required=("kind",),
)

TERMS_IN = obj(
    {
        "choice": {"type": "string", "description": "'none', a template key from the site's list, or 'custom'."},
        "custom": {"type": "string", "description": "The author's own terms, with choice 'custom'."},
    },
    required=("choice",),
)

POST_FIELDS = {
    "title": STRING,
    "body": TEXT,
    "tags": {**STRINGS, "maxItems": 20},
    "audience": AUDIENCE_IN,
    "terms": TERMS_IN,
    "confirm_public": {
        **BOOL,
        "description": "Required (true) to publish to Public or widen a published post to it: anyone on the "
        "internet may then read it.",
    },
}
NEW_POST = obj(POST_FIELDS, required=("title", "body"))
EDIT_POST = obj(POST_FIELDS, required=())

NEW_COMMENT = obj({"body": TEXT, "parent_id": nullable(INT)}, required=("body",))
COMMENT_BODY = obj({"body": TEXT}, required=("body",))
_CURRENT = (
    "The vote you believe you have ('none' for none), as the page's buttons send it. Omitted: pressing "
    "`value` when you already have it takes it back. Given and different from what is stored (a retry, "
    "a second client): `value` is set, never taken back; so send 'none' to set a vote idempotently."
)


def vote_body(choices: list[str]) -> dict:
    return obj(
        {
            "value": {"type": "string", "enum": choices},
            "current": {"type": "string", "enum": [NO_VOTE, *choices], "description": _CURRENT},
        },
        required=("value",),
    )


KARMA_VOTE = vote_body(KARMA_CHOICES)
AGREEMENT_VOTE = vote_body(AGREEMENT_CHOICES)
ACCEPT_TERMS = obj(
    {"version": {**INT, "description": "The version you were shown (Post.terms.version)."}}, required=("version",)
)
NEW_REPORT = obj(
    {
        "reason": {"type": "string", "enum": list(REPORT_REASONS)},
        "details": {"type": "string", "maxLength": 2000},
    },
    required=("reason",),
)
_GROUP_FIELDS = {
    "name": STRING,
    "description": STRING,
    "listed": BOOL,
    "join_policy": {"type": "string", "enum": list(JOIN_POLICIES)},
    "interests": STRINGS,
}
NEW_GROUP = obj({**_GROUP_FIELDS, "slug": STRING}, required=("name",))
EDIT_GROUP = obj(_GROUP_FIELDS, required=())
INVITE = obj({"username": STRING}, required=("username",))
JOIN_REQUEST = obj(
    {
        "statement": {"type": "string", "maxLength": 1000},
        "vouch_id": {
            "type": "integer",
            "description": "For groups that require a vouch: the id of a current member's vouch for you.",
        },
    },
    required=(),
)
ROLE = obj({"role": {"type": "string", "enum": list(GROUP_ROLES)}}, required=("role",))


# --- error responses --------------------------------------------------------------------

_ERROR_TEXT = {
    400: "Invalid input; `field` names it.",
    401: "No valid token (missing where needed, invalid, expired or revoked).",
    403: "Not allowed: a read-only token writing, a ban, unaccepted site terms, or a role needed.",
    404: "Not found, or not readable by the caller: the two are indistinguishable.",
    409: "Not possible in the object's current state.",
    415: "The body was not a JSON object.",
    429: "Rate limited; see Retry-After.",
}

ERROR_RESPONSES = {
    f"E{code}": {"description": text, "content": {"application/json": {"schema": ref("Error")}}}
    for code, text in _ERROR_TEXT.items()
}
