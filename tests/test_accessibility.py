"""The site as axe-core (Deque's accessibility checker, vendored from npm by scripts/setup.sh) finds it in a
real Chromium: every generated page at 1280 and 390 px, the theme's search and phone menu open, with no
serious or critical violation. Then the other way round: each fix undone in the page, axe-core reports it
again, so these tests would notice a regression.

One browser for the module (the session's), one tab per screen size that visits every page: a page is
audited once it has loaded and the theme and handbook.js have set up its tables and scroll boxes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browsing import CHROMIUM, DESKTOP, PHONE, SHOTS, search, serve, settle
from conftest import REPO

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")

AXE = REPO / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}
FAILING = ("serious", "critical")
# Material has wrapped every plain table in its scroll box, and handbook.js (queued behind it) has run.
READY = "() => [...document.querySelectorAll('.md-typeset table:not([class])')]" \
        ".every(t => t.closest('.md-typeset__scrollwrap'))"
AUDIT = """async (rules) => (await axe.run(document, {resultTypes: ['violations'], ...(rules ? {runOnly: rules} : {})}))
    .violations.map(v => ({rule: v.id, impact: v.impact, where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
COLOURS = ["color-contrast", "link-in-text-block"]  # the rules a brand colour can fail


@pytest.fixture(scope="module")
def server(built_site):
    with serve(built_site.path) as url:
        yield url


@pytest.fixture(scope="module")
def tabs(browser):
    """One tab per screen size, with axe-core loaded into every page it opens."""
    assert AXE.is_file(), f"{AXE.relative_to(REPO)} is missing: run `make setup` (scripts/setup.sh fetches it from npm)"
    contexts = {}
    for name, viewport in WIDTHS.items():
        contexts[name] = browser.new_context(viewport=viewport, locale="zh-CN")
        contexts[name].add_init_script(path=str(AXE))
    yield {name: context.new_page() for name, context in contexts.items()}
    for context in contexts.values():
        context.close()


def visit(tab, url: str):
    tab.goto(url, wait_until="load")
    tab.wait_for_function(READY)
    tab.evaluate("() => new Promise(done => setTimeout(done, 0))")
    return tab


def failing(tab, rules: list[str] | None = None) -> list[str]:
    return [f"{v['rule']} ({v['impact']}): {', '.join(v['where'])}" for v in tab.evaluate(AUDIT, rules)
            if v["impact"] in FAILING]


def site_pages(site) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if "assets" not in p.parts)


# Each fix undone in the page, and the rule axe-core then reports: (page, width, script, rule).
UNDONE = [
    ("roles/planning-manager.html", "desktop",
     "document.querySelector('.md-search').removeAttribute('aria-label')", "aria-dialog-name"),
    ("index.html", "desktop",
     "document.head.insertAdjacentHTML('beforeend', '<style>.md-typeset a { text-decoration: none !important }</style>')",
     "link-in-text-block"),
    ("org-chart.html", "desktop",
     "document.head.insertAdjacentHTML('beforeend', '<style>.org-node small { opacity: .75 !important }</style>')",
     "color-contrast"),
    ("maintenance.html", "phone",
     "document.querySelectorAll('.handbook-overflows').forEach(box => box.removeAttribute('tabindex'))",
     "scrollable-region-focusable"),
]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_passes_axe_core_and_reports_each_fix_undone(built_site, server, tabs, width):
    """Every page passes; on the pages of UNDONE, each fix is then undone in the page just audited, and
    axe-core must report its rule (on the same visit: a page load and an audit fewer per fix)."""
    pages = site_pages(built_site.path)
    assert {"index.html", "org-chart.html", "downloads.html", "roles/planning-manager.html"} <= set(pages)
    undone = {page: (undo, rule) for page, at, undo, rule in UNDONE if at == width}
    assert set(undone) <= set(pages)
    found, unreported = {}, []
    for name in pages:
        tab = visit(tabs[width], server + name)
        problems = failing(tab)
        if problems:
            found[name] = problems
        elif name in undone:
            undo, rule = undone[name]
            tab.evaluate(f"() => {{ {undo}; }}")
            if not any(problem.startswith(rule + " ") for problem in failing(tab)):
                unreported.append(f"{name}: {rule}")
    assert found == {}
    assert unreported == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_theme_s_search_results_and_phone_menu_pass_axe_core(server, tabs, width):
    tab = visit(tabs[width], server + "roles/market-manager.html")
    assert search(tab, "回款")  # results listed, words found marked
    settle(tab)
    assert failing(tab) == []
    if width == "phone":
        visit(tab, server + "roles/market-manager.html")
        tab.locator("label.md-header__button[for=__drawer]").click()
        settle(tab)
        assert failing(tab) == []


def test_a_light_brand_colour_passes_axe_core_too(branded_png, tabs):
    """A light yellow brand (tests/roots/branded-png): the header keeps the yellow, every text on white takes
    the colour darkened to 4.5:1 (content/brand.py) — the KPI tags too, on white rather than a tint of it.
    The header with its logo is alike on every page: audited in full on the home page, the colours on all."""
    site = branded_png.path
    with serve(site) as url:
        found = {name: problems for name in site_pages(site)
                 if (problems := failing(visit(tabs["desktop"], url + name), None if name == "index.html" else COLOURS))}
    assert found == {}


def test_a_table_that_scrolls_on_a_phone_takes_the_keyboard_with_a_visible_ring(server, tabs):
    """The 维护指南's numbering table is wider than a phone: Tab reaches it, the arrow keys scroll it, and it
    shows a solid ring while focused (not the theme's fade over its edge)."""
    tab = visit(tabs["phone"], server + "maintenance.html")
    box = tab.locator(".md-typeset__scrollwrap.handbook-overflows").first
    box.scroll_into_view_if_needed()
    box.focus()
    tab.keyboard.press("Shift+Tab")  # away and back by keyboard, as a person would arrive
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.matches('.handbook-overflows:focus-visible')")
    ring = tab.evaluate("(s => [s.outlineStyle, parseFloat(s.outlineWidth), s.maskImage])"
                        "(getComputedStyle(document.activeElement))")
    assert ring[0] == "solid" and ring[1] >= 1 and ring[2] == "none"
    tab.keyboard.press("ArrowRight")
    tab.wait_for_function("document.activeElement.scrollLeft > 0")
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / "a11y_phone_table_focused.png"))
    # a box that fits its column is no stop for the Tab key
    visit(tabs["desktop"], server + "maintenance.html")
    assert tabs["desktop"].evaluate("document.querySelectorAll('.md-typeset__scrollwrap[tabindex]').length") == 0


def test_the_search_dialog_override_is_the_theme_s_partial_plus_its_name():
    """site_overrides/partials/search.html copies Material's partial to name the dialog: anything else that
    differs means Material changed it, and the copy must be taken again."""
    from material import templates

    theme = (Path(templates.__path__[0]) / "partials" / "search.html").read_text(encoding="utf-8")
    ours = (REPO / "site_overrides" / "partials" / "search.html").read_text(encoding="utf-8")
    strip = re.compile(r"\{#-.*?-#\}\n", re.S)  # the files' leading comments
    named = '<div class="md-search" data-md-component="search" role="dialog" aria-label="{{ lang.t(\'search\') }}">'
    assert named in ours
    assert strip.sub("", ours).replace(named, '<div class="md-search" data-md-component="search" role="dialog">') \
        == strip.sub("", theme)
