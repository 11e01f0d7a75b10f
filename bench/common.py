"""Shared pieces for bench modules: a throwaway migrated app, timing and percentiles."""
from __future__ import annotations

import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from flask import Flask
from flask_migrate import upgrade

from config import TestConfig
from forum import create_app
from forum.extensions import db


@contextmanager
def temp_app(**overrides) -> Iterator[Flask]:
    """A TestConfig app on a fresh SQLite file built by the real migrations.

    No app context stays pushed: push one for setup, and issue requests outside it,
    so each request gets its own context exactly as in production.
    """
    with tempfile.TemporaryDirectory(prefix="forum-bench-") as tmp:
        app = create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
            SEARCH_INDEX_DIR=str(Path(tmp) / "index"),
            WTF_CSRF_ENABLED=False,
            **overrides,
        )
        with app.app_context():
            upgrade()
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


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
    line = (f"{label:<30} n={len(samples):<4} p50={percentile(samples, 50):8.2f} ms  "
            f"p95={percentile(samples, 95):8.2f} ms  max={max(samples):8.2f} ms")
    cpu = getattr(samples, "cpu", None)
    if cpu:
        line += f"  | cpu p50={percentile(cpu, 50):7.2f} ms  p95={percentile(cpu, 95):7.2f} ms"
    return line
