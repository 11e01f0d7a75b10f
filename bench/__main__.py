"""`python -m bench` runs every bench/*_bench.py at a small scale (a smoke run);
`python -m bench thread [search ...]` runs the named ones at full scale.

Each module exposes `main(scale: float = 1.0) -> None`; `--scale` overrides the default.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

SMOKE_SCALE = 0.1


def available() -> list[str]:
    here = Path(__file__).resolve().parent
    return sorted(m.name[: -len("_bench")] for m in pkgutil.iter_modules([str(here)]) if m.name.endswith("_bench"))


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all). Known: {', '.join(available())}")
    parser.add_argument(
        "--scale",
        type=float,
        default=None,
        help=f"data size factor (default: 1.0 for named runs, {SMOKE_SCALE} when running all)",
    )
    args = parser.parse_args(argv)
    names = args.names or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(available())}")
    scale = args.scale if args.scale is not None else (1.0 if args.names else SMOKE_SCALE)
    for name in names:
        module = importlib.import_module(f"bench.{name}_bench")
        print(f"== {name} (scale {scale:g}) ==", flush=True)
        module.main(scale=scale)
    return 0


if __name__ == "__main__":
    sys.exit(run())
