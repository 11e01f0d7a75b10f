"""The PostgreSQL search backend: the index is a table in the forum's own database.

One row per document in `search_entries` (forum/models/search_entry.py): a tsvector
with the title weighted A, tags B, author C and body D (GIN index), and the audience
tokens as a text[] (GIN index). Every rule is applied inside the one SQL statement
that counts and pages (one round trip, `_search`), so totals are exact and hidden rows
never leave the database:

- audience: `tokens && :principals`; state 'ok' (or 'removed' too for moderators);
  banned authors and the excluded doc ids (comments of gated posts) left out;
- posts gated by usage terms match only through `ts_filter(tsv, '{a,b,c}')` (title,
  tags, author), are ranked from that alone and get no snippet;
- a phrase matches within one field (`ts_filter` per weight): concatenated vectors
  would let a phrase run from the end of a title into the body;
- ranks are `ts_rank` of the row's own vector (no collection statistics, so hidden
  rows cannot shift the order of visible ones), ties broken by date and doc id.

What a reader types is split into words and "quoted phrases" in Python (as for
Whoosh) and each becomes `phraseto_tsquery(config, :text)`: the text is a bound value
and that function reads no operators, so `!`, `|`, `:*`, `<->` or `acl:` are words.

Snippets come from `ts_headline` with private-use sentinels around matches; the text
is HTML-escaped in Python and only then are the sentinels turned into <mark>. The
stored text never holds the sentinels, and `<` `>` are stored as two other private-use
characters, because PostgreSQL's parser drops anything that looks like an HTML tag
(`<secretword>` would neither match nor show).

Writes use their own connection and transaction, after the service's commit (the
same moment as the Whoosh path); a failure is the caller's to log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from itertools import islice
from typing import Any

from psycopg import RawCursor
from psycopg.errors import DeadlockDetected, SerializationFailure
from sqlalchemy import Engine
from sqlalchemy import text as sql
from sqlalchemy.exc import DBAPIError

from forum.models.principals import MEMBERS, PUBLIC
from forum.search.backend import Progress
from forum.search.results import MAX_PER_PAGE, Hit, SearchPage
from forum.search.schema import KINDS, SearchDocument, doc_id_for, document_digest, to_fields
from forum.search.user_query import Unit, UserQuery, parse_user_query

log = logging.getLogger(__name__)

MARK_OPEN, MARK_CLOSE, LESS, GREATER = "\ue000", "\ue001", "\ue002", "\ue003"
# PostgreSQL text cannot hold NUL; the sentinels must only ever come from ts_headline.
_STORED = str.maketrans({"\x00": " ", MARK_OPEN: " ", MARK_CLOSE: " ", "<": LESS, ">": GREATER})
_SHOWN = str.maketrans({LESS: "<", GREATER: ">"})
HEADLINE_OPTIONS = f"StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}, MaxWords=35, MinWords=15, ShortWord=2"
BATCH = 1_000
EXACT_TITLE_BONUS = 1000  # above any ts_rank (at most 1 per word)
DEADLOCK_RETRIES = 3

# Which weights a unit may match in. A phrase stays inside the title or the body.
WORD_FIELDS, PHRASE_FIELDS = ("a", "b", "c", "d"), ("a", "d")
GATED_WORD_FIELDS, GATED_PHRASE_FIELDS = ("a", "b", "c"), ("a",)

_COLUMNS = (
    "doc_id text, kind text, post_id int, comment_id int, title text, body text, author text, "
    "author_id int, tags text[], groups int[], tokens text[], created timestamp, state text, digest text"
)
_NAMES = [column.split()[0] for column in _COLUMNS.split(", ")]
_UPSERT = f"""
INSERT INTO search_entries ({", ".join(_NAMES)}, tsv)
SELECT {", ".join("d." + name for name in _NAMES)},
    setweight(to_tsvector(CAST(:config AS regconfig), d.title), 'A')
    || setweight(to_tsvector(CAST(:config AS regconfig), array_to_string(d.tags, ' ')), 'B')
    || setweight(to_tsvector(CAST(:config AS regconfig), d.author), 'C')
    || setweight(to_tsvector(CAST(:config AS regconfig), d.body), 'D')
FROM jsonb_to_recordset(CAST(:docs AS jsonb)) AS d({_COLUMNS})
ON CONFLICT (doc_id) DO UPDATE SET {", ".join(f"{name} = excluded.{name}" for name in _NAMES[1:])}, tsv = excluded.tsv
"""


_AUDIENCE_PER_ROW = "(tokens || '{}'::text[]) && CAST(:principals AS text[])"

# What `prepare()` adds beside the model's indexes, on PostgreSQL only and only where the
# RUM extension (Debian's postgresql-15-rum) is installed. A RUM index hands out the matches
# of a tsquery already ordered by `tsv <=> query`, so the ranked top N reads N rows, not
# every match. There is one per wide audience (everyone, everyone signed in), partial, so
# it holds only rows every viewer holding that token may read: a search reads postings of
# readable rows only, and costs the same whether a word also occurs in hidden posts or
# nowhere (docs/search.md, "Time"). Rows of narrow audiences (groups, people) are found
# through the tokens index first. The title's vector as a digest finds exact titles.
WIDE = (PUBLIC, MEMBERS)
_WIDE_ROWS = {
    PUBLIC: "state = 'ok' AND tokens && '{public}'::text[]",
    MEMBERS: "state = 'ok' AND tokens && '{members}'::text[] AND NOT tokens && '{public}'::text[]",
}
RUM_INDEX = "ix_search_entries_rum_public"
_TITLE_DIGEST = "md5(CAST(ts_filter(tsv, '{a}') AS text))"
_PREPARE = (
    "CREATE EXTENSION IF NOT EXISTS rum",
    *(
        f"CREATE INDEX IF NOT EXISTS ix_search_entries_rum_{token} ON search_entries "
        f"USING rum (tsv rum_tsvector_ops) WHERE {rows}"
        for token, rows in _WIDE_ROWS.items()
    ),
    f"CREATE INDEX IF NOT EXISTS ix_search_entries_title_digest ON search_entries ({_TITLE_DIGEST})",
)
# Per database URL: whether the RUM index was found valid (read once per process).
_rum_ready: dict[str, bool] = {}

# The exact count of a one-word search over the wide audiences, kept beside the table:
# per (lexeme, wide part) the number of rows of that part holding the lexeme, so that a
# common word's total is one key lookup instead of a read of ~120,000 rows (issue 25; the
# count was 111 of a 400k-row search's ~190 ms). A row of a wide part is readable by every
# viewer holding that token, so the table holds nothing its readers may not know; rows of
# narrow audiences (groups, people) are not counted here (one row per distinct token set
# would be millions) and are still counted by the statement. Statement-level triggers keep
# it exact in the writing transaction itself (every INSERT, upsert, DELETE and TRUNCATE of
# search_entries, whoever writes), aggregated per statement and applied in key order.
# The search subtracts, for its own viewer, the rows of the part the table counted but the
# viewer's search leaves out (banned authors, excluded rows, gated posts' body words),
# found by their own indexes (docs/search.md, "Exact totals from a count table").
WORD_COUNTS = "search_word_counts"
_PART = (
    "CASE WHEN state = 'ok' AND tokens && '{public}'::text[] THEN 'public' "
    "WHEN state = 'ok' AND tokens && '{members}'::text[] THEN 'members' END"
)


def _count_changes(rows: str) -> str:
    """Add the rows' lexemes to the counts of their part; `rows` yields (tsv, tokens,
    state, delta). In key order, so two writers take the count rows' locks alike."""
    return f"""
        INSERT INTO {WORD_COUNTS} AS c (lexeme, part, n)
        SELECT w.lexeme, d.part, sum(d.delta) FROM (SELECT tsv, {_PART} AS part, delta FROM ({rows}) AS r) AS d,
            unnest(tsvector_to_array(d.tsv)) AS w(lexeme)
        WHERE d.part IS NOT NULL GROUP BY 1, 2 HAVING sum(d.delta) <> 0 ORDER BY 1, 2
        ON CONFLICT (lexeme, part) DO UPDATE SET n = c.n + excluded.n"""


_NEW, _OLD = (
    "SELECT tsv, tokens, state, 1 AS delta FROM new_rows",
    "SELECT tsv, tokens, state, -1 AS delta FROM old_rows",
)
_COUNT_TRIGGERS = {
    "insert": ("AFTER INSERT", "REFERENCING NEW TABLE AS new_rows"),
    "update": ("AFTER UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    "delete": ("AFTER DELETE", "REFERENCING OLD TABLE AS old_rows"),
    "truncate": ("AFTER TRUNCATE", ""),
}
# The ranked top of a common word, kept beside the table too: per (lexeme, wide part) the
# first rows of that part in the search's own order for the word alone (`tsv <=> word`,
# newest first, doc id), at most TOP_KEEP of them. `tsv <=> word` is computed from the row
# alone, so the order of a list never depends on other rows, hidden or not. A list is
# always a *prefix* of that order: every row of the part holding the word and not in the
# list comes after the list's last row. A write keeps it so: a removed or changed row
# leaves every list (the list gets shorter), a new or changed row enters a list only when
# it comes before the list's last row (then the list is cut back to TOP_KEEP). Lists are
# made by `prepare` (reindex) for lexemes held by TOP_FROM rows of a part or more: rarer
# words are cheap to rank through the RUM index. A search that cannot find its first page
# in the list (too short after deletions, or filtered down) reads the RUM index as before.
WORD_TOP = "search_word_top"
# One row: whether both tables are kept (false while `rebuild` loads without the triggers).
# Read by every statement that uses them, under the statement's own snapshot.
WORD_STATE = "search_word_state"
_KEPT = f"coalesce((SELECT kept FROM {WORD_STATE} LIMIT 1), false)"
TOP_KEEP, TOP_FROM = 200, 2_000


def _lexeme_query(lexeme: str) -> str:
    """A tsquery of exactly this lexeme (quoted, so it is not parsed or stemmed again)."""
    quote, backslash = "''''", "'\\'"
    escaped = f"replace(replace({lexeme}, {backslash}, '\\\\'), '''', '''''')"
    return f"CAST({quote} || {escaped} || {quote} AS tsquery)"


# Row r comes before row l in a list's order.
_BEFORE = (
    "(r.distance < l.distance OR (r.distance = l.distance AND "
    "(r.posted > l.posted OR (r.posted = l.posted AND r.doc_id < l.doc_id))))"
)


def _top_enter() -> str:
    return f"""
    WITH added AS (
        INSERT INTO {WORD_TOP} (lexeme, part, distance, posted, doc_id)
        SELECT r.lexeme, r.part, r.distance, r.posted, r.doc_id FROM (
            SELECT w.lexeme, n.part, n.tsv <=> {_lexeme_query("w.lexeme")} AS distance, n.created AS posted, n.doc_id
            FROM (SELECT doc_id, created, tsv, {_PART} AS part FROM new_rows) AS n
            CROSS JOIN LATERAL unnest(tsvector_to_array(n.tsv)) AS w(lexeme)
            WHERE n.part IS NOT NULL
                AND EXISTS (SELECT 1 FROM {WORD_TOP} AS e WHERE e.lexeme = w.lexeme AND e.part = n.part)
        ) AS r
        JOIN LATERAL (
            SELECT distance, posted, doc_id FROM {WORD_TOP} AS t WHERE t.lexeme = r.lexeme AND t.part = r.part
            ORDER BY distance DESC, posted, doc_id DESC LIMIT 1
        ) AS l ON {_BEFORE}
        ORDER BY r.lexeme, r.part, r.doc_id
        RETURNING lexeme, part
    )
    SELECT array_agg(lexeme), array_agg(part) INTO lexemes, parts FROM (SELECT DISTINCT lexeme, part FROM added) AS d"""


def _top_cut() -> str:
    return f"""
    DELETE FROM {WORD_TOP} AS t USING unnest(lexemes, parts) AS a(lexeme, part),
        LATERAL (SELECT doc_id FROM {WORD_TOP} AS s WHERE s.lexeme = a.lexeme AND s.part = a.part
                 ORDER BY distance, posted DESC, doc_id OFFSET {TOP_KEEP}) AS beyond
    WHERE t.lexeme = a.lexeme AND t.part = a.part AND t.doc_id = beyond.doc_id"""


_TOP_LEAVE = f"DELETE FROM {WORD_TOP} AS t USING old_rows AS o WHERE t.doc_id = o.doc_id"


def _top_fill(token: str) -> str:
    return f"""
        INSERT INTO {WORD_TOP} (lexeme, part, distance, posted, doc_id)
        SELECT c.lexeme, c.part, x.distance, x.created, x.doc_id FROM {WORD_COUNTS} AS c,
            LATERAL (SELECT tsv <=> {_lexeme_query("c.lexeme")} AS distance, created, doc_id FROM search_entries
                     WHERE {_WIDE_ROWS[token]} AND tsv @@ {_lexeme_query("c.lexeme")}
                     ORDER BY 1, created DESC, doc_id LIMIT {TOP_KEEP}) AS x
        WHERE c.part = '{token}' AND c.n >= {TOP_FROM}"""


def _counts_setup() -> tuple[str, ...]:
    """Read at each `prepare`: TOP_KEEP and TOP_FROM are module settings (tests lower them)."""
    return (
        f"CREATE TABLE IF NOT EXISTS {WORD_COUNTS} "
        "(lexeme text NOT NULL, part text NOT NULL, n bigint NOT NULL, PRIMARY KEY (lexeme, part))",
        f"CREATE TABLE IF NOT EXISTS {WORD_TOP} (lexeme text NOT NULL, part text NOT NULL, distance real NOT NULL, "
        "posted timestamp NOT NULL, doc_id text NOT NULL, PRIMARY KEY (lexeme, part, doc_id))",
        f"CREATE INDEX IF NOT EXISTS ix_{WORD_TOP}_order ON {WORD_TOP} (lexeme, part, distance, posted DESC, doc_id)",
        f"CREATE INDEX IF NOT EXISTS ix_{WORD_TOP}_doc_id ON {WORD_TOP} (doc_id)",
        f"CREATE TABLE IF NOT EXISTS {WORD_STATE} (kept boolean NOT NULL)",
        # What a search subtracts from the table's count for banned authors is found by author.
        "CREATE INDEX IF NOT EXISTS ix_search_entries_author_id ON search_entries (author_id)",
        f"""CREATE OR REPLACE FUNCTION {WORD_COUNTS}_follow() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        lexemes text[];
        parts text[];
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            TRUNCATE {WORD_COUNTS}, {WORD_TOP};
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            {_TOP_LEAVE};
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            {_top_enter()};
            IF lexemes IS NOT NULL THEN
                {_top_cut()};
            END IF;
        END IF;
        IF TG_OP = 'INSERT' THEN
            {_count_changes(_NEW)};
        ELSIF TG_OP = 'UPDATE' THEN
            {_count_changes(_NEW + " UNION ALL " + _OLD)};
        ELSE
            {_count_changes(_OLD)};
        END IF;
        RETURN NULL;
    END $$""",
    )


def _counts_fill() -> tuple[str, ...]:
    return (
        f"TRUNCATE {WORD_COUNTS}",
        _count_changes("SELECT tsv, tokens, state, 1 AS delta FROM search_entries"),
        *(
            f"CREATE OR REPLACE TRIGGER {WORD_COUNTS}_{name} {when} ON search_entries {transition} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {WORD_COUNTS}_follow()"
            for name, (when, transition) in _COUNT_TRIGGERS.items()
        ),
    )


_COUNT_TRIGGER_NAMES = sorted(f"{WORD_COUNTS}_{name}" for name in _COUNT_TRIGGERS)
# Per database URL: whether the count table is kept by its triggers (read once per process).
_counts_ready: dict[str, bool] = {}


def _has_word_counts(engine: Engine) -> bool:
    """The table is exact only while all its triggers exist (dropping search_entries, as a
    downgrade does, drops them; the next `prepare` fills the table again)."""
    key = engine.url.render_as_string(hide_password=True)
    if key not in _counts_ready:
        with engine.connect() as connection:
            _counts_ready[key] = _has_word_counts_on(connection)
    return _counts_ready[key]


def _has_word_counts_on(connection) -> bool:
    names = connection.scalars(
        sql(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass('search_entries') "
            "AND tgname = ANY(CAST(:names AS text[])) ORDER BY tgname"
        ),
        {"names": _COUNT_TRIGGER_NAMES},
    )
    return list(names) == _COUNT_TRIGGER_NAMES


def _has_rum_index(engine: Engine) -> bool:
    key = engine.url.render_as_string(hide_password=True)
    if key not in _rum_ready:
        with engine.connect() as connection:
            _rum_ready[key] = bool(
                connection.scalar(
                    sql(
                        "SELECT i.indisvalid FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid "
                        "WHERE c.relname = :name"
                    ),
                    {"name": RUM_INDEX},
                )
            )
    return _rum_ready[key]


def _stored_text(value: str) -> str:
    return value.translate(_STORED)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def row_for(doc: SearchDocument) -> dict[str, Any]:
    """An app document as a row. `schema.to_fields` validates it exactly as for Whoosh
    (kind, state, a non-empty audience) and gives the doc id, the text fields each kind
    keeps (a comment has no title) and the digest search-check compares."""
    fields = to_fields(doc)
    return {
        "doc_id": fields["doc_id"],
        "kind": fields["kind"],
        "post_id": fields["post_id"],
        "comment_id": fields["comment_id"],
        "title": _stored_text(fields.get("title", "")),
        "body": _stored_text(fields.get("body", "")),
        "author": _stored_text(fields.get("author", "").lower()),
        "author_id": int(doc.get("author_id") or 0),
        "tags": [_stored_text(str(tag).lower()) for tag in doc.get("tags", ())],
        "groups": [int(group) for group in doc.get("groups", ())],
        "tokens": sorted({str(token) for token in doc["acl"]}),
        "created": _utc(doc["created"]).isoformat(),
        "state": fields["state"],
        "digest": fields["digest"],
    }


# --- what a reader typed -----------------------------------------------------------------


# A unit as the backend queries it: its index among the bound values, what it is bound
# to, how many lexemes PostgreSQL finds in it, and whether it is a prefix.
Part = tuple[int, str, int, bool]


def _snippet(headline: str, head: str, tail: str) -> str:
    """Escaped HTML with <mark> where ts_headline put the sentinels, and an ellipsis
    where the excerpt does not reach the start or the end of the text."""
    plain = " ".join(headline.replace(MARK_OPEN, "").replace(MARK_CLOSE, "").translate(_SHOWN).split())
    html = escape(" ".join(headline.split()).translate(_SHOWN))
    html = html.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")
    if plain and not " ".join(head.translate(_SHOWN).split()).startswith(plain[:30]):
        html = "… " + html
    if plain and not " ".join(tail.translate(_SHOWN).split()).endswith(plain[-30:]):
        html += " …"
    return html


def _shaped(parsed: UserQuery, lexemes: list[int]) -> list[Part]:
    """The units (the clauses', then the exclusions') as parts, each with its number of lexemes."""
    units = [*parsed.units, *parsed.excluded]
    return [(n, _bound(unit), count, bool(unit.prefix)) for n, (unit, count) in enumerate(zip(units, lexemes))]


def _grouped(parsed: UserQuery, parts: list[Part]) -> tuple[list[list[Part]], list[Part]]:
    """The units (in `_analysed`'s order: the clauses', then the exclusions') grouped into
    clauses and exclusions; units without a lexeme (stop words only) left out."""
    clauses, position = [], 0
    for clause in parsed.clauses:
        kept = [part for part in parts[position : position + len(clause)] if part[2]]
        position += len(clause)
        if kept:
            clauses.append(kept)
    return clauses, [part for part in parts[position:] if part[2]]


@dataclass(frozen=True)
class _Search:
    """What one `query` call asks for, beside the text (see `PostgresBackend.query`)."""

    principals: frozenset[str]
    filters: tuple[Any, ...]  # kinds, author, group_id, since, until, tags, banned_author_ids, include_removed
    gates: tuple[Any, ...]  # title_only_post_ids, exclude_doc_ids
    sort: str
    page: int
    per_page: int
    rum: bool
    word_counts: bool


# A search statement's SQL as the driver takes it (`:name` -> `$n`) and the names in
# their order, rendered by SQLAlchemy once per distinct statement: the SQL holds the
# query's shape only, never a value (every value is bound), so there are few. psycopg
# would otherwise convert `%(name)s` placeholders at every run: it caches that only for
# statements under 4 kB, and a search statement is longer.
_DRIVER_SQL: dict[str, tuple[str, tuple[str, ...]]] = {}
_DRIVER_SQL_MAX = 512
_NUMBERED: dict[type, Any] = {}  # per dialect class: one rendering `$n` placeholders


def _run(connection, statement: str, params: dict[str, Any]) -> list[Any]:
    """Run a search statement as a custom plan (made for its own values) in one round
    trip. psycopg prepares a statement on the server after its fifth run
    (prepare_threshold=5), and PostgreSQL may then switch to a generic plan, made without
    the query's words, so it cannot tell a rare word (the tsvector index) from a common
    one (issue 25 measured this as a main cause of the slow tail). Not preparing it (the
    unnamed statement, planned at each run with its values) keeps every plan custom
    without `SET LOCAL plan_cache_mode` (a round trip, and a transaction to hold it).
    The statement goes through a raw cursor (`$n` placeholders, taken as they are).
    The driver's own settings are put back: the shared engine's other statements keep them."""
    rendered = _DRIVER_SQL.get(statement)
    if rendered is None:
        if len(_DRIVER_SQL) >= _DRIVER_SQL_MAX:
            _DRIVER_SQL.clear()
        kind = type(connection.dialect)
        numbered = _NUMBERED.setdefault(kind, kind(paramstyle="numeric_dollar"))
        compiled = sql(statement).compile(dialect=numbered)
        rendered = _DRIVER_SQL[statement] = (compiled.string, tuple(compiled.positiontup or ()))
    text, names = rendered
    driver = connection.connection.driver_connection
    saved = driver.prepare_threshold, driver.cursor_factory
    driver.prepare_threshold, driver.cursor_factory = None, RawCursor
    try:
        return connection.exec_driver_sql(text, tuple(params[name] for name in names)).all()
    finally:
        driver.prepare_threshold, driver.cursor_factory = saved


class PostgresBackend:
    name = "postgres"

    def __init__(
        self, engine: Engine, config: str = "english", *, read_engine: Engine | None = None, rum: str = "auto"
    ) -> None:
        """`read_engine` answers searches (a read replica, SEARCH_DATABASE_URL); writes
        always go to `engine`. `rum`: "auto" orders by the RUM index when `prepare()` made
        it, "off" always ranks with ts_rank, "on" requires the index."""
        if engine.dialect.name != "postgresql" or (
            read_engine is not None and read_engine.dialect.name != "postgresql"
        ):
            raise RuntimeError("SEARCH_BACKEND=postgres needs DATABASE_URL to point at PostgreSQL.")
        if rum not in ("auto", "on", "off"):
            raise RuntimeError(f"SEARCH_PG_RUM is {rum!r}; use auto, on or off.")
        self.engine = engine
        self.read_engine = read_engine or engine
        self.config = config
        self.rum_mode = rum

    # --- setting up --------------------------------------------------------------------

    def prepare(self) -> bool:
        """Create the RUM extension and indexes when the server has the extension (run by
        `flask forum reindex`); without it, or without the right to create it, search ranks
        with ts_rank. True when the RUM index exists afterwards."""
        with self.engine.connect() as connection:
            available = connection.scalar(sql("SELECT count(*) FROM pg_available_extensions WHERE name = 'rum'"))
        if available:
            try:
                with self.engine.begin() as connection:
                    for statement in _PREPARE:
                        connection.execute(sql(statement))
            except DBAPIError as error:  # e.g. not allowed to create extensions
                log.warning("RUM index not created (%s); search ranks with ts_rank", error.orig)
        _rum_ready.clear()
        ready = _has_rum_index(self.engine)
        if ready:  # the lists are ordered by RUM's `<=>`
            self._prepare_word_counts()
        return ready

    def _prepare_word_counts(self) -> None:
        """Create the count table and its triggers, and fill it from the rows, once: while
        its triggers exist it stays exact. Make the top lists of common words anew. Writers
        wait meanwhile (the table is locked against writes from the count to the triggers,
        so no change falls between)."""
        try:
            with self.engine.begin() as connection:
                connection.execute(sql("LOCK TABLE search_entries IN SHARE ROW EXCLUSIVE MODE"))
                for statement in _counts_setup():
                    connection.execute(sql(statement))
                _counts_ready.clear()
                if not _has_word_counts_on(connection):
                    for statement in _counts_fill():
                        connection.execute(sql(statement))
                # The top lists only get shorter between reindexes: made anew each time.
                connection.execute(sql(f"TRUNCATE {WORD_TOP}"))
                for token in WIDE:
                    connection.execute(sql(_top_fill(token)))
                connection.execute(sql(f"DELETE FROM {WORD_STATE}"))
                connection.execute(sql(f"INSERT INTO {WORD_STATE} VALUES (true)"))
        except DBAPIError as error:  # e.g. not allowed to create functions
            log.warning("word count table not created (%s); totals are counted row by row", error.orig)
        _counts_ready.clear()

    def _stop_word_counts(self) -> None:
        """Before a rebuild: drop the triggers (keeping the tables through 400,000 upserts
        cut indexing to a sixth) and mark the tables not kept, in one transaction, so no
        search reads them from then until `prepare` has filled them again and marked them
        kept (each search reads the mark under its own snapshot)."""
        with self.engine.begin() as connection:
            if connection.scalar(sql(f"SELECT to_regclass('{WORD_STATE}') IS NOT NULL")):
                connection.execute(sql(f"UPDATE {WORD_STATE} SET kept = false"))
            for name in _COUNT_TRIGGER_NAMES:
                connection.execute(sql(f"DROP TRIGGER IF EXISTS {name} ON search_entries"))
        _counts_ready.clear()

    def uses_word_counts(self) -> bool:
        return self.rum_mode != "off" and _has_word_counts(self.read_engine)

    def uses_rum(self) -> bool:
        if self.rum_mode == "off":
            return False
        ready = _has_rum_index(self.read_engine)
        if self.rum_mode == "on" and not ready:
            raise RuntimeError("SEARCH_PG_RUM=on but the RUM index is missing: run `flask forum reindex`.")
        return ready

    # --- writing ---------------------------------------------------------------------

    def _upsert(self, connection, docs: Iterable[SearchDocument]) -> int:
        rows = {row["doc_id"]: row for row in map(row_for, docs)}  # one row per doc id per statement
        if rows:
            ordered = [rows[doc_id] for doc_id in sorted(rows)]  # the lock order of apply()
            connection.execute(sql(_UPSERT), {"config": self.config, "docs": json.dumps(ordered)})
        return len(rows)

    def apply(self, upserts: list[SearchDocument], deletions: list[str]) -> None:
        """One transaction. Two workers writing overlapping rows take the row locks in
        doc id order, so they queue instead of deadlocking; a deadlock or serialization
        failure that still happens (a new row's key) is retried."""
        ids = sorted({*deletions, *(row_for(doc)["doc_id"] for doc in upserts)})
        for attempt in range(DEADLOCK_RETRIES):
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        sql(
                            "SELECT doc_id FROM search_entries WHERE doc_id = ANY(CAST(:ids AS text[])) "
                            "ORDER BY doc_id FOR UPDATE"
                        ),
                        {"ids": ids},
                    )
                    self._upsert(connection, upserts)
                    if deletions:
                        connection.execute(
                            sql("DELETE FROM search_entries WHERE doc_id = ANY(CAST(:ids AS text[]))"),
                            {"ids": sorted(deletions)},
                        )
                return
            except DBAPIError as error:
                if attempt + 1 == DEADLOCK_RETRIES or not isinstance(
                    error.orig, (DeadlockDetected, SerializationFailure)
                ):
                    raise

    def rebuild(self, docs: Iterable[SearchDocument], total: int, progress: Progress | None = None) -> int:
        """Rewrite every row in batches of BATCH (one transaction each, so writers never
        wait long on a row lock), then delete rows no document produced. Every row a
        reader sees meanwhile is the old or the new version of its document. The RUM
        indexes are made afterwards where the extension exists (`prepare`: building them
        over a loaded table is faster than keeping them during the load)."""
        self._stop_word_counts()
        with self.engine.connect() as connection:
            before = set(connection.scalars(sql("SELECT doc_id FROM search_entries")))
        seen: set[str] = set()
        done = 0
        iterator = iter(docs)
        while batch := list(islice(iterator, BATCH)):
            with self.engine.begin() as connection:
                self._upsert(connection, batch)
            seen.update(doc_id_for(d["kind"], d["post_id"], d.get("comment_id", 0)) for d in batch)
            done += len(batch)
            if progress:
                progress(done, total)
        # Rows written meanwhile by the app are not in `before`; they stay.
        self.apply([], sorted(before - seen))
        self.prepare()
        return done

    def digests(self) -> dict[str, str]:
        with self.engine.connect() as connection:
            return dict(connection.execute(sql("SELECT doc_id, digest FROM search_entries")).tuples().all())

    def digest(self, doc: SearchDocument) -> str:
        return document_digest(doc)

    # --- reading ---------------------------------------------------------------------

    def _analysed(self, connection, typed: str) -> tuple[list[list[Part]], list[Part], UserQuery]:
        """The parsed query's clauses and exclusions, each unit with the number of
        lexemes PostgreSQL finds in it; units that are only stop words are left out."""
        parsed = parse_user_query(typed)
        units = [*parsed.units, *parsed.excluded]
        if parsed.error or not units:
            return [], [], parsed
        values = [_bound(unit) for unit in units]
        columns = ", ".join(f"numnode({self._unit(n, unit)})" for n, unit in enumerate(units))
        params = {"config": self.config} | {f"u{n}": value for n, value in enumerate(values)}
        nodes = connection.execute(sql(f"SELECT {columns}"), params).one()
        parts = _shaped(parsed, [(count + 1) // 2 for count in nodes])
        return *_grouped(parsed, parts), parsed

    @staticmethod
    def _guessed(parsed: UserQuery) -> tuple[list[list[Part]], list[Part], list[Part]]:
        """What `_analysed` gives when PostgreSQL finds in each unit as many lexemes as our
        own analyser does (a prefix is one lexeme), without asking it: a guess from the
        typed text alone, which the search statement checks itself (`_search`, `fits`),
        so a search costs one round trip, not two. Also every unit, for that check."""
        parts = _shaped(parsed, [1 if unit.prefix else len(unit.tokens) for unit in [*parsed.units, *parsed.excluded]])
        return *_grouped(parsed, parts), parts

    def query(
        self,
        principals: frozenset[str],
        text: str,
        *,
        kinds: Collection[str] | None = None,
        author: str | None = None,
        group_id: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        tags: Collection[str] = (),
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 20,
        banned_author_ids: Iterable[int] = (),
        include_removed: bool = False,
        title_only_post_ids: Collection[int] = (),
        exclude_doc_ids: Iterable[str] = (),
    ) -> SearchPage:
        if sort not in ("relevance", "new"):
            raise ValueError(f"unknown sort {sort!r}")
        if kinds and set(kinds) - set(KINDS):
            raise ValueError(f"unknown kinds {sorted(set(kinds) - set(KINDS))}")
        page = max(1, page)
        per_page = min(max(1, per_page), MAX_PER_PAGE)
        parsed = parse_user_query(text)
        truncated = parsed.truncated
        if parsed.error:
            return SearchPage(page=page, per_page=per_page, truncated=truncated, error=parsed.error)
        # Read before the search's connection is taken (each may open one the first time).
        rum = not include_removed and self.uses_rum()
        search = _Search(
            principals,
            (kinds, author, group_id, since, until, tags, banned_author_ids, include_removed),
            (title_only_post_ids, exclude_doc_ids),
            sort,
            page,
            per_page,
            rum=rum,
            word_counts=rum and self.uses_word_counts(),
        )
        with self.read_engine.connect() as connection:
            # One statement in its own implicit transaction: no BEGIN, SET or ROLLBACK to
            # wait for (each a round trip, and at load 12 each waits for a core).
            connection.execution_options(isolation_level="AUTOCOMMIT")
            clauses, excluded, units = self._guessed(parsed)
            found = (
                self._search(connection, search, clauses, excluded, parsed, units) if clauses and principals else None
            )
            if not isinstance(found, tuple):
                if isinstance(found, list):  # the guess was wrong: the units as PostgreSQL counted them
                    clauses, excluded = _grouped(parsed, _shaped(parsed, found))
                else:  # nothing to guess from (or no one to search for): PostgreSQL's analysis first
                    clauses, excluded, parsed = self._analysed(connection, text)
                # Filters typed in the text reach the backend as arguments (the service resolves
                # them); without words, only those arguments select anything.
                restricts = bool(kinds) and set(kinds or ()) != set(KINDS)
                if not clauses and not (author or tags or group_id is not None or restricts):
                    return SearchPage(page=page, per_page=per_page, empty_query=True, truncated=truncated)
                if not principals:
                    return SearchPage(page=page, per_page=per_page, truncated=truncated)
                found = self._search(connection, search, clauses, excluded, parsed, None)
        assert not isinstance(found, list)  # nothing guessed, nothing to check
        total, rows = found
        hits = [
            Hit(
                doc_id=row.doc_id,
                kind=row.kind,
                post_id=row.post_id,
                comment_id=row.comment_id,
                score=float(row.rank) if sort == "relevance" else None,
                created=row.created,
                snippet=None if row.no_snippet else _snippet(row.headline or "", row.head, row.tail),
            )
            for row in rows
        ]
        return SearchPage(hits=hits, total=int(total or 0), page=page, per_page=per_page, truncated=truncated)

    def _search(
        self,
        connection,
        search: _Search,
        clauses: list[list[Part]],
        excluded: list[Part],
        parsed: UserQuery,
        guessed: list[Part] | None,
    ) -> tuple[int, list[Any]] | list[int]:
        """The exact total and one page (with snippets) in ONE statement, so both read one
        snapshot and the search costs one round trip. With `guessed` (the units' lexeme
        counts guessed by `_guessed`) the statement first checks the guess and, when it was
        wrong, answers only each unit's real number of lexemes: every other part of it is
        gated on that check."""
        kinds, author, group_id, since, until, tags, banned_author_ids, include_removed = search.filters
        title_only_post_ids, exclude_doc_ids = search.gates
        sort = search.sort
        whole_title = parsed.whole_title if sort == "relevance" else None
        where, params, rank = self._where(
            clauses,
            excluded,
            search.principals,
            kinds,
            author,
            group_id,
            since,
            until,
            tags,
            banned_author_ids,
            include_removed,
            title_only_post_ids,
            exclude_doc_ids,
            whole_title,
        )
        # The inner query orders every match by what it must (a rank only for
        # relevance) and keeps ids; text and headlines are read for one page only.
        order = "created DESC, doc_id" if sort == "new" else "rank DESC, created DESC, doc_id"
        if clauses and search.rum:
            # One word (one lexeme): the count and top tables may answer (see _part_count
            # and _top_first); the count only without any other filter.
            word = (
                clauses[0][0]
                if search.word_counts and len(clauses) == 1 and len(clauses[0]) == 1 and clauses[0][0][2] == 1
                else None
            )
            word = None if word is None or word[3] else word
            filtered = excluded or params.keys() & {"kinds", "author", "tags", "group_id", "since", "until"}
            one_word = None if filtered else word
            ctes, count, inner = self._audience_first(
                clauses,
                where,
                params,
                search.principals,
                sort,
                whole_title,
                one_word,
                word if sort == "relevance" else None,
            )
        else:
            ctes, count = [], f"SELECT count(*) FROM search_entries WHERE {where}"
            ranked = f"{rank} AS rank" if sort == "relevance" else "NULL::real AS rank"
            inner = f"""
                SELECT doc_id, created, {ranked}, {self._no_snippet(params)} AS no_snippet
                FROM search_entries WHERE {where}
                ORDER BY {order} LIMIT :limit OFFSET :offset"""
        fits, lexemes = "true", "NULL::int[]"
        if guessed is not None:
            params |= {f"u{n}": value for n, value, _, _ in guessed}
            lexemes = (
                "ARRAY[" + ", ".join(f"(numnode({self._unit(n, prefix=p)}) + 1) / 2" for n, _, _, p in guessed) + "]"
            )
            fits = f"{lexemes} = CAST(ARRAY[{', '.join(str(part[2]) for part in guessed)}] AS int[])"
        # One row when nothing matches (the total, the hit's columns NULL).
        statement = f"""{"WITH " + ", ".join(ctes) if ctes else ""}
            SELECT ({fits}) AS fits, {lexemes} AS lexemes, CASE WHEN {fits} THEN ({count}) END AS total, hit.*
            FROM (VALUES (1)) AS one (x) LEFT JOIN (
                SELECT e.doc_id, e.kind, e.post_id, e.comment_id, e.created, page.rank, page.no_snippet,
                    CASE WHEN page.no_snippet THEN NULL
                         ELSE ts_headline(CAST(:config AS regconfig), e.body, {self._all(clauses)}, :headline)
                         END AS headline,
                    left(e.body, 400) AS head, right(e.body, 400) AS tail
                FROM ({inner}) AS page JOIN search_entries AS e ON e.doc_id = page.doc_id
                WHERE {fits}
            ) AS hit ON true
            ORDER BY {" , ".join("hit." + part for part in order.split(", "))}
        """
        params |= {
            "headline": HEADLINE_OPTIONS,
            "limit": search.per_page,
            "offset": (search.page - 1) * search.per_page,
        }
        rows = _run(connection, statement, params)
        if not rows[0].fits:
            return list(rows[0].lexemes)
        return int(rows[0].total or 0), [row for row in rows if row.doc_id is not None]

    def _branches(self, where: str, params: dict[str, Any], principals: frozenset[str]) -> list[tuple[str, str | None]]:
        """`where` once per part of the viewer's audience, the parts disjoint and together
        exactly the rows `where` selects: each wide audience the viewer holds (its partial
        RUM index), then the rows of the viewer's narrow tokens (groups, people; the
        tokens index first, the text match checked on those rows only). Each with its
        wide token (None for the narrow part)."""
        held = [token for token in WIDE if token in principals]
        branches: list[tuple[str, str | None]] = [
            (where.replace(_AUDIENCE_PER_ROW, _WIDE_ROWS[token]), token) for token in held
        ]
        if narrow := sorted(principals - set(WIDE)):
            params |= {"narrow": narrow, "wide": held}
            rows = "tokens && CAST(:narrow AS text[]) AND NOT tokens && CAST(:wide AS text[])"
            # The text match must not be the index the planner starts from here: the
            # tsvector index over all rows would read a word's hidden postings.
            branches.append((_unindexed_text(where).replace(_AUDIENCE_PER_ROW, rows), None))
        return branches

    def _part_count(self, branch: str, token: str | None, params: dict[str, Any], one_word: Part | None) -> str:
        """One part's exact count. For a one-word search (no other filter) over a wide
        part whose count table is kept: the table's count of the word's lexeme in that
        part, less the rows counted there that this search leaves out (banned authors,
        excluded rows, gated posts matching only in their body), read through their own
        indexes. Otherwise the rows themselves."""
        if token is None or one_word is None:
            return f"(SELECT count(*) FROM search_entries WHERE {branch})"
        # The query's one lexeme, as the rows' vectors hold it (the same parser and dictionaries).
        lexeme = f"(tsvector_to_array(to_tsvector(CAST(:config AS regconfig), :u{one_word[0]})))[1]"
        counted = (
            f"(SELECT CAST(coalesce(sum(n), 0) AS bigint) FROM {WORD_COUNTS} "
            f"WHERE part = '{token}' AND lexeme = {lexeme})"
        )
        left_out = [
            condition
            for key, condition in (
                ("banned", "author_id = ANY(CAST(:banned AS int[]))"),
                ("excluded", "doc_id = ANY(CAST(:excluded AS text[]))"),
                ("gated", "(kind = 'post' AND post_id = ANY(CAST(:gated AS int[])))"),
            )
            if params.get(key)
        ]
        if left_out:
            # The word's own postings are not the index to start from (a common word's are long).
            counted = (
                f"({counted} - (SELECT count(*) FROM search_entries WHERE ({' OR '.join(left_out)}) "
                f"AND {_WIDE_ROWS[token]} AND COALESCE(tsv, ''::tsvector) @@ {self._part(one_word)} "
                f"AND NOT ({branch})))"
            )
        return f"(CASE WHEN {_KEPT} THEN {counted} ELSE (SELECT count(*) FROM search_entries WHERE {branch}) END)"

    def _audience_first(
        self,
        clauses: list[list[Part]],
        where: str,
        params: dict[str, Any],
        principals: frozenset[str],
        sort: str,
        whole_title: str | None,
        one_word: Part | None = None,
        top_word: Part | None = None,
    ) -> tuple[list[str], str, str]:
        """The count and one page through the RUM indexes, in the order of the ts_rank path:
        exact titles first, then by the row's own distance to the query (`<=>` is 1 / its
        rank, computed from the row's vector alone, so hidden rows cannot move visible
        ones), newest first on ties; or newest first.

        Each wide audience's index hands out its rows already ordered and only the first
        offset + limit (and their ties) are read. Rows ranked otherwise are found by their
        own indexes: exact titles (the title digest) and gated posts (by post id, ranked
        on title, tags and author only, like the ts_rank path). The rows of the narrow part
        (groups, people) are read once for both its count and its first rows (a CTE).

        The CTEs the statement must begin with, the count, and the page."""
        parts = self._branches(where, params, principals)
        branches = [branch for branch, _ in parts]
        query = self._all(clauses)
        special, first = [], ["false"]
        if params.get("gated"):
            special.append(self._gated(params))
        if whole_title:
            params["whole_title"] = whole_title
            title = "setweight(to_tsvector(CAST(:config AS regconfig), :whole_title), 'A')"
            first.append(f"({_TITLE_DIGEST} = md5(CAST({title} AS text)) AND ts_filter(tsv, '{{a}}') = {title})")
            special.append(first[-1])
        distance = f"tsv <=> {query}"
        if params.get("gated"):
            gated = f"ts_filter(tsv, '{{a,b,c}}') <=> {query}"
            distance = f"(CASE WHEN {self._gated(params)} THEN {gated} ELSE {distance} END)"
        exact = "(" + " OR ".join(first) + ")"
        rank = f"CAST(CASE WHEN {exact} THEN {EXACT_TITLE_BONUS} ELSE 0 END + 1 / ({distance}) AS double precision)"
        order = f"tsv <=> {query}" if sort == "relevance" else "created DESC, doc_id"
        # What the ordered candidates leave out: gated posts, ranked otherwise (their own
        # candidate below). An exact title may stay among them (then it is in the page's
        # candidates twice, and kept once): it ranks above every other row anyway, so it
        # never takes another row's place, and checking each row read for it (its
        # title's vector, detoasted and hashed) cost more than the rest of the read.
        ordinary = " OR ".join(["false", *special[: 1 if params.get("gated") else 0]])
        candidates = [
            f"(SELECT doc_id FROM search_entries WHERE {b} AND NOT ({ordinary}) "
            f"ORDER BY {order} FETCH FIRST (:limit + :offset) ROWS WITH TIES)"
            for b in branches
        ]
        if sort == "relevance":
            # Many rows share a distance (a word once in a short text): the ties of the
            # last place can be a whole posting list (1,048 rows for one word at 400,000).
            # Cut them here by the page's own order, before each is ranked below.
            candidates = [
                f"(SELECT doc_id FROM (SELECT doc_id, created, {order} AS distance FROM search_entries "
                f"WHERE {b} AND NOT ({ordinary}) ORDER BY {order} FETCH FIRST (:limit + :offset) ROWS WITH TIES) "
                "AS tied ORDER BY distance, created DESC, doc_id LIMIT (:limit + :offset))"
                for b in branches
            ]
        counts, ctes = [], []
        for n, (b, token) in enumerate(parts):
            if token is not None:
                counts.append(self._part_count(b, token, params, one_word))
                continue
            # The narrow part is read row by row for its count and its order alike
            # (the tokens index, then each row's vector): once, for both.
            ordered = ("distance, created DESC, doc_id", f"tsv <=> {query}")
            ordered = ordered if sort == "relevance" else ("created DESC, doc_id", "NULL")
            ctes.append(
                f"narrow_{n} AS MATERIALIZED (SELECT doc_id, created, {ordered[1]} AS distance, "
                f"({ordinary}) AS special FROM search_entries WHERE {b})"
            )
            counts.append(f"(SELECT count(*) FROM narrow_{n})")
            candidates[n] = (
                f"(SELECT doc_id FROM narrow_{n} WHERE NOT special ORDER BY {ordered[0]} LIMIT (:limit + :offset))"
            )
        total = "SELECT " + " + ".join(counts)
        lists = []
        if top_word is not None:
            for n, (b, token) in enumerate(parts):
                if token is not None:
                    lists.append(self._top_first(f"top_{n}", b, token, ordinary, top_word))
                    candidates[n] = lists[-1][1].replace("{fallback}", candidates[n])
        if special:
            candidates.append(f"(SELECT doc_id FROM search_entries WHERE {where} AND ({' OR '.join(special)}))")
        ranked = f"{rank} AS rank" if sort == "relevance" else "NULL::real AS rank"
        final = "rank DESC, created DESC, doc_id" if sort == "relevance" else "created DESC, doc_id"
        page = f"""
            SELECT doc_id, created, {ranked}, {self._no_snippet(params)} AS no_snippet
            FROM (SELECT DISTINCT doc_id FROM ({" UNION ALL ".join(candidates)}) AS u) AS c
                JOIN search_entries USING (doc_id)
            ORDER BY {final} LIMIT :limit OFFSET :offset"""
        return ctes + [definition for definition, _ in lists], total, page

    def _top_first(self, name: str, branch: str, token: str, ordinary: str, word: Part) -> tuple[str, str]:
        """A wide part's first offset + limit rows for one word, read from the word's top
        list where it holds them: the list is a prefix of the part's order for the word
        (`WORD_TOP`), so its first rows that this search keeps are the part's first rows
        this search keeps. Otherwise (no list, or too few of its rows kept) the RUM index
        is read as before. The CTE's definition, and the candidate with `{fallback}` for
        the RUM statement (a one-time filter: only one of the two runs)."""
        lexeme = f"(tsvector_to_array(to_tsvector(CAST(:config AS regconfig), :u{word[0]})))[1]"
        definition = f"""{name} AS MATERIALIZED (
            SELECT doc_id FROM {WORD_TOP} AS top JOIN search_entries USING (doc_id)
            WHERE top.lexeme = {lexeme} AND top.part = '{token}' AND {branch} AND NOT ({ordinary})
            ORDER BY top.distance, top.posted DESC, doc_id LIMIT (:limit + :offset))"""
        enough = f"({_KEPT} AND (SELECT count(*) FROM {name}) >= :limit + :offset)"
        candidate = (
            f"(SELECT doc_id FROM {name} WHERE {enough}) UNION ALL "
            f"(SELECT doc_id FROM {{fallback}} AS rum WHERE NOT {enough})"
        )
        return definition, candidate

    def readable_words(
        self,
        principals: frozenset[str],
        words: Iterable[str],
        *,
        banned_author_ids: Iterable[int] = (),
        include_removed: bool = False,
        title_only_post_ids: Collection[int] = (),
        exclude_doc_ids: Iterable[str] = (),
    ) -> set[str]:
        """The ``words`` that match at least one row ``principals`` may read, under the same
        rules as a search (bans, excluded rows, gated posts by title, tags and author only),
        never for hidden rows (suggest.py). A word counts when it is one lexeme, as a
        one-word search would take it.

        Audience first where the RUM indexes exist (`_readable_lexemes`): a word held only
        by hidden rows costs what an absent word costs. Otherwise (no RUM, or a moderator
        including removed rows) each word is one lookup of the all-rows index under the
        viewer's filter."""
        words = sorted({word.replace("\x00", " ") for word in words})
        if not words or not principals:
            return set()
        where, params, _ = self._where(
            [],
            [],
            principals,
            None,
            None,
            None,
            None,
            None,
            (),
            banned_author_ids,
            include_removed,
            title_only_post_ids,
            exclude_doc_ids,
        )
        # Read before the lookup's connection is taken (each may open one the first time).
        audience_first = not include_removed and self.uses_rum()
        counted = audience_first and self.uses_word_counts()
        with self.read_engine.connect() as connection:
            # One statement (`_run`): no transaction to begin and end, a custom plan.
            connection.execution_options(isolation_level="AUTOCOMMIT")
            if audience_first:
                statement = self._readable_lexemes(where, params, principals, counted)
            else:
                statement = f"""{self._word_lexemes()}
                    SELECT word.text FROM word
                    WHERE EXISTS (SELECT 1 FROM search_entries WHERE {self._holds(params)} AND {where})"""
            return {row[0] for row in _run(connection, statement, params | {"words": words})}

    def _holds(self, params: dict[str, Any]) -> str:
        """The row holds the word's lexeme where this viewer may read it: a gated post only
        in its title, tags and author (the plain match first, for the index)."""
        holds = "tsv @@ word.query"
        if params.get("gated"):
            holds += (
                f" AND (CASE WHEN {self._gated(params)} THEN ts_filter(tsv, '{{a,b,c}}') @@ word.query ELSE true END)"
            )
        return holds

    def _readable_lexemes(self, where: str, params: dict[str, Any], principals: frozenset[str], counted: bool) -> str:
        """The typo lookup's statement, one check per part of the viewer's audience
        (`_branches`), each reading only that part's rows, so that its cost depends on what
        the viewer may read:

        - a wide part (public; members): the ~500 variants' lexemes are looked up in
          `search_word_counts` first (one key each: does any row of that part hold it?),
          and only the few found are checked row-wise under the viewer's whole filter
          (bans, excluded rows, gated bodies): first the rows of the word's top list
          (`WORD_TOP`), then the part's RUM index. While the counts are not kept (a
          rebuild) every variant is checked through the RUM index.
        - the narrow part (groups, people): one pass over the viewer's own rows (the tokens
          index first, never the all-rows text index, whose postings include hidden rows),
          their lexemes joined with the variants'. It costs in proportion to the viewer's
          own narrow rows (docs/search.md, "The typo lookup on PostgreSQL")."""
        found, narrow = [], ""
        for branch, token in self._branches(where, params, principals):
            if token is None:
                lexemes = "tsv"
                if params.get("gated"):
                    lexemes = f"CASE WHEN {self._gated(params)} THEN ts_filter(tsv, '{{a,b,c}}') ELSE tsv END"
                # One stream of the rows' lexemes probing one hash of the variants' (a join
                # per row, rescanned 4,860 times for 20 groups, cost a third more).
                narrow = f""", narrow AS MATERIALIZED (
                    SELECT DISTINCT held.lexeme FROM (
                        SELECT unnest(tsvector_to_array({lexemes})) AS lexeme FROM search_entries WHERE {branch}
                    ) AS held
                    WHERE held.lexeme IN (SELECT lexeme FROM word))"""
                found.append("word.lexeme IN (SELECT lexeme FROM narrow)")
                continue
            check = f"EXISTS (SELECT 1 FROM search_entries WHERE {self._holds(params)} AND {branch})"
            if counted:
                held = f"EXISTS (SELECT 1 FROM {WORD_COUNTS} WHERE lexeme = word.lexeme AND part = '{token}' AND n > 0)"
                # A common word's first rows are on its top list: a readable one among them
                # answers without the RUM scan, which reads all of a common word's postings
                # (27-40 ms at 400k). The list is only where to look first: each row is
                # checked as it is now, so a stale list (a rebuild) costs a fallback only.
                listed = (
                    f"EXISTS (SELECT 1 FROM {WORD_TOP} AS top WHERE top.lexeme = word.lexeme AND top.part = '{token}' "
                    f"AND EXISTS (SELECT 1 FROM search_entries WHERE doc_id = top.doc_id AND {self._holds(params)} "
                    f"AND {branch}))"
                )
                check = f"((NOT {_KEPT} OR {held}) AND ({listed} OR {check}))"
            found.append(check)
        return f"""{self._word_lexemes()}{narrow}
            SELECT word.text FROM word WHERE {" OR ".join(found)}"""

    @staticmethod
    def _word_lexemes() -> str:
        """The lookup's words that are one lexeme (as a one-word search takes them: a stop
        word, or a word of several lexemes, matches nothing alone), each analysed once, with
        its tsquery and its lexeme: the tsquery's text `'lexeme'` unquoted (tsquery doubles
        quotes and backslashes). `OFFSET 0` keeps the inner query from being flattened,
        which computed phraseto_tsquery once per use of `query` (four times a word)."""
        quoted = "CAST(query AS text)"
        lexeme = rf"replace(replace(substr({quoted}, 2, length({quoted}) - 2), '''''', ''''), '\\', '\')"
        return f"""
            WITH word AS MATERIALIZED (
                SELECT text, query, {lexeme} AS lexeme FROM (
                    SELECT text, phraseto_tsquery(CAST(:config AS regconfig), text) AS query
                    FROM unnest(CAST(:words AS text[])) AS text OFFSET 0
                ) AS analysed
                WHERE numnode(query) = 1
            )"""

    @staticmethod
    def _unit(n: int, unit: Unit | None = None, prefix: bool = False) -> str:
        """Unit n as a tsquery: a word or phrase through phraseto_tsquery (which reads no
        operators), a prefix as a tsquery literal built from letters and digits only."""
        if prefix or (unit is not None and unit.prefix):
            return f"CAST(:u{n} AS tsquery)"
        return f"phraseto_tsquery(CAST(:config AS regconfig), :u{n})"

    def _part(self, part: Part) -> str:
        return self._unit(part[0], prefix=part[3])

    def _all(self, clauses: list[list[Part]]) -> str:
        """All clauses, each any of its units; an empty tsquery when there are none."""
        if not clauses:
            return "CAST('' AS tsquery)"
        return "(" + " && ".join("(" + " || ".join(map(self._part, clause)) + ")" for clause in clauses) + ")"

    @staticmethod
    def _gated(params: dict[str, Any]) -> str:
        return "(kind = 'post' AND post_id = ANY(CAST(:gated AS int[])))" if params.get("gated") else "false"

    @staticmethod
    def _no_snippet(params: dict[str, Any]) -> str:
        """A gated post and its comments show no excerpt (the comments are normally
        excluded by the caller too)."""
        return "(post_id = ANY(CAST(:gated AS int[])))" if params.get("gated") else "false"

    def _in_fields(self, part: Part, fields: tuple[str, ...]) -> str:
        """The unit matches within `fields` (weights); a multi-word unit within one of them."""
        groups = [fields] if part[2] == 1 else [(field,) for field in fields]
        unit = self._part(part)
        return "(" + " OR ".join(f"ts_filter(tsv, '{{{','.join(group)}}}') @@ {unit}" for group in groups) + ")"

    def _matches(self, part: Part, gated: bool) -> str:
        """Where a unit may match: anywhere for a word, one field for a phrase, and for a
        gated post only outside its body (title, tags, author)."""
        fields: tuple[str, ...]
        if gated:
            fields = GATED_PHRASE_FIELDS if part[2] > 1 and not part[3] else GATED_WORD_FIELDS
        else:
            fields = PHRASE_FIELDS if part[2] > 1 and not part[3] else WORD_FIELDS
        if not gated and part[2] == 1:
            return f"(tsv @@ {self._part(part)})"
        return self._in_fields(part, fields)

    def _where(
        self,
        clauses,
        excluded,
        principals,
        kinds,
        author,
        group_id,
        since,
        until,
        tags,
        banned_author_ids,
        include_removed,
        title_only_post_ids,
        exclude_doc_ids,
        whole_title: str | None = None,
    ) -> tuple[str, dict[str, Any], str]:
        params: dict[str, Any] = {"config": self.config, "principals": sorted(principals)}
        params |= {f"u{n}": value for clause in clauses for n, value, _, _ in clause}
        params |= {f"u{n}": value for n, value, _, _ in excluded}
        query = self._all(clauses)
        clauses_sql = [
            # Every viewer holds `public`, so the audience is never the selective part:
            # the planner's BitmapAnd with the tokens GIN index read ~285k entries to
            # keep 15k rows (2-3x slower, bench/README.md); `|| '{}'` keeps the test
            # per candidate row of the tsvector index instead.
            _AUDIENCE_PER_ROW,
        ]
        if clauses:
            clauses_sql.insert(0, f"tsv @@ {query}")
        if not include_removed:
            clauses_sql.append("state = 'ok'")
        if banned := sorted({int(i) for i in banned_author_ids}):
            clauses_sql.append("author_id <> ALL(CAST(:banned AS int[]))")
            params["banned"] = banned
        if excluded_ids := sorted(set(exclude_doc_ids)):
            clauses_sql.append("doc_id <> ALL(CAST(:excluded AS text[]))")
            params["excluded"] = excluded_ids
        if kinds and set(kinds) != set(KINDS):
            clauses_sql.append("kind = ANY(CAST(:kinds AS text[]))")
            params["kinds"] = sorted(kinds)
        if author:
            clauses_sql.append("author = :author")
            params["author"] = author.strip().lower()
        if tags:
            clauses_sql.append("tags @> CAST(:tags AS text[])")
            params["tags"] = sorted({_stored_text(tag.strip().lower()) for tag in tags})
        if group_id is not None:
            clauses_sql.append("groups @> ARRAY[CAST(:group_id AS int)]")
            params["group_id"] = int(group_id)
        if since is not None:
            clauses_sql.append("created >= :since")
            params["since"] = _utc(since)
        if until is not None:
            clauses_sql.append("created <= :until")
            params["until"] = _utc(until)
        if gated := sorted({int(i) for i in title_only_post_ids}):
            params["gated"] = gated
        is_gated = self._gated(params)
        for clause in clauses:
            # A clause of single words is already decided by `tsv @@ query`.
            normal = "true" if all(part[2] == 1 for part in clause) else self._any(clause, gated=False)
            if gated:
                clauses_sql.append(f"(CASE WHEN {is_gated} THEN {self._any(clause, gated=True)} ELSE {normal} END)")
            elif normal != "true":
                clauses_sql.append(normal)
        for part in excluded:
            # A gated post is left out only for a match outside its body: leaving it out
            # for a body word would tell its reader that word is in the body.
            if gated:
                clauses_sql.append(
                    f"NOT (CASE WHEN {is_gated} THEN {self._matches(part, True)} ELSE {self._matches(part, False)} END)"
                )
            else:
                clauses_sql.append(f"NOT {self._matches(part, False)}")
        rank = f"ts_rank(tsv, {query})" if clauses else "CAST(0 AS real)"
        if gated and clauses:
            rank = f"(CASE WHEN {is_gated} THEN ts_rank(ts_filter(tsv, '{{a,b,c}}'), {query}) ELSE {rank} END)"
        if whole_title:
            # An exact title match first (a gated post's title is readable too): the
            # title's lexemes and positions are the query's.
            params["whole_title"] = whole_title
            exact = "ts_filter(tsv, '{a}') = setweight(to_tsvector(CAST(:config AS regconfig), :whole_title), 'A')"
            rank = f"(CASE WHEN {exact} THEN {EXACT_TITLE_BONUS} ELSE 0 END + {rank})"
        return " AND ".join(clauses_sql), params, rank

    def _any(self, clause: list[Part], gated: bool) -> str:
        return "(" + " OR ".join(self._matches(part, gated) for part in clause) + ")"


def _unindexed_text(where: str) -> str:
    """`where` with its leading text match (`tsv @@ ...`) in a form no index serves
    (COALESCE returns the same vector, uncopied), so the planner starts from another
    condition: the audience's tokens."""
    return "COALESCE(tsv, ''::tsvector) @@ " + where.removeprefix("tsv @@ ") if where.startswith("tsv @@ ") else where


def _bound(unit: Unit) -> str:
    """What a unit's placeholder is bound to: the typed text, or a prefix literal. The
    prefix holds only letters and digits (user_query._PREFIX), so the quotes cannot be
    closed early and no operator can be formed."""
    if unit.prefix:
        return f"'{unit.prefix}':*"
    return unit.raw.replace("\x00", " ")
