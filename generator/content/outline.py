"""How the content is spoken of wherever it appears (documents, pages, the change list, the coverage notes):
the numbered duty outline (一、 1. 1) (1)), which duties a KPI measures by those numbers, Chinese numerals."""

from __future__ import annotations

from dataclasses import dataclass

from .model import KPI, DutyGroup, Role, duty_text, iter_duties

CHINESE_NUMERALS = "一二三四五六七八九十"


def chinese_numeral(n: int) -> str:
    if n <= 10:
        return CHINESE_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return f"{CHINESE_NUMERALS[tens - 1] if tens > 1 else ''}十{CHINESE_NUMERALS[ones - 1] if ones else ''}"


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
    if depth == 0 and siblings_have_groups:
        return f"{chinese_numeral(number)}、"
    return ("{}.", "{}.", "{})", "({})")[min(depth, 3)].format(number)


def duty_outline(role: Role) -> list[OutlineItem]:
    """Flatten the duties into numbered lines; numbering restarts inside each group (only the top level's
    labels depend on whether there are groups: 一、 or 1.)."""
    groups = any(isinstance(entry, DutyGroup) for entry in role.duties)
    return [OutlineItem(len(path) - 1, path[-1], label(len(path) - 1, path[-1], groups), duty_text(entry),
                        isinstance(entry, DutyGroup), getattr(entry, "id", None))
            for path, entry in iter_duties(role.duties)]


def all_duty_texts(role: Role) -> list[str]:
    return [item.text for item in duty_outline(role) if not item.is_heading]


def percent(value: float) -> str:
    return f"{value:g}%"


def weight_text(kpi: KPI) -> str:
    return percent(kpi.weight)


def kpi_items(role: Role) -> list[KPI]:
    """The role's KPIs; none for a draft that has not got them yet."""
    return list(role.kpis.items) if role.kpis else []


def full_labels(items: list[OutlineItem]) -> list[str]:
    """Each line's label (of :func:`duty_outline`) with its groups' labels in front: inside groups numbering
    restarts, so '二、2.7)' is duty 7) of group 2. of group 二、 (a flat role keeps '3.')."""
    labels, path = [], []
    for item in items:
        path = path[:item.depth] + [item.label]
        labels.append("".join(path))
    return labels


def kpi_measures(role: Role, kpi: KPI) -> list[str]:
    """Full labels (:func:`full_labels`) of the duties a KPI measures, in the order they are printed."""
    items = duty_outline(role)
    labels = {item.id: full for item, full in zip(items, full_labels(items)) if item.id}
    return [label for duty_id, label in labels.items() if duty_id in kpi.measures]


def duty_kpis(role: Role) -> dict[str, list[tuple[int, KPI]]]:
    """Duty id → the KPIs whose ``measures`` name it, as (1-based KPI row number, KPI), in table order: the
    reverse of :func:`kpi_measures`, for the role page to show beside each duty what measures it."""
    found: dict[str, list[tuple[int, KPI]]] = {}
    for number, kpi in enumerate(kpi_items(role), start=1):  # a draft may have no KPIs yet
        for ref in dict.fromkeys(kpi.measures):
            found.setdefault(ref, []).append((number, kpi))
    return found
