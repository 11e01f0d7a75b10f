"""Fixtures of the privacy tests; the instruments are in oracle.py, the audience world in world.py."""

from __future__ import annotations

import pytest

from tests.privacy.world import sign_in


@pytest.fixture
def sign_in_as(client):
    return lambda world, viewer: sign_in(client, world, viewer)
