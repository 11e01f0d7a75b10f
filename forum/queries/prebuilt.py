"""Statements built once per process, for the read helpers: forum/infra/prebuilt.py's core
(which says how and why) with the read rule's tokens, `visibility.principals`, passed in.

The core sits below visibility so that visibility's own fetchers can use it too; this layer
only saves every read helper from naming the rule's tokens on each call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Executable

from forum import visibility
from forum.infra import prebuilt as core
from forum.infra.prebuilt import PrebuiltError, column_rows
from forum.models import User

__all__ = ["PrebuiltError", "column_rows", "fast_scalar", "params_for", "scalar", "scalars", "variant_for"]


def params_for(name: str, build: Callable[[User], Executable], viewer: User) -> tuple[Executable, dict[str, Any]]:
    return core.params_for(name, build, viewer, visibility.principals)


def scalar(name: str, build: Callable[[User], Executable], viewer: User) -> Any:
    return core.scalar(name, build, viewer, visibility.principals)


def scalars(name: str, build: Callable[[User], Executable], viewer: User) -> list[Any]:
    return core.scalars(name, build, viewer, visibility.principals)


def fast_scalar(name: str, build: Callable[[User], Executable], viewer: User) -> Any:
    return core.fast_scalar(name, build, viewer, visibility.principals)


def variant_for(
    name: str, build: Callable[..., Executable], viewer: User | None, variant: tuple = ()
) -> tuple[Executable, dict[str, Any]]:
    return core.variant_for(name, build, viewer, visibility.principals, variant)
