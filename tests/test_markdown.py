"""The generated Markdown: readable (a reviewer can read it in a diff) and still literal.

``tests/goldens/role-page-regional-manager.md`` is the page source of one role as generated.
When a template change is meant, regenerate it with

    UPDATE_GOLDENS=1 .venv/bin/pytest tests/test_markdown.py

and review the diff like any other change (the test never writes the file otherwise).
"""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import REPO, overlay_root

from generator.content.loader import load_handbook
from generator.documents.plan import plan
from generator.site.pages import md_escape, pages

GOLDEN = Path(__file__).resolve().parent / "goldens" / "role-page-regional-manager.md"


class _Sized:
    """A produced file of a fixed size, so the golden does not change with every PDF byte."""

    def __init__(self, doc):
        self.doc, self.size = doc, 20 * 1024


def test_role_page_markdown_matches_the_golden_file():
    hb = load_handbook(REPO)
    page = pages(hb, [_Sized(d) for d in plan(hb)])["roles/regional-manager.md"]
    if os.environ.get("UPDATE_GOLDENS") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(page, encoding="utf-8")
    assert page == GOLDEN.read_text(encoding="utf-8"), (
        "the generated Markdown changed; if that is intended, regenerate the golden (see this module's docstring)")


def test_generated_markdown_keeps_ordinary_punctuation_readable():
    text = GOLDEN.read_text(encoding="utf-8")
    hb = load_handbook(REPO)
    role = hb.role("regional-manager")
    assert role.number in text  # YXZX-SC-02, not YXZX&#45;SC&#45;02
    assert role.effective.isoformat() in text
    assert "&#45;" not in text and "&#46;" not in text and "&#58;" not in text


@pytest.mark.parametrize("text, shown", [
    ("YXZX-SC-01", "YXZX-SC-01"), ("3.5 万元", "3.5 万元"), ("A+B：完成率 ≥ 95%", "A+B：完成率 ≥ 95%"),
    ("- 不是列表", "&#45; 不是列表"), ("1. 不是编号", "1&#46; 不是编号"), ("# 不是标题", "&#35; 不是标题"),
    ("!!! note", "&#33;!! note"), ("a*b*_c_", "a&#42;b&#42;&#95;c&#95;"), ("[x](javascript:y)", "&#91;x&#93;(javascript:y)"),
    ("{: onclick=x}", "&#123;: onclick=x&#125;"), ("a|b", "a&#124;b"), ("R&D <b>", "R&amp;D &lt;b&gt;"),
])
def test_escaping_touches_only_what_markdown_or_html_would_read(text, shown):
    assert md_escape(text) == shown


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.values += [(tag, name, value) for name, value in attrs if name in ("title", "aria-label") and value]


def test_titles_with_an_ampersand_are_escaped_once_in_attributes(tmp_path, build_root):
    """Issue 8: `R&D` showed as `R&amp;D` in tooltips and the previous/next links' aria-labels."""
    root = overlay_root(tmp_path)
    site_yml = root / "content" / "site.yml"
    site_yml.write_text(site_yml.read_text(encoding="utf-8").replace("测试手册", "R&D 手册"), encoding="utf-8")
    boss = root / "roles" / "boss.yml"
    boss.write_text(boss.read_text(encoding="utf-8").replace("title: 销售总监", "title: R&D总监"), encoding="utf-8")
    built = build_root(root)
    seen = []
    for page in ("index.html", "roles/boss.html", "roles/worker.html", "org-chart.html"):
        parser = _Attributes()
        parser.feed((built.path / page).read_text(encoding="utf-8"))
        seen += [(page, *v) for v in parser.values if "R&" in v[2]]
    assert seen, "no title or aria-label names the R&D handbook or role"
    wrong = [v for v in seen if "&amp;" in v[3] or "&#" in v[3]]
    assert not wrong, wrong
    assert any(v[2] == "aria-label" and v[3].endswith("R&D总监") for v in seen), seen
    assert any(v[2] == "title" and v[3] == "R&D 手册" for v in seen), seen
