"""Where a content root keeps its content, known without the content model: `handbook build`'s up-to-date
check and the lookup of the content root run before pydantic and the model are imported."""

from __future__ import annotations

from pathlib import Path

SITE_FILE = "content/site.yml"
#: the top folders content lives in (roles/, content/): what git history and the preview watch; every kind's
#: folder lies in one of them (``model.register_kind`` checks it)
CONTENT_FOLDERS = ("roles", "content")


def find_root(start: Path) -> Path | None:
    """The content root a command run in ``start`` works on: the first of ``start`` and the folders above it
    that holds ``roles/`` or ``content/`` (as git finds its repository); None when there is none."""
    start = Path(start).absolute()
    return next((folder for folder in (start, *start.parents)
                 if any((folder / name).is_dir() for name in CONTENT_FOLDERS)), None)
