"""Reading back a job description this project generated, after HR edited it in Word or LibreOffice.

Structure is found by what survives any editor: the section headings' *text* (岗位目的, 岗位职责 …),
the order of paragraphs, heading levels and typed heading labels (``一、`` ``1.``), and the KPI
table's header row. Run formatting, style ids, list definitions and typed duty numbers are ignored,
so a file that LibreOffice rewrote or whose tracked changes Word accepted reads the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...documents import views
from .sources import Para, Source, Table
from .text import split_label, strip_label

SECTION_HEADINGS = (*views.JD_SECTIONS, *views.EXTRA_SECTIONS, views.REVISIONS_HEADING)
KPI_FIELDS = ("name", "definition", "target", "weight", "cycle", "source")
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$")
# Depth of a group heading by the label views.duty_outline gives it.
_HEADING_DEPTH = {"cn": 0, "dot": 1, "right-paren": 2, "paren": 3}


@dataclass
class Node:
    kind: str            # "duty" or "group"
    text: str
    children: list["Node"] = field(default_factory=list)


@dataclass
class Edited:
    """What the Word file says now, section by section (None: the section is not in the file)."""

    title: str = ""
    purpose: str | None = None
    duties: list[Node] | None = None
    kpi_note: str | None = None
    kpi_rows: list[dict[str, str]] | None = None
    kpi_header: tuple[str, ...] = ()
    basic: list[tuple[str, str]] = field(default_factory=list)
    extras: dict[str, list[str]] = field(default_factory=dict)


def _section_of(para: Para) -> str | None:
    text = strip_label(para.text).strip().rstrip("：:")
    return text if text in SECTION_HEADINGS else None


def read(source: Source) -> Edited:
    edited = Edited()
    current: str | None = None
    by_section: dict[str | None, list] = {}
    for block in source.blocks:
        if isinstance(block, Para):
            section = _section_of(block)
            if section and section not in by_section:
                current = section
                by_section[current] = []
                continue
        by_section.setdefault(current, []).append(block)

    before = [b for b in by_section.get(None, []) if isinstance(b, Para) and b.text.strip()]
    edited.title = before[0].text.strip() if before else ""
    info, purpose, duties, kpis, _signatures = views.JD_SECTIONS
    if info in by_section:
        for table in (b for b in by_section[info] if isinstance(b, Table)):
            for row in table.rows:
                cells = ["".join(cell).strip() for cell in row]
                edited.basic += [(cells[i], cells[i + 1]) for i in range(0, len(cells) - 1, 2) if cells[i]]
    if purpose in by_section:
        edited.purpose = "".join(b.text.strip() for b in by_section[purpose] if isinstance(b, Para))
    if duties in by_section:
        edited.duties = _duty_tree([b for b in by_section[duties] if isinstance(b, Para)])
    if kpis in by_section:
        notes = [b.text.strip() for b in by_section[kpis]
                 if isinstance(b, Para) and b.text.strip() and b.text.strip() != views.PROPOSED_NOTICE]
        edited.kpi_note = "".join(notes)
        for table in (b for b in by_section[kpis] if isinstance(b, Table)):
            header = tuple("".join(cell).strip() for cell in table.rows[0]) if table.rows else ()
            if header[:1] == views.KPI_COLUMNS[:1]:
                edited.kpi_header = header
                edited.kpi_rows = _kpi_rows(header, table.rows[1:])
                break
    for heading in views.EXTRA_SECTIONS:
        if heading in by_section:
            edited.extras[heading] = [b.text.strip() for b in by_section[heading]
                                      if isinstance(b, Para) and b.text.strip()]
    return edited


def _kpi_rows(header: tuple[str, ...], rows) -> list[dict[str, str]]:
    """Cells by column heading, so a table whose columns HR moved still reads right."""
    index = {name: header.index(name) for name in views.KPI_COLUMNS if name in header}
    found = []
    for row in rows:
        # '考核职责：3. 9.' under a KPI's name says which duties it measures: derived from the YAML for the
        # rows it has, read for a row HR added.
        cells = ["".join(part.strip() for part in cell if not part.strip().startswith(views.MEASURES_LABEL))
                 for cell in row]
        if not any(cells):
            continue  # an empty row HR added or left
        values = {key: cells[index[col]] if col in index and index[col] < len(cells) else ""
                  for key, col in zip(KPI_FIELDS, views.KPI_COLUMNS)}
        values["measures"] = " ".join(part.strip()[len(views.MEASURES_LABEL):] for cell in row for part in cell
                                      if part.strip().startswith(views.MEASURES_LABEL))
        found.append(values)
    return found


def _heading_depth(para: Para) -> int | None:
    """Depth of a duty-group heading, or None when the paragraph is a duty."""
    labelled = split_label(para.text)
    match = _HEADING_STYLE.match(para.style)
    is_heading = bool(match and int(match.group(1)) >= 2) or (not para.numbered and labelled.kind == "cn")
    if not is_heading:
        return None
    if labelled.kind in _HEADING_DEPTH:
        return _HEADING_DEPTH[labelled.kind]
    return max(0, int(match.group(1)) - 2) if match else 0


def _duty_tree(paras: list[Para]) -> list[Node]:
    root: list[Node] = []
    open_groups: list[tuple[int, Node]] = []
    for para in paras:
        if not para.text.strip():
            continue
        depth = _heading_depth(para)
        text = strip_label(para.text)
        if depth is not None:
            while open_groups and open_groups[-1][0] >= depth:
                open_groups.pop()
            node = Node("group", text)
            (open_groups[-1][1].children if open_groups else root).append(node)
            open_groups.append((depth, node))
        else:
            if para.num_format.startswith(("chinese", "ideograph", "taiwanese", "japanese")):
                open_groups.clear()  # numbered 一、二、 like the groups: a top-level duty after a group
            (open_groups[-1][1].children if open_groups else root).append(Node("duty", text))
    return root


def section_texts(edited: Edited) -> dict[str, list[str]]:
    """The same lines as :func:`generator.documents.views.jd_section_texts`, read from the file (parts it has)."""
    texts: dict[str, list[str]] = {}
    if edited.purpose is not None:
        texts["purpose"] = [edited.purpose]
    if edited.duties is not None:
        lines: list[str] = []

        def walk(nodes: list[Node], depth: int) -> None:
            for node in nodes:
                lines.append(f"{'H' if node.kind == 'group' else 'D'}{depth}:{node.text}")
                walk(node.children, depth + 1)

        walk(edited.duties, 0)
        texts["duties"] = lines
    if edited.kpi_rows is not None:
        texts["kpis"] = ["|".join(row[key] for key in KPI_FIELDS) for row in edited.kpi_rows] + [
            f"note:{edited.kpi_note or ''}"]
    for heading, key in views.EXTRA_KEYS.items():
        texts[key] = edited.extras.get(heading, [])
    return texts
