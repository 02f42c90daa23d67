"""Rules that span fields or files, which a per-file schema cannot express.

They run on whatever loaded (see :class:`~generator.content.loaded.Loaded`): a rule that
needs a field another problem already covers is skipped, so HR sees every
problem in one pass and no file reports problems caused by another.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter

from . import brand, coverage
from .errors import Problem
from .loaded import Loaded, LoadedRoot, duty_locations
from .model import KINDS, MAX_DUTIES, MAX_DUTY_DEPTH, MAX_ROLE_TEXT, SLUG_PATTERN, Brand, DutyGroup, Role


def run(loaded: LoadedRoot) -> list[Problem]:
    problems: list[Problem] = []
    if loaded.site is not None and loaded.site.has("departments"):
        problems += _departments(loaded.site)
    if loaded.site is not None:
        problems += _brand(loaded)
    problems += _unique_ids(loaded)
    roles = loaded.of_kind("role")
    problems += _unique_values(roles, "number", "岗位编号 (number)")
    problems += _unique_values(roles, "title", "title")
    for item in roles:
        problems += _role(item)
    problems += _cycles(roles)
    problems += coverage.run([item for item in roles if item.has("duties", "kpis")])  # notes only
    form_ids = {item.obj.id for item in loaded.of_kind("form") if item.has("id")}
    for item in loaded.of_kind("policy"):
        if item.has("attachments"):
            for index, form_id in enumerate(item.obj.attachments):
                if form_id not in form_ids and form_id not in loaded.unreadable.get("form", ()):
                    problems.append(item.doc.problem(("attachments", index), f"attachment '{form_id}' is not a form",
                                                     _choose("a form id from content/forms/", form_ids)))
        if item.has("sections", "meal_standard"):
            problems += _policy_blocks(item)
    policies = {p.obj.id: p for p in loaded.of_kind("policy") if p.has("id")}
    for item in loaded.of_kind("form"):
        if item.has("sections", "policy"):
            problems += _form(item, policies)
    return problems


def _choose(what: str, options: set[str]) -> str:
    listed = ", ".join(sorted(options)[:12]) or "none exist yet"
    return f"use {what} ({listed})"


def _departments(site: Loaded) -> list[Problem]:
    problems = []
    seen: Counter[str] = Counter()
    for index, dept in enumerate(site.obj.departments):
        seen[dept.id] += 1
        if seen[dept.id] == 2:
            problems.append(site.doc.problem(("departments", index, "id"), f"department id '{dept.id}' is used twice",
                                             "give each department its own id"))
    return problems


def _brand(loaded: LoadedRoot) -> list[Problem]:
    """site.yml's ``logo:`` (the file is read and checked here, once) and ``brand_color:``; sets ``loaded.brand``."""
    site = loaded.site
    assert site is not None
    problems, logo, color = [], None, None
    raw = site.doc.data if isinstance(site.doc.data, dict) else {}
    for key in ("logo", "brand_color"):
        if key in raw and raw[key] is None:
            problems.append(site.doc.problem((key,), *_empty_brand_value(site, key)))
    if site.has("logo") and site.obj.logo is not None and loaded.root is not None:
        try:
            logo = brand.read_logo(loaded.root, site.obj.logo)
        except brand.LogoProblem as exc:
            problems.append(site.doc.problem(("logo",), exc.message, exc.hint))
    if site.has("brand_color") and site.obj.brand_color is not None:
        wrong = brand.color_problem(site.obj.brand_color)
        if wrong:
            problems.append(site.doc.problem(("brand_color",), *wrong))
        else:
            color = site.obj.brand_color.strip().upper()
    loaded.brand = Brand(logo=logo, color=color)
    return problems


def _empty_brand_value(site: Loaded, key: str) -> tuple[str, str]:
    """``brand_color: #1F4E79`` without quotes is a YAML comment: the value HR typed vanished."""
    line = site.doc.line_of((key,))
    try:
        typed = site.doc.path.read_text(encoding="utf-8-sig").splitlines()[line - 1]
    except (OSError, UnicodeDecodeError, IndexError):
        typed = ""
    after = typed.partition(":")[2].strip()
    if after.startswith("#"):
        value = after.split()[0]
        return (f"{key} is empty: '{_clip(value)}' was read as a comment, because # starts a comment in YAML",
                f"put the value in quotes: {key}: \"{_clip(value)}\"")
    example = "content/logo.svg" if key == "logo" else '"#1F4E79"'
    return f"{key} is empty", f"write e.g. {key}: {example}, or delete the line"


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unique_ids(loaded: LoadedRoot) -> list[Problem]:
    """One id per file, and the file is named after it. A copy whose id was not changed is the one told."""
    problems = []
    for kind in KINDS:
        items = [item for item in loaded.of_kind(kind) if item.has("id")]
        owners: dict[str, list[Loaded]] = {}
        for item in items:
            owners.setdefault(item.obj.id, []).append(item)
        for ident, group in owners.items():
            named_after = [item for item in group if item.doc.path.stem == ident]
            for item in group:
                if item.doc.path.stem == ident:
                    continue
                if len(group) > 1 and named_after:
                    problems.append(item.doc.problem(
                        ("id",), f"id '{ident}' is already used by {named_after[0].doc.shown_as}",
                        f"this file was probably copied from it: change the id to '{_id_for(item.doc.path.stem)}'"
                        if _id_for(item.doc.path.stem) else "give this file its own id and name the file after it"))
                else:
                    problems.append(_file_name_problem(item))
            if len(named_after) > 1:  # pragma: no cover - two files cannot share a name in one folder
                problems.append(named_after[1].doc.problem(("id",), f"id '{ident}' is used twice", ""))
    return problems


def _id_for(stem: str) -> str | None:
    """A valid id close to a file name (``Key-Account-Manager`` → ``key-account-manager``), if there is one."""
    candidate = re.sub(r"[\s_]+", "-", stem.strip().lower())
    return candidate if re.match(SLUG_PATTERN, candidate) else None


def _file_name_problem(item: Loaded) -> Problem:
    """The file name is the URL slug HR sees; keeping them equal avoids two names for one thing."""
    ident, stem = item.obj.id, item.doc.path.stem
    fixed = _id_for(stem)
    if fixed == ident:
        hint = f"rename the file to {ident}.yml (file names are lower case, like the id)"
    elif fixed:
        hint = f"rename the file to {ident}.yml or change the id to '{fixed}'"
    else:
        hint = f"rename the file to {ident}.yml (file names use the English id)"
    return item.doc.problem(("id",), f"id '{ident}' does not match the file name '{item.doc.path.name}'", hint)


def _unique_values(items: list[Loaded], field: str, label: str) -> list[Problem]:
    """Two roles with one 岗位编号 or one title are a copy-and-forget: name both files."""
    problems = []
    first: dict[str, Loaded] = {}
    for item in items:
        if not item.has(field) or getattr(item.obj, field) is None:  # a draft may have no 岗位编号 yet
            continue
        value = getattr(item.obj, field)
        if value in first:
            other = first[value].doc
            problems.append(item.doc.problem((field,), f"{label} '{value}' is already used by {other.shown_as} "
                                                       f"(line {other.line_of((field,))})",
                                             f"give this role its own {field}"))
        else:
            first[value] = item
    return problems


# Fields a draft may still lack (an imported JD rarely has them); a published role needs them.
DRAFT_MAY_LACK = {"number": "岗位编号", "department": "所属部门", "purpose": "岗位目的", "effective": "生效日期",
                  "kpis": "关键绩效指标"}


def missing_from_draft(role: Role) -> list[str]:
    """What a draft still lacks, in Chinese, e.g. ['岗位目的', '生效日期'] (its page can list them; check notes them)."""
    return [label for field, label in DRAFT_MAY_LACK.items() if getattr(role, field) is None]


def _unfinished(item: Loaded) -> list[Problem]:
    """A published role missing one of DRAFT_MAY_LACK is an error; a draft gets a note per field."""
    role, doc = item.obj, item.doc
    problems = []
    data = doc.data if isinstance(doc.data, dict) else {}
    unknown = [str(key) for key in data if key not in type(role).model_fields]
    for field, label in DRAFT_MAY_LACK.items():
        if not item.has(field) or getattr(role, field) is not None:
            continue
        if difflib.get_close_matches(field, unknown, n=1, cutoff=0.5):
            continue  # 'purpos:' is one mistake, reported as the unknown key with its suggestion
        if field == "purpose" and field in data and data[field] is None:
            from . import fillin  # `purpose:` left empty, as `handbook new role` writes it: fill it in

            problems.append(doc.problem((field,), f"{field} is empty", fillin.hint((field,))))
            continue
        if item.has("status") and role.status == "draft":
            problems.append(doc.note(("title",), f"draft: {label} ('{field}') not filled in yet",
                                     f"add '{field}:' before changing status to published"))
        else:
            problems.append(doc.problem(("title",), f"missing required field '{field}'",
                                        f"add a line '{field}: …' (only a role with 'status: draft' may leave it out)"))
    return problems


def _role(item: Loaded) -> list[Problem]:
    role, doc = item.obj, item.doc
    problems = _unfinished(item)
    if item.has("id", "reports_to") and role.reports_to is not None:
        if role.reports_to == role.id:
            problems.append(doc.problem(("reports_to",), "a role cannot report to itself",
                                        "name its superior's title or id, or remove reports_to"))
        if item.has("reports_to_title") and role.reports_to_title:
            problems.append(doc.problem(("reports_to_title",), "give either reports_to or reports_to_title, not both",
                                        "keep reports_to for a role in this handbook"))
    if not item.has("duties"):
        return problems

    ids_seen: dict[str, tuple] = {}
    count = 0
    for loc, depth, entry in duty_locations(role.duties):
        count += 1
        if depth > MAX_DUTY_DEPTH and isinstance(entry, DutyGroup):
            problems.append(doc.problem(loc, f"duty groups are nested more than {MAX_DUTY_DEPTH} levels deep",
                                        "move this group up a level"))
        entry_id = getattr(entry, "id", None)
        if not entry_id:
            continue
        if entry_id in ids_seen:
            problems.append(doc.problem(loc + ("id",), f"duty id '{entry_id}' is used twice in this role",
                                        "give each duty its own id"))
        ids_seen[entry_id] = loc
    if count > MAX_DUTIES:
        problems.append(doc.problem(("duties",), f"this role has {count:,} duties and headings; "
                                                 f"at most {MAX_DUTIES:,} are allowed",
                                    "merge related duties, or split the role"))
    text_total = _characters(doc.data)
    if text_total > MAX_ROLE_TEXT:
        problems.append(doc.problem((), f"this role holds {text_total:,} characters of text; "
                                        f"at most {MAX_ROLE_TEXT:,} are allowed in one role",
                                    "shorten the duties and KPIs; a job description is read, not archived"))

    if not item.has("kpis") or role.kpis is None:
        return problems
    total = sum(kpi.weight for kpi in role.kpis.items)
    if abs(total - 100) > 1e-6:
        problems.append(doc.problem(("kpis", "items"), f"KPI weights add up to {total:g}, not 100",
                                    f"adjust the weights by {100 - total:+g} in total"))
    for k, kpi in enumerate(role.kpis.items):
        for m, ref in enumerate(kpi.measures):
            if ref not in ids_seen:
                problems.append(doc.problem(("kpis", "items", k, "measures", m),
                                            f"KPI '{kpi.name}' measures duty '{ref}', which this role does not have",
                                            _choose("a duty id of this role", set(ids_seen))))
    return problems


def _characters(data) -> int:
    """All the text of a file, as typed: what a renderer has to lay out."""
    if isinstance(data, dict):
        return sum(_characters(value) for value in data.values())
    if isinstance(data, list):
        return sum(_characters(value) for value in data)
    return len(data) if isinstance(data, str) else 0


def _cycles(roles: list[Loaded]) -> list[Problem]:
    by_id = {item.obj.id: item for item in roles if item.has("id", "reports_to")}
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


def _policy_blocks(item: Loaded) -> list[Problem]:
    problems = []
    policy = item.obj
    for s, section in enumerate(policy.sections):
        for b, block in enumerate(section.body):
            if hasattr(block, "meal_standard") and policy.meal_standard is None:
                problems.append(item.doc.problem(("sections", s, "body", b),
                                                 "this section prints the meal standard, but the policy has none",
                                                 "add a 'meal_standard:' with extra_dishes and drinks"))
    return problems


def _form(item: Loaded, policies: dict[str, Loaded]) -> list[Problem]:
    form, doc = item.obj, item.doc
    problems = []
    policy = policies.get(form.policy) if form.policy else None
    if policy is not None and policy.has("status") and policy.obj.status == "draft" and form.status != "draft":
        problems.append(doc.problem(("policy",), f"policy '{form.policy}' is a draft, so the published handbook "
                                                 "cannot print this form from it",
                                    "publish the policy (status: published) or mark this form 'status: draft' too"))
    for s, section in enumerate(form.sections):
        for f, field in enumerate(section.fields):
            loc = ("sections", s, "fields", f)
            needs_policy = field.options_from == "venues" or field.type == "meal-standard"
            if needs_policy and not form.policy:
                problems.append(doc.problem(loc, f"field '{field.label}' takes its content from a policy, "
                                                 "but the form names none", "add 'policy: <policy id>' to the form"))
            if field.type == "meal-standard" and policy is not None and policy.has("meal_standard") \
                    and policy.obj.meal_standard is None:
                problems.append(doc.problem(loc, f"policy '{form.policy}' has no meal_standard to print",
                                            "add meal_standard to the policy or change the field type"))
            if field.type == "choice" and not field.options and not field.options_from:
                problems.append(doc.problem(loc, f"choice field '{field.label}' has no options",
                                            "add 'options:' with a list, or 'options_from: venues'"))
            if field.type == "table" and not field.columns:
                problems.append(doc.problem(loc, f"table field '{field.label}' has no columns",
                                            "add 'columns:' with a label for each column"))
    return problems
