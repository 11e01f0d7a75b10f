"""The forum's application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from config import CONFIGS, Config

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: str | type[Config] = "development", **overrides) -> Flask:
    config_class = CONFIGS[config] if isinstance(config, str) else config
    if hasattr(config_class, "check"):
        config_class.check()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    from forum.rendering.environment import ForumEnvironment

    app.jinja_environment = ForumEnvironment  # before anything reads app.jinja_env
    app.config.from_object(config_class)
    app.config.update(overrides)
    if not app.config["SECRET_KEY"] and app.config.get("SECRET_KEY_FILE"):
        from forum.infra.secret_key import instance_secret_key

        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path) / app.config["SECRET_KEY_FILE"])

    from forum import api, cli, visibility
    from forum.extensions import csrf, db, limiter, login_manager, migrate
    from forum.infra import assets, compression, page_cache
    from forum.queries import inbox
    from forum.rendering import templating
    from forum.search import indexing
    from forum.services import excerpts  # noqa: F401  (registers the listener that keeps Post.excerpt)
    from forum.views import register_blueprints
    from forum.web import errors, routing, security

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    routing.init_app(app)  # before any route is added
    security.init_app(app)
    compression.init_app(app)
    assets.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    register_blueprints(app)
    api.init_app(app)
    cli.init_app(app)
    indexing.init_app(app)
    # Last: its hooks run first. The bell keys the pages kept without the viewer's other tokens.
    page_cache.init_app(app, visibility.principals, inbox.bell_count)
    return app
