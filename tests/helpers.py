"""Small helpers shared by the tests: content roots made from overlays."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
MINIMAL = TESTS / "roots" / "minimal"
#: the company's own document as it was scraped: every duty, rule and guideline in it must reach the handbook
SEED = TESTS / "fixtures" / "seed" / "company-document.txt"


def overlay_root(tmp: Path, overlay: Path | None = None, base: Path = MINIMAL) -> Path:
    """Copy `base`, then `overlay`'s files over it; a DELETE file lists files to remove."""
    root = tmp / "root"
    shutil.copytree(base, root)
    if overlay is not None:
        for src in overlay.rglob("*"):
            if src.is_file() and src.name not in ("DELETE", "expected.txt"):
                target = root / src.relative_to(overlay)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, target)
        if (overlay / "DELETE").exists():
            for rel in (overlay / "DELETE").read_text().split():
                (root / rel).unlink()
    return root


def copy_bundled_content(tmp: Path) -> Path:
    """A writable copy of the repository's own roles/ and content/."""
    root = tmp / "bundled"
    for folder in ("roles", "content"):
        shutil.copytree(REPO / folder, root / folder)
    return root


def problems_of(root: Path) -> list[str]:
    """What `handbook check` reports for ``root``, one string per problem (empty when it loads)."""
    from generator.content.errors import ContentError
    from generator.content.loader import load_handbook

    try:
        load_handbook(root)
    except ContentError as exc:
        return [str(p) for p in exc.problems]
    return []


def own_cache_env(**extra: str) -> dict[str, str]:
    """The environment for a `handbook` subprocess that renders with the content root's own cache
    (``.cache/handbook/``), not the run's shared one: for tests that count or interrupt rendering,
    which another test's identical edit in the shared cache would otherwise make order-dependent."""
    from generator.cachedir import ENV

    env = {key: value for key, value in os.environ.items() if key != ENV}
    return {**env, **extra}
