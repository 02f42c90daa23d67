"""Goldens: the text of one job description in each format, as a reviewer reads it in a diff.

A change to wording, order or numbering shows up as a readable diff of tests/goldens/*.txt. When the change
is intended, rewrite the goldens and commit them with the change:

    UPDATE_GOLDENS=1 .venv/bin/pytest tests/test_goldens.py
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from generator.content import outline
from generator.content.loader import load_handbook
from generator.documents.renderers import docx, pdf

ROOT = Path(__file__).parents[1]
GOLDENS = Path(__file__).parent / "goldens"
ROLE = "planning-manager"


def pdf_text(data: bytes) -> str:
    pages = PdfReader(io.BytesIO(data)).pages
    return "".join(f"--- 第 {n} 页 ---\n{page.extract_text().rstrip()}\n" for n, page in enumerate(pages, start=1))


def _cell_text(tc, table) -> str:
    from docx.table import _Cell

    return " / ".join(p.text for p in _Cell(tc, table).paragraphs if p.text)


class WordNumbers:
    """The label Word shows in front of a numbered paragraph (numFmt, lvlText, startOverride)."""

    def __init__(self, doc):
        root = doc.part.numbering_part.element
        abstract = {a.get(qn("w:abstractNumId")): a for a in root.findall(qn("w:abstractNum"))}
        self.nums = {}
        for num in root.findall(qn("w:num")):
            lvl = abstract[num.find(qn("w:abstractNumId")).get(qn("w:val"))].find(qn("w:lvl"))
            override = num.find(f"{qn('w:lvlOverride')}/{qn('w:startOverride')}")
            start = override if override is not None else lvl.find(qn("w:start"))
            self.nums[num.get(qn("w:numId"))] = (lvl.find(qn("w:numFmt")).get(qn("w:val")),
                                                 lvl.find(qn("w:lvlText")).get(qn("w:val")), int(start.get(qn("w:val"))))
        self.count: dict[str, int] = {}

    def label(self, num_id: str) -> str:
        fmt, text, start = self.nums[num_id]
        n = start + self.count.get(num_id, 0)
        self.count[num_id] = self.count.get(num_id, 0) + 1
        return text.replace("%1", outline.chinese_numeral(n) if fmt == "chineseCounting" else str(n))


def docx_text(data: bytes) -> str:
    """Header, body (paragraphs with their style and list number, tables as | rows |) and footer."""
    doc = Document(io.BytesIO(data))
    section = doc.sections[0]
    numbers = WordNumbers(doc)
    lines = [f"[页眉] {p.text}" for p in section.header.paragraphs]
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            paragraph = Paragraph(child, doc._body)
            style = paragraph.style.name
            num_pr = child.pPr.numPr if child.pPr is not None else None
            label = numbers.label(str(num_pr.numId.val)) + " " if num_pr is not None and num_pr.numId.val else ""
            mark = f"[{style}] " if style != "Normal" else ""
            lines.append(f"{mark}{label}{paragraph.text}".rstrip())
        elif child.tag == qn("w:tbl"):
            table = Table(child, doc._body)
            lines += ["| " + " | ".join(_cell_text(tc, table) for tc in tr.tc_lst) + " |" for tr in child.tr_lst]
    lines += [f"[页脚] {p.text}" for p in section.footer.paragraphs]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def hb():
    return load_handbook(ROOT)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_job_description_text_matches_golden(hb, fmt):
    role = hb.role(ROLE)
    data = (pdf if fmt == "pdf" else docx).job_description(hb, role)
    text = pdf_text(data) if fmt == "pdf" else docx_text(data)
    golden = GOLDENS / f"job-description-{ROLE}.{fmt}.txt"
    if os.environ.get("UPDATE_GOLDENS") == "1":
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"{golden.name} is missing: run UPDATE_GOLDENS=1 .venv/bin/pytest tests/test_goldens.py"
    assert text == golden.read_text(encoding="utf-8"), \
        f"{golden.name} differs; if the change is intended: UPDATE_GOLDENS=1 .venv/bin/pytest tests/test_goldens.py"


@pytest.mark.slow
def test_both_formats_say_the_same_things(hb):
    """Every line of the Word text (labels and style marks aside) is somewhere in the PDF's text."""
    role = hb.role(ROLE)
    squash = lambda s: "".join(s.split())  # noqa: E731 - PDF lines break where the page does
    in_pdf = squash(pdf_text(pdf.job_description(hb, role)))
    for line in docx_text(docx.job_description(hb, role)).splitlines():
        text = line.split("] ", 1)[-1] if line.startswith("[") else line
        if line.startswith("[List Number"):
            text = text.split(" ", 1)[1]  # Word's list number: the PDF prints it as its own box
        for part in text.strip("| ").split(" | "):
            for piece in part.split(" / "):
                assert squash(piece) in in_pdf, piece
