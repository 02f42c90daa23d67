"""Safe YAML reading that remembers the line of every key and list item; values arrive as the text HR typed.

What it refuses and why, and how a file the parser cannot read is explained line by line: ARCHITECTURE.md,
"Checking the content".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import ScalarNode, SequenceNode

from .errors import Problem
from .messages import clip, problem

Loc = tuple[str | int, ...]

MAX_FILE_BYTES = 2_000_000
MAX_DEPTH = 50

# Scalar tags a content file may use; anything else (binary, set, python/...) is refused.
_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp")}


@dataclass
class YamlDocument:
    """The plain data of one file plus the line of every key and list item."""

    path: Path
    shown_as: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int:
        """Line of ``loc``, or of its nearest ancestor that has one."""
        return next((self.lines[loc[:end]] for end in range(len(loc), -1, -1) if loc[:end] in self.lines), 1)

    def say(self, loc: Loc, code: str, /, **fields: Any) -> Problem:
        """The problem ``code`` of :data:`~generator.content.messages.MESSAGES` about the value at ``loc``."""
        return problem(self.shown_as, self.line_of(loc), code, loc, **fields)

    def note(self, loc: Loc, code: str, /, **fields: Any) -> Problem:
        """A remark that does not fail the build."""
        return problem(self.shown_as, self.line_of(loc), code, loc, "note", **fields)


class _Refused(Exception):
    def __init__(self, line: int, code: str, **fields: Any):
        self.line, self.code, self.fields = line, code, fields


class _RefuseAnchors:
    """Composer mix-in that refuses anchors, aliases and deep nesting before anything is built."""

    _depth = 0

    def compose_node(self, parent, index):  # type: ignore[override]
        event = self.peek_event()
        if self._depth > MAX_DEPTH:
            raise _Refused(event.start_mark.line + 1, "yaml.deep", limit=MAX_DEPTH)
        if self.check_event(yaml.AliasEvent):
            raise _Refused(event.start_mark.line + 1, "yaml.alias", name=event.anchor)
        if getattr(event, "anchor", None):
            raise _Refused(event.start_mark.line + 1, "yaml.anchor", name=event.anchor)
        self._depth += 1
        try:
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self._depth -= 1


class _Composer(_RefuseAnchors, yaml.SafeLoader):
    """Pure-Python reader: slow, but its error messages are the ones we explain."""


try:  # libyaml's scanner and parser, with PyYAML's composer on top (~7x faster on large roots)
    from yaml import CSafeLoader
    from yaml.composer import Composer

    class _FastComposer(_RefuseAnchors, Composer, CSafeLoader):
        def __init__(self, stream: str):
            CSafeLoader.__init__(self, stream)
            Composer.__init__(self)

    _READERS: tuple[type, ...] = (_FastComposer, _Composer)
except ImportError:  # PyYAML built without libyaml
    _READERS = (_Composer,)


def read_text(path: Path, shown_as: str, raw: bytes | None = None) -> tuple[str | None, list[Problem]]:
    """Decode a content file (or its bytes ``raw``, e.g. from git) as UTF-8 (BOM accepted) or explain how to re-save it."""
    raw = path.read_bytes() if raw is None else raw
    if len(raw) > MAX_FILE_BYTES:
        return None, [problem(shown_as, 1, "file.too_big", size=len(raw), limit=MAX_FILE_BYTES)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        code, fields = _encoding(raw)
        return None, [problem(shown_as, line, code, **fields)]
    control = _CONTROL.search(text)
    if control:
        char = control.group()
        line = text.count("\n", 0, control.start()) + 1
        return None, [problem(shown_as, line, "file.control", name=_CONTROL_NAMES.get(char, "控制字符"),
                              number=ord(char))]
    if not any(map(_is_text, text.splitlines())):
        return None, [problem(shown_as, 1, "file.empty")]
    return text, []


# C0/C1 controls other than tab, line feed and carriage return; YAML's reader refuses them with a traceback-ish
# message, and they are invisible in an editor. (Tabs are explained where they matter: in indentation.)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
_CONTROL_NAMES = {"\x00": "空字符 NUL", "\x0b": "Word 手动换行符", "\x0c": "分页符",
                  "\x1b": "转义字符", "\x7f": "删除字符"}
_SAVE = "用记事本打开它，点 文件 → 另存为，在“编码”中选 UTF-8，保存（其他编辑器：以 UTF-8 编码保存）"


def _encoding(raw: bytes) -> tuple[str, dict]:
    """Name the likely encoding only when the evidence is strong; a UTF-8 file with a few damaged bytes says so."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:200].count(b"\x00") > 20:
        return "file.utf16", {"save": _SAVE}
    damaged = raw.decode("utf-8", errors="replace").count("\ufffd")
    if damaged <= max(3, len(raw) // 1000):
        return "file.damaged", {"count": damaged}
    for name, code in (("gb18030", "file.gbk"), ("big5", "file.big5")):
        try:
            raw.decode(name)
            return code, {"save": _SAVE}
        except UnicodeDecodeError:
            continue
    return "file.encoding", {"save": _SAVE}


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
            doc.data = None if node is None else _build(node, (), doc)
            if doc.data is None:  # e.g. only "---" or "~"
                return None, [problem(shown_as, 1, "file.empty")]
            return doc, []
        except _Refused as exc:
            return None, [problem(shown_as, exc.line, exc.code, **exc.fields)]
        except yaml.YAMLError as exc:
            if reader is not _Composer:
                continue  # read it again with the pure-Python parser, whose wording we explain
            return None, _syntax_error(exc, text, shown_as)
        except RecursionError:  # pragma: no cover - the composer's depth limit comes first
            return None, [problem(shown_as, 1, "yaml.deep", limit=MAX_DEPTH)]
        finally:
            loader.dispose()
    raise AssertionError("unreachable: the pure-Python reader always answers")  # pragma: no cover


def top_level_value(text: str, key: str) -> str | None:
    """A top-level ``key:``'s value as typed, read from its line alone (a file in git, not parsed whole): None
    unless that line holds a one-line scalar, plain or quoted, maybe with a comment after it."""
    match = re.search(rf"^{key}:[ \t]*(\S.*?)[ \t]*$", text, re.MULTILINE)
    if match is None or match.group(1)[0] in "|>&*!{[":
        return None
    try:
        return _scalar(yaml.compose(f"{key}: {match.group(1)}", Loader=_READERS[0]).value[0][1])
    except (yaml.YAMLError, _Refused):
        return None


def _build(node, loc: Loc, doc: YamlDocument) -> Any:
    """The plain data of ``node`` (PyYAML composes scalars, sequences and mappings; the composer has refused
    anchors and deep nesting), each key's and item's line noted in ``doc.lines``."""
    doc.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, ScalarNode):
        return _scalar(node)
    if node.tag != _TAG + ("seq" if isinstance(node, SequenceNode) else "map"):
        raise _tag_error(node)
    if isinstance(node, SequenceNode):
        return [_build(child, loc + (index,), doc) for index, child in enumerate(node.value)]
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        if not isinstance(key_node, ScalarNode):
            raise _Refused(key_line, "yaml.key_not_text")
        if key_node.tag == _TAG + "merge":
            raise _Refused(key_line, "yaml.merge")
        key = str(_scalar(key_node))
        if key in result:
            first = doc.lines.get(loc + (key,), key_line)
            raise _Refused(key_line, "yaml.duplicate_key", key=key, first=first)
        doc.lines[loc + (key,)] = key_line
        result[key] = _build(value_node, loc + (key,), doc)
    return result


def _tag_error(node) -> _Refused:
    return _Refused(node.start_mark.line + 1, "yaml.tag", tag=node.tag.replace(_TAG, "!!"))


def _scalar(node: ScalarNode) -> Any:
    """The text as typed; only an empty value, ``~`` or ``null`` means "nothing"."""
    if node.tag not in _SCALAR_TAGS:
        raise _tag_error(node)
    return None if node.tag == _TAG + "null" else node.value


# ---------------------------------------------------------------------- syntax mistakes, line by line

_LINE = re.compile(r"^(?P<indent>[ \t]*)(?P<dash>(?:-[ \t]+)*)(?P<rest>.*)$")
# 'key: value' or 'key:' — a key has no colon of its own and does not start like a quoted or flow value
_KEY_VALUE = re.compile(r"^(?P<key>[^\s'\"\[\]{}#,&*!|>%@`][^:]*?)[ \t]*:(?:[ \t]+(?P<value>.*)|[ \t]*)$")
_NO_SPACE = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_-]*):(?!//)(?P<value>[^\s:].*)$")
_FULLWIDTH = re.compile(r"^(?P<key>[\w-]+)[ \t]*：")
_COMMENT = re.compile(r"[ \t]+#.*$")


def syntax_problems(text: str, shown_as: str) -> list[Problem]:
    """Every line-level mistake that stops the YAML parser, each at its own line (looked for only once the
    parser has failed): Tabs in indentation, a full-width colon or a missing space after a key, ``-`` without
    a space, a quote not closed on its line or followed by more text, ``: `` inside a text, a value starting
    with ``@`` or a backquote."""
    lines = text.splitlines()
    found: list[Problem] = []
    block_indent: int | None = None  # inside a '|' or '>' block: its lines are text, not YAML
    for number, line in enumerate(lines, start=1):
        if block_indent is not None:
            if not line.strip() or len(line) - len(line.lstrip()) > block_indent:
                continue
            block_indent = None
        if not _is_text(line):
            continue
        parts = _LINE.match(line)
        indent, dash, rest = parts["indent"], parts["dash"], parts["rest"].rstrip()
        if "\t" in indent or "\t" in dash:
            found.append(problem(shown_as, number, "yaml.tab"))
        if not dash and rest.startswith("-") and rest[1:2] not in ("", " ", "-") and not rest[1].isdigit() \
                and _has_sibling_item(lines, number - 1, len(indent)):
            found.append(problem(shown_as, number, "yaml.dash_space", typed=clip(rest, 30)))
            continue
        pair = _KEY_VALUE.match(rest)
        if pair is None:
            spaceless, fullwidth = _NO_SPACE.match(rest), _FULLWIDTH.match(rest)
            if spaceless and (not dash or spaceless["key"].islower()):
                key, value = spaceless["key"], spaceless["value"]
                found.append(problem(shown_as, number, "yaml.no_space", key=key,
                                     typed=clip(f"{key}:{value}", 30), value=clip(value, 30)))
            elif fullwidth and (not dash or fullwidth["key"].isascii()):
                found.append(problem(shown_as, number, "yaml.fullwidth_colon", key=fullwidth["key"]))
            elif dash:
                found += _value_problems(rest, "-", shown_as, number)
            continue
        value = (pair["value"] or "").strip()
        if value[:1] in ("|", ">"):
            block_indent = len(indent) + len(dash)
            continue
        found += _value_problems(value, pair["key"], shown_as, number)
    return found


def _value_problems(value: str, key: str, shown_as: str, number: int) -> list[Problem]:
    """A value's own mistakes: an unclosed quote, text after the closing quote, ': ' in a plain text."""
    if not value or value.startswith("#") or value[0] in "[{":
        return []
    plain = _COMMENT.sub("", value).strip()
    inside = clip(plain.replace('"', "").replace("'", "") if plain[:1] in "\"'" else plain, 30)
    quoted = f"'{inside}'" if '"' in inside else f'"{inside}"'
    example = {"example": f"- {quoted}" if key == "-" else f"{key}: {quoted}"}
    if value[0] in "\"'":
        quote, at = value[0], 1
        while True:
            at = value.find(quote, at)
            if at < 0:
                return [problem(shown_as, number, "yaml.quote_open")]
            if quote == "'" and value[at + 1:at + 2] == "'" or quote == '"' and value[at - 1] == "\\":
                at += 2 if quote == "'" else 1
                continue
            break
        after = value[at + 1:]
        if after.strip() and not re.match(r"^[ \t]+#", after):
            return [problem(shown_as, number, "yaml.quote_trailing", typed=clip(value, 30), **example)]
        return []
    if value[0] in "@`":
        return [problem(shown_as, number, "yaml.special_start", char=value[0], typed=clip(value, 30),
                        **example)]
    if key != "-" and (": " in plain or plain.endswith(":")):
        return [problem(shown_as, number, "yaml.colon_in_text", typed=clip(plain, 30), **example)]
    return []


def _has_sibling_item(lines: list[str], index: int, indent: int) -> bool:
    """Does a neighbouring line start a '- ' item at the same indentation (so this line is one too)?"""
    for step in (-1, 1):
        near = index + step
        while 0 <= near < len(lines) and not _is_text(lines[near]):
            near += step
        if 0 <= near < len(lines) and lines[near][:indent].strip() == "" and lines[near][indent:].startswith("- "):
            return True
    return False


def _is_text(line: str) -> bool:
    """Neither blank nor a comment."""
    return bool(line.strip()) and not line.lstrip().startswith("#")


def _syntax_error(exc: yaml.YAMLError, text: str, shown_as: str) -> list[Problem]:
    """What HR typed wrong: the line-by-line findings, and the parser's own error when it lies before them."""
    found = syntax_problems(text, shown_as)
    explained = _explain(exc, text, shown_as)
    if not found or explained.line < min(p.line for p in found):
        found.append(explained)
    return found


def _explain(exc: yaml.YAMLError, text: str, shown_as: str) -> Problem:
    """Turn PyYAML's parser wording into a message with the usual cause and its fix."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return problem(shown_as, 1, "yaml.other", detail=str(exc))
    mark = exc.problem_mark or exc.context_mark
    lines = text.splitlines()
    line = _content_line(lines, (mark.line + 1) if mark else 1)
    what = (exc.problem or "").strip()
    context = (exc.context or "").strip()
    if "'\\t'" in what:
        return problem(shown_as, line, "yaml.tab")
    if "quoted scalar" in context:
        return problem(shown_as, exc.context_mark.line + 1 if exc.context_mark else line, "yaml.quote_never")
    if "expected ':'" in what or "simple key" in context:
        return problem(shown_as, line, "yaml.not_key_value")
    if "mapping values are not allowed" in what:
        here = _indent_of(lines, line - 1)
        above = next((_indent_of(lines, i) for i in range(line - 2, -1, -1) if _is_text(lines[i])), None)
        typed = _LINE.match(lines[line - 1])["rest"].strip() if line <= len(lines) else ""
        pair = _KEY_VALUE.match(typed)
        if pair and re.fullmatch(r"[A-Za-z_][\w-]*", pair["key"]):  # a key of ours, indented too far
            if here is not None and above is not None and here > above:
                how = f"从第 {above + 1} 列开始（前面 {above} 个空格）" if above else "从行首开始，前面不留空格"
                return problem(shown_as, line, "yaml.indented", here=here, above=above, how=how)
            return problem(shown_as, line, "yaml.unexpected_colon")
        # '负责回款，注意: 逾期需报批' going on from the line above: text, whose ': ' reads as a new key
        typed = clip(typed, 30)
        return problem(shown_as, line, "yaml.colon_in_text", typed=typed, example=f'"…{typed}"')
    if "block end" in what or "indentation" in what or "block collection" in context:
        return problem(shown_as, line, "yaml.indentation")
    return problem(shown_as, line, "yaml.other", detail=what or context)


def _content_line(lines: list[str], line: int) -> int:
    """The parser often stops on a blank or comment line after the mistake: point at the line with text."""
    while line > 1 and (line > len(lines) or not _is_text(lines[line - 1])):
        line -= 1
    return line


def _indent_of(lines: list[str], index: int) -> int | None:
    """Where a line's content starts; after '- ' for a list item's first key."""
    if not 0 <= index < len(lines) or not lines[index].strip():
        return None
    parts = _LINE.match(lines[index])
    return len(parts["indent"]) + len(parts["dash"])
