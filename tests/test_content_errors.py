"""Every content mistake HR can make gets one exact `path:line: message — hint` line.

Each folder in tests/bad_roots/ is an overlay on tests/roots/minimal/ plus the
exact lines `handbook check` must print for it (expected.txt).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import MINIMAL, REPO, TESTS, overlay_root, problems_of

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
