"""Run MkDocs (with our plugin) into a temporary folder, then swap it into place.

A build that fails — bad content, a renderer crash, a strict-mode warning, a full
disk — never touches the previous output: HR's published site stays as it was.
Which folders may be an output, and the atomic exchange, live in `outdir`.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import TOOL_ROOT
from . import outdir

if TYPE_CHECKING:  # pragma: no cover
    from ..content.model import Handbook
    from ..documents.produce import Report

REPO_ROOT = TOOL_ROOT


class BuildFailed(Exception):
    """The build did not complete; `out` is as it was. The message is one or more plain lines."""


@dataclass(frozen=True)
class BuildResult:
    pages: int
    report: "Report"
    timings: dict[str, float]  # the plugin's stages (see HandbookPlugin.timings) and mkdocs (the rest)
    summary: tuple[str, ...] = ()  # the plugin's one-line remarks (history omitted, drafts left out)

    def as_json(self) -> dict:
        """What `handbook build --report` writes: enough to see what was rebuilt and where time went."""
        return {
            "pages": self.pages,
            "documents": len(self.report.produced),
            "rendered": sorted(d.path for d in self.report.rendered),
            "reused": sorted(d.path for d in self.report.reused),
            "parts_rendered": self.report.parts,  # pieces of 全部岗位说明书 laid out (one per edited role)
            "render_seconds": {k: round(v, 3) for k, v in sorted(self.report.seconds.items())},
            "documents_elapsed": round(self.report.elapsed, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


def config_file_for(root: Path) -> Path:
    """A content root may bring its own mkdocs.yml; otherwise the tool's own is used."""
    own = Path(root) / "mkdocs.yml"
    return own if own.exists() else REPO_ROOT / "mkdocs.yml"


@contextmanager
def _env(name: str, value: str):
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


class WarningCollector(logging.Handler):
    """MkDocs reports problems through logging; keep warnings (or only errors) to fail on them like --strict."""

    def __init__(self, level: int = logging.WARNING) -> None:
        super().__init__(level)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build_site(root: Path, out: Path, jobs: int = 0, progress_total: int | None = None,
               hb: "Handbook | None" = None, drafts: bool = False) -> BuildResult:
    """`progress_total` (number of documents) turns on the progress bar; `hb`, already loaded, is not loaded again."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

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
        raise BuildFailed(f"error: cannot prepare the output next to {out}: {_os_reason(exc)} — "
                          f"{_os_hint(exc)}") from exc
    collector = WarningCollector()
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.addHandler(collector)
    bar = None
    try:
        with _env("HANDBOOK_ROOT", str(root)):
            cfg = load_config(config_file=str(config_file_for(root)), site_dir=str(staging), strict=True)
            plugin = cfg.plugins["handbook"]
            plugin.preloaded = hb
            plugin.config.drafts = drafts
            plugin.on_document_done = None  # the plugin instance may outlive an earlier build's progress bar
            if jobs:
                plugin.config.jobs = jobs
            bar = _progress_bar(plugin, progress_total)
            started = time.perf_counter()
            build(cfg)
            total = time.perf_counter() - started
        warnings = [m for m in collector.messages if not _harmless(m)]
        if warnings:
            raise BuildFailed("\n".join(f"warning: {m}" for m in warnings))
        report = plugin.report
    except BaseException as exc:  # noqa: BLE001 - any failure (even Ctrl-C) must leave `out` untouched
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, (BuildFailed, KeyboardInterrupt, SystemExit)):
            raise
        if isinstance(exc, OSError):  # e.g. the disk filled up while MkDocs wrote a page
            raise BuildFailed(f"error: {_os_reason(exc)} — {_os_hint(exc)}") from exc
        # MkDocs logs the real cause (e.g. a plugin's message) and raises a generic "Aborted"
        details = [m for m in collector.messages if not _harmless(m)] or [str(exc)]
        raise BuildFailed("\n".join(f"error: {m}" for m in details)) from exc
    finally:
        mkdocs_log.removeHandler(collector)
        if bar is not None:
            bar.close()
    try:
        outdir.swap_in(staging, out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildFailed(f"error: cannot put the new site in place at {out}: {_os_reason(exc)} — "
                          f"{_os_hint(exc)}") from exc
    pages = sum(1 for _ in out.rglob("*.html"))
    timings = dict(plugin.timings)
    timings["mkdocs"] = max(0.0, total - sum(timings.values()))
    return BuildResult(pages, report, timings, tuple(plugin.summary))


def _harmless(message: str) -> bool:
    # Material announces its own end of life on every build; that is not a content problem.
    return "end of life" in message.lower() or "zensical" in message.lower()


def _progress_bar(plugin, total: int | None):
    """Documents done / total with ETA on a terminal; silent in CI and pipes."""
    if not total:
        return None
    from tqdm import tqdm

    bar = tqdm(total=total, desc="documents", unit="doc", leave=False)
    plugin.on_document_done = lambda doc, rendered: bar.update(1)
    return bar


def _os_reason(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def _os_hint(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return "free some disk space, then build again"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "choose an --out folder you may write to, or ask for write access"
    return "check the folder, then build again"
