"""The vote widget's HTML, in Python: the one implementation behind the `vote_widget`
macro and the comment thread renderer (`thread_html.py`).

A thread shows two widgets per comment; as a Jinja macro (with a nested button macro)
each cost about 60 µs, most of a signed-in thread page (bench/README.md, "page").
Here the parts that depend only on the viewer (rules, CSRF token, the `next` address)
are computed once per page, and each widget is string formatting with escaping.

Only pages already gated by visibility render this. `votes` is the viewer's votes on the
page (services.votes.viewer_votes); without it, for signed-out viewers and on the
viewer's own writing, only the numbers show.

One form per page: every widget's buttons submit the page's single hidden `#vote-form`
(`vote_form()`, printed by base.html for members, holding the CSRF token and the page to
come back to) through `form="vote-form"`, to the one vote endpoint (views/votes.vote).
A button carries only what differs, as its `vote` value: `kind:id:axis:choice`, then
`:shown` when the page shows the viewer's vote on that axis (absent means none), so a
double click never takes a vote back. A form per widget, then a `formaction` address per
button, repeated the same strings six times per widget: the signed-in 20-comment page was
57 KB against 17 KB signed out (bench/README.md, "lighter vote buttons"). Without
JavaScript a button posts the page form and the vote view redirects back;
static/votes.js sends the same fields with fetch and updates the widget in place.
"""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from forum import permissions
from forum.infra.memo import request_memo
from forum.models import Post

_AGREEMENT_LABEL = '<span class="vote-label">agreement</span>'
_ITEM = "\x01"  # where a button row takes its widget's `kind:id:axis` (rows are made once per page)


class VoteWidgets:
    """Widgets for one request and viewer (`for_request()`); call it per item."""

    FORM_ID = "vote-form"

    def __init__(self) -> None:
        viewer = current_user._get_current_object()  # once, not through the proxy for each rule
        rules = permissions.vote_rules(viewer)
        self.rules = tuple(sorted(rules.items()))  # what the buttons depend on (thread_html keys by it)
        self.can_vote = rules["vote"]
        self.viewer_id = viewer.get_id()
        self._csrf: str | None = None
        self._next: str | None = None
        self._rows: dict[tuple[str, str | None], tuple[str, str]] = {}
        self.used = False  # a widget with buttons was made: the page needs its form
        self.buttons: dict = {}
        if not self.can_vote:
            return  # numbers only: no buttons to describe
        config = current_app.config
        need_down = f"Down-votes need {config['VOTE_DOWN_MIN_KARMA']} karma"
        need_strong = f"Strong votes need {config['VOTE_STRONG_MIN_KARMA']} karma"
        # (choice, symbol, text, allowed, why not) before and after the total, per axis.
        self.buttons = {
            "karma": (
                (
                    (
                        "strong-down",
                        "⇊",
                        "Strong down-vote",
                        rules["down"] and rules["strong"],
                        need_strong if rules["down"] else need_down,
                    ),
                    ("down", "▼", "Down-vote", rules["down"], need_down),
                ),
                (("up", "▲", "Up-vote", True, ""), ("strong-up", "⇈", "Strong up-vote", rules["strong"], need_strong)),
            ),
            "agreement": ((("disagree", "✗", "Disagree", True, ""),), (("agree", "✓", "Agree", True, ""),)),
        }

    @classmethod
    def for_request(cls) -> VoteWidgets:
        """One per request and viewer: the memo lives exactly as long as the request, and
        the key includes the viewer, so a sign-in inside the request never reuses the
        signed-out widgets."""
        cache = request_memo("vote_widgets")
        viewer = current_user.get_id()
        widgets = cache.get(viewer)
        if widgets is None:
            widgets = cache[viewer] = cls()
        return widgets

    def _inputs(self) -> tuple[str, str]:
        if self._csrf is None or self._next is None:  # both made together, on first use
            self._csrf = f'<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">'
            self._next = f'<input type="hidden" name="next" value="{escape(request.full_path.rstrip("?"))}">'
        return self._csrf, self._next

    def page_form(self) -> str:
        """The page's one vote form, on pages with buttons only (base.html prints it after the
        content): an error page carries no form, so a refusal stays identical to a 404."""
        if not self.used:
            return ""
        csrf, next_input = self._inputs()
        action = url_for("votes.vote")
        return f'<form id="{self.FORM_ID}" method="post" action="{action}" hidden>{csrf}{next_input}</form>'

    def __call__(self, item, kind: str, votes=None, axis: str = "karma") -> Markup:
        return Markup(self.html(item, kind, votes, axis))

    def votable(self, item, votes) -> bool:
        """Whether the viewer gets buttons (not just the numbers) on this item: not on
        one's own writing (a post's co-authors included), nor on drafts."""
        if votes is None or not self.can_vote or item.is_deleted or item.is_removed:
            return False
        if isinstance(item, Post):
            return not item.is_draft and self.viewer_id not in {str(i) for i in item.author_ids}
        return str(item.author_id) != self.viewer_id

    def html(self, item, kind: str, votes=None, axis: str = "karma", votable: bool | None = None) -> str:
        """The widget as a str of safe HTML; `votable` may be passed when already known."""
        agreement = axis == "agreement"
        total = item.agreement if agreement else item.score
        count = item.agreement_count if agreement else item.vote_count
        noun = "agreement vote" if agreement else "vote"
        count_text = f"{count} {noun}{'' if count == 1 else 's'}"
        if not (self.votable(item, votes) if votable is None else votable):
            label = "agreement" if agreement else "karma"
            return (
                f'<span class="vote vote-{axis} vote-readonly">'
                f'<span class="vote-total" title="{count_text}">{total}</span>'
                f' <span class="vote-label">{label}</span></span>'
            )
        mine = votes.choice(item, axis)
        before, after = self._button_rows(axis, mine)
        self.used = True
        aria = f' aria-label="agreement {total}, {count_text}"' if agreement else ""
        target = f"{kind}:{item.id}:{axis}"  # kind is "post" or "comment", ids are ints: nothing to escape
        return (
            f'<span class="vote vote-{axis}" data-vote data-axis="{axis}" data-current="{mine or "none"}">'
            f'{before.replace(_ITEM, target)}<span class="vote-total" data-vote-total'
            f' data-vote-noun="{noun}" title="{count_text}"{aria}>{total}</span>'
            f"{after.replace(_ITEM, target)}{_AGREEMENT_LABEL if agreement else ''}</span>"
        )

    def _button_rows(self, axis: str, mine: str | None) -> tuple[str, str]:
        """The buttons depend only on the axis and the viewer's vote: made once each per page."""
        key = (axis, mine)
        rows = self._rows.get(key)
        if rows is None:
            before, after = self.buttons[axis]
            rows = self._rows[key] = (
                "".join(_button(mine, *b) for b in before),
                "".join(_button(mine, *b) for b in after),
            )
        return rows


def _button(mine: str | None, choice: str, symbol: str, text: str, allowed: bool, why: str) -> str:
    # Taking back a vote is always allowed, even after losing the karma it needed.
    pressed = mine == choice
    usable = allowed or pressed
    if not usable:  # never submitted, so nothing to submit: the reason only
        return f'<button aria-pressed="false" aria-label="{text}" title="{why}" disabled>{symbol}</button>'
    shown = f":{mine}" if mine else ""
    return (
        f'<button form="{VoteWidgets.FORM_ID}" name="vote" value="{_ITEM}:{choice}{shown}"'
        f' aria-pressed="{"true" if pressed else "false"}" aria-label="{text}" title="{text}">{symbol}</button>'
    )


def vote_widget(item, kind: str, votes=None, axis: str = "karma") -> Markup:
    """The template global behind the `vote_widget` macro."""
    return VoteWidgets.for_request()(item, kind, votes, axis)


def vote_form() -> Markup:
    """The template global base.html prints once: the form every vote button submits.
    A page that made no widgets has no buttons: its form is not made (nor its widgets,
    whose vote rules read the member's karma and ban), as `page_form` would print nothing."""
    widgets = request_memo("vote_widgets").get(current_user.get_id())
    return Markup(widgets.page_form() if widgets is not None else "")
