"""岗位清单.xlsx (downloads/roster.xlsx): reopened with openpyxl as HR's Excel would show it."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from helpers import REPO, copy_bundled_content
from openpyxl import load_workbook

from generator.content import outline
from generator.content.loader import load_handbook
from generator.documents import outputs
from generator.documents.renderers import xlsx


@pytest.fixture(scope="module")
def hb():
    return load_handbook(REPO)


@pytest.fixture(scope="module")
def data(built_site) -> bytes:
    """The roster as the site publishes it."""
    return (built_site.path / "downloads" / "roster.xlsx").read_bytes()


@pytest.fixture(scope="module")
def book(data):
    return load_workbook(io.BytesIO(data))


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def test_registered_once_as_kind_roster_format_xlsx_for_the_whole_handbook():
    output = outputs.get("roster", "xlsx")
    assert output.subjects == "handbook" and output.label == "岗位清单"
    assert [o for o in outputs.all_outputs() if o.format == "xlsx"] == [output]


def test_roles_sheet_lists_every_role_with_its_facts(book, hb):
    sheet = book["岗位"]
    header, *body = rows(sheet)
    assert header[:9] == ("岗位编号", "岗位名称", "所属部门", "直接上级", "直接下级", "版本", "生效日期", "职责数", "KPI数")
    assert [r[1] for r in body] == [role.title for role in hb.roles]
    by_title = {r[1]: r for r in body}
    regional = hb.role("regional-manager")
    row = by_title[regional.title]
    assert row[0] == regional.number and row[2] == hb.department(regional.department).name
    assert row[3] == hb.superior(regional).title
    assert row[6].date() == regional.effective and sheet.cell(row=2, column=7).number_format == "yyyy-mm-dd"
    assert row[7] == sum(1 for item in outline.duty_outline(regional) if not item.is_heading)
    assert row[8] == len(regional.kpis.items)
    director = by_title[hb.role("marketing-director").title]
    assert director[4] == "、".join(r.title for r in hb.direct_reports(hb.role("marketing-director")))


def test_each_role_links_to_its_files_relative_to_the_roster(book, hb, built_site):
    sheet = book["岗位"]
    header = [c.value for c in sheet[1]]
    link_columns = [i for i, h in enumerate(header, start=1) if "（" in str(h)]
    assert {header[i - 1] for i in link_columns} == {"岗位说明书（Word）", "岗位说明书（PDF）", "绩效考核表（Word）", "绩效考核表（PDF）"}
    for r, role in enumerate(hb.roles, start=2):
        for c in link_columns:
            cell = sheet.cell(row=r, column=c)
            target = cell.hyperlink.target
            label = header[c - 1].split("（")[0]
            assert role.id in target and cell.value == f"{role.title}-{label}.{target.rsplit('.', 1)[-1]}"
            assert (built_site.path / "downloads" / target).is_file(), target


def test_a_draft_without_kpis_gets_no_appraisal_link(tmp_path):
    root = copy_bundled_content(tmp_path)
    path = root / "roles" / "sales-assistant.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text("status: draft\n" + text[:text.index("kpis:")], encoding="utf-8")
    hb = load_handbook(root)
    output = outputs.get("roster", "xlsx")
    sheet = load_workbook(io.BytesIO(output.render(output.view(hb, hb), None)))["岗位"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "市场部销售助理")
    links = {header[c.column - 1]: (c.value, c.hyperlink.target if c.hyperlink else None) for c in row[9:]}
    assert links == {"岗位说明书（Word）": ("市场部销售助理-岗位说明书.docx", "job-descriptions/sales-assistant.docx"),
                     "岗位说明书（PDF）": ("市场部销售助理-岗位说明书.pdf", "job-descriptions/sales-assistant.pdf"),
                     "绩效考核表（Word）": ("—", None), "绩效考核表（PDF）": ("—", None)}


def test_kpi_sheet_lists_every_kpi_with_weight_as_percent_and_status(book, hb):
    sheet = book["绩效指标"]
    header, *body = rows(sheet)
    assert header == ("岗位", "指标", "定义", "目标值", "权重", "周期", "数据来源", "状态")
    expected = [(r.title, k.name, k.definition, k.target, k.weight / 100, k.cycle, k.source)
                for r in hb.roles for k in r.kpis.items]
    assert [row[:7] for row in body] == expected
    assert all(row[7] == "拟定（待人力资源部确认）" for row in body)  # the seed's KPIs are proposed
    assert sheet.cell(row=2, column=5).number_format == "0%"


@pytest.mark.parametrize("name", ["岗位", "绩效指标"])
def test_header_is_styled_frozen_and_filtered(book, name):
    sheet = book[name]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(row=1, column=sheet.max_column).column_letter}{sheet.max_row}"
    for cell in sheet[1]:
        assert cell.font.b and cell.fill.fgColor.rgb.endswith("DDE7F3")
    assert sheet.cell(row=2, column=1).font.name == "等线"


@pytest.mark.parametrize("name", ["岗位", "绩效指标"])
def test_columns_are_wide_enough_for_chinese_text(book, name):
    sheet = book[name]
    for column in sheet.iter_cols():
        letter = column[0].column_letter
        width = sheet.column_dimensions[letter].width
        longest = max(xlsx.display_width(c.value.isoformat()[:10] if hasattr(c.value, "isoformat") else str(c.value))
                      for c in column if c.value is not None)
        assert width >= min(longest, 46), (name, letter, width, longest)
        assert width <= 48


def test_display_width_counts_chinese_as_two():
    assert xlsx.display_width("岗位编号") == 8 and xlsx.display_width("KPI数") == 5 and xlsx.display_width("（）") == 4


def test_same_content_same_bytes_and_no_clock_time(hb, data):
    output = outputs.get("roster", "xlsx")
    again = output.render(output.view(hb, hb), None)
    assert again == data
    package = zipfile.ZipFile(io.BytesIO(data))
    assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    core = package.read("docProps/core.xml").decode()
    latest = max(r.effective for r in hb.roles).isoformat()
    assert f">{latest}T00:00:00Z</dcterms:created>" in core and f">{latest}T00:00:00Z</dcterms:modified>" in core


def test_listed_in_the_manifest_and_linked_from_the_downloads_page(built_site):
    manifest = json.loads((built_site.path / "downloads" / "manifest.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest if e["kind"] == "roster")
    assert entry["format"] == "xlsx" and entry["path"] == "downloads/roster.xlsx" and entry["title"] == "岗位清单"
    page = (built_site.path / "downloads.html").read_text(encoding="utf-8")
    assert 'href="../downloads/roster.xlsx"' in page or 'href="downloads/roster.xlsx"' in page
    assert "岗位清单" in page


def test_editing_a_policy_or_a_role_purpose_does_not_rerender_the_roster_but_a_new_title_does(hb):
    output = outputs.get("roster", "xlsx")
    stamp = outputs.stamp(output)
    key = outputs.cache_key(output, output.view(hb, hb), None, stamp)
    policy = hb.policies[0].model_copy(update={"title": "另一个标题"})
    other = hb.model_copy(update={"policies": [policy, *hb.policies[1:]]})
    assert outputs.cache_key(output, output.view(other, other), None, stamp) == key
    first = hb.roles[0]
    reworded = first.model_copy(update={"purpose": first.purpose + "（修订）"})
    same = hb.model_copy(update={"roles": [reworded, *hb.roles[1:]]})
    assert outputs.cache_key(output, output.view(same, same), None, stamp) == key
    role = first.model_copy(update={"title": "新岗位名称"})
    renamed = hb.model_copy(update={"roles": [role, *hb.roles[1:]]})
    assert outputs.cache_key(output, output.view(renamed, renamed), None, stamp) != key


def test_a_typo_in_the_settings_is_a_path_line_error(monkeypatch, tmp_path):
    from generator.content.errors import ContentError

    text = xlsx.SETTINGS_FILE.read_text(encoding="utf-8")
    line = text[:text.index("max_width:")].count("\n") + 1
    bad = tmp_path / "roster.yml"
    bad.write_text(text.replace("max_width:", "max_widht:").replace('fill: "DDE7F3"', 'fill: "blue"'),
                   encoding="utf-8")
    monkeypatch.setattr(xlsx, "SETTINGS_FILE", bad)
    with pytest.raises(ContentError) as caught:
        xlsx.settings()
    messages = [str(p) for p in caught.value.problems]
    assert f"{bad.as_posix()}:{line}: 未知的键 'max_widht' — 是不是想写 'max_width'？" in messages
    assert any(re.search(r":\d+: header 下的 fill 写的 'blue' 不是颜色 — 写六位十六进制数", m) for m in messages)
