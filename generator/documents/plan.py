"""Which downloadable documents a handbook has: one per output of the registry and subject (only names files:
not how documents look, nor how they are scheduled)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

from ..content.model import Handbook
from . import outputs, views


@dataclass(frozen=True)
class Document:
    kind: str
    id: str
    format: str
    title: str
    filename: str = ""  # the Chinese save-as name, e.g. 大区经理-岗位说明书.pdf (see Output.save_as)
    version: str | None = None  # the subject's version (1.0), None for whole-handbook files
    effective: dt.date | None = None  # the subject's 生效日期, when it has one
    updated: dt.date | None = None  # newest revision or commit (see source_date): the date inside zips

    @property
    def output(self) -> outputs.Output:
        return outputs.get(self.kind, self.format)

    @property
    def path(self) -> str:
        """Location relative to the site root, e.g. downloads/job-descriptions/market-manager.pdf."""
        return self.output.file(self.id)


def source_date() -> dt.date | None:
    """``SOURCE_DATE_EPOCH`` (reproducible-builds.org) as a UTC date; None when unset or not a number."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return dt.datetime.fromtimestamp(int(value), dt.timezone.utc).date() if value.isdigit() else None


def updated(hb: Handbook, subject: Any) -> dt.date | None:
    """When a subject last changed: its newest revision or git commit, else the build's source date; never
    the clock (same content, same zip bytes). ``SOURCE_DATE_EPOCH`` also caps a date (a commit dated after it,
    by a skewed clock, is stamped with it), as reproducible builds expect."""
    source = source_date()
    own = None if isinstance(subject, Handbook) else views.last_updated(hb, subject)
    if own is None:
        return source
    return min(own, source) if source else own


def plan(hb: Handbook) -> list[Document]:
    """Every document, grouped by output in registration order."""
    docs: list[Document] = []
    for output in outputs.all_outputs():
        for subject in output.subjects_of(hb):
            version = None if output.subjects == outputs.HANDBOOK else getattr(subject, "version", None)
            docs.append(Document(output.kind, output.subject_id(subject), output.format, output.title(subject),
                                 output.filename(subject), None if version is None else str(version),
                                 getattr(subject, "effective", None), updated(hb, subject)))
    return docs


def subject(hb: Handbook, doc: Document) -> Any:
    return next(s for s in doc.output.subjects_of(hb) if doc.output.subject_id(s) == doc.id)


def render(hb: Handbook, doc: Document, parts: dict[str, bytes] | None = None) -> bytes:
    """The document's bytes; an assembled document (``Output.parts``) is made from ``parts``."""
    item = subject(hb, doc)
    return doc.output.render(doc.output.view(hb, item), item, parts)


def render_part(hb: Handbook, doc: Document, subject_id: str) -> bytes:
    """One piece of an assembled document: e.g. one role's pages of 全部岗位说明书."""
    part = doc.output.parts
    item = next(s for s in part.subjects_of(hb) if part.subject_id(s) == subject_id)
    return part.render(part.view(hb, item), item)
