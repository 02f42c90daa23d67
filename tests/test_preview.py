"""`handbook serve` as HR uses it: a real server process, real files broken and fixed.

While a content file is broken every page answers at once with an error page that lists
the `path:line` problems; once fixed, the real page is back; a busy port is one line.
The browser test checks that the error page reloads itself (MkDocs' live-reload poll).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browsing import CHROMIUM
from helpers import MINIMAL, REPO

from generator.content.errors import ContentError, Problem
from generator.site import preview


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# A request may wait for a rebuild that is under way (as MkDocs does); it must never wait for the content to be
# fixed. The limit is generous because the machine may be busy: speed is measured in benchmarks/preview.py.
HANG = 30.0


def get(url: str, timeout: float = 10) -> tuple[int, str, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8"), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8"), time.monotonic() - started


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


class Server:
    def __init__(self, root: Path, log: Path, env: dict | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "generator.cli", "serve", "--root", str(root), "--dev-addr",
             f"127.0.0.1:{self.port}"], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
            stdout=self._log, stderr=subprocess.STDOUT)
        self.log = log

    def wait_until(self, predicate, path: str = "", timeout: float = 60) -> tuple[int, str]:
        """Ask for `path` until predicate(status, body) holds; every single answer must come within HANG seconds."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text(errors="replace")
            try:
                status, body, took = get(self.url + path, timeout=HANG + 5)
            except urllib.error.URLError as error:  # not listening yet; a timeout is not caught here
                assert isinstance(error.reason, ConnectionRefusedError), error
                time.sleep(0.2)
                continue
            assert took < HANG, f"a page request took {took:.1f} s: the server must never hang"
            last = (status, body)
            if predicate(status, body):
                return status, body
            time.sleep(0.2)
        raise AssertionError(f"gave up waiting; last answer {last and last[0]}: {last and last[1][:300]}\n"
                             + self.log.read_text(errors="replace"))

    def stop(self, how: signal.Signals = signal.SIGINT) -> None:
        self.process.send_signal(how)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture
def root(tmp_path) -> Path:
    shutil.copytree(MINIMAL, tmp_path / "R")
    return tmp_path / "R"


@pytest.fixture
def server(root, tmp_path):
    running = Server(root, tmp_path / "serve.log")
    yield running
    running.stop()


def is_real_page(status: int, body: str) -> bool:
    return status == 200 and 'class="md-header' in body


def is_error_page(status: int, body: str) -> bool:
    return status == 500 and "内容有错误，请修改后保存" in body


def break_role(root: Path) -> str:
    role = root / "roles" / "worker.yml"
    original = role.read_text(encoding="utf-8")
    role.write_text(original.replace("title: ", "<script>alert(1)</script>: x\ntitle: ", 1), encoding="utf-8")
    return original


def test_broken_content_gives_an_error_page_at_once_and_the_real_page_after_the_fix(root, server):
    server.wait_until(is_real_page, timeout=120)
    original = break_role(root)
    status, page = server.wait_until(is_error_page, timeout=20)
    words = text_of(page)
    assert "roles/worker.yml:2: 未知的键 '<script>alert(1)</script>'" in words
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page, "escaped"
    assert "Content has errors" in words and 'lang="zh-CN"' in page
    assert "/livereload/" in page, "the error page reloads itself"
    # every page (and any address) shows the problems, not a stale page or a spinner
    for path in ("roles/worker.html", "roles/", "no-such-page.html"):
        status, other, took = get(server.url + path)
        assert status == 500 and "roles/worker.yml:2:" in text_of(other) and took < HANG
    # assets still load (the error page is self-contained, but open pages keep their CSS)
    status, css, _ = get(server.url + "assets/stylesheets/handbook.css")
    assert status == 200 and "--md-text-font" in css
    (root / "roles" / "worker.yml").write_text(original, encoding="utf-8")
    status, page = server.wait_until(is_real_page, timeout=60)
    assert "内容有错误" not in page


def test_content_broken_from_the_start_is_shown_too_and_kill_cleans_up(root, tmp_path):
    break_role(root)
    temp = tmp_path / "temp"
    temp.mkdir()
    running = Server(root, tmp_path / "serve.log", env={"TMPDIR": str(temp)})
    try:
        status, page = running.wait_until(is_error_page, timeout=60)
        assert "roles/worker.yml:2:" in text_of(page)
        assert [p.name for p in temp.iterdir() if p.name.startswith("handbook-preview-")], "the preview's folder"
    finally:
        running.stop(signal.SIGTERM)
    assert running.process.returncode == 0, "SIGTERM stops the preview like Ctrl-C"
    assert not [p for p in temp.iterdir() if p.name.startswith("handbook-preview-")], "its temporary site is removed"
    assert "Traceback" not in running.log.read_text(errors="replace")


def test_a_busy_port_is_one_line_suggesting_another(root):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        started = time.monotonic()
        run = subprocess.run([sys.executable, "-m", "generator.cli", "serve", "--root", str(root), "--dev-addr",
                              f"127.0.0.1:{port}"], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                             capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0] == f"内容文件夹：{root}（--root 指定）", run.stderr
    assert re.fullmatch(rf"错误：127\.0\.0\.1:{port} 已被占用（可能预览已经在运行）— 换一个端口：handbook serve "
                        r"--dev-addr 127\.0\.0\.1:\d+", lines[1]), lines[1]
    assert time.monotonic() - started < 20, "reported before any build"


def test_the_server_answers_during_a_build_and_after_a_failure(tmp_path):
    """In process, with the build under the test's control: never a request that waits for a build."""
    (tmp_path / "index.html").write_text("<html><body>the real page</body></html>", encoding="utf-8")
    (tmp_path / "style.css").write_text("body{}", encoding="utf-8")
    server = preview.PreviewServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    server.bind()
    port = server.server_address[1]
    server.url = f"http://127.0.0.1:{port}/"
    try:
        server.start_answering()  # a first build is running
        status, page, took = get(server.url)
        assert status == 503 and "正在生成预览" in page and "/livereload/" in page
        assert took < preview.PAGE_WAIT + HANG
        server.build_done(preview.Failure(problems=(Problem("roles/a.yml", 7, "bad <value>", "fix it"),)))
        status, page, took = get(server.url + "any/page.html")
        assert status == 500 and "roles/a.yml:7:" in page and "bad &lt;value&gt;" in page and took < HANG
        assert get(server.url + "style.css")[:2] == (200, "body{}"), "assets are served while content is broken"
        server.build_done(None)
        status, page, took = get(server.url)
        assert status == 200 and "the real page" in page and took < HANG
    finally:
        server.shutdown()


def test_a_draft_with_problems_gets_them_on_its_page_and_blocks_no_other_page(tmp_path):
    """In process: the build succeeded and held a draft back; its page lists the problems (escaped), every other
    page is the real one, with a notice naming the draft and linking to its page."""
    (tmp_path / "index.html").write_text("<html><body>the real page</body></html>", encoding="utf-8")
    server = preview.PreviewServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    server.bind()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/"
    held = Problem("roles/da-ke-hu-jing-li.yml", 23, "岗位目的（purpose）是空的 <b>", "请填写", "draft")
    server.watch(str(tmp_path))  # as serve does: pages of a watched site get the live-reload script (and the notice)
    try:
        server.start_answering()
        server.build_done(None, [held])
        status, page, _ = get(server.url + "roles/da-ke-hu-jing-li.html")
        assert status == 200 and "这个草稿还有问题，改好后才显示" in page and "/livereload/" in page
        assert "roles/da-ke-hu-jing-li.yml:23:" in text_of(page) and "是空的 &lt;b&gt;" in page
        status, page, _ = get(server.url)
        assert status == 200 and "the real page" in page
        notice = page[page.index("<aside"):page.index("</aside>")]
        assert "草稿有问题，暂不显示" in notice and 'href="/roles/da-ke-hu-jing-li.html"' in notice
        assert page.index("</aside>") < page.index("</body>")
        server.build_done(None)  # fixed: the notice is gone
        assert "<aside" not in get(server.url)[1]
    finally:
        server.shutdown()


def test_a_new_role_while_serving_leaves_every_other_page_as_it_was(root, server):
    """`handbook new role` while the preview runs: the unfinished draft's page says what to fill in, the others
    stay the handbook."""
    server.wait_until(is_real_page, timeout=120)
    made = subprocess.run([sys.executable, "-m", "generator.cli", "new", "role", "--root", str(root), "--title", "客服专员",
                           "--department", "销售部", "--reports-to", "销售总监"], cwd=REPO, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    status, page = server.wait_until(lambda s, b: "这个草稿还有问题" in b, "roles/ke-fu-zhuan-yuan.html", timeout=30)
    assert status == 200 and "roles/ke-fu-zhuan-yuan.yml:" in text_of(page) and "岗位目的（purpose）是空的" in page
    status, page = server.wait_until(is_real_page, "roles/worker.html", timeout=10)
    assert "草稿有问题，暂不显示" in page and "roles/ke-fu-zhuan-yuan.yml" in text_of(page)


def test_error_page_escapes_everything_and_lists_other_failures():
    nasty = Problem("roles/<b>.yml", 3, "unknown key '<img src=x onerror=alert(1)>'", "did you mean \"a&b\"?")
    page = preview.render_status("errors", preview.Failure(problems=(nasty,)), title="R&D <手册>").decode()
    assert "<img" not in page and "<b>.yml" not in page and "R&D <手册>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "R&amp;D &lt;手册&gt;" in page
    error = preview.failure_from(RuntimeError("boom"), ["mkdocs.yml: bad <theme>"])
    assert error.lines == ("mkdocs.yml: bad <theme>",)
    assert "mkdocs.yml: bad &lt;theme&gt;" in preview.render_status("errors", error).decode()


def test_content_problems_are_found_inside_mkdocs_wrapping():
    content = ContentError([Problem("roles/a.yml", 1, "bad")])
    try:
        try:
            raise RuntimeError("plugin") from content
        except RuntimeError:
            raise SystemExit("Aborted")
    except SystemExit as wrapped:
        assert preview.failure_from(wrapped, []).problems == (Problem("roles/a.yml", 1, "bad"),)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")
def test_the_error_page_reloads_itself_into_the_real_page(root, server, tmp_path, browser):
    server.wait_until(is_real_page, timeout=120)
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    try:
        page.goto(server.url + "roles/worker.html")
        assert page.locator(".md-header").count() == 1
        original = break_role(root)
        # the open page reloads by itself into the error page …
        page.wait_for_selector("text=内容有错误，请修改后保存", timeout=20_000)
        assert "roles/worker.yml:2:" in page.inner_text("main")
        page.screenshot(path=str(tmp_path / "error-page.png"), full_page=True)
        (root / "roles" / "worker.yml").write_text(original, encoding="utf-8")
        # … and, once the file is fixed, back into the real page, without anyone pressing F5
        page.wait_for_selector(".md-header", timeout=60_000)
        assert page.title() != "" and "内容有错误" not in page.content()
    finally:
        page.close()
