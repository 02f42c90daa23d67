"""What every engine does around its own work: the handbook a build shows (:func:`prepare`), the names in
its search index (:func:`name_in_index`), the offline zip and the manifest (:func:`finish`)."""

from __future__ import annotations

import json
import posixpath
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .. import TOOL_ROOT, cachedir
from ..content import drafts
from ..content.errors import ContentError, Problem
from ..content.loader import load_handbook
from ..content.model import Handbook, History
from ..documents import bundles
from ..documents.produce import Production, Report
from ..history import changes
from ..history import git as history
from . import outdir, pages

BUILD_DATED = ("sitemap.xml", "sitemap.xml.gz")  # dated by the engine: left out, the offline zip stays reproducible


class BuildFailed(Exception):
    """The build did not complete; `out` is as it was. The message is one or more plain lines."""


@dataclass(frozen=True)
class Options:
    """What `handbook build` asks of an engine."""

    jobs: int = 0  # worker processes for documents; 0 = one per core
    drafts: bool = False  # drafts built too, marked 草稿
    cache_dir: str | None = None  # default: the root's own .cache/handbook, or HANDBOOK_CACHE_DIR
    progress: Callable[[int], Callable] | None = None  # given the number of documents, returns (doc, rendered) → None


def config_file_for(root: Path) -> Path:
    """The theme and Markdown settings: a content root may bring its own mkdocs.yml, else the tool's is used."""
    own = Path(root) / "mkdocs.yml"
    return own if own.exists() else TOOL_ROOT / "mkdocs.yml"


class Timings(dict):
    """Seconds per stage of a build (load, documents, pages, zip, the engine's own), for --report and benchmarks."""

    @contextmanager
    def stage(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self[name] = self.get(name, 0.0) + time.perf_counter() - started


@dataclass(frozen=True)
class BuildResult:
    hb: Handbook
    pages: int
    report: Report
    timings: dict[str, float]  # seconds per stage: load, documents, pages, zip, and the engine's own
    summary: tuple[str, ...] = ()  # one-line remarks (history omitted, drafts left out)

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


def prepare(root: Path, cache: cachedir.CacheDir, *, with_drafts: bool,
            with_history: bool = True) -> tuple[Handbook, tuple[str, ...]]:
    """The handbook this build shows: ``root`` loaded (raises ContentError), its git history attached, drafts
    kept or left out; and one-line remarks for the build summary (history omitted, drafts left out)."""
    full = load_handbook(root)
    if with_history:
        full = changes.with_history(full, root, cache_dir=cache.path / "changes", shared=cache.shared)
    else:
        full = full.model_copy(update={"history": History(omitted="switched off (history: false)")})
    summary = [history.summary_line(full.history)]
    left_out = sum(len(ids) for ids in drafts.draft_ids(full).values())
    if left_out:
        summary.append(f"草稿：{left_out} 份一并生成，页面标有“草稿”" if with_drafts
                       else f"草稿：{left_out} 份没有放进正式手册（加 --drafts 可一并生成）")
    return drafts.select(full, with_drafts), tuple(summary)


def documents_out(hb: Handbook, production: Production, timings: Timings) -> tuple[Report, dict, dict, list]:
    """Once the documents are produced: their report, the registry's zips of them (site path → bytes), every
    download's size for the pages, and the manifest's entries (but the offline site's: :func:`finish`)."""
    report = production.wait()
    timings["documents"] = report.wall  # planning, hashing and waiting: rendering overlaps the engine's work
    with timings.stage("zip"):
        produced = [(i.doc, i.file) for i in report.produced]
        zips = {b: bundles.documents_zip(hb, b.id, produced) for b in bundles.bundle_docs(hb)
                if b.id != bundles.OFFLINE.id}
        entries = [bundles.Entry.of(i.doc, i.size, i.sha256) for i in report.produced]
        entries += [bundles.Entry.of_bytes(b, data) for b, data in zips.items()]
    return report, {b.path: data for b, data in zips.items()}, {e.path: e.bytes for e in entries}, entries


def content_problems(exc: BaseException | None) -> list[Problem]:
    """The content problems somewhere in an exception's chain (engines wrap them in their own errors)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ContentError):
            return list(exc.problems)
        exc = exc.__cause__ or exc.__context__
    return []


def name_in_index(index: Path, key: str, hints: dict[str, list[str]], entries: Callable = lambda e: e) -> None:
    """In a search index written as JSON (its entries under ``key``, passed through ``entries``), each page's own
    entry (not its sections) gets the page's words as tags: a field weighed far above titles and text, so that a
    role's name finds that role first."""
    data = json.loads(index.read_text(encoding="utf-8"))
    data[key] = entries(data[key])
    for entry in data[key]:
        words = hints.get(entry.get("location", ""), [])
        tags = (entry.get("tags") or []) + [w for w in words if w not in (entry.get("tags") or [])]
        if tags:
            entry["tags"] = tags
        else:  # an empty list still makes the theme draw a tag row: "又称" followed by nothing
            entry.pop("tags", None)
    index.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def finish(site_dir: Path, hb: Handbook, entries: Iterable[bundles.Entry]) -> None:
    """The offline site's zip (the whole site, in one folder), its size on the 下载 page, the manifest."""
    offline = next(b for b in bundles.bundle_docs(hb) if b.id == bundles.OFFLINE.id)
    data = bundles.site_zip(hb, site_dir, exclude={offline.path, *BUILD_DATED, outdir.MARKER})
    (site_dir / offline.path).write_bytes(data)
    _write_offline_size(site_dir / pages.DOWNLOADS_PAGE.replace(".md", ".html"), len(data))
    (site_dir / bundles.MANIFEST).write_bytes(bundles.manifest([*entries, bundles.Entry.of_bytes(offline, data)]))


def _write_offline_size(page: Path, size: int) -> None:
    """``ZIP`` → ``ZIP（1.6 MB）`` in the built 下载 page's link to the offline zip, known only once the zip is
    made (the page's copy inside it keeps the plain ``ZIP``)."""
    if not page.is_file():
        return
    text = page.read_text(encoding="utf-8")
    pattern = re.compile(r'(<a [^>]*href="[^"]*' + re.escape(posixpath.basename(bundles.OFFLINE.path))
                         + r'"[^>]*>ZIP)(</a>)')
    patched, count = pattern.subn(lambda m: f"{m.group(1)}（{pages.size_text(size)}）{m.group(2)}", text, count=1)
    if count:
        page.write_text(patched, encoding="utf-8")
