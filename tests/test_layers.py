"""The folders of forum/ are layers, and a layer never imports one above it.

Read with `ast`, so a lazy import inside a function counts as much as one at the top:
an inversion hidden in a function body is still an inversion (the kind that made
templating and thread_html import each other, and the API import an HTML view).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

FORUM = Path(__file__).resolve().parent.parent / "forum"

EVERYTHING = {
    "api", "cli", "demo", "extensions", "forms", "infra", "mail", "models", "permissions", "queries",
    "rendering", "search", "services", "views", "visibility", "web",
}  # fmt: skip
# What each layer may import besides itself; the factory (forum/__init__.py) may import anything.
MAY_IMPORT = {
    "extensions": set(),
    "models": {"extensions"},
    "infra": {"extensions", "models"},
    "permissions": {"extensions", "models", "infra"},
    "visibility": {"extensions", "models", "infra", "permissions"},
    # rendering.atom: queries/feeds.py builds the feed as atom's plain dataclasses.
    "queries": {"extensions", "models", "infra", "permissions", "visibility", "rendering"},
    "rendering": {"extensions", "models", "infra", "permissions", "visibility", "queries", "web"},
    "search": {"extensions", "models", "infra", "permissions", "visibility", "queries", "rendering"},
    "services": {"extensions", "models", "infra", "permissions", "visibility", "queries", "rendering", "search"},
    "mail": {"extensions", "models", "infra", "permissions", "visibility", "queries", "rendering", "services"},
    # web/errors.py turns search's and the database's outages into error pages.
    "web": {"extensions", "models", "infra", "search"},
    "forms": {"extensions", "models", "services", "web"},
    "demo": {"extensions", "models", "services", "search", "queries"},
    "cli": EVERYTHING - {"views", "api", "cli"},
    "views": EVERYTHING - {"api", "cli", "demo", "views"},
    "api": EVERYTHING - {"views", "cli", "demo", "forms", "api"},
}


def layer_of(path: Path) -> str | None:
    parts = path.relative_to(FORUM).with_suffix("").parts
    return None if parts == ("__init__",) else parts[0]


def imported_layers(path: Path) -> set[tuple[str, int]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "forum":
                names = [alias.name for alias in node.names]
            elif node.module.startswith("forum."):
                names = [node.module.split(".")[1]]
            else:
                continue
        elif isinstance(node, ast.Import):
            names = [a.name.split(".")[1] for a in node.names if a.name.startswith("forum.")]
        else:
            continue
        found |= {(name, node.lineno) for name in names}
    return found


MODULES = sorted(p for p in FORUM.rglob("*.py") if layer_of(p) is not None)


def test_every_layer_is_known():
    assert {layer_of(p) for p in MODULES} == set(MAY_IMPORT)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(FORUM)))
def test_no_layer_imports_one_above_it(path: Path):
    layer = layer_of(path)
    wrong = [
        f"{path.relative_to(FORUM)}:{line} imports forum.{name}"
        for name, line in sorted(imported_layers(path))
        if name != layer and name not in MAY_IMPORT[layer]
    ]
    assert not wrong, "\n".join(wrong)
