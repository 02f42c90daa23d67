"""Extreme but valid content builds end to end, and long tables break across pages cleanly."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
import yaml
from helpers import REPO, copy_bundled_content

LONG_DUTY = ("负责全彩LED显示屏与广告车项目的客户跟踪、方案沟通与合同执行，" * 70)[:2000]
MIXED = "完成 Q4 sales target 🚀 并回收货款 ✅（English + 中文 + emoji 🎉）"


def extreme_role() -> dict:
    duties = [{"id": f"d{n}", "text": f"第{n}项职责：组织下属做好客户资源管理工作，及时回收货款。"} for n in range(1, 201)]
    duties[1]["text"] = LONG_DUTY
    duties[2]["text"] = MIXED
    weights = [3] * 28 + [8, 8]
    kpis = [{
        "name": f"考核指标{n:02d}",
        "definition": "实际回款额 ÷ 应收账款额 × 100%，" + "按月统计并由财务部复核。" * (n % 4),
        "target": "≥ 95%", "weight": w, "cycle": "月度", "source": "财务部应收账款台账",
        "measures": [f"d{n}"],
    } for n, w in enumerate(weights, start=1)]
    return {
        "id": "extreme", "title": "极端测试岗位", "number": "X-200", "department": "market",
        "reports_to": "market-manager", "purpose": MIXED, "version": "1.0", "effective": "2026-12-01",
        "duties": duties, "kpis": {"status": "proposed", "items": kpis},
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("extreme")
    root = copy_bundled_content(tmp)
    (root / "roles" / "extreme.yml").write_text(yaml.safe_dump(extreme_role(), allow_unicode=True), encoding="utf-8")
    policy = root / "content" / "policies" / "entertainment-expenses.yml"
    assert "venues: []" in policy.read_text(encoding="utf-8")  # the empty designated-venues list, as bundled
    out = tmp / "site"
    run = subprocess.run([sys.executable, "-m", "generator.cli", "build", "--root", str(root), "--out", str(out)],
                         capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stderr
    return out


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_site_page_holds_every_duty_and_the_mixed_text(site):
    html = (site / "roles" / "extreme.html").read_text(encoding="utf-8")
    page = unescape(html)  # the site writes Markdown-significant characters as entities
    assert MIXED in page and LONG_DUTY in page
    assert page.count("第200项职责") == 1
    assert len(html.encode()) < 400_000


def test_pdf_holds_every_duty_and_kpi(site):
    from pypdf import PdfReader

    reader = PdfReader(site / "downloads" / "job-descriptions" / "extreme.pdf")
    text = squash("".join(p.extract_text() for p in reader.pages))
    assert len(reader.pages) >= 8
    assert squash(LONG_DUTY) in text and "第200项职责" in text
    assert all(f"考核指标{n:02d}" in text for n in range(1, 31))


def _word_boxes(pdf: Path) -> dict[int, list[tuple[float, float, float, float]]]:
    """Word boxes per page from poppler's pdftotext -bbox."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages: dict[int, list] = {}
    for number, page in enumerate(re.split(r"<page ", html)[1:], start=1):
        pages[number] = [tuple(float(v) for v in m) for m in
                         re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', page)]
    return pages


@pytest.mark.parametrize("doc", ["job-descriptions/extreme.pdf", "appraisals/extreme.pdf"])
def test_no_text_overlaps_on_any_page(site, doc):
    for number, boxes in _word_boxes(site / "downloads" / doc).items():
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                width = min(a[2], b[2]) - max(a[0], b[0])
                height = min(a[3], b[3]) - max(a[1], b[1])
                smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])) or 1
                assert not (width > 0 and height > 0 and width * height > 0.2 * smaller), \
                    f"{doc} page {number}: text overlaps at {a} and {b}"


def test_emoji_are_printed_with_a_font_not_as_boxes(site):
    fonts = subprocess.run(["pdffonts", str(site / "downloads" / "job-descriptions" / "extreme.pdf")],
                           capture_output=True, text=True, check=True).stdout
    assert "Emoji" in fonts
    for line in fonts.splitlines()[2:]:
        assert " yes yes " in line  # embedded and subset


def test_docx_numbers_all_duties_and_lists_every_kpi(site):
    from docx import Document

    document = Document(io.BytesIO((site / "downloads" / "job-descriptions" / "extreme.docx").read_bytes()))
    numbered = [p.text for p in document.paragraphs if p.style.name.startswith("List Number")]
    assert len(numbered) == 200 and LONG_DUTY in numbered
    kpi_table = next(t for t in document.tables if t.rows[0].cells[0].text == "指标")
    assert len(kpi_table.rows) == 31
