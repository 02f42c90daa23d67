"""Write templates/docx/reference.docx from templates/docx/styles.yml.

    .venv/bin/python scripts/make_reference_docx.py            # rewrite templates/docx/reference.docx
    .venv/bin/python scripts/make_reference_docx.py --out x.docx

reference.docx is the Word template every generated Word file starts from (pandoc's ``--reference-doc``
idea): its styles, A4 page, margins, header and footer. The renderer reads only reference.docx, so it can
also be restyled in Word or LibreOffice and committed as is; this script is the way to rebuild it from the
settings in styles.yml (it overwrites hand edits of reference.docx).

What it fixes in python-docx's default template: Chinese fonts in docDefaults and 正文 (Normal) with no theme
fonts anywhere (Word would otherwise keep its theme's Japanese/Latin fonts), zh-CN as East Asian language
(LibreOffice then picks Simplified Chinese glyphs), A4 instead of US Letter, and a header and footer with
placeholders ({手册名称} {文件编号} {页脚}) and PAGE / NUMPAGES fields. Same settings, same bytes.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, Twips
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator.content.errors import ContentError  # noqa: E402
from generator.documents.renderers.docx import styles as docx_styles  # noqa: E402
from generator.documents.renderers.docx.settings import STYLES_FILE, TEMPLATES, ReferenceStyles, read  # noqa: E402

THEME_ATTRS = tuple(qn(f"w:{name}") for name in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"))
THEME_COLOUR_ATTRS = tuple(qn(f"w:{name}") for name in ("themeColor", "themeShade", "themeTint"))
HEADING_STYLES = ("Title", "Heading 1", "Heading 2", "Heading 3")
KEEP_TABLE_STYLES = ("Normal Table", "Table Grid")

# Parts of python-docx's default template that only carry its own leftovers: a second copy of the
# styles (with theme fonts), a thumbnail of an empty page and a bibliography stub.
DROPPED_RELS = (
    "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml",
)


def twips(cm: float) -> int:
    return round(cm / 2.54 * 1440)


def set_fonts(rpr, east_asian: str, latin: str) -> None:
    fonts = rpr.get_or_add_rFonts()
    for attr in THEME_ATTRS:
        fonts.attrib.pop(attr, None)
    for attr, value in (("ascii", latin), ("hAnsi", latin), ("cs", latin), ("eastAsia", east_asian)):
        fonts.set(qn(f"w:{attr}"), value)


def set_colour(rpr, hex_rgb: str) -> None:
    rpr.get_or_add_color().set(qn("w:val"), hex_rgb)
    colour = rpr.find(qn("w:color"))
    for attr in THEME_COLOUR_ATTRS:
        colour.attrib.pop(attr, None)


def drop_theme_fonts(root) -> None:
    """No theme font anywhere: a style without fonts of its own inherits 正文's (or docDefaults')."""
    for fonts in list(root.iter(qn("w:rFonts"))):
        for attr in THEME_ATTRS:
            fonts.attrib.pop(attr, None)
        if not fonts.attrib:
            fonts.getparent().remove(fonts)


def doc_defaults(doc: DocxDocument, cfg: ReferenceStyles) -> None:
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, cfg.fonts.east_asian, cfg.fonts.latin)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), cfg.language.latin)
    lang.set(qn("w:eastAsia"), cfg.language.east_asian)
    # docDefaults spacing (after=10pt, 1.15 lines) is for English letters; 正文 sets its own.
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    if spacing is not None:
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), "240")


def settings_part(doc: DocxDocument, cfg: ReferenceStyles) -> None:
    element = doc.settings.element
    lang = element.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:val"), cfg.language.latin)
        lang.set(qn("w:eastAsia"), cfg.language.east_asian)
    tab = element.find(qn("w:defaultTabStop"))
    if tab is not None:
        tab.set(qn("w:val"), "420")  # two Chinese characters, not Word's ½ inch
    for tag in ("w:rsids",):  # editing-session ids: noise in a template
        for el in element.findall(qn(tag)):
            element.remove(el)


def font_table(doc: DocxDocument, cfg: ReferenceStyles) -> None:
    """Name the configured fonts in fontTable.xml instead of the template's Japanese ones (ＭＳ 明朝 …),
    with charset 86 (GB2312) on the Chinese font so Word treats it as Simplified Chinese."""
    part = doc.part.part_related_by(RT.FONT_TABLE)
    root = etree.fromstring(part.blob)
    for font in root.findall(qn("w:font")):
        if font.get(qn("w:name")) != "Symbol":  # Symbol: bullets of the template's list styles
            root.remove(font)
    fonts = cfg.fonts
    chinese = {fonts.east_asian, fonts.heading_east_asian} - {""}
    for name in dict.fromkeys(filter(None, (fonts.latin, fonts.heading_latin, *sorted(chinese)))):
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        etree.SubElement(font, qn("w:charset")).set(qn("w:val"), "86" if name in chinese else "00")
        etree.SubElement(font, qn("w:family")).set(qn("w:val"), "swiss")
        etree.SubElement(font, qn("w:pitch")).set(qn("w:val"), "variable")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def paragraph_style(doc: DocxDocument, name: str, spec, cfg: ReferenceStyles) -> None:
    try:
        style = doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        style.quick_style = True
    rpr = style.element.get_or_add_rPr()
    fonts = cfg.fonts
    if name == "Normal":
        set_fonts(rpr, fonts.east_asian, fonts.latin)
    elif name in HEADING_STYLES and (fonts.heading_east_asian or fonts.heading_latin):
        set_fonts(rpr, fonts.heading_east_asian or fonts.east_asian, fonts.heading_latin or fonts.latin)
    if spec.size is not None:
        style.font.size = Pt(spec.size)
        szcs = rpr.find(qn("w:szCs"))
        if szcs is not None:
            szcs.set(qn("w:val"), str(round(spec.size * 2)))
    if spec.bold is not None:
        style.font.bold = spec.bold
    if spec.color:
        set_colour(rpr, spec.color)
    fmt = style.paragraph_format
    if spec.space_before is not None:
        fmt.space_before = Pt(spec.space_before)
    if spec.space_after is not None:
        fmt.space_after = Pt(spec.space_after)
    if spec.line_spacing is not None:
        fmt.line_spacing = spec.line_spacing
    if spec.align:
        fmt.alignment = getattr(WD_ALIGN_PARAGRAPH, spec.align.upper())
    if spec.indent_cm is not None:
        fmt.left_indent = Twips(twips(spec.indent_cm))
    if spec.hanging_cm is not None:
        fmt.first_line_indent = Twips(-twips(spec.hanging_cm))
    if spec.border_color is not None:
        ppr = style.element.get_or_add_pPr()
        border = ppr.find(qn("w:pBdr"))
        if border is not None and not spec.border_color:
            ppr.remove(border)
        elif border is not None:
            for edge in border:
                edge.set(qn("w:color"), spec.border_color)
                for attr in THEME_COLOUR_ATTRS:
                    edge.attrib.pop(attr, None)


def character_style(doc: DocxDocument, name: str, spec) -> None:
    try:
        style = doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
    rpr = style.element.get_or_add_rPr()
    if spec.east_asian_hint:
        # Only the hint, no font names: the box follows 正文's Chinese font when HR changes it.
        rpr.get_or_add_rFonts().set(qn("w:hint"), "eastAsia")
    if spec.bold is not None:
        style.font.bold = spec.bold
    if spec.color:
        set_colour(rpr, spec.color)
    if spec.size is not None:
        style.font.size = Pt(spec.size)


def set_tabs(style, positions: list[tuple[str, int]]) -> None:
    ppr = style.element.get_or_add_pPr()
    old = ppr.find(qn("w:tabs"))
    if old is not None:
        ppr.remove(old)
    tabs = ppr.get_or_add_tabs()
    for kind, pos in positions:
        tab = OxmlElement("w:tab")
        tab.set(qn("w:val"), kind)
        tab.set(qn("w:pos"), str(pos))
        tabs.append(tab)


def page(doc: DocxDocument, cfg: ReferenceStyles) -> int:
    """A4 and margins; returns the text width in twips."""
    p = cfg.page
    section = doc.sections[0]
    section.page_width, section.page_height = Twips(twips(p.width_cm)), Twips(twips(p.height_cm))
    section.top_margin, section.bottom_margin = Twips(twips(p.margin_top_cm)), Twips(twips(p.margin_bottom_cm))
    section.left_margin, section.right_margin = Twips(twips(p.margin_left_cm)), Twips(twips(p.margin_right_cm))
    section.header_distance = Twips(twips(p.header_distance_cm))
    section.footer_distance = Twips(twips(p.footer_distance_cm))
    for attr in ("rsidR", "rsidRPr", "rsidSect"):
        section._sectPr.attrib.pop(qn(f"w:{attr}"), None)
    return twips(p.width_cm) - twips(p.margin_left_cm) - twips(p.margin_right_cm)


def _run(paragraph, text: str = ""):
    """A plain run (no formatting: the paragraph's style decides); a tab character becomes w:tab."""
    r = OxmlElement("w:r")
    paragraph._p.append(r)
    for i, part in enumerate(text.split("\t")):
        if i:
            r.append(OxmlElement("w:tab"))
        if part:
            t = OxmlElement("w:t")
            t.set(qn("xml:space"), "preserve")
            t.text = part
            r.append(t)
    return r


def _field(paragraph, instruction: str) -> None:
    """fldChar begin / instrText / separate / cached result / end: the renderer stores the result."""
    for kind in ("begin", "instr", "separate", "result", "end"):
        if kind == "result":
            _run(paragraph, "1")
            continue
        r = _run(paragraph)
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {instruction} "
            r.append(instr)
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            r.append(char)


def header_footer(doc: DocxDocument, width: int) -> None:
    """Header: {手册名称} left, {文件编号} right. Footer: {页脚} left, 第 PAGE 页 / 共 NUMPAGES 页 right."""
    for name in ("Header", "Footer"):
        set_tabs(doc.styles[name], [("right", width)])
    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.style = doc.styles["Header"]
    _run(header, "{手册名称}")
    _run(header, "\t")
    _run(header, "{文件编号}")
    footer = section.footer.paragraphs[0]
    footer.style = doc.styles["Footer"]
    _run(footer, "{页脚}")
    _run(footer, "\t第 ")
    _field(footer, "PAGE")
    _run(footer, " 页 / 共 ")
    _field(footer, "NUMPAGES")
    _run(footer, " 页")


# What HR sees on opening reference.docx: one sample of each style. The renderer drops the body.
SAMPLE = (
    ("Title", "样式示例"),
    ("Normal", "本文件是手册所有 Word 文件（岗位说明书、绩效考核表、空白表单）的模板，本页的文字不会出现在生成的"
               "文件中。修改样式（开始 → 样式 → 右键 → 修改…），保存本文件，重新生成手册，所有文件随之改变。"
               "页眉、页脚中带花括号的占位符由生成器填写，可以移动，不要改名。"),
    ("Heading 1", "标题 1（Heading 1）：岗位基本信息"),
    ("Heading 2", "标题 2（Heading 2）：一、总则"),
    ("Heading 3", "标题 3（Heading 3）：1. 市场调研"),
    ("List Number", "List Number：岗位职责，一条一段。"),
    ("List Number 2", "List Number 2：分组内的职责。"),
    ("List Number 3", "List Number 3：再下一层的职责。"),
    ("Notice", "Notice：以下绩效考核指标为拟定稿，待人力资源部确认。"),
)


def sample_body(doc: DocxDocument) -> None:
    for style, text in SAMPLE:
        doc.add_paragraph(text, style=doc.styles[style])
    table = doc.add_table(rows=2, cols=2)
    table.style = doc.styles["Table Grid"]
    for cell, (style, text) in zip(table.rows[0].cells, (("Table Heading", "Table Heading：指标"),
                                                         ("Table Heading", "Table Heading：目标值"))):
        cell.paragraphs[0].style = doc.styles[style]
        cell.paragraphs[0].add_run(text)
    name, target = table.rows[1].cells
    name.paragraphs[0].style = doc.styles["Table Text"]
    name.paragraphs[0].add_run("Table Text：回款率")
    name.add_paragraph("Table Note：考核职责：1. 3.", style=doc.styles["Table Note"])
    target.paragraphs[0].style = doc.styles["Table Text"]
    target.paragraphs[0].add_run("□", style=doc.styles["Check Box"])
    target.paragraphs[0].add_run(" 是　")
    target.paragraphs[0].add_run("（Form Hint：填写提示）", style=doc.styles["Form Hint"])


def build(cfg: ReferenceStyles) -> bytes:
    doc = Document()
    for rels in (doc.part.rels, doc.part.package.rels):
        for rid in [rid for rid, rel in rels.items() if rel.reltype in DROPPED_RELS]:
            del rels[rid]
    root = doc.styles.element
    for style in root.findall(qn("w:style")):  # 98 unused table styles: 340 KB parsed on every render
        if style.get(qn("w:type")) == "table" and style.find(qn("w:name")).get(qn("w:val")) not in KEEP_TABLE_STYLES:
            root.remove(style)
    drop_theme_fonts(root)
    doc_defaults(doc, cfg)
    settings_part(doc, cfg)
    font_table(doc, cfg)
    for name, spec in cfg.styles.items():
        paragraph_style(doc, name, spec, cfg)
    for name, spec in cfg.character_styles.items():
        character_style(doc, name, spec)
    width = page(doc, cfg)
    header_footer(doc, width)
    body = doc.element.body
    for child in list(body):  # the template's empty paragraph
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    sample_body(doc)
    props = doc.core_properties
    props.title = props.subject = props.keywords = props.comments = ""
    props.author = props.last_modified_by = ""
    props.revision = 1
    for tag in ("dcterms:created", "dcterms:modified", "cp:lastPrinted"):
        for el in props._element.findall(qn(tag)):
            props._element.remove(el)
    buffer = io.BytesIO()
    doc.save(buffer)
    return docx_styles.normalise_zip(buffer.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--styles", type=Path, default=STYLES_FILE, help="settings to read (styles.yml)")
    parser.add_argument("--out", type=Path, default=TEMPLATES / "reference.docx", help="file to write")
    args = parser.parse_args(argv)
    try:
        cfg = read(args.styles, ReferenceStyles)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    data = build(cfg)
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
