"""English ids from Chinese titles: 大客户经理 → ``da-ke-hu-jing-li``.

An id is the file name and the page address, so it must be ASCII (lower-case
letters, digits, hyphens; :data:`generator.content.model.SLUG_PATTERN`). HR thinks in
titles; pinyin turns a title into an id anyone can read back. Used by
``handbook new role`` and by the importer, so both name roles the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

from ..content.model import SLUG_PATTERN

MAX_LENGTH = 64  # the model's limit for a Slug
FALLBACK = "role"

_WORD = re.compile(r"[a-z0-9]+")


def _syllables(title: str) -> list[str]:
    """Pinyin without tones, one item per Chinese character; other text split into ASCII words."""
    from pypinyin import Style, lazy_pinyin

    text = unicodedata.normalize("NFKC", title).lower()  # full-width ＡＢ１ → ab1
    words: list[str] = []
    # lazy_pinyin returns runs of non-Chinese text unchanged ("KA", " ", "（"); keep only their ASCII words.
    for piece in lazy_pinyin(text, style=Style.NORMAL, errors="default", v_to_u=False):
        words += _WORD.findall(piece.replace("ü", "v"))
    return words


def slug_from_title(title: str, taken: Collection[str] = ()) -> str:
    """A valid id for ``title`` that is not in ``taken``: pinyin syllables joined by hyphens.

    Long titles are cut at a syllable boundary; a clash gets ``-2``, ``-3`` … appended.
    A title with no letters at all gives ``role`` (then ``role-2`` …).
    """
    words = _syllables(title) or [FALLBACK]
    base = ""
    for word in words:
        candidate = f"{base}-{word}" if base else word
        if len(candidate) > MAX_LENGTH - 4:  # leave room for a "-99" suffix
            break
        base = candidate
    base = base or words[0][: MAX_LENGTH - 4]
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    assert re.fullmatch(SLUG_PATTERN, slug), slug
    return slug
