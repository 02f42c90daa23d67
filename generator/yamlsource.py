"""Safe YAML reading that remembers where every value came from.

PyYAML's ``safe_load`` forgets line numbers and silently keeps the last of two
duplicate keys. We compose the node tree ourselves instead, so that:

* every mapping key and list item has a line number for error messages;
* anchors/aliases are refused outright (no "billion laughs" expansion);
* only plain YAML types are built (no ``!!python/...`` or other tags);
* duplicate keys, tabs, full-width colons, BOMs and non-UTF-8 files get a
  message that says how to fix them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .errors import Problem

Loc = tuple[str | int, ...]

MAX_FILE_BYTES = 2_000_000
MAX_DEPTH = 50

# Scalar tags a content file may use; anything else (binary, set, python/...) is refused.
_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"


@dataclass
class YamlDocument:
    """The plain data of one file plus the line of every key and list item."""

    path: Path
    shown_as: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int:
        """Line of ``loc``, or of its nearest ancestor that has one."""
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return 1

    def problem(self, loc: Loc, message: str, hint: str = "") -> Problem:
        return Problem(self.shown_as, self.line_of(loc), message, hint)

    def note(self, loc: Loc, message: str, hint: str = "") -> Problem:
        """A remark that does not fail the build (see :func:`generator.errors.note`)."""
        return Problem(self.shown_as, self.line_of(loc), message, hint, "note")


class _Refused(Exception):
    def __init__(self, line: int, message: str, hint: str):
        self.line, self.message, self.hint = line, message, hint


class _RefuseAnchors:
    """Composer mix-in that refuses anchors and aliases before anything is expanded."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(
                event.start_mark.line + 1,
                f"alias '*{event.anchor}' is not allowed",
                "write the value out in full; anchors (&) and aliases (*) are switched off for safety",
            )
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise _Refused(
                event.start_mark.line + 1,
                f"anchor '&{event.anchor}' is not allowed",
                "remove the '&name' marker and write each value out in full",
            )
        return super().compose_node(parent, index)  # type: ignore[misc]


class _Composer(_RefuseAnchors, yaml.SafeLoader):
    """Pure-Python reader: slow, but its error messages are the ones we explain."""


try:  # libyaml's scanner and parser, with PyYAML's composer on top (~7x faster on large roots)
    from yaml._yaml import CParser
    from yaml.composer import Composer
    from yaml.resolver import Resolver

    class _FastComposer(_RefuseAnchors, Composer, CParser, SafeConstructor, Resolver):
        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    _READERS: tuple[type, ...] = (_FastComposer, _Composer)
except ImportError:  # PyYAML built without libyaml
    _READERS = (_Composer,)


def read_text(path: Path, shown_as: str) -> tuple[str | None, list[Problem]]:
    """Decode a content file as UTF-8 (BOM accepted) or explain how to re-save it."""
    raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        return None, [Problem(shown_as, 1, f"file is {len(raw):,} bytes, larger than the {MAX_FILE_BYTES:,} allowed",
                              "split it into several files")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        guess = _guess_encoding(raw)
        hint = f"it looks like {guess}; " if guess else ""
        return None, [Problem(shown_as, line, "file is not valid UTF-8",
                              f"{hint}open it in your editor and save it with the encoding 'UTF-8'")]
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        return None, [Problem(shown_as, 1, "file is empty", "fill it in, or delete the file if it is not needed")]
    return text, []


def _guess_encoding(raw: bytes) -> str:
    for name, label in (("gb18030", "GBK/GB18030 (Chinese Windows)"), ("big5", "Big5"), ("utf-16", "UTF-16")):
        try:
            raw.decode(name)
            return label
        except UnicodeDecodeError:
            continue
    return ""


def load_yaml(path: Path, shown_as: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Read one YAML file; returns the document, or None and the problems found."""
    text, problems = read_text(path, shown_as)
    if text is None:
        return None, problems
    for reader in _READERS:
        loader = reader(text)
        try:
            node = loader.get_single_node()
            doc = YamlDocument(path, shown_as, None)
            doc.data = None if node is None else _build(node, (), doc, loader, 0)
            if doc.data is None:  # e.g. only "---" or "~"
                return None, [Problem(shown_as, 1, "file is empty", "fill it in, or delete the file if it is not needed")]
            return doc, []
        except _Refused as exc:
            return None, [Problem(shown_as, exc.line, exc.message, exc.hint)]
        except yaml.MarkedYAMLError as exc:
            if reader is not _Composer:
                continue  # read it again with the pure-Python parser, whose wording we explain
            return None, [_explain_syntax_error(exc, text, shown_as)]
        except RecursionError:
            return None, [Problem(shown_as, 1, "the file is nested too deeply", "flatten the lists and mappings")]
        finally:
            loader.dispose()
    raise AssertionError("unreachable: the pure-Python reader always answers")  # pragma: no cover


def _build(node, loc: Loc, doc: YamlDocument, loader: _Composer, depth: int) -> Any:
    line = node.start_mark.line + 1
    doc.lines.setdefault(loc, line)
    if depth > MAX_DEPTH:
        raise _Refused(line, "the file is nested too deeply", "flatten the lists and mappings")
    if isinstance(node, ScalarNode):
        return _scalar(node, loader)
    if isinstance(node, SequenceNode):
        if node.tag != _SEQ_TAG:
            raise _tag_error(node)
        items = []
        for index, child in enumerate(node.value):
            items.append(_build(child, loc + (index,), doc, loader, depth + 1))
        return items
    if isinstance(node, MappingNode):
        if node.tag != _MAP_TAG:
            raise _tag_error(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                raise _Refused(key_line, "a key must be plain text", "write the key as a simple word followed by ':'")
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Refused(key_line, "merge keys ('<<') are not allowed", "write the values out in full")
            key = str(_scalar(key_node, loader))
            if key in result:
                first = doc.lines.get(loc + (key,), key_line)
                raise _Refused(key_line, f"duplicate key '{key}' (first given on line {first})",
                               "keep one of them and delete the other")
            doc.lines[loc + (key,)] = key_line
            result[key] = _build(value_node, loc + (key,), doc, loader, depth + 1)
        return result
    raise _Refused(line, "unsupported YAML node", "write plain text, lists and mappings")  # pragma: no cover


def _tag_error(node) -> _Refused:
    shown = node.tag.replace("tag:yaml.org,2002:", "!!")
    return _Refused(node.start_mark.line + 1, f"the YAML tag '{shown}' is not allowed",
                    "remove the tag; content files hold plain text, numbers, dates, lists and 'key: value' lines")


def _scalar(node: ScalarNode, loader: _Composer) -> Any:
    if node.tag not in _SCALAR_TAGS:
        raise _tag_error(node)
    return SafeConstructor.yaml_constructors[node.tag](loader, node)


_FULLWIDTH_KEY = re.compile(r"^\s*(?:-\s+)?[\w\u4e00-\u9fff-]+\s*：")


def _explain_syntax_error(exc: yaml.MarkedYAMLError, text: str, shown_as: str) -> Problem:
    """Turn PyYAML's parser wording into a message with the usual cause and its fix."""
    mark = exc.problem_mark or exc.context_mark
    line = (mark.line + 1) if mark else 1
    lines = text.splitlines()
    problem = (exc.problem or "").strip()
    context = (exc.context or "").strip()

    # A full-width colon makes the whole line a plain string; the parser complains on it or the next line.
    for candidate in (line - 1, line - 2):
        if 0 <= candidate < len(lines) and _FULLWIDTH_KEY.match(lines[candidate]) and ": " not in lines[candidate]:
            key = lines[candidate].split("：", 1)[0].strip().lstrip("- ")
            return Problem(shown_as, candidate + 1, f"full-width colon '：' after '{key}' is not a YAML key separator",
                           f"type '{key}: ' with a half-width colon ':' and a space")
    if "\t" in problem or "'\\t'" in problem or (0 < line <= len(lines) and lines[line - 1].startswith("\t")):
        return Problem(shown_as, line, "tab character used for indentation",
                       "indent with spaces (2 per level); set your editor to insert spaces for Tab")
    if "quoted scalar" in context:
        start = exc.context_mark.line + 1 if exc.context_mark else line
        return Problem(shown_as, start, "a quotation mark opened here is never closed",
                       "add the closing quote, or remove the opening one")
    if "expected ':'" in problem or "simple key" in context:
        return Problem(shown_as, line, "a line here is neither 'key: value' nor '- item'",
                       "check for a missing ':' after the key, a missing space after ':', or wrong indentation")
    if "mapping values are not allowed" in problem:
        return Problem(shown_as, line, "unexpected ':' inside a value",
                       "put the whole value in quotes, e.g. title: \"A: B\"")
    if "block end" in problem or "indentation" in problem or "block collection" in context:
        return Problem(shown_as, line, "the indentation does not line up",
                       "items of one list or mapping must start in the same column")
    return Problem(shown_as, line, f"YAML syntax error: {problem or context}", "compare with a working file in the same folder")
