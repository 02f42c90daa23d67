"""Reading the files ``handbook import`` accepts, and refusing the others with one clear line.

Accepted: Word ``.docx`` (read as XML, so text split across runs, tracked insertions and Word's
auto-numbering all read the same whatever Word or LibreOffice did to the styles), and plain text
``.txt``/``.md`` in UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030 (what Notepad on a
Chinese Windows saves; decoded with the same guess :mod:`generator.content.yamlsource` uses to name it).

Refused, each with what to do instead: old binary Word (``.doc``), password-protected Word (an
encrypted .docx is an OLE container, not a zip), PDF, corrupt or empty files, other file types.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

MAX_BYTES = 20 * 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f"{{{W}}}"
# Text inside these elements was deleted (tracked) or is a field instruction: it is not on the page.
_SKIPPED = {f"{_W}{name}" for name in ("del", "moveFrom", "instrText", "delText", "delInstrText")}


class Refused(Exception):
    """The file cannot be imported; ``str()`` is the one line shown to HR."""

    def __init__(self, shown: str, message: str, hint: str):
        self.shown, self.message, self.hint = shown, message, hint
        super().__init__(f"{shown}:1: {message} — {hint}")


@dataclass(frozen=True)
class Para:
    """A paragraph of a Word file (or a line of a text file)."""

    no: int            # 1-based position in the file: line number, or paragraph number in Word
    text: str
    style: str = ""    # Word paragraph style name, lower case ("heading 2"); "" in text files
    numbered: bool = False  # Word automatic numbering or bullets (the number is not part of the text)
    level: int = 0     # the list level (w:ilvl) of a numbered paragraph
    num_format: str = ""  # its number format (w:numFmt: decimal, chineseCounting …), when known


@dataclass(frozen=True)
class Table:
    no: int                                  # the paragraph number the table follows (for messages)
    rows: tuple[tuple[tuple[str, ...], ...], ...]  # rows → cells → the cell's paragraphs


@dataclass
class Source:
    path: Path
    shown: str                 # how messages name the file
    kind: str                  # "docx" or "text"
    blocks: list = field(default_factory=list)   # Para and Table in reading order
    properties: dict[str, str] = field(default_factory=dict)  # DOCX custom properties
    encoding: str = "utf-8"
    unit: str = "line"         # what ``Para.no`` counts, for messages: "line" or "paragraph"


def read(path: Path, shown: str | None = None) -> Source:
    shown = shown or str(path)
    if not path.is_file():
        raise Refused(shown, "找不到这个文件", "检查文件名和路径")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise Refused(shown, f"文件有 {size:,} 字节，超过上限 {MAX_BYTES:,}",
                      "拆成每个岗位一个文件再导入")
    raw = path.read_bytes()
    suffix = path.suffix.lower()
    if raw.startswith(b"%PDF") or suffix == ".pdf":
        raise Refused(shown, "PDF 文件不能导入（PDF 里的文字没有可靠的结构，扫描件更是只有图片）",
                      "把文字复制到一个 .txt 文件（UTF-8）再导入，或导入原来的 Word 文件")
    if raw.startswith(OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in raw:
            raise Refused(shown, "这个 Word 文件有密码保护，无法读取",
                          "在 Word 中打开，去掉密码（文件 → 信息 → 保护文档 → 用密码进行加密，清空），保存后再导入")
        raise Refused(shown, "这是旧版 Word 文件（.doc），无法读取",
                      "在 Word 中打开，“另存为” Word 文档（.docx），再导入 .docx 文件")
    if suffix == ".doc":
        raise Refused(shown, "旧版 Word 文件（.doc）无法读取", "在 Word 中“另存为” .docx，再导入 .docx 文件")
    if suffix == ".docx":
        return _read_docx(path, shown, raw)
    if suffix in TEXT_SUFFIXES:
        return _read_text(path, shown, raw)
    raise Refused(shown, f"不能导入 “{suffix or path.name}” 类型的文件",
                  "只能导入 Word（.docx）或文本（.txt、.md）文件")


# --------------------------------------------------------------------------- text


def _decode(raw: bytes) -> tuple[str, str] | None:
    """UTF-8 (BOM or not), UTF-16 with a BOM, or GBK/GB18030 when the bytes clearly are not UTF-8.

    The same evidence rule as :func:`generator.content.yamlsource._encoding_hint`: a UTF-8 file with a few
    damaged bytes is not GBK; it is refused (see :func:`_read_text`) instead of being misread.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            return None
    try:
        return raw.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    damaged = raw.decode("utf-8", errors="replace").count("\ufffd")
    if damaged <= max(3, len(raw) // 1000):
        return None
    try:
        return raw.decode("gb18030"), "GBK"
    except UnicodeDecodeError:
        return None


def _read_text(path: Path, shown: str, raw: bytes) -> Source:
    decoded = _decode(raw)
    if decoded is None:
        damaged = raw.decode("utf-8", errors="replace").count("\ufffd")
        if damaged <= max(3, len(raw) // 1000):
            raise Refused(shown, f"文件是 UTF-8，但有 {damaged} 个损坏的字节",
                          "用记事本打开，改正显示为乱码的字，保存后再导入")
        raise Refused(shown, "无法识别这个文本文件的编码",
                      "用记事本打开，“另存为”时把编码选为 UTF-8，再导入")
    text, encoding = decoded
    if "\x00" in text:
        raise Refused(shown, "这不是文本文件", "只能导入 Word（.docx）或文本（.txt、.md）文件")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if path.suffix.lower() in (".md", ".markdown"):
        blocks = _markdown_blocks(lines)
    else:
        blocks = [Para(no, line) for no, line in enumerate(lines, start=1)]
    if not any(p.text.strip() for p in blocks):
        raise Refused(shown, "文件是空的", "导入含有岗位说明书内容的文件")
    return Source(path, shown, "text", blocks, encoding=encoding)


_MD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _markdown_blocks(lines: list[str]) -> list:
    """Markdown read as what it says: '## 岗位职责' is the line 岗位职责, '**学历**' is 学历, and a pipe
    table is a table (so a facts table reads like one in Word)."""
    blocks: list = []
    rows: list[tuple[tuple[str, ...], ...]] = []
    table_at = 0
    for no, line in enumerate(lines, start=1):
        if line.lstrip().startswith("|"):
            if not rows:
                table_at = no
            if not _MD_TABLE_RULE.match(line):
                cells = line.strip().strip("|").split("|")
                rows.append(tuple((_md_inline(c),) for c in cells))
            continue
        if rows:
            blocks.append(Table(table_at, tuple(rows)))
            rows = []
        blocks.append(Para(no, _md_inline(re.sub(r"^\s{0,3}#{1,6}\s+", "", line))))
    if rows:
        blocks.append(Table(table_at, tuple(rows)))
    return blocks


def _md_inline(text: str) -> str:
    return re.sub(r"(\*\*|__)(.+?)\1", r"\2", text).replace("\\", "").strip()


# --------------------------------------------------------------------------- Word


def _read_docx(path: Path, shown: str, raw: bytes) -> Source:
    corrupt = Refused(shown, "Word 文件已损坏（不是完整的 .docx）",
                      "用 Word 打开并让 Word 修复，另存为 .docx 后再导入")
    try:
        package = zipfile.ZipFile(io.BytesIO(raw))
        document = package.read("word/document.xml")
    except (zipfile.BadZipFile, KeyError, EOFError, OSError, zipfile.LargeZipFile):
        raise corrupt from None
    except RuntimeError:  # zip-level encryption
        raise Refused(shown, "文件有密码保护，无法读取", "在 Word 中去掉密码并保存后再导入") from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        body = etree.fromstring(document, parser).find(f"{_W}body")
        styles = _styles(package, parser)
    except (etree.XMLSyntaxError, KeyError, zipfile.BadZipFile):
        raise corrupt from None
    if body is None:
        raise corrupt
    from ...documents.renderers.docx.props import read_properties

    blocks: list = []
    _walk(body, blocks, (styles, _numbering(package, parser)))
    if not any((isinstance(b, Para) and b.text.strip()) or isinstance(b, Table) for b in blocks):
        raise Refused(shown, "Word 文件里没有文字", "导入含有岗位说明书内容的文件")
    return Source(path, shown, "docx", blocks, properties=read_properties(raw), unit="paragraph")


def _styles(package: zipfile.ZipFile, parser) -> dict[str, tuple[str, bool]]:
    """style id → (name in lower case, whether the style itself numbers its paragraphs)."""
    try:
        root = etree.fromstring(package.read("word/styles.xml"), parser)
    except KeyError:
        return {}
    found = {}
    for style in root.findall(f"{_W}style"):
        name = style.find(f"{_W}name")
        num = style.find(f"{_W}pPr/{_W}numPr/{_W}numId")
        numbered = num is not None and num.get(f"{_W}val") not in (None, "0")
        found[style.get(f"{_W}styleId")] = ((name.get(f"{_W}val") if name is not None else "").lower(), numbered)
    return found


def _numbering(package: zipfile.ZipFile, parser) -> dict[tuple[str, int], str]:
    """(numId, level) → number format, so a list's look (一、 or 1.) can be told without its text."""
    try:
        root = etree.fromstring(package.read("word/numbering.xml"), parser)
    except (KeyError, etree.XMLSyntaxError):
        return {}
    abstract: dict[str, dict[int, str]] = {}
    for element in root.findall(f"{_W}abstractNum"):
        levels = {}
        for lvl in element.findall(f"{_W}lvl"):
            fmt = lvl.find(f"{_W}numFmt")
            if fmt is not None and (lvl.get(f"{_W}ilvl") or "0").isdigit():
                levels[int(lvl.get(f"{_W}ilvl") or 0)] = fmt.get(f"{_W}val", "")
        abstract[element.get(f"{_W}abstractNumId")] = levels
    found = {}
    for num in root.findall(f"{_W}num"):
        ref = num.find(f"{_W}abstractNumId")
        if ref is not None:
            for level, fmt in abstract.get(ref.get(f"{_W}val"), {}).items():
                found[(num.get(f"{_W}numId"), level)] = fmt
    return found


def _walk(container, blocks: list, lookups, counter: list[int] | None = None) -> None:
    counter = counter if counter is not None else [0]
    for child in container:
        if child.tag == f"{_W}p":
            counter[0] += 1
            blocks.append(_para(child, counter[0], lookups))
        elif child.tag == f"{_W}tbl":
            rows = []
            for tr in child.iter(f"{_W}tr"):
                cells = []
                for tc in tr.findall(f"{_W}tc"):
                    paragraphs = [_text(p) for p in tc.iter(f"{_W}p")]
                    cells.append(tuple(t for t in paragraphs))
                rows.append(tuple(cells))
            last = next((b.no for b in reversed(blocks) if isinstance(b, Para)), 0)
            blocks.append(Table(last, tuple(rows)))
        elif child.tag in (f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}ins", f"{_W}moveTo"):
            _walk(child, blocks, lookups, counter)


def _para(p, no: int, lookups) -> Para:
    styles, numbering = lookups
    style_id = p.find(f"{_W}pPr/{_W}pStyle")
    name, style_numbered = styles.get(style_id.get(f"{_W}val") if style_id is not None else "Normal", ("", False))
    if style_id is not None and not name:
        name = style_id.get(f"{_W}val", "").lower()
    num = p.find(f"{_W}pPr/{_W}numPr/{_W}numId")
    if num is not None:
        numbered = num.get(f"{_W}val") not in (None, "0")
    else:
        numbered = style_numbered
    ilvl = p.find(f"{_W}pPr/{_W}numPr/{_W}ilvl")
    level = int(ilvl.get(f"{_W}val", "0")) if ilvl is not None and ilvl.get(f"{_W}val", "0").isdigit() else 0
    num_format = numbering.get((num.get(f"{_W}val"), level), "") if num is not None else ""
    return Para(no, _text(p), name, numbered, level, num_format)


def _text(p) -> str:
    """The paragraph's visible text: runs joined, tracked deletions left out, tracked insertions kept."""
    parts: list[str] = []

    def visit(element) -> None:
        for child in element:
            tag = child.tag
            if tag in _SKIPPED:
                continue
            if tag == f"{_W}t":
                parts.append(child.text or "")
            elif tag == f"{_W}tab":
                parts.append("\t")
            elif tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
            elif tag == f"{_W}noBreakHyphen":
                parts.append("-")
            elif tag == f"{_W}p":
                continue  # a paragraph nested in a text box is read on its own
            else:
                visit(child)

    visit(p)
    return re.sub(r"[ \u00a0]+$", "", "".join(parts))
