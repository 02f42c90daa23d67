"""jieba's dictionary cut to the pages' words (site/engines/search_words): the pages split as with the whole."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import jieba

from generator.content.loader import load_handbook
from generator.site import plan
from generator.site.engines import search_words
from generator.site.engines.mkdocs import SEARCH_WORDS

REPO = Path(__file__).resolve().parent.parent


def test_jieba_finds_no_pkg_resources_to_import():
    """make setup leaves setuptools out of the venv: jieba then opens its files itself instead of importing
    pkg_resources, 0.15-0.3 s at the start of every build that splits Chinese for the search."""
    assert importlib.util.find_spec("pkg_resources") is None, "run make setup: it removes setuptools from .venv"


def test_only_words_whose_neighbouring_characters_occur_are_kept_and_the_total_stays():
    dictionary = "招待 10 v\n招待费 5 n\n费用 3 n\n标准 7\n准备 2 v\n待 1 v\nB超 3 n\n"
    assert search_words.cut("招待费的标准", dictionary) == (
        f"招待 10 v\n招待费 5 n\n标准 7\n待 1 v\n{search_words.REST} 8\n")
    assert search_words.cut("", dictionary) == f"{search_words.REST} 31\n"


def test_the_bundled_pages_split_exactly_as_with_the_whole_dictionary(tmp_path):
    pages = plan.plan(load_handbook(REPO), None, []).pages
    text = "\n".join(pages.values())
    whole = search_words.default_dictionary()
    cut = tmp_path / "cut.txt"
    cut.write_text(search_words.cut(text, whole.read_text(encoding="utf-8")), encoding="utf-8")
    assert len(cut.read_text(encoding="utf-8").splitlines()) < 10_000  # of 349,046
    splitters = []
    for dictionary in (whole, cut):
        tokenizer = jieba.Tokenizer(str(dictionary))
        tokenizer.tmp_dir = str(tmp_path)
        tokenizer.load_userdict(str(SEARCH_WORDS))
        splitters.append(tokenizer)
    assert splitters[0].total == splitters[1].total
    for uri, markdown in pages.items():
        assert list(splitters[1].cut(markdown)) == list(splitters[0].cut(markdown)), uri
    assert "坏账" in splitters[1].lcut("坏账率控制在目标以内")  # a domain word of ours, not in jieba's dictionary
