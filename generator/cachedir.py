"""Where a build keeps what it can reuse: rendered documents, jieba's dictionary, history comparisons.

By default every content root keeps its own cache in ``.cache/handbook/`` and each build trims it to
what that root needs now. ``HANDBOOK_CACHE_DIR`` names one folder shared instead — by several
checkouts, a CI cache, the test suite's many content roots. Entries are named by content hashes, so
sharing is safe; but one root's build must never delete what another root still uses, so a shared
cache only loses entries that no build has touched for ``SHARED_MAX_AGE_DAYS``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

ENV = "HANDBOOK_CACHE_DIR"
OWN = ".cache/handbook"
SHARED_MAX_AGE_DAYS = 30


@dataclass(frozen=True)
class CacheDir:
    path: Path
    shared: bool = False


def locate(root: Path, configured: str | None = None) -> CacheDir:
    """mkdocs.yml's ``cache_dir`` (relative to the root) wins, then ``HANDBOOK_CACHE_DIR``, then the root's own."""
    if configured:
        return CacheDir(root / configured)
    shared = os.environ.get(ENV, "").strip()
    if shared:
        return CacheDir(Path(shared).expanduser().resolve(), shared=True)
    return CacheDir(root / OWN)


def empty(root: Path) -> bool:
    """No cache yet (a first build, or after `make clean`): every document of ``root`` will be rendered."""
    path = locate(root).path
    try:
        with os.scandir(path) as entries:
            return next(entries, None) is None
    except OSError:
        return True


def expired(paths: list[Path]) -> list[Path]:
    """Of entries no build uses now, those a shared cache drops: untouched for SHARED_MAX_AGE_DAYS."""
    oldest = time.time() - SHARED_MAX_AGE_DAYS * 86400
    return [p for p in paths if _mtime(p) < oldest]


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return float("inf")  # already gone: nothing to drop
