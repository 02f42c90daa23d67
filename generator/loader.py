"""Content root → validated :class:`~generator.model.Handbook`.

Layout of a content root::

    roles/<role-id>.yml          one file per role
    content/site.yml             handbook name, departments, navigation
    content/policies/*.yml       policies (业务招待费管理规定)
    content/guides/*.yml         guides (接待客户要有周密的布署)
    content/forms/*.yml          blank form definitions (大客户招待清单)

All problems from all files are collected and raised together as one
:class:`~generator.errors.ContentError`.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from . import crosscheck
from .errors import ContentError, Problem, display_path, split
from .model import UNION_TAGS, Form, Guide, Handbook, Policy, Role, SiteSettings
from .yamlsource import YamlDocument, load_yaml

SOURCES: dict[str, tuple[str, type[BaseModel]]] = {
    # kind: (glob relative to the content root, model)
    "roles": ("roles/*.yml", Role),
    "policies": ("content/policies/*.yml", Policy),
    "guides": ("content/guides/*.yml", Guide),
    "forms": ("content/forms/*.yml", Form),
}
SITE_FILE = "content/site.yml"


class Loaded:
    """A validated object with the document it came from, for cross-check messages."""

    def __init__(self, doc: YamlDocument, obj: Any):
        self.doc, self.obj = doc, obj


def content_files(root: Path) -> list[Path]:
    """Every file the handbook is built from, for caching and watching."""
    files = [root / SITE_FILE] if (root / SITE_FILE).exists() else []
    for pattern, _ in SOURCES.values():
        files += sorted(root.glob(pattern))
    return files


def load_handbook(root: Path, notes: list[Problem] | None = None) -> Handbook:
    """Load and check everything; errors raise :class:`ContentError`, notes are appended to ``notes``."""
    root = Path(root)
    problems: list[Problem] = []
    if not (root / "roles").is_dir() and not (root / "content").is_dir():
        raise ContentError([Problem(str(root), 1, "this folder has no 'roles/' or 'content/' folder",
                                    "pass --root pointing at the folder that holds them")])

    site = _load_one(root, root / SITE_FILE, SiteSettings, problems, required=True)
    loaded: dict[str, list[Loaded]] = {}
    for kind, (pattern, model) in SOURCES.items():
        loaded[kind] = []
        for path in sorted(root.glob(pattern)):
            item = _load_one(root, path, model, problems)
            if item is not None:
                loaded[kind].append(item)
        stray = sorted(p for p in root.glob(pattern.replace("*.yml", "*.yaml")))
        for path in stray:
            problems.append(Problem(display_path(path, root), 1, "content files must end in '.yml'",
                                    f"rename it to {path.stem}.yml"))

    if site is None:
        raise ContentError(problems)
    problems += crosscheck.run(site, loaded)
    errors, found_notes = split(problems)
    if errors:
        raise ContentError(errors, found_notes)
    if notes is not None:
        notes += found_notes
    return Handbook(
        site=site.obj,
        roles=_ordered_roles(site.obj, [item.obj for item in loaded["roles"]]),
        policies=[item.obj for item in loaded["policies"]],
        guides=[item.obj for item in loaded["guides"]],
        forms=[item.obj for item in loaded["forms"]],
    )


def _load_one(root: Path, path: Path, model: type[BaseModel], problems: list[Problem],
              required: bool = False) -> Loaded | None:
    shown = display_path(path, root)
    if not path.exists():
        if required:
            problems.append(Problem(shown, 1, "file is missing", "create it; see README.md for an example"))
        return None
    doc, found = load_yaml(path, shown)
    problems += found
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        problems.append(doc.problem((), "the file must be a set of 'key: value' lines",
                                    "start each line with a key such as 'title: …'"))
        return None
    try:
        return Loaded(doc, model.model_validate(doc.data))
    except ValidationError as exc:
        problems += [_explain(doc, err, model) for err in exc.errors()]
        return None


def _explain(doc: YamlDocument, err: dict, model: type[BaseModel]) -> Problem:
    """One pydantic error → one plain-language line at the right place."""
    loc = _real_loc(doc.data, err["loc"])
    kind = err["type"]
    where = ".".join(str(p) for p in loc) or "file"
    if kind == "missing":
        field = err["loc"][-1]
        return doc.problem(loc, f"missing required field '{field}'", f"add a line '{field}: …'")
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        known = _known_keys(model, err["loc"][:-1], doc.data)
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'?" if close else f"known keys here: {', '.join(sorted(known))}"
        return doc.problem(loc, f"unknown key '{key}'", hint)
    if kind == "string_pattern_mismatch":
        return doc.problem(loc, f"'{err['input']}' in {where} is not a valid id",
                           "use lower-case letters, digits and hyphens only, e.g. market-manager")
    if kind in ("string_too_short", "too_short"):
        return doc.problem(loc, f"{where} is empty", "fill it in or remove the key")
    if kind == "literal_error":
        return doc.problem(loc, f"'{err['input']}' is not allowed for {where}", f"use {err['ctx']['expected']}")
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        return doc.problem(loc, f"'{err['input']}' in {where} is not a date", "write it as YYYY-MM-DD, e.g. 2026-12-01")
    if kind in ("string_type", "list_type", "dict_type", "model_type", "int_type", "float_type",
                "int_parsing", "float_parsing", "bool_type", "model_attributes_type"):
        expected = {"string_type": "text", "list_type": "a list of '- ' items", "dict_type": "'key: value' lines",
                    "model_type": "'key: value' lines", "model_attributes_type": "'key: value' lines",
                    "int_type": "a whole number", "int_parsing": "a whole number", "float_type": "a number",
                    "float_parsing": "a number", "bool_type": "true or false"}[kind]
        return doc.problem(loc, f"{where} should be {expected}, not {_describe(err['input'])}",
                           f"write {where} as {expected}")
    if kind in ("greater_than", "less_than_equal", "greater_than_equal", "less_than"):
        return doc.problem(loc, f"{where} is {err['input']}: {err['msg'].lower()}", "correct the number")
    return doc.problem(loc, f"{where}: {err['msg']}", "see the JSON Schema in schemas/ for what is allowed")


def _real_loc(data: Any, loc: tuple) -> tuple:
    """Drop pydantic's union-tag segments so the path matches the YAML."""
    real: list = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node or isinstance(node, list) and isinstance(part, int) \
                and part < len(node):
            real.append(part)
            node = node[part]
        elif part not in UNION_TAGS:
            real.append(part)  # a missing key: keep it for the message
            node = None
    return tuple(real)


def _known_keys(model: type[BaseModel], loc: tuple, data: Any) -> list[str]:
    """Field names of the model that sits at ``loc`` (through lists and nested models)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        fields = getattr(current, "model_fields", {})
        if part in fields:
            current = _inner_model(fields[part].annotation)
        else:
            current = UNION_TAGS.get(part) or current
    return list(getattr(current, "model_fields", {}).keys()) if current else []


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "'key: value' lines"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value) if len(repr(value)) < 40 else type(value).__name__


def _ordered_roles(site: SiteSettings, roles: list[Role]) -> list[Role]:
    """Department order from site.yml, then superiors before their reports, then 岗位编号."""
    dept_rank = {d.id: i for i, d in enumerate(site.departments)}
    by_id = {r.id: r for r in roles}

    def depth(role: Role) -> int:
        seen, d = set(), 0
        while role.reports_to and role.reports_to in by_id and role.id not in seen:
            seen.add(role.id)
            role, d = by_id[role.reports_to], d + 1
        return d

    return sorted(roles, key=lambda r: (dept_rank.get(r.department, len(dept_rank)), depth(r), r.number, r.id))
