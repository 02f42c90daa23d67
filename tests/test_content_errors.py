"""Every content mistake HR can make gets one exact `path:line: message — hint` line.

Each folder in tests/bad_roots/ is an overlay on tests/roots/minimal/ plus the
exact lines `handbook check` must print for it (expected.txt).
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import MINIMAL, REPO, TESTS, overlay_root, problems_of

from generator.content.errors import ContentError
from generator.content.loader import load_handbook

CASES = sorted(p for p in (TESTS / "bad_roots").iterdir() if p.is_dir())


def test_minimal_root_is_valid():
    hb = load_handbook(MINIMAL)
    assert [r.id for r in hb.roles] == ["boss", "worker"]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_root_reports_exact_lines(case: Path, tmp_path: Path):
    expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert expected, f"{case.name}/expected.txt is empty"
    assert problems_of(overlay_root(tmp_path, case)) == expected


def test_every_case_has_an_expectation():
    assert len(CASES) >= 25
    assert all((c / "expected.txt").exists() for c in CASES)


def test_utf8_bom_is_accepted(tmp_path: Path):
    root = overlay_root(tmp_path)
    worker = root / "roles" / "worker.yml"
    worker.write_bytes(b"\xef\xbb\xbf" + worker.read_bytes())
    assert load_handbook(root).role("worker").title == "销售代表"


def test_billion_laughs_is_refused_fast_with_little_memory(tmp_path: Path):
    root = overlay_root(tmp_path, TESTS / "bad_roots" / "alias-bomb")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    lines = problems_of(root)
    assert time.perf_counter() - started < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB
    assert "不允许使用锚点 '&a'" in lines[0]


@pytest.mark.slow
def test_check_command_prints_every_problem_and_exits_1(tmp_path: Path):
    root = overlay_root(tmp_path, TESTS / "bad_roots" / "several-files")
    run = subprocess.run([sys.executable, "-m", "generator.cli", "check", "--root", str(root)],
                         capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert lines[0] == f"内容文件夹：{root}（--root 指定）"
    assert lines[1:3] == (TESTS / "bad_roots" / "several-files" / "expected.txt").read_text().splitlines()
    assert ": 提示：" in lines[3]  # notes (KPI coverage) after the errors
    assert lines[-1] == "发现 2 处错误。"


@pytest.mark.slow
def test_build_command_refuses_bad_content_without_traceback(tmp_path: Path):
    root = overlay_root(tmp_path, TESTS / "bad_roots" / "tab-indent")
    run = subprocess.run([sys.executable, "-m", "generator.cli", "build", "--root", str(root),
                          "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.stderr.splitlines()[1].startswith("roles/worker.yml:10: 用了 Tab 键缩进")
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- the settings files renderers read


def _broken_layout(tmp_path: Path) -> tuple[object, str, Path, str]:
    from generator.documents.renderers.docx import settings as docx_settings

    text = docx_settings.LAYOUT_FILE.read_text(encoding="utf-8")
    line = text[:text.index("  kpi_widths:")].count("\n") + 1
    bad = tmp_path / "layout.yml"
    bad.write_text(text.replace("  kpi_widths:", "  kpi_width:"), encoding="utf-8")
    return docx_settings, "LAYOUT_FILE", bad, f"{bad.as_posix()}:{line}: 未知的键 'kpi_width' — 是不是想写 'kpi_widths'？"


def _broken_roster(tmp_path: Path) -> tuple[object, str, Path, str]:
    from generator.documents.renderers import xlsx

    text = xlsx.SETTINGS_FILE.read_text(encoding="utf-8")
    line = text[:text.index("font_size:")].count("\n") + 1
    bad = tmp_path / "roster.yml"
    bad.write_text(text.replace("font_size: 11", "font_size: 十一"), encoding="utf-8")
    return xlsx, "SETTINGS_FILE", bad, f"{bad.as_posix()}:{line}: font_size 应该是数字，而不是 '十一' — " \
                                         "把 font_size 写成数字"


def _broken_reference(tmp_path: Path) -> tuple[object, str, Path, str]:
    from docx import Document

    from generator.documents.renderers.docx import styles as docx_styles

    doc = Document(str(docx_styles.REFERENCE))
    doc.styles["Notice"].element.getparent().remove(doc.styles["Notice"].element)
    bad = tmp_path / "reference.docx"
    doc.save(str(bad))
    return docx_styles, "REFERENCE", bad, f"{bad.as_posix()}:1: 缺少段落样式 'Notice' — 在 Word 中添加名为 'Notice' " \
                                          "的段落样式（样式 → 新建样式），或运行 scripts/make_reference_docx.py 重新生成"


@pytest.mark.parametrize("broken", [_broken_layout, _broken_roster, _broken_reference],
                         ids=["docx-layout.yml", "xlsx-roster.yml", "docx-reference.docx"])
def test_check_reports_a_mistake_in_a_settings_file_a_renderer_reads(broken, tmp_path: Path, monkeypatch):
    """templates/docx/layout.yml, reference.docx and templates/xlsx/roster.yml are read by every build: `check`
    says what is wrong with them before a build does, with the content's problems, path:line first."""
    from click.testing import CliRunner

    from generator import cli

    module, name, bad, expected = broken(tmp_path)
    monkeypatch.setattr(module, name, bad)
    root = overlay_root(tmp_path / "root", TESTS / "bad_roots" / "kpi-weights")
    run = CliRunner().invoke(cli.main, ["check", "--root", str(root)])
    lines = run.output.splitlines()
    assert run.exit_code == 1, run.output
    assert expected in lines and "roles/worker.yml:16: 指标权重合计 90，不是 100 — 调整各指标的权重（weight），" \
                                  "使合计为 100：还差 10" in lines
    assert lines[-1] == "发现 2 处错误。"


# --------------------------------------------------------------------------- the wording: Chinese, HR's positions


def test_every_message_and_hint_is_chinese():
    from generator.content.messages import FILL, GROUPED, MESSAGES

    cjk = re.compile("[\u4e00-\u9fff]")
    texts = [(code, text) for code, pair in MESSAGES.items() for text in pair if text]
    texts += [(code, text) for code, triple in GROUPED.items() for text in triple] + list(FILL.items())
    assert [(code, text) for code, text in texts if not cjk.search(text) and not re.fullmatch(r"\{\w+\}", text)] == []


def test_every_command_s_help_is_chinese():
    """`handbook -h` and each command's: descriptions and every option, Click's own help option included."""
    import click

    from generator.cli import main

    cjk = re.compile("[\u4e00-\u9fff]")
    commands = [((), main)]
    for path, command in commands:
        commands += [((*path, name), sub) for name, sub in getattr(command, "commands", {}).items()]
    untold = []
    for path, command in commands:
        ctx = click.Context(command, info_name=" ".join(("handbook", *path)))
        texts = [command.help or ""] + [p.help or "" for p in command.get_params(ctx) if isinstance(p, click.Option)]
        untold += [(" ".join(path), text) for text in texts if not cjk.search(text)]
    assert len(commands) >= 9 and untold == []


@pytest.mark.parametrize("loc, said", [
    (("kpis", "items", 0, "weight"), "第 1 个指标的权重（weight）"),
    (("kpis", "items"), "指标列表（items）"),
    (("duties", 2), "第 3 条职责"),
    (("duties", 1, "duties", 0, "text"), "第 2 条职责的第 1 条职责的内容（text）"),
    (("departments", 0, "id"), "第 1 个部门的 id"),
    (("sections", 0, "body", 2, "list", 1), "第 1 节的第 3 段的第 2 条"),
    (("effective",), "生效日期（effective）"),
    (("tables", "label_fill"), "tables 下的 label_fill"),
    ((), "文件"),
])
def test_positions_are_said_as_hr_would_say_them(loc, said):
    from generator.content.messages import where

    assert where(loc).strip() == said


def test_a_problem_names_the_field_it_is_about(tmp_path: Path):
    """The browser editor shows a message at its field: the Problem carries the YAML location and its code."""
    root = overlay_root(tmp_path, TESTS / "bad_roots" / "huge-number")
    with pytest.raises(ContentError) as caught:
        load_handbook(root)
    [problem] = caught.value.problems
    assert (problem.path, problem.line, problem.code, problem.loc) == \
        ("roles/worker.yml", 20, "field.number", ("kpis", "items", 0, "weight"))


# --------------------------------------------------------------------------- syntax: the right line, the right cause


def _syntax(text: str) -> list[str]:
    from generator.content.yamlsource import load_yaml

    doc, problems = load_yaml(Path("worker.yml"), "roles/worker.yml", text.encode("utf-8"))
    assert doc is None
    return [str(p) for p in problems]


def test_a_parser_stopping_on_a_comment_points_at_the_line_above():
    assert _syntax("id: worker\ntitle: 销售代表\nnumber T-02\n# 编号\n\ndepartment: sales\n") == [
        "roles/worker.yml:3: 这一行既不是 '键: 值'，也不是 '- 条目' — 检查：键后面是否少了 ':'，':' 后面是否少了空格，"
        "缩进是否与上下行对齐"]


def test_colon_and_space_inside_a_text_is_told_to_use_quotes_not_to_indent():
    """Following an indentation advice here would break the file further: the fix is quotes."""
    duty = "duties:\n  - id: collect\n    text: 负责回款。注意: 逾期需报批\n  - 拜访客户。\n"
    assert _syntax(duty) == ["roles/worker.yml:3: '负责回款。注意: 逾期需报批' 中的 ': '（冒号加空格）让 YAML 以为后面又是"
                             "一个键 — 把整段文字放进引号：text: \"负责回款。注意: 逾期需报批\"，或把冒号改成全角 '：'"]
    continued = "id: worker\npurpose: 拜访客户，\n  注意: 按时回款\n"
    assert "'注意: 按时回款' 中的 ': '（冒号加空格）" in _syntax(continued)[0]


def test_a_quoted_text_over_several_lines_in_a_valid_file_is_read_as_yaml_reads_it():
    """The line-by-line look runs only when the parser fails: valid YAML is never second-guessed."""
    from generator.content.yamlsource import load_yaml

    doc, problems = load_yaml(Path("w.yml"), "roles/w.yml", 'purpose: "拜访客户，\n  完成任务。"\ntitle: "A: B"\n'.encode())
    assert problems == [] and doc.data == {"purpose": "拜访客户， 完成任务。", "title": "A: B"}


# --------------------------------------------------------------------------- two files, one id or 岗位编号


def _add_role(root: Path, name: str, *edits: tuple[str, str], age: float | None = None) -> Path:
    text = (root / "roles" / "worker.yml").read_text(encoding="utf-8")
    for old, new in edits:
        text = text.replace(old, new, 1)
    path = root / "roles" / name
    path.write_text(text, encoding="utf-8")
    if age is not None:
        os.utime(path, (age, age))
    return path


def test_a_draft_is_told_even_when_it_is_the_older_file(tmp_path: Path):
    root = overlay_root(tmp_path)
    _add_role(root, "a-helper.yml", ("id: worker", "id: a-helper\nstatus: draft"), ("title: 销售代表", "title: 内勤"),
              age=1_000_000_000)  # modified long before worker.yml
    assert problems_of(root) == ["roles/a-helper.yml:4: 草稿：岗位编号 'T-02' 已被 roles/worker.yml（第 3 行）使用 — "
                                 "给这个岗位一个自己的岗位编号（本部门下一个空号：T-03）"]


def test_a_file_not_yet_committed_is_told_then_the_later_modified(tmp_path: Path):
    root = overlay_root(tmp_path)
    git = ["git", "-C", str(root), "-c", "user.name=HR", "-c", "user.email=hr@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "岗位"], check=True)
    new = _add_role(root, "a-helper.yml", ("id: worker", "id: a-helper"), ("title: 销售代表", "title: 内勤"),
                    age=1_000_000_000)
    assert [line.split(": ")[0] for line in problems_of(root)] == ["roles/a-helper.yml:3"]
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "内勤"], check=True)
    os.utime(root / "roles" / "worker.yml", (2_000_000_000, 2_000_000_000))  # both committed: the later edit
    assert [line.split(": ")[0] for line in problems_of(root)] == ["roles/worker.yml:3"]
    assert new.exists()


# --------------------------------------------------------------------------- 岗位编号 follow their department's series


@pytest.mark.parametrize("role, number, says", [
    ("sales-assistant", "YXZX-SC-3", "roles/sales-assistant.yml:9: 岗位编号 'YXZX-SC-3' 的序号位数与市场部的其他编号"
                                     "（YXZX-SC-01）不同 — 写成 'YXZX-SC-03'"),
    ("regional-manager", "YXZX-CH-02", "roles/regional-manager.yml:7: 岗位编号 'YXZX-CH-02' 是营销中心的编号系列"
                                       "（YXZX-CH-…），本岗位属于市场部 — 改用市场部的编号，如 YXZX-SC-04"),
    ("sales-assistant", "ＹＸＺＸ-SC-03", "roles/sales-assistant.yml:9: 岗位编号 'ＹＸＺＸ-SC-03' 的写法与其他编号不同"
                                        "（有全角字符） — 写成 'YXZX-SC-03'"),
])
def test_a_number_outside_its_departments_series_is_an_error(tmp_path: Path, role, number, says):
    from helpers import copy_bundled_content

    root = copy_bundled_content(tmp_path)
    path = root / "roles" / f"{role}.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^number: .*$", f"number: {number}", text), encoding="utf-8")
    assert problems_of(root) == [says]


def test_a_new_series_in_a_department_of_one_series_is_a_note(tmp_path: Path):
    from helpers import copy_bundled_content

    root = copy_bundled_content(tmp_path)
    path = root / "roles" / "sales-assistant.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("number: YXZX-SC-03", "number: YXZX-XS-01"),
                    encoding="utf-8")
    notes: list = []
    load_handbook(root, notes)
    assert [str(n) for n in notes if n.code == "number.new_series"] == [
        "roles/sales-assistant.yml:9: 提示：岗位编号 'YXZX-XS-01' 不在市场部的编号系列（YXZX-SC-…）中 — "
        "如果不是有意另起一个系列，改为 YXZX-SC-03"]


def test_the_bundled_content_has_no_number_problems():
    notes: list = []
    load_handbook(REPO, notes)
    assert {n.code for n in notes} == {"coverage.unmeasured"}
