"""The content an import works against, even when some of it does not pass ``handbook check`` yet.

A folder of fresh drafts may not pass every check (a draft without a purpose, say), and that must
not block the next import. So when the full load fails, the valid files are still loaded one by one:
departments and roles to resolve names against, the role an edited Word file belongs to. Whatever
the import writes must then add no *new* problem (see :func:`new_problems`).
"""

from __future__ import annotations

from pathlib import Path

from ...content.errors import ContentError, Problem
from ...content.model import Handbook, Role, SiteSettings


def load(root: Path) -> tuple[Handbook | None, list[Problem]]:
    """(handbook, existing errors); the handbook holds only valid files when there are errors."""
    from ...content.loader import SITE_FILE, load_handbook

    try:  # strict: a draft's problems count too (an import must not add any)
        return load_handbook(root, strict=True), []
    except ContentError as exc:
        problems = list(exc.problems)
    site = _valid(root, root / SITE_FILE, SiteSettings)
    if site is None:
        return None, problems
    roles = [role for path in sorted((root / "roles").glob("*.yml")) if (role := _valid(root, path, Role))]
    hb = Handbook.model_construct(site=site, roles=roles, policies=[], guides=[], forms=[])
    return hb, problems


def _valid(root: Path, path: Path, model):
    """The file as a model object when it is valid on its own, else None (its problems are reported by check)."""
    from pydantic import ValidationError

    from ...content.errors import display_path
    from ...content.yamlsource import load_yaml

    try:
        doc, problems = load_yaml(path, display_path(path, root))
    except OSError:
        return None
    if doc is None or not isinstance(doc.data, dict) or any(not p.is_note for p in problems):
        return None
    try:
        return model.model_validate(doc.data)
    except ValidationError:
        return None


def errors_of(root: Path) -> list[Problem]:
    from ...content.loader import load_handbook

    try:
        load_handbook(root, strict=True)
    except ContentError as exc:
        return list(exc.problems)
    return []


def new_problems(before: list[Problem], after: list[Problem]) -> list[Problem]:
    """Problems in ``after`` that ``before`` did not have (line numbers may shift, so they are ignored)."""
    known = {(p.path, p.message) for p in before}
    return [p for p in after if (p.path, p.message) not in known]
