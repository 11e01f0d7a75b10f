"""What the search tests share: the backends every contract test runs against."""

from __future__ import annotations

BACKENDS = ("whoosh", "postgres")
