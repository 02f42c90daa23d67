"""Property: any text HR types comes out as that literal text — on the site, in the PDF, in the DOCX.

Hypothesis draws strings full of Markdown, HTML, Jinja and CSS punctuation mixed with
Chinese, puts them into the text fields of a valid role and reads the role's page as a browser shows it.
Word and PDF render every string the same way (escaped template text, python-docx text), so one role
carrying all of the dangerous pieces at once is rendered once in each.
"""

from __future__ import annotations

import io
import re
import unicodedata
from html.parser import HTMLParser

import pytest
from helpers import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.content.loader import load_handbook
from generator.content.model import Duty
from generator.documents.plan import plan
from generator.documents.renderers import docx as docx_renderer
from generator.documents.renderers import pdf as pdf_renderer
from generator.site.pages import pages

# Characters the one PDF font (Noto Sans CJK SC) covers, weighted towards the dangerous ones.
SYNTAX = list("<>&\"'`*_[](){}#!|~^=:;\\/-+.%$@ ") + ["{{", "}}", "{%", "%}", "<script>", "</", "javascript:",
                                                       "](", "{:", "!!!", "???", "\n", "\t", "&amp;", "&#60;"]
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
PUNCT = st.sampled_from(list("，。、；：？！“”（）《》【】—…"))
ASCII = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
piece = st.one_of(st.sampled_from(SYNTAX), CJK, PUNCT, ASCII)
TEXT = st.lists(piece, min_size=1, max_size=30).map("".join).filter(lambda s: s.strip())


def squash(text: str) -> str:
    """Compare without whitespace: renderers wrap, collapse and indent as their format requires."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"

    def handle_data(self, data):
        self.parts.append(data)


@pytest.fixture(scope="module")
def hb():
    return load_handbook(REPO)


@pytest.fixture(scope="module")
def markdown_to_html():
    """Python-Markdown with exactly the site's extensions and their settings from mkdocs.yml."""
    import markdown
    from mkdocs.config import load_config

    cfg = load_config(config_file=str(REPO / "mkdocs.yml"))
    return lambda text: markdown.Markdown(extensions=cfg.markdown_extensions,
                                          extension_configs=cfg.mdx_configs).convert(text)


class _Size:
    def __init__(self, doc):
        self.doc, self.size = doc, 1024


def with_text(hb, purpose: str, duty: str, kpi_name: str, target: str):
    """The bundled handbook with these four texts typed into 市场部经理's purpose, first duty, first KPI."""
    role = hb.role("market-manager")
    kpi = role.kpis.items[0].model_copy(update={"name": kpi_name, "target": target})
    duties = [Duty(id="team-management", text=duty), *role.duties[1:]]
    role = role.model_copy(update={
        "purpose": purpose, "duties": duties,
        "kpis": role.kpis.model_copy(update={"items": [kpi, *role.kpis.items[1:]]}),
    })
    return hb.model_copy(update={"roles": [role if r.id == role.id else r for r in hb.roles]}), role


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(purpose=TEXT, duty=TEXT, kpi_name=TEXT, target=TEXT)
def test_any_text_survives_the_site_literally(hb, markdown_to_html, purpose, duty, kpi_name, target):
    """The site: Markdown → HTML with the real extensions, then the text a reader sees."""
    changed, _ = with_text(hb, purpose, duty, kpi_name, target)
    page = pages(changed, [_Size(d) for d in plan(changed)])["roles/market-manager.md"]
    parser = _Text()
    parser.feed(markdown_to_html(page))
    seen = squash("".join(parser.parts))
    assert parser.scripts == 0
    for value in (purpose, duty, kpi_name, target):
        assert squash(value) in seen


# Every dangerous piece of the strategy above, in each of the four fields: one render per format is enough
# for Word and PDF, whose templates escape (PDF) or write text (Word) the same way for every string.
HOSTILE = "".join(SYNTAX).replace("\n", " ").replace("\t", " ") + "大客户经理（KPI）"


@pytest.mark.slow
def test_hostile_text_survives_pdf_and_word_literally(hb):
    fields = [f"目的{HOSTILE}", f"职责{HOSTILE}", f"指标{HOSTILE}", f"目标{HOSTILE}"]
    changed, role = with_text(hb, *fields)

    # the PDF: fields printed as running text (table cells wrap and interleave when extracted)
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf_renderer.job_description(changed, role)))
    pdf_text = squash("".join(page.extract_text() for page in reader.pages))
    for value in fields[:2]:
        assert squash(value) in pdf_text

    # the DOCX: every field, paragraphs and table cells as HR will see them in Word
    from docx import Document

    document = Document(io.BytesIO(docx_renderer.job_description(changed, role)))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    docx_text = squash("".join(p.text for p in document.paragraphs) + "".join(cells))
    for value in fields:
        assert squash(value) in docx_text
