"""Helpers for the browser tests of phones, printing and search (Playwright + Debian chromium).

A built site is served over HTTP on a free port; pages are opened in a real chromium with the
screen size of a phone or a desktop. Screenshots go to the test's tmp dir and to /tmp/shots for
a person to look at.
"""

from __future__ import annotations

import functools
import io
import shutil
import threading
import unicodedata
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
SHOTS = Path("/tmp/shots")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


MORE_ROLES = [("key-account-manager", "大客户经理", "YXZX-SC-09"), ("east-manager", "华东区域经理", "YXZX-SC-11"),
              ("south-manager", "华南区域经理", "YXZX-SC-12"), ("north-manager", "华北区域经理", "YXZX-SC-13")]


def more_roles_root(tmp: Path) -> Path:
    """The bundled content plus four copies of 大区经理 under 市场部经理, among them 大客户经理."""
    from helpers import copy_bundled_content

    root = copy_bundled_content(tmp)
    source = (root / "roles" / "regional-manager.yml").read_text(encoding="utf-8")
    for role_id, title, number in MORE_ROLES:
        text = (source.replace("id: regional-manager", f"id: {role_id}", 1)
                .replace("title: 大区经理", f"title: {title}", 1)
                .replace("number: YXZX-SC-02", f"number: {number}", 1))
        (root / "roles" / f"{role_id}.yml").write_text(text, encoding="utf-8")
    return root


def preview_build(root: Path, site_dir: Path) -> None:
    """A build as `handbook serve` makes it (dirty builds), in this process, then stopped: the builds after
    it (MkDocs keeps the search plugin's instance for the whole process) must not inherit its index."""
    from test_incremental_preview import Serving

    serving = Serving(root, site_dir, site_dir.parent / "cache")
    try:
        serving.build(first=True)
    finally:
        serving.close()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """``directory`` on http://127.0.0.1:<free port>/ for as long as the block runs."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, url: str, viewport: dict = DESKTOP):
    """A new tab showing ``url`` with its scripts run; close it with ``page.close()``.

    Tabs of one screen size share a browser context, as a person's browser does: its HTTP cache and
    compiled scripts make a page ~1.3 s of CPU cheaper than a fresh context each time. Nothing else
    carries over: every page starts with empty local storage (session storage is per tab anyway).
    """
    contexts = browser.__dict__.setdefault("_contexts_by_screen", {})
    key = (viewport["width"], viewport["height"])
    if key not in contexts:
        contexts[key] = browser.new_context(viewport=viewport, locale="zh-CN")
        contexts[key].add_init_script("try { localStorage.clear(); } catch (e) {}")
    page = contexts[key].new_page()
    page.goto(url)  # the load event: the page's scripts have run and its styles are applied
    page.evaluate("document.fonts.ready.then(() => true)")  # text measured in the fonts it is drawn in
    return page


def screenshot(page, tmp_path: Path, name: str, full_page: bool = True) -> Path:
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=full_page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, SHOTS / name)
    return shot


# (first heading's text, href) of each search result, read in one go
RESULTS = """() => [...document.querySelectorAll('.md-search-result__item > a')].map(link =>
    [(link.querySelector('h1, h2')?.textContent ?? '').trim(), link.getAttribute('href') || ''])"""


def search(page, word: str) -> list[tuple[str, str]]:
    """Type ``word`` into Material's search box; (title as shown, href) of each result, best first.

    The titles are returned as the page shows them, U+200B included if any is there.
    """
    toggle = page.locator("label.md-header__button[for=__search]")
    if toggle.is_visible():
        toggle.click()  # on a phone the box opens from the header's search icon
    box = page.locator("input[data-md-component=search-query]")
    box.click()
    # The box emptied and the list with it first, then the whole word at once (Material searches on keyup):
    # typed character by character, each prefix (大, 大客, 大客户) started a search of its own, and under load
    # an earlier prefix's results could stand long enough to be read as the word's.
    box.fill("")
    page.keyboard.press("End")
    page.wait_for_function("() => !document.querySelector('.md-search-result__item')", timeout=15_000)
    box.fill(word)
    page.keyboard.press("End")
    page.wait_for_selector(".md-search-result__item", timeout=15_000)
    page.wait_for_function(
        "w => document.querySelector('.md-search-result__meta')?.textContent.trim() !== ''", arg=word)
    # the list is drawn in parts as it scrolls in: read it until two readings a moment apart agree
    results, previous = None, []
    for _ in range(20):
        page.wait_for_timeout(150)
        results = [tuple(result) for result in page.evaluate(RESULTS)]
        if results == previous:
            break
        previous = results
    return results


def settle(page) -> None:
    """Wait until no CSS transition or animation is running (Material slides its search in on phones):
    a layout measured halfway through one is a layout no user looks at."""
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')",
                           timeout=5_000)


def wider_than_screen(page) -> list[str]:
    """The elements reaching past the right or left edge of the screen outside any scroll box of their own,
    as 'TAG.class text…': what makes a page scroll sideways, named in the failure."""
    return page.evaluate("""() => [...document.body.querySelectorAll('*')].filter(el => {
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0 || (box.left >= -1 && box.right <= innerWidth + 1)) return false;
        for (let p = el.parentElement; p; p = p.parentElement)
          if (/(auto|scroll|hidden|clip)/.test(getComputedStyle(p).overflowX)) return false;
        return true;
      }).map(el => el.tagName + '.' + [...el.classList].join('.') + ' ' + el.textContent.trim().slice(0, 20))""")


def printed_text(page) -> str:
    """The page printed to an A4 PDF (print media), as text.

    Chromium's PDF maps some ideographs to the look-alike Kangxi radicals (⼤ for 大) in the
    text layer; those are folded back, nothing else (full-width punctuation stays).
    """
    from pypdf import PdfReader

    page.emulate_media(media="print")
    data = page.pdf(format="A4", print_background=True)
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(p.extract_text() for p in reader.pages)
    return unradical(text)


def unradical(text: str) -> str:
    """Radicals (U+2E80–U+2FDF) replaced by the ideograph that the CJK font draws with the same glyph."""
    table = _radicals()
    return "".join(table.get(ch) or (unicodedata.normalize("NFKC", ch) if 0x2E80 <= ord(ch) <= 0x2FDF else ch)
                   for ch in text)


@functools.lru_cache(maxsize=1)
def _radicals() -> dict[str, str]:
    """From the font chromium prints with (fontconfig's Noto Sans CJK SC): radical → ideograph.

    NFKC alone is not enough: it maps ⼾ to 戶 (not 户) and leaves ⻔ (门) as it is.
    """
    import subprocess
    from collections import defaultdict

    from fontTools.ttLib import TTFont

    try:
        found = subprocess.run(["fc-match", "-f", "%{file}:%{index}", "Noto Sans CJK SC"],
                               capture_output=True, text=True, check=True).stdout
        path, _, index = found.rpartition(":")
        font = TTFont(path, fontNumber=int(index or 0), lazy=True)
    except (OSError, ValueError, subprocess.CalledProcessError):
        return {}
    cmap = font.getBestCmap()
    by_glyph: dict[str, list[int]] = defaultdict(list)
    for code, glyph in cmap.items():
        by_glyph[glyph].append(code)
    table = {}
    for code, glyph in cmap.items():
        if 0x2E80 <= code <= 0x2FDF:
            ideographs = [c for c in by_glyph[glyph] if 0x4E00 <= c <= 0x9FFF]
            if ideographs:
                table[chr(code)] = chr(ideographs[0])
    return table
