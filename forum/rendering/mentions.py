"""markdown-it rule that turns `@name` into a link to that person's profile.

The renderer stays pure: which names are people is decided by the caller, who passes the
lower-cased usernames of existing, not deleted accounts as `env["mentions"]`
(`forum.services.notifications.linkable_mentions`). Without them nothing is linked. Being an
inline rule, it never runs inside code spans or blocks, and it is skipped inside a link's text;
an address (`a@b.org`) is not a mention because a word character stands before its `@`.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

# The name as notifications.MENTION reads it, matched at the `@`.
_NAME = re.compile(r"@([A-Za-z0-9_-]{3,32})(?![\w-])")
_NOT_BEFORE = re.compile(r"[\w@/.]")
PROFILE_PREFIX = "/users/"  # the users.profile route; the renderer has no request to build it from


def _mention(state: StateInline, silent: bool) -> bool:
    start = state.pos
    if state.src[start] != "@" or state.linkLevel > 0:
        return False
    if start > 0 and _NOT_BEFORE.match(state.src[start - 1]):
        return False
    match = _NAME.match(state.src, start)
    if match is None:
        return False
    name = match.group(1).lower()
    if name not in state.env.get("mentions", ()):
        return False
    if not silent:
        opening = state.push("link_open", "a", 1)
        opening.attrs = {"href": PROFILE_PREFIX + name, "class": "mention"}
        text = state.push("text", "", 0)
        text.content = match.group(0)
        state.push("link_close", "a", -1)
    state.pos = match.end()
    return True


def mentions_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "mention", _mention)
