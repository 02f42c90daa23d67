"""Content root → validated :class:`~generator.content.model.Handbook`: ``content/site.yml`` and one folder
per content kind (:data:`~generator.content.model.KINDS`), one file per item named by its id. All problems of
all files are raised together as one :class:`~generator.content.errors.ContentError`."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar, get_args

from pydantic import BaseModel, TypeAdapter, ValidationError

from . import crosscheck, drafts, references
from .errors import ContentError, Problem, display_path, split
from .folders import CONTENT_FOLDERS, SITE_FILE
from .loaded import Loaded, LoadedRoot
from .messages import MESSAGES, fill, item_list, problem, where
from .model import KINDS, UNION_TAGS, Handbook, Role, SiteSettings, kind_at
from .yamlsource import YamlDocument, load_yaml

MAX_FILES = 1_000  # per folder; a handbook of 1,000 roles already needs splitting into several


def content_files(root: Path) -> list[Path]:
    """Every file the handbook is built from, for caching and watching."""
    files = [root / SITE_FILE] if (root / SITE_FILE).exists() else []
    for kind in KINDS.values():
        files += sorted(p for p in (root / kind.folder).glob("*.yml") if p.is_file())
    return files


def load_handbook(root: Path, notes: list[Problem] | None = None, strict: bool = False) -> Handbook:
    """Load and check everything; errors raise :class:`ContentError`, notes are appended to ``notes``. A
    draft that does not pass its checks is left out, its problems in ``notes`` and ``Handbook.draft_problems``
    (errors with ``strict``, ``check --strict`` for CI): an unfinished draft never stops the rest."""
    root = Path(root)
    problems: list[Problem] = []
    if not any((root / folder).is_dir() for folder in CONTENT_FOLDERS):
        raise ContentError([problem(str(root), 1, "root.empty")])
    loaded = load_root(root, problems)
    problems += references.resolve(loaded)
    problems += crosscheck.run(loaded)
    problems = [dataclasses.replace(p, severity="draft") if p.blocks and p.path in loaded.drafts else p
                for p in problems]
    errors, found_notes = split(problems, strict)
    if errors:
        raise ContentError(errors, found_notes)
    assert loaded.site is not None  # a missing or broken site.yml is an error above
    held = {p.path for p in found_notes if p.severity == "draft"}
    found_notes += _held_back_with(loaded, held)
    if notes is not None:
        notes += found_notes
    return Handbook(site=loaded.site.obj, brand=loaded.brand, **_without(loaded, held),
                    draft_problems=tuple(p for p in sorted(found_notes) if p.severity == "draft"))


def _held_back_with(loaded: LoadedRoot, held: set[str]) -> list[Problem]:
    """A draft form printing a draft policy that is held back cannot be shown either: it is held back too."""
    policies = {item.obj.id: item for item in loaded.of_kind("policy") if item.doc.shown_as in held and item.has("id")}
    found = []
    for item in loaded.of_kind("form"):
        policy = policies.get(item.obj.policy) if item.has("policy") else None
        if policy is not None and item.doc.shown_as not in held:
            found.append(dataclasses.replace(item.doc.say(("policy",), "draft.depends", field=where(("policy",)),
                                                          value=policy.obj.id, file=policy.doc.shown_as),
                                             severity="draft"))
            held.add(item.doc.shown_as)
    return found


def _without(loaded: LoadedRoot, held: set[str]) -> dict[str, list]:
    """Every kind's items but the files ``held`` back, as :func:`drafts.leave_out` leaves drafts out (reporting
    lines climb past them); a held-back draft sharing its id with a file that stays is simply dropped."""
    staying = {(name, item.obj.id) for name in KINDS for item in loaded.of_kind(name) if item.doc.shown_as not in held}
    gone = {(name, item.obj.id) for name in KINDS for item in loaded.of_kind(name)
            if item.doc.shown_as in held and item.has("id") and (name, item.obj.id) not in staying}
    items = {name: [_usable(item) for item in loaded.of_kind(name)
                    if item.doc.shown_as not in held or (name, getattr(item.obj, "id", None)) in gone]
             for name in KINDS}
    kept = drafts.leave_out(items, gone)
    kept["roles"] = _ordered_roles(loaded.site.obj, kept["roles"])
    return kept


def _usable(item: Loaded) -> Any:
    """An item's object; a held-back draft's without a superior that did not resolve (others may climb past it)."""
    return item.obj.model_copy(update={"reports_to": None}) if "reports_to" in item.broken else item.obj


def load_root(root: Path, problems: list[Problem]) -> LoadedRoot:
    """Read and validate every file; problems are appended, never raised."""
    loaded = LoadedRoot(root=root)
    site_path = root / SITE_FILE
    if _readable(root, site_path, problems, required=True):
        loaded.site = _load_one(root, site_path, SiteSettings, problems)
    for name, kind in KINDS.items():
        unreadable: set[str] = set()
        for path, is_content in _files_in(root, kind.folder, problems):
            item = _load_one(root, path, kind.model, problems) if is_content else None
            if _is_draft(item, path):
                loaded.drafts.add(display_path(path, root))
            elif item is None or not item.has("id"):
                unreadable.add(path.stem)  # a draft's own problems hold it back: names in it are not awaited
            if item is not None:
                loaded.of_kind(name).append(item)
        loaded.unreadable[name] = unreadable
    return loaded


_DRAFT_LINE = re.compile(r"^status[ \t]*[:：][ \t]*[\"']?draft[\"']?[ \t]*(#.*)?$", re.MULTILINE)


def _is_draft(item: Loaded | None, path: Path) -> bool:
    """Marked ``status: draft``: by its checked value, or by its text when the file could not be read as YAML."""
    if item is not None and item.has("status"):
        return getattr(item.obj, "status", None) == drafts.DRAFT
    try:
        return bool(_DRAFT_LINE.search(path.read_bytes()[:200_000].decode("utf-8", "replace")))
    except OSError:
        return False


M = TypeVar("M", bound=BaseModel)


class Settings(BaseModel, extra="forbid", frozen=True):
    """A settings file of the tool (``templates/docx/layout.yml`` …): unknown keys are mistakes, as in content."""

    HINT: ClassVar[str] = "settings.hint"  # the hint of a mistake the wording table has no entry for


def read_settings(path: Path, model: type[M], root: Path) -> M:
    """A settings file validated as ``model``; every mistake a ``path:line`` problem (the path shown from
    ``root``), worded as content mistakes are, all raised together as one :class:`ContentError`. Read again
    only when the file's size or modification time changes."""
    return _read_settings(path, model, root, _stamp(path))


def _stamp(path: Path) -> tuple[int, int] | None:
    """A file's modification time and size (None: it cannot be read, which reading it then reports)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=16)
def _read_settings(path: Path, model: type[M], root: Path, stamp: tuple | None) -> M:
    problems: list[Problem] = []
    item = _read_one(root, path, model, problems)
    errors, notes = split(problems)
    if errors or item is None:  # (an empty file is an error of its own)
        raise ContentError(errors, notes)
    return item.obj


def load_item(rel: str, raw: bytes) -> tuple[Any, list[Problem]]:
    """One content file's bytes on their own (no cross-checks, names left unresolved): (object or None,
    errors), to compare a file with an older version of itself from git (:mod:`generator.history.changes`)."""
    kind = kind_at(rel)
    model = SiteSettings if rel == SITE_FILE else kind.model if kind else None
    if model is None:
        return None, []
    problems: list[Problem] = []
    item = _load_one(Path("."), Path(rel), model, problems, raw=raw)
    errors = split(problems)[0]
    return (item.obj if item is not None and not errors else None), errors


_YAMLISH = re.compile(r"\.ya?ml(\.txt)?$", re.IGNORECASE)


def _files_in(root: Path, folder: str, problems: list[Problem]) -> list[tuple[Path, bool]]:
    """The ``*.yml`` files of a folder, each with True; look-alikes that are not read (``.yaml``, ``.YML``,
    ``.yml.txt`` as Notepad saves, folders, links out) get a problem each and come with False."""
    directory = root / folder
    if not directory.is_dir():
        return []
    found: list[tuple[Path, bool]] = []
    for path in sorted(directory.iterdir()):
        if path.name.startswith((".", "~")) or not _YAMLISH.search(path.name):
            continue  # editor lock files, backups, READMEs: not content
        shown = display_path(path, root)
        stem = _YAMLISH.sub("", path.name)
        if path.name.lower().endswith(".txt") or not path.name.endswith(".yml"):
            code = "file.txt_suffix" if path.name.lower().endswith(".txt") else "file.suffix"
            problems.append(problem(shown, 1, code, extra=path.name[len(stem):], name=f"{stem}.yml"))
            found.append((path, False))
        elif _readable(root, path, problems):
            found.append((path, True))
    count = sum(is_content for _, is_content in found)
    if count > MAX_FILES:
        problems.append(problem(display_path(directory, root), 1, "folder.too_many", count=count, limit=MAX_FILES))
        return []
    return found


def _readable(root: Path, path: Path, problems: list[Problem], required: bool = False) -> bool:
    """A regular file inside the content root; anything else gets one line saying what it is instead."""
    if path.is_symlink() and not path.resolve().exists():
        code = "file.link_missing"
    elif path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
        code = "file.link_outside"
    elif not path.exists():
        code = "file.missing" if required else ""
    elif path.is_dir():
        code = "file.folder"
    elif not path.is_file():
        code = "file.special"
    else:
        return True
    if code:
        problems.append(problem(display_path(path, root), 1, code))
    return False


#: (path, root, model) → (file stamp, result, problems); filled only while serving (see remember_parsed)
_PARSED: dict[tuple, tuple] | None = None


def remember_parsed(on: bool = True) -> None:
    """Keep each file's parsed and validated result while its size and modification time stay the same
    (`handbook serve`: a save re-reads one file, and unchanged files give the *same* objects again)."""
    global _PARSED
    _PARSED = {} if on else None


def _load_one(root: Path, path: Path, model: type[BaseModel], problems: list[Problem],
              raw: bytes | None = None) -> Loaded | None:
    if _PARSED is None or raw is not None or (stamp := _stamp(path)) is None:
        return _read_one(root, path, model, problems, raw)
    key = (str(path), str(root), model)
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
        problems.append(problem(shown, 1, "file.unreadable", reason=exc.strerror or exc))
        return None
    problems += found
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        problems.append(doc.say((), "file.not_mapping"))
        return None
    try:
        return Loaded(doc, model.model_validate(doc.data))
    except ValidationError as exc:
        errors = exc.errors()
    skipped = dict(_text_read_as_mapping(doc, doc.data))
    problems += skipped.values()
    errors = [err for err in _without_typo_twins(errors, model)
              if not any(_real_loc(doc.data, err["loc"])[: len(loc)] == loc for loc in skipped)]
    problems += [_explain(doc, err, model) for err in errors]
    return _partial(doc, model, {str(err["loc"][0]) for err in errors if err["loc"]})


def _without_typo_twins(errors: list[dict], model: type[BaseModel]) -> list[dict]:
    """``purpos:`` is one mistake: report the unknown key with its suggestion, not also the missing 'purpose'."""
    typos = {(tuple(err["loc"][:-1]), _close_key(model, err))
             for err in errors if err["type"] == "extra_forbidden"}
    return [err for err in errors
            if not (err["type"] == "missing" and (tuple(err["loc"][:-1]), err["loc"][-1]) in typos)]


def _close_key(model: type[BaseModel], err: dict) -> str | None:
    """The known key an unknown one (``err``) was probably meant to be, if any."""
    known = _known_keys(model, err["loc"][:-1])
    close = difflib.get_close_matches(str(err["loc"][-1]), known, n=1, cutoff=0.5)
    return close[0] if close else None


def _partial(doc: YamlDocument, model: type[BaseModel], broken: set[str]) -> Loaded:
    """The fields that did validate, so checks on them still run in this pass."""
    good: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name in broken or name not in doc.data:
            continue
        try:
            good[name] = TypeAdapter(Annotated[info.annotation, info]).validate_python(doc.data[name])
        except ValidationError:
            broken.add(name)
    missing = {name for name, info in model.model_fields.items() if info.is_required() and name not in good}
    return Loaded(doc, model.model_construct(**good), frozenset(broken | missing))


_KEY_LIKE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _text_read_as_mapping(doc: YamlDocument, node: Any, loc: tuple = ()) -> Iterator[tuple[tuple, Problem]]:
    """``- 负责: 市场调研`` is a mapping to YAML; HR meant one line of text. Say so once, at that line: (the
    item's location, the problem)."""
    if isinstance(node, dict):
        # Only a list item can be text; elsewhere an odd key is an unknown key, reported as such.
        odd = [key for key in node if not _KEY_LIKE.match(str(key))] if loc and isinstance(loc[-1], int) else []
        if odd:
            key, value = odd[0], node[odd[0]]
            typed = f"{key}: {value}" if isinstance(value, str) else str(key)
            yield loc, doc.say(loc + (key,), "yaml.colon_in_item", typed=_short(typed))
            return
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        yield from _text_read_as_mapping(doc, child, loc + (key,))


_TYPES = {"string_type": "文字", "list_type": "'- ' 开头的列表", "dict_type": "'键: 值' 行", "model_type": "'键: 值' 行",
          "model_attributes_type": "'键: 值' 行", "int_type": "整数", "int_parsing": "整数", "int_parsing_size": "整数",
          "float_type": "数字", "float_parsing": "数字", "bool_type": "true 或 false", "bool_parsing": "true 或 false"}
_DATES = ("date_from_datetime_parsing", "date_parsing", "date_type", "date_from_datetime_inexact")
_LIMITS = {"greater_than": "必须大于 {gt:g}", "greater_than_equal": "不能小于 {ge:g}", "less_than": "必须小于 {lt:g}",
           "less_than_equal": "不能大于 {le:g}"}


def _explain(doc: YamlDocument, err: dict, model: type[BaseModel]) -> Problem:
    """One pydantic error → one plain-language line at the right place, the place named as HR would say it."""
    loc = _real_loc(doc.data, err["loc"])
    kind, ctx, typed = err["type"], err.get("ctx", {}), err.get("input")
    here = where(loc)
    if typed is None and kind != "missing" or kind in ("string_too_short", "too_short"):  # `key:` and nothing
        return doc.say(loc, "field.empty", where=here, fill=fill(loc))
    if kind == "missing":
        return doc.say(loc, "field.missing", where=here, key=err["loc"][-1])
    if kind == "extra_forbidden":
        key, close = str(err["loc"][-1]), _close_key(model, err)
        if close:
            return doc.say(loc, "field.unknown", key=key, close=close)
        known = item_list(sorted(_known_keys(model, err["loc"][:-1])), limit=40)
        return doc.say(loc, "field.unknown_list", key=key, known=known)
    if kind == "string_pattern_mismatch":
        colour = "0-9A-Fa-f" in str(ctx.get("pattern", ""))
        return doc.say(loc, "field.colour" if colour else "field.id", where=here, value=_short(typed))
    if kind in ("string_too_long", "too_long"):
        return doc.say(loc, "field.too_long" if kind == "string_too_long" else "field.too_many", where=here,
                       count=ctx.get("actual_length", len(typed)), limit=ctx["max_length"])
    if kind == "literal_error":
        return doc.say(loc, "field.choice", where=here, value=_short(typed),
                       expected=ctx["expected"].replace(" or ", " 或 "))
    if kind in _DATES:
        return doc.say(loc, "field.date", where=here, value=_short(typed))
    if kind in _TYPES:
        return doc.say(loc, "field.type", where=here, expected=_TYPES[kind], got=_describe(typed))
    if kind in _LIMITS:
        return doc.say(loc, "field.range", where=here, value=_short(typed), limit=_LIMITS[kind].format(**ctx))
    if kind in ("finite_number", "int_from_float"):
        return doc.say(loc, "field.number", where=here, got=_describe(typed))
    hint = MESSAGES[getattr(model, "HINT", "field.schema")][1]
    return doc.say(loc, "field.other", where=here, detail=err["msg"], hint=hint)


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


def _known_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the model that sits at ``loc`` (through lists, nested models and union tags)."""
    current: Any = model
    for part in loc:
        if current is not None and not isinstance(part, int):
            field = current.model_fields.get(part)
            current = _inner_model(field.annotation) if field else UNION_TAGS.get(part) or current
    return list(current.model_fields) if current else []


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((found for arg in get_args(annotation) if (found := _inner_model(arg))), None)


def _describe(value: Any) -> str:
    """What a value of the wrong type is, as HR sees it in the file."""
    plain = {dict: "'键: 值' 行", list: "列表", type(None): "空白"}.get(type(value))
    return plain or f" '{_short(value)}'"


def _short(value: Any, limit: int = 40) -> str:
    """A value as quoted in a message: long ones (a 5,000-digit number, a pasted page) are cut."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else f"{text[: limit - 1]}…（共 {len(text):,} 个字符）"


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
