"""Helpers for the API tests: tokens and authenticated calls."""

from __future__ import annotations

import pytest

from tests.api.helpers import bearer


@pytest.fixture
def api(client):
    """`api.get(url, user_or_headers)`: calls with a fresh read-write token for a user."""

    class Caller:
        def _headers(self, who):
            if who is None:
                return {}
            if isinstance(who, dict):
                return who
            return bearer(who)

        def get(self, url, who=None, **kw):
            return client.get(url, headers=self._headers(who), **kw)

        def post(self, url, who=None, json=None, **kw):
            return client.post(url, headers=self._headers(who), json=json if json is not None else {}, **kw)

        def patch(self, url, who=None, json=None, **kw):
            return client.patch(url, headers=self._headers(who), json=json if json is not None else {}, **kw)

        def delete(self, url, who=None, **kw):
            return client.delete(url, headers=self._headers(who), **kw)

    return Caller()
