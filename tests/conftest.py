"""Shared fixtures: sites built once per run and shared by all workers, and builds of modified roots.

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
import pickle
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

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


#: the folder where shared_site keeps the run's shared builds (made by the controller, inherited by workers)
SITES_ENV = "HANDBOOK_TEST_SITES"


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` across the processes of the run (fcntl: filelock is no dependency)."""
    import fcntl

    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def shared_site(name: str, make: Callable[[Path], object]) -> object:
    """The site ``name``, made once per run by ``make(folder)`` (a content root and its build inside
    ``folder``; a BuiltSite or a tuple of them) and shared by every module and xdist worker that asks for it:
    the first to ask builds while the others wait (a lock), then they read it back. Tests read these sites
    and roots, never change them."""
    folder = Path(os.environ[SITES_ENV]) / name
    saved = folder / "built.pickle"
    with _locked(folder.with_name(name + ".lock")):
        if saved.exists():
            return pickle.loads(saved.read_bytes())
        folder.mkdir()
        built = make(folder)
        saved.write_bytes(pickle.dumps(built))
        return built


@pytest.fixture(scope="session")
def built_site() -> BuiltSite:
    """The repository's own content, built once per run (shared_site)."""
    return shared_site("bundled", lambda folder: build_site(REPO, folder / "site"))


@pytest.fixture(scope="session")
def more_roles_sites() -> tuple[Path, BuiltSite]:
    """The bundled content plus four roles under 市场部经理 (browsing.more_roles_root), built as `handbook serve`
    builds it and then, in the same process, as `handbook build` does: (the preview's folder, the build)."""
    from browsing import more_roles_root, preview_build

    def make(folder: Path) -> tuple[Path, BuiltSite]:
        root = more_roles_root(folder)
        preview_build(root, folder / "preview")
        return folder / "preview", build_site(root, folder / "site")

    return shared_site("more-roles", make)


@pytest.fixture(scope="session")
def branded_png() -> BuiltSite:
    """tests/roots/branded-png (a PNG logo, a light yellow brand colour), built once per run."""
    import shutil

    def make(folder: Path) -> BuiltSite:
        shutil.copytree(REPO / "tests" / "roots" / "branded-png", folder / "root")
        return build_site(folder / "root", folder / "site")

    return shared_site("branded-png", make)


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
SLOW_FIXTURES = frozenset({"built_site", "documents", "build_root", "browser", "more_roles_sites",
                           "branded_png"})
READERS = frozenset({"built_site", "documents"})  # the shared build: made once per run, then only read
SLOW_MODULES = frozenset({
    "test_build.py", "test_incremental_preview.py", "test_preview.py", "test_pool.py", "test_book.py",
    "test_fuzz.py", "test_extreme.py", "test_pdf_archival.py", "test_pdf_fonts.py",
    "test_browser.py", "test_mobile.py", "test_print.py",
})


def pytest_collection_modifyitems(config, items) -> None:
    group: dict[Path, int] = {}
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        # what the test costs: 0 a browser, 1 a build, a render or a command of its own, 2 reading the shared build
        heavy = 0 if "browser" in fixtures else 1 if (
            item.path.name in SLOW_MODULES or item.get_closest_marker("slow") or fixtures & SLOW_FIXTURES - READERS) else 2
        group[item.path] = min(group.get(item.path, 2), heavy)
        if heavy < 2 or fixtures & READERS:
            item.add_marker(pytest.mark.slow)
    # Heavy modules first: xdist (`--dist loadscope --no-loadscope-reorder`, as the Makefile runs it) hands out
    # modules in this order as workers run dry, so light modules fill in at the end rather than one worker
    # finishing a browser module alone (xdist's own order, most tests first, put the browser modules last).
    items.sort(key=lambda item: group[item.path])  # stable: modules and their tests keep their order otherwise


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "slow: builds a site, renders documents, runs a browser, LibreOffice or "
                                       "the `handbook` command: only in the full tier (make test), not in make quick")
    # Started as a background job (`cmd &` in a script), the run inherits SIGINT ignored, and so would every
    # `handbook serve` the tests start and then stop with Ctrl-C: they would wait out their time limits.
    # Catch it here instead; commands started from here get SIGINT's default again, as from a terminal.
    import signal

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
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
        config._shared_sites = tempfile.mkdtemp(prefix="handbook-test-sites-")
        os.environ[SITES_ENV] = config._shared_sites
    # jieba announces its dictionary on stderr at every build; keep test output readable.
    logging.getLogger("jieba").setLevel(logging.WARNING)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


def pytest_unconfigure(config) -> None:
    import shutil

    for folder, env in (("_shared_cache", cachedir.ENV), ("_shared_sites", SITES_ENV)):
        if getattr(config, folder, None):
            shutil.rmtree(getattr(config, folder), ignore_errors=True)
            os.environ.pop(env, None)


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
