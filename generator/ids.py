"""Role ids from Chinese titles: 营销总监 → ``ying-xiao-zong-jian``.

Ids are file names and page addresses, so they must be lower-case ASCII (see ``model.SLUG_PATTERN``).
Pinyin keeps them readable to the people who chose the title. Shared by ``handbook import`` (and
``handbook new role``) so the two never name a role differently.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

MAX_LENGTH = 64
FALLBACK = "role"


def _syllables(title: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin  # imported late: only the commands that name roles need it

    words: list[str] = []
    for chunk in lazy_pinyin(unicodedata.normalize("NFKC", title), style=Style.NORMAL, errors="default"):
        words += re.findall(r"[a-z0-9]+", chunk.lower().replace("ü", "v"))
    return words


def slug_from_title(title: str, taken: Collection[str] = ()) -> str:
    """A valid id for ``title`` that is not in ``taken`` (adds -2, -3 … when needed)."""
    base = "-".join(_syllables(title)) or FALLBACK
    base = base[:MAX_LENGTH].strip("-")
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"-{n}"
        candidate = base[:MAX_LENGTH - len(suffix)].strip("-") + suffix
        n += 1
    return candidate
