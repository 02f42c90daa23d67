"""The next version to offer after a save: a changed published item should not keep its 版本.

The rule and its wording belong to the history layer (``generator.history.versions.offer``: the next version,
its 生效日期 and the 修订记录 row saying what changed, in `handbook diff`'s words); this is the editor's one
call to it, shaped for the form.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..history import versions


def offer(root: Path, rel: str, raw: bytes, before: bytes, data: Any) -> dict | None:
    """{"version", "changes", "data": the form's data with the version, 生效日期 and row} or None."""
    found = versions.offer(root, rel, raw, before)
    if found is None or not isinstance(data, dict):
        return None
    return {"version": found.version, "changes": list(found.changes), "data": found.apply(data)}
