"""Where a build keeps what it can reuse: the root's own ``.cache/handbook/``, trimmed by each build, or one
folder shared by many roots (``HANDBOOK_CACHE_DIR``) that loses only entries untouched for
``SHARED_MAX_AGE_DAYS``; :func:`package_digest` keeps a cache from serving what other code made."""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

ENV = "HANDBOOK_CACHE_DIR"
OWN = ".cache/handbook"
SHARED_MAX_AGE_DAYS = 30
PACKAGE = Path(__file__).resolve().parent


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


def digest(paths: Iterable[Path], root: Path) -> str:
    """One hash of files' names (relative to ``root``, so the checkout's place does not matter) and contents."""
    found = hashlib.sha256()
    for path in paths:
        st = path.stat()
        found.update(path.relative_to(root).as_posix().encode() + b"\0" + _file_hash(path, st.st_mtime_ns, st.st_size))
    return found.hexdigest()


def package_digest(package: Path = PACKAGE) -> str:
    """One hash of the tool's own source, every ``.py`` file of the package: in every cache key, so an edit to
    any of the tool's code re-renders and re-compares (no guessing which module an output depends on)."""
    return digest(sorted(package.rglob("*.py")), package)


@lru_cache(maxsize=4096)
def _file_hash(path: Path, mtime_ns: int, size: int) -> bytes:
    """A file's hash, read again only when its modification time or size changes."""
    return hashlib.sha256(path.read_bytes()).digest()


def font_stamps() -> list:
    """Every font file fontconfig offers (path, size, mtime): WeasyPrint may fall back to any of them."""
    try:
        listed = subprocess.run(["fc-list", "-f", "%{file}\n"], capture_output=True, text=True, check=True,
                                timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ["fc-list unavailable"]
    stamps = []
    for name in sorted(set(listed.splitlines()) - {""}):
        real = Path(os.path.realpath(name))
        if real.is_file():
            st = real.stat()
            stamps.append([str(real), st.st_size, st.st_mtime_ns])
    return stamps


def write_atomically(path: Path, data: bytes) -> None:
    """``path`` written whole or not at all: a temporary file beside it, renamed over it."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temp.write_bytes(data)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
