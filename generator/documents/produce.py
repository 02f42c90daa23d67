"""Render every document once: reuse unchanged ones, spread the rest over all cores.

Each document's cache key is derived from its output's declaration
(:func:`generator.documents.outputs.cache_key`): the view its renderer receives, the
template files, the tool's package source, the lock file and fonts. Editing one
role therefore re-renders only the files that print something of it; the
cache lives in ``.cache/handbook/`` beside the content root.

The worker pool has a lifecycle: it is created per build from a *forkserver*
(:mod:`.pool`: safe under ``mkdocs serve``'s threads, and warm: the server imports
the renderers and lays out a page once), the first failure cancels the queued
documents and is raised at once, and the pool is shut down when the build ends,
fails, or ``serve`` stops (:meth:`Production.close`). Only workers call ``gc.freeze()``.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from queue import SimpleQueue
from typing import Callable

from .. import cachedir
from ..content.model import Handbook
from . import outputs
from . import plan as documents
from .plan import Document
from .pool import context as _context
from .pool import default_jobs


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
    cachedir.write_atomically(Path(target), data)
    if hb is _WORKER_HB:
        gc.collect()  # WeasyPrint keeps large layout graphs alive; collecting keeps RSS flat
    return time.perf_counter() - started


def _render_part_to(doc: Document, subject_id: str, target: str, hb: Handbook | None = None) -> float:
    """Render one piece of an assembled document (``doc.output.parts``) into the cache."""
    hb = hb if hb is not None else _WORKER_HB
    assert hb is not None
    started = time.perf_counter()
    cachedir.write_atomically(Path(target), documents.render_part(hb, doc, subject_id))
    if hb is _WORKER_HB:
        gc.collect()
    return time.perf_counter() - started


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
    fonts = cachedir.font_stamps() if any(o.fonts for o in outputs.all_outputs()) else None
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


@dataclass(frozen=True)
class _Job:
    """One render: a document, or a piece of an assembled document that is no document of its own."""

    doc: Document
    target: Path
    piece: str | None = None  # the piece's subject id (``doc`` is then the document it is a piece of)


class Production:
    """Documents being rendered in worker processes while the caller does other work.

    Starting is cheap and returns at once; :meth:`wait` collects. The MkDocs plugin
    starts it as soon as the content is loaded, so MkDocs' own start overlaps the rendering.
    :meth:`close` stops the workers (idempotent).

    Order: the pieces of an assembled document first (全部岗位说明书's are the job-description PDFs), then
    the rest heaviest first; the assembled document jumps the queue once its last piece is in, so it is put
    together while the other workers still render. The queue stays here: the pool is handed a few jobs ahead
    (:data:`AHEAD` per worker), refilled from its completion callbacks, so a job queued late is not stuck
    behind every job queued before it.
    """

    AHEAD = 2

    def __init__(self, hb: Handbook, cache_dir: Path, jobs: int | None = None,
                 on_done: Callable[[Document, bool], None] | None = None, shared: bool = False):
        """``shared``: the cache serves other content roots too (cachedir.ENV); keep their entries."""
        self.started = time.perf_counter()
        self.hb, self.cache_dir, self.shared = hb, cache_dir, shared
        self.on_done = on_done or (lambda doc, rendered: None)
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.planned = documents.plan(hb)
        self.parts: Parts = {}
        self.targets = targets(hb, self.planned, cache_dir, parts=self.parts)
        self.report = Report()
        self.todo = [doc for doc in self.planned if not self.targets[doc].exists()]
        todo = set(self.todo)
        self.report.reused = [doc for doc in self.planned if doc not in todo]
        # pieces still to render (cache files), per assembled document to render: it is queued once they exist
        self.missing: dict[Document, set[Path]] = {
            doc: {path for path in self.parts[doc].values() if not path.exists()} for doc in self.todo if doc in self.parts}
        self.pieces = {path for doc in self.missing for path in self.parts[doc].values()}
        rendered = {self.targets[doc] for doc in self.todo}
        queue = [_Job(whole, path, sid) for whole in self.missing for sid, path in self.parts[whole].items()
                 if path in self.missing[whole] and path not in rendered]  # pieces no document renders
        ordered = _heaviest_first([doc for doc in self.todo if not self.missing.get(doc)])
        queue += sorted((_Job(doc, self.targets[doc]) for doc in ordered), key=lambda job: job.target not in self.pieces)
        self.queue: deque[_Job] = deque(queue)
        self.outstanding = len(queue) + sum(1 for missing in self.missing.values() if missing)  # waiting ones too
        self.finished: SimpleQueue = SimpleQueue()  # (job, future) as the pool completes them
        self.lock = threading.RLock()
        self.pool: ProcessPoolExecutor | None = None
        self.running: dict = {}  # future → job, handed to the pool
        jobs = jobs or default_jobs()
        if jobs > 1 and self.outstanding > 1:
            self.pool = ProcessPoolExecutor(max_workers=min(jobs, self.outstanding), mp_context=_context(),
                                            initializer=_init_worker, initargs=(hb,))
            self.limit = self.AHEAD * min(jobs, self.outstanding)
            # The first submit waits until the forkserver has imported the renderers (~0.5 s): not the caller
            threading.Thread(target=self._fill, name="handbook-documents", daemon=True).start()
        self.report.wall = time.perf_counter() - self.started

    def _call(self, job: _Job, hb: Handbook | None = None) -> tuple:
        if job.piece is not None:
            return _render_part_to, job.doc, job.piece, str(job.target), hb
        parts = {sid: str(path) for sid, path in self.parts[job.doc].items()} if job.doc in self.parts else None
        return _render_to, job.doc, str(job.target), hb, parts

    def _fill(self) -> None:
        """Hand the pool jobs from the queue until :attr:`limit` are in its hands."""
        with self.lock:
            while self.pool is not None and self.queue and len(self.running) < self.limit:
                job = self.queue.popleft()
                function, *args = self._call(job)
                future = self.pool.submit(function, *args)
                self.running[future] = job
                future.add_done_callback(self._completed)

    def _completed(self, future) -> None:
        """The pool's callback (its own thread): collect later, queue what this piece completes, refill."""
        with self.lock:
            job = self.running.pop(future, None)
            if job is None or self.pool is None:
                return
            self.finished.put((job, future))
            if future.exception() is not None:
                self.queue.clear()  # the first failure stops the build: nothing more is started
                return
            self._advance(job)
        self._fill()

    def _advance(self, job: _Job) -> None:
        """``job``'s file exists: an assembled document whose last missing piece it was goes first."""
        with self.lock:
            for whole, missing in self.missing.items():
                if job.target in missing:
                    missing.discard(job.target)
                    if not missing:
                        self.queue.appendleft(_Job(whole, self.targets[whole]))

    def _collect(self, job: _Job, seconds: float) -> None:
        if job.piece is not None:
            self.report.add_part(seconds)
            return
        self.report.add(job.doc, seconds)
        if job.target in self.pieces:
            self.report.parts += 1  # also a piece of an assembled document
        self.on_done(job.doc, True)

    def wait(self) -> Report:
        waiting = time.perf_counter()
        report = self.report
        for doc in report.reused:
            self.on_done(doc, False)
        if self.pool is None:
            while self.queue:
                job = self.queue.popleft()
                function, *args = self._call(job, self.hb)
                self._collect(job, function(*args))
                self._advance(job)
        else:
            try:
                for _ in range(self.outstanding):
                    job, future = self.finished.get()
                    self._collect(job, future.result())  # raises the first failure at once
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
        with self.lock:
            pool, self.pool = self.pool, None
            self.queue.clear()
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
