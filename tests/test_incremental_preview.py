"""`handbook serve`: pages without waiting for documents, only changed pages rebuilt, search kept whole.

Speed is measured by benchmarks/preview.py in a real browser; these tests check behaviour: which
files a rebuild writes, what the search index holds, and that downloads are handed out on request.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO
from helpers import overlay_root


class Serving:
    """`handbook serve`'s rebuilds without its HTTP server: the same configuration per rebuild, dirty builds."""

    def __init__(self, root: Path, site_dir: Path, cache_dir: Path):
        self.root, self.site_dir, self.cache_dir = root, site_dir, cache_dir
        self.config = self.get_config()
        self.config.plugins.on_startup(command="serve", dirty=False)

    def get_config(self):
        from generator.site.engines import mkdocs

        return mkdocs.load(self.root, self.site_dir, preview=True, cache_dir=str(self.cache_dir))

    def build(self, first: bool = False):
        from mkdocs.commands.build import build

        cfg = self.config if first else self.get_config()
        build(cfg, serve_url="http://127.0.0.1:8000/", dirty=True)
        return cfg.plugins["handbook"]

    def close(self):
        self.config.plugins.on_shutdown()


@pytest.fixture
def serving(tmp_path: Path):
    root = overlay_root(tmp_path)
    state = Serving(root, tmp_path / "site", tmp_path / "cache")
    yield state
    state.close()


def mtimes(site: Path) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_mtime_ns for p in site.rglob("*.html")}


def search_text(site: Path) -> tuple[str, set[str]]:
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    return "".join(d["text"] for d in docs).replace("\u200b", ""), {d["location"].split("#")[0] for d in docs}


def test_an_edit_rebuilds_its_page_only_and_search_stays_whole(serving: Serving):
    serving.build(first=True)
    site = serving.site_dir
    assert (site / "roles" / "worker.html").is_file()
    assert not list(site.rglob("*.pdf"))  # documents are not copied into the preview; they are served on request
    _, pages_before = search_text(site)
    before = mtimes(site)

    worker = serving.root / "roles" / "worker.yml"
    worker.write_text(worker.read_text(encoding="utf-8").replace("拜访客户。", "拜访重点客户并记录拜访结果。"),
                      encoding="utf-8")
    time.sleep(0.01)
    serving.build()
    after = mtimes(site)
    changed = {uri for uri in after if after[uri] != before.get(uri)}
    assert changed == {"roles/worker.html"}  # nothing else is written again (not even 404.html)
    assert "拜访重点客户并记录拜访结果" in (site / "roles" / "worker.html").read_text(encoding="utf-8")
    text, pages_after = search_text(site)
    assert "拜访重点客户并记录拜访结果" in text and "拜访客户。" not in text
    assert pages_after == pages_before and "roles/boss.html" in pages_after
    assert "制定销售计划" in text  # the boss page was skipped, its entries were kept

    # a title change changes the menu of every page: everything is rebuilt
    worker.write_text(worker.read_text(encoding="utf-8").replace("title: 销售代表", "title: 客户代表"),
                      encoding="utf-8")
    serving.build()
    boss = (site / "roles" / "boss.html").read_text(encoding="utf-8")
    assert "客户代表" in boss and "销售代表" not in boss


def test_downloads_are_rendered_on_request(serving: Serving):
    plugin = serving.build(first=True)
    page = (serving.site_dir / "roles" / "worker.html").read_text(encoding="utf-8")
    assert 'href="../downloads/job-descriptions/worker.pdf"' in page
    assert not re.search(r"PDF（\d+ KB）", page)  # sizes are unknown while documents render behind the pages
    pdf = plugin.preview.download("downloads/job-descriptions/worker.pdf")
    assert pdf.startswith(b"%PDF")
    docx = plugin.preview.download("downloads/appraisals/worker.docx")
    assert docx.startswith(b"PK")
    manifest = json.loads(plugin.preview.download("downloads/manifest.json"))
    assert {entry["path"] for entry in manifest} >= {"downloads/job-descriptions/worker.pdf"}
    assert plugin.preview.download("downloads/nothing-here.pdf") is None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_handbook_serve_answers_pages_and_downloads(tmp_path: Path):
    root = overlay_root(tmp_path)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "generator.cli", "serve", "--root", str(root), "--dev-addr",
                             f"127.0.0.1:{port}"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/roles/worker.html", timeout=60) as response:
                    assert "销售代表" in response.read().decode("utf-8")
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "handbook serve did not start"
                time.sleep(0.3)
        with urllib.request.urlopen(f"{base}/downloads/job-descriptions/worker.pdf", timeout=120) as response:
            assert response.headers["Content-Type"] == "application/pdf"
            assert response.read().startswith(b"%PDF")
        with urllib.request.urlopen(f"{base}/downloads/job-descriptions.zip", timeout=120) as response:
            assert response.read().startswith(b"PK")
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl+C
        out, _ = proc.communicate(timeout=60)  # also times out if a worker kept the output open
    assert b"'dirty' build" not in out  # MkDocs' warning about dirty builds is not for HR
    assert b"Traceback" not in out


def test_a_removed_role_leaves_no_page_and_no_search_entries(serving: Serving):
    worker = (serving.root / "roles" / "worker.yml").read_text(encoding="utf-8")
    helper = serving.root / "roles" / "helper.yml"
    helper.write_text(worker.replace("id: worker", "id: helper").replace("title: 销售代表", "title: 销售内勤")
                      .replace("number: T-02", "number: T-03"), encoding="utf-8")
    serving.build(first=True)
    assert (serving.site_dir / "roles" / "helper.html").is_file()
    helper.unlink()
    serving.build()
    assert not (serving.site_dir / "roles" / "helper.html").exists()
    text, pages = search_text(serving.site_dir)
    assert "roles/helper.html" not in pages and "销售内勤" not in text
    assert "销售内勤" not in (serving.site_dir / "roles" / "boss.html").read_text(encoding="utf-8")  # menu rebuilt


def test_the_preview_lists_the_theme_s_files_as_mkdocs_does(serving: Serving):
    """The preview lists the theme's files once (engines/mkdocs._remember_theme_files): the same list as MkDocs'."""
    from mkdocs.structure.files import Files

    from generator.site.engines import mkdocs

    serving.build(first=True)
    config = serving.get_config()
    env = config.theme.get_env()
    remembered, fresh = Files([]), Files([])
    assert Files.add_files_from_theme is not mkdocs._LIST_THEME  # replaced while the preview runs
    Files.add_files_from_theme(remembered, env, config)
    mkdocs._LIST_THEME(fresh, env, config)
    assert [(f.src_uri, f.src_dir) for f in remembered] == [(f.src_uri, f.src_dir) for f in fresh]
    assert len(fresh) > 40
    serving.close()
    assert Files.add_files_from_theme is mkdocs._LIST_THEME  # and put back when it stops
