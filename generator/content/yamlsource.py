"""Safe YAML reading that remembers where every value came from.

PyYAML's ``safe_load`` forgets line numbers and silently keeps the last of two
duplicate keys. We compose the node tree ourselves instead, so that:

* every mapping key and list item has a line number for error messages;
* anchors/aliases are refused outright (no "billion laughs" expansion);
* only plain YAML types are built (no ``!!python/...`` or other tags);
* duplicate keys, tabs, full-width colons, BOMs, control characters and
  non-UTF-8 files get a message that says how to fix them;
* scalars keep the spelling HR typed: ``0123``, ``1.10``, ``0x1F``, ``yes`` and
  ``2026-02-30`` arrive as text, and the model turns text into a number, a
  truth value or a date only where a field asks for one (decided here, once,
  instead of field by field).
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
_NULL_TAG = "tag:yaml.org,2002:null"
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
        """A remark that does not fail the build (see :func:`generator.content.errors.note`)."""
        return Problem(self.shown_as, self.line_of(loc), message, hint, "note")


class _Refused(Exception):
    def __init__(self, line: int, message: str, hint: str):
        self.line, self.message, self.hint = line, message, hint


class _RefuseAnchors:
    """Composer mix-in that refuses anchors, aliases and deep nesting before anything is built."""

    _depth = 0

    def compose_node(self, parent, index):  # type: ignore[override]
        if self._depth > MAX_DEPTH:
            event = self.peek_event()
            raise _Refused(event.start_mark.line + 1, f"the file is nested more than {MAX_DEPTH} levels deep",
                           "flatten the lists and mappings; a handbook never needs this many levels")
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
        self._depth += 1
        try:
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self._depth -= 1


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


def read_text(path: Path, shown_as: str, raw: bytes | None = None) -> tuple[str | None, list[Problem]]:
    """Decode a content file (or its bytes ``raw``, e.g. from git) as UTF-8 (BOM accepted) or explain how to re-save it."""
    raw = path.read_bytes() if raw is None else raw
    if len(raw) > MAX_FILE_BYTES:
        return None, [Problem(shown_as, 1, f"file is {len(raw):,} bytes, larger than the {MAX_FILE_BYTES:,} allowed",
                              "split it into several files")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(shown_as, line, "file is not valid UTF-8", _encoding_hint(raw))]
    control = _CONTROL.search(text)
    if control:
        char = control.group()
        line = text.count("\n", 0, control.start()) + 1
        name = _CONTROL_NAMES.get(char, "control character")
        return None, [Problem(shown_as, line, f"invisible {name} (U+{ord(char):04X}) in the text",
                              "delete it (it usually comes with text pasted from Word or a web page): "
                              "retype the line, or search for it in your editor")]
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        return None, [Problem(shown_as, 1, "file is empty", "fill it in, or delete the file if it is not needed")]
    return text, []


# C0/C1 controls other than tab, line feed and carriage return; YAML's reader refuses them with a traceback-ish
# message, and they are invisible in an editor. (Tabs are explained where they matter: in indentation.)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
_CONTROL_NAMES = {"\x00": "NUL character", "\x0b": "line-tab character", "\x0c": "page-break character",
                  "\x1b": "escape character", "\x7f": "delete character"}


def _encoding_hint(raw: bytes) -> str:
    """Name the likely encoding only when the evidence is strong; a UTF-8 file with a few damaged bytes says so."""
    save = "open it in your editor and save it with the encoding 'UTF-8'"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:200].count(b"\x00") > 20:
        return f"it looks like UTF-16; {save}"
    damaged = raw.decode("utf-8", errors="replace").count("\ufffd")
    if damaged <= max(3, len(raw) // 1000):
        return (f"it is UTF-8 with {damaged} damaged byte(s) — retype the characters that look wrong on this line, "
                "then save")
    for name, label in (("gb18030", "GBK/GB18030 (Chinese Windows)"), ("big5", "Big5")):
        try:
            raw.decode(name)
            return f"it looks like {label}; {save}"
        except UnicodeDecodeError:
            continue
    return save


def load_yaml(path: Path, shown_as: str, raw: bytes | None = None) -> tuple[YamlDocument | None, list[Problem]]:
    """Read one YAML file (or ``raw``, its bytes); returns the document, or None and the problems found."""
    text, problems = read_text(path, shown_as, raw)
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
        except yaml.YAMLError as exc:
            if reader is not _Composer:
                continue  # read it again with the pure-Python parser, whose wording we explain
            if isinstance(exc, yaml.MarkedYAMLError):
                return None, [_explain_syntax_error(exc, text, shown_as)]
            return None, [Problem(shown_as, 1, f"YAML could not be read: {exc}",
                                  "compare with a working file in the same folder")]
        except RecursionError:  # pragma: no cover - the composer's depth limit comes first
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
    """The text as typed; only an empty value, ``~`` or ``null`` means "nothing"."""
    if node.tag not in _SCALAR_TAGS:
        raise _tag_error(node)
    if node.tag == _NULL_TAG:
        return None
    return node.value


_NO_SPACE_KEY = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][\w-]*):(?!//)([^\s:].*)$")
_KEY_LINE = re.compile(r"^\s*(?:-\s+)?[\w\u4e00-\u9fff-]+\s*:(\s|$)")
_QUOTED_VALUE = re.compile(r"^\s*(?:-\s+)?(?:[\w-]+:\s+)?([\"'])")


def _indent_of(lines: list[str], index: int) -> int | None:
    if not 0 <= index < len(lines) or not lines[index].strip():
        return None
    return len(lines[index]) - len(lines[index].lstrip(" "))


def _previous_indent(lines: list[str], index: int) -> int | None:
    for before in range(index - 1, -1, -1):
        if lines[before].strip() and not lines[before].lstrip().startswith("#"):
            return _indent_of(lines, before)
    return None


def _unclosed_quote(lines: list[str], error_line: int) -> int | None:
    """The line (1-based) of a value that opens a quote and does not close it, within the lines before the error."""
    for index in range(max(0, error_line - 30), min(error_line, len(lines))):
        found = _QUOTED_VALUE.match(lines[index])
        if found:
            quote = found.group(1)
            rest = lines[index][found.end():].replace("\\" + quote, "").replace(quote * 2, "")
            if quote not in rest:
                return index + 1
    return None


_FULLWIDTH_KEY = re.compile(r"^\s*(?:-\s+)?[\w\u4e00-\u9fff-]+\s*：")


def _explain_syntax_error(exc: yaml.MarkedYAMLError, text: str, shown_as: str) -> Problem:
    """Turn PyYAML's parser wording into a message with the usual cause and its fix."""
    mark = exc.problem_mark or exc.context_mark
    line = (mark.line + 1) if mark else 1
    lines = text.splitlines()
    problem = (exc.problem or "").strip()
    context = (exc.context or "").strip()

    # A missing space after "key:" makes the whole line a plain string; the parser complains on a later line.
    for candidate in (line - 1, line - 2, line - 3):
        if 0 <= candidate < len(lines) and (found := _NO_SPACE_KEY.match(lines[candidate])):
            key, value = found.group(1), found.group(2)
            return Problem(shown_as, candidate + 1, f"missing space after ':' in '{key}:{value[:20]}'",
                           f"write '{key}: {value[:20]}' with a space after the colon")
    # A quoted value that runs on past its line: the parser stops somewhere after it.
    opened = _unclosed_quote(lines, line)
    if opened:
        return Problem(shown_as, opened, "a quotation mark opened here is not closed on the same line",
                       "add the closing quote at the end of the value, or remove the opening one")
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
        here, above = _indent_of(lines, line - 1), _previous_indent(lines, line - 1)
        if here is not None and above is not None and here > above and _KEY_LINE.match(lines[line - 1]):
            return Problem(shown_as, line, f"this line is indented by {here} spaces, more than the line above ({above})",
                           "line it up with the line above: " + (f"start it after {above} spaces" if above else "start it at the beginning of the line, with no spaces"))
        return Problem(shown_as, line, "unexpected ':' inside a value",
                       "put the whole value in quotes, e.g. title: \"A: B\"")
    if "block end" in problem or "indentation" in problem or "block collection" in context:
        return Problem(shown_as, line, "the indentation does not line up",
                       "items of one list or mapping must start in the same column")
    return Problem(shown_as, line, f"YAML syntax error: {problem or context}", "compare with a working file in the same folder")
