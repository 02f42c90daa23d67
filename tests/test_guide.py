"""The 维护指南 page: HR's, not the staff's (out of the published menu, reachable by its address); in Chinese,
with this handbook's real ids and next 岗位编号, and the whole loop from an edit to publishing."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html

from test_site import article_text


def menu(page: Path) -> list[str]:
    html = page.read_text(encoding="utf-8")
    return re.findall(r'<span class="md-ellipsis">\s*([^<]+?)\s*</span>', html[html.index("md-nav--primary"):])


def test_staff_menu_leaves_the_guide_out_and_its_address_still_shows_real_ids(built_site):
    """The published site: no 维护指南 in any page's menu (the preview lists it last: test_search), the page
    itself built for HR who know its address."""
    for shown in ("index.html", "roles/market-manager.html", "downloads.html"):
        labels = menu(built_site.path / shown)
        assert "维护指南" not in labels and labels[-1] == "变更记录", (shown, labels)
    assert "maintenance.html" not in (built_site.path / "sitemap.xml").read_text(encoding="utf-8")
    page = (built_site.path / "maintenance.html").read_text(encoding="utf-8")
    text = article_text(built_site.path / "maintenance.html")
    for words in ("handbook new role --title 渠道经理 --department 市场部 --reports-to 市场部经理",
                  "--dev-addr 127.0.0.1:8001", "菜单顺序", "撤销", "岗位编号", "常见错误与改法"):
        assert words in text, words
    # the numbering table: 市场部 continues with YXZX-SC-04, 营销中心 with YXZX-02
    assert re.search(r"市场部\s*market\s*YXZX-SC-01、YXZX-SC-02、YXZX-SC-03\s*YXZX-SC-04", text)
    assert re.search(r"营销中心\s*marketing-center\s*YXZX-01、YXZX-CH-01\s*YXZX-02", text)
    # ids print as ids (no visible entities), role titles link to their pages
    assert "<code>market-manager</code>" in page and "&amp;#45;" not in page
    assert 'href="roles/market-manager.html">市场部经理</a>' in page


def test_guide_shows_the_preview_error_page(built_site):
    page = (built_site.path / "maintenance.html").read_text(encoding="utf-8")
    assert re.search(r'<img alt="预览中的错误页[^"]*" src="assets/images/preview-error.png"', page)
    image = built_site.path / "assets" / "images" / "preview-error.png"
    assert image.read_bytes().startswith(b"\x89PNG") and image.stat().st_size < 100_000


LOOP = [  # the guide's daily loop, in order, each step with its Windows and its Linux command
    ("修改", r".venv\Scripts\handbook import 大区经理-岗位说明书.docx", ".venv/bin/handbook import 大区经理-岗位说明书.docx"),
    ("", r"notepad roles\regional-manager.yml", "nano roles/regional-manager.yml"),
    ("检查", r".venv\Scripts\handbook check", ".venv/bin/handbook check"),
    ("预览", r".venv\Scripts\handbook serve", ".venv/bin/handbook serve"),
    ("看改了什么", r".venv\Scripts\handbook diff", ".venv/bin/handbook diff"),
    ("升版本", "version", "同左"),
    ("提交", "git add -A", "同左"),
    ("发布", r".venv\Scripts\handbook build", ".venv/bin/handbook build"),
]


def test_guide_walks_the_whole_loop_with_windows_commands_beside_linux_ones(built_site):
    """Edit or import → check → preview → diff → raise the version → commit → publish: one table row per step,
    the Windows command beside the Linux one, then each step explained (import's repeat, the version note
    check prints, diff's old → new, the 修订记录 row, git, copying site/ to the server)."""
    page = lxml.html.fromstring((built_site.path / "maintenance.html").read_bytes())
    table = next(t for t in page.iter("table") if "Windows" in t.xpath("string(.//tr[1])"))
    rows = [[" ".join(cell.text_content().split()) for cell in tr.findall("td")] for tr in table.iter("tr")][1:]
    assert len(rows) == len(LOOP), rows
    for (step, windows, linux), row in zip(LOOP, rows):
        assert step in row[0] and windows in row[1] and linux in row[2], row
    assert "robocopy site \\\\内网服务器\\手册 /MIR" in rows[-1][1] and "rsync" in rows[-1][2]
    text = article_text(built_site.path / "maintenance.html")
    loop = text[text.index("一、日常维护"):text.index("二、")]
    said = ["--dry-run", "没有新的修改", "--force", "版本仍是 1.0", "上次提交（", "→ 当前", "” → “", "--markdown",
            'version: "1.1"', "revisions:", "草稿", "git commit -m", "git config user.name", "handbook build"]
    position = loop.index("1. 修改。")  # the steps explained, after the table
    for words in said:  # in this order
        assert words in loop[position:], (words, loop[position:position + 200])
        position = loop.index(words, position)
    assert "cp roles/regional-manager.yml" in text and r"copy roles\regional-manager.yml" in text
