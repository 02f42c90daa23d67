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
    assert "anchor '&a' is not allowed" in lines[0]


@pytest.mark.slow
def test_check_command_prints_every_problem_and_exits_1(tmp_path: Path):
    root = overlay_root(tmp_path, TESTS / "bad_roots" / "several-files")
    run = subprocess.run([sys.executable, "-m", "generator.cli", "check", "--root", str(root)],
                         capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if ": note: " not in line]  # notes (KPI coverage) aside
    assert lines[:2] == (TESTS / "bad_roots" / "several-files" / "expected.txt").read_text().splitlines()
    assert "2 problem(s) found" in lines[2]


@pytest.mark.slow
def test_build_command_refuses_bad_content_without_traceback(tmp_path: Path):
    root = overlay_root(tmp_path, TESTS / "bad_roots" / "tab-indent")
    run = subprocess.run([sys.executable, "-m", "generator.cli", "build", "--root", str(root),
                          "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith("roles/worker.yml:10: tab character used for indentation")
    assert not (tmp_path / "out").exists()
