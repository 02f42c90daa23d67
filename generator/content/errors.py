"""Content problems as one-line, actionable messages (``path:line: what — how to fix``): an error, a draft's
problem that holds back that draft only, or a note (ARCHITECTURE.md, "Checking the content")."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "draft", "note"]
LABELS = {"error": "", "draft": "草稿：", "note": "提示："}


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    hint: str = ""
    severity: Severity = "error"
    #: the entry of the wording table (messages.MESSAGES) the message came from, e.g. "kpi.weights"
    code: str = field(default="", compare=False)
    #: where in the file: the YAML location of the value it is about, e.g. ("kpis", "items", 0, "weight")
    loc: tuple = field(default=(), compare=False)

    @property
    def is_note(self) -> bool:
        return self.severity == "note"

    @property
    def blocks(self) -> bool:
        """An error stops the build; a draft's problem holds back that draft only; a note stops nothing."""
        return self.severity == "error"

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}: {LABELS[self.severity]}{self.message}"
        return f"{text} — {self.hint}" if self.hint else text


def split(problems: list[Problem], strict: bool = False) -> tuple[list[Problem], list[Problem]]:
    """(what blocks, the rest), each sorted and without repeats; ``strict``: drafts' problems block too."""
    unique = sorted(set(problems))
    blocking = [p for p in unique if p.blocks or strict and p.severity == "draft"]
    return blocking, [p for p in unique if p not in blocking]


class ContentError(Exception):
    """Raised once, after loading, when anything blocks (notes and drafts' problems alone never raise)."""

    def __init__(self, problems: list[Problem], notes: list[Problem] | None = None):
        self.problems = sorted(set(problems))
        self.notes = sorted(set(notes or []) - set(self.problems))
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
