"""The 维护指南 page: in the menu, in Chinese, with this handbook's real ids and next 岗位编号."""

from __future__ import annotations

import re

from test_site import article_text


def test_guide_is_the_last_menu_entry_and_shows_real_ids(built_site):
    page = (built_site.path / "maintenance.html").read_text(encoding="utf-8")
    text = article_text(built_site.path / "maintenance.html")
    home = (built_site.path / "index.html").read_text(encoding="utf-8")
    nav = home[home.index("md-nav--primary"):]
    labels = re.findall(r'<span class="md-ellipsis">\s*([^<]+?)\s*</span>', nav)
    assert labels[-1] == "维护指南"
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
