"""Which downloadable documents a handbook has: one per output of the registry and subject.

Kept apart from how documents look (the renderers) and from how they are
scheduled (``generator.produce``): this module only names files. What exists
is decided by :mod:`generator.outputs`; nothing here lists outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import outputs
from .model import Handbook


@dataclass(frozen=True)
class Document:
    kind: str
    id: str
    format: str
    title: str

    @property
    def output(self) -> outputs.Output:
        return outputs.get(self.kind, self.format)

    @property
    def path(self) -> str:
        """Location relative to the site root, e.g. downloads/job-descriptions/market-manager.pdf."""
        return self.output.file(self.id)


def plan(hb: Handbook) -> list[Document]:
    """Every document, grouped by output in registration order."""
    docs: list[Document] = []
    for output in outputs.all_outputs():
        for subject in output.subjects_of(hb):
            docs.append(Document(output.kind, output.subject_id(subject), output.format, output.title(subject)))
    return docs


def subject(hb: Handbook, doc: Document) -> Any:
    return next(s for s in doc.output.subjects_of(hb) if doc.output.subject_id(s) == doc.id)


def view(hb: Handbook, doc: Document) -> Any:
    """What the renderer receives besides the subject (its fingerprint is the document's key)."""
    return doc.output.view(hb, subject(hb, doc))


def render(hb: Handbook, doc: Document) -> bytes:
    item = subject(hb, doc)
    return doc.output.render(doc.output.view(hb, item), item)
