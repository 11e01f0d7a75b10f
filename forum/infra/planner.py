"""Where the database engines' planners need different SQL for the same rule.

Queries are written once; the engine-specific form is chosen when SQLAlchemy compiles
them for a dialect, so no caller checks which database it talks to, and the choice for
each engine is made here alone. Each construct says which plan it is for and the bench
that measured it (bench/README.md).
"""

from __future__ import annotations

from sqlalchemy import Numeric, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import coercions, roles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class not_from_index(ColumnElement):
    """`column`, where an index on it would lead SQLite's planner astray.

    SQLite picks indexes by rules of thumb without data statistics on small ranges, and
    the only way to take an index off the table for one comparison or sort is to make
    the column an expression (`principal || ''`, `score + 0`). PostgreSQL's cost-based
    planner chooses well from its statistics, and the same trick would only hide indexes
    it needs, so there the column stays as it is.
    """

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column):
        self.column = coercions.expect(roles.ExpressionElementRole, column)
        self.type = self.column.type


@compiles(not_from_index)
def _as_is(element: not_from_index, compiler, **kw) -> str:
    return compiler.process(element.column, **kw)


@compiles(not_from_index, "sqlite")
def _as_expression(element: not_from_index, compiler, **kw) -> str:
    column = compiler.process(element.column, **kw)
    if isinstance(element.type, String):
        return f"({column} || '')"
    if isinstance(element.type, Numeric) or element.type.python_type in (int, float):
        return f"({column} + 0)"
    raise TypeError(f"not_from_index() cannot hide an index on a {element.type} column")
