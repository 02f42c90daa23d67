"""Pages as they come out of a printer: chromium prints them to A4 PDFs (print media), and the
PDF's text is read back with pypdf.
"""

from __future__ import annotations

import re

import pytest
from browsing import CHROMIUM, open_page, printed_text, serve

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def printed(built_site, browser):
    """Page name → its printed text, each page printed once."""
    texts: dict[str, str] = {}
    with serve(built_site.path) as url:
        def print_(name: str) -> str:
            if name not in texts:
                page = open_page(browser, f"{url}{name}.html")
                try:
                    texts[name] = printed_text(page)
                finally:
                    page.close()
            return texts[name]

        for name in ("roles/market-manager", "policies/entertainment-expenses", "guides/reception",
                     "forms/key-client-entertainment", "forms/visit-report"):
            print_(name)
    return texts


def lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


@pytest.mark.parametrize("name", ["roles/market-manager", "policies/entertainment-expenses", "guides/reception"])
def test_printed_pages_carry_no_link_targets(printed, name):
    text = printed[name]
    assert "downloads/" not in text and ".docx" not in text and ".html" not in text
    assert "打印本页" not in text and "搜索" not in text  # the button and the header stay on screen


def test_printed_role_page_keeps_short_values_on_one_line(printed):
    text = printed["roles/market-manager"]
    rows = lines(text)
    assert "市场部经理" in rows[0]
    assert any("岗位编号 YXZX-SC-01" in row for row in rows)
    header = next(row for row in rows if row.startswith("指标 "))
    assert header == "指标 定义/计算公式 目标值 权重 考核周期 数据来源 考核职责"
    # "≥ 100%" never breaks between the sign and the number; every KPI's target, weight and cycle
    # are printed together on one line of their row
    assert not re.search(r"[≥≤]\s*\n", text)
    for target, weight, cycle in [("≥ 100%", "30%", "月度"), ("≥ 95%", "25%", "月度"), ("≤ 2%", "15%", "季度"),
                                  ("≥ 100%", "10%", "季度"), ("≤ 100%", "10%", "月度"), ("≥ 95%", "10%", "月度")]:
        assert any(f"{target} {weight} {cycle}" in row for row in rows), (target, weight, cycle)
    assert "下载" not in rows  # the screen's download list is not printed


def test_printed_form_page_is_the_blank_form(printed):
    rows = lines(printed["forms/key-client-entertainment"])
    text = "\n".join(rows)
    # the form, not the page about it: no field list, no download links, no preview headings
    for screen_only in ("填写方式", "下载空白表单", "表单内容", "打印表单", "Word（"):
        assert screen_only not in text
    assert "大客户招待清单" in rows
    assert "编号：YXZX-BD-01 版本：1.0" in rows
    # fields laid out side by side as on the PDF form, each label followed by room to write
    assert "申请日期： 申请人/部门：" in rows
    assert "到达车次/航班： 到达时间：" in rows
    assert "预计费用（元）： 住宿安排：" in rows
    assert any(row.startswith("客户类别：") and "□ 全彩屏大客户 □ 外地广告车客户" in row for row in rows)
    # the meal standard comes from the policy, as on the PDF
    assert any(row.startswith("点餐标准：") and "菜品数量 = 来访人数 + 1" in row for row in rows)
    for heading in ("申请信息", "客户信息", "招待安排", "审批"):
        assert heading in rows
    for approver in ("销售部经理审批：", "行政部安排：", "财务部审核："):
        assert approver in rows
    assert text.count("签字：") == 3 and text.count("日期：") >= 3


def test_printed_form_with_a_table_prints_its_columns(printed):
    rows = lines(printed["forms/visit-report"])
    assert "客户拜访/跟踪状况表" in rows
    assert "日期： 大区/姓名：" in rows
    assert any(row.startswith("序号 客户单位 联系人/电话") for row in rows)
    assert "主管经理意见：" in rows
