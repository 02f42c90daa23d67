"""Rules that span fields or files, which a per-file schema cannot express."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from .errors import Problem
from .model import iter_duties

if TYPE_CHECKING:  # pragma: no cover
    from .loader import Loaded


def run(site: "Loaded", loaded: dict[str, list["Loaded"]]) -> list[Problem]:
    problems: list[Problem] = []
    problems += _departments(site)
    problems += _unique_ids(loaded)
    problems += _file_names_match_ids(loaded)
    dept_ids = {d.id for d in site.obj.departments}
    role_ids = {item.obj.id for item in loaded["roles"]}
    policy_ids = {item.obj.id for item in loaded["policies"]}
    form_ids = {item.obj.id for item in loaded["forms"]}
    for item in loaded["roles"]:
        problems += _role(item, dept_ids, role_ids)
    problems += _cycles(loaded["roles"])
    for item in loaded["policies"]:
        for index, form_id in enumerate(item.obj.attachments):
            if form_id not in form_ids:
                problems.append(item.doc.problem(("attachments", index), f"attachment '{form_id}' is not a form",
                                                 _choose("a form id from content/forms/", form_ids)))
        problems += _policy_blocks(item)
    for item in loaded["forms"]:
        problems += _form(item, policy_ids, role_ids, {p.obj.id: p.obj for p in loaded["policies"]})
    return problems


def _choose(what: str, options: set[str]) -> str:
    listed = ", ".join(sorted(options)[:12]) or "none exist yet"
    return f"use {what} ({listed})"


def _departments(site: "Loaded") -> list[Problem]:
    problems = []
    seen: Counter[str] = Counter()
    ids = {d.id for d in site.obj.departments}
    for index, dept in enumerate(site.obj.departments):
        seen[dept.id] += 1
        if seen[dept.id] == 2:
            problems.append(site.doc.problem(("departments", index, "id"), f"department id '{dept.id}' is used twice",
                                             "give each department its own id"))
        if dept.parent and dept.parent not in ids:
            problems.append(site.doc.problem(("departments", index, "parent"),
                                             f"parent department '{dept.parent}' does not exist",
                                             _choose("a department id", ids)))
    return problems


def _unique_ids(loaded: dict[str, list["Loaded"]]) -> list[Problem]:
    problems = []
    for kind, items in loaded.items():
        first: dict[str, "Loaded"] = {}
        for item in items:
            if item.obj.id in first:
                other = first[item.obj.id].doc
                problems.append(item.doc.problem(("id",), f"id '{item.obj.id}' is already used by {other.shown_as}",
                                                 "give every file its own id"))
            else:
                first[item.obj.id] = item
    return problems


def _file_names_match_ids(loaded: dict[str, list["Loaded"]]) -> list[Problem]:
    """The file name is the URL slug HR sees; keeping them equal avoids two names for one thing."""
    return [
        item.doc.problem(("id",), f"id '{item.obj.id}' does not match the file name '{item.doc.path.name}'",
                         f"rename the file to {item.obj.id}.yml or change the id to '{item.doc.path.stem}'")
        for items in loaded.values() for item in items if item.obj.id != item.doc.path.stem
    ]


def _role(item: "Loaded", dept_ids: set[str], role_ids: set[str]) -> list[Problem]:
    role, doc = item.obj, item.doc
    problems = []
    if role.department not in dept_ids:
        problems.append(doc.problem(("department",), f"department '{role.department}' is not defined",
                                    _choose("a department id from content/site.yml", dept_ids)))
    if role.reports_to is not None:
        if role.reports_to == role.id:
            problems.append(doc.problem(("reports_to",), "a role cannot report to itself",
                                        "name its superior's role id, or remove reports_to"))
        elif role.reports_to not in role_ids:
            problems.append(doc.problem(("reports_to",), f"reports_to '{role.reports_to}' is not a role",
                                        _choose("a role id from roles/", role_ids - {role.id})))
        if role.reports_to_title:
            problems.append(doc.problem(("reports_to_title",), "give either reports_to or reports_to_title, not both",
                                        "keep reports_to for a role in this handbook"))

    ids_seen: dict[str, tuple] = {}
    for path, entry in iter_duties(role.duties):
        entry_id = getattr(entry, "id", None)
        if not entry_id:
            continue
        loc = ("duties",) + sum(((i - 1, "duties") for i in path), ())[:-1] + ("id",)
        if entry_id in ids_seen:
            problems.append(doc.problem(loc, f"duty id '{entry_id}' is used twice in this role",
                                        "give each duty its own id"))
        ids_seen[entry_id] = loc

    total = sum(kpi.weight for kpi in role.kpis.items)
    if abs(total - 100) > 1e-6:
        shown = f"{total:g}"
        problems.append(doc.problem(("kpis", "items"), f"KPI weights add up to {shown}, not 100",
                                    f"adjust the weights by {100 - total:+g} in total"))
    for k, kpi in enumerate(role.kpis.items):
        for m, ref in enumerate(kpi.measures):
            if ref not in ids_seen:
                problems.append(doc.problem(("kpis", "items", k, "measures", m),
                                            f"KPI '{kpi.name}' measures duty '{ref}', which this role does not have",
                                            _choose("a duty id of this role", set(ids_seen))))
    return problems


def _cycles(roles: list["Loaded"]) -> list[Problem]:
    by_id = {item.obj.id: item for item in roles}
    problems, reported = [], set()
    for start in by_id:
        chain, current = [], start
        while current in by_id and current not in chain:
            chain.append(current)
            current = by_id[current].obj.reports_to
        if current in chain:
            loop = chain[chain.index(current):]
            key = frozenset(loop)
            if key in reported or len(loop) == 1:
                continue
            reported.add(key)
            first = by_id[min(loop)]
            path = " → ".join(loop[loop.index(min(loop)):] + loop[:loop.index(min(loop))] + [min(loop)])
            problems.append(first.doc.problem(("reports_to",), f"reporting cycle: {path}",
                                              "one role in the loop must report to someone outside it"))
    return problems


def _policy_blocks(item: "Loaded") -> list[Problem]:
    problems = []
    policy = item.obj
    for s, section in enumerate(policy.sections):
        for b, block in enumerate(section.body):
            if hasattr(block, "meal_standard") and policy.meal_standard is None:
                problems.append(item.doc.problem(("sections", s, "body", b),
                                                 "this section prints the meal standard, but the policy has none",
                                                 "add a 'meal_standard:' with extra_dishes and drinks"))
    return problems


def _form(item: "Loaded", policy_ids: set[str], role_ids: set[str], policies: dict) -> list[Problem]:
    form, doc = item.obj, item.doc
    problems = []
    if form.policy and form.policy not in policy_ids:
        problems.append(doc.problem(("policy",), f"policy '{form.policy}' does not exist",
                                    _choose("a policy id from content/policies/", policy_ids)))
    if form.role and form.role not in role_ids:
        problems.append(doc.problem(("role",), f"role '{form.role}' does not exist", _choose("a role id", role_ids)))
    for s, section in enumerate(form.sections):
        for f, field in enumerate(section.fields):
            loc = ("sections", s, "fields", f)
            needs_policy = field.options_from == "venues" or field.type == "meal-standard"
            if needs_policy and not form.policy:
                problems.append(doc.problem(loc, f"field '{field.label}' takes its content from a policy, "
                                                 "but the form names none", "add 'policy: <policy id>' to the form"))
            if field.type == "meal-standard" and form.policy in policies and policies[form.policy].meal_standard is None:
                problems.append(doc.problem(loc, f"policy '{form.policy}' has no meal_standard to print",
                                            "add meal_standard to the policy or change the field type"))
            if field.type == "choice" and not field.options and not field.options_from:
                problems.append(doc.problem(loc, f"choice field '{field.label}' has no options",
                                            "add 'options:' with a list, or 'options_from: venues'"))
            if field.type == "table" and not field.columns:
                problems.append(doc.problem(loc, f"table field '{field.label}' has no columns",
                                            "add 'columns:' with a label for each column"))
    return problems
