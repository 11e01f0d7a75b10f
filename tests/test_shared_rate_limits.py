"""Rate limits hold across workers: with RATELIMIT_STORAGE_URI on Redis, two processes
count against one allowance (each would get its own with the default memory:// store)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import TestConfig
from forum import create_app
from forum.extensions import db, limiter

REDIS_URL = os.environ.get("TEST_REDIS_URL")
ROOT = Path(__file__).resolve().parent.parent

# The second worker: another process, with the same configuration.
OTHER_WORKER = """
import sys
from config import TestConfig
from forum import create_app
app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=sys.argv[1], RATELIMIT_ENABLED=True,
                 RATELIMIT_STORAGE_URI=sys.argv[2], API_RATE_LIMIT="3 per minute")
client = app.test_client()
print(" ".join(str(client.get("/api/v1/posts").status_code) for _ in range(2)))
"""


def limited_app(database_url: str, storage: str):
    return create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=storage,
        API_RATE_LIMIT="3 per minute",
    )


def other_worker(database_url: str, storage: str) -> list[int]:
    result = subprocess.run(
        [sys.executable, "-c", OTHER_WORKER, database_url, storage],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return [int(code) for code in result.stdout.split()]


@pytest.fixture
def database_url(app):
    yield app.config["SQLALCHEMY_DATABASE_URI"]
    # The limiter object is shared by every app of the process: leave it as the suite expects.
    limiter.enabled = False


@pytest.mark.skipif(not REDIS_URL, reason="needs redis-server: make test-postgres starts one (TEST_REDIS_URL)")
def test_two_workers_share_one_allowance_through_redis(database_url):
    app = limited_app(database_url, REDIS_URL)
    limiter.reset()
    client = app.test_client()
    assert [client.get("/api/v1/posts").status_code for _ in range(2)] == [200, 200]
    # The third request of the minute is the other worker's first; its second is refused.
    assert other_worker(database_url, REDIS_URL) == [200, 429]
    assert client.get("/api/v1/posts").status_code == 429
    with app.app_context():
        db.engine.dispose()


def test_with_the_memory_store_each_worker_counts_alone(database_url):
    """Why production needs Redis: the default store is per process."""
    app = limited_app(database_url, "memory://")
    client = app.test_client()
    assert [client.get("/api/v1/posts").status_code for _ in range(3)] == [200, 200, 200]
    assert client.get("/api/v1/posts").status_code == 429
    assert other_worker(database_url, "memory://") == [200, 200]
    with app.app_context():
        db.engine.dispose()
