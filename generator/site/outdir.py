"""The output folder (`--out`): which folders may be replaced, and replacing one atomically (ARCHITECTURE.md,
The output folder)."""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import sys
from pathlib import Path

from .. import TOOL_ROOT

MARKER = ".handbook-build"
MARKER_TEXT = "handbook-as-code build\nformat: 1\n"
"""Deterministic (no date): the same build gives the same bytes."""

#: Names directly under a content root (or the tool's folder) that are never an output folder, in lower case.
RESERVED = frozenset({
    "roles", "content", "templates", "schemas", "site_overrides", "generator", "tests", "benchmarks",
    "vendor", "scripts", "docs", "node_modules", "mkdocs.yml", "readme.md", "architecture.md",
})


class OutRefused(Exception):
    """`--out` names a folder the build must not replace; the message says why, in one line."""


def staging_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.building-{os.getpid()}"


def is_build(folder: Path) -> bool:
    """A folder this tool built: it holds the marker, or (builds made before markers existed)
    the home page and the downloads manifest that every build writes."""
    marker = folder / MARKER
    if marker.is_file() and not marker.is_symlink():
        try:
            return marker.read_text(encoding="utf-8", errors="replace").startswith("handbook-as-code build\n")
        except OSError:
            return False
    return (folder / "index.html").is_file() and (folder / "downloads" / "manifest.json").is_file()


def mark(folder: Path) -> None:
    (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def _real(path: Path, option: str) -> Path:
    try:
        return Path(os.path.abspath(path)).resolve()
    except (RuntimeError, OSError) as exc:  # a symlink loop (RuntimeError before Python 3.13)
        raise OutRefused(f"{option} {path} 经过一个指回自身的符号链接 — 让 {option} 指向一个真实的文件夹") from exc


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _relation_on_disk(out: Path, root: Path) -> tuple[str | None, Path | None]:
    """How `out` and `root` relate on disk when their paths do not show it (a bind mount of the
    content root elsewhere): ("is", None), ("contains", None), ("inside", path below root) or (None, None)."""
    root_id = _identity(root)
    if root_id is None:
        return None, None
    out_id = _identity(out)
    if out_id is not None:
        if out_id == root_id:
            return "is", None
        if any(_identity(ancestor) == out_id for ancestor in root.parents):
            return "contains", None
    for ancestor in out.parents:
        if _identity(ancestor) == root_id:
            return "inside", out.relative_to(ancestor)
    return None, None


def _within(child: Path, parent: Path) -> bool:
    return child == parent or child.is_relative_to(parent)


def _own_folder(inner: Path) -> bool:
    """A folder directly under a root that is none of the root's own folders (e.g. `site`)."""
    name = inner.parts[0] if len(inner.parts) == 1 else "."
    return name.lower() not in RESERVED and not name.startswith(".")


def _protected() -> list[tuple[Path, str, bool]]:
    """Folders that are never replaced: (folder, what it is called in a message, nothing may go inside it)."""
    places = [(TOOL_ROOT, "手册工具自己的文件夹", True),
              # a virtual environment is ours alone; a system Python's prefix (/usr) holds web roots too
              (Path(sys.prefix).resolve(), "本工具的 Python 环境", sys.prefix != sys.base_prefix)]
    try:
        places.append((Path.home().resolve(), "你的主文件夹", False))
    except (RuntimeError, KeyError, OSError):  # no home folder known (a service account)
        pass
    return places


def check_out(out: Path, root: Path) -> Path:
    """The real path to build into (symlinks resolved), or :class:`OutRefused`: never the content root or a
    folder holding it or inside it (but its own `site/`), the tool, its Python environment or the home folder,
    a file, or a folder holding other files than a previous build."""
    shown, out, root = str(out), _real(out, "--out"), _real(root, "--root")  # symlinks on both sides resolved
    own = f"换一个单独的文件夹，如 --out {root / 'site'}"
    if out == root:
        raise OutRefused(f"--out {shown} 就是内容文件夹本身，在这里生成会删掉 roles/ 和 content/ — {own}")
    if _within(root, out):
        raise OutRefused(f"--out {shown} 包含内容文件夹 {root}，替换它会删掉内容 — {own}")
    relation, inner = _relation_on_disk(out, root)  # a bind mount of the root elsewhere: paths do not show it
    elsewhere = f"内容文件夹 {root}（从另一条路径到达：绑定挂载或同一磁盘的第二个挂载点）"
    inside_root = _within(out, root)
    if relation == "is":
        raise OutRefused(f"--out {shown} 就是{elsewhere}，在这里生成会删掉 roles/ 和 content/ — {own}")
    if relation == "contains":
        raise OutRefused(f"--out {shown} 包含{elsewhere}，替换它会删掉内容 — {own}")
    if relation == "inside" and not inside_root and not _own_folder(inner):
        raise OutRefused(f"--out {shown} 在{elsewhere}之中（{inner.as_posix()}/）— 用它下面单独的文件夹，"
                         f"如 {root / 'site'}，或它外面的文件夹")
    if inside_root and not _own_folder(out.relative_to(root)):
        raise OutRefused(f"--out {shown} 在内容文件夹之中（{out.relative_to(root).as_posix()}/），那里是手册自己的文件 "
                         f"— 用直接在它下面的新文件夹，如 {root / 'site'}（默认），或它外面的文件夹")
    protected = _protected()
    for place, what, _ in protected:  # "is or contains" first: it names the more precise danger
        if _within(place, out):
            raise OutRefused(f"--out {shown} 是或包含{what}（{place}），替换它会把它删掉 — 为网站另选一个新文件夹")
    # the innermost first: a folder inside the environment inside the tool is "inside the Python environment"
    for place, what, guard_inside in sorted(protected, key=lambda item: len(item[0].parts), reverse=True):
        if inside_root or not guard_inside or not _within(out, place):
            continue
        if place == TOOL_ROOT and _own_folder(out.relative_to(place)):
            continue  # e.g. <tool>/site: the bundled content's default output
        raise OutRefused(f"--out {shown} 在{what}之中（{place}）— 选一个它外面的文件夹")
    # The nearest existing ancestor must be a folder we can create the output in.
    probe = out
    while not probe.exists() and not probe.is_symlink():
        probe = probe.parent
    if probe != out or not out.exists():
        if not probe.is_dir():
            raise OutRefused(f"--out {shown}：{probe} 是文件，不是文件夹 — 选一个全由文件夹组成的路径")
        if not os.access(probe, os.W_OK | os.X_OK):
            raise OutRefused(f"--out {shown}：你没有在 {probe} 中新建文件夹的权限 — 选一个你能写入的文件夹，或申请写入权限")
        return out
    if not out.is_dir():
        raise OutRefused(f"--out {shown} 是文件，不是文件夹 — 为网站选一个文件夹")
    if not os.access(out.parent, os.W_OK | os.X_OK):
        raise OutRefused(f"--out {shown}：你没有替换 {out.parent} 中文件夹的权限 — 选一个你能写入的文件夹，或申请写入权限")
    try:
        entries = sorted(os.listdir(out))
    except OSError as exc:
        raise OutRefused(f"--out {shown} 无法读取（{exc.strerror}）— 换一个文件夹") from exc
    if entries and not is_build(out):
        example = ", ".join(entries[:3]) + (", …" if len(entries) > 3 else "")
        raise OutRefused(f"--out {shown} 中已有不是手册网站的文件（{example}），生成会删掉它们 — 选一个新的或空的文件夹")
    return out


# ------------------------------------------------------------------ leftovers of killed builds

_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<kind>building|old)-(?P<pid>[0-9]+)$")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. someone else's process: alive
        return True
    return True


def reclaim(out: Path) -> list[Path]:
    """Remove (or, when `out` is missing, put back) the folders next to `out` that killed builds left: named
    like ours, holding the marker, their process gone. Returns the folders removed or restored."""
    handled: list[Path] = []
    try:
        siblings = sorted(out.parent.iterdir())
    except OSError:
        return handled
    for folder in siblings:
        match = _LEFTOVER.match(folder.name)
        if not match or match["name"] != out.name or folder.is_symlink() or not folder.is_dir():
            continue
        if _alive(int(match["pid"])) or not (folder / MARKER).is_file():
            continue
        try:
            if match["kind"] == "old" and not out.exists() and not out.is_symlink():
                folder.rename(out)
            else:
                shutil.rmtree(folder)
        except OSError:
            continue  # not ours to fight over; the build goes on
        handled.append(folder)
    return handled


# ------------------------------------------------------------------ the atomic exchange

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _renameat2():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


_RENAMEAT2 = _renameat2()


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing paths. False when the system cannot (then nothing changed)."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


def swap_in(staging: Path, out: Path) -> None:
    """Put `staging` at `out` and delete the previous `out`; OSError leaves the old site in place."""
    if out.exists() or out.is_symlink():
        if exchange(staging, out):
            shutil.rmtree(staging, ignore_errors=True)  # now holds the old site
            return
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        out.rename(old)
        try:
            staging.rename(out)
        except OSError:
            old.rename(out)  # put the old site back before reporting
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(out)
