"""`handbook import` on job descriptions laid out the ways real ones are (tests/fixtures/import-corpus/).

Each file is modelled on a kind of public Chinese JD page or Word template (its JSON says which) and
reworded; the JSON beside it says what a person reading it finds: the title, the facts, the duties with
their exact count and nesting, the sections, and the lines that are not job description (site chrome,
salary, company profile) which must be reported and never imported. The parser has no rule for any one
of these files: a layout that needs one is a layout the importer does not handle yet.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import TESTS, copy_bundled_content
from ruamel.yaml import YAML

from generator.authoring.importer import parse as parser
from generator.authoring.importer import sources
from generator.cli import main
from generator.content.loader import load_handbook

CORPUS = TESTS / "fixtures" / "import-corpus"
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix not in (".json", ".py"))


def expected(path: Path) -> dict:
    return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


def shape(entries) -> list:
    """The duty tree as '·' for a duty and {heading: [...]} for a group."""
    return [{e["heading"]: shape(e["duties"])} if isinstance(e, dict) and "heading" in e else "·" for e in entries]


def leaves(entries) -> list[str]:
    found = []
    for e in entries:
        if isinstance(e, dict) and "heading" in e:
            found += leaves(e["duties"])
        else:
            found.append(e if isinstance(e, str) else e["text"])
    return found


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> tuple[Path, dict[str, tuple[str, dict]]]:
    """Every corpus file imported into one copy of the bundled content, as HR would (one command)."""
    root = copy_bundled_content(tmp_path_factory.mktemp("corpus"))
    before = {p.name for p in (root / "roles").iterdir()}
    result = CliRunner().invoke(main, ["import", *map(str, FILES), "--root", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    written = {p for p in (root / "roles").iterdir() if p.name not in before}
    by_source: dict[str, tuple[str, dict]] = {}
    report = result.stderr.split("\n")
    for k, line in enumerate(report):
        for path in FILES:
            if line.split(": 岗位“")[0].endswith(path.name):
                role_file = line.split(" → 已写入 ")[1].split("（")[0]
                until = next((j for j in range(k + 1, len(report)) if not report[j].startswith("  ")), len(report))
                block = "\n".join(report[k:until])
                data = YAML(typ="safe").load((root / role_file).read_text(encoding="utf-8"))
                assert path.name not in by_source, f"{path.name} imported as more than one role"
                by_source[path.name] = (block, data)
    assert len(written) == len(FILES) == len(by_source), result.stderr
    return root, by_source


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_file_imports_as_one_role_with_its_facts_and_duties(imported, path):
    _, by_source = imported
    report, data = by_source[path.name]
    want = expected(path)
    assert data["status"] == "draft"
    assert data["title"].split("（导入")[0] == want["title"]  # 15 is 04 as a PDF: the second takes （导入）
    for key, value in want["facts"].items():
        assert data.get(key) == value, (key, data.get(key))
    for key in ("number", "department", "reports_to"):
        if key not in want["facts"]:
            assert key not in data, (key, data.get(key))  # nothing invented
    assert data.get("purpose") == want.get("purpose")
    assert shape(data["duties"]) == want["shape"]
    texts = leaves(data["duties"])
    assert f"：{len(texts)} 条职责" in report.splitlines()[0]
    for key, value in want.items():
        if key == "first_duty":
            assert texts[0] == value
        elif key == "last_duty":
            assert texts[-1] == value
        elif key.startswith("duty_"):
            assert texts[int(key[5:]) - 1] == value
    sections = [name for key, name in (("authority", "岗位权限"), ("relations", "工作关系"), ("qualifications", "任职资格"))
                if key in data]
    assert sections == want["sections"]
    for key, value in want.get("qualifications", {}).items():
        assert data["qualifications"][key] == value, key
    assert "kpis" not in data
    written = json.dumps(data, ensure_ascii=False, default=str)
    for words in want.get("absent", []):
        assert words not in written, words


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_line_of_a_corpus_file_is_accounted_for(path):
    """Each non-empty line is placed (in a field), reported as not imported (with why), or set aside as site chrome."""
    parsed = parser.parse(sources.read(path))
    [role] = parsed.roles
    placed = {n for n, _ in role.placed}
    unplaced = {n for n, _, _ in role.unplaced + parsed.unplaced}
    unplaced |= {n for start, end in role.spans.items() for n in range(start, end + 1) if n in parsed.texts}
    skipped = set(parsed.skipped)
    assert set(parsed.texts) - placed - unplaced - skipped == set()
    for words in expected(path).get("reported", []):
        lines = [n for n, text in parsed.texts.items() if words in text]
        assert lines and all(n in unplaced or n in skipped for n in lines), (words, lines)


def test_the_report_says_where_every_line_went(imported):
    _, by_source = imported
    report, _ = by_source["08-several-per-line.txt"]
    lines = report.splitlines()
    for words in ("  = 岗位名称：第 3 行", "  = 所属部门、直接上级：第 4 行", "  = 岗位职责：第 10–16 行",
                  "  = 岗位权限：第 17–19 行", "  = 工作关系：第 26–28 行"):
        assert words in lines, report
    assert any(line.endswith(":3: 未导入（本手册的岗位没有这一项）：岗位人数：1") for line in lines), report
    assert any(":30: 未导入（签字栏，不是岗位内容）" in line for line in lines), report


def test_imported_corpus_passes_check_with_notes_for_what_is_missing(imported):
    root, _ = imported
    notes: list = []
    hb = load_handbook(root, notes)
    drafts = [r for r in hb.roles if r.status == "draft"]
    assert len(drafts) == len(FILES)
    shown = [n.message for n in notes]
    assert any(n.startswith("草稿还没有填写") and "生效日期" in n for n in shown)
    assert any(n.startswith("草稿还没有填写") and "关键绩效指标" in n for n in shown)


# ---------------------------------------------------------------------------------------- rules, one at a time


def parse_text(tmp_path: Path, text: str, name: str = "jd.txt") -> parser.Parsed:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parser.parse(sources.read(path))


def test_a_numbered_heading_after_the_known_ones_ends_them(tmp_path):
    """'四、其他' follows '三、任职条件': a part of its own (reported), not a requirement; groups 一、二、 inside
    '二、岗位职责' number from one again, so they stay groups."""
    parsed = parse_text(tmp_path, "网络推广专员岗位说明书\n二、岗位职责\n一、推广\n1. 运营公众号。\n二、统计\n1. 每月提交推广报告。\n"
                                  "三、任职条件\n1. 大专以上学历。\n四、其他\n需要轮流值周末班。\n")
    [role] = parsed.roles
    assert [(i.text, len(i.children)) for i in role.duties] == [("推广", 1), ("统计", 1)]
    assert role.qualifications == {"education": "大专以上学历。"}
    assert [(n, why) for n, _, why in role.unplaced] == [(9, "本手册的岗位没有这一部分"), (10, "本手册的岗位没有这一部分")]


def test_a_heading_may_carry_the_role_name(tmp_path):
    parsed = parse_text(tmp_path, "岗位说明书\n一、基本信息\n岗位名称：售后技术员\n二、售后技术员岗位职责\n1. 维修显示屏。\n"
                                  "三、售后技术员的任职资格\n1. 中专以上学历。\n")
    [role] = parsed.roles
    assert (role.title, role.duty_count(), role.qualifications) == ("售后技术员", 1, {"education": "中专以上学历。"})


def test_two_complete_job_descriptions_in_word_tables_are_two_roles(tmp_path):
    from docx import Document

    doc = Document()
    for title, duties in (("仓库管理员", ["负责成品入库登记。", "按发货单出库。"]), ("采购员", ["询价比价。", "跟踪到货。"])):
        table = doc.add_table(rows=2, cols=2)
        table.cell(0, 0).text, table.cell(0, 1).text = "岗位名称", title
        table.cell(1, 0).text, table.cell(1, 1).text = "岗位职责", duties[0]
        table.cell(1, 1).add_paragraph(duties[1])
        doc.add_paragraph("")
    path = tmp_path / "two.docx"
    doc.save(str(path))
    parsed = parser.parse(sources.read(path))
    assert [(r.title, r.duty_count()) for r in parsed.roles] == [("仓库管理员", 2), ("采购员", 2)]


def test_a_recruitment_title_line_and_the_file_name(tmp_path):
    parsed = parse_text(tmp_path, "招聘：售后技术员（2名）\n薪资：5000-8000元/月\n岗位职责：\n1.负责显示屏的维修。\n"
                                  "联系人：王先生\n")
    [role] = parsed.roles
    assert role.title == "售后技术员" and role.duty_count() == 1
    assert [why for _, _, why in role.unplaced] == ["招聘广告的内容（公司简介、薪资福利、工作地点等），不是岗位说明书内容"] * 2
    path = tmp_path / "02 门店导购员岗位职责.txt"
    path.write_text("岗位职责：\n1、负责门店的日常销售。\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(path), "--root", str(copy_bundled_content(tmp_path)), "--dry-run"])
    assert result.exit_code == 0 and "title: 门店导购员" in result.stdout.splitlines()
    assert "原文没有写岗位名称，取自文件名：门店导购员" in result.stderr
