"""维护概览: what in the handbook still needs HR's attention, one list per question.

Drafts (those held back for their problems too); KPIs still 拟定 (proposed); duties no KPI measures; roles not reviewed within ``review_months``
(content/site.yml, default 12), judged by the last commit that changed the role's file or its
``reviewed:`` date, whichever is later; roles without 任职资格. Judged against today's date: this page is
for the person maintaining the handbook, never part of a build.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..content.coverage import measured_paths
from ..content.drafts import is_draft, still_missing
from ..content.errors import ContentError
from ..content.loader import load_handbook
from ..content.model import KINDS, DutyGroup, Role, iter_duties, kind_at, source_path
from ..content.outline import duty_outline
from ..history import git as history
from .store import title_of


def overview(root: Path, today: dt.date | None = None) -> dict:
    """The lists of the page (each entry names the item's kind, id and title), or the problems that stop loading."""
    today = today or dt.date.today()
    try:
        hb = load_handbook(root)
    except ContentError as exc:
        return {"problems": [str(p) for p in exc.problems]}
    found, _, _ = history.read(root)
    months = hb.site.review_months
    return {
        "problems": [],
        "review_months": months,
        "history": found.omitted or "",
        "drafts": [_entry(kind, item, "、".join(still_missing(item)))
                   for kind in KINDS for item in hb.items(kind) if is_draft(item)] + _held(root, hb),
        "proposed_kpis": [_entry("role", r, f"{len(r.kpis.items)} 个指标") for r in hb.roles
                          if r.kpis is not None and r.kpis.status == "proposed"],
        "unmeasured": [_entry("role", r, "；".join(lines)) for r in hb.roles if (lines := _unmeasured(r))],
        "not_reviewed": [_entry("role", r, how) for r in hb.roles
                         if (how := _review_due(r, found.files, months, today))],
        "no_qualifications": [_entry("role", r, "") for r in hb.roles
                              if r.qualifications is None or not any(r.qualifications.model_dump().values())],
    }


def _held(root: Path, hb) -> list[dict]:
    """Drafts the loader left out for their problems (they stop nothing, but they are not done)."""
    counts: dict[str, int] = {}
    for problem in hb.draft_problems:
        counts[problem.path] = counts.get(problem.path, 0) + 1
    held = []
    for rel, count in sorted(counts.items()):
        kind = kind_at(rel)
        if kind is not None:
            held.append({"kind": kind.plural, "label": kind.label, "id": Path(rel).stem,
                         "title": title_of(root, rel) or Path(rel).stem, "detail": f"还有 {count} 处问题要改正"})
    return held


def _entry(kind: str, item, detail: str) -> dict:
    return {"kind": KINDS[kind].plural, "label": KINDS[kind].label, "id": item.id, "title": item.title,
            "detail": detail}


def _unmeasured(role: Role) -> list[str]:
    if role.kpis is None:
        return []
    measured = measured_paths(role)
    paths = [path for path, _ in iter_duties(role.duties)]
    entries = [entry for _, entry in iter_duties(role.duties)]
    shown = []
    for path, entry, line in zip(paths, entries, duty_outline(role)):
        if not isinstance(entry, DutyGroup) and path not in measured:
            text = " ".join(line.text.split())
            shown.append(f"{line.label} {text[:24]}{'…' if len(text) > 24 else ''}")
    return shown


def _review_due(role: Role, files: dict, months: int, today: dt.date) -> str:
    commits = files.get(source_path("role", role.id), ())
    last_change = commits[0].date if commits else None
    dates = [d for d in (last_change, role.reviewed) if d is not None]
    if not dates:
        return "没有修改记录，也没有写复核日期（reviewed）"
    last = max(dates)
    due = _add_months(last, months)
    if due > today:
        return ""
    what = "复核" if role.reviewed == last else "修改"
    return f"最近一次{what}：{last.isoformat()}，已超过 {months} 个月"


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover
