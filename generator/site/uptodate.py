"""`handbook build`'s up-to-date check: a stamp of everything a build reads, kept in the output folder,
compared before the content model, MkDocs or the renderers are imported (ARCHITECTURE.md, The up-to-date
check).

Only this module's light imports stand between the command line and the answer "nothing changed".
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from .. import TOOL_ROOT, cachedir
from ..content.folders import CONTENT_FOLDERS
from . import outdir

STAMP = ".handbook-stamp"
"""Beside the marker (:data:`outdir.MARKER`); written into the new site just before it is swapped in."""
FORMAT = 1
#: the environment a build's bytes depend on (dates of ZIP entries; where the cache lives)
ENVIRONMENT = ("SOURCE_DATE_EPOCH", cachedir.ENV)
#: the tool's folders a build reads besides its package: page, document and preview templates, theme
#: overrides, the iframe-worker shim copied into every site
TOOL_FOLDERS = ("templates", "site_overrides", "vendor/iframe-worker")


def inputs(root: Path, out: Path, *, engine: str, drafts: bool) -> dict[str, str]:
    """What a build of ``root`` into ``out`` reads, one hash per kind of input (cheap: contents hashed, no
    import of the model). Taken before the build, so an edit made while it runs is seen by the next one."""
    root, out = Path(root).resolve(), Path(out).resolve()
    own = [root / folder for folder in CONTENT_FOLDERS] + [root / "site_overrides"]
    return {
        "content": cachedir.digest(_files(own), root),
        "mkdocs.yml": _hash([_file(root / "mkdocs.yml", root), _file(TOOL_ROOT / "mkdocs.yml", TOOL_ROOT)]),
        "tool files": cachedir.digest(_files([TOOL_ROOT / folder for folder in TOOL_FOLDERS]), TOOL_ROOT),
        "package": cachedir.package_digest(),
        "lock": _file(TOOL_ROOT / "requirements.lock", TOOL_ROOT),
        "fonts": _hash(cachedir.font_stamps()),
        "git": _hash(git_state(root)),
        "environment": _hash({name: os.environ.get(name, "") for name in ENVIRONMENT}),
        "options": _hash({"engine": engine, "drafts": drafts, "root": str(root), "out": str(out),
                          "python": sys.version}),
    }


def git_state(root: Path) -> list:
    """What the history read from git depends on besides the content files (hashed already): the repository
    around the root, whether it is shallow, and HEAD. A file is committed or edited since by what HEAD and its
    own bytes say, so a new commit rebuilds and the index (staged or not) does not matter."""
    command = ["git", "-C", str(root), "rev-parse", "--is-inside-work-tree", "--is-shallow-repository",
               "--show-prefix", "HEAD"]
    try:
        done = subprocess.run(command, capture_output=True, timeout=30, check=False,
                              env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    except (OSError, subprocess.SubprocessError) as exc:
        return ["git unavailable", type(exc).__name__]
    return [done.returncode, done.stdout.decode("utf-8", "replace")]


def is_current(out: Path, parts: dict[str, str]) -> dict | None:
    """The stamp of ``out`` when it was built from exactly ``parts`` and is still as that build left it (its
    marker there, no file added, removed or changed); else None."""
    out = Path(out)
    if not (out / outdir.MARKER).is_file():
        return None
    try:
        stamp = json.loads((out / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("format") != FORMAT or stamp.get("inputs") != parts:
        return None
    return stamp if stamp.get("output") == listing(out) else None


def write(site: Path, parts: dict[str, str], pages: int, documents: int) -> None:
    """Stamp a complete site (the staging folder, before it is swapped in) as built from ``parts``."""
    stamp = {"format": FORMAT, "inputs": parts, "output": listing(site), "pages": pages,
             "documents": documents}
    (site / STAMP).write_text(json.dumps(stamp, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def listing(site: Path) -> str:
    """One hash of every file of a site but its stamp: path, size and modification time (a move of the folder
    keeps them; a file edited, added or removed by hand, or another `mkdocs build` into it, changes them)."""
    found = hashlib.sha256()
    for path in sorted(_files([site])):
        if path.name == STAMP and path.parent == site:
            continue
        st = path.stat()
        found.update(f"{path.relative_to(site).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return found.hexdigest()


def _files(folders: list[Path]) -> list[Path]:
    """Every file under ``folders`` (those that exist), sorted, caches of Python left out."""
    files = []
    for folder in folders:
        for top, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            files += [Path(top, name) for name in sorted(names) if os.path.isfile(os.path.join(top, name))]
    return files


def _file(path: Path, base: Path) -> str:
    return cachedir.digest([path], base) if path.is_file() else "missing"


def _hash(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
