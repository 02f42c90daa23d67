"""Both engines render the same site plan: MkDocs + Material (the default) and Zensical (`--engine zensical`).

Same pages, menu, downloads and visible text; each theme's own files reach the site unchanged; neither site
asks the network for anything, on a web server or unzipped from file://. What differs (search, the index's
format) is measured here and described in README.md. A 100-role org built by both engines, timed and compared,
is benchmarks/engines.py (its documents alone take minutes, too long for the test suite).
"""

from __future__ import annotations

import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browsing import CHROMIUM, open_page, serve
from conftest import REPO, build_site

ZENSICAL_THEME = Path(__import__("zensical").__file__).parent / "templates"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@pytest.fixture(scope="module")
def zensical_site(built_site, tmp_path_factory):
    """The bundled content built by Zensical, its documents from the run's cache (the session build made them)."""
    return build_site(REPO, tmp_path_factory.mktemp("zensical") / "site", engine="zensical")


class _Visible(HTMLParser):
    """The words of the page's <article> and the labels of its main menu (pages and sections, not the page's
    own headings, which MkDocs + Material puts into the menu: ``toc.integrate``), without scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.article: list[str] = []
        self.menu: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        self.stack.append("article" if tag == "article" else "menu" if "md-nav--primary" in (attrs.get("class") or "")
                          else "hidden" if tag in ("script", "style") or "md-nav--secondary" in (attrs.get("class") or "")
                          or (tag == "a" and (attrs.get("href") or "").startswith("#")) else tag)

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if "hidden" in self.stack:
            return
        if "article" in self.stack:
            self.article.append(data)
        elif "menu" in self.stack and data.strip():
            self.menu.append(data.strip())


def visible(page: Path) -> tuple[str, list[str]]:
    parser = _Visible()
    parser.feed(page.read_text(encoding="utf-8"))
    return re.sub(r"\s+", "", "".join(parser.article)).replace("¶", ""), parser.menu


def pages(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html") if p.name != "404.html"}


def test_both_engines_make_the_same_pages_with_the_same_words_and_menu(built_site, zensical_site):
    mkdocs, zensical = built_site.path, zensical_site.path
    assert pages(mkdocs) == pages(zensical) and len(pages(mkdocs)) == 15
    for page in sorted(pages(mkdocs)):
        text, menu = visible(mkdocs / page)
        assert text and menu, page
        other_text, other_menu = visible(zensical / page)
        if page == "downloads.html":  # the offline zip's own size: the two sites differ in size
            text, other_text = (re.sub(r"离线版.*?ZIP（[\d.]+[KM]B）", "", t) for t in (text, other_text))
        assert other_text == text, page
        assert [label for label in other_menu if label in menu] == menu, page


def test_both_engines_offer_the_same_downloads(built_site, zensical_site):
    mkdocs = {e["path"]: e for e in json.loads((built_site.path / "downloads" / "manifest.json").read_bytes())}
    zensical = {e["path"]: e for e in json.loads((zensical_site.path / "downloads" / "manifest.json").read_bytes())}
    offline = "downloads/handbook-offline.zip"
    assert {p: e for p, e in zensical.items() if p != offline} == {p: e for p, e in mkdocs.items() if p != offline}
    for path in mkdocs:
        assert (zensical_site.path / path).is_file(), path
    with zipfile.ZipFile(zensical_site.path / offline) as archive:
        names = archive.namelist()
    assert {n.split("/")[0] for n in names} == {"营销中心员工手册-离线版"}
    assert "营销中心员工手册-离线版/roles/market-manager.html" in names


def test_zensical_ships_its_theme_unchanged_and_role_names_in_its_index(zensical_site):
    site = zensical_site.path
    shipped = [p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()
               and (ZENSICAL_THEME / p.relative_to(site)).is_file() and p.name not in ("404.html", "sitemap.xml")]
    assert len(shipped) >= 4 and [rel for rel in shipped
                                  if (site / rel).read_bytes() != (ZENSICAL_THEME / rel).read_bytes()] == []
    index = json.loads((site / "search.json").read_text(encoding="utf-8"))
    tags = {item["location"]: item["tags"] for item in index["items"] if item.get("tags")}
    assert tags["roles/market-manager.html"] == ["市场部经理", "销售部经理"]
    assert (site / "search.js").read_text(encoding="utf-8") == "var __index = " + json.dumps(
        index, ensure_ascii=False, separators=(",", ":"))


def zensical_search(page, word: str) -> list[tuple[str, str]]:
    """Type ``word`` into Zensical's search dialog; (title, href) of each result, best first."""
    if not page.locator("dialog[open] input").count():
        page.locator(".md-search__button").first.click()
    box = page.locator("dialog input")
    box.fill(word)
    page.wait_for_selector("ol[role=listbox] a[role=option]")
    return [(a.locator("h2").inner_text().strip(), a.get_attribute("href") or "")
            for a in page.locator("ol[role=listbox] a[role=option]").all()]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")
def test_zensical_search_finds_chinese_words_and_asks_no_one_else(zensical_site, browser, tmp_path):
    asked: list[str] = []
    with serve(zensical_site.path) as url:
        page = open_page(browser, url + "index.html")
        page.on("request", lambda request: asked.append(request.url))
        try:
            first = {word: zensical_search(page, word)[0] for word in ("招待费", "坏账", "大区经理")}
        finally:
            page.close()
    assert "policies/entertainment-expenses.html" in first["招待费"][1]
    assert "roles/market-manager.html" in first["坏账"][1]
    assert "roles/regional-manager.html" in first["大区经理"][1]
    assert [u for u in asked if not u.startswith(url)] == []
    target = tmp_path / "offline"
    with zipfile.ZipFile(zensical_site.path / "downloads" / "handbook-offline.zip") as archive:
        archive.extractall(target)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.on("request", lambda request: asked.append(request.url))
        page.goto((target / "营销中心员工手册-离线版" / "index.html").as_uri())
        assert "policies/entertainment-expenses.html" in zensical_search(page, "招待费")[0][1]
    finally:
        context.close()
    assert [u for u in asked if not u.startswith((url, "file:", "data:", "blob:"))] == []
