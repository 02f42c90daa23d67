"""Render every document once: reuse unchanged ones, spread the rest over all cores.

Each document's cache key is derived from its output's declaration
(:func:`generator.documents.outputs.cache_key`): the view its renderer receives, the
template files, the tool's package source, the lock file and fonts. Editing one
role therefore re-renders only the files that print something of it; the
cache lives in ``.cache/handbook/`` beside the content root.

The worker pool has a lifecycle: it is created per build from a *forkserver*
(safe under ``mkdocs serve``'s threads, and warm: the server imports the
renderers once), the first failure cancels the queued documents and is raised
at once, and the pool is shut down when the build ends, fails, or ``serve``
stops (:meth:`Production.close`). Only workers call ``gc.freeze()``.
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import os
import time
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .. import cachedir
from ..content.model import Handbook
from . import outputs
from . import plan as documents
from .plan import Document


@dataclass(frozen=True)
class Produced:
    doc: Document
    file: Path
    size: int
    sha256: str


@dataclass
class Report:
    produced: list[Produced] = field(default_factory=list)
    rendered: list[Document] = field(default_factory=list)
    reused: list[Document] = field(default_factory=list)
    # render seconds summed over workers, by stage: "pdf", "docx" (job descriptions, appraisals), "forms"
    seconds: dict[str, float] = field(default_factory=dict)
    parts: int = 0  # pieces of assembled documents rendered (全部岗位说明书: one per role edited)
    part_files: list[Path] = field(default_factory=list)  # the cache files of every piece this build used
    wall: float = 0.0  # time the caller spent here: planning, hashing, waiting for workers
    elapsed: float = 0.0  # from start to the last document, overlapping whatever the caller did meanwhile

    def add(self, doc: Document, seconds: float) -> None:
        self.rendered.append(doc)
        stage = "forms" if doc.output.subjects == "form" else doc.format
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    def add_part(self, seconds: float) -> None:
        self.parts += 1
        self.seconds["pdf"] = self.seconds.get("pdf", 0.0) + seconds


# Worker state: the handbook is sent once per worker process, not once per document.
_WORKER_HB: Handbook | None = None


def _init_worker(hb: Handbook) -> None:
    """Runs in each worker process only: the parent never freezes its heap."""
    global _WORKER_HB
    _WORKER_HB = hb
    # Everything inherited (model, imported libraries) is permanent: the per-document
    # collection below then only scans what that document allocated.
    gc.freeze()


def _render_to(doc: Document, target: str, hb: Handbook | None = None,
               parts: dict[str, str] | None = None) -> float:
    """Render one document into the cache; returns the seconds it took.

    ``parts`` (subject id → cache file) are the pieces of an assembled document, rendered before it.
    """
    hb = hb if hb is not None else _WORKER_HB
    assert hb is not None
    started = time.perf_counter()
    pieces = {sid: Path(path).read_bytes() for sid, path in parts.items()} if parts is not None else None
    data = documents.render(hb, doc) if pieces is None else documents.render(hb, doc, pieces)
    del pieces
    _write_atomically(Path(target), data)
    if hb is _WORKER_HB:
        gc.collect()  # WeasyPrint keeps large layout graphs alive; collecting keeps RSS flat
    return time.perf_counter() - started


def _render_part_to(doc: Document, subject_id: str, target: str, hb: Handbook | None = None) -> float:
    """Render one piece of an assembled document (``doc.output.parts``) into the cache."""
    hb = hb if hb is not None else _WORKER_HB
    assert hb is not None
    started = time.perf_counter()
    _write_atomically(Path(target), documents.render_part(hb, doc, subject_id))
    if hb is _WORKER_HB:
        gc.collect()
    return time.perf_counter() - started


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _context():
    """A forkserver that has imported every renderer: each worker forks from it warm.

    ``fork`` from the parent would copy whatever locks ``mkdocs serve``'s threads hold
    (watcher, HTTP server) into the child; ``spawn`` would import WeasyPrint again in
    every worker of every build (~1 s each).
    """
    ctx = multiprocessing.get_context("forkserver")
    modules = sorted({o.renderer.split(":")[0] for o in outputs.all_outputs()})
    ctx.set_forkserver_preload([__name__, *modules])
    _start_ignoring_ctrl_c()
    return ctx


def _start_ignoring_ctrl_c() -> None:
    """Start the forkserver with SIGINT ignored; its workers inherit that.

    Ctrl-C in a terminal reaches the whole process group. The build process alone
    should handle it (it cancels queued documents and waits for the running ones):
    a forkserver still importing WeasyPrint, or a worker mid-render, would otherwise
    print its own KeyboardInterrupt traceback. An ignored signal survives exec, so
    it is set around the server's start (only possible from the main thread; from
    another thread the server starts as multiprocessing starts it).
    """
    import signal
    import threading
    from multiprocessing import forkserver

    if threading.current_thread() is not threading.main_thread():
        forkserver.ensure_running()
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


KeyMemo = dict
"""(output, id(subject), output stamp, view fingerprint) → (key, subject): see :func:`targets`."""


Parts = dict
"""Document → {subject id: cache file} of the pieces an assembled document is made from (``Output.parts``)."""


def targets(hb: Handbook, planned: list[Document], cache_dir: Path, memo: KeyMemo | None = None,
            parts: Parts | None = None) -> dict[Document, Path]:
    """Each document's cache file, named by its derived key (:func:`generator.documents.outputs.cache_key`).

    ``memo`` (kept by ``serve`` across rebuilds) skips fingerprinting a subject again when it is the
    very same object as last time (the loader hands out the same objects for unchanged files) and its
    view is unchanged: hashing 1,200 roles takes a second, this takes milliseconds. Subjects are kept
    referenced in the memo, so their ids stay theirs. ``parts``, when given, is filled with the cache
    files of the pieces of every assembled document, keyed the same way.
    """
    fonts = outputs.font_stamps() if any(o.fonts for o in outputs.all_outputs()) else None
    stamps = {o.key: outputs.stamp(o, fonts) for o in outputs.all_outputs()}
    found: dict[Document, Path] = {}
    by_output: dict[tuple[str, str], dict] = {}
    fresh: KeyMemo = {}

    def cache_file(output: outputs.Output, subject) -> Path:
        if output.key not in stamps:
            stamps[output.key] = outputs.stamp(output, fonts)
        view = output.view(hb, subject)
        if memo is None:
            key = outputs.cache_key(output, view, subject, stamps[output.key])
        else:
            ident = (output.key, id(subject), stamps[output.key],
                     json.dumps(outputs.fingerprint(view), ensure_ascii=False, sort_keys=True))
            key, _ = fresh[ident] = memo.get(ident) or (outputs.cache_key(output, view, subject, stamps[output.key]),
                                                         subject)
        return cache_dir / f"{key}{output.suffix}"

    for doc in planned:
        output = doc.output
        subjects = by_output.setdefault(output.key, {output.subject_id(s): s for s in output.subjects_of(hb)})
        found[doc] = cache_file(output, subjects[doc.id])
        if output.parts is not None and parts is not None:
            part = output.parts
            parts[doc] = {part.subject_id(s): cache_file(part, s) for s in part.subjects_of(hb)}
    if memo is not None:
        memo.clear()
        memo.update(fresh)
    return found


class Production:
    """Documents being rendered in worker processes while the caller does other work.

    Starting is cheap and returns at once; :meth:`wait` collects. The MkDocs plugin
    starts before the search plugin spends a second loading jieba's dictionary, so
    the two overlap. :meth:`close` stops the workers (idempotent).
    """

    def __init__(self, hb: Handbook, cache_dir: Path, jobs: int | None = None,
                 on_done: Callable[[Document, bool], None] | None = None, shared: bool = False):
        """``shared``: the cache serves other content roots too (cachedir.ENV); keep their entries."""
        self.started = time.perf_counter()
        self.hb, self.cache_dir, self.on_done, self.shared = hb, cache_dir, on_done, shared
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.planned = documents.plan(hb)
        self.parts: Parts = {}
        self.targets = targets(hb, self.planned, cache_dir, parts=self.parts)
        self.report = Report()
        self.todo = [doc for doc in self.planned if not self.targets[doc].exists()]
        todo = set(self.todo)
        self.report.reused = [doc for doc in self.planned if doc not in todo]
        # pieces still to render, per assembled document to render: it is queued once they exist
        self.missing: dict[Document, dict[str, Path]] = {
            doc: {sid: path for sid, path in self.parts[doc].items() if not path.exists()}
            for doc in self.todo if doc in self.parts}
        self.pool: ProcessPoolExecutor | None = None
        self.futures: dict = {}
        jobs = jobs or default_jobs()
        work = len(self.todo) + sum(len(missing) for missing in self.missing.values())
        if jobs > 1 and work > 1:
            self.pool = ProcessPoolExecutor(max_workers=min(jobs, work), mp_context=_context(),
                                            initializer=_init_worker, initargs=(hb,))
            # pieces first: the assembled document waits for them, everything else can fill in around it
            for doc, missing in self.missing.items():
                for sid, path in missing.items():
                    self.futures[self.pool.submit(_render_part_to, doc, sid, str(path))] = (doc, sid)
            for doc in _heaviest_first(self.todo):
                if not self.missing.get(doc):
                    self._submit(doc)
        self.report.wall = time.perf_counter() - self.started

    def _submit(self, doc: Document):
        assert self.pool is not None
        parts = {sid: str(path) for sid, path in self.parts[doc].items()} if doc in self.parts else None
        future = self.pool.submit(_render_to, doc, str(self.targets[doc]), None, parts)
        self.futures[future] = doc
        return future

    def wait(self) -> Report:
        waiting = time.perf_counter()
        report, on_done = self.report, self.on_done or (lambda doc, rendered: None)
        for doc in report.reused:
            on_done(doc, False)
        if self.pool is None:
            for doc in self.todo:
                for sid, path in self.missing.get(doc, {}).items():
                    report.add_part(_render_part_to(doc, sid, str(path), self.hb))
                parts = {sid: str(path) for sid, path in self.parts[doc].items()} if doc in self.parts else None
                report.add(doc, _render_to(doc, str(self.targets[doc]), self.hb, parts))
                on_done(doc, True)
        else:
            try:
                pending = set(self.futures)
                while pending:
                    done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                    for future in done:
                        job = self.futures[future]
                        seconds = future.result()  # raises the first failure at once
                        if isinstance(job, Document):
                            report.add(job, seconds)
                            on_done(job, True)
                            continue
                        whole, sid = job
                        report.add_part(seconds)
                        del self.missing[whole][sid]
                        if not self.missing[whole]:
                            pending.add(self._submit(whole))
            finally:
                self.close()
        for doc in self.planned:
            data = self.targets[doc].read_bytes()
            report.produced.append(Produced(doc, self.targets[doc], len(data), hashlib.sha256(data).hexdigest()))
        report.part_files = sorted({p for parts in self.parts.values() for p in parts.values()})
        prune(self.cache_dir, set(self.targets.values()) | set(report.part_files), self.shared)
        report.wall += time.perf_counter() - waiting
        report.elapsed = time.perf_counter() - self.started
        return report

    def close(self) -> None:
        """Cancel what has not started, wait for the (at most one per worker) running documents, stop."""
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


STALE_TMP_SECONDS = 3600


def prune(cache_dir: Path, keep: set[Path], shared: bool = False) -> None:
    """Bound the cache to twice the current documents, dropping the least recently used.

    Keeping some old renders makes "edit, look, undo" cheap: the undo finds its files.
    Every registered output's suffix is known from the registry, so no kind of file
    accumulates; half-written ``*.tmp`` files of killed workers go after an hour.
    A ``shared`` cache holds other roots' documents too: only long-unused ones go.
    """
    for path in keep:
        os.utime(path)  # mark as recently used
    suffixes = outputs.suffixes()
    now = time.time()
    cached = []
    for path in cache_dir.iterdir():
        if path.suffix in suffixes:
            cached.append((path.stat().st_mtime_ns, path))
        elif path.suffix == ".tmp" and now - path.stat().st_mtime > STALE_TMP_SECONDS:
            path.unlink(missing_ok=True)
    cached.sort(reverse=True)
    if shared:
        drop = cachedir.expired([path for _, path in cached if path not in keep])
    else:
        drop = [path for _, path in cached[2 * len(keep):]]
    for path in drop:
        path.unlink(missing_ok=True)


def _heaviest_first(todo: list[Document]) -> list[Document]:
    """PDFs take ~5x longer than DOCX: start them first so the pool drains evenly."""
    return sorted(todo, key=lambda d: -d.output.weight)
