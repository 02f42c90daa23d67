"""Does every duty have a KPI, and does the KPI weight rest on more than one duty?

Both are questions for HR, not mistakes: a catch-all duty (完成上级交办的其他任务)
may rightly go unmeasured. So they are *notes*: ``handbook check`` prints them and
the build goes on.

Definitions (also stated in the notes' hints):

* A duty is *measured* when a KPI's ``measures`` names it, or names a group it belongs
  to. Group headings themselves are not duties; duties without an id cannot be named.
* The KPI weight *sits on a single duty* when the KPIs that measure that duty and
  nothing else carry more than half (> 50 %) of the role's total KPI weight, in a role
  of three duties or more: one line of the job description then decides most of the
  appraisal. (With one or two duties, one of them carrying half is only arithmetic.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import Problem
from .model import DutyGroup, Role, iter_duties
from .outline import duty_outline

if TYPE_CHECKING:  # pragma: no cover
    from .loaded import Loaded

CONCENTRATION = 0.5  # a note when one duty carries more than this share of the role's KPI weight
MIN_DUTIES = 3  # with fewer duties, one carrying half the weight is only arithmetic
SHOWN_CHARS = 18


#: (id of role, id of its document) → (role, document, notes): a role the loader hands out again (the live
#: preview keeps unchanged files' objects) is not examined again
_SEEN: dict[tuple[int, int], tuple] = {}


#: the generation before: the preview's editor checks a save on a mirror of the content root, whose roles are
#: other objects; without it every check and every rebuild would examine every role again
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


def _loc(path: tuple[int, ...]) -> tuple:
    """Numbering path (1-based, as :func:`iter_duties` yields it) → YAML location of the duty."""
    loc: tuple = ("duties",)
    for depth, index in enumerate(path):
        loc += (index - 1,) if depth == 0 else ("duties", index - 1)
    return loc


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def _labels(role: Role) -> dict[tuple[int, ...], str]:
    """Numbering path → printed label with its groups' labels ('二、2.' style), as on the page."""
    labels, stack = {}, []
    paths = [path for path, _ in iter_duties(role.duties)]
    for path, item in zip(paths, duty_outline(role)):
        stack = stack[:item.depth] + [item.label]
        labels[path] = "".join(stack)
    return labels


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
    labels = _labels(role)
    measured = measured_paths(role)
    for path, entry in iter_duties(role.duties):
        if isinstance(entry, DutyGroup) or path in measured:
            continue
        entry_id = getattr(entry, "id", None)
        how = (f"把 '{entry_id}' 写进考核它的 KPI 的 measures" if entry_id else
               "先给它一个英文 id（写成 '- id: …' 加下一行 'text: …'），再写进考核它的 KPI 的 measures")
        notes.append(doc.note(_loc(path), "coverage.unmeasured", label=labels[path],
                              text=_short(getattr(entry, "text", entry)), how=how))

    total = sum(kpi.weight for kpi in role.kpis.items)
    by_id = {getattr(e, "id", None): path for path, e in iter_duties(role.duties) if getattr(e, "id", None)}
    alone: dict[str, list[int]] = {}
    for k, kpi in enumerate(role.kpis.items):
        if len(set(kpi.measures)) == 1 and kpi.measures[0] in by_id:
            alone.setdefault(kpi.measures[0], []).append(k)
    duties = sum(1 for _, e in iter_duties(role.duties) if not isinstance(e, DutyGroup))
    for duty_id, ks in alone.items():
        weight = sum(role.kpis.items[k].weight for k in ks)
        if total <= 0 or weight / total <= CONCENTRATION or duties < MIN_DUTIES:
            continue
        names = "、".join(f"'{role.kpis.items[k].name}' ({role.kpis.items[k].weight:g}%)" for k in ks)
        path = by_id[duty_id]
        notes.append(doc.note(("kpis", "items", ks[0]), "coverage.concentrated", share=weight / total,
                              label=labels[path], text=_short(duty_text_of(role, path)), names=names))
    return notes


def duty_text_of(role: Role, path: tuple[int, ...]) -> str:
    for candidate, entry in iter_duties(role.duties):
        if candidate == path:
            return getattr(entry, "text", None) or getattr(entry, "heading", None) or str(entry)
    return ""
