"""Fuzz: clumsy edits to the bundled YAML never crash the tool and never damage a published site.

Hypothesis mutates the real content files the way hurried editing does — lines deleted,
duplicated or swapped, characters inserted (control characters, full-width punctuation,
YAML syntax), indentation changed — and checks that loading either succeeds or reports
``path:line: message`` problems, never anything else. A few mutants also go through the
real ``handbook build`` command: exit 0 or 1, no traceback, and the output folder is
either untouched (failure) or a complete site (success).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, copy_bundled_content
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.content.errors import ContentError
from generator.content.loader import load_handbook

FILES = sorted(p.relative_to(REPO).as_posix() for folder in ("roles", "content") for p in (REPO / folder).rglob("*.yml"))
INSERTS = ["\x00", "\x01", "\x0b", "\x0c", "\x1b", "\x7f", "\t", "\r", "\u3000", "：", "－", "“", "”", "，", "\ufeff",
           "\u200b", ":", ": ", "-", "- ", "#", "&", "*", "!", "|", ">", "%", "@", "`", "{", "}", "[", "]", "'", '"',
           "?", "~", "0", "1e3", "0x1F", "yes", "null", "\\", "\n", "  ", "长"]
PROBLEM_LINE = re.compile(r"^[^\s:][^:]*:\d+: \S")


@st.composite
def mutation(draw):
    rel = draw(st.sampled_from(FILES))
    lines = (REPO / rel).read_text(encoding="utf-8").split("\n")
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "indent"]))
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.sampled_from(INSERTS)) + lines[i][at:]
        else:
            change = draw(st.integers(-4, 5))
            lines[i] = " " * change + lines[i] if change > 0 else lines[i][min(-change, len(lines[i]) - len(lines[i].lstrip(" "))):]
    return rel, "\n".join(lines)


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Path:
    return copy_bundled_content(tmp_path_factory.mktemp("fuzz"))


def _apply(root: Path, rel: str, text: str) -> None:
    for name in FILES:  # start from the bundled content every time
        shutil.copyfile(REPO / name, root / name)
    (root / rel).write_text(text, encoding="utf-8", newline="")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation())
def test_loading_a_mutant_succeeds_or_reports_problems(content, mutant):
    rel, text = mutant
    _apply(content, rel, text)
    try:
        load_handbook(content)
    except ContentError as exc:
        assert exc.problems, "a ContentError must carry its problems"
        for problem in exc.problems:
            assert PROBLEM_LINE.match(str(problem)), str(problem)
            assert problem.line >= 1 and "Traceback" not in str(problem)


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def published(tmp_path_factory, content) -> Path:
    """A site built from the unmodified bundled content, where every mutant build is published."""
    out = tmp_path_factory.mktemp("published") / "site"
    _apply(content, FILES[0], (REPO / FILES[0]).read_text(encoding="utf-8"))
    run = _build(content, out)
    assert run.returncode == 0, run.stderr
    return out


def _build(root: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator.cli", "build", "--root", str(root), "--out", str(out)],
                          capture_output=True, text=True, cwd=REPO, timeout=300)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation())
def test_building_a_mutant_leaves_the_old_site_or_a_complete_new_one(content, published, mutant):
    rel, text = mutant
    _apply(content, rel, text)
    before = _tree_digest(published)
    run = _build(content, published)
    assert run.returncode in (0, 1), run.stderr
    assert "Traceback" not in run.stderr
    if run.returncode == 1:
        assert _tree_digest(published) == before, "a failed build changed the published site"
        assert all(PROBLEM_LINE.match(line) or not line.strip() or
                   line.startswith(("内容文件夹：", "没有生成：", "error:", "warning:")) for line in run.stderr.splitlines()), \
            run.stderr
    else:
        manifest = json.loads((published / "downloads" / "manifest.json").read_text(encoding="utf-8"))
        assert (published / "index.html").is_file()
        assert all((published / entry["path"]).is_file() for entry in manifest)
