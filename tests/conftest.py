"""Shared fixtures: the bundled handbook built once per session, and builds of modified roots.

Builds go through MkDocs's own Python API with the repository's mkdocs.yml, exactly
as `mkdocs build` does; rendered Word/PDF files are cached per session so each
extra build only renders what its content changed.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from generator.sitebuild import WarningCollector

REPO = Path(__file__).resolve().parent.parent


@dataclass
class BuiltSite:
    path: Path
    seconds: float
    warnings: list[str] = field(default_factory=list)
    report: object = None


def build_site(root: Path, site_dir: Path, cache_dir: Path | None = None) -> BuiltSite:
    """Build ``root`` with the repository's mkdocs.yml into ``site_dir``."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    collector = WarningCollector()
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.addHandler(collector)
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("HANDBOOK_ROOT", str(root))
            cfg = load_config(config_file=str(REPO / "mkdocs.yml"), site_dir=str(site_dir))
            plugin = cfg.plugins["handbook"]
            if cache_dir is not None:
                plugin.config.cache_dir = str(cache_dir)
            started = time.perf_counter()
            build(cfg)
            seconds = time.perf_counter() - started
    finally:
        mkdocs_log.removeHandler(collector)
    return BuiltSite(Path(site_dir), seconds, collector.messages, plugin.report)


@pytest.fixture(scope="session")
def doc_cache(tmp_path_factory) -> Path:
    """One render cache for all builds of the session (kept out of the repository's .cache/)."""
    return tmp_path_factory.mktemp("doc-cache")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, doc_cache) -> BuiltSite:
    """The repository's own content, built once."""
    return build_site(REPO, tmp_path_factory.mktemp("site") / "site", doc_cache)


@pytest.fixture(scope="session")
def build_root(tmp_path_factory, doc_cache) -> Callable[[Path], BuiltSite]:
    """Build another content root (e.g. a modified copy of the bundled content)."""

    def build(root: Path) -> BuiltSite:
        return build_site(root, tmp_path_factory.mktemp("site") / "site", doc_cache)

    return build


def pytest_configure(config) -> None:
    # jieba announces its dictionary on stderr at every build; keep test output readable.
    logging.getLogger("jieba").setLevel(logging.WARNING)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
