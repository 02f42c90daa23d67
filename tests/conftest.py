"""Shared fixtures: the bundled handbook built once per session, and builds of modified roots.

Builds go through an engine as `handbook build` does (MkDocs unless a test asks for Zensical),
into the folder given, with the repository's mkdocs.yml. Every build of the session — in-process, `handbook` subprocesses,
each pytest-xdist worker — shares one render cache (HANDBOOK_CACHE_DIR, made for the run
and removed after it), so each document is rendered once per run and a build renders only
what its content changed. Tests that must see rendering happen give their build the
root's own cache (helpers.own_cache_env).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

# Tests never write into the working tree: no bytecode here or in the commands they run
# (pytest's cache is off in pyproject.toml); pytest_sessionfinish below checks it.
sys.dont_write_bytecode = True
os.environ["PYTHONDONTWRITEBYTECODE"] = "1"

from generator import cachedir  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


@dataclass
class BuiltSite:
    path: Path
    seconds: float
    warnings: list[str] = field(default_factory=list)
    report: object = None
    hb: object = None  # the Handbook the build rendered from (published, with its git history)
    # cache file name → bytes of every document, read right after the build
    blobs: dict = field(default_factory=dict)


def build_site(root: Path, site_dir: Path, cache_dir: Path | None = None, engine: str = "mkdocs") -> BuiltSite:
    """Build ``root`` into ``site_dir`` with ``engine`` as `handbook build` does, without the swap (the shared
    cache unless ``cache_dir``). Any warning fails the build (BuildFailed)."""
    from generator.site import publish
    from generator.site.engines import mkdocs, zensical

    started = time.perf_counter()
    result = {"mkdocs": mkdocs.build, "zensical": zensical.build}[engine](
        Path(root), Path(site_dir), publish.Options(cache_dir=str(cache_dir) if cache_dir else None))
    seconds = time.perf_counter() - started
    blobs = {p.file.name: p.file.read_bytes() for p in result.report.produced}
    blobs |= {p.name: p.read_bytes() for p in result.report.part_files}  # 全部岗位说明书's pieces
    return BuiltSite(Path(site_dir), seconds, [], result.report, result.hb, blobs)


@pytest.fixture(scope="session")
def doc_cache() -> Path:
    """The render cache all builds of the run share (kept out of the repository's .cache/)."""
    return Path(os.environ[cachedir.ENV])


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, doc_cache) -> BuiltSite:
    """The repository's own content, built once per worker. The first worker renders the documents into
    the shared cache while the others wait for it (a lock), then find them there."""
    import fcntl

    with open(doc_cache / ".built-site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return build_site(REPO, tmp_path_factory.mktemp("site") / "site")


@pytest.fixture(scope="session")
def documents(built_site) -> dict[tuple[str, str, str], bytes]:
    """(kind, id, format) → bytes of every document of the session build: tests read these instead of
    rendering the same documents again."""
    return {(p.doc.kind, p.doc.id, p.doc.format): built_site.blobs[p.file.name] for p in built_site.report.produced}


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for all browser tests of the run (per xdist worker): launching costs ~4 s of CPU."""
    from browsing import chromium

    with chromium() as browser:
        yield browser


def fill_cache(cache_dir: Path, built: BuiltSite) -> Path:
    """Copy the session build's rendered documents into ``cache_dir`` (a content root's own cache):
    a build of the same content there then renders only what a test changed."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    for name, data in built.blobs.items():
        target = cache_dir / name
        if not target.exists():
            target.write_bytes(data)
    return cache_dir


@pytest.fixture(scope="session")
def build_root(tmp_path_factory) -> Callable[[Path], BuiltSite]:
    """Build another content root (e.g. a modified copy of the bundled content)."""

    def build(root: Path) -> BuiltSite:
        return build_site(root, tmp_path_factory.mktemp("site") / "site")

    return build


# The two tiers: `make test` runs everything; `make quick` (`pytest -m "not slow"`) the pure-Python tier for the
# inner loop. A test is slow when it uses a fixture that builds a site, renders the documents or starts a browser,
# when its module is one of the end-to-end modules below (real builds, previews, worker pools, renders of every
# output), or when it says so itself (`@pytest.mark.slow`: LibreOffice, the `handbook` command in a subprocess…).
SLOW_FIXTURES = frozenset({"built_site", "documents", "build_root", "browser"})
SLOW_MODULES = frozenset({
    "test_build.py", "test_incremental_preview.py", "test_preview.py", "test_pool.py", "test_book.py",
    "test_fuzz.py", "test_extreme.py", "test_pdf_archival.py", "test_pdf_fonts.py",
    "test_browser.py", "test_mobile.py", "test_print.py",
})


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if item.path.name in SLOW_MODULES or SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "slow: builds a site, renders documents, runs a browser, LibreOffice or "
                                       "the `handbook` command: only in the full tier (make test), not in make quick")
    # Hypothesis keeps its example database and caches in ./.hypothesis by default: not in the working tree.
    import tempfile

    from hypothesis import settings
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "handbook-hypothesis"))  # reused, not one per run
    settings.register_profile("handbook", database=None)
    settings.load_profile("handbook")
    # One render cache for the whole run: made by the controller, inherited by xdist workers and by
    # every `handbook` subprocess the tests start.
    if "PYTEST_XDIST_WORKER" not in os.environ:
        config._shared_cache = tempfile.mkdtemp(prefix="handbook-test-cache-")
        os.environ[cachedir.ENV] = config._shared_cache
    # jieba announces its dictionary on stderr at every build; keep test output readable.
    logging.getLogger("jieba").setLevel(logging.WARNING)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


def pytest_unconfigure(config) -> None:
    import shutil

    if getattr(config, "_shared_cache", None):
        shutil.rmtree(config._shared_cache, ignore_errors=True)
        os.environ.pop(cachedir.ENV, None)


def _tree_files() -> set[str]:
    """Every file of the working tree outside .git and .venv (bytecode caches aside: pytest writes
    conftest's own before this file can ask it not to)."""
    found = set()
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if d not in (".git", ".venv", "__pycache__")]
        found.update(os.path.relpath(os.path.join(folder, name), REPO) for name in files)
    return found


def pytest_sessionstart(session) -> None:
    session.config._tree_before = _tree_files()


def pytest_sessionfinish(session, exitstatus) -> None:
    before = getattr(session.config, "_tree_before", None)
    if before is None:
        return
    new = sorted(_tree_files() - before)
    if new:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("tests wrote into the working tree (use tmp_path): " + ", ".join(new[:20]), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
