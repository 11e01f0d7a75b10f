"""A development server's SECRET_KEY: random, made once, kept in instance/ for the owner only.

`make run` must not sign sessions with a key anyone can read in the source, and restarting
it must not sign everyone out, so the key is generated on first start and read afterwards.
Production never comes here: it demands SECRET_KEY from the environment (config.py).
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path


def instance_secret_key(path: Path) -> str:
    """The key stored at `path`, made (mode 600) if there is none. Several processes start
    together under `make run` (the server, the mail worker): the first to create the file
    writes it, the others read what it wrote."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be between creating and writing it
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.05)
        raise RuntimeError(f"{path} is empty: delete it and start again.") from None
    key = secrets.token_hex(32)
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    return key
