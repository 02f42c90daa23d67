"""The company's logo and name before ``{手册名称}`` in the Word header, in that paragraph's own style; an SVG
goes in as a PNG, which every Word shows (ARCHITECTURE.md, "Word files")."""

from __future__ import annotations

import copy
import io

from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm
from docx.text.paragraph import Paragraph

from ... import views
from .. import logo_raster
from .pages import width_em
from .styles import HANDBOOK, Styler, clean, text_width, twips

DPI = 300
LOGO_GAP = "\u3000"  # an ideographic space between the company's name and the handbook's


def add_logo(doc: DocxDocument, styler: Styler, logo: views.HeaderLogo | None, company: str | None,
             alt: str, line: str = "") -> None:
    """Put ``logo`` (and ``company``) before ``{手册名称}`` in the header; nothing without a logo. When they and
    ``line`` (the rest of that header line: handbook name, document number) would not fit on one line, they
    take a line of their own above it (same style), so the right-aligned number never wraps under the logo."""
    if logo is None:
        return
    header = doc.sections[0].header
    placeholder = "{" + HANDBOOK + "}"
    target = next((p for p in header.paragraphs if placeholder in "".join(t.text or "" for t in p._p.iter(qn("w:t")))),
                  None)
    if target is None:  # HR removed {手册名称}: the logo leads the header's first paragraph
        target = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
    lead = " " + company + LOGO_GAP if company else " "
    if not _fits(doc, styler, logo, lead + line):
        own = OxmlElement("w:p")
        if target._p.pPr is not None:
            own.append(copy.deepcopy(target._p.pPr))
        target._p.addprevious(own)
        target, lead = Paragraph(own, target._parent), (" " + company if company else "")
    first_run = next(iter(target._p.iter(qn("w:r"))), None)
    picture = target.add_run()
    inline = picture.add_picture(io.BytesIO(_png(logo)), width=Cm(logo.width_mm / 10), height=Cm(logo.height_mm / 10))
    inline._inline.docPr.set("descr", clean(alt))
    runs = [picture._r] + ([styler.run(target, lead)._r] if lead else [])
    for r in runs:  # move them in front of the header's own text, in order
        if first_run is not None:
            first_run.addprevious(r)


def _fits(doc: DocxDocument, styler: Styler, logo: views.HeaderLogo, text: str) -> bool:
    """Would the logo and ``text`` (plus a tab's room) fit on one header line? Estimated with docx_pages' widths."""
    size = styler.style("Header").font.size or styler.style("Normal").font.size
    points = size.pt if size is not None else 10.5
    needed = twips(logo.width_mm / 10) + round((width_em(text) + 2) * points * 20)
    return needed <= text_width(doc)


def _png(logo: views.HeaderLogo) -> bytes:
    return logo.data if logo.format == "png" else logo_raster.png_of(logo.data, logo.height_mm, DPI)
