"""The built site in a real browser (Debian chromium via Playwright): search, looks, offline.

Every request the page makes is recorded; anything that is not the local test
server (or file:// for the offline bundle) fails the test.
"""

from __future__ import annotations

import shutil
import zipfile
from urllib.parse import urlsplit

import pytest
from browsing import CHROMIUM, SHOTS, search, serve

pytest.importorskip("playwright.sync_api")

LOCAL_SCHEMES = {"data", "blob", "about"}
# Words of Material's English interface that must not show on a Chinese site.
ENGLISH_UI = ["Search", "Table of contents", "Previous", "Next", "Made with", "Back to top", "Initializing",
              "Type to start searching", "Skip to content"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def server(built_site):
    with serve(built_site.path) as url:
        yield url


class Requests:
    """Every URL a page asked for, and the ones that left the machine."""

    def __init__(self, allowed_host: str | None):
        self.allowed_host = allowed_host
        self.urls: list[str] = []

    def __call__(self, request) -> None:
        self.urls.append(request.url)

    @property
    def foreign(self) -> list[str]:
        out = []
        for url in self.urls:
            parts = urlsplit(url)
            if parts.scheme in LOCAL_SCHEMES:
                continue
            if parts.scheme == "file" and self.allowed_host is None:
                continue
            if parts.scheme in ("http", "https") and parts.netloc == self.allowed_host:
                continue
            out.append(url)
        return out


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    requests = Requests(urlsplit(server).netloc)
    page.on("request", requests)
    page.requests = requests
    yield page
    context.close()
    assert requests.foreign == [], f"requests left the machine: {requests.foreign}"


def test_search_bad_debt_finds_market_manager(page, server):
    page.goto(server + "index.html")
    results = search(page, "坏账")
    assert any("roles/market-manager.html" in href for _, href in results), results
    assert "市场部经理" in [title for title, _ in results]


def test_search_entertainment_expenses_finds_policy(page, server):
    page.goto(server + "roles/market-manager.html")
    results = search(page, "招待费")
    assert any("policies/entertainment-expenses.html" in href for _, href in results), results
    assert "公司业务招待费管理规定" in [title for title, _ in results]


@pytest.mark.parametrize("name", ["index", "roles/market-manager"])
def test_screenshots_and_chinese_interface(page, server, tmp_path, name):
    page.goto(server + f"{name}.html")
    page.wait_for_load_state("networkidle")
    file_name = name.replace("/", "_") + ".png"
    page.screenshot(path=str(tmp_path / file_name), full_page=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tmp_path / file_name, SHOTS / file_name)

    visible = page.locator("body").inner_text()
    assert [w for w in ENGLISH_UI if w in visible] == []
    assert page.locator("input[data-md-component=search-query]").get_attribute("placeholder") == "搜索"
    # The text face is a CJK one, from the system: no web font was requested.
    family = page.evaluate("getComputedStyle(document.querySelector('.md-typeset')).fontFamily")
    assert "Noto Sans CJK SC" in family
    assert not [u for u in page.requests.urls if u.endswith((".woff", ".woff2", ".ttf"))]


def test_role_page_tables_fit(page, server):
    page.goto(server + "roles/market-manager.html")
    width = page.evaluate("document.querySelector('.md-content__inner').clientWidth")
    kpi = page.evaluate("document.querySelector('.kpi-table table').scrollWidth")
    assert kpi <= width + 1, f"KPI table {kpi}px is wider than the content {width}px"
    assert page.locator("[data-handbook-print]").is_visible()


def test_offline_zip_searches_from_file_url(browser, built_site, tmp_path):
    target = tmp_path / "offline"
    with zipfile.ZipFile(built_site.path / "downloads" / "handbook-offline.zip") as archive:
        archive.extractall(target)
    target = target / "营销中心员工手册-离线版"  # the site unpacks into one folder
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests = Requests(None)
    page.on("request", requests)
    try:
        page.goto((target / "index.html").as_uri())
        results = search(page, "招待费")
        assert any("policies/entertainment-expenses.html" in href for _, href in results), results
        page.goto((target / "roles" / "market-manager.html").as_uri())
        assert page.locator("h1").first.inner_text().strip().startswith("市场部经理")
    finally:
        context.close()
    assert requests.foreign == [], f"the offline site asked the network for {requests.foreign}"
    assert any(u.startswith("file:") and u.endswith("iframe-worker-shim.js") for u in requests.urls)
