"""`handbook serve`: pages first, documents behind them, and only what an edit changed.

A full build of a 300-role handbook renders 1,200 Word/PDF files (minutes) and
turns 300+ pages into HTML (seconds). A preview needs neither before it can show a
page: here

* documents render in background worker processes while the pages are built; a
  download that is not ready yet is rendered on the spot when the browser asks for
  it (:meth:`Documents.fetch`, hooked into the dev server's request handler);
* a page whose Markdown, menu and theme are unchanged since the last build is not
  converted or written again (MkDocs' ``dirty`` mode, steered per page by
  :class:`Reused`), and its search-index entries are carried over
  (:class:`SearchEntries`) so search stays complete;
* templates are compiled once per process (:mod:`generator.site.jinjacache`) and the theme's
  files are listed once (:func:`remember_theme_files`).

The published build (``handbook build``) uses none of this: it waits for every
document, writes the zips and the manifest, and rebuilds every page.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from mkdocs.structure.files import File, Files

from ..content.model import Handbook
from ..documents import plan as documents
from ..documents.plan import Document
from ..documents.produce import (
    _context,
    _heaviest_first,
    _init_worker,
    _render_part_to,
    _render_to,
    _write_atomically,
    default_jobs,
    targets,
)

log = logging.getLogger("mkdocs.plugins.handbook")


@dataclass(frozen=True)
class Pending:
    """A document listed on pages before it exists: no size is shown in the preview."""

    doc: Any
    size: None = None


class OnDemand(File):
    """A download the dev server hands out itself (see :meth:`Documents.fetch`): never copied into site_dir."""

    def copy_file(self, dirty: bool = False) -> None:
        return None

    def is_modified(self) -> bool:
        return False


class Reused(File):
    """A generated page whose HTML from the previous build is still right: MkDocs skips it in dirty mode."""

    def is_modified(self) -> bool:
        return False


class Documents:
    """Renders documents in the background across rebuilds; hands out any one of them on request.

    The cache file of a document is named by its content key, so a render finished for
    one build is valid for every later build that plans the same key: work already
    queued is never repeated, and work no longer wanted is cancelled.
    """

    def __init__(self, cache_dir: Path, jobs: int | None = None):
        self.cache_dir, self.jobs = cache_dir, jobs or default_jobs()
        self.inflight: dict[Path, Future] = {}
        self.targets: dict[str, tuple[Document, Path]] = {}  # site path → (document, cache file)
        self.hb: Handbook | None = None
        self.lock = threading.Lock()
        self.extra: dict[str, Callable[[], bytes]] = {}  # site path → maker (zips, manifest)
        self.todo: list[tuple[Document, Path]] = []
        self.todo_parts: list[tuple[Document, str, Path]] = []  # pieces of assembled documents (see release)
        self.parts: dict[Document, dict[str, Path]] = {}
        self.planned: list[Document] = []
        self.paths: dict[str, Document] = {}  # site path → document, known as soon as a build starts
        self.resolved = False
        self._key_memo: dict = {}  # see produce.targets

    def start(self, hb: Handbook) -> list[Document]:
        """Plan the documents of ``hb``; returns the plan at once.

        Which of them need rendering (their cache keys) is worked out only when they are queued
        (:meth:`release`, after the pages) or asked for (:meth:`fetch`): pages link by path only.
        """
        planned = documents.plan(hb)
        with self.lock:
            self.hb, self.planned, self.resolved = hb, planned, False
            self.paths = {doc.path: doc for doc in planned}
        return planned

    def _resolve(self) -> None:
        """Cache file of every planned document; cancel queued renders no longer wanted. Holds the lock."""
        if self.resolved or self.hb is None:
            return
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        parts: dict[Document, dict[str, Path]] = {}
        found = targets(self.hb, self.planned, self.cache_dir, self._key_memo, parts=parts)
        self.targets = {doc.path: (doc, found[doc]) for doc in self.planned}
        self.parts = parts
        wanted = set(found.values()) | {path for pieces in parts.values() for path in pieces.values()}
        for target, future in list(self.inflight.items()):
            if future.done() or (target not in wanted and future.cancel()):
                del self.inflight[target]
        # An assembled document (全部岗位说明书) is never rendered in the background: assembling a 500-role
        # book costs seconds on every save, for a file nobody looks at while editing. Its pieces are (one
        # per role, so a save re-renders one), and the book is assembled when it is asked for (fetch).
        self.todo = [(doc, found[doc]) for doc in self.planned
                     if doc not in parts and not found[doc].exists() and found[doc] not in self.inflight]
        documents_too = set(found.values())  # pieces that are documents themselves (全部岗位说明书's) render as such
        self.todo_parts = [(doc, sid, path) for doc in parts if not found[doc].exists()
                           for sid, path in parts[doc].items()
                           if not path.exists() and path not in self.inflight and path not in documents_too]
        self.resolved = True

    def release(self) -> None:
        """Queue the documents planned by :meth:`start` (called once the pages are built: pages first).

        Workers run at low priority (``nice``) so that rebuilding and serving pages keep the CPU.
        """
        with self.lock:
            self._resolve()
            todo = [(doc, target) for doc, target in self.todo
                    if not target.exists() and target not in self.inflight and self.hb is not None]
            todo_parts = [(doc, sid, path) for doc, sid, path in self.todo_parts
                          if not path.exists() and path not in self.inflight and self.hb is not None]
            self.todo, self.todo_parts = [], []
            if not todo and not todo_parts:
                return
            # the forkserver has imported the renderers; forking it is safe under the server's threads
            pool = ProcessPoolExecutor(max_workers=min(self.jobs, len(todo) + len(todo_parts)), mp_context=_context(),
                                       initializer=_init_background_worker, initargs=(self.hb,))
            files = dict(todo)
            for doc in _heaviest_first([doc for doc, _ in todo]):
                self.inflight[files[doc]] = pool.submit(_render_to, doc, str(files[doc]))
            for doc, sid, path in todo_parts:
                self.inflight[path] = pool.submit(_render_part_to, doc, sid, str(path))
            pool.shutdown(wait=False)  # queued renders still run; the workers exit when done
        log.info(f"rendering {len(todo)} document(s) and {len(todo_parts)} piece(s) in the background")

    def fetch(self, site_path: str) -> bytes | None:
        """The bytes of a planned document (rendered now if nobody has started it), else None."""
        if site_path in self.extra:
            return self.extra[site_path]()
        with self.lock:
            self._resolve()
            found = self.targets.get(site_path)
            hb = self.hb
            future = self.inflight.get(found[1]) if found else None
            pieces = {sid: (path, self.inflight.get(path)) for sid, path in self.parts.get(found[0], {}).items()} \
                if found else {}
        if found is None:
            return None
        doc, target = found
        if not target.exists():
            if future is not None and not future.cancel():
                future.result()  # already rendering: wait for it
            elif doc.output.parts is not None:
                for sid, (path, piece) in pieces.items():  # pieces the background has not reached: now
                    if not path.exists():
                        if piece is not None and not piece.cancel():
                            piece.result()
                        else:
                            _write_atomically(path, documents.render_part(hb, doc, sid))
                _write_atomically(target, documents.render(
                    hb, doc, {sid: path.read_bytes() for sid, (path, _) in pieces.items()}))
            else:
                _write_atomically(target, documents.render(hb, doc))
        return target.read_bytes()

    def shutdown(self) -> None:
        """The server stops: drop queued renders. Workers finish the file in hand and exit (their pools are
        already shut down); if the server process ends first, they end with it (:func:`_die_with_parent`)."""
        with self.lock:
            for future in self.inflight.values():
                future.cancel()
            self.inflight.clear()


def _init_background_worker(hb: Handbook) -> None:
    os.nice(10)  # rebuilding and serving pages come first
    _die_with_parent()
    _init_worker(hb)


def _die_with_parent() -> None:
    """Linux: a worker ends when the server process ends, however it ended (no stray renders)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(0)
    except (OSError, AttributeError):
        pass


def hook_server(server, docs: Documents) -> None:
    """Let the dev server answer download requests from :class:`Documents` (files never copied)."""
    original = server._serve_request
    mount = getattr(server, "mount_path", "/")

    def serve_request(environ, start_response):
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "ignore")
        site_path = path[len(mount):] if path.startswith(mount) else None
        if site_path and (site_path in docs.paths or site_path in docs.extra):
            try:
                data = docs.fetch(site_path)
            except Exception as exc:  # noqa: BLE001 - a broken render must not take the server down
                log.error(f"could not render {site_path}: {exc}")
                data = None
            if data is not None:
                kind = mimetypes.guess_type(site_path)[0] or "application/octet-stream"
                start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(data)))])
                return [data]
        return original(environ, start_response)

    server._serve_request = serve_request


class PageSignatures:
    """Which generated pages changed since the last build that finished."""

    def __init__(self) -> None:
        self.done: dict[str, tuple[str, str]] = {}  # page source → (signature, HTML path in site_dir)
        self.pending: dict[str, tuple[str, str]] = {}

    @staticmethod
    def context(nav: Any, stamp: str) -> str:
        """What every page's HTML depends on besides its Markdown: the menu and the theme."""
        return hashlib.sha256(json.dumps([nav, stamp], ensure_ascii=False, sort_keys=True).encode()).hexdigest()

    def unchanged(self, uri: str, markdown: str, context: str, site_dir: Path, dest: str) -> bool:
        sig = hashlib.sha256(f"{context}\0{markdown}".encode()).hexdigest()
        self.pending[uri] = (sig, dest)
        return self.done.get(uri) == (sig, dest) and (site_dir / dest).is_file()

    def commit(self, site_dir: Path) -> None:
        """The build finished: remember its pages; remove the HTML of pages that no longer exist."""
        for uri, (_, dest) in self.done.items():
            if uri not in self.pending:
                (site_dir / dest).unlink(missing_ok=True)
        self.done, self.pending = self.pending, {}


class SearchEntries:
    """Search-index entries per page, so pages skipped by a dirty build stay searchable."""

    def __init__(self) -> None:
        self.by_page: dict[str, list[dict]] = {}

    def complete(self, search_plugin, page_urls: list[str]) -> None:
        """Before the search plugin writes its index: fill in the pages this build did not rebuild."""
        index = getattr(search_plugin, "search_index", None)
        if index is None:
            return
        fresh: dict[str, list[dict]] = {}
        for entry in index.entries:
            fresh.setdefault(entry["location"].split("#", 1)[0], []).append(entry)
        self.by_page = {url: fresh.get(url, self.by_page.get(url, [])) for url in page_urls}
        index.entries = [entry for url in page_urls for entry in self.by_page[url]]
        search_plugin.search_index_prev = None  # the plugin's own dirty merge assumes one page changed


_THEME_FILES: dict[tuple, list[tuple[str, str]]] = {}


def remember_theme_files() -> None:
    """While serving, list the theme's ~600 files once instead of walking its folders on every save.

    MkDocs calls ``Files.add_files_from_theme`` at the start of every build; the list depends only
    on the theme folders (keyed here by their paths and modification times).
    """
    if getattr(Files.add_files_from_theme, "remembered", False):
        return
    original = Files.add_files_from_theme

    def add_files_from_theme(self, env, config) -> None:
        dirs = tuple(config.theme.dirs)
        key = (dirs, tuple(config.theme.static_templates),
               tuple(os.stat(d).st_mtime_ns for d in dirs if os.path.isdir(d)))
        found = _THEME_FILES.get(key)
        if found is None:
            probe = Files([])
            original(probe, env, config)
            found = _THEME_FILES[key] = [(f.src_uri, f.src_dir) for f in probe]
        for path, src_dir in found:
            if self.get_file_from_path(path) is None:  # files in docs_dir win over the theme's
                self.append(File(path, src_dir, config.site_dir, config.use_directory_urls))

    add_files_from_theme.remembered = True  # type: ignore[attr-defined]
    Files.add_files_from_theme = add_files_from_theme  # type: ignore[method-assign]
