"""Rules that span fields or files, which a per-file schema cannot express; a rule that needs a field another
problem already covers is skipped (:class:`~generator.content.loaded.Loaded`)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from . import brand, coverage, numbering
from .drafts import DRAFT_MAY_LACK
from .errors import Problem
from .loaded import Loaded, LoadedRoot
from .messages import clip, fill, item_list, say, where
from .model import (KINDS, MAX_DUTIES, MAX_DUTY_DEPTH, MAX_ROLE_TEXT, SLUG_PATTERN, Brand, DutyGroup,
                    duty_loc, iter_duties)


def run(loaded: LoadedRoot) -> list[Problem]:
    problems: list[Problem] = []
    if loaded.site is not None and loaded.site.has("departments"):
        problems += _departments(loaded.site)
    if loaded.site is not None:
        problems += _brand(loaded)
    problems += _unique_ids(loaded)
    roles = loaded.of_kind("role")
    copies = {p.path for p in problems if p.code == "id.copy"}  # one line says it all for a copied file
    problems += _unique_values(loaded, [r for r in roles if r.doc.shown_as not in copies], "number")
    problems += _unique_values(loaded, [r for r in roles if r.doc.shown_as not in copies], "title")
    problems += _numbers(loaded, {p.path for p in problems if p.code == "value.taken" and p.loc == ("number",)})
    for item in roles:
        problems += _role(item)
    problems += _cycles(roles)
    problems += coverage.run([item for item in roles if item.has("duties", "kpis")])  # notes only
    form_ids = {item.obj.id for item in loaded.of_kind("form") if item.has("id")}
    for item in loaded.of_kind("policy"):
        if item.has("attachments"):
            for index, form_id in enumerate(item.obj.attachments):
                if form_id not in form_ids and form_id not in loaded.unreadable.get("form", ()):
                    problems.append(item.doc.say(("attachments", index), "policy.attachment", id=form_id,
                                                 ids=item_list(sorted(form_ids))))
        if item.has("sections", "meal_standard") and item.obj.meal_standard is None:
            problems += [item.doc.say(("sections", s, "body", b), "policy.no_meal_standard")
                         for s, section in enumerate(item.obj.sections)
                         for b, block in enumerate(section.body) if hasattr(block, "meal_standard")]
    policies = {p.obj.id: p for p in loaded.of_kind("policy") if p.has("id")}
    for item in loaded.of_kind("form"):
        if item.has("sections", "policy"):
            problems += _form(item, policies)
    return problems


def _departments(site: Loaded) -> list[Problem]:
    """A department id used again is told once, where it is used the second time."""
    ids = [dept.id for dept in site.obj.departments]
    return [site.doc.say(("departments", index, "id"), "department.twice", id=ident)
            for index, ident in enumerate(ids) if ids[:index].count(ident) == 1]


def _brand(loaded: LoadedRoot) -> list[Problem]:
    """site.yml's ``logo:`` (the file is read and checked here, once) and ``brand_color:``; sets ``loaded.brand``."""
    site = loaded.site
    assert site is not None
    logo, color = None, None
    problems = [_empty_brand_value(site, key) for key in ("logo", "brand_color")
                if key in site.doc.data and site.doc.data[key] is None]
    if site.has("logo") and site.obj.logo is not None and loaded.root is not None:
        try:
            logo = brand.read_logo(loaded.root, site.obj.logo)
        except brand.LogoProblem as exc:
            problems.append(site.doc.say(("logo",), exc.code, **exc.fields))
    if site.has("brand_color") and site.obj.brand_color is not None:
        wrong = brand.color_problem(site.obj.brand_color)
        if wrong:
            problems.append(site.doc.say(("brand_color",), "colour.wrong", **wrong))
        else:
            color = site.obj.brand_color.strip().upper()
    loaded.brand = Brand(logo=logo, color=color)
    return problems


def _empty_brand_value(site: Loaded, key: str) -> Problem:
    """``brand_color: #1F4E79`` without quotes is a YAML comment: the value HR typed vanished."""
    line = site.doc.line_of((key,))
    try:
        typed = site.doc.path.read_text(encoding="utf-8-sig").splitlines()[line - 1]
    except (OSError, UnicodeDecodeError, IndexError):
        typed = ""
    after = typed.partition(":")[2].strip()
    if after.startswith("#"):
        return site.doc.say((key,), "brand.comment", key=key, value=clip(after.split()[0], 40))
    return site.doc.say((key,), "brand.empty", key=key, example="content/logo.svg" if key == "logo" else '"#1F4E79"')


def oldest_first(items: list[Loaded], loaded: LoadedRoot) -> list[Loaded]:
    """Of files that clash (one id, one 岗位编号), the one to keep first; the newer is told to change: a draft,
    a file not yet committed, a file not named after its id (a copy: ``… - 副本.yml``), the later modified."""
    committed = loaded.committed if len(items) > 1 else None

    def age(item: Loaded) -> tuple:
        draft = item.doc.shown_as in loaded.drafts
        new = committed is not None and item.doc.shown_as not in committed
        copy = not item.has("id") or item.doc.path.stem != item.obj.id
        try:
            modified = item.doc.path.stat().st_mtime_ns
        except OSError:
            modified = 0
        return draft, new, copy, modified, item.doc.shown_as

    return sorted(items, key=age)


# How Windows Explorer, macOS Finder and browsers name a copy: "x - 副本.yml", "x - Copy (2).yml", "x (1).yml".
_COPY_NAME = re.compile(r"^(?P<stem>.+?)(?: - (?:副本|复制|Copy)| copy| \(\d+\)| \d)+$", re.IGNORECASE)


def _unique_ids(loaded: LoadedRoot) -> list[Problem]:
    """One id per file, and the file is named after it. Of files sharing an id, the newer is told."""
    problems = []
    for kind in KINDS:
        for ident, first, others in _clashes(loaded, loaded.of_kind(kind), _id_of):
            if first.doc.path.stem != ident:
                problems.append(_file_name_problem(first))
            problems += [_clash(item, first, kind) for item in others]
    return problems


def _clashes(loaded: LoadedRoot, items: list[Loaded], key) -> Iterator[tuple[str, Loaded, list[Loaded]]]:
    """Files grouped by ``key`` (None: taking no part), each group as (key, the one kept, the newer ones)."""
    groups: dict[str, list[Loaded]] = {}
    for item in items:
        if (value := key(item)) is not None:
            groups.setdefault(value, []).append(item)
    for value, group in groups.items():
        first, *others = oldest_first(group, loaded)
        yield value, first, others


def _clash(item: Loaded, first: Loaded, kind: str) -> Problem:
    """A second file with an id already taken: a copy (of the same role), or an id not changed after copying."""
    ident, other = item.obj.id, first.doc.shown_as
    copied = _COPY_NAME.match(item.doc.path.stem)
    if copied and copied["stem"] == first.doc.path.stem:
        same = ["id"] + [label for field, label in (("title", "名称"), ("number", KINDS[kind].number_label))
                         if item.has(field) and first.has(field) and getattr(item.obj, field, None) is not None
                         and _comparable(field, item) == _comparable(field, first)]
        return item.doc.say(("id",), "id.copy", other=other, same="、".join(same))
    fixed = _id_for(item.doc.path.stem)
    if fixed and fixed != ident:
        return item.doc.say(("id",), "id.copied", id=ident, other=other, fixed=fixed)
    return item.doc.say(("id",), "id.taken", id=ident, other=other)


def _id_for(stem: str) -> str | None:
    """A valid id close to a file name (``Key-Account-Manager`` → ``key-account-manager``), if there is one."""
    candidate = re.sub(r"[\s_]+", "-", stem.strip().lower())
    return candidate if re.match(SLUG_PATTERN, candidate) else None


def _file_name_problem(item: Loaded) -> Problem:
    """The file name is the URL slug HR sees; keeping them equal avoids two names for one thing."""
    ident, fixed = item.obj.id, _id_for(item.doc.path.stem)
    code = "id.rename_lower" if fixed == ident else "id.rename_or_id" if fixed else "id.rename"
    how = say(code, id=ident, fixed=fixed)[1]
    return item.doc.say(("id",), "id.file_name", id=ident, name=item.doc.path.name, how=how)


def _comparable(field: str, item: Loaded) -> str:
    """An item's 岗位编号 however its dashes and case are written; its title without the spaces around it."""
    value = getattr(item.obj, field)
    return numbering.normalise(value) if field == "number" else value.strip()


def _id_of(item: Loaded) -> str | None:
    return item.obj.id if item.has("id") else None


def _unique_values(loaded: LoadedRoot, items: list[Loaded], field: str) -> list[Problem]:
    """Two roles with one 岗位编号 or one title are a copy-and-forget: the newer file is told, naming the other
    (a draft may have no 岗位编号 yet)."""
    label = {"number": "岗位编号", "title": "岗位名称"}[field]
    problems = []
    present = [item for item in items if item.has(field) and getattr(item.obj, field) is not None]
    for _, first, others in _clashes(loaded, present, lambda item: _comparable(field, item)):
        for item in others:
            following = _next_number(loaded, item) if field == "number" else None
            theirs = getattr(first.obj, field)
            problems.append(item.doc.say((field,), "value.taken", label=label, value=getattr(item.obj, field),
                                         other=first.doc.shown_as, line=first.doc.line_of((field,)),
                                         theirs=f"（那里写作 '{theirs}'）" if theirs != getattr(item.obj, field) else "",
                                         next=f"（本部门下一个空号：{following}）" if following else ""))
    return problems


def _named(loaded: LoadedRoot) -> list[numbering.Named]:
    """The roles as numbering sees them, each named by its file (two files may share an id)."""
    return [numbering.Named(r.doc.shown_as, r.obj.title if r.has("title") else r.doc.shown_as, (),
                            r.obj.number or "", r.obj.department or "")
            for r in loaded.of_kind("role") if r.has("number", "department")]


def _departments_of(loaded: LoadedRoot) -> dict:
    """site.yml's departments by id (none when site.yml could not be read)."""
    ok = loaded.site is not None and loaded.site.has("departments")
    return {d.id: d for d in loaded.site.obj.departments} if ok else {}


def _next_number(loaded: LoadedRoot, item: Loaded) -> str | None:
    """The next free 岗位编号 in the role's department (None when it has none to continue)."""
    dept = _departments_of(loaded).get(item.obj.department) if item.has("department") else None
    if dept is None:
        return None
    roles = [r for r in _named(loaded) if r.id != item.doc.shown_as]
    try:
        return numbering.next_number(roles, numbering.Named(dept.id, dept.name, tuple(dept.aliases)), None)
    except numbering.NoSeries:
        return None


def _numbers(loaded: LoadedRoot, taken: set[str]) -> list[Problem]:
    """Each 岗位编号 as its department writes them (:func:`numbering.misfit`); a number ``taken`` by another file
    is told so already."""
    roles = _named(loaded)
    by_file = {item.doc.shown_as: item for item in loaded.of_kind("role")}
    departments = {ident: dept.name for ident, dept in _departments_of(loaded).items()}
    problems = []
    for role in roles:
        if not role.number or role.department not in departments or role.id in taken \
                or (wrong := numbering.misfit(role, roles)) is None:
            continue
        item = by_file[role.id]
        tell = item.doc.note if wrong.kind == "new_series" else item.doc.say  # a new series may be meant
        problems.append(tell(("number",), f"number.{wrong.kind}", number=role.number, what=wrong.what,
                             fixed=wrong.fixed, series=wrong.series, example=wrong.example,
                             department=departments[role.department], other=departments.get(wrong.department, ""),
                             next=_next_number(loaded, item) or "本部门的下一个空号"))
    return problems


def _unfinished(item: Loaded) -> list[Problem]:
    """A published role missing one of DRAFT_MAY_LACK is an error each; a draft gets one note listing them."""
    role, doc, data = item.obj, item.doc, item.doc.data
    problems, lacking = [], []
    unknown = [str(key) for key in data if key not in type(role).model_fields]
    for field, label in DRAFT_MAY_LACK.items():
        if not item.has(field) or getattr(role, field) is not None:
            continue
        if difflib.get_close_matches(field, unknown, n=1, cutoff=0.5):
            continue  # 'purpos:' is one mistake, reported as the unknown key with its suggestion
        if field == "purpose" and field in data and data[field] is None:
            # `purpose:` left empty, as `handbook new role` writes it: fill it in
            problems.append(doc.say((field,), "field.empty", where=where((field,)), fill=fill((field,))))
        elif item.has("status") and role.status == "draft":
            lacking.append(field)
        else:
            problems.append(doc.say(("title",), "role.missing", label=label, field=field))
    if lacking:
        problems.append(doc.note(("title",), "draft.lacks", labels="、".join(DRAFT_MAY_LACK[f] for f in lacking),
                                 keys="、".join(f"{f}:" for f in lacking)))
    return problems


def _role(item: Loaded) -> list[Problem]:
    role, doc = item.obj, item.doc
    problems = _unfinished(item)
    if item.has("id", "reports_to") and role.reports_to is not None:
        if role.reports_to == role.id:
            problems.append(doc.say(("reports_to",), "role.self"))
        if item.has("reports_to_title") and role.reports_to_title:
            problems.append(doc.say(("reports_to_title",), "role.both_superiors"))
    if not item.has("duties"):
        return problems

    ids_seen: set[str] = set()
    duties = list(iter_duties(role.duties))
    for path, entry in duties:
        if len(path) > MAX_DUTY_DEPTH and isinstance(entry, DutyGroup):
            problems.append(doc.say(duty_loc(path), "role.group_depth", limit=MAX_DUTY_DEPTH))
        entry_id = getattr(entry, "id", None)
        if entry_id in ids_seen:
            problems.append(doc.say(duty_loc(path) + ("id",), "role.duty_id_twice", id=entry_id))
        if entry_id:
            ids_seen.add(entry_id)
    if len(duties) > MAX_DUTIES:
        problems.append(doc.say(("duties",), "role.too_many_duties", count=len(duties), limit=MAX_DUTIES))
    text_total = _characters(doc.data)
    if text_total > MAX_ROLE_TEXT:
        problems.append(doc.say((), "role.too_much_text", count=text_total, limit=MAX_ROLE_TEXT))

    if not item.has("kpis") or role.kpis is None:
        return problems
    total = sum(kpi.weight for kpi in role.kpis.items)
    if abs(total - 100) > 1e-6:
        how = f"还差 {100 - total:g}" if total < 100 else f"多了 {total - 100:g}"
        problems.append(doc.say(("kpis", "items"), "kpi.weights", total=total, how=how))
    for k, kpi in enumerate(role.kpis.items):
        for m, ref in enumerate(kpi.measures):
            if ref not in ids_seen:
                problems.append(doc.say(("kpis", "items", k, "measures", m), "kpi.unknown_duty", kpi=kpi.name,
                                        ref=ref, ids=item_list(sorted(ids_seen))))
    return problems


def _characters(data) -> int:
    """All the text of a file, as typed: what a renderer has to lay out."""
    if isinstance(data, (dict, list)):
        return sum(map(_characters, data.values() if isinstance(data, dict) else data))
    return len(data) if isinstance(data, str) else 0


def _cycles(roles: list[Loaded]) -> list[Problem]:
    by_id = {item.obj.id: item for item in roles if item.has("id", "reports_to")}
    problems, reported = [], set()
    for start in by_id:
        chain, current = [], start
        while current in by_id and current not in chain:
            chain.append(current)
            current = by_id[current].obj.reports_to
        loop = chain[chain.index(current):] if current in chain else []
        if len(loop) < 2 or frozenset(loop) in reported:
            continue  # no loop, reporting to itself (told as such), or told already
        reported.add(frozenset(loop))
        at = loop.index(min(loop))
        path = " → ".join(loop[at:] + loop[:at] + [min(loop)])
        problems.append(by_id[min(loop)].doc.say(("reports_to",), "role.cycle", path=path))
    return problems


def _form(item: Loaded, policies: dict[str, Loaded]) -> list[Problem]:
    form, doc = item.obj, item.doc
    problems = []
    policy = policies.get(form.policy) if form.policy else None
    if policy is not None and policy.has("status") and policy.obj.status == "draft" and form.status != "draft":
        problems.append(doc.say(("policy",), "draft.policy", policy=form.policy))
    for s, section in enumerate(form.sections):
        for f, field in enumerate(section.fields):
            loc = ("sections", s, "fields", f)
            if (field.options_from == "venues" or field.type == "meal-standard") and not form.policy:
                problems.append(doc.say(loc, "form.needs_policy", label=field.label))
            if field.type == "meal-standard" and policy is not None and policy.has("meal_standard") \
                    and policy.obj.meal_standard is None:
                problems.append(doc.say(loc, "form.policy_no_meal", policy=form.policy))
            if field.type == "choice" and not field.options and not field.options_from:
                problems.append(doc.say(loc, "form.no_options", label=field.label))
            if field.type == "table" and not field.columns:
                problems.append(doc.say(loc, "form.no_columns", label=field.label))
    return problems
