"""Objects made from plain rows (forum/infra/rows.py) as loading them through the ORM would give
them: for a hot read whose statement is checked and built once, where the ORM's loaders, set up
afresh on every call, cost more than the rows (bench/README.md, "Issue 23, sixth round").

Nothing here decides what anyone reads: the rows come from a statement that already applied
the read rule; this only turns its columns into the session's objects."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Column
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, instance_state, set_committed_value

from forum.extensions import Model, db

T = TypeVar("T", bound=Model)


@cache
def column_keys(model: type) -> tuple[str, ...]:
    """The model's attributes that are columns of its own table, in mapping order: what a
    load of the model selects (a `query_expression`, computed per query, is left out)."""
    table = model.__table__  # type: ignore[attr-defined]
    return tuple(
        prop.key
        for prop in model.__mapper__.column_attrs  # type: ignore[attr-defined]
        if isinstance(prop.columns[0], Column) and prop.columns[0].table is table
    )


@cache
def _layout(model: type) -> tuple[Any, Any, tuple[str, ...], tuple[int, ...]]:
    """The model's mapper, its class manager, `column_keys` and where its primary key is in them."""
    mapper = model.__mapper__  # type: ignore[attr-defined]
    keys = column_keys(model)
    at = tuple(keys.index(mapper.get_property_by_column(column).key) for column in mapper.primary_key)
    return mapper, mapper.class_manager, keys, at


def as_loaded(model: type[T], values: Sequence[Any]) -> T:
    """The session's object for a row of `column_keys(model)`, as a query's load gives it.

    The object the session already holds stays the one returned, its changes kept: only its
    attributes not loaded (expired by a commit, never read) take the row's values, as a load
    fills them. Otherwise a new persistent object with exactly the row's values, nothing
    changed; its relationships load when read, unless the caller sets them (`loaded`)."""
    mapper, manager, keys, at = _layout(model)
    session = db.session()
    held = session.identity_map.get(mapper.identity_key_from_primary_key([values[i] for i in at]))
    if held is not None:
        unloaded = instance_state(held).unloaded
        for key, value in zip(keys, values, strict=True):
            if key in unloaded:
                set_committed_value(held, key, value)
        return held
    made = manager.new_instance()
    instance_dict(made).update(zip(keys, values, strict=True))
    make_transient_to_detached(made)
    session.add(made)
    return made


def loaded(obj: object, key: str, value: Any) -> None:
    """Set a relationship as its eager load would: only when not loaded yet, so an object the
    session held keeps what it had (and any change the request made to it)."""
    if key in instance_state(obj).unloaded:
        set_committed_value(obj, key, value)
