"""Configuration from the environment; production refuses weak secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import config
from config import ProductionConfig, TestConfig
from forum import create_app

ROOT = Path(__file__).resolve().parent.parent
REAL_KEY = "a3f1" * 16


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    """Config classes read the environment at import, so each case gets a fresh interpreter."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "DATABASE_URL", "SEARCH_INDEX_DIR", "FORUM_CONFIG")
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_come_from_the_environment(tmp_path):
    result = run_python(
        "import json, config; c = config.Config; "
        "print(json.dumps([c.SECRET_KEY, c.SQLALCHEMY_DATABASE_URI, c.SEARCH_INDEX_DIR]))",
        SECRET_KEY=REAL_KEY,
        DATABASE_URL="postgresql+psycopg://u@db/forum",
        SEARCH_INDEX_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [REAL_KEY, "postgresql+psycopg://u@db/forum", str(tmp_path)]


def test_defaults_live_in_the_instance_folder():
    result = run_python(
        "import config; print(config.Config.SQLALCHEMY_DATABASE_URI); print(config.Config.SEARCH_INDEX_DIR)"
    )
    db_url, index_dir = result.stdout.split()
    assert db_url.startswith("sqlite:///") and db_url.endswith("instance/forum.sqlite3")
    assert index_dir.endswith("instance/search-index")


@pytest.mark.parametrize("key", ["", "short", "dev-only-not-secret", "dev-" + "x" * 40, "x" * 31])
def test_production_refuses_a_weak_secret_key(monkeypatch, key):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_production_starts_with_a_real_key(monkeypatch, tmp_path):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", REAL_KEY)
    app = create_app("production", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert app.config["SECRET_KEY"] == REAL_KEY
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not app.debug and not app.testing
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt"


def test_wsgi_refuses_to_start_without_a_key():
    result = run_python("import wsgi")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_wsgi_is_importable_with_a_real_key(tmp_path):
    result = run_python(
        "import wsgi; print(wsgi.app.name, wsgi.app.config['SQLALCHEMY_DATABASE_URI'])",
        SECRET_KEY=REAL_KEY,
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["forum", f"sqlite:///{tmp_path / 'prod.sqlite3'}"]


def test_test_config_is_fast_and_isolated():
    assert TestConfig.TESTING is True
    assert TestConfig.PASSWORD_HASH_METHOD.startswith("pbkdf2")
    assert TestConfig.RATELIMIT_ENABLED is False
    assert config.DevelopmentConfig.DEBUG is False


def test_configs_by_name():
    assert set(config.CONFIGS) == {"development", "production", "testing"}


def test_site_url_follows_the_port_make_run_serves_unless_set():
    """Links in email (comments, unsubscribe) must reach the server `PORT=5301 make run` started."""
    code = "import config; print(config.Config.SITE_URL)"
    clean = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT")}
    moved = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, "PORT": "5301"}, capture_output=True, text=True
    )
    assert moved.stdout.strip() == "http://127.0.0.1:5301"
    named = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "PORT": "5301", "SITE_URL": "https://forum.example"},
        capture_output=True,
        text=True,
    )
    assert named.stdout.strip() == "https://forum.example"
    default = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert default.stdout.strip() == "http://127.0.0.1:5000"
