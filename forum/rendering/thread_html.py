"""A comment thread's HTML, in one Python pass over the tree (`threads.build_tree`).

The recursive Jinja macro it replaces spent about 80% of a long thread's time in macro
calls and `url_for` (bench/README.md). Here links come from `links.Links` patterns,
vote widgets from `vote_html`, and everything a page shares (the viewer, the CSRF field,
the post's state) is computed once. The markup is the macro's: the same elements, classes
and ids, which the tests, static/forum.js and static/votes.js rely on.

Everything from the database is escaped here except `body_html`, which markup.py
sanitized at save time (the template printed it with `|safe` too). The rare parts
(removal notices, moderators' forms) still come from their macros in macros.html.

Extending: a per-comment flag for the viewer goes on the node (`Node.classes`,
`Node.data`) in the view; markup that every comment gets goes in `_comment` below.
"""

from __future__ import annotations

from flask import current_app
from flask_login import current_user
from jinja2.environment import TemplateModule
from markupsafe import Markup, escape

from forum.queries import blocks
from forum.queries.threads import Node
from forum.rendering.dates import time_ago
from forum.rendering.vote_html import VoteWidgets
from forum.web.links import Links


class ThreadRenderer:
    """Renders the comment trees of one post page for the current viewer."""

    def __init__(self, post, confirm_form=None, can_moderate: bool = False, votes=None) -> None:
        self.links = Links()
        self.widget = VoteWidgets.for_request()
        self.votes = votes
        self.can_moderate = can_moderate
        self.signed_in = current_user.is_authenticated
        self.viewer_id = current_user.id if self.signed_in else None
        self.post_open = not post.is_deleted and not post.is_removed
        self.collapse_score = current_app.config["COMMENT_COLLAPSE_SCORE"]
        # Comments by people the viewer blocks start closed, for the viewer only.
        self.blocked = blocks.blocked_by(current_user)
        # Absent when CSRF is switched off (the tests), as the template printed nothing then.
        self.csrf_field = str(getattr(confirm_form, "csrf_token", "")) if self.signed_in else ""
        self._macros: TemplateModule | None = None

    def render(self, nodes: list[Node]) -> Markup:
        out: list[str] = []
        self._thread(nodes, out)
        return Markup("".join(out))

    def _macro(self, name: str):
        if self._macros is None:
            self._macros = current_app.jinja_env.get_template("macros.html").module
        return getattr(self._macros, name)

    def _thread(self, nodes: list[Node], out: list[str]) -> None:
        out.append('<ol class="thread">')
        for node in nodes:
            self._comment(node, out)
        out.append("</ol>")

    def _comment(self, node: Node, out: list[str]) -> None:
        c, to = node.comment, self.links.to
        placeholder = ("[deleted account]" if c.author.is_deleted else "[deleted]") if c.is_deleted else "[removed]"
        # Low-scored comments start closed; the summary still opens them.
        blocked = node.shown and c.author_id in self.blocked
        low = node.shown and (c.score <= self.collapse_score or blocked)
        classes = "comment comment-low" if low else "comment"
        if node.is_new:  # written since the viewer's last visit (unread.is_new)
            classes += " comment-new"
        if node.classes:
            classes = f"{classes} {escape(' '.join(node.classes))}"
        data = "".join(f' data-{escape(k)}="{escape(v)}"' for k, v in node.data.items()) if node.data else ""
        permalink = to("posts.comment_permalink", c.id)
        # The byline's links stay outside <summary> (a link inside a toggle is "nested-interactive" for
        # assistive technology); the summary is the −/+ box beside it, and the byline shows when collapsed.
        out.append(f'<li class="{classes}" id="c{c.id}"{data}><div class="comment-head">')
        out.append(f'<span class="muted">{placeholder}</span>' if not node.shown else self.links.user(c.author))
        out.append(f' · <a class="permalink" href="{permalink}">{time_ago(c.created_at)}</a>')
        if c.edited_at and node.shown:
            out.append(' <span class="muted">· edited</span>')
        if node.is_new:
            out.append(' <span class="badge new-badge">new</span>')
        if blocked:
            out.append(' <span class="collapsed-note">(someone you blocked, collapsed)</span>')
        elif low:
            out.append(f' <span class="collapsed-note">(score {c.score}, collapsed)</span>')
        if node.reply_count:
            replies = "reply" if node.reply_count == 1 else "replies"
            out.append(f' <span class="collapsed-note">({node.reply_count} {replies} hidden)</span>')
        out.append(
            f"</div><details{'' if low else ' open'}><summary>"
            '<span class="visually-hidden">Show or hide this comment</span></summary>'
        )
        if not node.shown:
            out.append(f'<p class="muted">{placeholder}</p>')
        else:
            if c.is_removed:
                out.append(self._macro("removal_notice")(c, "comment"))
            widget, votable = self.widget.html, self.widget.votable(c, self.votes)
            out.append(
                f'<div class="comment-votes">{widget(c, "comment", self.votes, "karma", votable)} '
                f"{widget(c, 'comment', self.votes, 'agreement', votable)}</div>"
                f'<div class="prose">{c.body_html}</div><div class="actions">'
            )
            if self.signed_in:
                self._actions(c, out)
            out.append("</div>")
        if node.more_below:
            out.append(f'<p class="continue"><a href="{permalink}">Continue this thread →</a></p>')
        elif node.children:
            self._thread(node.children, out)
        out.append("</details></li>")

    def _actions(self, c, out: list[str]) -> None:
        to = self.links.to
        if self.post_open and not c.is_removed:
            # Inline and without JavaScript: a closed <details> under the comment holds the reply form,
            # posted where the post's comment form posts (which checks the parent is shown to the viewer).
            out.append(
                f'<details class="reply-inline"><summary>Reply</summary>'
                f'<form method="post" action="{to("posts.comment", c.post_id)}" novalidate>{self.csrf_field}'
                f'<input type="hidden" name="parent_id" value="{c.id}">'
                f'<label for="reply-{c.id}">Your reply</label><textarea id="reply-{c.id}" name="body" rows="4">'
                '</textarea><button class="button" type="submit" name="submit" value="Reply">Reply</button>'
                "</form></details>"
            )
        if self.viewer_id == c.author_id:
            if not c.is_removed:
                out.append(f' <a href="{to("posts.edit_comment", c.id)}">Edit</a>')
            out.append(
                f' <form class="inline" method="post" action="{to("posts.delete_comment", c.id)}">{self.csrf_field}'
                '<button class="link" type="submit" data-confirm="Delete this comment?">Delete</button></form>'
            )
        elif not c.is_removed:
            out.append(f' <a href="{to("moderation.report_comment", c.id)}">Report</a>')
        if self.can_moderate:
            form = self._macro("moderate_form")
            if c.is_removed:
                out.append(
                    form(
                        to("moderation.restore_comment", c.id),
                        "Restore",
                        f"restore-c{c.id}",
                        danger=False,
                        required=False,
                    )
                )
            else:
                out.append(form(to("moderation.remove_comment", c.id), "Remove", f"remove-c{c.id}"))


def render_thread(nodes: list[Node], post, confirm_form=None, can_moderate: bool = False, votes=None) -> Markup:
    """The template global behind the `comment_tree` macro."""
    return ThreadRenderer(post, confirm_form, can_moderate, votes).render(nodes)
