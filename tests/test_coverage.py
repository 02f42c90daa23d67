"""KPI coverage: notes in `handbook check` (never failing it) and KPI tags beside each duty on role pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner
from helpers import REPO, overlay_root

from generator.cli import main
from generator.content.errors import Problem
from generator.content.loader import load_handbook

CONCENTRATED = """\
id: worker
title: 销售代表
number: T-02
department: sales
reports_to: boss
purpose: 拜访客户，完成销售任务。
version: "1.0"
effective: 2026-12-01
duties:
  - id: visit
    text: 拜访客户。
  - id: collect
    text: 回收货款。
  - heading: 客户服务
    id: service
    duties:
      - 处理客户投诉。
      - 回访老客户。
kpis:
  status: proposed
  items:
    - name: 拜访量
      definition: 每月拜访客户数
      target: ≥ 20
      weight: 20
      cycle: 月度
      source: 拜访记录
      measures: [visit, service]
    - name: 回款率
      definition: 回款 ÷ 应收 × 100%
      target: ≥ 95%
      weight: 50
      cycle: 月度
      source: 财务部
      measures: [collect]
    - name: 坏账率
      definition: 坏账 ÷ 应收 × 100%
      target: ≤ 2%
      weight: 30
      cycle: 季度
      source: 财务部
      measures: [collect]
"""


def notes_of(root: Path) -> list[str]:
    found: list[Problem] = []
    load_handbook(root, found)
    return [str(n) for n in found]


def test_minimal_root_notes_the_unmeasured_duty_only(tmp_path: Path):
    assert notes_of(overlay_root(tmp_path)) == [
        "roles/boss.yml:12: 提示：职责 2. '处理重大投诉。' 没有指标考核 — 没有指标考核这条职责："
        "先给它一个英文 id（写成 '- id: …' 加下一行 'text: …'），再写进考核它的 KPI 的 measures；"
        "兜底性的职责（如“完成上级交办的其他任务”）可以不考核",
    ]


def test_weight_on_one_duty_and_groups_cover_their_duties(tmp_path: Path):
    root = overlay_root(tmp_path)
    (root / "roles" / "worker.yml").write_text(CONCENTRATED, encoding="utf-8")
    worker = [n for n in notes_of(root) if n.startswith("roles/worker.yml")]
    # 处理客户投诉 and 回访老客户 are measured through their group 'service': no note for them
    assert worker == [
        "roles/worker.yml:29: 提示：80% 的指标权重压在职责 二、 '回收货款。' 一条上：'回款率' (50%)、"
        "'坏账率' (30%) — 考核权重过于集中：只考核这一条职责的指标合计超过本岗位 KPI 权重的一半。"
        "可在这些指标的 measures 中加上相关职责的 id，或把部分权重分给考核其他职责的指标",
    ]


def test_half_the_weight_or_a_shared_kpi_is_not_concentration(tmp_path: Path):
    root = overlay_root(tmp_path)
    text = CONCENTRATED.replace("weight: 30\n      cycle: 季度\n      source: 财务部\n      measures: [collect]",
                                "weight: 30\n      cycle: 季度\n      source: 财务部\n      measures: [collect, visit]")
    (root / "roles" / "worker.yml").write_text(text, encoding="utf-8")
    assert not [n for n in notes_of(root) if n.startswith("roles/worker.yml")]  # 回款率 alone is 50 %, not more


def test_check_prints_notes_grouped_and_succeeds():
    """Seven notes about five roles: one line per role (its three unmeasured duties in one), the hint once."""
    result = CliRunner().invoke(main, ["check", "--root", str(REPO)])
    assert result.exit_code == 0, result.stderr
    root, *notes, hint = result.stderr.splitlines()
    assert root == f"内容文件夹：{REPO}（--root 指定）"
    assert notes[0] == "roles/market-manager.yml:38: 提示：3 条职责没有指标考核（第 38、46、50 行）"
    assert notes[1] == "roles/marketing-director.yml:42: 提示：职责 11. '承办总经理交办的其他任务。' 没有指标考核"
    assert len(notes) == 5 and all(": 提示：" in line and " — " not in line for line in notes)
    assert hint.startswith("提示不影响发布。没有指标考核的职责：兜底性的职责")
    assert result.stdout == "检查通过：5 个岗位、1 个制度、1 个指南、2 个表单。\n"


def test_notes_do_not_hide_errors(tmp_path: Path):
    root = overlay_root(tmp_path)
    worker = root / "roles" / "worker.yml"
    worker.write_text(worker.read_text(encoding="utf-8").replace("weight: 60", "weight: 50"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--root", str(root)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[1].startswith("roles/worker.yml:16: 指标权重合计 90，不是 100")  # the error first, then the notes
    assert lines[2].startswith("roles/boss.yml:12: 提示：职责 2.")


def test_role_page_tags_each_duty_with_the_kpis_that_measure_it(built_site):
    page = (built_site.path / "roles" / "market-manager.html").read_text(encoding="utf-8")
    duty = re.search(r'<p class="duty[^"]*" id="duty-sales-collection">(.*?)</p>', page, re.S).group(1)
    tags = re.findall(r'<a class="kpi-tag" href="#kpi-(\d+)">([^<]+)</a>', duty)
    assert tags == [("1", "销售计划完成率"), ("2", "货款回收率"), ("3", "坏账、呆账率")]
    for number, name in tags:  # each tag lands on its KPI's row
        assert re.search(rf'<span class="kpi-anchor" id="kpi-{number}"></span>{re.escape(name)}</td>', page)
    other = re.search(r'<p class="duty[^"]*" id="duty-other">(.*?)</p>', page, re.S).group(1)
    assert "kpi-tag" not in other  # an unmeasured duty has no tags
    # the tags are not indexed as duty text: search finds KPI names in the KPI table, not in 岗位职责
    index = json.loads((built_site.path / "search" / "search_index.json").read_text(encoding="utf-8"))
    duties = next(d for d in index["docs"] if d["location"] == "roles/market-manager.html#岗位职责")
    assert "回收货款" in duties["text"].replace("\u200b", "") and "货款回收率" not in duties["text"].replace("\u200b", "")


def test_group_heading_carries_the_kpis_of_the_group(built_site):
    page = (built_site.path / "roles" / "planning-manager.html").read_text(encoding="utf-8")
    assert re.search(r'id="duty-research">.*?</h4>\s*<p class="duty-group-kpis"><span class="duty-kpis"[^>]*>'
                     r'<a class="kpi-tag" href="#kpi-4">市场调研与定价分析报告</a>', page, re.S)


def test_a_draft_without_kpis_gets_no_coverage_notes_and_a_page(tmp_path: Path):
    root = overlay_root(tmp_path)
    worker = root / "roles" / "worker.yml"
    text = worker.read_text(encoding="utf-8")
    worker.write_text("status: draft\n" + text[:text.index("kpis:")], encoding="utf-8")
    notes = [n for n in notes_of(root) if n.startswith("roles/worker.yml")]
    assert notes and not any("没有指标考核" in n or "权重压在" in n for n in notes)
    from generator.site import pages as site

    page = site.pages(load_handbook(root), [])["roles/worker.md"]
    assert "kpi-tag" not in page and "拜访客户" in page
