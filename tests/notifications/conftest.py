"""A small world for notification tests: ada's lab (ben is a member), eli outside it."""

from __future__ import annotations

import pytest

from tests.factories import make_group, make_user
from tests.notifications.helpers import World


@pytest.fixture
def world(app) -> World:
    ada, ben, eli = make_user("ada"), make_user("ben"), make_user("eli")
    lab = make_group(ada, "Quiet Lab", members=(ben,), listed=False, join_policy="invite")
    return World(ada, ben, eli, lab)
