"""A form's data written back into its content file: only what changed, every other byte kept.

The editor's API speaks the file's data as its YAML reads (same keys and nesting). A save compares the
data the file held with the data the form sends and assigns only the differences into ruamel.yaml's
round-trip document (as ``handbook import`` does), so comments, key order, quoting and flow lists stay;
the importer's last guard then transplants the changed lines onto the original text, so a line nobody
edited stays byte-identical even where ruamel would have re-spelled it.

Values arrive from the YAML reader as the text HR typed (``weight: 35`` is ``"35"``); :func:`typed`
turns text into a number or true/false where the kind's JSON Schema asks for one, so the form gets
numbers for number fields and an unchanged weight compares equal.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import re
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString, ScalarString

from ..authoring.importer.roundtrip import _dump, _replace_items, _transplant, _yaml

_TRUE = {"true", "yes", "on", "1", "y"}
_FALSE = {"false", "no", "off", "0", "n"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: texts YAML would read as something else (a number, true/false, nothing): written in quotes
_NOT_TEXT = re.compile(r"^([-+]?(\d[\d_]*)?\.?\d*([eE][-+]?\d+)?|true|false|yes|no|on|off|null|~)$", re.IGNORECASE)


# --------------------------------------------------------------------------- YAML text → JSON types


def typed(value: Any, schema: dict, defs: dict | None = None) -> Any:
    """``value`` (as the YAML reader returns it) with numbers and true/false where ``schema`` wants them."""
    defs = schema.get("$defs", {}) if defs is None else defs
    schema = _resolve(schema, defs)
    for option in schema.get("anyOf", []) + schema.get("oneOf", []):
        option = _resolve(option, defs)
        converted = typed(value, option, defs)
        if _fits(converted, option, defs):
            return converted
    kind = schema.get("type")
    if isinstance(value, str) and kind in ("number", "integer"):
        try:
            number = float(value)
        except ValueError:
            return value
        if number != number or number in (float("inf"), float("-inf")):
            return value
        return int(number) if number.is_integer() and re.fullmatch(r"[+-]?\d+(\.0*)?", value.strip()) else number
    if isinstance(value, str) and kind == "boolean":
        lowered = value.strip().lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else value
    if isinstance(value, dict):
        props = schema.get("properties", {})
        return {key: typed(item, props[key], defs) if key in props else item for key, item in value.items()}
    if isinstance(value, list) and "items" in schema:
        return [typed(item, schema["items"], defs) for item in value]
    return value


def fitting(schema: dict, defs: dict, value: Any) -> dict:
    """The (sub)schema ``value`` is an instance of: references resolved, the union's alternative that fits."""
    schema = _resolve(schema, defs)
    options = schema.get("anyOf", []) + schema.get("oneOf", [])
    return next((_resolve(o, defs) for o in options if _fits(value, o, defs)), schema)


def _resolve(schema: dict, defs: dict) -> dict:
    while "$ref" in schema:
        schema = {**defs[schema["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _fits(value: Any, schema: dict, defs: dict) -> bool:
    """Whether ``value`` has the JSON type ``schema`` names (enough to pick a union's alternative)."""
    schema = _resolve(schema, defs)
    kind = schema.get("type")
    if kind is None:
        return any(_fits(value, s, defs) for s in schema.get("anyOf", []) + schema.get("oneOf", []))
    checks = {"string": lambda v: isinstance(v, str), "null": lambda v: v is None,
              "boolean": lambda v: isinstance(v, bool),
              "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
              "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "array": lambda v: isinstance(v, list), "object": lambda v: isinstance(v, dict)}
    if not checks[kind](value):
        return False
    if kind == "object":  # a union of objects is told apart by the keys each requires
        return set(schema.get("required", [])) <= set(value) and (
            schema.get("additionalProperties", True) is not False or set(value) <= set(schema.get("properties", {})))
    return True


# --------------------------------------------------------------------------- writing the differences


def apply(src: str, old: Any, new: Any) -> str:
    """``src`` (a content file's text, whose data is ``old``) with the values that differ in ``new`` assigned."""
    if old == new:
        return src
    if "\r\n" in src:
        return apply(src.replace("\r\n", "\n"), old, new).replace("\n", "\r\n")
    y = _writer(src)
    doc = y.load(src)
    baseline = _dump(y, doc)
    doc = _patch(doc, old, new)
    changed = _dump(y, doc)
    return changed if baseline == src else _transplant(src, baseline, changed)


@functools.lru_cache(maxsize=16)
def _writer(src: str):
    """The round-trip writer that reproduces ``src`` (found by trying indentations: done once per text)."""
    return _yaml(src)


def _patch(node: Any, old: Any, new: Any) -> Any:
    """``node`` (ruamel's) made to hold ``new``; returns the node to put in its place."""
    if old == new:
        return node
    if isinstance(node, dict) and isinstance(old, dict) and isinstance(new, dict):
        keys = {str(key): key for key in node}
        for key in old:
            if key not in new and key in keys:
                del node[keys[key]]
        order = list(new)
        for key, value in new.items():
            if key in old and key in keys:
                node[keys[key]] = _patch(node[keys[key]], old[key], value)
            else:
                before = [str(k) for k in node if str(k) in order[: order.index(key)]]
                position = list(map(str, node)).index(before[-1]) + 1 if before else 0
                node.insert(position, key, _to_yaml(value))
        return node
    if isinstance(node, list) and isinstance(old, list) and isinstance(new, list):
        _patch_list(node, old, new)
        return node
    return _to_yaml(new, node)


def counterparts(old: list, new: list) -> list[int | None]:
    """For each item of ``new``, the index of the item of ``old`` it is (kept, or edited in place), or None
    (added): pairwise while the list keeps its length, else by matching the items' contents."""
    if len(old) == len(new):
        return list(range(len(new)))
    keyed = lambda items: [json.dumps(item, ensure_ascii=False, sort_keys=True) for item in items]  # noqa: E731
    found: list[int | None] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, keyed(old), keyed(new), autojunk=False).get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            found += range(i1, i2)
        else:
            found += [None] * (j2 - j1)
    return found


def _patch_list(seq: CommentedSeq, old: list, new: list) -> None:
    pairs = counterparts(old, new)
    if len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new)):
            seq[index] = _patch(seq[index], a, b)
        return
    _replace_items(seq, [(_to_yaml(item), None) if i is None else (_patch(seq[i], old[i], item), i)
                         for i, item in zip(pairs, new)])


def _to_yaml(value: Any, old: Any = None) -> Any:
    """A JSON value as ruamel should write it, in the style of the value it replaces."""
    if isinstance(value, dict):
        return CommentedMap((key, _to_yaml(item)) for key, item in value.items())
    if isinstance(value, list):
        return CommentedSeq(_to_yaml(item) for item in value)
    if not isinstance(value, str):
        return value
    if "\n" in value:
        return LiteralScalarString(value)
    if isinstance(old, ScalarString) and not isinstance(old, LiteralScalarString):
        return type(old)(value)  # "1.0" stays double-quoted, 'x' single-quoted
    if _NOT_TEXT.match(value):
        return DoubleQuotedScalarString(value)  # a new "1.1" quoted as the content files quote versions
    if _DATE.match(value):
        try:
            return dt.date.fromisoformat(value)  # written plain, as dates are
        except ValueError:
            return value
    return value
