"""The app's Jinja environment: Flask's, with template globals whose names are a real set.

Every `{% from "macros.html" import ... %}` asks which global names the importing page has that
the imported template lacks (Jinja's `Template._get_default_module`: `ctx.globals_keys -
self.globals.keys()`). A template's globals are a ChainMap over the environment's, and a set
minus a ChainMap's KeysView is a Python loop, two dict lookups a name for each of the ~40
names: about a tenth of a millisecond of a post page, which imports five times (bench/README.md,
"Session of 2026-12-05 (sixth)"). The names of a set of dicts are their union, in C."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import MutableMapping
from typing import Any

from flask.templating import Environment


class _Globals(ChainMap):
    def keys(self):
        """All the names, as a set: what `-` and `in` want of it, at C speed."""
        return set().union(*self.maps)


class ForumEnvironment(Environment):
    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """Jinja's own (the template's globals over the environment's, both live), keys aside."""
        return _Globals(d if d is not None else {}, self.globals)
