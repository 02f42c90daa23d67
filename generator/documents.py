"""Which downloadable documents a handbook has, and which renderer makes each.

Kept apart from how documents look (the renderers) and from how they are
scheduled (``generator.produce``): this module only names files.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from . import views
from .model import Handbook

DOWNLOADS = "downloads"
FORMATS = ("pdf", "docx")

# (kind, format) → "module:function"; each function takes (handbook, subject) and returns bytes.
RENDERERS: dict[tuple[str, str], str] = {
    ("job-description", "pdf"): "generator.renderers.pdf:job_description",
    ("job-description", "docx"): "generator.renderers.docx:job_description",
    ("form", "pdf"): "generator.renderers.pdf:form",
    ("form", "docx"): "generator.renderers.docx:form",
    ("appraisal", "pdf"): "generator.renderers.pdf:appraisal",
    ("appraisal", "docx"): "generator.renderers.docx:appraisal",
}

FOLDERS = {"job-description": "job-descriptions", "form": "forms", "appraisal": "appraisals"}
KIND_LABELS = {"job-description": "岗位说明书", "form": "空白表单", "appraisal": "绩效考核表", "bundle": "打包下载"}
FORMAT_LABELS = {"pdf": "PDF", "docx": "Word", "zip": "ZIP"}


@dataclass(frozen=True)
class Document:
    kind: str
    id: str
    format: str
    title: str

    @property
    def path(self) -> str:
        """Location relative to the site root, e.g. downloads/job-descriptions/market-manager.pdf."""
        return f"{DOWNLOADS}/{FOLDERS[self.kind]}/{self.id}.{self.format}"


def plan(hb: Handbook) -> list[Document]:
    docs: list[Document] = []
    for role in hb.roles:
        for fmt in FORMATS:
            docs.append(Document("job-description", role.id, fmt, views.jd_title(role)))
    for role in hb.roles:
        if role.kpis is None:  # a draft without KPIs yet has nothing to appraise
            continue
        for fmt in FORMATS:
            docs.append(Document("appraisal", role.id, fmt, views.appraisal_title(role)))
    for form in hb.forms:
        for fmt in FORMATS:
            docs.append(Document("form", form.id, fmt, form.title))
    return docs


def subject(hb: Handbook, doc: Document):
    return hb.form(doc.id) if doc.kind == "form" else hb.role(doc.id)


def renderer(kind: str, fmt: str):
    """The function that renders (kind, format); importing lazily keeps `handbook check` fast."""
    module_name, func_name = RENDERERS[(kind, fmt)].split(":")
    return getattr(importlib.import_module(module_name), func_name)


def render(hb: Handbook, doc: Document) -> bytes:
    return renderer(doc.kind, doc.format)(hb, subject(hb, doc))
