"""How the content is spoken of wherever it appears: the numbered duty outline (一、 1. 1) (1)), which duties a
KPI measures by those numbers, Chinese numerals and percentages.

Documents, pages, the change list and the coverage notes all print duties by these labels, so they live with
the content model rather than with any one output.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import KPI, DutyGroup, Role, duty_text

CHINESE_NUMERALS = "一二三四五六七八九十"


def chinese_numeral(n: int) -> str:
    if n <= 10:
        return CHINESE_NUMERALS[n - 1]
    if n < 20:
        return "十" + (CHINESE_NUMERALS[n - 11] if n > 10 else "")
    tens, ones = divmod(n, 10)
    return CHINESE_NUMERALS[tens - 1] + "十" + (CHINESE_NUMERALS[ones - 1] if ones else "")


NOT_YET = "待定"  # what a draft shows for a 岗位编号 or department it does not have yet


@dataclass(frozen=True)
class OutlineItem:
    """One numbered line of the duty list: a group heading or a duty."""

    depth: int
    number: int
    label: str
    text: str
    is_heading: bool
    id: str | None = None


def label(depth: int, number: int, siblings_have_groups: bool) -> str:
    if depth == 0:
        return f"{chinese_numeral(number)}、" if siblings_have_groups else f"{number}."
    if depth == 1:
        return f"{number}."
    if depth == 2:
        return f"{number})"
    return f"({number})"


def duty_outline(role: Role) -> list[OutlineItem]:
    """Flatten the duties into numbered lines; numbering restarts inside each group."""
    items: list[OutlineItem] = []

    def walk(entries: list, depth: int) -> None:
        has_groups = any(isinstance(e, DutyGroup) for e in entries)
        for number, entry in enumerate(entries, start=1):
            group = isinstance(entry, DutyGroup)
            items.append(OutlineItem(depth, number, label(depth, number, has_groups), duty_text(entry), group,
                                     getattr(entry, "id", None)))
            if group:
                walk(entry.duties, depth + 1)

    walk(role.duties, 0)
    return items


def all_duty_texts(role: Role) -> list[str]:
    return [item.text for item in duty_outline(role) if not item.is_heading]


def percent(value: float) -> str:
    return f"{value:g}%"


def weight_text(kpi: KPI) -> str:
    return percent(kpi.weight)


def kpi_items(role: Role) -> list[KPI]:
    """The role's KPIs; none for a draft that has not got them yet."""
    return list(role.kpis.items) if role.kpis else []


def kpi_measures(role: Role, kpi: KPI) -> list[str]:
    """Numbering labels of the duties a KPI measures, in the order the duties are printed, e.g. ['3.', '9.'].

    Inside groups numbering restarts, so a label carries its groups' labels in front:
    ['二、2.7)'] is duty 7) of group 2. of group 二、 (a flat role keeps '3.').
    """
    labels: dict[str, str] = {}  # duty id → label, in outline order
    path: list[str] = []
    for item in duty_outline(role):
        path = path[:item.depth] + [item.label]
        if item.id:
            labels[item.id] = "".join(path)
    wanted = set(kpi.measures)
    return [label for duty_id, label in labels.items() if duty_id in wanted]


def duty_kpis(role: Role) -> dict[str, list[tuple[int, KPI]]]:
    """Duty id → the KPIs whose ``measures`` name it, as (1-based KPI row number, KPI), in table order.

    The reverse of :func:`kpi_measures`: the role page shows beside each duty what measures it.
    """
    found: dict[str, list[tuple[int, KPI]]] = {}
    for number, kpi in enumerate(kpi_items(role), start=1):  # a draft may have no KPIs yet
        for ref in dict.fromkeys(kpi.measures):
            found.setdefault(ref, []).append((number, kpi))
    return found
