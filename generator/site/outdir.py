"""The output folder (`--out`): which folders may be replaced, and replacing one atomically.

`handbook build` replaces the whole of `--out`, so :func:`check_out` refuses every folder that is
not new, empty or a previous build of this tool (marked by :data:`MARKER`). The new site is built
next to `--out` and exchanged with it in one `renameat2(RENAME_EXCHANGE)` (two renames where that
call is missing); leftovers of killed builds are reclaimed by the next build. Why, in ARCHITECTURE.md.
"""

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

#: Names directly under a content root (or the tool's folder) that are never an output folder.
RESERVED = frozenset({
    "roles", "content", "templates", "schemas", "site_overrides", "generator", "tests", "benchmarks",
    "vendor", "scripts", "docs", "node_modules", "mkdocs.yml", "README.md", "ARCHITECTURE.md",
})

RESERVED_LOWER = frozenset(name.lower() for name in RESERVED)


class OutRefused(Exception):
    """`--out` names a folder the build must not replace; the message says why, in one line."""


def staging_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.building-{os.getpid()}"


def old_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.old-{os.getpid()}"


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
        raise OutRefused(f"{option} {path} runs through a symbolic link that leads back to itself — "
                         f"point {option} at a real folder") from exc


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
    return len(inner.parts) == 1 and inner.parts[0].lower() not in RESERVED_LOWER and not inner.parts[0].startswith(".")


def _protected() -> list[tuple[Path, str, bool]]:
    """Folders that are never replaced: (folder, what it is called in a message, nothing may go inside it)."""
    places = [(TOOL_ROOT, "the handbook tool's own folder", True),
              # a virtual environment is ours alone; a system Python's prefix (/usr) holds web roots too
              (Path(sys.prefix).resolve(), "the Python environment", sys.prefix != sys.base_prefix)]
    try:
        places.append((Path.home().resolve(), "your home folder", False))
    except (RuntimeError, KeyError, OSError):  # no home folder known (a service account)
        pass
    return places


def check_out(out: Path, root: Path) -> Path:
    """Return the real path to build into (symlinks resolved), or raise :class:`OutRefused`.

    Refused: the content root, a folder inside it other than a folder of its own directly
    under it (such as the default `site/`), a folder that contains it, the tool's own folder,
    the Python environment and the home folder (or a folder holding them), a folder inside
    the tool or the environment, a file, a path that runs through a file, and an existing
    non-empty folder that is not a previous handbook build.
    """
    shown, out, root = str(out), _real(out, "--out"), _real(root, "--root")  # symlinks on both sides resolved
    own = f"use a folder of its own, e.g. --out {root / 'site'}"
    if out == root:
        raise OutRefused(f"--out {shown} is the content root itself; building there would delete roles/ and "
                         f"content/ — {own}")
    if _within(root, out):
        raise OutRefused(f"--out {shown} contains the content root {root}; replacing it would delete the content "
                         f"— {own}")
    relation, inner = _relation_on_disk(out, root)  # a bind mount of the root elsewhere: paths do not show it
    elsewhere = f"the content root {root}, reached another way (a bind mount or a second mount of the same disk)"
    inside_root = _within(out, root)
    if relation == "is":
        raise OutRefused(f"--out {shown} is {elsewhere}; building there would delete roles/ and content/ — {own}")
    if relation == "contains":
        raise OutRefused(f"--out {shown} contains {elsewhere}; replacing it would delete the content — {own}")
    if relation == "inside" and not inside_root and not _own_folder(inner):
        raise OutRefused(f"--out {shown} is inside {elsewhere} ({inner.as_posix()}/) — use a folder of its own, such "
                         f"as {root / 'site'}, or a folder outside it")
    if inside_root and not _own_folder(out.relative_to(root)):
        raise OutRefused(f"--out {shown} is inside the content root ({out.relative_to(root).as_posix()}/), "
                         f"where the handbook's own files live — use a new folder directly under it, such as "
                         f"{root / 'site'} (the default), or a folder outside it")
    protected = _protected()
    for place, what, _ in protected:  # "is or contains" first: it names the more precise danger
        if _within(place, out):
            raise OutRefused(f"--out {shown} is or contains {what} ({place}); replacing it would delete it "
                             f"— choose a new folder for the site")
    # the innermost first: a folder inside the environment inside the tool is "inside the Python environment"
    for place, what, guard_inside in sorted(protected, key=lambda item: len(item[0].parts), reverse=True):
        if inside_root or not guard_inside or not _within(out, place):
            continue
        if place == TOOL_ROOT and _own_folder(out.relative_to(place)):
            continue  # e.g. <tool>/site: the bundled content's default output
        raise OutRefused(f"--out {shown} is inside {what} ({place}) — choose a folder outside it")
    # The nearest existing ancestor must be a folder we can create the output in.
    probe = out
    while not probe.exists() and not probe.is_symlink():
        probe = probe.parent
    if probe != out or not out.exists():
        if not probe.is_dir():
            raise OutRefused(f"--out {shown}: {probe} is a file, not a folder — choose a path made of folders")
        if not os.access(probe, os.W_OK | os.X_OK):
            raise OutRefused(f"--out {shown}: you may not create folders in {probe} — choose a folder you may "
                             f"write to, or ask for write access")
        return out
    if not out.is_dir():
        raise OutRefused(f"--out {shown} is a file, not a folder — choose a folder for the site")
    if not os.access(out.parent, os.W_OK | os.X_OK):
        raise OutRefused(f"--out {shown}: you may not replace folders in {out.parent} — choose a folder you "
                         f"may write to, or ask for write access")
    try:
        entries = sorted(os.listdir(out))
    except OSError as exc:
        raise OutRefused(f"--out {shown} cannot be read ({exc.strerror}) — choose another folder") from exc
    if entries and not is_build(out):
        example = ", ".join(entries[:3]) + (", …" if len(entries) > 3 else "")
        raise OutRefused(f"--out {shown} already holds files that are not a handbook build ({example}); "
                         f"building would delete them — choose a new or empty folder")
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
    """Remove the staging and old folders that builds of `out` left behind when killed.

    Only folders next to `out` named like ours, holding the marker, whose process is gone.
    When `out` itself is missing (the process died between the two renames of the fallback
    swap), the old site is put back first. Returns the folders removed or restored.
    """
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
    """Put `staging` at `out`; the previous `out` (if any) is deleted afterwards.

    Raises OSError when the file system refuses; `out` then still holds the old site.
    """
    if out.exists() or out.is_symlink():
        if exchange(staging, out):
            shutil.rmtree(staging, ignore_errors=True)  # now holds the old site
            return
        old = old_dir(out)
        out.rename(old)
        try:
            staging.rename(out)
        except OSError:
            old.rename(out)  # put the old site back before reporting
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(out)
