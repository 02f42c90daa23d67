"""A save is checked exactly as ``handbook check`` checks the content root, before anything is written.

The candidate file is loaded with the rest of the content from a *mirror* of the root (a private
folder holding a copy of every content file, kept in step by size and modification time), so the
real root is never touched by a save that would not pass. Copies keep their modification times, so the
loader's per-file memo (``loader.remember_parsed``, on while serving) re-reads only the files that
changed: checking a save costs about one file's parsing plus the cross-checks, not a whole load.

Each problem is placed at the form field it is about: its location in the file (``kpis.items.0.weight``),
or, for a problem without one, its line (the candidate's YAML reader knows the line of every key and
item). Messages are the loader's own, unchanged.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from ..content.errors import ContentError, Problem
from ..content.loader import CONTENT_FOLDERS, load_handbook
from ..content.yamlsource import load_yaml


@dataclass(frozen=True)
class Found:
    """One problem as the form shows it: the field it is about ("" = the file or another file)."""

    field: str
    message: str  # the loader's message and hint, as `handbook check` prints them after `path:line: `
    path: str
    line: int
    severity: str

    def as_json(self) -> dict:
        return {"field": self.field, "message": self.message, "path": self.path, "line": self.line,
                "severity": self.severity}


class Mirror:
    """A private copy of a content root's files, for loading a candidate file with everything else."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.path = Path(tempfile.mkdtemp(prefix="handbook-editor-"))
        self._lock = threading.Lock()

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def problems(self, rel: str | None = None, data: bytes | None = None) -> tuple[list[Problem], list[Problem]]:
        """(errors, notes) of the root with file ``rel`` holding ``data`` (None: as it is on disk)."""
        with self._lock:
            self._sync()
            if rel is not None and data is not None:
                target = self.path / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            notes: list[Problem] = []
            try:
                load_handbook(self.path, notes)
            except ContentError as exc:
                return list(exc.problems), list(exc.notes)
            return [], notes

    def _sync(self) -> None:
        wanted: dict[str, os.stat_result] = {}
        for folder in CONTENT_FOLDERS:
            base = self.root / folder
            if not base.is_dir():
                continue
            for path in base.rglob("*"):
                if path.is_file() and not path.is_symlink():
                    wanted[path.relative_to(self.root).as_posix()] = path.stat()
        for folder in CONTENT_FOLDERS:
            for path in sorted((self.path / folder).rglob("*"), reverse=True) if (self.path / folder).is_dir() else []:
                rel = path.relative_to(self.path).as_posix()
                if path.is_file() and rel not in wanted:
                    path.unlink()
        for rel, stat in wanted.items():
            copy = self.path / rel
            try:
                mine = copy.stat()
            except FileNotFoundError:
                mine = None
            if mine is None or (mine.st_mtime_ns, mine.st_size) != (stat.st_mtime_ns, stat.st_size):
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(self.root / rel, copy)


def blocking(rel: str, errors: list[Problem], before: list[Problem]) -> list[Problem]:
    """The errors that stop a save of ``rel``: its own, and those it adds elsewhere (others' old ones do not)."""
    known = {(p.path, p.message) for p in before}
    return [p for p in errors if p.path == rel or (p.path, p.message) not in known]


def place(rel: str, text: bytes, problems: list[Problem]) -> list[Found]:
    """Each problem at its field of the file ``rel`` (whose candidate bytes are ``text``); others at "".

    The field is the problem's own location in the file (``Problem.loc``); a problem without one (a
    syntax mistake, say) is placed by its line: the deepest key on that line."""
    doc, _ = load_yaml(Path(rel), rel, text)
    by_line: dict[int, tuple] = {}
    for loc, line in (doc.lines.items() if doc is not None else ()):
        if len(loc) >= len(by_line.get(line, ())) and not (loc and loc[-1] == "id" and line in by_line):
            by_line[line] = loc
    found = []
    for p in problems:
        shown = str(p)
        message = shown.removeprefix(f"{p.path}:{p.line}: ")  # the rest of the line `handbook check` prints
        loc = tuple(p.loc or by_line.get(p.line, ()))
        if loc and loc[-1] == "id":  # `- id: x` is the item: its id is hidden in the form
            loc = loc[:-1]
        field = ".".join(map(str, loc)) if p.path == rel else ""
        found.append(Found(field, message if p.path == rel else shown, p.path, p.line, p.severity))
    return found
