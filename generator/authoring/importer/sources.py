"""Reading the files ``handbook import`` accepts, and refusing the others with one clear line.

Accepted: Word ``.docx`` (read as XML, so text split across runs and Word's auto-numbering read the
same whatever Word or LibreOffice did to the styles; tracked changes not accepted yet are read as
rejected and listed), and plain text
``.txt``/``.md`` in UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030 (what Notepad on a
Chinese Windows saves; decoded with the same guess :mod:`generator.content.yamlsource` uses to name it).

Also read: old binary Word (``.doc``) through LibreOffice when it is installed, and PDFs with a text
layer (pypdf), line by line.

Refused, each with what to do instead: password-protected Word (an encrypted .docx is an OLE
container, not a zip), ``.doc`` without LibreOffice, scanned PDFs (no text layer), corrupt or empty
files, other file types.
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
# Field instructions are not on the page; tracked changes are handled by :class:`_Walker`.
_SKIPPED = {f"{_W}{name}" for name in ("instrText", "delInstrText")}


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
    bold: bool = False  # all of its text is bold (a heading made by hand)


@dataclass(frozen=True)
class Table:
    no: int                                  # the paragraph number the table follows (for messages)
    rows: tuple[tuple[tuple[str, ...], ...], ...]  # rows → cells → the cell's paragraphs
    numbers: tuple[tuple[tuple[int, ...], ...], ...] = ()  # the same shape: each cell paragraph's number


@dataclass
class Source:
    path: Path
    shown: str                 # how messages name the file
    kind: str                  # "docx" or "text"
    blocks: list = field(default_factory=list)   # Para and Table in reading order
    properties: dict[str, str] = field(default_factory=dict)  # DOCX custom properties
    encoding: str = "utf-8"
    unit: str = "line"         # what ``Para.no`` counts, for messages: "line" or "paragraph"
    pending: list[str] = field(default_factory=list)  # Word revisions not accepted yet, in HR's words
    converted: str = ""        # how the file was read when it was converted first (.doc, PDF)

    @property
    def unit_word(self) -> str:
        return "段" if self.unit == "paragraph" else "行"


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
        return _read_pdf(path, shown, raw)
    if raw.startswith(OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in raw:
            raise Refused(shown, "这个 Word 文件有密码保护，无法读取",
                          "在 Word 中打开，去掉密码（文件 → 信息 → 保护文档 → 用密码进行加密，清空），保存后再导入")
        return _read_doc(path, shown)
    if suffix == ".doc":
        raise Refused(shown, "这个 .doc 文件不是 Word 文件（或已损坏）", "在 Word 中打开，“另存为” .docx 后再导入")
    if suffix == ".docx":
        return _read_docx(path, shown, raw)
    if suffix in TEXT_SUFFIXES:
        return _read_text(path, shown, raw)
    raise Refused(shown, f"不能导入 “{suffix or path.name}” 类型的文件",
                  "只能导入 Word（.docx、.doc）、PDF 或文本（.txt、.md）文件")


# --------------------------------------------------------------------------- old Word, PDF

DOC_TIMEOUT = 120  # seconds LibreOffice may take to convert one .doc


def _read_doc(path: Path, shown: str) -> Source:
    """Old binary Word: converted to .docx by LibreOffice when it is installed (its own throwaway profile,
    so a LibreOffice HR has open is not disturbed), then read like any .docx."""
    import shutil
    import subprocess
    import tempfile

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise Refused(shown, "这是旧版 Word 文件（.doc），需要 LibreOffice 才能读取，本机没有安装",
                      "在 Word 中打开，“另存为” Word 文档（.docx）再导入；或安装 LibreOffice 后重新导入")
    with tempfile.TemporaryDirectory(prefix="handbook-doc-") as scratch:
        work = Path(scratch)
        copy = work / "in" / "source.doc"
        copy.parent.mkdir()
        copy.write_bytes(path.read_bytes())
        try:
            subprocess.run([soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                            "--convert-to", "docx", "--outdir", str(work / "out"), str(copy)],
                           capture_output=True, timeout=DOC_TIMEOUT, check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise Refused(shown, f"LibreOffice 在 {DOC_TIMEOUT} 秒内没有转换完这个 .doc 文件",
                          "在 Word 中“另存为” .docx 后再导入") from None
        converted = work / "out" / "source.docx"
        if not converted.is_file():
            raise Refused(shown, "LibreOffice 无法转换这个 .doc 文件（可能已损坏或有密码保护）",
                          "在 Word 中打开，“另存为” .docx 后再导入")
        source = _read_docx(path, shown, converted.read_bytes())
    source.converted = "旧版 Word 文件（.doc）已由 LibreOffice 转换后读取"
    return source


def _read_pdf(path: Path, shown: str, raw: bytes) -> Source:
    """A PDF's text layer, line by line (pypdf). Without one (a scan) there is nothing to read."""
    import logging

    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about odd files are not HR's business
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileNotDecryptedError
        pages = [page.extract_text() or "" for page in reader.pages]
    except FileNotDecryptedError:
        raise Refused(shown, "PDF 有密码保护，无法读取", "导入没有密码的 PDF，或导入原来的 Word 文件") from None
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError):
        raise Refused(shown, "PDF 文件已损坏，无法读取", "重新导出 PDF，或导入原来的 Word 文件") from None
    lines = [line for page in pages for line in page.splitlines()]
    if sum(len(line.strip()) for line in lines) < 20 * max(1, len(pages)):
        raise Refused(shown, "这个 PDF 没有文字层（是扫描件或图片），无法读取文字",
                      "导入原来的 Word 文件；或先用 OCR 软件把它识别成文字，存为 .docx 或 .txt 再导入")
    blocks = [Para(no, line) for no, line in enumerate(lines, start=1)]
    return Source(path, shown, "pdf", blocks, converted="PDF 的文字层按行读取（表格和分栏可能需要核对）")


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
    """Markdown read as what it says: '## 岗位职责' is a heading, a line that is all '**bold**' a bold
    paragraph, '- ' items a bulleted list (nested by indentation), and a pipe table a table (so a facts
    table reads like one in Word)."""
    blocks: list = []
    rows: list[tuple[tuple[str, ...], ...]] = []
    numbers: list[tuple[tuple[int, ...], ...]] = []
    table_at = 0
    for no, line in enumerate(lines, start=1):
        if line.lstrip().startswith("|"):
            if not rows:
                table_at = no
            if not _MD_TABLE_RULE.match(line):
                cells = line.strip().strip("|").split("|")
                rows.append(tuple((_md_inline(c),) for c in cells))
                numbers.append(tuple((no,) for _ in cells))
            continue
        if rows:
            blocks.append(Table(table_at, tuple(rows), tuple(numbers)))
            rows, numbers = [], []
        blocks.append(_markdown_line(no, line))
    if rows:
        blocks.append(Table(table_at, tuple(rows), tuple(numbers)))
    return blocks


def _markdown_line(no: int, line: str) -> Para:
    heading = re.match(r"^\s{0,3}(#{1,6})\s+(.*)$", line)
    if heading:
        return Para(no, _md_inline(heading.group(2).rstrip("# ")), f"heading {len(heading.group(1))}")
    line = re.sub(r"^\s{0,3}>\s?", "", line)
    bullet = re.match(r"^(\s*)[-*+]\s+(.*)$", line)
    if bullet:
        return Para(no, _md_inline(bullet.group(2)), numbered=True, level=len(bullet.group(1).expandtabs(4)) // 2)
    bold = re.fullmatch(r"\s*(\*\*|__)([^*_]+)\1\s*[:：]?\s*", line)
    return Para(no, _md_inline(line), bold=bool(bold))


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
    walker = _Walker((styles, _numbering(package, parser)))
    walker.walk(body, blocks)
    if not any((isinstance(b, Para) and b.text.strip()) or isinstance(b, Table) for b in blocks):
        raise Refused(shown, "Word 文件里没有文字", "导入含有岗位说明书内容的文件")
    return Source(path, shown, "docx", blocks, properties=read_properties(raw), unit="paragraph",
                  pending=walker.pending)


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


class _Walker:
    """Word's body in reading order: every paragraph numbered (table cells too), tables as rows of cells.

    Tracked changes not accepted yet are read as if rejected: deleted text stays, inserted text is left
    out (a paragraph whose break was inserted joins the next one), and each is listed in ``pending``.
    """

    def __init__(self, lookups):
        self.lookups = lookups
        self.count = 0
        self.carry = ""
        self.pending: list[str] = []

    def walk(self, container, blocks: list) -> None:
        for child in container:
            if child.tag == f"{_W}p":
                para = self.para(child)
                if para is not None:
                    blocks.append(para)
            elif child.tag == f"{_W}tbl":
                self.table(child, blocks)
            elif child.tag in (f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"):
                self.walk(child, blocks)

    def table(self, tbl, blocks: list) -> None:
        last = next((b.no for b in reversed(blocks) if isinstance(b, Para)), self.count)
        rows, numbers = [], []
        for tr in tbl.iter(f"{_W}tr"):
            if tr.find(f"{_W}trPr/{_W}ins") is not None:
                self.pending.append(f"第 {self.count + 1} 段起：插入了表格的一行（未接受）")
                continue
            cells, cell_numbers = [], []
            for tc in tr.findall(f"{_W}tc"):
                texts, nos = [], []
                for p in tc.iter(f"{_W}p"):
                    para = self.para(p)
                    if para is not None:
                        texts.append(para.text)
                        nos.append(para.no)
                cells.append(tuple(texts))
                cell_numbers.append(tuple(nos))
            rows.append(tuple(cells))
            numbers.append(tuple(cell_numbers))
        blocks.append(Table(last, tuple(rows), tuple(numbers)))

    def para(self, p) -> Para | None:
        styles, numbering = self.lookups
        self.count += 1
        no = self.count
        text = self.text(p, no)
        if p.find(f"{_W}pPr/{_W}rPr/{_W}ins") is not None:  # the paragraph break itself is not accepted yet
            self.carry += text
            return None
        text, self.carry = self.carry + text, ""
        style_id = p.find(f"{_W}pPr/{_W}pStyle")
        name, style_numbered = styles.get(style_id.get(f"{_W}val") if style_id is not None else "Normal",
                                          ("", False))
        if style_id is not None and not name:
            name = style_id.get(f"{_W}val", "").lower()
        num = p.find(f"{_W}pPr/{_W}numPr/{_W}numId")
        numbered = num.get(f"{_W}val") not in (None, "0") if num is not None else style_numbered
        ilvl = p.find(f"{_W}pPr/{_W}numPr/{_W}ilvl")
        level = int(ilvl.get(f"{_W}val", "0")) if ilvl is not None and ilvl.get(f"{_W}val", "0").isdigit() else 0
        num_format = numbering.get((num.get(f"{_W}val"), level), "") if num is not None else ""
        return Para(no, text, name, numbered, level, num_format, _bold(p))

    def text(self, p, no: int) -> str:
        """The paragraph's accepted text: runs joined; pending insertions left out, pending deletions kept."""
        parts: list[str] = []

        def visit(element) -> None:
            for child in element:
                tag = child.tag
                if tag in _PENDING:
                    words = "".join(t.text or "" for t in child.iter(f"{_W}t", f"{_W}delText"))
                    if words.strip():
                        author = child.get(f"{_W}author") or ""
                        self.pending.append(f"第 {no} 段：{author + ' ' if author else ''}{_PENDING[tag]}“{words}”")
                    if tag in (f"{_W}ins", f"{_W}moveTo"):
                        continue
                    visit(child)
                elif tag in _SKIPPED:
                    continue
                elif tag in (f"{_W}t", f"{_W}delText"):
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


_PENDING = {f"{_W}ins": "插入", f"{_W}del": "删除", f"{_W}moveTo": "移入", f"{_W}moveFrom": "移出"}


def _bold(p) -> bool:
    """True when every run with text is bold (w:b on the run, not switched off)."""
    runs = [r for r in p.iter(f"{_W}r") if "".join(t.text or "" for t in r.iter(f"{_W}t")).strip()]
    if not runs:
        return False
    for run in runs:
        b = run.find(f"{_W}rPr/{_W}b")
        if b is None or b.get(f"{_W}val") in ("0", "false", "off"):
            return False
    return True
