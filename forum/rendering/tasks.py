"""Task lists: `- [ ] open` and `- [x] done` as disabled checkboxes.

In place of mdit-py-plugins' tasklists, which walks back to the start of the list for
every item (quadratic: 4,000 items took 15 s to render); this keeps a stack of the
open lists and makes one pass.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

_MARKER = re.compile(r"^\[([ xX])\][ \t\u00a0]")


def _checkbox(checked: bool) -> Token:
    token = Token("html_inline", "", 0)
    token.content = (
        '<input class="task-list-item-checkbox" type="checkbox" disabled="disabled"'
        + (' checked="checked"' if checked else "")
        + ">"
    )
    return token


def _mark_tasks(state: StateCore) -> None:
    tokens = state.tokens
    open_lists: list[int] = []
    for index, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            open_lists.append(index)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            open_lists.pop()
        elif (
            token.type == "inline"
            and index >= 2
            and open_lists
            and tokens[index - 1].type == "paragraph_open"
            and tokens[index - 2].type == "list_item_open"
            and token.children
            and token.children[0].type == "text"
            and (marker := _MARKER.match(token.children[0].content))
        ):
            token.children[0].content = token.children[0].content[3:]
            token.children.insert(0, _checkbox(marker.group(1) != " "))
            tokens[index - 2].attrSet("class", "task-list-item")
            tokens[open_lists[-1]].attrSet("class", "contains-task-list")


def tasks_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("inline", "task_lists", _mark_tasks)
