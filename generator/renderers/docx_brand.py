"""The company's logo and name at the start of the Word page header (content/site.yml: ``logo``, ``company``).

Where they go is reference.docx's: the header paragraph that holds ``{手册名称}`` gets the picture and
the company's name in front of it, in that paragraph's own style (页眉), so restyling the header in
Word restyles them too; how big is ``templates/docx/layout.yml``'s ``header:``. Without a logo nothing
changes: the header is reference.docx's, byte for byte.

An SVG logo goes in as a PNG drawn from it at 300 dpi of its printed size (:mod:`.logo_raster`):
every Word, WPS and LibreOffice shows a PNG, not all show SVG.
"""

from __future__ import annotations

import io

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Cm
from docx.text.paragraph import Paragraph

from .. import views
from . import logo_raster
from .docx_styles import HANDBOOK, Styler, clean

DPI = 300
LOGO_GAP = "\u3000"  # an ideographic space between the company's name and the handbook's


def add_logo(doc: DocxDocument, styler: Styler, logo: views.HeaderLogo | None, company: str | None,
             alt: str) -> None:
    """Put ``logo`` (and ``company``) before ``{手册名称}`` in the header; nothing without a logo."""
    if logo is None:
        return
    header = doc.sections[0].header
    placeholder = "{" + HANDBOOK + "}"
    target = next((p for p in header.paragraphs if placeholder in "".join(t.text or "" for t in p._p.iter(qn("w:t")))),
                  None)
    if target is None:  # HR removed {手册名称}: the logo leads the header's first paragraph
        target = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
    first_run = next(iter(target._p.iter(qn("w:r"))), None)
    runs = []
    picture = target.add_run()
    inline = picture.add_picture(io.BytesIO(_png(logo)), width=Cm(logo.width_mm / 10), height=Cm(logo.height_mm / 10))
    inline._inline.docPr.set("descr", clean(alt))
    runs.append(picture._r)
    if company:
        runs.append(styler.run(target, " " + company + LOGO_GAP)._r)
    else:
        runs.append(styler.run(target, " ")._r)
    for r in runs:  # move them in front of the header's own text, in order
        if first_run is not None:
            first_run.addprevious(r)


def _png(logo: views.HeaderLogo) -> bytes:
    return logo.data if logo.format == "png" else logo_raster.png_of(logo.data, logo.height_mm, DPI)
