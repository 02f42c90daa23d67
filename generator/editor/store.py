"""Content files as the editor reads and writes them: data as its YAML reads, an etag, no lost work.

A save names the version it was made from (its etag, a hash of the file's bytes). If the file changed
on disk since (another person, a text editor, ``git pull``) it is refused with the current version;
if the result would not pass ``handbook check`` it is refused with the problems at their fields.
Only then is the file replaced, atomically, with only the edited values rewritten (:mod:`.yamlpatch`).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..content.model import KINDS, SLUG_PATTERN, Kind, source_path
from ..content.schema import schema_for
from ..content.yamlsource import load_yaml
from . import checks, yamlpatch

KINDS_BY_PLURAL: dict[str, Kind] = {kind.plural: kind for kind in KINDS.values()}
#: one write at a time: a save's check and its write see the same files
WRITING = threading.RLock()


class Refused(Exception):
    """An HTTP answer other than success: its status and JSON body."""

    def __init__(self, status: int, body: dict):
        super().__init__(body.get("error", status))
        self.status, self.body = status, body


def etag_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:32]


@dataclass
class Item:
    kind: Kind
    id: str
    rel: str  # roles/<id>.yml
    path: Path
    raw: bytes
    data: Any  # as the YAML reads, typed by the kind's schema; None when the file cannot be read as YAML
    problems: list[checks.Found] = field(default_factory=list)

    @property
    def etag(self) -> str:
        return etag_of(self.raw)


def locate(root: Path, plural: str, item_id: str) -> tuple[Kind, str, Path]:
    """The file of ``<plural>/<id>``; 404 for an unknown kind or item, 400 for an id that is not a plain id."""
    kind = KINDS_BY_PLURAL.get(plural)
    if kind is None:
        raise Refused(404, {"error": f"没有“{plural}”这类内容；可编辑：{'、'.join(KINDS_BY_PLURAL)}"})
    if len(item_id) > 64 or not re.fullmatch(SLUG_PATTERN, item_id):
        raise Refused(400, {"error": "id 只能由英文小写字母、数字和连字符组成"})
    rel = source_path(kind.name, item_id)
    path = root / rel
    if path.is_symlink() or not path.is_file() or not path.resolve().is_relative_to(root.resolve()):
        raise Refused(404, {"error": f"{rel} 不存在"})
    return kind, rel, path


def read(root: Path, plural: str, item_id: str, mirror: checks.Mirror) -> Item:
    kind, rel, path = locate(root, plural, item_id)
    raw = path.read_bytes()
    item = Item(kind, item_id, rel, path, raw, _data(kind, rel, raw))
    errors, notes = mirror.problems()
    item.problems = checks.place(rel, raw, [p for p in errors + notes if p.path == rel])
    return item


def _data(kind: Kind, rel: str, raw: bytes) -> Any:
    doc, _ = load_yaml(Path(rel), rel, raw)
    return yamlpatch.typed(doc.data, schema_for(kind.name)) if doc is not None else None


def title_of(root: Path, rel: str) -> str:
    """An item's title as its file says it: for an item the loader left out (a held-back draft) or a new file
    whose changes could not be worded."""
    doc, _ = load_yaml(root / rel, rel) if (root / rel).is_file() else (None, [])
    title = doc.data.get("title") if doc is not None and isinstance(doc.data, dict) else None
    return title if isinstance(title, str) else ""


def save(root: Path, plural: str, item_id: str, if_match: str | None, data: Any,
         mirror: checks.Mirror, write: bool = True) -> tuple[str, list[checks.Found], bytes, dict]:
    """Write ``data`` over the version ``if_match`` names: (new etag, notes, the bytes it replaced, the data
    written). ``write=False`` only checks."""
    if not isinstance(data, dict):
        raise Refused(400, {"error": "请求体应为 {\"data\": {…}}"})
    with WRITING:
        kind, rel, path = locate(root, plural, item_id)
        raw = path.read_bytes()
        old = _data(kind, rel, raw)
        if write and if_match is None:
            raise Refused(428, {"error": "缺少 If-Match：请带上打开时得到的 etag"})
        schema = schema_for(kind.name)
        new = _normalise(data, old, schema, schema.get("$defs", {}))
        if write and if_match.strip().strip('"').removeprefix("W/").strip('"') != etag_of(raw):
            raise Refused(409, {"data": old, "etag": etag_of(raw), "yours": new,
                                "error": "打开之后，文件已被别人或别的程序修改；没有保存。"})
        if old is None:
            item = read(root, plural, item_id, mirror)
            raise Refused(422, {"problems": [p.as_json() for p in item.problems]})
        if new.get("id") != old.get("id"):
            raise Refused(422, {"problems": [checks.Found("id", "id 是文件名和网页地址，不能在表单中修改", rel, 1,
                                                          "error").as_json()]})
        if kind.name == "role":
            _measures_by_text(new)
        bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
        text = yamlpatch.apply(raw.decode("utf-8-sig"), old, new)
        candidate = bom + text.encode("utf-8")
        if _data(kind, rel, candidate) != new:  # the writer must say exactly what the form said
            raise Refused(500, {"error": "内部错误：修改无法准确写入文件，没有保存"})
        errors, notes = mirror.problems(rel, candidate)
        if any(p.path != rel for p in errors):  # only those the edit adds elsewhere count
            errors = checks.blocking(rel, errors, mirror.problems()[0])
        if errors:
            mine = [p for p in notes if p.path == rel]
            raise Refused(422, {"problems": [p.as_json() for p in checks.place(rel, candidate, errors + mine)]})
        mine = checks.place(rel, candidate, [p for p in notes if p.path == rel])
        if write and candidate != raw:
            write_atomically(path, candidate)
        return etag_of(candidate), mine, raw, new


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path``: a crash leaves the old file or the new one, never half of one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".editor-", suffix=".tmp")
    try:
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _empty(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_empty(v) for v in value.values())
    return value in (None, "", [])


_NO_DEFAULT = object()


def _normalise(new: Any, old: Any, schema: dict, defs: dict) -> Any:
    """Form data → file data: texts trimmed; a field the file did not have stays out while the form leaves it
    empty or at its default; a field the file had and the form cleared is kept, empty (``handbook check`` then
    says what to fill in); a list the file left empty (``duties:``) stays so while the form's list is."""
    schema = yamlpatch.fitting(schema, defs, new)
    if isinstance(new, dict):
        old = old if isinstance(old, dict) else {}
        props = schema.get("properties", {})
        out = {}
        order = list(props)  # a new key goes where the model puts it, whatever order the form sent
        for key in sorted(new, key=lambda k: order.index(k) if k in order else len(order)):
            value = new[key]
            if key not in old and (_empty(value) or value == props.get(key, {}).get("default", _NO_DEFAULT)):
                continue
            value = _normalise(value, old.get(key), props.get(key, {}), defs)
            out[key] = None if value == "" or value == [] and old.get(key) is None else value
        return out
    if isinstance(new, list):
        old = old if isinstance(old, list) else []
        return [_normalise(value, None if i is None else old[i], schema.get("items", {}), defs)
                for i, value in zip(yamlpatch.counterparts(old, new), new)]
    return new.strip() if isinstance(new, str) else new


def _measures_by_text(role: dict) -> None:
    """A KPI may name the duties it measures by their text (the form picks them so); such a duty gets an id,
    made from its words in pinyin as ``handbook import`` makes them, and the KPI names that id."""
    from ..authoring.ids import slug_from_title

    kpis = role.get("kpis")
    items = kpis.get("items") if isinstance(kpis, dict) else None
    if not isinstance(items, list):
        return
    duties: list[tuple[list, int]] = []

    def walk(entries: Any) -> None:
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            duties.append((entries, index))
            if isinstance(entry, dict) and "duties" in entry:
                walk(entry["duties"])

    walk(role.get("duties"))
    ids = {entry.get("id") for entries, i in duties if isinstance(entry := entries[i], dict)} - {None}
    for kpi in items:
        measures = kpi.get("measures") if isinstance(kpi, dict) else None
        for position, ref in enumerate(measures if isinstance(measures, list) else []):
            if not isinstance(ref, str) or ref in ids:
                continue
            for entries, index in duties:
                entry = entries[index]
                if _text(entry) == ref:
                    new_id = slug_from_title(ref[:12], ids)
                    entries[index] = {"id": new_id, "text": entry} if isinstance(entry, str) else _with_id(entry, new_id)
                    ids.add(new_id)
                    measures[position] = new_id
                    break


def _text(entry: Any) -> str | None:
    return entry if isinstance(entry, str) else entry.get("text") or entry.get("heading") if isinstance(entry, dict) else None


def _with_id(entry: dict, new_id: str) -> dict:
    if "heading" in entry:
        return {"heading": entry["heading"], "id": new_id, **{k: v for k, v in entry.items() if k not in ("heading", "id")}}
    return {"id": new_id, **{k: v for k, v in entry.items() if k != "id"}}


def create_role(root: Path, body: dict) -> tuple[str, str]:
    """``handbook new role`` from the form: (id, etag) of the new draft; 422 with the field a name is wrong in."""
    from ..authoring.newrole import Directory, NewRoleError, plan_role, write_role

    def text(name: str) -> str | None:
        value = body.get(name)
        return " ".join(value.split()) or None if isinstance(value, str) else None

    title, department = text("title"), text("department")
    reports_to, reports_to_title = text("reports_to"), text("reports_to_title")
    missing = [(name, label) for name, label, value in (("title", "岗位名称", title), ("department", "所属部门", department))
               if not value]
    if not reports_to and not reports_to_title:
        missing.append(("reports_to", "直接上级"))
    if missing:
        raise Refused(422, {"problems": [checks.Found(name, f"请填写{label}", "roles/", 1, "error").as_json()
                                         for name, label in missing]})
    with WRITING:
        directory = Directory.read(root)
        for name, value, find in (("department", department, directory.department),
                                  ("reports_to", reports_to, directory.role)):
            try:
                if value:
                    find(value)
            except NewRoleError as exc:
                raise Refused(422, {"problems": [checks.Found(name, str(exc), "roles/", 1, "error").as_json()]}) from None
        try:
            role = plan_role(root, title, department, reports_to, None if reports_to else reports_to_title)
            path = write_role(root, role)
        except NewRoleError as exc:
            raise Refused(422, {"problems": [checks.Found("title", str(exc), "roles/", 1, "error").as_json()]}) from None
    return role.id, etag_of(path.read_bytes())
