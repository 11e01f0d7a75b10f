"""Statements built once per process through visibility's clauses, then run with each
viewer's own values as bound parameters.

The core lives in infra, below visibility, so that visibility's own fetchers can build their
statements once too. It knows nothing of the read rule: every call is handed `tokens_of`,
the function that says which principal tokens a viewer holds (`visibility.principals`);
forum/queries/prebuilt.py passes it for the read helpers.

Building a statement as deep as the notification rule (`inbox.shown`) and computing its
cache key costs SQLAlchemy several milliseconds, far more than SQLite takes to run it; the
statement's shape is the same for every signed-in viewer, and only a few values differ
(their id, their tokens). So the statement is built once, for a stand-in viewer, and each
call hands SQLAlchemy the real viewer's values under the names those parameters compiled to.

Why this cannot run one viewer's query with another's values: the statement is built TWICE,
for two stand-in viewers that share nothing (ids that no row has, so no memberships), and
every parameter whose value differs between the two must be recognised as one of the
viewer's values (their id, their tokens, or the ids named in their tokens), or the build
refuses (`PrebuiltError`). A parameter that is the same for both is part of the rule itself
("pending", "post", the muted kinds). Nothing that changes with time may be a parameter: a
`datetime` refuses the build too. Only signed-in viewers: anonymous readers have their own
simpler clauses. A clause that grows a new way of depending on the viewer therefore fails
loudly the first time it is built, in every test that reaches it.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, Executable, literal_column
from sqlalchemy.sql import visitors

from forum.extensions import db
from forum.infra import viewer_state
from forum.models import User, is_signed_in
from forum.models.principals import user_ids_in

# The viewer's tokens, as the read rule gives them: `visibility.principals`.
TokensOf = Callable[[User], frozenset[str]]


class PrebuiltError(RuntimeError):
    """A statement depends on the viewer in a way this module cannot substitute."""


# Ids no row has: the stand-ins hold no group, and never match anything by id.
_STAND_INS = (-7_000_001, -7_000_002)
viewer_state.hold_nothing(*_STAND_INS)
_built: dict[tuple[str, str], tuple[Any, Executable, dict[str, str]]] = {}
_lock = threading.Lock()


def _stand_in(user_id: int) -> User:
    return User(id=user_id, username=f"stand-in{-user_id}", display_name="", password_hash="")


def _values(viewer: User, tokens_of: TokensOf) -> dict[str, Any]:
    tokens = tokens_of(viewer)
    return {"id": viewer.id, "tokens": frozenset(tokens), "user_ids": frozenset(user_ids_in(tokens))}


@lru_cache(maxsize=4096)
def _sorted_values(tokens: frozenset[str]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """A viewer's tokens and the user ids they name, each sorted, as statements take them.

    Asked by every statement a page runs (the bell, five on a front page), each of which
    sorted the same lists again for each of its parameters. A function of its arguments
    only (the tokens are this request's own, `tokens_of` on this request), so keeping its
    answers keeps nothing a later request could not compute itself."""
    return tuple(sorted(tokens)), tuple(sorted(user_ids_in(tokens)))


def _viewer_params(roles: dict[str, str], viewer: User, tokens_of: TokensOf) -> dict[str, Any]:
    """The parameters that make a built statement `viewer`'s: each role's value, sorted."""
    viewer_id = viewer.id  # an ORM attribute: read once, not once per parameter (the bell has 38)
    tokens, user_ids = _sorted_values(frozenset(tokens_of(viewer)))
    values = {"id": viewer_id, "tokens": list(tokens), "user_ids": list(user_ids)}
    return {param: values[kind] for param, kind in roles.items()}


def _bind_values(statement: Executable) -> dict[str, Any]:
    compiled = statement.compile(db.engine)  # type: ignore[attr-defined]
    return {name: bind.effective_value for bind, name in compiled.bind_names.items()}


def _kind(value: Any, viewer: dict[str, Any]) -> str | None:
    if value == viewer["id"] and not isinstance(value, bool):
        return "id"
    if isinstance(value, (list, tuple, set, frozenset)):
        for kind in ("tokens", "user_ids"):
            if frozenset(value) == viewer[kind]:
                return kind
    return None


def _build(name: str, build: Callable[[User], Executable], tokens_of: TokensOf) -> tuple[Executable, dict[str, str]]:
    first, second = (_stand_in(user_id) for user_id in _STAND_INS)
    statements = [build(first), build(second)]
    values = [_bind_values(statement) for statement in statements]
    if values[0].keys() != values[1].keys():
        raise PrebuiltError(f"{name}: the statement's shape depends on the viewer")
    for param, value in values[0].items():
        if isinstance(value, (datetime, date)):
            raise PrebuiltError(f"{name}: parameter {param} is a time; a statement built once would keep it")
    # The same for both (a value-less bindparam is the caller's to pass): the rule's own.
    constants = {param for param, value in values[0].items() if value is not None and value == values[1][param]}
    # Both written the same way, and read again: the binds left are renamed in order.
    statements = [_inline(statement, constants) for statement in statements]
    values = [_bind_values(statement) for statement in statements]
    if values[0].keys() != values[1].keys():
        raise PrebuiltError(f"{name}: the statement's shape depends on the viewer")
    viewers = [_values(first, tokens_of), _values(second, tokens_of)]
    roles: dict[str, str] = {}
    for param, value in values[0].items():
        if value == values[1][param]:
            continue  # the caller's, or a constant left bound (one its type cannot write)
        kinds = {_kind(value, viewers[0]), _kind(values[1][param], viewers[1])}
        if len(kinds) != 1 or None in kinds:
            raise PrebuiltError(f"{name}: parameter {param} depends on the viewer in an unknown way")
        roles[param] = kinds.pop()  # type: ignore[assignment]
    return statements[0], roles


def _inline(statement: Executable, constants: set[str]) -> Executable:
    """The statement with the rule's own constants ("post", "pending", the muted kinds)
    written into its SQL rather than bound: SQLite runs the bell several times slower when
    they are parameters (it cannot fold them into the plan), and they are the same for every
    viewer, so the SQL stays one string, prepared once per connection. A constant whose
    type cannot write it as a literal leaves the whole statement bound, as it was."""
    compiled = statement.compile(db.engine)  # type: ignore[attr-defined]
    chosen = [bind for bind, param in compiled.bind_names.items() if param in constants]
    if not chosen:
        return statement
    if not all(_writable(bind) for bind in chosen):
        return statement
    keys = {bind.key for bind in chosen}

    def literal(element):
        if isinstance(element, BindParameter) and element.key in keys:
            return _written(element)
        return None

    return visitors.replacement_traverse(statement, {}, literal)  # type: ignore[call-overload]


def _written(bind: BindParameter) -> Any:
    """The constant as SQL text, written when the statement compiles, once: a bind marked
    `literal_execute` (or an IN list's, `expanding`) is written again into the SQL string
    at every execution, a regular-expression pass over it (bench/README.md, "Session of
    2026-12-05 (sixth)"). An IN list is written with its brackets, as SQLAlchemy writes it."""
    write, value = bind.type.literal_processor(db.engine.dialect), bind.effective_value
    assert write is not None and value is not None  # `_writable` said so
    if bind.expanding:
        return literal_column("(" + ", ".join(write(item) for item in value) + ")")
    return literal_column(write(value), type_=bind.type)


def _writable(bind: BindParameter) -> bool:
    """Whether the constant's type can write it as a literal (or each of its items)."""
    write = bind.type.literal_processor(db.engine.dialect)
    if write is None:
        return False
    if bind.expanding and not bind.effective_value:
        return False  # an empty IN list is SQLAlchemy's own expression, not a list to write
    values = bind.effective_value if isinstance(bind.effective_value, (list, tuple)) else [bind.effective_value]
    try:
        for value in values:
            write(value)
    except Exception:  # a type's renderer refusing a value it was not made for: keep it bound
        return False
    return True


def params_for(
    name: str, build: Callable[[User], Executable], viewer: User, tokens_of: TokensOf
) -> tuple[Executable, dict[str, Any]]:
    """The statement `build` makes for any signed-in viewer, built once per process and
    dialect, and the parameters that make it `viewer`'s.

    `build` may depend on the viewer and nothing else: a value it closed over (a post id, a
    page) would be kept in the statement for every later call, so closures and default
    arguments are refused, and one name always means one function."""
    statement, roles = _built_once(name, build, tokens_of)
    return statement, _viewer_params(roles, viewer, tokens_of)


def _built_once(
    name: str, build: Callable[[User], Executable], tokens_of: TokensOf
) -> tuple[Executable, dict[str, str]]:
    """`params_for`'s statement and the role of each of its viewer's parameters."""
    if getattr(build, "__closure__", None) or getattr(build, "__defaults__", None):
        raise PrebuiltError(f"{name}: a statement built once may depend on the viewer only, not on a closure")
    key = (name, db.engine.dialect.name)
    if key not in _built:
        with _lock:
            if key not in _built:
                _built[key] = (build.__code__, *_build(name, build, tokens_of))
    code, statement, roles = _built[key]
    if code is not build.__code__:
        raise PrebuiltError(f"{name}: already the name of another statement")
    return statement, roles


def scalar(name: str, build: Callable[[User], Executable], viewer: User, tokens_of: TokensOf) -> Any:
    statement, params = params_for(name, build, viewer, tokens_of)
    return db.session.scalar(statement, params)


def scalars(name: str, build: Callable[[User], Executable], viewer: User, tokens_of: TokensOf) -> list[Any]:
    statement, params = params_for(name, build, viewer, tokens_of)
    return list(db.session.scalars(statement, params))


# --- running a built statement without SQLAlchemy's per-call rendering ------------------

_expanded: dict[tuple, tuple[str, Callable[[tuple], Any], tuple, bool]] = {}


def fast_scalar(name: str, build: Callable[[User], Executable], viewer: User, tokens_of: TokensOf) -> Any:
    """`scalar`, for a statement that returns one plain value (a count), on the page's hot
    path: SQLAlchemy renders a statement's IN lists and the rule's constants afresh on every
    call, which for the bell cost ten times what SQLite took to run it. The SQL it renders
    depends only on how many values each list holds, so it is rendered once per shape
    (`_shape`) and the viewer's values are then put in their places by position. Any
    parameter this cannot place (a type that converts its values) takes `scalar` instead.

    Every list parameter holds the viewer's tokens or the user ids they name, so the shape
    is how many of each; a value's place is then an index into (id, tokens..., user ids...,
    the statement's own constants...), picked by one `itemgetter` (the bell has ~200)."""
    statement, roles = _built_once(name, build, tokens_of)
    viewer_id = viewer.id
    tokens, user_ids = _sorted_values(frozenset(tokens_of(viewer)))
    dialect = db.engine.dialect
    key = (name, dialect.name, len(tokens), len(user_ids))
    if key not in _expanded:
        _expanded[key] = _placed(statement, roles, tokens, user_ids)
    sql, pick, constants, positional = _expanded[key]
    if not sql:
        return db.session.scalar(statement, _viewer_params(roles, viewer, tokens_of))
    if db.session.autoflush:
        db.session.flush()  # as session.execute would: the request's own pending writes count
    values = pick((viewer_id, *tokens, *user_ids, *constants))
    arguments = values if positional else dict(zip((f"p{i}" for i in range(len(values))), values))
    return db.session.connection().exec_driver_sql(sql, arguments).scalar()


def _placed(
    statement: Executable, roles: dict[str, str], tokens: tuple[str, ...], user_ids: tuple[int, ...]
) -> tuple[str, Callable[[tuple], Any], tuple, bool]:
    """`_shape` for a viewer with this many tokens and user ids, its places as indices."""
    params = {
        param: 0 if kind == "id" else list(tokens if kind == "tokens" else user_ids) for param, kind in roles.items()
    }
    sql, places, positional = _shape(statement, params)
    first = {"id": 0, "tokens": 1, "user_ids": 1 + len(tokens)}
    constants: list[Any] = []
    indices = []
    for param, index in places:
        if param is _CONSTANT:
            indices.append(1 + len(tokens) + len(user_ids) + len(constants))
            constants.append(index)
        else:
            indices.append(first[roles[param]] + (index or 0))
    pick = operator.itemgetter(*indices) if len(indices) > 1 else lambda row: tuple(row[i] for i in indices)
    return sql, pick, tuple(constants), positional


_CONSTANT = "="  # in `places`: the second item is the value itself


class _Slot:
    """A stand-in value that says which parameter (and which item of a list) it is."""

    def __init__(self, param: str, index: int | None) -> None:
        self.place = (param, index)


def _shape(statement: Executable, params: dict[str, Any]) -> tuple[str, tuple[tuple[str, Any], ...], bool]:
    """The SQL for parameters of these lengths, and where each value goes; ("", (), True)
    when a parameter's type converts its values."""
    compiled = statement.compile(db.engine)  # type: ignore[attr-defined]
    if any(compiled._bind_processors.get(name) for name in params):
        return "", (), True
    slots = {
        param: [_Slot(param, i) for i in range(len(value))] if isinstance(value, list) else _Slot(param, None)
        for param, value in params.items()
    }
    state = compiled.construct_expanded_state(slots)
    if compiled.positional:
        found = list(state.positional_parameters)
        sql = state.statement
    else:
        # pyformat (psycopg): the names in order of appearance, renamed p0, p1, ...
        order = sorted(state.parameters, key=lambda n: state.statement.index(f"%({n})s"))
        found = [state.parameters[n] for n in order]
        sql = state.statement
        for i, n in enumerate(order):
            sql = sql.replace(f"%({n})s", f"%(p{i})s")
    # A value that is no slot is the statement's own (SQLite's OFFSET 0), the same for everyone.
    places = tuple(value.place if isinstance(value, _Slot) else (_CONSTANT, value) for value in found)
    return sql, places, compiled.positional


# --- a family of statements: a few variants, and values of the request's own -------------

_variants: dict[tuple, tuple[Any, Executable, dict[str, str]]] = {}


def variant_for(
    name: str, build: Callable[..., Executable], viewer: User | None, tokens_of: TokensOf, variant: tuple = ()
) -> tuple[Executable, dict[str, Any]]:
    """As `params_for`, for a small family of statements named by `variant` (a few constants
    passed to `build` after the viewer: a sort, whether a tag filters it; never an id or a
    value from the request), and for anonymous viewers too (their statement depends on no
    one, so it is built once as it is).

    Values of the request's own (a tag's id, a page's offset, a time) go in as named
    `bindparam`s without a value, which the caller passes with the returned parameters:
    both stand-ins leave them empty, so they are never kept."""
    if getattr(build, "__closure__", None) or getattr(build, "__defaults__", None):
        raise PrebuiltError(f"{name}: a statement built once may depend on the viewer only, not on a closure")
    if any(not isinstance(value, (str, bool, int, type(None))) for value in variant):
        raise PrebuiltError(f"{name}: a variant is made of a few constants")
    signed_in = is_signed_in(viewer)
    key = (name, db.engine.dialect.name, variant, signed_in)
    if key not in _variants:
        with _lock:
            if key not in _variants:
                if signed_in:
                    # The same refusals as `params_for`: the viewer's values alone may differ.
                    _variants[key] = (build.__code__, *_build(name, lambda v: build(v, *variant), tokens_of))
                else:
                    # Every value an anonymous viewer's statement holds is the rule's own
                    # (a bindparam without one is the caller's to pass).
                    statement = build(None, *variant)
                    constants = {param for param, value in _bind_values(statement).items() if value is not None}
                    _variants[key] = (build.__code__, _inline(statement, constants), {})
    code, statement, roles = _variants[key]
    if code is not build.__code__:
        raise PrebuiltError(f"{name}: already the name of another statement")
    if not signed_in:
        return statement, {}
    return statement, _viewer_params(roles, viewer, tokens_of)  # type: ignore[arg-type]
