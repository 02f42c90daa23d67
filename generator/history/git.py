"""The git history of a content root: which commits touched which content file.

One ``git log`` pass for the whole root, never one process per file; renamed files keep their history.
Dates are git's author dates, never the clock; uncommitted edits are not history. History is *omitted*,
with one reason, without git, outside a repository, in a shallow clone (its first commits are missing)
or before the first commit.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..content.loader import CONTENT_FOLDERS
from ..content.model import Commit, History
from ..content.yamlsource import top_level_value

#: why a content root has no git history by choice (site.yml `history: authored`)
AUTHORED_ONLY = "authored revisions only (content/site.yml: history: authored)"
_FORMAT = "%x1e%H%x1f%as%x1f%an%x1f%s"


class GitError(Exception):
    """A git command failed; ``str()`` is one line fit for HR."""


def git(root: Path, *args: str, input: bytes | None = None) -> bytes:
    """Run git in ``root``; GitError (one line) when git is missing or the command fails."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(["git", "-C", str(root), *args], input=input, capture_output=True, env=env,
                              check=False)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {args[0]} failed")
    return done.stdout


@dataclass
class Repository:
    """Where the content root sits in its git repository."""

    root: Path  # the content root
    prefix: str  # the content root relative to the repository's top, "" or "sub/dir/"


def repository(root: Path) -> tuple[Repository | None, str]:
    """(repository, "") or (None, why history is not available)."""
    root = Path(root)
    try:
        inside, shallow, prefix = git(root, "rev-parse", "--is-inside-work-tree", "--is-shallow-repository",
                                      "--show-prefix").decode().split("\n")[:3]
    except (GitError, ValueError) as exc:
        if "not installed" in str(exc):
            return None, "git is not installed"
        if "dubious ownership" in str(exc) or "safe.directory" in str(exc):
            return None, "git refuses this repository: it belongs to another user (see `git config safe.directory`)"
        return None, "not a git repository"
    if inside != "true":
        return None, "not a git repository"
    if shallow == "true":
        return None, "shallow clone (run `git fetch --unshallow` for the full history)"
    try:
        git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    except GitError:
        return None, "no commits yet"
    return Repository(root, prefix.strip()), ""


@dataclass
class Log:
    """Commits that touched content, newest first, and each file's share of them."""

    commits: list[Commit] = field(default_factory=list)
    files: dict[str, list[Commit]] = field(default_factory=dict)  # current path → commits
    # per commit: (status, path at that commit, path before it) for each content file it touched
    touched: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)


def read_log(repo: Repository) -> Log:
    """One ``git log`` over roles/ and content/, paths relative to the content root; each file's commits carry
    the ``version:`` the file had then (read with one ``git cat-file --batch``, each blob once)."""
    args = ["log", "-z", f"--format={_FORMAT}", "-M", "--raw", "--no-abbrev", "--relative", "HEAD"]
    raw = git(repo.root, *args, "--", *CONTENT_FOLDERS)
    log = Log()
    renamed: dict[str, str] = {}  # a path as named in older commits → its current name
    blob_of: list[tuple[str, Commit, str]] = []  # (current path, commit, blob id of the file in that commit)
    for record in raw.decode("utf-8", "replace").split("\x1e"):
        if not record.strip():
            continue
        header, _, rest = record.partition("\0")
        sha, date, author, subject = (header.split("\x1f") + ["", "", "", ""])[:4]
        entries = raw_entries(rest.lstrip("\n").split("\0"))
        if not entries:  # a merge commit: its changes are listed under the commits it merged
            continue
        commit = Commit(sha=sha, date=dt.date.fromisoformat(date), author=author, subject=subject)
        log.commits.append(commit)
        log.touched[sha] = [(status, path, old) for status, path, old, _ in entries]
        for status, path, old, blob in entries:
            current = renamed.get(path, path)
            blob_of.append((current, commit, blob))
            if status == "R" and old != path:
                renamed[old] = current
    versions = _versions({blob for _, _, blob in blob_of if blob}, repo)
    for current, commit, blob in blob_of:
        log.files.setdefault(current, []).append(commit.model_copy(update={"version": versions.get(blob)}))
    return log


def raw_entries(fields: list[str]) -> list[tuple[str, str, str, str]]:
    """``--raw -z`` output (of ``git log`` or ``git diff``) → (status letter, path, path before: the same unless
    renamed or copied, blob id after: "" for a deletion or a working-tree file)."""
    entries, i = [], 0
    while i < len(fields) and fields[i].startswith(":"):
        meta = fields[i].split()
        status, blob = meta[-1][:1], meta[3].strip("0") and meta[3]
        if status in ("R", "C"):
            entries.append((status, fields[i + 2], fields[i + 1], blob))
            i += 3
        else:
            entries.append((status, fields[i + 1], fields[i + 1], blob))
            i += 2
    return entries


def _versions(blob_ids: set[str], repo: Repository) -> dict[str, str]:
    """Blob id → the ``version:`` its file says (a top-level plain or quoted one-line value)."""
    if not blob_ids:
        return {}
    try:
        found = _cat(repo, sorted(blob_ids), sorted(blob_ids))
    except GitError:
        return {}
    texts = {blob: data.decode("utf-8-sig", "replace") for blob, (_, data) in found.items()}
    return {blob: version.strip() for blob, text in texts.items() if (version := top_level_value(text, "version"))}


def read(root: Path) -> tuple[History, Log | None, Repository | None]:
    """The content root's history for pages and documents (and the raw log for :mod:`generator.history.changes`)."""
    repo, why = repository(root)
    if repo is None:
        return History(omitted=why), None, None
    try:
        log = read_log(repo)
    except GitError as exc:
        return History(omitted=f"git log failed: {exc}"), None, None
    return History(files={path: tuple(commits) for path, commits in log.files.items()}), log, repo


_IN_CHINESE = {
    "authored revisions only": "本手册的修订记录由人力资源部写在内容文件中（revisions），不读取 git 的提交记录",
    "git is not installed": "本机没有安装 git",
    "not a git repository": "内容目录不在 git 仓库中",
    "shallow clone": "这是浅克隆（shallow clone），较早的提交不在本机",
    "no commits yet": "仓库还没有任何提交",
    "git refuses this repository": "git 拒绝读取这个仓库：它属于另一个用户（见 git config safe.directory）",
    "switched off": "content/site.yml 中设了 history: false",
    "not read": "这次没有读取",
}


def in_chinese(reason: str) -> str:
    """Why there is no history (:func:`repository`'s reason), in Chinese for the 变更记录 page and `handbook diff`."""
    return next((text for key, text in _IN_CHINESE.items() if reason.startswith(key)), reason)


def summary_line(history: History) -> str:
    """One line for the build summary."""
    if history.omitted:
        return f"修订历史：没有读取 git 记录 — {in_chinese(history.omitted)}"
    commits = {c.sha for commits in history.files.values() for c in commits}
    return f"修订历史：{len(commits)} 次提交，涉及 {len(history.files)} 个内容文件"


# --------------------------------------------------------------------------- content at a revision


def resolve(root: Path, rev: str) -> str:
    """A revision name → its commit id; GitError with one line when it does not exist."""
    try:
        return git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}").decode().strip()
    except GitError:
        raise GitError(f"“{rev}” 不是这个仓库中的提交（'{rev}' is not a commit in this repository）") from None


def blobs(repo: Repository, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, bytes]]:
    """(rev, path) → (blob id, bytes) for each file that exists at its revision; one ``git cat-file --batch``."""
    return _cat(repo, wanted, [f"{rev}:{repo.prefix}{path}" for rev, path in wanted])


def _cat(repo: Repository, keys: list, names: list[str]) -> dict:
    if not keys:
        return {}
    out = git(repo.root, "cat-file", "--batch", input="".join(f"{name}\n" for name in names).encode("utf-8"))
    found, pos = {}, 0
    for key in keys:
        end = out.index(b"\n", pos)
        header = out[pos:end].decode("utf-8", "replace").split()
        pos = end + 1
        if len(header) < 3 or header[1] != "blob":  # "missing": not in that commit (e.g. a root commit's parent)
            continue
        size = int(header[2])
        found[key] = (header[0], out[pos:pos + size])
        pos += size + 1
    return found


def file_history(repo: Repository, path: str, limit: int = 30) -> list[bytes]:
    """The file ``path`` as each of its last ``limit`` commits has it, newest first (renames not followed)."""
    try:
        shas = git(repo.root, "log", f"-{limit}", "--format=%H", "HEAD", "--", path).decode().split()
        found = blobs(repo, [(sha, path) for sha in shas])
    except GitError:
        return []
    return [found[(sha, path)][1] for sha in shas if (sha, path) in found]


def materialise(repo: Repository, rev: str, dest: Path) -> None:
    """Write the content files of ``rev`` under ``dest``: nothing is checked out, the working tree is never touched."""
    listing = git(repo.root, "ls-tree", "-r", "-z", "--name-only", rev, "--", *CONTENT_FOLDERS)
    wanted = [(rev, path) for path in listing.decode("utf-8").split("\0") if path]
    for (_, path), (_, data) in blobs(repo, wanted).items():
        target = dest / path
        if target.resolve().is_relative_to(dest.resolve()):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
