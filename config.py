"""Configuration read from the environment.

`create_app` takes one of these classes (or its short name: "development",
"production", "testing"). Production refuses to start without a real SECRET_KEY.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'forum.sqlite3'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # "whoosh": an index directory per machine (SEARCH_INDEX_DIR); "postgres": a table in
    # the forum's PostgreSQL database, so several machines need no shared directory.
    SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "whoosh")
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR", str(INSTANCE_DIR / "search-index"))
    # The text search configuration (stemmer and stop words) of the postgres backend;
    # changing it needs `flask forum reindex`.
    SEARCH_PG_CONFIG = os.environ.get("SEARCH_PG_CONFIG", "english")
    # Postgres backend: "auto" ranks through the RUM index where `flask forum reindex` could
    # make it (postgresql-15-rum installed), "off" always with ts_rank (docs/search.md).
    SEARCH_PG_RUM = os.environ.get("SEARCH_PG_RUM", "auto")
    # Postgres backend: search reads from this database (a streaming replica) when set;
    # writes and every visibility check stay on DATABASE_URL.
    SEARCH_DATABASE_URL = os.environ.get("SEARCH_DATABASE_URL", "")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Every sign-in is a row (forum/services/sessions.py); one unused this long has ended.
    SESSION_IDLE_DAYS = _env_int("SESSION_IDLE_DAYS", 30)
    # Strict-Transport-Security on HTTPS responses (deploy/nginx-forum.conf sends the same); 0: none.
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 365 * 24 * 3600)
    WTF_CSRF_TIME_LIMIT = None  # a long-open draft should still submit; the token is bound to the session

    # werkzeug's scrypt: memory-hard and slow on purpose.
    PASSWORD_HASH_METHOD = "scrypt"

    # Rendered pages kept per viewer until any write (forum/infra/page_cache.py). 0 turns it off.
    PAGE_CACHE_SECONDS = _env_int("PAGE_CACHE_SECONDS", 30)
    PAGE_CACHE_BYTES = _env_int("PAGE_CACHE_BYTES", 64 * 1024 * 1024)  # per worker
    # Where the generation every write replaces lives: "file" (instance/page-generations/,
    # a file per scope, every worker on one machine), "redis://host:6379/0" (several machines), "memory", or
    # "auto": RATELIMIT_STORAGE_URI's Redis when that is one, else the file.
    PAGE_CACHE_GENERATION = os.environ.get("PAGE_CACHE_GENERATION", "auto")
    # `X-Page-Cache: hit|miss` on kept pages: development and tests only; elsewhere it
    # would time writes a viewer may not see (the bench sets PAGE_CACHE_HEADER=1).
    PAGE_CACHE_HEADER = os.environ.get("PAGE_CACHE_HEADER", "") == "1"

    POSTS_PER_PAGE = 20
    FEED_ENTRIES = 30  # newest posts in each Atom feed
    SEARCH_PER_PAGE = 20
    COMMENTS_PER_PAGE = 30
    # Deeper replies continue on the comment's own permalink page.
    MAX_THREAD_DEPTH = 8

    TITLE_MAX = 200
    BODY_MAX = 100_000
    COMMENT_MAX = 20_000

    # Voting and karma; docs/karma.md publishes these numbers, keep the two in step.
    VOTE_DOWN_MIN_KARMA = 10  # down-votes (normal or strong)
    VOTE_STRONG_MIN_KARMA = 25  # strong votes, either way
    VOTE_NORMAL_DOUBLE_KARMA = 1_000  # a normal vote weighs 2 from here
    # (minimum karma, strong-vote weight), ascending.
    VOTE_STRONG_WEIGHTS = (
        (25, 2),
        (100, 3),
        (250, 4),
        (500, 5),
        (1_000, 6),
        (2_500, 7),
        (5_000, 8),
        (10_000, 9),
        (25_000, 10),
    )
    # Karma votes of unverified accounts, or of accounts younger than this, are kept but
    # move no score or karma until the account qualifies (docs/karma.md).
    VOTE_WEIGHT_AFTER_DAYS = _env_int("VOTE_WEIGHT_AFTER_DAYS", 3)
    # Comments at or below this score start collapsed in threads.
    COMMENT_COLLAPSE_SCORE = -3
    VOTE_LIMIT = os.environ.get("VOTE_LIMIT", "60 per minute;600 per hour")
    # The editor's live preview (views/posts.py: preview): renders as typing pauses, so generous per minute.
    PREVIEW_LIMIT = os.environ.get("PREVIEW_LIMIT", "60 per minute;1000 per hour")
    # Editor text kept from an expired session (services/form_stash.py), per client address.
    KEPT_FORM_LIMIT = os.environ.get("KEPT_FORM_LIMIT", "20 per hour")
    # Usage terms an author may attach to a post: (key, title, Markdown). Keys are stored
    # with each post's terms, so keep them stable; the text is copied when an author picks one.
    TERMS_TEMPLATES = [
        (
            "no-capabilities",
            "No capabilities use without permission",
            "I will not use this work, or anything derived from it, to advance AI capabilities "
            "without the authors' written permission.",
        ),
        (
            "no-sharing",
            "Do not share outside this audience",
            "I will not share this post, its comments or their contents with anyone outside "
            "the audience its author chose.",
        ),
        (
            "cite-first",
            "Cite before building on this",
            "I will cite this post, and tell its authors, before I publish work that builds on it.",
        ),
    ]
    TERMS_MAX = 10_000

    # Attachments (docs/attachments.md): images are re-encoded, PDFs kept as sent.
    ATTACHMENT_STORAGE = os.environ.get("ATTACHMENT_STORAGE", "forum.infra.storage:LocalStorage")
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    ATTACHMENT_MAX_BYTES = _env_int("ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)
    ATTACHMENT_MAX_PIXELS = _env_int("ATTACHMENT_MAX_PIXELS", 40_000_000)  # a decompression bomb is refused unread
    # Animations: re-encoding decodes every frame, so its time follows frames × pixels
    # (about 10 million pixels a second on one core); both are counted before decoding.
    ATTACHMENT_MAX_FRAMES = _env_int("ATTACHMENT_MAX_FRAMES", 200)
    ATTACHMENT_MAX_ANIMATION_PIXELS = _env_int("ATTACHMENT_MAX_ANIMATION_PIXELS", 20_000_000)
    # Per account, through every form that takes a file (post editor, draft editor, comments).
    UPLOAD_LIMIT = os.environ.get("UPLOAD_LIMIT", "30 per hour;200 per day")
    # Above this Flask refuses the whole request (413) before a form can be re-shown, so it
    # leaves room for a too-large file to reach the form and get a message with the text kept.
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 64 * 1024 * 1024)

    # memory:// counts per process: with several gunicorn workers or hosts, use Redis
    # (redis://host:6379/0) so they share one count (docs/deploy.md).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # How many reverse proxies (nginx, a load balancer) stand in front and set
    # X-Forwarded-For/-Proto/-Host. 0 trusts none: the headers could be forged, and rate
    # limits keyed by address would count whatever a client claims.
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    RATELIMIT_HEADERS_ENABLED = True
    # Sign-in failures count per (account, address) in the database (forum/services/limits.py):
    # the first few are free, then each doubles the pair's wait, up to the cap.
    SIGN_IN_FREE_FAILURES = _env_int("SIGN_IN_FREE_FAILURES", 5)
    SIGN_IN_DELAY_SECONDS = _env_int("SIGN_IN_DELAY_SECONDS", 15)
    SIGN_IN_DELAY_MAX_SECONDS = _env_int("SIGN_IN_DELAY_MAX_SECONDS", 15 * 60)
    # Against one address spraying a password across many accounts: once this many
    # different accounts failed from it within an hour, it may try no further ones until
    # the oldest ages out. A lab of a hundred people behind one address rarely sees more
    # than a handful of accounts mistype in one hour; a sprayer wants thousands.
    SIGN_IN_ADDRESS_ACCOUNTS_PER_HOUR = _env_int("SIGN_IN_ADDRESS_ACCOUNTS_PER_HOUR", 30)
    # Accounts created per address (counted in the database); a lab signing up together
    # is served by invites or by waiting an hour.
    REGISTRATION_LIMIT = os.environ.get("REGISTRATION_LIMIT", "3 per hour;10 per day")
    # "open": anyone registers; "invite": registering needs a code from /invites (admins,
    # and members with INVITE_MIN_KARMA); "approval": a new account reads only until an
    # admin approves it at /moderation/approvals.
    REGISTRATION_MODE = os.environ.get("REGISTRATION_MODE", "open")
    INVITE_MIN_KARMA = _env_int("INVITE_MIN_KARMA", 50)
    INVITES_OPEN_MAX = _env_int("INVITES_OPEN_MAX", 10)  # unused codes a member may hold at once
    # The JSON API, counted per token (per address without one); writes also count
    # against the second limit.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "300 per minute;5000 per hour")
    API_WRITE_LIMIT = os.environ.get("API_WRITE_LIMIT", "30 per minute;500 per hour")
    API_PER_PAGE_MAX = 100

    # Two-factor sign-in. The second step: attempts per pending sign-in, and how long a
    # correct password waits for its code. Security keys (WebAuthn) are bound to the relying
    # party: the site's domain and the origin pages are served from. Unset, both come from
    # SITE_URL in production and from the request's host otherwise (development, tests);
    # browsers refuse an IP address as a relying party, so open the demo as localhost.
    TWO_FACTOR_LIMIT = os.environ.get("TWO_FACTOR_LIMIT", "5 per minute;20 per hour")
    TWO_FACTOR_PENDING_SECONDS = 300
    WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "")
    WEBAUTHN_ORIGIN = os.environ.get("WEBAUTHN_ORIGIN", "")
    WEBAUTHN_RP_FROM_REQUEST = True

    # New accounts (younger than the age, or below the karma) may publish only so much
    # per hour, counted in the database; moderators and admins are exempt.
    NEW_ACCOUNT_LIMITS_ENABLED = True
    NEW_ACCOUNT_AGE_HOURS = _env_int("NEW_ACCOUNT_AGE_HOURS", 72)
    NEW_ACCOUNT_KARMA = _env_int("NEW_ACCOUNT_KARMA", 10)
    NEW_ACCOUNT_POSTS_PER_HOUR = _env_int("NEW_ACCOUNT_POSTS_PER_HOUR", 3)
    NEW_ACCOUNT_COMMENTS_PER_HOUR = _env_int("NEW_ACCOUNT_COMMENTS_PER_HOUR", 20)

    # What an account may do before its email address is verified. Reading is always
    # allowed; the others are "profile", "post" (posts, drafts, uploads), "comment", "vote",
    # "vouch", "group" (create and run groups), "request" (to join a group or read a listed
    # post) and "report" (forum/permissions.py: UNVERIFIED_ACTIONS).
    UNVERIFIED_MAY = frozenset({"read", "profile"})
    VERIFY_LINK_SECONDS = _env_int("VERIFY_LINK_SECONDS", 2 * 24 * 3600)
    RESET_LINK_SECONDS = _env_int("RESET_LINK_SECONDS", 3600)
    # Forgotten-password requests, per address asked for and per client: each one mails someone.
    FORGOT_LIMIT = os.environ.get("FORGOT_LIMIT", "3 per hour")
    FORGOT_CLIENT_LIMIT = os.environ.get("FORGOT_CLIENT_LIMIT", "10 per hour")
    # Links an account has mailed (resent, or to a new address), per account: each reaches any address typed.
    ACCOUNT_MAIL_LIMIT = os.environ.get("ACCOUNT_MAIL_LIMIT", "6 per hour")

    # Notifications. @mentions notify at most this many people per comment; new accounts
    # fewer, and only so many an hour (counted in the database, like their comments).
    MENTIONS_MAX = 10
    NEW_ACCOUNT_MENTIONS_MAX = 3
    NEW_ACCOUNT_MENTIONS_PER_HOUR = _env_int("NEW_ACCOUNT_MENTIONS_PER_HOUR", 20)
    NEW_ACCOUNT_CONVERSATIONS_PER_DAY = _env_int("NEW_ACCOUNT_CONVERSATIONS_PER_DAY", 5)
    NOTIFICATIONS_PER_PAGE = 30
    # How often an open page asks for the unread count (static/notifications.js).
    NOTIFICATIONS_POLL_SECONDS = _env_int("NOTIFICATIONS_POLL_SECONDS", 30)

    # Email, sent only by `flask forum worker`. Without MAIL_SERVER messages are written
    # as .eml files to MAIL_SINK_DIR instead (development).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "1") == "1"
    MAIL_FROM = os.environ.get("MAIL_FROM", "Interpretability Forum <forum@localhost>")
    MAIL_SINK_DIR = os.environ.get("MAIL_SINK_DIR", str(INSTANCE_DIR / "mail"))
    MAIL_TIMEOUT_SECONDS = 20
    # Links in emails point here; unset, to where `make run` serves (its PORT).
    SITE_URL = os.environ.get("SITE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '5000')}")
    DIGEST_HOURS = _env_int("DIGEST_HOURS", 24)
    # "batched" email: at most one per thread in this many minutes, listing the comments it gathered.
    THREAD_EMAIL_MINUTES = _env_int("THREAD_EMAIL_MINUTES", 10)
    WORKER_INTERVAL_SECONDS = _env_int("WORKER_INTERVAL_SECONDS", 5)
    # A failed send waits base * 2**(attempts - 1) seconds, at most the cap; it is never dropped.
    MAIL_RETRY_BASE_SECONDS = 30
    MAIL_RETRY_MAX_SECONDS = 6 * 3600
    MAIL_BATCH = 50


class DevelopmentConfig(Config):
    # Without SECRET_KEY, `create_app` makes a random one once into instance/secret_key
    # (mode 600): a key printed in the source would let anyone forge any session.
    SECRET_KEY_FILE = "secret_key"
    DEBUG = False  # the debugger is an RCE on a shared network; enable by hand if needed
    PAGE_CACHE_HEADER = True


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # A Host header is the client's to choose: in production security keys bind to SITE_URL.
    WEBAUTHN_RP_FROM_REQUEST = False

    @classmethod
    def check(cls) -> None:
        if len(cls.SECRET_KEY) < 32 or cls.SECRET_KEY.startswith("dev-"):
            raise RuntimeError(
                "Set SECRET_KEY to a random string of at least 32 characters "
                "(python -c 'import secrets; print(secrets.token_hex(32))')."
            )


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # tests/search runs its app-level tests on both backends; TEST_SEARCH_BACKEND=postgres
    # (with TEST_DATABASE_URL on PostgreSQL) runs every other test on that one too.
    SEARCH_BACKEND = os.environ.get("TEST_SEARCH_BACKEND", "whoosh")
    SEARCH_INDEX_DIR = ""  # each test gets a temporary directory from the fixture
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashes keep the suite quick; never in production
    RATELIMIT_ENABLED = False
    # Fixtures create many posts per user; tests of the limits switch them back on.
    NEW_ACCOUNT_LIMITS_ENABLED = False
    # Fixtures vote with accounts made a moment ago; tests of the waiting period set it.
    VOTE_WEIGHT_AFTER_DAYS = 0
    # The browser tests register many accounts from 127.0.0.1 into one database; tests of
    # the limit set their own.
    REGISTRATION_LIMIT = "1000 per hour"
    MAIL_SINK_DIR = ""  # tests that send mail point it at a temporary directory
    SITE_URL = "http://forum.test"
    PAGE_CACHE_HEADER = True  # tests read hit or miss from it
    PAGE_CACHE_GENERATION = "memory"  # one process, and each test's app starts empty


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestConfig,
}
