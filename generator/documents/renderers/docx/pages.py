"""How many pages a Word file will have, estimated without a word processor: the NUMPAGES result viewers show
before they lay the file out (ARCHITECTURE.md, "Word files": the fonts' metrics, how it was measured)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

LINE_EM = 1.448  # Noto Sans CJK's ascent + descent, per em: a "single" line with Chinese in LibreOffice
LATIN_EM = 1.164  # DejaVu Sans (LibreOffice's Arial here): a line with no Chinese character is lower
CELL_MARGIN = 108 * 2  # twips, Word's default left + right cell margins (Table Grid, Normal Table)
ROW_BORDERS = 10  # twips of horizontal borders per table row
WIDOW = 2  # lines kept together at the bottom and top of a page (widow/orphan control)
# Full-width punctuation may hang past the end of a line (Word: 允许标点溢出边界; LibreOffice: hanging
# punctuation, both on by default) instead of starting a new one.
HANGING = frozenset("，。、；：！？）」』】》〉”’")
SLACK = 40  # twips of tolerance at the page bottom, calibrated on 261 files against LibreOffice

# Clark names, computed once: qn() is the hot spot of a walk over every paragraph and cell.
P, TBL, TR, TC, T = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:t")
PPR, PSTYLE, SPACING, IND, VAL, W = qn("w:pPr"), qn("w:pStyle"), qn("w:spacing"), qn("w:ind"), qn("w:val"), qn("w:w")
TCPR, TCW, TRPR, TRHEIGHT, TBLHEADER = qn("w:tcPr"), qn("w:tcW"), qn("w:trPr"), qn("w:trHeight"), qn("w:tblHeader")


@dataclass(frozen=True)
class Para:
    size: float  # pt
    line: float  # twips per line with Chinese characters
    latin_line: float  # twips per line without
    before: int
    after: int
    indent: int  # twips lost to left/right indents
    keep_next: bool
    contextual: bool  # no spacing between paragraphs of the same style (List Number has it)
    style: str | None


def _latin_width(ch: str) -> float:
    """Advance of one Latin character in em (Arial / Liberation Sans)."""
    if ch == " ":
        return 0.278
    if ch.isdigit() or ch in "_$#":
        return 0.556
    if ch.isupper():
        return 0.667
    if ch.islower():
        return 0.5 if ch not in "ijlft" else 0.28
    return 0.333


@lru_cache(maxsize=4096)
def _width_em(ch: str) -> float:
    code = ord(ch)
    if code < 0x2E80 and code not in (0x25A1, 0x2014, 0x2026, 0x201C, 0x201D, 0x2018, 0x2019):
        return _latin_width(ch)
    return 1.0  # CJK ideographs, full-width punctuation, □ in the Chinese font


def width_em(text: str) -> float:
    """The advance of a line of ``text`` in em (CJK 1 em, Latin by Arial's widths)."""
    return sum(_width_em(ch) for ch in text)


def text_lines(text: str, size: float, width: int) -> list[bool]:
    """The lines a paragraph of ``text`` takes at ``size`` pt in ``width`` twips (at least one): for each,
    whether it holds a Chinese (full-width) character, which makes the line taller."""
    lines = [not text]  # an empty paragraph is as tall as a line of Chinese
    used = 0.0
    per_em = size * 20
    for ch in text:
        if ch == "\n":
            lines.append(False)
            used = 0.0
            continue
        em = _width_em(ch)
        advance = em * per_em
        if used + advance > max(width, per_em) + 0.5 and not (used and ch in HANGING):
            lines.append(False)
            used = 0.0
        used += advance
        if em == 1.0:
            lines[-1] = True
    return lines


class Styles:
    """Resolved paragraph properties by style id (base styles and docDefaults followed)."""

    def __init__(self, doc: DocxDocument):
        root = doc.styles.element
        self.by_id = {s.get(qn("w:styleId")): s for s in root.findall(qn("w:style"))}
        self.default_id = next((s.get(qn("w:styleId")) for s in root.findall(qn("w:style"))
                                if s.get(qn("w:type")) == "paragraph" and s.get(qn("w:default")) == "1"), None)
        defaults = root.find(qn("w:docDefaults"))
        self.defaults = [defaults.find(qn("w:rPrDefault")), defaults.find(qn("w:pPrDefault"))]
        self._cache: dict[str | None, Para] = {}

    def _chain(self, style_id: str | None) -> list:
        chain, seen = [], set()
        current = style_id or self.default_id
        while current and current in self.by_id and current not in seen:
            seen.add(current)
            element = self.by_id[current]
            chain.append(element)
            based = element.find(qn("w:basedOn"))
            current = based.get(qn("w:val")) if based is not None else None
        return chain + [d for d in self.defaults if d is not None]

    def para(self, style_id: str | None) -> Para:
        if style_id not in self._cache:
            self._cache[style_id] = self._resolve(self._chain(style_id), style_id=style_id)
        return self._cache[style_id]

    @staticmethod
    def _first(chain: list, path: str, attr: str):
        for element in chain:
            found = element.find(path)
            if found is not None and found.get(qn(attr)) is not None:
                return found.get(qn(attr))
        return None

    def _resolve(self, chain: list, direct=None, style_id: str | None = None) -> Para:
        chain = ([direct] if direct is not None else []) + chain

        def first(tag: str, attr: str, default=None):
            return self._first(chain, f".//{qn(tag)}", attr) or default

        size = int(first("w:sz", "w:val", 22)) / 2
        line_value, rule = first("w:spacing", "w:line"), first("w:spacing", "w:lineRule", "auto")

        def height(em: float) -> float:
            natural = size * 20 * em
            if line_value is None:
                return natural
            if rule == "auto":
                return natural * int(line_value) / 240
            if rule == "exact":
                return int(line_value)
            return max(natural, int(line_value))

        line, latin_line = height(LINE_EM), height(LATIN_EM)
        before, after = int(first("w:spacing", "w:before", 0)), int(first("w:spacing", "w:after", 0))
        indent = int(first("w:ind", "w:left", 0)) + int(first("w:ind", "w:right", 0))
        keep = any(element.find(f".//{qn('w:keepNext')}") is not None for element in chain)
        contextual = any(element.find(f".//{qn('w:contextualSpacing')}") is not None for element in chain)
        return Para(size, line, latin_line, before, after, indent, keep, contextual, style_id)

    def of(self, p) -> Para:
        ppr = p.find(PPR)
        style = ppr.find(PSTYLE) if ppr is not None else None
        style_id = style.get(VAL) if style is not None else None
        if ppr is not None and (ppr.find(SPACING) is not None or ppr.find(IND) is not None):
            return self._resolve(self._chain(style_id), ppr, style_id)
        return self.para(style_id)


def _paragraph_lines(styles: Styles, p, width: int) -> tuple[Para, list[float]]:
    """A paragraph's properties and the height of each of its lines in twips."""
    para, text = styles.of(p), "".join(t.text or "" for t in p.iter(T))
    return para, [para.line if chinese else para.latin_line
                  for chinese in text_lines(text, para.size, width - para.indent)]


def _row_height(styles: Styles, tr) -> int:
    content = 0.0
    for tc in tr.iterchildren(TC):
        tc_pr = tc.find(TCPR)
        tc_w = tc_pr.find(TCW) if tc_pr is not None else None
        width = int(tc_w.get(W)) - CELL_MARGIN if tc_w is not None else 2000
        height = 0.0
        for p in tc.iterchildren(P):
            para, lines = _paragraph_lines(styles, p, width)
            height += para.before + sum(lines) + para.after
        content = max(content, height)
    tr_pr = tr.find(TRPR)
    row_height = tr_pr.find(TRHEIGHT) if tr_pr is not None else None
    minimum = int(row_height.get(VAL)) if row_height is not None else 0
    return max(minimum, math.ceil(content) + ROW_BORDERS)  # a set height includes the borders


def estimate_pages(doc: DocxDocument) -> int:
    """Pages of ``doc`` when laid out by LibreOffice (see the module's docstring for the limits)."""
    section = doc.sections[0]
    width = round((section.page_width - section.left_margin - section.right_margin) / 635)
    height = round((section.page_height - section.top_margin - section.bottom_margin) / 635) + SLACK
    styles = Styles(doc)
    pages, y = 1, 0.0
    previous: Para | None = None  # the paragraph just above, for contextual spacing

    def new_page() -> None:
        nonlocal pages, y
        pages, y = pages + 1, 0.0

    blocks = [child for child in doc.element.body if child.tag in (P, TBL)]
    for index, block in enumerate(blocks):
        if block.tag == P:
            para, lines = _paragraph_lines(styles, block, width)
            if para.contextual and previous is not None and previous.style == para.style:
                y -= previous.after  # "don't add space between paragraphs of the same style"
                para = replace(para, before=0)
            needed = para.before + sum(lines[:WIDOW])
            if para.keep_next and index + 1 < len(blocks):
                needed += _first_unit(styles, blocks[index + 1], width)
            if y > 0 and y + needed > height:
                new_page()
            y += para.before
            for line in lines:
                if y + line > height:
                    new_page()
                y += line
            y += para.after  # may run past the bottom margin (the next paragraph then starts a page)
            previous = para
        else:
            previous = None
            rows = [(_row_height(styles, tr), tr.find(f"{TRPR}/{TBLHEADER}") is not None)
                    for tr in block.iterchildren(TR)]
            header = sum(row for row, is_header in rows if is_header)
            for row, is_header in rows:
                if y > 0 and y + row > height:
                    new_page()
                    y += 0 if is_header else header
                y += row
    return pages


def _first_unit(styles: Styles, block, width: int) -> float:
    """Height that must follow a heading on its page: the next paragraph's first lines or the next table's
    first two rows (its header and one row)."""
    if block.tag == P:
        para, lines = _paragraph_lines(styles, block, width)
        return para.before + sum(lines[:WIDOW])
    return sum(_row_height(styles, tr) for tr in block.findall(TR)[:2])
