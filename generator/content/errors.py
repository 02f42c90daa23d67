"""Content problems as one-line, actionable messages.

Every check in the loader reports a :class:`Problem` instead of raising at the
first mistake, so HR sees all of them in one run: ``path:line: what — how to fix``.
A problem is an *error* (nothing is built) or a *note* (worth HR's attention, e.g. a
duty no KPI measures or a draft still missing its KPIs, but the build goes on).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "note"]


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    hint: str = ""
    severity: Severity = "error"

    @property
    def is_note(self) -> bool:
        return self.severity == "note"

    def __str__(self) -> str:
        label = "note: " if self.is_note else ""
        text = f"{self.path}:{self.line}: {label}{self.message}"
        return f"{text} — {self.hint}" if self.hint else text


def note(path: str, line: int, message: str, hint: str = "") -> Problem:
    return Problem(path, line, message, hint, "note")


def split(problems: list[Problem]) -> tuple[list[Problem], list[Problem]]:
    """(errors, notes), each sorted and without repeats."""
    unique = sorted(set(problems))
    return [p for p in unique if not p.is_note], [p for p in unique if p.is_note]


class ContentError(Exception):
    """Raised once, after loading, when any error was found (notes alone never raise)."""

    def __init__(self, problems: list[Problem], notes: list[Problem] | None = None):
        self.problems, found_notes = split(problems)
        self.notes = sorted(set(found_notes) | set(notes or []))
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):
        # Raised in a worker process (e.g. a mistake in templates/docx/layout.yml), it must arrive whole.
        return (type(self), (self.problems, self.notes))


def display_path(path: Path, root: Path) -> str:
    """Paths relative to the content root, as HR sees them in their editor."""
    # The file itself is not resolved: a symbolic link is shown where it lies, not where it points.
    for base in (root.absolute(), root.resolve()):
        for shown in (path.absolute(), path.parent.resolve() / path.name):
            if shown.is_relative_to(base):
                return shown.relative_to(base).as_posix()
    return path.as_posix()
