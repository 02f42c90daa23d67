"""`handbook serve`: pages first, documents behind them (or made when asked for), and only what an edit
changed rebuilt. ``handbook build`` uses none of this."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from .. import cachedir
from ..content.model import Handbook
from ..documents import bundles
from ..documents import plan as documents
from ..documents.plan import Document
from ..documents.produce import (
    _context,
    _heaviest_first,
    _init_worker,
    _render_part_to,
    _render_to,
    default_jobs,
    targets,
)

log = logging.getLogger("mkdocs.plugins.handbook")


class Preview:
    """What `handbook serve` keeps across rebuilds: the documents behind the pages, which pages changed,
    each page's search entries, the role pages' Markdown. Reset by nothing but the end of the preview."""

    def __init__(self, cache_dir: Path, jobs: int | None = None):
        self.documents = Documents(cache_dir, jobs)
        self.signatures = PageSignatures()
        self.memo: dict = {}  # role pages whose inputs did not change (generator.site.pages)
        self.index: dict[str, list[dict]] = {}  # page URL → its entries in the last search index written
        self.site_dir: Path | None = None
        self.built_once = False
        self._zips: dict[str, str] = {}  # site path → bundle id

    def start(self, hb: Handbook, site_dir: Path) -> None:
        self.site_dir = site_dir
        self.documents.start(hb)
        self._zips = {doc.path: doc.id for doc in bundles.bundle_docs(hb)}

    def serves(self, path: str) -> bool:
        return path in self.documents.paths or path in self._zips or path == bundles.MANIFEST

    def download(self, path: str) -> bytes | None:
        """A download's bytes, made now: a document (rendered if nobody has started it), a zip, the manifest."""
        hb, planned = self.documents.hb, list(self.documents.paths.values())
        if self._zips.get(path) == bundles.OFFLINE.id:
            assert hb is not None and self.site_dir is not None
            return bundles.site_zip(hb, self.site_dir)
        if path in self._zips:
            assert hb is not None
            return bundles.documents_zip(hb, self._zips[path], [(d, self._fetch(d.path)) for d in planned])
        if path == bundles.MANIFEST:
            return bundles.manifest([bundles.Entry.of_bytes(d, self._fetch(d.path)) for d in planned])
        return self.documents.fetch(path)

    def _fetch(self, path: str) -> bytes:
        data = self.documents.fetch(path)
        assert data is not None
        return data

    def merge_index(self, fresh: list[dict], rebuilt: set[str], pages: list[str]) -> list[dict]:
        """The search index of every page in ``pages``: the entries of the pages this build rebuilt
        (``fresh``), the remembered ones of the pages it skipped. Removed pages leave theirs behind."""
        by_page: dict[str, list[dict]] = {}
        for entry in fresh:
            by_page.setdefault(entry["location"].split("#", 1)[0], []).append(entry)
        self.index = {url: by_page.get(url, []) if url in rebuilt else self.index.get(url, []) for url in pages}
        return [entry for url in pages for entry in self.index[url]]

    def shutdown(self) -> None:
        self.documents.shutdown()


class Documents:
    """Renders documents in the background across rebuilds, named by their content key (queued work is never
    repeated, work no longer wanted is cancelled); hands out any one of them on request."""

    def __init__(self, cache_dir: Path, jobs: int | None = None):
        self.cache_dir, self.jobs = cache_dir, jobs or default_jobs()
        self.lock = threading.Lock()
        self.hb: Handbook | None = None
        self.paths: dict[str, Document] = {}  # site path → document, known as soon as a build starts
        self.targets: dict[str, tuple[Document, Path]] = {}  # site path → (document, cache file)
        self.parts: dict[Document, dict[str, Path]] = {}  # pieces of assembled documents (全部岗位说明书)
        self.inflight: dict[Path, Future] = {}
        self.resolved = False
        self._key_memo: dict = {}  # see produce.targets

    def start(self, hb: Handbook) -> None:
        """Plan the documents of ``hb``. Their cache keys are worked out only when they are queued
        (:meth:`release`, after the pages) or asked for (:meth:`fetch`): pages link by path only."""
        with self.lock:
            self.hb, self.resolved = hb, False
            self.paths = {doc.path: doc for doc in documents.plan(hb)}

    def _resolve(self) -> None:
        """Cache file of every planned document; cancel queued renders no longer wanted. Holds the lock."""
        if self.resolved or self.hb is None:
            return
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.parts = {}
        found = targets(self.hb, list(self.paths.values()), self.cache_dir, self._key_memo, parts=self.parts)
        self.targets = {doc.path: (doc, target) for doc, target in found.items()}
        wanted = set(found.values()) | {path for pieces in self.parts.values() for path in pieces.values()}
        for target, future in list(self.inflight.items()):
            if future.done() or (target not in wanted and future.cancel()):
                del self.inflight[target]
        self.resolved = True

    def release(self) -> None:
        """Queue the missing documents in low-priority workers, once the pages are built; of an assembled
        document (全部岗位说明书) only its pieces: :meth:`fetch` assembles it when it is asked for."""
        with self.lock:
            self._resolve()
            missing = {doc: target for doc, target in self.targets.values()
                       if not target.exists() and target not in self.inflight}
            todo = [doc for doc in missing if doc not in self.parts]
            documents_too = set(missing.values())  # pieces that are documents themselves (全部岗位说明书's) render as such
            pieces = [(doc, sid, path) for doc in missing if doc in self.parts
                      for sid, path in self.parts[doc].items()
                      if not path.exists() and path not in self.inflight and path not in documents_too]
            if not todo and not pieces:
                return
            # the forkserver has imported the renderers; forking it is safe under the server's threads
            pool = ProcessPoolExecutor(max_workers=min(self.jobs, len(todo) + len(pieces)), mp_context=_context(),
                                       initializer=_init_background_worker, initargs=(self.hb,))
            for doc in _heaviest_first(todo):
                self.inflight[missing[doc]] = pool.submit(_render_to, doc, str(missing[doc]))
            for doc, sid, path in pieces:
                self.inflight[path] = pool.submit(_render_part_to, doc, sid, str(path))
            pool.shutdown(wait=False)  # queued renders still run; the workers exit when done
        log.info(f"rendering {len(todo)} document(s) and {len(pieces)} piece(s) in the background")

    def release_behind(self) -> None:
        """:meth:`release` in a thread of its own: the page the browser reloads does not wait for the documents'
        cache keys. The workers' server is started here, on the calling thread, so that it ignores Ctrl-C."""
        _context()

        def run() -> None:
            try:
                self.release()
            except Exception as exc:  # noqa: BLE001 - the preview stopping under it (its workers' server gone)
                log.info(f"documents not queued: {exc}")

        threading.Thread(target=run, name="handbook-documents", daemon=True).start()

    def fetch(self, site_path: str) -> bytes | None:
        """The bytes of a planned document (rendered now if nobody has started it), else None."""
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

        def assemble() -> bytes:  # 全部岗位说明书: its pieces the background has not reached rendered now
            for sid, (path, piece) in pieces.items():
                _made(path, piece, lambda: documents.render_part(hb, doc, sid))
            return documents.render(hb, doc, {sid: path.read_bytes() for sid, (path, _) in pieces.items()})

        _made(target, future, assemble if doc.output.parts is not None else lambda: documents.render(hb, doc))
        return target.read_bytes()

    def shutdown(self) -> None:
        """The server stops: drop queued renders. Workers finish the file in hand and exit (their pools are
        already shut down); if the server process ends first, they end with it (:func:`_die_with_parent`)."""
        with self.lock:
            for future in self.inflight.values():
                future.cancel()
            self.inflight.clear()


def _made(path: Path, future: Future | None, render) -> None:
    """``path`` written: by the background if it is rendering it already (waited for), else now."""
    if path.exists():
        return
    if future is not None and not future.cancel():
        future.result()
    else:
        cachedir.write_atomically(path, render())


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


class PageSignatures:
    """Which generated pages changed since the last build that finished."""

    def __init__(self) -> None:
        self.done: dict[str, tuple[str, str]] = {}  # page source → (signature, HTML path in site_dir)
        self.pending: dict[str, tuple[str, str]] = {}

    @staticmethod
    def context(nav: object, stamp: str) -> str:
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
