"""A draft's Word marks: a 草稿 line in the header and the watermark Word itself inserts, anchored in the
header so HR's edits are not disturbed (ARCHITECTURE.md, "Word files")."""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.oxml import parse_xml

from ....content import drafts
from .styles import Styler

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
