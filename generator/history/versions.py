"""Versions that move with the content: an item changed since the last commit (the last release) gets the
next version and a 修订记录 row saying the change in HR's words (:func:`offer`, for every command that writes
content), or ``handbook check``'s note that it did not (:func:`unraised`). A draft keeps its version until it
is published; without git the file as it was before the write stands in for the last release.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..content.errors import Problem
from ..content.loader import CONTENT_FOLDERS, load_item
from ..content.messages import problem
from ..content.model import Handbook, Revision, kind_at
from ..content.yamlsource import load_yaml
from . import changes
from .git import GitError, Repository, blobs, git, repository

DRAFT = "draft"
SUMMARY_SEPARATOR = "；"
_LONG_QUOTE = re.compile(r"“([^”]{24})[^”]+”")


def next_version(version: str) -> str:
    """1.0 → 1.1, 1.9 → 1.10, 2 → 2.1, V1.2 → V1.3: the last number of a dotted version, one up."""
    match = re.fullmatch(r"(.*\.)(\d+)", version.strip())
    if match:
        return f"{match.group(1)}{int(match.group(2)) + 1}"
    return f"{version.strip()}.1"


def summary(lines: list[str], longest: int = 80) -> str:
    """The change list as one 修订内容 cell: lines joined, long quoted texts and long lines cut short."""
    short = (_LONG_QUOTE.sub(r"“\1…”", line) for line in lines)
    return SUMMARY_SEPARATOR.join(line if len(line) <= longest else line[:longest - 1] + "…" for line in short)


@dataclass(frozen=True)
class Offer:
    """What a changed item's version should be now, and its 修订记录 row."""

    version: str
    revision: Revision  # the row for ``version``: added, or replacing the row of that version (``replaces``)
    replaces: bool
    effective: dt.date | None  # the new 生效日期 of a published item; None keeps what the file says (a draft)
    changes: tuple[str, ...]  # in HR's words, as `handbook diff` says them

    def apply(self, data: dict) -> dict:
        """``data`` (a content file as its YAML reads) with this version, 生效日期 and row: the editor's form."""
        rows = [r for r in data.get("revisions") or [] if str(r.get("version")) != self.version]
        row = self.revision.model_dump(mode="json", exclude_none=True)
        updated = {**data, "version": self.version, "revisions": [row, *rows]}
        if self.effective is not None:
            updated["effective"] = self.effective.isoformat()
        return updated


def content_changes(before: Any, after: Any, context: Handbook | None = None) -> list[str]:
    """What changed in an item's content, in HR's words: not its version, 生效日期 or 修订记录."""
    same = {"version": after.version, "revisions": after.revisions}
    if hasattr(after, "effective"):
        same["effective"] = after.effective
    old, new = changes.Snapshot(), changes.Snapshot()
    old.add(before.model_copy(update={**same, "id": after.id}))
    new.add(after)
    return [change.text for change in changes.compare(old, new, context=context)]


def offer(root: Path, rel: str, raw: bytes, before: bytes | None = None, today: dt.date | None = None,
          context: Handbook | None = None) -> Offer | None:
    """The version and 修订记录 row the content file ``rel`` should carry when its bytes become ``raw``, compared
    with the last commit (else ``before``); None when the content is as released, does not load, is a draft,
    or the version was raised and its row already says what changed."""
    today = today or dt.date.today()
    item = _item(rel, raw)
    if item is None or not hasattr(item, "version"):
        return None
    repo, _ = repository(root)
    base = committed(repo, rel) if repo is not None else before
    if base is None:  # a new file: its first version, said as 新增岗位 …, unless it brings its own 修订记录
        if item.revisions:
            return None
        line = changes.whole_item(kind_at(rel).name, item.id, item.title, added=True).text
        return Offer(item.version, Revision(version=item.version, date=today, summary=line), False, None, (line,))
    released = _item(rel, base)
    if released is None or DRAFT in (item.status, released.status):
        return None
    lines = content_changes(released, item, context)
    if not lines:
        return None
    raised = item.version != released.version
    version = item.version if raised else next_version(released.version)
    row = next((r for r in item.revisions if r.version == version), None)
    text = summary(lines)
    if row is not None and (row.summary == text or not _ours(row.summary, text)):
        return None  # the row says it already, or in HR's own words: they stay
    dated = hasattr(item, "effective")
    effective = item.effective if dated and item.effective != released.effective else today  # one HR set stays
    revision = Revision(version=version, date=row.date if row else today, summary=text,
                        author=row.author if row else None)
    return Offer(version, revision, row is not None, effective if dated else None, tuple(lines))


def _ours(written: str, text: str) -> bool:
    """Whether a 修订内容 is one :func:`summary` wrote earlier: all of its lines are in the change list now."""
    return set(written.split(SUMMARY_SEPARATOR)) <= set(text.split(SUMMARY_SEPARATOR))


def committed(repo: Repository, rel: str) -> bytes | None:
    """The file ``rel`` (relative to the content root) as the last commit has it; None when it is not there."""
    try:
        return blobs(repo, [("HEAD", rel)]).get(("HEAD", rel), ("", None))[1]
    except GitError:
        return None


def unraised(root: Path, context: Handbook | None = None) -> list[Problem]:
    """A note for each published item whose content changed since the last commit while its version did not."""
    repo, _ = repository(root)
    if repo is None:
        return []
    try:
        listed = git(root, "diff", "--name-only", "-z", "--relative", "HEAD", "--", *CONTENT_FOLDERS)
    except GitError:
        return []
    found = []
    for rel in sorted(filter(None, listed.decode("utf-8", "replace").split("\0"))):
        path = root / rel
        if kind_at(rel) is None or not path.is_file():
            continue
        raw = path.read_bytes()
        before, now = _item(rel, committed(repo, rel)), _item(rel, raw)
        if before is None or now is None or not hasattr(now, "version") or DRAFT in (now.status, before.status) \
                or now.version != before.version:
            continue
        lines = content_changes(before, now, context)
        if lines:
            found.append(_note(root, rel, raw, now, lines))
    return found


def _note(root: Path, rel: str, raw: bytes, item: Any, lines: list[str]) -> Problem:
    doc, _ = load_yaml(root / rel, rel, raw)
    line = doc.line_of(("version",)) if doc is not None else 1
    return problem(rel, line, "version.unraised", ("version",), "note", title=item.title, count=len(lines),
                   version=item.version, following=next_version(item.version))


def _item(rel: str, raw: bytes | None) -> Any:
    return load_item(rel, raw)[0] if raw is not None else None
