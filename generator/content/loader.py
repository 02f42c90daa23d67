"""Content root → validated :class:`~generator.content.model.Handbook`.

Layout of a content root: ``content/site.yml`` (handbook name, departments, navigation) and one folder
per content kind (:data:`~generator.content.model.KINDS`), one file per item named by its id::

    roles/<role-id>.yml          roles
    content/policies/*.yml       policies (业务招待费管理规定)
    content/guides/*.yml         guides (接待客户要有周密的布署)
    content/forms/*.yml          blank form definitions (大客户招待清单)

All problems from all files are collected and raised together as one
:class:`~generator.content.errors.ContentError`.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from . import crosscheck, fillin, references
from .errors import ContentError, Problem, display_path, split
from .loaded import Loaded, LoadedRoot
from .model import KINDS, UNION_TAGS, Handbook, Role, SiteSettings, kind_at
from .yamlsource import YamlDocument, load_yaml

SITE_FILE = "content/site.yml"
#: the top folders content lives in (roles/, content/): what git history and the preview watch
CONTENT_FOLDERS = tuple(dict.fromkeys(path.split("/")[0]
                                     for path in (*(kind.folder for kind in KINDS.values()), SITE_FILE)))
MAX_FILES = 1_000  # per folder; a handbook of 1,000 roles already needs splitting into several


def content_files(root: Path) -> list[Path]:
    """Every file the handbook is built from, for caching and watching."""
    files = [root / SITE_FILE] if (root / SITE_FILE).exists() else []
    for kind in KINDS.values():
        files += sorted(p for p in (root / kind.folder).glob("*.yml") if p.is_file())
    return files


def load_handbook(root: Path, notes: list[Problem] | None = None) -> Handbook:
    """Load and check everything; errors raise :class:`ContentError`, notes are appended to ``notes``."""
    root = Path(root)
    problems: list[Problem] = []
    if not any((root / folder).is_dir() for folder in CONTENT_FOLDERS):
        raise ContentError([Problem(str(root), 1, "this folder has no 'roles/' or 'content/' folder",
                                    "pass --root pointing at the folder that holds them")])
    loaded = load_root(root, problems)
    problems += references.resolve(loaded)
    problems += crosscheck.run(loaded)
    errors, found_notes = split(problems)
    if errors:
        raise ContentError(errors, found_notes)
    if notes is not None:
        notes += found_notes
    assert loaded.site is not None  # a missing or broken site.yml is an error above
    site = loaded.site.obj
    items = {kind.plural: [item.obj for item in loaded.of_kind(name)] for name, kind in KINDS.items()}
    items["roles"] = _ordered_roles(site, items["roles"])
    return Handbook(site=site, brand=loaded.brand, **items)


def load_root(root: Path, problems: list[Problem]) -> LoadedRoot:
    """Read and validate every file; problems are appended, never raised."""
    loaded = LoadedRoot(root=root)
    site_path = root / SITE_FILE
    if _readable(root, site_path, problems, required=True):
        loaded.site = _load_one(root, site_path, SiteSettings, problems)
    for name, kind in KINDS.items():
        unreadable: set[str] = set()
        for path in _files_in(root, kind.folder, problems):
            item = _load_one(root, path, kind.model, problems)
            if item is None or not item.has("id"):
                unreadable.add(path.stem)
            if item is not None:
                loaded.of_kind(name).append(item)
        loaded.unreadable[name] = unreadable
    return loaded


def model_for(rel: str) -> type[BaseModel] | None:
    """The model of a content file, from its path relative to the content root (None: not content)."""
    if rel == SITE_FILE:
        return SiteSettings
    kind = kind_at(rel)
    return kind.model if kind else None


M = TypeVar("M", bound=BaseModel)


class Settings(BaseModel):
    """A settings file of the tool (``templates/docx/layout.yml`` …): unknown keys are mistakes, as in content."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    HINT: ClassVar[str] = "correct the value; the comments in the file say what each setting takes"


def read_settings(path: Path, model: type[M], root: Path) -> M:
    """A settings file validated as ``model``; every mistake a ``path:line`` problem (the path shown from
    ``root``), worded as content mistakes are, all raised together as one :class:`ContentError`. Read again
    only when the file's size or modification time changes."""
    try:
        stat = path.stat()
    except OSError:
        stat = None  # reported as unreadable below
    return _read_settings(path, model, root, stat and (stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=16)
def _read_settings(path: Path, model: type[M], root: Path, stamp: tuple | None) -> M:
    problems: list[Problem] = []
    item = _read_one(root, path, model, problems)
    errors, notes = split(problems)
    if errors or item is None:  # (an empty file is an error of its own)
        raise ContentError(errors, notes)
    return item.obj


def load_item(rel: str, raw: bytes) -> tuple[Any, list[Problem]]:
    """One content file's bytes on their own (no cross-checks, names left unresolved): (object or None, errors).

    For comparing a file with an older version of itself read from git (:mod:`generator.history.changes`).
    """
    model = model_for(rel)
    if model is None:
        return None, []
    problems: list[Problem] = []
    item = _load_one(Path("."), Path(rel), model, problems, raw=raw)
    errors = split(problems)[0]
    return (item.obj if item is not None and not errors else None), errors


_YAMLISH = re.compile(r"\.ya?ml$", re.IGNORECASE)


def _files_in(root: Path, folder: str, problems: list[Problem]) -> list[Path]:
    """The ``*.yml`` files of a folder; look-alikes (``.yaml``, ``.YML``, folders, links out) are reported."""
    directory = root / folder
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.iterdir()):
        if path.name.startswith((".", "~")) or not _YAMLISH.search(path.name):
            continue  # editor lock files, backups, READMEs: not content
        shown = display_path(path, root)
        if not path.name.endswith(".yml"):
            problems.append(Problem(shown, 1, "content files must end in '.yml'",
                                    f"rename it to {path.name[: -len(path.suffix)]}.yml"))
        elif _readable(root, path, problems):
            found.append(path)
    if len(found) > MAX_FILES:
        problems.append(Problem(display_path(directory, root), 1,
                                f"{len(found):,} files in one folder; at most {MAX_FILES:,} are read",
                                "split the handbook into several content roots"))
        return []
    return found


def _readable(root: Path, path: Path, problems: list[Problem], required: bool = False) -> bool:
    """A regular file inside the content root; anything else gets one line saying what it is instead."""
    shown = display_path(path, root)
    if path.is_symlink():
        target = path.resolve()
        if not target.exists():
            problems.append(Problem(shown, 1, "this is a symbolic link to a file that does not exist",
                                    "delete the link and copy the real file here"))
            return False
        if not target.is_relative_to(root.resolve()):
            problems.append(Problem(shown, 1, "this is a symbolic link to a file outside the content root",
                                    "copy the file into the folder instead of linking to it"))
            return False
    if not path.exists():
        if required:
            problems.append(Problem(shown, 1, "file is missing", "create it; see README.md for an example"))
        return False
    if path.is_dir():
        problems.append(Problem(shown, 1, "this is a folder, not a file",
                                "rename the folder so its name does not end in .yml, or move it out"))
        return False
    if not path.is_file():
        problems.append(Problem(shown, 1, "this is not a regular file", "replace it with a plain text .yml file"))
        return False
    return True


#: (path, root, model) → (file stamp, result, problems); filled only while serving (see remember_parsed)
_PARSED: dict[tuple, tuple] | None = None


def remember_parsed(on: bool = True) -> None:
    """Keep each file's parsed and validated result while its size and modification time stay the same.

    `handbook serve` turns this on: a save then re-reads one file, not the whole content root.
    Unchanged files also give the *same* objects again, which lets later stages cache by identity.
    """
    global _PARSED
    _PARSED = {} if on else None


def _load_one(root: Path, path: Path, model: type[BaseModel], problems: list[Problem],
              raw: bytes | None = None) -> Loaded | None:
    if _PARSED is None or raw is not None:
        return _read_one(root, path, model, problems, raw)
    try:
        stat = path.stat()
    except OSError:
        return _read_one(root, path, model, problems)
    key, stamp = (str(path), str(root), model), (stat.st_mtime_ns, stat.st_size)
    cached = _PARSED.get(key)
    if cached is None or cached[0] != stamp:
        found: list[Problem] = []
        cached = _PARSED[key] = (stamp, _read_one(root, path, model, found), found)
    problems += cached[2]
    # a fresh Loaded around the same objects: resolving names swaps `obj` and marks `broken` per build
    return dataclasses.replace(cached[1]) if cached[1] is not None else None


def _read_one(root: Path, path: Path, model: type[BaseModel], problems: list[Problem],
              raw: bytes | None = None) -> Loaded | None:
    """``raw``: the file's bytes from elsewhere (git), ``path`` then only names it."""
    shown = path.as_posix() if raw is not None else display_path(path, root)
    try:
        doc, found = load_yaml(path, shown, raw)
    except OSError as exc:
        problems.append(Problem(shown, 1, f"the file cannot be read ({exc.strerror or exc})",
                                "check that it exists and that you may read it"))
        return None
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
        errors = exc.errors()
    colon_problems, skipped = _text_read_as_mapping(doc, doc.data, ())
    problems += colon_problems
    errors = [err for err in _without_typo_twins(errors, model, doc.data)
              if not any(_real_loc(doc.data, err["loc"])[: len(loc)] == loc for loc in skipped)]
    problems += [_explain(doc, err, model) for err in errors]
    return _partial(doc, model, {str(err["loc"][0]) for err in errors if err["loc"]})


def _without_typo_twins(errors: list[dict], model: type[BaseModel], data: Any) -> list[dict]:
    """``purpos:`` is one mistake: report the unknown key with its suggestion, not also the missing 'purpose'."""
    typos = {(tuple(err["loc"][:-1]), close[0])
             for err in errors if err["type"] == "extra_forbidden"
             for close in [difflib.get_close_matches(str(err["loc"][-1]),
                                                     _known_keys(model, err["loc"][:-1], data), n=1, cutoff=0.5)]
             if close}
    return [err for err in errors
            if not (err["type"] == "missing" and (tuple(err["loc"][:-1]), err["loc"][-1]) in typos)]


def _partial(doc: YamlDocument, model: type[BaseModel], broken: set[str]) -> Loaded:
    """The fields that did validate, so checks on them still run in this pass."""
    good: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name in broken or name not in doc.data:
            continue
        annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        adapter = TypeAdapter(annotation)
        try:
            good[name] = adapter.validate_python(doc.data[name])
        except ValidationError:
            broken.add(name)
    missing = {name for name, info in model.model_fields.items() if info.is_required() and name not in good}
    return Loaded(doc, model.model_construct(**good), frozenset(broken | missing))


_KEY_LIKE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _text_read_as_mapping(doc: YamlDocument, node: Any, loc: tuple) -> tuple[list[Problem], list[tuple]]:
    """``- 负责: 市场调研`` is a mapping to YAML; HR meant one line of text. Say so once, at that line."""
    problems, skipped = [], []
    if isinstance(node, dict):
        # Only a list item can be text; elsewhere an odd key is an unknown key, reported as such.
        odd = [key for key in node if not _KEY_LIKE.match(str(key))] if loc and isinstance(loc[-1], int) else []
        if odd:
            key = odd[0]
            value = node[key]
            typed = f"{key}: {value}" if isinstance(value, str) else str(key)
            problems.append(doc.problem(loc + (key,), f"'{_short(typed)}' was read as 'key: value' because of ': '",
                                        f"put the whole text in quotes, e.g. - \"{_short(typed)}\", "
                                        "or write the colon full-width '：'"))
            return problems, [loc]
        children = node.items()
    elif isinstance(node, list):
        children = enumerate(node)
    else:
        return problems, skipped
    for key, child in children:
        found, skip = _text_read_as_mapping(doc, child, loc + (key,))
        problems += found
        skipped += skip
    return problems, skipped


def _explain(doc: YamlDocument, err: dict, model: type[BaseModel]) -> Problem:
    """One pydantic error → one plain-language line at the right place."""
    loc = _real_loc(doc.data, err["loc"])
    kind = err["type"]
    where = ".".join(str(p) for p in loc) or "file"
    if err.get("input", ...) is None and kind != "missing":  # `key:` with nothing after it
        return doc.problem(loc, f"{where} is empty", fillin.hint(loc))
    if kind == "missing":
        field = err["loc"][-1]
        return doc.problem(loc, f"missing required field '{field}'", f"add a line '{field}: …'")
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        known = _known_keys(model, err["loc"][:-1], doc.data)
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'?" if close else f"known keys here: {', '.join(sorted(known))}"
        return doc.problem(loc, f"unknown key '{key}'", hint)
    if kind == "string_pattern_mismatch" and "0-9A-Fa-f" in str(err.get("ctx", {}).get("pattern", "")):
        return doc.problem(loc, f"{where} is '{_short(err['input'])}', not a colour",
                           'write six hex digits in quotes, e.g. "1F3864"')
    if kind == "string_pattern_mismatch":
        return doc.problem(loc, f"'{_short(err['input'])}' in {where} is not a valid id",
                           "use lower-case letters, digits and hyphens only, e.g. market-manager")
    if kind in ("string_too_short", "too_short"):
        return doc.problem(loc, f"{where} is empty", "fill it in or remove the key")
    if kind == "string_too_long":
        limit = err["ctx"]["max_length"]
        return doc.problem(loc, f"{where} is {len(err['input']):,} characters long; at most {limit:,} are allowed",
                           "split it into several shorter items")
    if kind == "too_long":
        limit = err["ctx"]["max_length"]
        return doc.problem(loc, f"{where} has {err['ctx'].get('actual_length', len(err['input'])):,} items; "
                                f"at most {limit:,} are allowed", "split the content, or keep only what is needed")
    if kind == "literal_error":
        return doc.problem(loc, f"'{_short(err['input'])}' is not allowed for {where}", f"use {err['ctx']['expected']}")
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type", "date_from_datetime_inexact"):
        return doc.problem(loc, f"'{_short(err['input'])}' in {where} is not a date",
                           "write a real calendar date as YYYY-MM-DD, e.g. 2026-12-01")
    if kind in ("string_type", "list_type", "dict_type", "model_type", "int_type", "float_type",
                "int_parsing", "float_parsing", "bool_type", "bool_parsing", "int_parsing_size",
                "model_attributes_type"):
        expected = {"bool_parsing": "true or false", "int_parsing_size": "a whole number", "string_type": "text", "list_type": "a list of '- ' items", "dict_type": "'key: value' lines",
                    "model_type": "'key: value' lines", "model_attributes_type": "'key: value' lines",
                    "int_type": "a whole number", "int_parsing": "a whole number", "float_type": "a number",
                    "float_parsing": "a number", "bool_type": "true or false"}[kind]
        return doc.problem(loc, f"{where} should be {expected}, not {_describe(err['input'])}",
                           f"write {where} as {expected}")
    if kind in ("greater_than", "less_than_equal", "greater_than_equal", "less_than"):
        return doc.problem(loc, f"{where} is {_short(err['input'])}: {err['msg'].lower()}", "correct the number")
    if kind in ("finite_number", "int_from_float"):
        return doc.problem(loc, f"{where} should be an ordinary number, not {_describe(err['input'])}",
                           "correct the number")
    hint = getattr(model, "HINT", "see the JSON Schema in schemas/ for what is allowed")
    return doc.problem(loc, f"{where}: {err['msg']}", hint)


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
    return f"'{_short(value)}'"


def _short(value: Any, limit: int = 40) -> str:
    """A value as quoted in a message: long ones (a 5,000-digit number, a pasted page) are cut."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text):,} characters)"


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

    return sorted(roles, key=lambda r: (dept_rank.get(r.department, len(dept_rank)), depth(r), r.number or "", r.id))
