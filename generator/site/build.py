"""`handbook build`: an engine builds the site into a temporary folder, which is then swapped into place.

A build that fails — bad content, a renderer crash, a strict-mode warning, a full
disk — never touches the previous output: HR's published site stays as it was.
Which folders may be an output, and the atomic exchange, live in `outdir`; the stamp a
complete site carries, which lets the next build find nothing changed, in `uptodate`.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

from . import outdir, uptodate
from .publish import BuildFailed, BuildResult, Options

ENGINES = ("mkdocs", "zensical")
__all__ = ["BuildFailed", "BuildResult", "ENGINES", "build_site"]


def build_site(root: Path, out: Path, jobs: int = 0, progress: bool = False, drafts: bool = False,
               engine: str = "mkdocs", stamp: dict[str, str] | None = None) -> BuildResult:
    """Build ``root`` with ``engine`` into ``out``, atomically. ``progress`` shows a bar on the terminal;
    ``stamp`` (:func:`uptodate.inputs`, taken before the build) goes into the new site once it is complete."""
    from .engines import mkdocs, zensical

    out = outdir.check_out(Path(out), root)
    staging = outdir.staging_dir(out)
    try:
        outdir.reclaim(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        outdir.mark(staging)  # first, so that a killed build's leftover is recognisably ours
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildFailed(f"错误：无法在 {out} 旁准备输出：{_os_reason(exc)} — {_os_hint(exc)}") from exc
    bars: list = []
    try:
        options = Options(jobs, drafts, progress=(lambda total: _progress_bar(total, bars)) if progress else None)
        result = {"mkdocs": mkdocs.build, "zensical": zensical.build}[engine](Path(root), staging, options)
        if stamp is not None:
            uptodate.write(staging, stamp, result.pages, len(result.report.produced))
    except BaseException as exc:  # noqa: BLE001 - any failure (even Ctrl-C) must leave `out` untouched
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):  # e.g. the disk filled up while a page was written
            raise BuildFailed(f"错误：{_os_reason(exc)} — {_os_hint(exc)}") from exc
        raise
    finally:
        for bar in bars:
            bar.close()
    try:
        outdir.swap_in(staging, out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildFailed(f"错误：新网站无法放到 {out}：{_os_reason(exc)} — {_os_hint(exc)}") from exc
    return result


def _progress_bar(total: int, bars: list):
    """Documents done / total with ETA on a terminal."""
    from tqdm import tqdm

    bar = tqdm(total=total, desc="documents", unit="doc", leave=False)
    bars.append(bar)
    return lambda doc, rendered: bar.update(1)


def _os_reason(exc: OSError) -> str:
    where = f"（{exc.filename}）" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def _os_hint(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return "腾出一些磁盘空间，再生成一次"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "用 --out 选一个你能写入的文件夹，或申请写入权限"
    return "检查这个文件夹，再生成一次"
