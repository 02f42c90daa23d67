"""Word (.docx) job descriptions, blank forms and appraisal sheets for HR to edit: style names only, so HR
restyles a file in Word (see ARCHITECTURE.md, "Word files")."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from itertools import accumulate
from typing import Callable

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, Twips
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from ....content import outline
from ....content.model import Form, Role
from ... import views
from ...views import DocumentView
from . import header as docx_header
from .pages import estimate_pages
from .props import stamp_role
from .settings import Layout, layout
from .styles import Reference, Styler, element, finish, header_footer, reference, text_width, twips

__all__ = ["job_description", "form", "appraisal", "read_settings"]

SNAP = 57  # twips (1 mm): form column edges closer than this share one grid line
LIST_INDENT_CM = 0.74  # the optional sections' numbered lines


# --------------------------------------------------------------------------- helpers


def split(total: int, weights: list[float]) -> list[int]:
    """Whole-twip widths proportional to ``weights`` that add up to exactly ``total``."""
    scale = total / sum(weights)
    edges = [0, *(round(running * scale) for running in accumulate(weights))]
    edges[-1] = total
    return [b - a for a, b in zip(edges, edges[1:])]


class Builder:
    """One document being written: paragraphs, tables and duty numbering."""

    def __init__(self) -> None:
        self.cfg, ref = read_settings()
        self.doc = Document(io.BytesIO(ref.data))  # the reference's styles, page, header, footer; no body
        self.s = Styler(self.doc, ref.style_ids)
        self.width = text_width(self.doc)

    # ----- paragraphs

    def para(self, text: str = "", style: str = "Normal") -> Paragraph:
        paragraph = self.doc.add_paragraph()
        if style != "Normal":
            self.s.set_style(paragraph, style)
        if text:
            self.s.run(paragraph, text)
        return paragraph

    def start(self, title: str, subject) -> str:
        """A draft's marks and the title paragraph; returns the title as printed (（草稿） for a draft)."""
        docx_header.mark_draft(self.doc, self.s, subject)
        title = docx_header.draft_title(title, subject)
        self.para(title, "Title")
        return title

    def finish(self, view: DocumentView, *, number: str, footer: str, title: str, subject: str,
               keywords: str) -> bytes:
        """The company's logo (when ``view`` has one), header and footer (with the page count), metadata, bytes."""
        handbook, size = view.site.handbook_title, self.cfg.header
        docx_header.add_logo(self.doc, self.s,
                             views.header_logo(view, size.logo_height_cm * 10, size.logo_max_width_cm * 10),
                             view.site.company, view.site.company or view.site.organisation,
                             line=f"{handbook}\u3000{number}")
        header_footer(self.doc, handbook=handbook, number=number, footer=footer, pages=estimate_pages(self.doc))
        return finish(self.doc, title=title, author=view.site.organisation, subject=subject, keywords=keywords)

    # ----- tables

    def write(self, cell: _Cell, text: str = "", style: str = "Table Text", *, align: str | None = None,
              fill: str | None = None, middle: bool = True) -> Paragraph:
        """Fill a fresh cell (made by :meth:`Grid.row`, holding one empty paragraph): text, shading, alignment."""
        paragraph = cell.paragraphs[0]
        self.s.set_style(paragraph, style)
        for part in re.split(f"({re.escape(views.CHECKBOX)})", text):
            if part:
                # □ is "ambiguous width": the Check Box style's East Asian hint makes Word and LibreOffice
                # draw every box with the Chinese font (one at the start of a line would take the Latin one).
                self.s.run(paragraph, part, "Check Box" if part == views.CHECKBOX else None)
        if align:
            paragraph.alignment = getattr(WD_ALIGN_PARAGRAPH, align.upper())
        tc_pr = cell._tc.tcPr  # w:tcW (and w:gridSpan) only, so w:shd then w:vAlign can be appended
        if fill:
            tc_pr.append(element("shd", val="clear", color="auto", fill=fill))
        if middle:
            tc_pr.append(element("vAlign", val="center"))
        return paragraph


class Grid:
    """A table whose column widths hold in Word and LibreOffice: fixed layout, tblW, gridCol and tcW."""

    def __init__(self, b: Builder, widths: list[int]):
        self.b, self.widths = b, widths
        self.table: Table = b.doc.add_table(rows=0, cols=len(widths))
        tbl = self.table._tbl
        tbl.tblPr.style = b.s.style_id(b.cfg.tables.style)
        self.table.autofit = False
        tbl_w = tbl.tblPr.find(qn("w:tblW"))
        tbl_w.set(qn("w:type"), "dxa")
        tbl_w.set(qn("w:w"), str(sum(widths)))
        for column, width in zip(self.table.columns, widths):
            column.width = Twips(width)

    def row(self, spans: list[int] | None = None, *, height_cm: float | None = None, header: bool = False
            ) -> list[_Cell]:
        """Append a row that never splits across pages; ``spans``: how many grid columns each cell covers
        (default: one each); ``height_cm`` a minimum (``atLeast``): room for handwriting, long text fits."""
        spans = spans or [1] * len(self.widths)
        tr = self.table._tbl.add_tr()
        tr_pr = tr.get_or_add_trPr()
        tr_pr.append(element("cantSplit"))
        if height_cm:
            tr_pr.append(element("trHeight", val=twips(height_cm), hRule="atLeast"))
        if header:
            tr_pr.append(element("tblHeader"))
        cells, col = [], 0
        for span in spans:
            spanned = [element("gridSpan", val=span)] if span > 1 else []
            width = element("tcW", w=sum(self.widths[col:col + span]), type="dxa")
            tc = element("tc", element("tcPr", width, *spanned), element("p"))
            tr.append(tc)
            cells.append(_Cell(tc, self.table))
            col += span
        if col != len(self.widths):
            raise ValueError(f"row covers {col} of {len(self.widths)} grid columns")
        return cells


# --------------------------------------------------------------------------- duty numbering

# How outline.duty_outline labels look, as Word numbering: (numFmt, lvlText) by label shape.
_LABEL_FORMATS: tuple[tuple[Callable[[int], str], str, str], ...] = (
    (lambda n: f"{n}.", "decimal", "%1."),
    (lambda n: f"{n})", "decimal", "%1)"),
    (lambda n: f"({n})", "decimal", "(%1)"),
    (lambda n: f"{outline.chinese_numeral(n)}、", "chineseCounting", "%1、"),
)


class DutyNumbering:
    """Word list numbering that restarts inside each duty group: one single-level ``w:abstractNum`` per
    (format, depth); one ``w:num`` with a ``w:startOverride`` for each run of consecutive duties, so 营销策划
    1)–9) starts at 1 in Word and LibreOffice."""

    def __init__(self, b: Builder):
        self.b = b
        self.root = b.doc.part.numbering_part.element
        self._abstract: dict[tuple[str, str, int], int] = {}
        self._next_abstract = 1 + max((int(a.get(qn("w:abstractNumId")))
                                       for a in self.root.findall(qn("w:abstractNum"))), default=-1)
        self._open: dict[int, tuple[int, int, tuple[str, str]]] = {}  # depth → (numId, next number, format)

    def _abstract_id(self, fmt: tuple[str, str], depth: int) -> int:
        key = (*fmt, depth)
        if key not in self._abstract:
            left, hanging = _indent(self.b.s.style(list_style(depth)))
            aid = self._next_abstract
            self._next_abstract += 1
            element = parse_xml(
                f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{aid}">'
                f'<w:nsid w:val="{0x48420000 + aid:08X}"/><w:multiLevelType w:val="singleLevel"/>'
                f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{fmt[0]}"/>'
                f'<w:lvlText w:val="{fmt[1]}"/><w:lvlJc w:val="left"/>'
                f'<w:pPr><w:ind w:left="{left}" w:hanging="{hanging}"/></w:pPr></w:lvl></w:abstractNum>'
            )
            first_num = self.root.find(qn("w:num"))
            if first_num is not None:
                first_num.addprevious(element)
            else:
                self.root.append(element)
            self._abstract[key] = aid
        return self._abstract[key]

    def item(self, item: outline.OutlineItem) -> int | None:
        """numId for a duty line (None when its label has no Word equivalent); it ends deeper lists."""
        for depth in [d for d in self._open if d > item.depth]:
            del self._open[depth]
        fmt = next(((fmt, text) for make, fmt, text in _LABEL_FORMATS if make(item.number) == item.label), None)
        if fmt is None:
            return None
        current = self._open.get(item.depth)
        if current and current[1] == item.number and current[2] == fmt:
            num_id = current[0]
        else:  # python-docx's w:num: the first free numId, placed after the others
            num = self.root.add_num(self._abstract_id(fmt, item.depth))
            num.add_lvlOverride(ilvl=0).add_startOverride(item.number)
            num_id = num.numId
        self._open[item.depth] = (num_id, item.number + 1, fmt)
        return num_id


def list_style(depth: int) -> str:
    return "List Number" if depth <= 1 else ("List Number 2" if depth == 2 else "List Number 3")


def _indent(style) -> tuple[int, int]:
    """(left, hanging) of a list style in twips, following its base styles, so HR's indents hold."""
    left = first = None
    while style is not None and (left is None or first is None):
        fmt = style.paragraph_format
        left = left if left is not None else fmt.left_indent
        first = first if first is not None else fmt.first_line_indent
        style = style.base_style
    return round((left or 0) / 635), round(-(first or 0) / 635)


# --------------------------------------------------------------------------- job description


def read_settings() -> tuple[Layout, Reference]:
    """``templates/docx/layout.yml`` and ``reference.docx`` (checked with the table style layout.yml names), as
    every Word file reads them; mistakes raise one ``path:line`` ContentError (``handbook check`` too)."""
    cfg = layout()
    return cfg, reference(cfg.tables.style)


def job_description(view: DocumentView, role: Role) -> bytes:
    """岗位说明书."""
    b = Builder()
    tables = b.cfg.tables
    title = b.start(views.jd_title(role), role)
    info, purpose, duties, kpis, signatures = views.JD_SECTIONS

    b.para(info, "Heading 1")
    _basic_info(b, views.basic_info(view, role), tables.basic_info_row_height_cm)

    b.para(purpose, "Heading 1")
    b.para(role.purpose)

    b.para(duties, "Heading 1")
    _duties(b, role)
    _extra_sections(b, role)

    b.para(kpis, "Heading 1")
    if role.kpis is None:
        b.para(views.NO_KPIS)
    elif role.kpis.status == "proposed":
        b.para(views.PROPOSED_NOTICE, "Notice")
        if role.kpis.note:
            b.para(role.kpis.note)
    if role.kpis is not None:
        grid = _data_table(b, views.KPI_COLUMNS, views.kpi_rows(role), tables.kpi_widths)
        # Under each KPI's name, the duties it measures (as in the PDF), worded once by views.
        for cell, kpi in zip(grid.table.column_cells(0)[1:], role.kpis.items):
            note = views.kpi_measures_text(role, kpi)
            if note:
                paragraph = cell.add_paragraph()
                b.s.set_style(paragraph, "Table Note")
                b.s.run(paragraph, note)

    revisions = views.revision_rows(view, role, views.REVISIONS_IN_DOCUMENT)
    if revisions:
        b.para(views.REVISIONS_HEADING, "Heading 1")
        rows = [tuple(cell or "—" for cell in row.cells) for row in revisions]
        _data_table(b, views.REVISION_COLUMNS, rows, [1.2, 1.8, 5.2, 1.8])

    b.para(signatures, "Heading 1")
    _signature_table(b)
    b.para(views.COPIES_NOTE).paragraph_format.space_before = Pt(6)
    stamp_role(b.doc, role)  # id, version and fingerprints, so `handbook import` can take HR's edits back
    return b.finish(view, number=views.role_number_line(role), footer=views.jd_footer(role), title=title,
                    subject=views.JD_SECTIONS[0], keywords=views.role_number(role))


def _basic_info(b: Builder, pairs: list[tuple[str, str]], row_height_cm: float) -> None:
    """(label, value) pairs side by side, ``basic_info_pairs_per_row`` to a row; an empty value is a blank."""
    tables = b.cfg.tables
    per_row = tables.basic_info_pairs_per_row
    label = round(b.width * tables.basic_info_label_width)
    value = (b.width - per_row * label) // per_row
    widths = [label, value] * per_row
    widths[-1] += b.width - sum(widths)
    grid = Grid(b, widths)
    for start in range(0, len(pairs), per_row):
        chunk = pairs[start:start + per_row]
        spans = [1, 1] * len(chunk)
        spans[-1] += 2 * (per_row - len(chunk))
        cells = grid.row(spans, height_cm=row_height_cm)
        for i, (name, text) in enumerate(chunk):
            b.write(cells[2 * i], name, "Table Heading", fill=tables.label_fill)
            b.write(cells[2 * i + 1], text)


def _duties(b: Builder, role: Role) -> None:
    numbering = None  # made at the first duty line: only then does the file need a numbering part
    for item in outline.duty_outline(role):
        if item.is_heading:
            separator = "" if item.label.endswith("、") else " "
            b.para(f"{item.label}{separator}{item.text}", "Heading 2" if item.depth == 0 else "Heading 3")
            continue
        paragraph = b.para("", list_style(item.depth))
        numbering = numbering or DutyNumbering(b)
        num_id = numbering.item(item)
        num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val, num_pr.get_or_add_numId().val = 0, num_id or 0
        if num_id is None:  # no Word numbering format matches this label: printed, the style's numbering off
            b.s.run(paragraph, f"{item.label} ")
        b.s.run(paragraph, item.text)


def _extra_sections(b: Builder, role: Role) -> None:
    """岗位权限, 工作关系, 任职资格 when the role has them: plain paragraphs with typed numbers ("1. …"), which
    survive any restyling and read back the same in ``handbook import``."""
    for section in views.extra_sections(role):
        b.para(section.heading, "Heading 1")
        for line in views.extra_section_lines(section):
            label, colon, value = line.partition("：")
            if colon and not line[:1].isdigit():  # '学历：大专' or '知识/技能/能力素质：': the label in bold, as in the PDF
                paragraph = b.para()
                b.s.run(paragraph, label + colon, "Strong")  # Word's built-in bold character style
                if value:
                    b.s.run(paragraph, value)
            else:
                b.para(line).paragraph_format.left_indent = Cm(LIST_INDENT_CM)


def _data_table(b: Builder, columns: tuple[str, ...], rows: list[tuple[str, ...]], weights: list[float],
                *, row_height_cm: float | None = None, total: tuple[str, ...] | None = None) -> Grid:
    tables = b.cfg.tables
    grid = Grid(b, split(b.width, list(weights)[:len(columns)] + [1] * (len(columns) - len(weights))))
    for cell, name in zip(grid.row(header=True), columns):
        b.write(cell, name, "Table Heading", align="center", fill=tables.header_fill)
    for values in rows:
        for cell, text in zip(grid.row(height_cm=row_height_cm), values):
            b.write(cell, text)
    if total:
        for cell, text in zip(grid.row(height_cm=row_height_cm), total):
            b.write(cell, text, "Table Heading", fill=tables.label_fill)
    return grid


def _signature_table(b: Builder) -> None:
    tables = b.cfg.tables
    grid = Grid(b, split(b.width, tables.signature_widths))
    for cell, text in zip(grid.row(header=True), ("", *views.SIGNATURE_LABELS)):
        b.write(cell, text, "Table Heading", align="center", fill=tables.header_fill)
    for who in views.SIGNATORIES:
        cells = grid.row(height_cm=tables.signature_row_height_cm)
        b.write(cells[0], who, "Table Heading", fill=tables.label_fill)
        for cell in cells[1:]:
            b.write(cell)


# --------------------------------------------------------------------------- appraisal


def appraisal(view: DocumentView, role: Role) -> bytes:
    """绩效考核表: rows as tall as the PDF's, to write 实际完成, 得分 and 备注 by hand."""
    b = Builder()
    cfg = b.cfg
    title = b.start(views.appraisal_title(role), role)

    _basic_info(b, views.appraisal_info(view, role), cfg.appraisal.head_row_height_cm)
    b.para("")

    if role.kpis is not None and role.kpis.status == "proposed":
        b.para(views.PROPOSED_NOTICE, "Notice")
    _data_table(b, views.APPRAISAL_COLUMNS, views.appraisal_rows(role), cfg.tables.appraisal_widths,
                row_height_cm=cfg.appraisal.row_height_cm, total=views.appraisal_total_row(role))

    line = cfg.forms.blank * 2
    b.para("")
    for who in views.APPRAISAL_SIGNERS:
        b.para(who + views.line_text(views.signature_items(), {"sign": line, "date": line}))
    return b.finish(view, number=views.role_number_line(role), footer=views.appraisal_footer(role),
                    title=title, subject="绩效考核表", keywords=views.role_number(role))


# --------------------------------------------------------------------------- blank forms


@dataclass
class Box:
    """One cell of a form: its left and right edges in twips and what to write in it."""

    left: int
    right: int
    text: str = ""
    style: str = "Table Text"
    fill: str | None = None
    align: str | None = None
    hint: str | None = None
    middle: bool = True  # vertically centred; handwriting boxes start at the top


@dataclass
class Line:
    boxes: list[Box]
    height_cm: float | None = None


def form(view: DocumentView, form: Form) -> bytes:  # noqa: A001 - name fixed by generator.documents.plan
    b = Builder()
    title = b.start(form.title, form)
    for text in form.instructions:
        b.para(text)
    _emit_lines(b, _form_lines(b, views.form_layout(view, form)))
    if form.footer_note:
        b.para("")
        b.para(form.footer_note)
    return b.finish(view, number=views.form_number_line(form), footer=views.form_footer(form), title=title,
                    subject="空白表单", keywords=form.number)


def _form_lines(b: Builder, layout: list[views.SectionLayout]) -> list[Line]:
    """Every row of the form as boxes on the page width; the table grid is derived from their edges.

    Each quarter of the 4-column grid is a label column and a value column, so labels line up.
    """
    cfg, tables = b.cfg.forms, b.cfg.tables
    width = b.width
    quarter = [round(q * width / views.GRID) for q in range(views.GRID + 1)]
    label_width = round(width / views.GRID * cfg.label_share)
    blank = cfg.blank  # blanks to write on, as underscores (views.value_items names them)
    blanks = {"sign": blank * 2, "date": blank, "other": blank, "fill": cfg.venue_blank}
    lines: list[Line] = []
    for section in layout:
        lines.append(Line([Box(0, width, section.heading, "Table Heading", tables.section_fill)]))
        for row in section.rows:
            if len(row) == 1 and row[0].type == "table":
                lines.extend(_table_field(b, row[0]))
                continue
            boxes, height, position = [], cfg.row_height_cm, 0
            for cell in row:
                left, right = quarter[position], quarter[position + cell.span]
                boxes.append(Box(left, left + label_width, cell.label, "Table Heading", tables.label_fill))
                value = views.line_text(views.value_items(cell), blanks)
                boxes.append(Box(left + label_width, right, value, hint=cell.field.hint,
                                 middle=cell.type != "lines"))
                if cell.type == "lines":
                    height = max(height, cell.field.lines * cfg.line_height_cm)
                position += cell.span
            lines.append(Line(boxes, height))
    return lines


def _table_field(b: Builder, cell: views.Cell) -> list[Line]:
    """A "table" field: its label across the page, a header row and empty rows for handwriting."""
    cfg, tables = b.cfg.forms, b.cfg.tables
    columns = cell.field.columns
    widths = split(b.width, [c.width for c in columns]) if columns else [b.width]
    edges = [0, *accumulate(widths)]
    lines = [Line([Box(0, b.width, cell.label, "Table Heading", tables.label_fill, hint=cell.field.hint)])]
    if columns:
        lines.append(Line([Box(a, z, col.label, "Table Heading", align="center")
                           for a, z, col in zip(edges, edges[1:], columns)]))
    lines += [Line([Box(a, z) for a, z in zip(edges, edges[1:])], cfg.table_row_height_cm)
              for _ in range(cell.field.rows)]
    return lines


def _emit_lines(b: Builder, lines: list[Line]) -> None:
    """One table for the whole form; its grid is the union of all box edges (near edges snapped)."""
    edges = sorted({x for line in lines for box in line.boxes for x in (box.left, box.right)})
    # Snapping never closes a box: boxes are at least twice as wide as the snapping distance.
    snap = min(SNAP, min(box.right - box.left for line in lines for box in line.boxes) // 2)
    kept: list[int] = []
    for x in edges:
        if kept and x - kept[-1] < snap:
            if x == b.width:
                kept[-1] = x
            continue
        kept.append(x)

    def index(x: int) -> int:
        return min(range(len(kept)), key=lambda i: abs(kept[i] - x))

    grid = Grid(b, [z - a for a, z in zip(kept, kept[1:])])
    for line in lines:
        spans = [index(box.right) - index(box.left) for box in line.boxes]
        cells = grid.row(spans, height_cm=line.height_cm)
        for box, cell in zip(line.boxes, cells):
            paragraph = b.write(cell, box.text, box.style, fill=box.fill, align=box.align, middle=box.middle)
            if box.hint:
                b.s.run(paragraph, ("　" if box.text else "") + box.hint, "Form Hint")
