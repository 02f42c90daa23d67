"""Does every duty have a KPI, and does the KPI weight rest on more than one duty? Questions for HR, not
mistakes, so *notes* (the definitions: ARCHITECTURE.md, "Checking the content")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import Problem
from .model import DutyGroup, Role, duty_loc, duty_text, iter_duties
from .outline import duty_outline, full_labels

if TYPE_CHECKING:  # pragma: no cover
    from .loaded import Loaded

CONCENTRATION = 0.5  # a note when one duty carries more than this share of the role's KPI weight
MIN_DUTIES = 3  # with fewer duties, one carrying half the weight is only arithmetic
SHOWN_CHARS = 18

#: (id of role, id of its document) → (role, document, notes): a role the loader hands out again (the live
#: preview keeps unchanged files' objects) is not examined again; _BEFORE is the generation before (the
#: editor checks a save on a mirror of the content root, whose roles are other objects)
_SEEN: dict[tuple[int, int], tuple] = {}
_BEFORE: dict[tuple[int, int], tuple] = {}


def run(roles: list["Loaded"]) -> list[Problem]:
    """Notes for every role (cross-checks call this once)."""
    global _SEEN, _BEFORE
    seen = {}
    for item in roles:
        key = (id(item.obj), id(item.doc))
        found = _SEEN.get(key) or _BEFORE.get(key)
        if found is None or found[0] is not item.obj or found[1] is not item.doc:
            found = (item.obj, item.doc, role_notes(item))
        seen[key] = found
    _SEEN, _BEFORE = seen, _SEEN
    return [problem for *_, notes in seen.values() for problem in notes]


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def measured_paths(role: Role) -> set[tuple[int, ...]]:
    """Numbering paths of the duties some KPI measures, directly or through their group."""
    named = {ref for kpi in role.kpis.items for ref in kpi.measures}
    measured: set[tuple[int, ...]] = set()
    for path, entry in iter_duties(role.duties):
        if getattr(entry, "id", None) in named or any(path[:n] in measured for n in range(1, len(path))):
            measured.add(path)
    return measured


def role_notes(item: "Loaded") -> list[Problem]:
    role, doc = item.obj, item.doc
    if role.kpis is None:  # a draft without KPIs: its own note says so ("draft: … not filled in yet")
        return []
    notes: list[Problem] = []
    duties = list(iter_duties(role.duties))
    labels = dict(zip((path for path, _ in duties), full_labels(duty_outline(role))))
    measured = measured_paths(role)
    for path, entry in duties:
        if isinstance(entry, DutyGroup) or path in measured:
            continue
        entry_id = getattr(entry, "id", None)
        how = (f"把 '{entry_id}' 写进考核它的 KPI 的 measures" if entry_id else
               "先给它一个英文 id（写成 '- id: …' 加下一行 'text: …'），再写进考核它的 KPI 的 measures")
        notes.append(doc.note(duty_loc(path), "coverage.unmeasured", label=labels[path],
                              text=_short(duty_text(entry)), how=how))

    total = sum(kpi.weight for kpi in role.kpis.items)
    by_id = {entry.id: (path, entry) for path, entry in duties if getattr(entry, "id", None)}
    alone: dict[str, list[int]] = {}
    for k, kpi in enumerate(role.kpis.items):
        if len(set(kpi.measures)) == 1 and kpi.measures[0] in by_id:
            alone.setdefault(kpi.measures[0], []).append(k)
    count = sum(not isinstance(entry, DutyGroup) for _, entry in duties)
    for duty_id, ks in alone.items():
        weight = sum(role.kpis.items[k].weight for k in ks)
        if total <= 0 or weight / total <= CONCENTRATION or count < MIN_DUTIES:
            continue
        names = "、".join(f"'{role.kpis.items[k].name}' ({role.kpis.items[k].weight:g}%)" for k in ks)
        path, entry = by_id[duty_id]
        notes.append(doc.note(("kpis", "items", ks[0]), "coverage.concentrated", share=weight / total,
                              label=labels[path], text=_short(duty_text(entry)), names=names))
    return notes
