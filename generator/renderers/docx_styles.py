"""Word plumbing for :mod:`generator.renderers.docx`: settings, styles, fonts, page, fields, packaging.

Everything that decides how a .docx *looks* is read from ``templates/docx/styles.yml``. The base
document (python-docx's default template with fonts, styles, A4 page and language fixed) is built
once per process and reloaded from memory for each render.

Facts this module relies on (measured, see the project's field notes):

* ``font.name`` does not change Chinese text: ``w:rFonts/@w:eastAsia`` must be set on docDefaults,
  styles and runs, and the theme attributes (``w:asciiTheme`` …) removed, or Word keeps theme fonts.
* python-docx's default section is US Letter; page numbers need real fields; zip entries carry the
  current time, so the package is rewritten with fixed timestamps for byte-identical output.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, Twips
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

STYLES_FILE = Path(__file__).resolve().parents[2] / "templates" / "docx" / "styles.yml"

THEME_ATTRS = tuple(qn(f"w:{name}") for name in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"))
THEME_COLOUR_ATTRS = tuple(qn(f"w:{name}") for name in ("themeColor", "themeShade", "themeTint"))
HEADING_STYLES = ("Title", "Heading 1", "Heading 2", "Heading 3")
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# Characters XML 1.0 cannot hold (lxml refuses them): C0 controls except tab/newline/CR, DEL,
# lone surrogates and the two non-characters.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

# Parts of python-docx's default template that only carry its own leftovers: a second copy of the
# styles (with theme fonts), a thumbnail of an empty page and a bibliography stub.
_DROPPED_RELS = (
    "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml",
)


def clean(text: Any) -> str:
    """Untrusted text made safe for XML; python-docx escapes <, > and & itself."""
    return _INVALID_XML.sub("", str(text))


def twips(cm: float) -> int:
    return round(cm / 2.54 * 1440)


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True, eq=False)  # hashed by identity: one cached instance per file version
class Settings:
    raw: dict

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    @property
    def text_width(self) -> int:
        """Printable width of the page in twips."""
        page = self.raw["page"]
        return twips(page["width_cm"]) - twips(page["margin_left_cm"]) - twips(page["margin_right_cm"])

    def fonts_for(self, style: str) -> tuple[str, str]:
        """(east Asian, Latin) fonts for runs in paragraphs of ``style``."""
        fonts = self.raw["fonts"]
        if style in HEADING_STYLES:
            return fonts["heading_east_asian"], fonts["heading_latin"]
        return fonts["east_asian"], fonts["latin"]


def settings() -> Settings:
    stat = STYLES_FILE.stat()
    return _settings(str(STYLES_FILE), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _settings(path: str, mtime: int, size: int) -> Settings:
    with open(path, encoding="utf-8") as fh:
        return Settings(yaml.safe_load(fh))


# --------------------------------------------------------------------------- fonts and styles


def set_fonts(rpr, east_asian: str, latin: str) -> None:
    """Explicit fonts on a w:rPr; theme attributes removed so they cannot win."""
    fonts = rpr.get_or_add_rFonts()
    for attr in THEME_ATTRS:
        fonts.attrib.pop(attr, None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def _scrub_theme_fonts(root, cfg: Settings) -> None:
    """Replace every theme font reference under ``root`` with the configured fonts."""
    for fonts in root.iter(qn("w:rFonts")):
        theme = fonts.get(qn("w:asciiTheme")) or fonts.get(qn("w:eastAsiaTheme")) or ""
        if not any(attr in fonts.attrib for attr in THEME_ATTRS):
            continue
        for attr in THEME_ATTRS:
            fonts.attrib.pop(attr, None)
        key = "heading_" if theme.startswith("major") else ""
        latin, east = cfg["fonts"][key + "latin"], cfg["fonts"][key + "east_asian"]
        for attr, value in (("ascii", latin), ("hAnsi", latin), ("cs", latin), ("eastAsia", east)):
            fonts.set(qn(f"w:{attr}"), value)


def _set_colour(rpr, hex_rgb: str) -> None:
    rpr.get_or_add_color().set(qn("w:val"), hex_rgb)
    colour = rpr.find(qn("w:color"))
    for attr in THEME_COLOUR_ATTRS:
        colour.attrib.pop(attr, None)


def _apply_style(doc: DocxDocument, name: str, spec: dict, cfg: Settings) -> None:
    try:
        style = doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        style.quick_style = True
    rpr = style.element.get_or_add_rPr()
    set_fonts(rpr, *cfg.fonts_for(name))
    font = style.font
    if "size" in spec:
        font.size = Pt(spec["size"])
    if "bold" in spec:
        font.bold = spec["bold"]
    if spec.get("color"):
        _set_colour(rpr, spec["color"])
    fmt = style.paragraph_format
    if "space_before" in spec:
        fmt.space_before = Pt(spec["space_before"])
    if "space_after" in spec:
        fmt.space_after = Pt(spec["space_after"])
    if "line_spacing" in spec:
        fmt.line_spacing = spec["line_spacing"]
    if "align" in spec:
        fmt.alignment = getattr(WD_ALIGN_PARAGRAPH, spec["align"].upper())
    if "border_color" in spec:
        ppr = style.element.get_or_add_pPr()
        border = ppr.find(qn("w:pBdr"))
        if border is not None and not spec["border_color"]:
            ppr.remove(border)
        elif border is not None:
            for edge in border:
                edge.set(qn("w:color"), spec["border_color"])
                for attr in THEME_COLOUR_ATTRS:
                    edge.attrib.pop(attr, None)


def _set_tabs(style, positions: list[tuple[str, int]]) -> None:
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


def _doc_defaults(doc: DocxDocument, cfg: Settings) -> None:
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, cfg["fonts"]["east_asian"], cfg["fonts"]["latin"])
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)  # last child of the rPr sequence used here
    lang.set(qn("w:val"), cfg["language"]["latin"])
    lang.set(qn("w:eastAsia"), cfg["language"]["east_asian"])
    # docDefaults spacing (after=10pt, 1.15 lines) is for English letters; Normal sets its own.
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    if spacing is not None:
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), "240")


def _settings_part(doc: DocxDocument, cfg: Settings) -> None:
    element = doc.settings.element
    lang = element.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:val"), cfg["language"]["latin"])
        lang.set(qn("w:eastAsia"), cfg["language"]["east_asian"])
    # Word's default tab stop is 720 (½ inch); Chinese documents use two characters.
    tab = element.find(qn("w:defaultTabStop"))
    if tab is not None:
        tab.set(qn("w:val"), "420")


def _page(doc: DocxDocument, cfg: Settings) -> None:
    page = cfg["page"]
    section = doc.sections[0]
    section.page_width = _length(page["width_cm"])
    section.page_height = _length(page["height_cm"])
    section.top_margin = _length(page["margin_top_cm"])
    section.bottom_margin = _length(page["margin_bottom_cm"])
    section.left_margin = _length(page["margin_left_cm"])
    section.right_margin = _length(page["margin_right_cm"])
    section.header_distance = _length(page["header_distance_cm"])
    section.footer_distance = _length(page["footer_distance_cm"])
    # python-docx stores lengths in EMU; Word wants whole twips in w:pgSz / w:pgMar.
    sect = section._sectPr
    size = sect.find(qn("w:pgSz"))
    size.set(qn("w:w"), str(twips(page["width_cm"])))
    size.set(qn("w:h"), str(twips(page["height_cm"])))
    for attr in ("rsidR", "rsidRPr", "rsidSect"):
        sect.attrib.pop(qn(f"w:{attr}"), None)


def _length(cm: float) -> Twips:
    return Twips(twips(cm))


def _drop_template_leftovers(doc: DocxDocument) -> None:
    for rels in (doc.part.rels, doc.part.package.rels):
        for rid in [rid for rid, rel in rels.items() if rel.reltype in _DROPPED_RELS]:
            del rels[rid]


def _font_table(doc: DocxDocument, cfg: Settings) -> None:
    """Name the configured fonts in word/fontTable.xml instead of the template's Japanese fonts
    (ＭＳ 明朝 …), with ``w:altName`` so Word substitutes a familiar Chinese font when the East Asian
    font is not installed, and charset 86 (GB2312) so it is treated as a Simplified Chinese font."""
    part = doc.part.part_related_by(RT.FONT_TABLE)
    root = etree.fromstring(part.blob)
    for font in root.findall(qn("w:font")):
        if font.get(qn("w:name")) != "Symbol":  # Symbol: bullets of the template's list styles
            root.remove(font)
    fonts = cfg["fonts"]
    fallback = fonts.get("east_asian_fallback")
    seen = set()
    for name in (fonts["latin"], fonts["heading_latin"], fonts["east_asian"], fonts["heading_east_asian"]):
        if name in seen:
            continue
        seen.add(name)
        chinese = name in (fonts["east_asian"], fonts["heading_east_asian"])
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        if chinese and fallback:
            etree.SubElement(font, qn("w:altName")).set(qn("w:val"), fallback)
        etree.SubElement(font, qn("w:charset")).set(qn("w:val"), "86" if chinese else "00")
        etree.SubElement(font, qn("w:family")).set(qn("w:val"), "swiss")
        etree.SubElement(font, qn("w:pitch")).set(qn("w:val"), "variable")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _drop_unused_table_styles(doc: DocxDocument, keep: list[str]) -> None:
    """The template defines 100 table styles (340 KB of its 395 KB styles.xml), which every render would
    parse and write. Word re-creates its built-in table styles from the latent list when chosen."""
    root = doc.styles.element
    for style in root.findall(qn("w:style")):
        if style.get(qn("w:type")) == "table" and style.find(qn("w:name")).get(qn("w:val")) not in keep:
            root.remove(style)


def _build_base(cfg: Settings) -> bytes:
    doc = Document()
    _drop_template_leftovers(doc)
    keep = [cfg["tables"]["style"], *cfg["tables"].get("keep_table_styles", [])]
    _drop_unused_table_styles(doc, [doc.styles[name].element.find(qn("w:name")).get(qn("w:val")) for name in keep])
    _doc_defaults(doc, cfg)
    _settings_part(doc, cfg)
    _font_table(doc, cfg)
    for name, spec in cfg["styles"].items():
        _apply_style(doc, name, spec or {}, cfg)
    _scrub_theme_fonts(doc.styles.element, cfg)
    width = cfg.text_width
    for name in ("Header", "Footer"):
        _set_tabs(doc.styles[name], [("center", width // 2), ("right", width)])
    table_style = doc.styles[cfg["tables"]["style"]]
    set_fonts(table_style.element.get_or_add_rPr(), *cfg.fonts_for("Normal"))
    _page(doc, cfg)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


@lru_cache(maxsize=4)
def _base_bytes(cfg: Settings) -> bytes:
    return _build_base(cfg)


def new_document(cfg: Settings) -> DocxDocument:
    """A fresh document with the configured styles, fonts and A4 page."""
    return Document(io.BytesIO(_base_bytes(cfg)))


# --------------------------------------------------------------------------- runs and fields


class Styler:
    """Style ids and run properties for one document, built once and copied (python-docx's generic
    element insertion is the slow part of rendering)."""

    def __init__(self, doc: DocxDocument, cfg: Settings):
        self.doc, self.cfg = doc, cfg
        self._ids: dict[str, str] = {}
        self._rpr: dict[tuple, Any] = {}

    def style_id(self, name: str) -> str:
        if name not in self._ids:
            self._ids[name] = self.doc.styles[name].style_id
        return self._ids[name]

    def set_style(self, paragraph: Paragraph, name: str) -> None:
        ppr = paragraph._p.get_or_add_pPr()
        old = ppr.find(qn("w:pStyle"))
        if old is not None:
            ppr.remove(old)
        style = OxmlElement("w:pStyle")
        style.set(qn("w:val"), self.style_id(name))
        ppr.insert(0, style)  # first child of w:pPr

    def _run_properties(self, key: tuple):
        if key not in self._rpr:
            style, bold, size, color = key
            run = OxmlElement("w:r")
            rpr = run.get_or_add_rPr()
            set_fonts(rpr, *self.cfg.fonts_for(style))
            if bold is not None:
                rpr.get_or_add_b().val = bold
            if color:
                _set_colour(rpr, color)
            if size is not None:
                rpr.get_or_add_sz().val = Pt(size)
                szcs = OxmlElement("w:szCs")
                szcs.set(qn("w:val"), str(round(size * 2)))
                rpr.find(qn("w:sz")).addnext(szcs)
            self._rpr[key] = rpr
        return self._rpr[key]

    def run(self, paragraph: Paragraph, text: str, style: str = "Normal", *, bold: bool | None = None,
            size: float | None = None, color: str | None = None) -> Run:
        """Add a run of cleaned text with explicit East Asian and Latin fonts."""
        r = OxmlElement("w:r")
        r.append(copy.deepcopy(self._run_properties((style, bold, size, color))))
        paragraph._p.append(r)
        run = Run(r, paragraph)
        if text:
            run.text = clean(text)
        return run

    def field(self, paragraph: Paragraph, instruction: str, placeholder: str, style: str) -> None:
        """A real Word field: fldChar begin / instrText / separate / result / end."""
        for kind, text in (("begin", None), ("instr", instruction), ("separate", None),
                           ("result", placeholder), ("end", None)):
            run = self.run(paragraph, text if kind == "result" else "", style)
            if kind == "instr":
                instr = OxmlElement("w:instrText")
                instr.set(qn("xml:space"), "preserve")
                instr.text = f" {instruction} "
                run._r.append(instr)
            elif kind != "result":
                char = OxmlElement("w:fldChar")
                char.set(qn("w:fldCharType"), kind)
                run._r.append(char)

    def page_numbers(self, paragraph: Paragraph, style: str = "Footer") -> None:
        """第 {PAGE} 页 / 共 {NUMPAGES} 页"""
        self.run(paragraph, "第 ", style)
        self.field(paragraph, "PAGE", "1", style)
        self.run(paragraph, " 页 / 共 ", style)
        self.field(paragraph, "NUMPAGES", "1", style)
        self.run(paragraph, " 页", style)


def header_footer(styler: Styler, header_left: str, header_right: str, footer_text: str | None = None) -> None:
    """Header: handbook title left, document number right. Footer: optional text, page x of y."""
    section = styler.doc.sections[0]
    header = section.header.paragraphs[0]
    styler.set_style(header, "Header")
    styler.run(header, header_left, "Header")
    styler.run(header, "\t\t", "Header")
    styler.run(header, header_right, "Header")

    footer = section.footer.paragraphs[0]
    styler.set_style(footer, "Footer")
    if footer_text:
        # Text on the left, page numbers on the right: clear the style's centre tab for this line.
        tabs = footer._p.get_or_add_pPr().get_or_add_tabs()
        tab = OxmlElement("w:tab")
        tab.set(qn("w:val"), "clear")
        tab.set(qn("w:pos"), str(styler.cfg.text_width // 2))
        tabs.append(tab)
        styler.run(footer, footer_text, "Footer")
        styler.run(footer, "\t", "Footer")
    else:
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    styler.page_numbers(footer)


# --------------------------------------------------------------------------- packaging


def finish(doc: DocxDocument, *, title: str, author: str, subject: str = "", keywords: str = "") -> bytes:
    """Core properties without dates, then a zip with fixed timestamps: same input, same bytes."""
    props = doc.core_properties
    props.title = clean(title)
    props.author = clean(author)
    props.last_modified_by = clean(author)
    props.subject = clean(subject)
    props.keywords = clean(keywords)
    props.comments = ""
    props.revision = 1
    core = props._element
    for tag in ("dcterms:created", "dcterms:modified", "cp:lastPrinted"):
        for el in core.findall(qn(tag)):
            core.remove(el)
    buffer = io.BytesIO()
    doc.save(buffer)
    return normalise_zip(buffer.getvalue())


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a package with fixed timestamps and a stable entry order ([Content_Types].xml first)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = sorted(source.namelist(), key=lambda n: (n != "[Content_Types].xml", n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            target.writestr(info, source.read(name), compresslevel=6)
    return out.getvalue()
