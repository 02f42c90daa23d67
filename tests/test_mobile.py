"""The site on a phone (390 × 844) and on a tablet, in a real browser.

A salesperson on a phone must read a role page without the page scrolling sideways: the role's
facts and its KPIs are stacked as label/value cards, and the org chart is reachable end to end.
"""

from __future__ import annotations

import pytest
from browsing import CHROMIUM, PHONE, open_page, screenshot, serve

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")

PAGES = ["index", "roles/market-manager", "roles/planning-manager", "policies/entertainment-expenses",
         "guides/reception", "forms/key-client-entertainment", "forms/visit-report", "forms/index",
         "org-chart", "downloads"]


@pytest.fixture(scope="module")
def server(built_site):
    with serve(built_site.path) as url:
        yield url


@pytest.fixture(scope="module")
def phone(browser, server):
    """Open a page on a phone (390 px unless ``width`` says otherwise): each page is loaded once per width
    for all the tests below that look at it (a load costs ~1 s of CPU); none of them changes the page's
    content, and a page scrolled by one test measures the same for the next."""
    pages = {}

    def open_(name: str, width: int = PHONE["width"]):
        if (name, width) not in pages:
            screen = {"width": width, "height": PHONE["height"]}
            pages[name, width] = open_page(browser, f"{server}{name}.html", screen)
        return pages[name, width]

    yield open_
    for page in pages.values():
        page.close()


@pytest.mark.parametrize("name", PAGES)
def test_no_page_scrolls_sideways_on_a_phone(phone, tmp_path, name):
    page = phone(name)
    screenshot(page, tmp_path, "phone_" + name.replace("/", "_") + ".png")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width}px wide on a 390px screen"
    # nothing in the article sticks out of the screen unless it sits in its own scroll box
    stray = page.evaluate("""() => [...document.querySelectorAll('.md-content *')].filter(el => {
        const box = el.getBoundingClientRect();
        if (box.width === 0 || (box.left >= 0 && box.right <= innerWidth + 1)) return false;
        for (let p = el.parentElement; p; p = p.parentElement)
          if (/(auto|scroll)/.test(getComputedStyle(p).overflowX)) return false;
        return true;
      }).map(el => el.tagName + ' ' + el.textContent.trim().slice(0, 20))""")
    assert stray == []


_SPLIT_DATES = """() => {
    const walker = document.createTreeWalker(document.querySelector('.md-content'), NodeFilter.SHOW_TEXT);
    const split = [];
    for (let node; (node = walker.nextNode());) {
      for (const m of node.data.matchAll(/\\d{4}-\\d{2}-\\d{2}/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.bottom)));
        if (lines.size > 1) split.push(m[0] + ' in ' + node.parentElement.closest('p, td, th, li, h1, h2, h3').textContent.trim().slice(0, 40));
      }
    }
    return split;
}"""


@pytest.mark.parametrize("width", [390, 320])
@pytest.mark.parametrize("name", ["roles/market-manager", "roles/regional-manager", "policies/entertainment-expenses",
                                  "forms/visit-report", "changes"])
def test_no_date_breaks_across_lines_on_a_phone(phone, tmp_path, name, width):
    """2026-12-01 is read whole: a narrow column never breaks it after a hyphen (2026-12-/01)."""
    page = phone(name, width)
    screenshot(page, tmp_path, f"phone{width}_dates_{name.replace('/', '_')}.png")
    assert page.evaluate(_SPLIT_DATES) == []
    assert page.evaluate(r"document.querySelector('.md-content').innerText.match(/\d{4}-\d{2}-\d{2}/)"), name


def _cells_outside(page, selector: str) -> list[str]:
    """Text of the non-empty cells under ``selector`` that are not wholly on the screen."""
    return page.evaluate("""sel => [...document.querySelectorAll(sel)]
        .filter(c => c.textContent.trim() && getComputedStyle(c).display !== 'none')
        .filter(c => { const b = c.getBoundingClientRect(); return b.left < 0 || b.right > innerWidth + 1; })
        .map(c => c.textContent.trim())""", selector)


def test_role_facts_are_stacked_and_every_cell_is_on_screen(phone, tmp_path):
    page = phone("roles/market-manager")
    facts = page.locator(".facts")
    facts.scroll_into_view_if_needed()
    screenshot(page, tmp_path, "phone_facts.png", full_page=False)
    assert _cells_outside(page, ".facts th, .facts td") == []
    number = page.locator(".facts :is(th, td)", has_text="YXZX-SC-01")
    label = page.locator(".facts :is(th, td)", has_text="岗位编号")
    assert number.is_visible() and label.is_visible()
    # label and value side by side on one line, the value to the label's right
    lb, nb = label.bounding_box(), number.bounding_box()
    assert abs(lb["y"] - nb["y"]) < 2 and nb["x"] > lb["x"]
    assert nb["x"] + nb["width"] <= PHONE["width"]
    # a rule above every pair but the first, the first row of the table's body included (所属部门 under 岗位编号)
    rules = page.evaluate("""() => [...document.querySelectorAll('.facts tr > :nth-child(odd)')]
        .filter(cell => cell.offsetParent && cell.textContent.trim())
        .map(cell => [cell.textContent.trim(), getComputedStyle(cell).borderTopWidth])""")
    assert rules[0][1] == "0px" and [label for label, width in rules[1:] if width == "0px"] == [], rules


def test_on_a_wide_screen_the_facts_last_row_shows_no_empty_boxes(phone, tmp_path):
    """Seven facts in four columns: the empty pair after 生效日期 is drawn as nothing, not as two blank boxes."""
    page = phone("roles/market-manager", 1280)
    cells = page.evaluate("""() => [...document.querySelectorAll('.facts :is(th, td)')].map(cell => {
        const style = getComputedStyle(cell);
        return [cell.textContent.trim(), style.borderTopWidth, style.borderRightWidth, style.backgroundColor]; })""")
    empty = [cell for cell in cells if not cell[0]]
    assert len(empty) == 2 and all(cell[1:] == ["0px", "0px", "rgba(0, 0, 0, 0)"] for cell in empty), cells
    assert all(cell[1] == "1px" for cell in cells if cell[0]), cells  # every fact keeps its box
    screenshot(page, tmp_path, "desktop_facts.png", full_page=False)


def test_kpis_are_cards_with_every_value_labelled(phone, tmp_path):
    page = phone("roles/market-manager")
    page.locator(".kpi-table").scroll_into_view_if_needed()
    screenshot(page, tmp_path, "phone_kpis.png", full_page=False)
    assert _cells_outside(page, ".kpi-table td") == []
    columns = page.evaluate("[...document.querySelectorAll('.kpi-table thead th')].map(th => th.textContent.trim())")
    assert "权重" in columns and len(columns) == 7
    rows = page.evaluate("""() => [...document.querySelectorAll('.kpi-table tbody tr')].map(tr =>
        [...tr.children].map(td => [getComputedStyle(td, '::before').content, td.textContent.trim()]))""")
    assert len(rows) == 6
    for row in rows:
        # the indicator's name heads the card; every other value shows its column's name
        assert row[0][0] in ("none", "normal")
        assert [label.strip('"') for label, _ in row[1:]] == columns[1:]
    weight = page.locator(".kpi-table td", has_text="30%").first
    assert weight.is_visible()
    # one card per KPI: the rows stack, they do not sit side by side
    boxes = [page.locator(".kpi-table tbody tr").nth(i).bounding_box() for i in range(2)]
    assert boxes[1]["y"] >= boxes[0]["y"] + boxes[0]["height"] - 1


def test_revision_history_is_cards_too(phone, tmp_path):
    page = phone("roles/market-manager")
    if not page.locator(".revisions").count():
        pytest.skip("no 修订记录 on this build (content outside git)")
    page.locator(".revisions").scroll_into_view_if_needed()
    screenshot(page, tmp_path, "phone_revisions.png", full_page=False)
    assert _cells_outside(page, ".revisions td") == []
    labels = page.evaluate("""[...document.querySelectorAll('.revisions tbody tr:first-child td')]
        .map(td => getComputedStyle(td, '::before').content.replaceAll('"', ''))""")
    assert labels == ["版本", "日期", "修订内容", "修订人"]


def test_org_chart_fits_a_phone(phone, tmp_path):
    page = phone("org-chart")
    screenshot(page, tmp_path, "phone_org_chart.png")
    page.evaluate("document.querySelector('.org-chart').scrollLeft = 0")
    boxes = page.evaluate("""[...document.querySelectorAll('.org-chart .org-node')].map(n => {
        const b = n.getBoundingClientRect(); return [n.textContent.trim(), b.left, b.right]; })""")
    assert len(boxes) == 6  # 总经理 and the five roles
    assert [name for name, left, right in boxes if left < 0 or right > PHONE["width"]] == []
    assert any(name.startswith("营销策划经理") for name, _, _ in boxes)


@pytest.fixture(scope="module")
def wide_org(more_roles_sites):
    """The bundled content with four more roles under 市场部经理: a chart wider than a tablet (the build
    test_search searches, shared through conftest)."""
    built = more_roles_sites[1]
    assert built.warnings == []
    return built


@pytest.mark.parametrize("viewport", [{"width": 768, "height": 1024}, {"width": 1280, "height": 900}])
def test_wide_org_chart_scrolls_from_its_left_edge(browser, wide_org, tmp_path, viewport):
    with serve(wide_org.path) as url:
        page = open_page(browser, url + "org-chart.html", viewport)
        try:
            screenshot(page, tmp_path, f"org_chart_{viewport['width']}.png")
            chart = page.locator(".org-chart")
            sizes = page.evaluate("(() => { const c = document.querySelector('.org-chart');"
                                  " return [c.scrollWidth, c.clientWidth]; })()")
            assert sizes[0] > sizes[1], "the test needs a chart wider than its column"
            assert page.locator(".scroll-hint").first.is_visible()  # 左右滑动查看
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

            def nodes():
                return page.evaluate("""[...document.querySelectorAll('.org-chart .org-node')].map(n => {
                    const b = n.getBoundingClientRect(); return [n.textContent.trim(), b.left, b.right]; })""")

            left = chart.bounding_box()["x"]
            right = left + sizes[1]
            page.evaluate("document.querySelector('.org-chart').scrollLeft = 0")
            assert [n for n, x, _ in nodes() if x < left - 0.5] == []
            page.evaluate("(() => { const c = document.querySelector('.org-chart'); c.scrollLeft = c.scrollWidth; })()")
            assert [n for n, _, r in nodes() if r > right + 0.5] == []
            assert len(nodes()) == 10
        finally:
            page.close()
