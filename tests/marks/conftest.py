"""A marked post read by fifty members of a group, and an unmarked post beside it."""

from __future__ import annotations

import pytest

from forum.services import marks as mark_service
from tests.factories import make_group, make_post, make_user
from tests.marks.corpus import BODY

READERS = 50


@pytest.fixture
def world(app):
    ada = make_user("ada")
    readers = [make_user(f"reader{i:02d}") for i in range(READERS)]
    group = make_group(ada, "Lab", members=tuple(readers))
    post = make_post(ada, "Marked results", BODY, audience="restricted", groups=(group,))
    mark_service.set_marking(post, ada, True)
    other = make_post(ada, "Other results", "A different text about apples, pears and plums. " * 5)
    return {"ada": ada, "readers": readers, "post": post, "other": other}
