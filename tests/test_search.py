"""Search ranks like a person expects: the search index as built, and queries typed into the
search box of a real browser.

The bundled content has no 大客户经理; the ranking tests use a copy with one added (and three
more regional roles), so that ``大客户`` must choose between 大客户经理, 大区经理 and the form
大客户招待清单.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from browsing import CHROMIUM, PHONE, open_page, screenshot, search, serve, settle, wider_than_screen
from conftest import REPO


ZWSP = "\u200b"


# --------------------------------------------------------------------------- the index as built


@pytest.fixture(scope="module")
def index(built_site) -> dict:
    return json.loads((built_site.path / "search" / "search_index.json").read_text(encoding="utf-8"))


def test_role_pages_carry_their_names_whole(index):
    tags = {doc["location"]: doc["tags"] for doc in index["docs"] if doc.get("tags")}
    assert tags["roles/market-manager.html"] == ["市场部经理", "销售部经理"]  # title, then the alias
    assert tags["roles/regional-manager.html"] == ["大区经理"]
    # only each role page's own entry: its sections are not all lifted above other pages
    assert all(location.startswith("roles/") and "#" not in location for location in tags)
    assert index["config"]["fields"]["tags"]["boost"] > index["config"]["fields"]["title"]["boost"]


def test_chinese_text_is_still_segmented_in_the_index(index):
    policy = next(d for d in index["docs"] if d["location"] == "policies/entertainment-expenses.html")
    assert policy["title"].split(ZWSP) == ["公司", "业务", "招待费", "管理", "规定"]


def test_help_text_and_home_summaries_are_not_results(index):
    locations = [doc["location"] for doc in index["docs"]]
    assert "index.html#如何查找" not in locations  # its example words (坏账…) are not a hit of their own
    assert not [loc for loc in locations if loc.startswith("index.html#") and loc != "index.html#制度指南与表单"]


def test_our_search_script_runs_beside_the_theme_s_unchanged_worker(built_site):
    """The theme's worker is its own (test_site checks every theme file's bytes); Chinese queries are
    shaped by our script, which every page runs in its head, after the iframe-worker shim and before the
    theme's bundle: it must be in place before the bundle hands its worker the index."""
    for page in ("index.html", "roles/market-manager.html"):
        html = (built_site.path / page).read_text(encoding="utf-8")
        scripts = re.findall(r'<script src="([^"]+)"', html)
        bundle = next(i for i, src in enumerate(scripts) if "/bundle." in src or src.startswith("assets/javascripts/bundle."))
        shim = next(i for i, src in enumerate(scripts) if src.endswith("assets/javascripts/iframe-worker-shim.js"))
        ours = next(i for i, src in enumerate(scripts) if src.endswith("assets/javascripts/search.js"))
        assert shim < ours < bundle and html.index("search.js") < html.index("</head>"), scripts
    assert (built_site.path / "assets" / "javascripts" / "search.js").read_bytes() == \
        (REPO / "templates" / "site" / "static" / "assets" / "javascripts" / "search.js").read_bytes()


# --------------------------------------------------------------------------- in the browser

pytestmark_browser = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def preview(more_roles_sites) -> Path:
    return more_roles_sites[0]


@pytest.fixture(scope="module")
def more_roles(more_roles_sites):
    built = more_roles_sites[1]
    assert built.warnings == []
    return built


def test_the_guide_is_in_the_preview_s_menu_and_search_not_in_the_published_ones(preview, more_roles):
    """HR previewing finds the 维护指南 last in the menu and in search; staff find it in neither."""
    for site, shown in ((preview, True), (more_roles.path, False)):
        home = (site / "index.html").read_text(encoding="utf-8")
        labels = re.findall(r'<span class="md-ellipsis">\s*([^<]+?)\s*</span>', home[home.index("md-nav--primary"):])
        docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
        indexed = [doc["location"] for doc in docs if doc["location"].startswith("maintenance.html")]
        assert (labels[-1] == "维护指南", bool(indexed)) == (shown, shown), (site, labels[-3:], indexed[:3])
        assert (site / "maintenance.html").is_file()


def test_a_build_after_a_preview_indexes_each_page_once(more_roles):
    docs = json.loads((more_roles.path / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    locations = [doc["location"] for doc in docs]
    assert [loc for loc in dict.fromkeys(locations) if locations.count(loc) > 1] == []
    assert "roles/key-account-manager.html" in locations


@pytest.fixture(scope="module")
def server(more_roles):
    with serve(more_roles.path) as url:
        yield url


@pytest.fixture(scope="module")
def page(browser, server):
    """One desktop tab on the home page for every search below, as a person searches one word after
    another (search() empties the box first): a page load per search would cost ~1 s of CPU each."""
    page = open_page(browser, server + "index.html")
    yield page
    page.close()


def pages_of(results: list[tuple[str, str]]) -> list[str]:
    """The result pages in order, each once (a page's sections follow its title)."""
    out: list[str] = []
    for _, href in results:
        path = href.split("?")[0].split("#")[0].rsplit("/", 2)
        name = "/".join(path[-2:]) if path[-2] in ("roles", "policies", "guides", "forms") else path[-1]
        if name not in out:
            out.append(name)
    return out


@pytestmark_browser
def test_our_search_script_arriving_late_still_shapes_every_query(browser, server):
    """A slow network delivers search.js after the index: the page still waits for it (it is in the head),
    so 大客户 is searched as a whole and finds 大客户经理 first, not 大区经理 by its 大."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    context.route("**/search.js", lambda route: (time.sleep(0.5), route.continue_()))
    try:
        page = context.new_page()
        page.goto(server + "index.html")
        assert pages_of(search(page, "大客户"))[0] == "roles/key-account-manager.html"
    finally:
        context.close()


@pytestmark_browser
def test_the_start_of_a_role_title_finds_that_role_first(page, tmp_path):
    results = search(page, "大客户")
    screenshot(page, tmp_path, "search_key_account.png", full_page=False)
    order = pages_of(results)
    assert order[0] == "roles/key-account-manager.html", order
    assert results[0][0] == "大客户经理"
    # 大区经理 shares only the character 大: it is no answer to 大客户 at all
    assert "roles/regional-manager.html" not in order
    assert "forms/key-client-entertainment.html" in order  # the form 大客户招待清单 still comes up


@pytestmark_browser
def test_an_alias_finds_its_role_first(page, tmp_path):
    order = pages_of(search(page, "销售部经理"))
    screenshot(page, tmp_path, "search_alias.png", full_page=False)
    assert order[0] == "roles/market-manager.html", order
    # the result says why: 又称 销售部经理 (the title itself is not repeated as a tag)
    first = page.locator(".md-search-result__item").first
    shown = [t for t in first.locator(".md-tag").all() if t.is_visible()]
    assert [t.inner_text() for t in shown] == ["销售部经理"]
    # 市场部销售助理 is also called 销售部经理助理: a longer name, so it comes after
    assert order.index("roles/sales-assistant.html") > 0


@pytestmark_browser
@pytest.mark.parametrize("word, first, also", [
    ("坏账", "roles/market-manager.html", []),
    ("招待费", "policies/entertainment-expenses.html", ["forms/key-client-entertainment.html"]),
    ("回款", None, ["roles/market-manager.html", "roles/regional-manager.html", "roles/marketing-director.html"]),
    ("大区经理", "roles/regional-manager.html", []),
])
def test_words_of_the_text_still_find_their_pages(page, word, first, also):
    order = pages_of(search(page, word))
    if first:
        assert order[0] == first, order
    assert set(also) <= set(order), order


@pytestmark_browser
@pytest.mark.parametrize("words", ["每人", "几个菜", "点菜标准", "每人几个菜"])
def test_the_meal_rule_is_found_by_the_words_staff_ask_it_in(page, tmp_path, words):
    """“How many dishes per person?”: the 招待费 rule's meal standard is the first answer, its own section."""
    results = search(page, words)
    screenshot(page, tmp_path, f"search_meal_{words}.png", full_page=False)
    assert pages_of(results)[0] == "policies/entertainment-expenses.html", results[:3]
    assert page.locator(".md-search-result__item").first.locator(".md-tags").count() == 0  # no "又称" with no name


@pytestmark_browser
def test_results_carry_no_zero_width_spaces(page):
    results = search(page, "招待费")
    assert [title for title, _ in results if ZWSP in title] == []
    shown = page.locator(".md-search-result").text_content()
    assert ZWSP not in shown and "招待费" in shown
    # what a person copies (Material makes results unselectable by dragging, but "copy link text"
    # and screen readers take the DOM text): the title's text, highlight and all, as plain words
    copied = page.evaluate("""() => {
        const range = document.createRange();
        range.selectNodeContents(document.querySelector('.md-search-result__item h1'));
        return range.toString();
    }""")
    assert copied == "公司业务招待费管理规定"
    assert page.locator(".md-search-result__item h1").first.inner_text() == "公司业务招待费管理规定"


@pytestmark_browser
def test_search_on_a_phone(browser, server, tmp_path):
    page = open_page(browser, server + "roles/regional-manager.html", PHONE)
    try:
        results = search(page, "大客户")
        settle(page)
        screenshot(page, tmp_path, "phone_search.png", full_page=False)
        assert pages_of(results)[0] == "roles/key-account-manager.html"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page is {width}px wide: {wider_than_screen(page)}"
    finally:
        page.close()


# Raw answers of the search worker (the highlighted HTML Material puts into the results as it is),
# one fresh worker fed with the built index and each query in turn, as typing sends them.
_ASK_WORKER = """async ([worker, queries]) => {
  const index = await (await fetch('search/search_index.json')).json();
  const w = new Worker(worker);
  const ask = message => new Promise(answer => { w.onmessage = e => answer(e.data); w.postMessage(message); });
  await ask({type: 0, data: {config: index.config, docs: index.docs, options: {suggest: false}}});
  const out = [];
  for (const query of queries) {
    const answer = await ask({type: 2, data: query});
    out.push([query, answer.data.items.flat().map(doc => [doc.location, doc.title])]);
  }
  w.terminate();
  return out;
}"""

TYPED = ["大客户经理", "公司业务招待费管理规定", "大区经理", "大客户招待清单"]


@pytestmark_browser
def test_every_prefix_typed_shows_whole_titles(page, more_roles, server):
    """Material searches on every keyup (大, 大客, 大客户…): each answer's titles are the pages' own,
    highlights as markup, never a broken tag shown as text (大k>客户经理, 公司业务rk>招待费…)."""
    docs = json.loads((more_roles.path / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    real = {doc["location"]: doc["title"].replace(ZWSP, "") for doc in docs}
    prefixes = [word[:n] for word in TYPED for n in range(1, len(word) + 1)]

    worker = next((more_roles.path / "assets" / "javascripts" / "workers").glob("search.*.js"))
    answered = page.evaluate(_ASK_WORKER, [worker.relative_to(more_roles.path).as_posix(), prefixes])
    broken = []
    for query, titles in answered:
        for location, html in titles:
            plain = html.replace(ZWSP, "")
            if plain.replace("<mark>", "").replace("</mark>", "") != real[location] or \
                    plain.count("<mark>") != plain.count("</mark>"):
                broken.append((query, location, html))
    assert broken == []
    assert any(titles for _, titles in answered)

    def check_shown(typed: str) -> list[str]:
        """The titles shown now (possibly still an earlier keystroke's answer): each one whole."""
        shown = page.evaluate("""() => [...document.querySelectorAll('.md-search-result__item > a')].map(
            a => [a.href, a.querySelector('h1, h2').textContent])""")
        for href, title in shown:
            parts = urlsplit(href)
            location = unquote(parts.path).removeprefix(urlsplit(server).path) + (
                "#" + unquote(parts.fragment) if parts.fragment else "")
            assert not any(bit in title for bit in ("<", ">", "mar", "k>", ZWSP)), (typed, title)
            assert title.strip() == real[location], (typed, location, title)
        return [title.strip() for _, title in shown]

    box = page.locator("input[data-md-component=search-query]")
    for word in TYPED:
        box.click()
        box.fill("")
        for n in range(1, len(word) + 1):
            page.keyboard.insert_text(word[n - 1])
            page.keyboard.press("End")  # Material searches on keyup
            page.wait_for_function(
                "() => document.querySelector('.md-search-result__meta')?.textContent.trim() !== ''")
            page.wait_for_timeout(150)
            check_shown(word[:n])
        page.wait_for_function("""w => [...document.querySelectorAll('.md-search-result__item h1, .md-search-result__item h2')]
            .some(h => h.textContent.trim() === w)""", arg=word, timeout=15_000)
        assert word in check_shown(word)
