"""Shared pieces for bench modules: a throwaway migrated app, plans, timing and percentiles.

With TEST_DATABASE_URL set to PostgreSQL (`scripts/pg-test-cluster python -m bench ...`)
the app runs on that database instead of a SQLite file: its schema is dropped and
rebuilt by the migrations first.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import Select, make_url, text

from config import TestConfig
from forum import create_app
from forum.extensions import db

ON_POSTGRES = make_url(TestConfig.SQLALCHEMY_DATABASE_URI).get_backend_name() == "postgresql"


@contextmanager
def temp_app(**overrides) -> Iterator[Flask]:
    """A TestConfig app on a fresh database built by the real migrations (a SQLite file,
    or TEST_DATABASE_URL's PostgreSQL database emptied first).

    No app context stays pushed: push one for setup, and issue requests outside it,
    so each request gets its own context exactly as in production.
    """
    with tempfile.TemporaryDirectory(prefix="forum-bench-") as tmp:
        url = TestConfig.SQLALCHEMY_DATABASE_URI if ON_POSTGRES else f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI=url,
            SEARCH_INDEX_DIR=str(Path(tmp) / "index"),
            WTF_CSRF_ENABLED=False,
            **overrides,
        )
        with app.app_context():
            if ON_POSTGRES:
                with db.engine.begin() as connection:
                    connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            upgrade()
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def after_bulk_insert() -> None:
    """Benches insert rows with explicit ids; PostgreSQL's sequences must then move past
    them (SQLite needs nothing), and both engines need fresh statistics."""
    if ON_POSTGRES:
        for table in db.metadata.sorted_tables:
            if "id" in table.c and table.c.id.autoincrement in (True, "auto") and table.c.id.primary_key:
                db.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                    )
                )
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def explain(query: Select) -> str:
    """The plan of a query, indented: EXPLAIN QUERY PLAN on SQLite; on PostgreSQL
    EXPLAIN (ANALYZE, BUFFERS), which runs it and reports real rows and milliseconds."""
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    if ON_POSTGRES:
        rows = db.session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {compiled}")).all()
        return "\n".join(f"    {row[0]}" for row in rows)
    rows = db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return "\n".join(f"    {row[-1]}" for row in rows)


class Samples(list):
    """Wall-clock milliseconds per call; `.cpu` holds the process CPU milliseconds of the same
    calls, which stay meaningful when other work shares the machine."""

    cpu: list[float]


def time_calls(fn: Callable[[], object], repeat: int, warmup: int = 2) -> Samples:
    """Milliseconds of `repeat` calls, after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    samples = Samples()
    samples.cpu = []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        samples.cpu.append((time.process_time() - cpu) * 1000)
        samples.append((time.perf_counter() - wall) * 1000)
    return samples


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(p) - 1]


def summary(label: str, samples: list[float]) -> str:
    line = (
        f"{label:<30} n={len(samples):<4} p50={percentile(samples, 50):8.2f} ms  "
        f"p95={percentile(samples, 95):8.2f} ms  max={max(samples):8.2f} ms"
    )
    cpu = getattr(samples, "cpu", None)
    if cpu:
        line += f"  | cpu p50={percentile(cpu, 50):7.2f} ms  p95={percentile(cpu, 95):7.2f} ms"
    return line
