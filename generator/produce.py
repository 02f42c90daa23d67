"""Render every document once: reuse unchanged ones, spread the rest over all cores.

Each document has a cache key made of its own inputs (the role or form and the
few facts from elsewhere it prints), the renderer code and the templates.
Editing one role therefore re-renders only that role's files; the cache lives
in ``.cache/handbook/`` beside the content root.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Callable

from . import documents
from .documents import Document
from .model import Handbook

PACKAGE_DIR = Path(__file__).resolve().parent
DOCUMENT_TEMPLATES = [PACKAGE_DIR.parent / folder for folder in ("templates/pdf", "templates/docx", "site_overrides/pdf")]


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
    wall: float = 0.0  # time the caller spent here: planning, hashing, waiting for workers
    elapsed: float = 0.0  # from start to the last document, overlapping whatever the caller did meanwhile

    def add(self, doc: Document, seconds: float) -> None:
        self.rendered.append(doc)
        stage = "forms" if doc.kind == "form" else doc.format
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds


DOCUMENT_CODE = ("model.py", "views.py", "documents.py", "renderers/pdf.py", "renderers/docx*.py")


def code_stamp() -> str:
    """Hash of what changes how a document looks: its renderers, their templates, the model.

    The site's own code and templates are left out: editing a page template must not
    re-render every PDF.
    """
    digest = hashlib.sha256()
    sources = sorted(p for pattern in DOCUMENT_CODE for p in PACKAGE_DIR.glob(pattern))
    for folder in DOCUMENT_TEMPLATES:
        sources += sorted(p for p in folder.rglob("*") if p.is_file())
    for path in sources:
        digest.update(path.relative_to(PACKAGE_DIR.parent).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def inputs(hb: Handbook, doc: Document) -> dict:
    """The slice of the handbook a document prints; anything else may change freely."""
    site = hb.site.model_dump(mode="json")
    if doc.kind == "form":
        form = hb.form(doc.id)
        policy = hb.policy(form.policy).model_dump(mode="json") if form.policy else None
        return {"site": site, "form": form.model_dump(mode="json"), "policy": policy}
    role = hb.role(doc.id)
    superior = hb.superior(role)
    return {
        "site": site,
        "role": role.model_dump(mode="json"),
        # the 修订记录 table of a job description prints the role's git history
        "history": [c.model_dump(mode="json") for c in hb.history.of("role", role.id)]
        if doc.kind == "job-description" else [],
        "superior": superior.title if superior else None,
        "reports": [r.title for r in hb.direct_reports(role)],
    }


def cache_key(hb: Handbook, doc: Document, stamp: str) -> str:
    payload = json.dumps({"doc": [doc.kind, doc.id, doc.format], "inputs": inputs(hb, doc), "code": stamp},
                         ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


# Worker state: the handbook is sent once per worker process, not once per document.
_WORKER_HB: Handbook | None = None


def _init_worker(hb: Handbook) -> None:
    global _WORKER_HB
    _WORKER_HB = hb
    # Everything inherited (model, imported libraries) is permanent: the per-document
    # collection below then only scans what that document allocated.
    gc.freeze()


def _render_to(doc: Document, target: str) -> float:
    """Render one document into the cache; returns the seconds it took."""
    assert _WORKER_HB is not None
    started = time.perf_counter()
    data = documents.render(_WORKER_HB, doc)
    _write_atomically(Path(target), data)
    gc.collect()  # WeasyPrint keeps large layout graphs alive; collecting keeps RSS flat
    return time.perf_counter() - started


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def produce(hb: Handbook, cache_dir: Path, jobs: int | None = None,
            on_done: Callable[[Document, bool], None] | None = None) -> Report:
    """Make sure every planned document exists in ``cache_dir``; return them in plan order."""
    return Production(hb, cache_dir, jobs, on_done).wait()


class Production:
    """Documents being rendered in worker processes while the caller does other work.

    Starting is cheap and returns at once; :meth:`wait` collects. The MkDocs plugin
    starts before the search plugin spends a second loading jieba's dictionary, so
    the two overlap.
    """

    def __init__(self, hb: Handbook, cache_dir: Path, jobs: int | None = None,
                 on_done: Callable[[Document, bool], None] | None = None):
        self.started = time.perf_counter()
        self.hb, self.cache_dir, self.on_done = hb, cache_dir, on_done
        cache_dir.mkdir(parents=True, exist_ok=True)
        stamp = code_stamp()
        self.planned = documents.plan(hb)
        self.targets = {doc: cache_dir / f"{cache_key(hb, doc, stamp)}.{doc.format}" for doc in self.planned}
        self.report = Report()
        self.todo = [doc for doc in self.planned if not self.targets[doc].exists()]
        self.report.reused = [doc for doc in self.planned if doc not in set(self.todo)]
        self.pool: ProcessPoolExecutor | None = None
        self.futures: dict = {}
        jobs = jobs or default_jobs()
        if jobs > 1 and len(self.todo) > 1:
            # fork after importing the renderers: workers inherit WeasyPrint/python-docx already loaded
            for doc in self.todo:
                documents.renderer(doc.kind, doc.format)
            self.pool = ProcessPoolExecutor(max_workers=min(jobs, len(self.todo)), mp_context=get_context("fork"),
                                            initializer=_init_worker, initargs=(hb,))
            self.futures = {self.pool.submit(_render_to, doc, str(self.targets[doc])): doc
                            for doc in _heaviest_first(self.todo)}
        self.report.wall = time.perf_counter() - self.started

    def wait(self) -> Report:
        waiting = time.perf_counter()
        report, on_done = self.report, self.on_done or (lambda doc, rendered: None)
        for doc in report.reused:
            on_done(doc, False)
        if self.pool is None:
            _init_worker(self.hb)
            for doc in self.todo:
                report.add(doc, _render_to(doc, str(self.targets[doc])))
                on_done(doc, True)
        else:
            with self.pool:
                for future in as_completed(self.futures):
                    doc = self.futures[future]
                    report.add(doc, future.result())
                    on_done(doc, True)
        for doc in self.planned:
            data = self.targets[doc].read_bytes()
            report.produced.append(Produced(doc, self.targets[doc], len(data), hashlib.sha256(data).hexdigest()))
        _prune(self.cache_dir, set(self.targets.values()))
        report.wall += time.perf_counter() - waiting
        report.elapsed = time.perf_counter() - self.started
        return report


def _prune(cache_dir: Path, keep: set[Path]) -> None:
    """Bound the cache to twice the current documents, dropping the least recently used.

    Keeping some old renders makes "edit, look, undo" cheap: the undo finds its files.
    """
    for path in keep:
        os.utime(path)  # mark as recently used
    cached = sorted((p for p in cache_dir.iterdir() if p.suffix in (".pdf", ".docx")),
                    key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for path in cached[2 * len(keep):]:
        path.unlink(missing_ok=True)


def _heaviest_first(todo: list[Document]) -> list[Document]:
    """PDFs take ~5x longer than DOCX: start them first so the pool drains evenly."""
    return sorted(todo, key=lambda d: d.format != "pdf")
