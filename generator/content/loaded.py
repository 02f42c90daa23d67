"""What the loader found, before it becomes a :class:`~generator.content.model.Handbook`: a file that failed
validation still takes part in the checks that do not depend on its broken fields, so HR sees every problem in
one pass and no file reports problems caused by another. (Apart from the loader: the checks import it.)"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .model import Brand
from .yamlsource import YamlDocument


@dataclass
class Loaded:
    """One file's object with the document it came from; ``broken`` names the top-level fields that failed
    validation, and then ``obj`` is a partial object that checks read only through :meth:`has`."""

    doc: YamlDocument
    obj: Any
    broken: frozenset[str] = frozenset()

    def has(self, *names: str) -> bool:
        """True when every named field validated, so a check may rely on it."""
        return not any(name in self.broken or not hasattr(self.obj, name) for name in names)


@dataclass
class LoadedRoot:
    """Every file of a content root that could be read, by kind (``"role"`` …, see ``model.KINDS``)."""

    site: Loaded | None = None
    items: dict[str, list[Loaded]] = field(default_factory=dict)
    #: per kind, files whose id or names could not be read; references to them are not reported as unknown
    #: (a draft's are: its own problems hold it back, nothing waits for it)
    unreadable: dict[str, set[str]] = field(default_factory=dict)
    #: the files marked ``status: draft`` (as shown in problems): their problems hold back the draft only
    drafts: set[str] = field(default_factory=set)
    #: the content root the files came from (None: files read from elsewhere, e.g. git)
    root: Path | None = None
    #: the logo and colour site.yml names, once checked (crosscheck reads the logo file)
    brand: Brand = field(default_factory=Brand)

    def of_kind(self, kind: str) -> list[Loaded]:
        return self.items.setdefault(kind, [])

    @cached_property
    def committed(self) -> set[str] | None:
        """The files (as shown) of the last git commit of the content root; None outside git. Asked only when
        two files clash, to tell which of them is new (see ``crosscheck.oldest_first``)."""
        if self.root is None:
            return None
        command = ["git", "-C", str(self.root), "ls-tree", "-r", "-z", "--name-only", "HEAD"]
        try:
            listed = subprocess.run(command, capture_output=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            return None
        if listed.returncode != 0:
            return None
        return set(listed.stdout.decode("utf-8", "replace").split("\0")) - {""}

