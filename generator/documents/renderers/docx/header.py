"""What a Word file adds to the reference's header: the company's logo and name before ``{手册名称}``, in that
paragraph's own style (an SVG as a PNG, which every Word shows), and a draft's 草稿 line and the watermark Word
itself inserts, anchored in the header so HR's edits are not disturbed (ARCHITECTURE.md, "Word files")."""

from __future__ import annotations

import copy
import io

from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm
from docx.text.paragraph import Paragraph

from ....content import drafts
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
    target = next((p for p in header.paragraphs
                   if placeholder in "".join(t.text or "" for t in p._p.iter(qn("w:t")))), None)
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
    png = logo.data if logo.format == "png" else logo_raster.png_of(logo.data, logo.height_mm, DPI)
    picture = target.add_run()
    inline = picture.add_picture(io.BytesIO(png), width=Cm(logo.width_mm / 10),
                                 height=Cm(logo.height_mm / 10))
    inline._inline.docPr.set("descr", clean(alt))
    for r in [picture._r] + ([styler.run(target, lead)._r] if lead else []):  # before the header's own text
        if first_run is not None:
            first_run.addprevious(r)


def _fits(doc: DocxDocument, styler: Styler, logo: views.HeaderLogo, text: str) -> bool:
    """Would the logo and ``text`` (plus a tab's room) fit on one header line? (pages' widths)"""
    size = styler.style("Header").font.size or styler.style("Normal").font.size
    points = size.pt if size is not None else 10.5
    needed = twips(logo.width_mm / 10) + round((width_em(text) + 2) * points * 20)
    return needed <= text_width(doc)


HEADER_LINE = "草稿 · 未发布，仅供审阅"

_WATERMARK = (
    '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">'
    '<w:rPr><w:noProof/></w:rPr><w:pict>'
    '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
    'path="m@7,l@8,m@5,21600l@6,21600e">'
    '<v:formulas><v:f eqn="sum #0 0 10800"/><v:f eqn="prod #0 2 1"/><v:f eqn="sum 21600 0 @1"/>'
    '<v:f eqn="sum 0 0 @2"/><v:f eqn="sum 21600 0 @3"/><v:f eqn="if @0 @3 0"/><v:f eqn="if @0 21600 @1"/>'
    '<v:f eqn="if @0 0 @2"/><v:f eqn="if @0 @4 21600"/><v:f eqn="mid @5 @6"/><v:f eqn="mid @8 @5"/>'
    '<v:f eqn="mid @7 @8"/><v:f eqn="mid @6 @7"/><v:f eqn="sum @6 0 @5"/></v:formulas>'
    '<v:path textpathok="t" o:connecttype="custom" '
    'o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" o:connectangles="270,180,90,0"/>'
    '<v:textpath on="t" fitshape="t"/><o:lock v:ext="edit" text="t" shapetype="t"/></v:shapetype>'
    '<v:shape id="HandbookDraftWatermark" o:spid="_x0000_s2049" type="#_x0000_t136" '
    'style="position:absolute;margin-left:0;margin-top:0;width:400pt;height:200pt;rotation:315;'
    'z-index:-251657216;mso-position-horizontal:center;mso-position-horizontal-relative:margin;'
    'mso-position-vertical:center;mso-position-vertical-relative:margin" '
    'o:allowincell="f" fillcolor="#c81e1e" stroked="f">'
    '<v:fill opacity="0.15"/>'
    '<v:textpath style="font-family:&quot;Noto Sans CJK SC&quot;;font-size:1pt" string="{text}"/>'
    '</v:shape></w:pict></w:r>'
)


def mark_draft(doc: DocxDocument, styler: Styler, subject) -> None:
    """If ``subject`` is a draft: a header line (after the reference's own header) and the watermark."""
    if not drafts.is_draft(subject):
        return
    paragraph = doc.sections[0].header.add_paragraph()
    styler.set_style(paragraph, "Notice")  # a style the reference has (checked): HR restyles it
    paragraph.add_run(HEADER_LINE)
    paragraph._p.append(parse_xml(_WATERMARK.format(text=drafts.WATERMARK)))


def draft_title(title: str, subject) -> str:
    """The document title, with （草稿） for a draft."""
    return title + drafts.TITLE_SUFFIX if drafts.is_draft(subject) else title
