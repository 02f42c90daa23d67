"""待提交的修改: the content files changed since the last commit, in HR's words; discard one; commit them.

The wording is `handbook diff`'s (:func:`generator.history.changes.diff`); only content files
(``roles/``, ``content/``) are listed, discarded or committed, whatever else the repository holds.
"""

from __future__ import annotations

from pathlib import Path

from ..content.loader import CONTENT_FOLDERS
from ..content.model import kind_at, source_path
from ..history import changes as wording
from ..history.git import GitError, git, repository
from .store import Refused, title_of

STATUS_WORDS = {"M": "已修改", "A": "新文件", "?": "新文件", "D": "已删除", "R": "已改名"}


def _repo(root: Path):
    repo, why = repository(root)
    if repo is None:
        raise Refused(409, {"error": f"内容文件夹不能提交：{why}", "git": False})
    return repo


def changed_files(root: Path) -> list[tuple[str, str]]:
    """(status letter, path relative to the content root) of each changed content file."""
    repo = _repo(root)
    out = git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *CONTENT_FOLDERS)
    fields = out.decode("utf-8", "replace").split("\0")
    found, i = [], 0
    while i < len(fields) and fields[i]:
        code, path = fields[i][:2], fields[i][3:]
        i += 2 if code[0] in "RC" else 1  # a rename is followed by its old name
        rel = path.removeprefix(repo.prefix)
        letter = "?" if code == "??" else (code[1].strip() or code[0])
        found.append((letter, rel))
    return sorted(found, key=lambda item: item[1])


def pending(root: Path) -> dict:
    """What 待提交的修改 shows: each changed file with its title and its changes in `handbook diff`'s words."""
    files = changed_files(root)
    lines: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    note = ""
    try:
        found, _, _ = wording.diff(root)
    except wording.DiffError as exc:
        found, note = [], str(exc)
    for change in found:
        rel = "content/site.yml" if change.kind == "site" else source_path(change.kind, change.id)
        lines.setdefault(rel, []).append(wording.line(change))
        titles[rel] = change.title
    listed = []
    for letter, rel in files:
        kind = kind_at(rel)
        listed.append({"path": rel, "status": STATUS_WORDS.get(letter, "已修改"),
                       "kind": kind.plural if kind else None, "id": Path(rel).stem if kind else None,
                       "label": kind.label if kind else "手册设置" if rel.endswith("site.yml") else "文件",
                       "title": titles.get(rel) or title_of(root, rel), "changes": lines.get(rel, [])})
    return {"git": True, "files": listed, "note": note}


def discard(root: Path, rel: str) -> None:
    """Put one changed content file back as it was at the last commit (a new file is deleted)."""
    status = dict((path, letter) for letter, path in changed_files(root))
    if rel not in status:
        raise Refused(404, {"error": f"{rel} 没有待提交的修改"})
    path = root / rel
    if status[rel] in "?A":
        git(root, "rm", "--cached", "--quiet", "--ignore-unmatch", "--", rel)
        if path.is_file():
            path.unlink()
    else:
        git(root, "checkout", "HEAD", "--", rel)


def commit(root: Path, message: str, author: str) -> str:
    """Commit the changed content files (and nothing else) with ``message`` by ``author``; the new commit's id."""
    message, author = message.strip(), " ".join(author.replace("<", " ").replace(">", " ").split())
    if not message:
        raise Refused(422, {"problems": [{"field": "message", "message": "请写一句提交说明，如 调整大区经理的回款率权重",
                                          "path": "", "line": 0, "severity": "error"}]})
    if not author:
        raise Refused(422, {"problems": [{"field": "author", "message": "请写上您的姓名（提交人）",
                                          "path": "", "line": 0, "severity": "error"}]})
    if not changed_files(root):
        raise Refused(409, {"error": "没有待提交的修改"})
    folders = [folder for folder in CONTENT_FOLDERS if (root / folder).exists()]
    try:
        git(root, "add", "--all", "--", *folders)
        git(root, "-c", f"user.name={author}", "-c", "user.email=", "commit", "--quiet", "--no-verify",
            f"--author={author} <>", "-m", message, "--", *folders)
    except GitError as exc:
        raise Refused(500, {"error": f"提交失败：{exc}"}) from None
    return git(root, "rev-parse", "HEAD").decode().strip()

