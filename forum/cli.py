"""`flask forum ...` commands."""
from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select

from .extensions import db
from .models import User


def init_app(app: Flask) -> None:
    @app.cli.group("forum")
    def forum_group() -> None:
        """Forum maintenance commands."""

    @forum_group.command("seed")
    @click.option("--if-empty", is_flag=True, help="Only seed a database that has no users.")
    def seed(if_empty: bool) -> None:
        """Load demo users, groups, posts and comment threads."""
        from .seed import load_demo_content

        if if_empty and db.session.scalar(select(func.count(User.id))):
            click.echo("Database already has content; not seeding.")
            return
        counts = load_demo_content()
        click.echo("Seeded " + ", ".join(f"{n} {what}" for what, n in counts.items()) + ".")
        click.echo("Sign in as ada / interpretability (or any demo user with that password).")
