"""Every form of the app (each rule taking POST, PATCH or DELETE, read from its url_map),
submitted by every viewer of the marker world (markers.py) empty, and with ids of things
the viewer may not read or answer in its fields: the answer, a re-rendered form above
all, shows no canary word, and a hidden target or a hidden id answers exactly like a
missing one. A form the viewer may really use changes the world: `world_as_built` puts
it back for the next test.
"""

from __future__ import annotations

import re

import pytest

from config import TestConfig
from forum import create_app
from tests.privacy.oracle import MISSING_COMMENT, MISSING_POST, normalized

from .marker_probes import answer_text, client_as, fresh, leaks, twins
from .markers import VIEWERS, MarkerWorld

pytestmark = pytest.mark.usefixtures("in_marker_app")


WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SKIPPED_FORMS = ("/logout",)  # it would end the viewer's session halfway through
# Forms that write into a post's text: a post the viewer may open but not read answers 404 there.
BODY_FORMS = ("/posts/<int:post_id>/comments", "/api/v1/posts/<int:post_id>/comments")
ARGUMENT = re.compile(r"<(?:[^:<>]+:)?(\w+)>")


def _form_rules() -> list[tuple[str, str]]:
    """Every (rule, method) that takes a submission, read from the app's own url_map."""
    rules = create_app(TestConfig).url_map.iter_rules()
    return sorted(
        (rule.rule, method)
        for rule in rules
        for method in rule.methods & WRITE_METHODS
        if rule.rule not in SKIPPED_FORMS
    )


FORM_RULES = _form_rules()


def _targets(world: MarkerWorld, rule: str) -> list[tuple[str, dict]]:
    """(name, path values) for each object the rule's address may name, the missing one first."""
    fixed = {
        "slug": world.groups["probe"],
        "username": world.users["bystander"],
        "name": "probe-tag",
        "token": "not-a-token",
        "decision": "approve",
    }
    fixed.update({name: 1 for name in ARGUMENT.findall(rule) if name not in fixed})
    if "<int:post_id>" in rule:
        return [("missing", {**fixed, "post_id": MISSING_POST})] + [
            (name, {**fixed, "post_id": pid}) for name, pid in world.posts.items()
        ]
    if "<int:comment_id>" in rule:
        return [("missing", {**fixed, "comment_id": MISSING_COMMENT})] + [
            (name, {**fixed, "comment_id": cid}) for name, (cid, _) in world.comments.items()
        ]
    return [("none", fixed)]


def _references(world: MarkerWorld, viewer: str) -> list[tuple[str, dict, tuple[int, ...]]]:
    """Form fields naming things the viewer may not read or answer: (what, fields, the ids in them)."""
    posts = sorted(world.hidden_posts(viewer))
    chosen = []
    for n, name in enumerate(sorted(world.unrepliable_comments(viewer))):
        cid, pid = world.comments[name][0], world.posts[posts[n % len(posts)]]
        fields = {"parent_id": cid, "comment_id": cid, "post_id": pid, "request_id": world.request_id}
        for body in BODIES:
            chosen.append((f"ids of {name}, body {body!r}", {"body": body, **fields}, (cid, pid, world.request_id)))
    return chosen


# An empty body fails every form; a written one gets as far as the service, whose refusal re-renders too.
BODIES = ("", "A probing reply.")
MISSING_IDS = {
    "parent_id": MISSING_COMMENT,
    "comment_id": MISSING_COMMENT,
    "post_id": MISSING_POST,
    "request_id": 987_650,
}


def _own_paths(values: dict) -> tuple[str, ...]:
    """The object's own address, which an answer may name (a sign-in link back to it)."""
    return tuple(f"/{kind}s/{values[f'{kind}_id']}" for kind in ("post", "comment") if f"{kind}_id" in values)


def _echoes(ids) -> tuple[str, ...]:
    """Ids a re-rendered form may carry back in its fields."""
    return tuple(f'value="{i}"' for i in ids)


def _address(rule: str, values: dict) -> str:
    return ARGUMENT.sub(lambda m: str(values[m.group(1)]), rule)


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize(("rule", "method"), FORM_RULES, ids=[f"{m} {r}" for r, m in FORM_RULES])
def test_a_refused_or_invalid_form_shows_nothing_hidden(marker_app, marker_world, world_as_built, viewer, rule, method):
    client = client_as(marker_app, marker_world, viewer)
    failures = []
    (_, missing_values), *targets = _targets(marker_world, rule)
    missing_url = _address(rule, missing_values)
    closed = marker_world.hidden_posts(viewer) | (marker_world.gated_posts(viewer) if rule in BODY_FORMS else set())
    closed_comments = marker_world.hidden_comments(viewer)
    variants = [("empty", {})] + ([("preview", {"preview": "Preview"})] if rule.endswith("/edit") else [])
    for name, values in targets:
        url = _address(rule, values)
        hidden_target = name in (closed if "<int:post_id>" in rule else closed_comments)
        for what, fields in variants:
            if not hidden_target:
                answer = fresh(client, method, url, fields=fields)
                failures += leaks(marker_world, viewer, url, answer_text(answer), f"{method}, {what}")
                continue
            # Side by side: a form that really acted (a restore, a report) may change what the next page shows.
            answer, missing = twins(client, url, missing_url, method=method, fields=fields)
            failures += leaks(marker_world, viewer, url, answer_text(answer), f"{method}, {what}")
            if normalized(answer, *_own_paths(values)) != normalized(missing, *_own_paths(missing_values)):
                failures.append(
                    f"{method} {url} ({what}) on {name}: {answer.status_code}, missing {missing.status_code}"
                )
    # Ids of hidden things in the fields, under an address the viewer may use.
    for name, values in targets:
        if name not in ("open", "none"):
            continue
        url = _address(rule, values)
        for what, fields, ids in _references(marker_world, viewer):
            missing_fields = {**fields, **MISSING_IDS}
            answer, unknown = twins(client, url, url, method=method, fields=fields, missing_fields=missing_fields)
            failures += leaks(marker_world, viewer, url, answer_text(answer), f"{method}, {what}")
            refused = max(answer.status_code, unknown.status_code) >= 400  # two successes differ by their new ids
            if refused and normalized(answer, *_echoes(ids)) != normalized(unknown, *_echoes(MISSING_IDS.values())):
                failures.append(f"{method} {url} ({what}): {answer.status_code}, missing ids {unknown.status_code}")
    assert failures == [], "\n".join(failures)
