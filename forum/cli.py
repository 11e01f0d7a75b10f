"""`flask forum ...` commands."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import User


def _search_backend_or_exit() -> None:
    from forum.search import indexing

    try:
        if indexing.backend() is None:
            raise click.ClickException("Search is off: SEARCH_INDEX_DIR is not set.")
    except RuntimeError as error:  # SEARCH_BACKEND unknown, or postgres without PostgreSQL
        raise click.ClickException(str(error)) from error


def init_app(app: Flask) -> None:
    @app.cli.group("forum")
    def forum_group() -> None:
        """Forum maintenance commands."""

    @forum_group.command("seed")
    @click.option("--if-empty", is_flag=True, help="Only seed a database that has no users.")
    def seed(if_empty: bool) -> None:
        """Load demo users, groups, posts and comment threads."""
        from forum.demo.seed import load_demo_content

        if if_empty and db.session.scalar(select(func.count(User.id))):
            click.echo("Database already has content; not seeding.")
            return
        counts = load_demo_content()
        click.echo("Seeded " + ", ".join(f"{n} {what}" for what, n in counts.items()) + ".")
        click.echo("Sign in as ada / interpretability (every demo user has it; mira moderates, omar is an admin).")

    @forum_group.command("recompute-karma")
    @click.option("--fix", is_flag=True, help="Store what the votes say where it differs.")
    def recompute_karma(fix: bool) -> None:
        """Check every score, vote count, hot value and karma total against the votes."""
        from forum.services.votes import audit

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

    @forum_group.command("count-pending-votes")
    def count_pending_votes() -> None:
        """Count the kept votes of accounts now verified and old enough (the worker does it on every tick)."""
        from forum.services.votes import count_pending_votes

        click.echo(f"{count_pending_votes()} kept votes counted.")

    @forum_group.command("rerender")
    def rerender() -> None:
        """Render all stored Markdown again (after the renderer gained features); updates search."""
        from forum.services.rerender import rerender_all

        report = rerender_all()
        click.echo(", ".join(f"{n} {table}" for table, n in report.changed.items()) + " re-rendered.")

    @forum_group.command("reindex")
    def reindex() -> None:
        """Rebuild the search index (Whoosh or PostgreSQL, per SEARCH_BACKEND) from the database."""
        from forum.search import indexing

        _search_backend_or_exit()
        total = indexing.document_count()
        with click.progressbar(length=total, label="Indexing posts and comments") as bar:
            shown = {"done": 0}

            def progress(done: int, _total: int) -> None:
                bar.update(done - shown["done"])
                shown["done"] = done

            count = indexing.reindex(progress)
        click.echo(f"Indexed {count} documents.")

    @forum_group.command("search-check")
    @click.option("--repair", is_flag=True, help="Write missing and stale documents, delete extra ones.")
    def search_check(repair: bool) -> None:
        """Compare the search index with the database: missing, extra and stale documents."""
        from forum.search import indexing

        _search_backend_or_exit()
        report = indexing.check(repair=repair)
        for label, ids in (("missing", report.missing), ("extra", report.extra), ("stale", report.stale)):
            if ids:
                click.echo(f"{len(ids)} {label}: {', '.join(ids[:20])}{' ...' if len(ids) > 20 else ''}")
        if not report.differences:
            click.echo("The search index matches the database.")
        elif repair:
            click.echo(f"Repaired {report.differences} differences.")
        else:
            click.echo(f"{report.differences} differences; run with --repair to fix them.")
            raise SystemExit(1)

    @forum_group.command("worker")
    @click.option("--once", is_flag=True, help="Send what is due now, then exit (tests, cron).")
    @click.option("--interval", type=float, default=None, help="Seconds between passes (WORKER_INTERVAL_SECONDS).")
    def worker(once: bool, interval: float | None) -> None:
        """Send queued email (notifications and digests, composed at sending time, retried on
        failure), and count the kept votes of accounts that now qualify (docs/karma.md)."""
        from forum.mail import outbox
        from forum.services.votes import count_pending_votes

        if once:
            count_pending_votes()
            tally = outbox.run_once()
            click.echo(f"{tally.sent} sent, {tally.skipped} skipped, {tally.failed} to retry.")
            for error in tally.errors[:20]:
                click.echo(f"  {error}")
            return
        click.echo("Mail worker running; Ctrl-C stops it.")
        # Votes kept from new or unverified accounts start counting within a tick of qualifying.
        outbox.run_forever(
            interval or app.config["WORKER_INTERVAL_SECONDS"], echo=click.echo, jobs=(count_pending_votes,)
        )

    @forum_group.command("create-admin")
    @click.argument("username")
    @click.option("--password", help="For a new account; prompted for when not given.")
    @click.option("--email", help="For a new account: its address, taken as verified; prompted for when not given.")
    def create_admin(username: str, password: str | None, email: str | None) -> None:
        """Make USERNAME a site admin, creating the account if it does not exist."""
        from forum.queries.users import user_named
        from forum.services import ServiceError, accounts, moderation

        user = user_named(username)
        try:
            if user is None:
                if password is None:
                    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
                if email is None:
                    email = click.prompt("Email address")
                # Whoever runs the command line vouches for the address.
                user = accounts.register(username, "", password, email, verified=True)
                click.echo(f"Created {user.username}.")
            elif user.role == "admin":
                click.echo(f"{user.username} is already an admin.")
                return
            moderation.set_role(None, user, "admin", "Made an admin from the command line.")
        except ServiceError as error:
            raise click.ClickException(error.message) from error
        click.echo(f"{user.username} is now an admin.")

    @forum_group.command("create-token")
    @click.argument("username")
    @click.option("--name", default="command line", show_default=True, help="What the token is for.")
    @click.option("--scope", type=click.Choice(["read", "read-write"]), default="read", show_default=True)
    @click.option("--expires-days", type=int, default=None, help="Days until it expires; never by default.")
    def create_token(username: str, name: str, scope: str, expires_days: int | None) -> None:
        """Create an API token for USERNAME and print it (shown only this once)."""
        from forum.queries.users import user_named
        from forum.services import ServiceError, tokens

        user = user_named(username)
        if user is None:
            raise click.ClickException(f"No user named {username}.")
        try:
            _token, raw = tokens.create_token(user, name, scope, expires_days)
        except ServiceError as error:
            raise click.ClickException(error.message) from error
        click.echo(raw)
