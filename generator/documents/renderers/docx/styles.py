"""Word plumbing: every file a copy of the checked ``templates/docx/reference.docx``, text with style names
only, header and footer placeholders, metadata, a fixed-time zip (see ARCHITECTURE.md, "Word files")."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.styles.style import StyleFactory
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from .... import TOOL_ROOT
from ....content.errors import ContentError, Problem, display_path
from ....content.messages import problem
from .settings import TEMPLATES

REFERENCE = TEMPLATES / "reference.docx"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

PARAGRAPH_STYLES = ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "List Number", "List Number 2",
                    "List Number 3", "Header", "Footer", "Table Text", "Table Heading", "Table Note", "Notice")
CHARACTER_STYLES = ("Form Hint", "Check Box", "Strong")

# Placeholders of the reference's header and footer, filled for each document.
HANDBOOK, NUMBER, FOOTER = "手册名称", "文件编号", "页脚"
PLACEHOLDERS = (HANDBOOK, NUMBER, FOOTER)
_PLACEHOLDER = re.compile(r"\{([^{}\s]{1,20})\}")

# Characters XML 1.0 cannot hold (lxml refuses them): C0 controls except tab/newline/CR, DEL,
# lone surrogates and the two non-characters.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean(text: Any) -> str:
    """Untrusted text made safe for XML; python-docx escapes <, > and & itself."""
    return _INVALID_XML.sub("", str(text))


def twips(cm: float) -> int:
    return round(cm / 2.54 * 1440)


# --------------------------------------------------------------------------- the reference document


@dataclass(frozen=True)
class Reference:
    """reference.docx with an empty body, and its style ids by (case-folded) style name."""

    data: bytes
    style_ids: dict[str, str]


def reference(table_style: str = "Table Grid") -> Reference:
    """reference.docx, checked (with the table style layout.yml names); read again only when it changes."""
    stat = REFERENCE.stat()
    return _reference(str(REFERENCE), stat.st_mtime_ns, stat.st_size, table_style)


@lru_cache(maxsize=2)
def _reference(path: str, mtime: int, size: int, table_style: str) -> Reference:
    shown = display_path(Path(path), TOOL_ROOT)
    try:
        data = Path(path).read_bytes()
        doc = Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same advice
        raise ContentError([problem(shown, 1, "settings.not_word", detail=type(exc).__name__)]) from None
    problems = check_reference(doc, shown, table_style)
    if problems:
        raise ContentError(problems)
    return Reference(_without_body(doc), {name: style.style_id for name, style in styles_by_name(doc).items()})


def check_reference(doc: DocxDocument, shown: str, table_style: str = "Table Grid") -> list[Problem]:
    """Styles the renderer names and placeholders it fills, as HR could break them in Word."""
    problems = []
    have = {name: style.type for name, style in styles_by_name(doc).items()}
    if table_style.casefold() not in have:
        tables = sorted(style.name for style in doc.styles if style.type == 3 and style.name != "Normal Table")
        problems.append(problem(shown, 1, "settings.table_style", style=table_style,
                                styles="、".join(tables) or "（还没有表格样式）"))
    for names, word in ((PARAGRAPH_STYLES, "段落"), (CHARACTER_STYLES, "字符")):
        for name in names:
            if name.casefold() not in have:
                problems.append(problem(shown, 1, "settings.style", word=word, name=name))
    if len(doc.sections) != 1:
        problems.append(problem(shown, 1, "settings.sections", count=len(doc.sections)))
    section = doc.sections[0]
    for part, element in (("页眉", section.header._element), ("页脚", section.footer._element)):
        text = "".join(t.text or "" for t in element.iter(qn("w:t")))
        for name in _PLACEHOLDER.findall(text):
            if name not in PLACEHOLDERS:
                known = "、".join("{" + p + "}" for p in PLACEHOLDERS)
                problems.append(problem(shown, 1, "settings.placeholder", part=part, name=name, known=known))
    return problems


def _without_body(doc: DocxDocument) -> bytes:
    """The reference with an empty body (its sample text, if any, is not part of any document) and without
    custom document properties: Word and LibreOffice add a docProps/custom.xml when they save the
    reference, and a generated file writes its own (``docx_props``): two parts of one name corrupt a file."""
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    rels = doc.part.package.rels
    for rid in [rid for rid, rel in rels.items() if rel.reltype == RT.CUSTOM_PROPERTIES]:
        del rels[rid]
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def text_width(doc: DocxDocument) -> int:
    """Printable width of the page in twips."""
    section = doc.sections[0]
    return round((section.page_width - section.left_margin - section.right_margin) / 635)


# --------------------------------------------------------------------------- style names


def styles_by_name(doc: DocxDocument) -> dict[str, Any]:
    """Styles by name, case-insensitively: Word writes built-in names as 'heading 1', LibreOffice as
    'Heading 1' (python-docx's ``styles["Heading 1"]`` finds only the first)."""
    return {style.name.casefold(): style for style in doc.styles if style.name}


class Styler:
    """Paragraph and character styles by name for one document; nothing else is set on text."""

    def __init__(self, doc: DocxDocument, style_ids: dict[str, str]):
        self.doc, self._ids = doc, style_ids

    def style_id(self, name: str) -> str:
        return self._ids[name.casefold()]

    def style(self, name: str):
        """The python-docx style object named ``name``."""
        return StyleFactory(self.doc.styles.element.get_by_id(self.style_id(name)))

    def set_style(self, paragraph: Paragraph, name: str) -> None:
        """By style id: python-docx's ``paragraph.style = name`` misses names Word wrote in lower case."""
        ppr = paragraph._p.get_or_add_pPr()
        old = ppr.find(qn("w:pStyle"))
        if old is not None:
            ppr.remove(old)
        ppr.insert(0, element("pStyle", val=self.style_id(name)))  # first child of w:pPr

    def run(self, paragraph: Paragraph, text: str, character_style: str | None = None) -> Run:
        """A run of cleaned text; formatting comes from the paragraph's style (or a character style)."""
        r = element("r", *([element("rPr", element("rStyle", val=self.style_id(character_style)))]
                           if character_style else []))
        paragraph._p.append(r)
        run = Run(r, paragraph)
        if text:
            run.text = clean(text)
        return run


def element(tag: str, *children, **values) -> Any:
    """A ``w:`` element with its ``w:`` attributes and children, built directly: python-docx's setters search
    every possible sibling on each call and made Word files 1.7 times slower to write."""
    made = OxmlElement(f"w:{tag}", {qn(f"w:{name}"): str(value) for name, value in values.items()})
    made.extend(children)
    return made


# --------------------------------------------------------------------------- header and footer


def header_footer(doc: DocxDocument, *, handbook: str, number: str, footer: str, pages: int) -> None:
    """Fill the reference's placeholders and store ``pages`` as the NUMPAGES field's shown result (what
    previews print before laying the file out: ARCHITECTURE.md, "Word files")."""
    values = {HANDBOOK: clean(handbook), NUMBER: clean(number), FOOTER: clean(footer)}
    section = doc.sections[0]
    for part in (section.header, section.footer):
        for p in part._element.iter(qn("w:p")):
            _fill(p, values)
        _set_field_result(part._element, "NUMPAGES", str(pages))


def _fill(p, values: dict[str, str]) -> None:
    """Replace {name} in a paragraph even when Word split it over several runs (it does, after edits)."""
    texts = [t for t in p.iter(qn("w:t"))]
    joined = "".join(t.text or "" for t in texts)
    if "{" not in joined:
        return
    owner = [(i, k) for i, t in enumerate(texts) for k in range(len(t.text or ""))]  # char → (w:t, offset)
    for match in reversed(list(_PLACEHOLDER.finditer(joined))):
        if match.group(1) not in values:
            continue
        first, first_offset = owner[match.start()]
        last, last_offset = owner[match.end() - 1]
        head = texts[first].text or ""
        if first == last:
            texts[first].text = head[:first_offset] + values[match.group(1)] + head[last_offset + 1:]
        else:
            texts[first].text = head[:first_offset] + values[match.group(1)]
            for middle in texts[first + 1:last]:
                middle.text = ""
            texts[last].text = (texts[last].text or "")[last_offset + 1:]
        for t in (texts[first], texts[last]):
            t.set(qn("xml:space"), "preserve")


def _set_field_result(root, instruction: str, result: str) -> None:
    """The text between a complex field's ``separate`` and ``end`` (or a simple field's), set to ``result``."""
    for simple in root.iter(qn("w:fldSimple")):
        if simple.get(qn("w:instr"), "").split()[:1] == [instruction]:
            for i, t in enumerate(simple.iter(qn("w:t"))):
                t.text = "" if i else result
    state, instr, written = None, "", False
    for r in list(root.iter(qn("w:r"))):
        char = r.find(qn("w:fldChar"))
        kind = char.get(qn("w:fldCharType")) if char is not None else None
        if kind == "begin":
            state, instr, written = "instr", "", False
        elif kind == "separate":
            state = "result"
        elif kind == "end":
            state = None
        elif state == "instr":
            instr += "".join(t.text or "" for t in r.iter(qn("w:instrText")))
        elif state == "result" and instr.split()[:1] == [instruction]:
            for t in r.iter(qn("w:t")):
                t.text = "" if written else result
                written = True


# --------------------------------------------------------------------------- metadata and packaging


def finish(doc: DocxDocument, *, title: str, author: str, subject: str, keywords: str) -> bytes:
    """What File → Properties shows, without dates, then a zip with fixed timestamps: same input, same bytes."""
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
