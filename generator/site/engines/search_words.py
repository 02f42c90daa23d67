"""jieba's dictionary cut down to the words a build's pages can contain.

Material splits Chinese into words for its search index with jieba (`lang: zh`). jieba's dictionary holds
349,000 words, and loading it (or its cache) costs ~0.7 s of CPU in every process that builds the site. A
word can only matter where the pages contain it, so each build hands jieba the words whose every pair of
adjacent characters occurs in the pages' text (every word that occurs, and a few more), with one more line
that carries the frequency of all the others: jieba weighs a word by its share of the total, so the pages
are split exactly as with the whole dictionary.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

REST = "\U000f0000"  # a private-use character no page holds: the word that keeps the dictionary's total
_FREQUENCY = re.compile(r"^\S+ (\d+)", re.M)


def cut(text: str, dictionary: str) -> str:
    """The lines of ``dictionary`` (jieba's format, ``word frequency [tag]``) whose words can occur in ``text``,
    and a line that brings the frequencies up to the whole dictionary's total."""
    pairs = {text[i:i + 2] for i in range(len(text) - 1)}
    chars = "".join(sorted({c for c in text if not c.isspace()}))
    kept, share = [], 0
    if chars:
        for line in re.finditer(rf"^([{re.escape(chars)}]+) (\d+).*$", dictionary, re.M):
            word = line[1]
            if all(word[i:i + 2] in pairs for i in range(len(word) - 1)):
                kept.append(line[0])
                share += int(line[2])
    total = sum(map(int, _FREQUENCY.findall(dictionary)))
    return "".join(f"{line}\n" for line in [*kept, f"{REST} {total - share}"])


def load(dictionary: Path, user_words: list[Path], text: str | None) -> None:
    """Give jieba (its default tokenizer, the one Material calls) ``dictionary`` cut to ``text`` (None: whole, for
    the live preview, which loads it once and splits many versions of the pages), then the ``user_words`` files
    as the search plugin would load them. Nothing to do when jieba has just that already."""
    import jieba

    global _loaded
    wanted = (dictionary, tuple(user_words), None if text is None else hash(text))
    if _loaded == wanted:
        return
    _loaded = None
    with tempfile.TemporaryDirectory(prefix="handbook-jieba-") as folder:
        if text is not None:
            cut_file = Path(folder) / "dict.txt"
            cut_file.write_text(cut(text, dictionary.read_text(encoding="utf-8")), encoding="utf-8")
            dictionary = cut_file
        jieba.dt.tmp_dir = folder  # jieba writes its cache of the dictionary here, and it goes with the folder
        jieba.set_dictionary(str(dictionary))
        jieba.initialize()
        for words in user_words:
            jieba.load_userdict(str(words))
    _loaded = wanted


_loaded: tuple | None = None  # what jieba's default tokenizer holds, as load() was last asked for it


def default_dictionary() -> Path:
    """The dictionary jieba ships (a new tokenizer's: the default one's may be a cut by now)."""
    import jieba

    with jieba.Tokenizer().get_dict_file() as file:
        return Path(file.name)
