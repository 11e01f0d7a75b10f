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

    @forum_group.command("recompute-karma")
    @click.option("--fix", is_flag=True, help="Store what the votes say where it differs.")
    def recompute_karma(fix: bool) -> None:
        """Check every score, vote count, hot value and karma total against the votes."""
        from .services.votes import audit

        differences = audit(fix=fix)
        for difference in differences[:200]:
            click.echo(str(difference))
        if len(differences) > 200:
            click.echo(f"... and {len(differences) - 200} more.")
        if not differences:
            click.echo("All scores, counts, hot values and karma totals match the votes.")
        elif fix:
            click.echo(f"Fixed {len(differences)} differences.")
        else:
            click.echo(f"{len(differences)} differences; run with --fix to store what the votes say.")
            raise SystemExit(1)
