"""`handbook build` as HR runs it: atomic output, incremental rebuilds, parallel = serial.

These run the real command (or `build_site`, its engine) on a copy of the bundled
content, with the document cache inside that copy (not the run's shared cache: these
tests count what was rendered), filled from the session build (conftest.fill_cache)
so that each build renders only what its test changes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import fill_cache
from helpers import REPO, copy_bundled_content, overlay_root, own_cache_env
from pypdf import PdfReader

from generator import cachedir
from generator.content.loader import load_handbook
from generator.documents import plan as documents
from generator.site.build import BuildFailed, build_site


def handbook(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator.cli", *args], capture_output=True, text=True, cwd=REPO,
                          env=own_cache_env())


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def build(root: Path, out: Path, *extra: str) -> dict:
    report = out.parent / f"{out.name}-report.json"
    run = handbook("build", "--root", str(root), "--out", str(out), "--report", str(report), *extra)
    assert run.returncode == 0, run.stderr
    return json.loads(report.read_text(encoding="utf-8"))


DOCUMENTS = len(documents.plan(load_handbook(REPO)))  # every registered output of the bundled content


@pytest.fixture(scope="module")
def built(tmp_path_factory, built_site):
    """A copy of the bundled content, its cache filled from the session build, built once."""
    tmp = tmp_path_factory.mktemp("build")
    root = copy_bundled_content(tmp)
    fill_cache(root / ".cache" / "handbook", built_site)
    out = tmp / "site"
    report = build(root, out)
    return root, out, report


def test_a_cold_cache_renders_every_document(built_site, tmp_path):
    """Planned against an empty cache, every document is to be rendered (the session build did so)."""
    from generator.documents.produce import Production

    production = Production(load_handbook(REPO), tmp_path / "empty", jobs=1)
    assert production.todo == production.planned and len(production.planned) == DOCUMENTS
    assert len(built_site.report.rendered) + len(built_site.report.reused) == DOCUMENTS


def test_build_command_writes_every_document_and_swaps_the_site_in(built):
    root, out, report = built
    assert report["documents"] == DOCUMENTS and len(report["rendered"]) + len(report["reused"]) == DOCUMENTS
    assert (out / "index.html").is_file() and (out / "downloads" / "manifest.json").is_file()
    assert all((out / path).is_file() for path in report["reused"] + report["rendered"])
    assert not list(out.parent.glob(".site.*")), "the staging folder must be gone after the swap"


def test_no_change_rebuild_reuses_every_document_and_says_so_in_one_summary_line(built, tmp_path):
    """One real rebuild with nothing changed: every document reused, and when not on a terminal the output is
    the summary line, with no progress bar."""
    root, _, _ = built
    report = tmp_path / "report.json"
    run = handbook("build", "--root", str(root), "--out", str(tmp_path / "site"), "--report", str(report))
    assert run.returncode == 0, run.stderr
    assert run.stderr == f"内容文件夹：{root}（--root 指定）\n"  # no progress bar, no jieba chatter, no warnings
    assert run.stdout.startswith("已生成 营销中心员工手册：5 个岗位、") and f"沿用 {DOCUMENTS} 个" in run.stdout
    report = json.loads(report.read_text(encoding="utf-8"))
    assert report["rendered"] == [] and len(report["reused"]) == DOCUMENTS


def test_an_unfinished_draft_does_not_stop_a_fix_to_another_role_from_being_published(built, tmp_path):
    """`handbook new role` leaves purpose, duties and KPIs empty: that draft's problems hold back the draft only."""
    root, _, _ = built
    role = root / "roles" / "regional-manager.yml"
    original = role.read_text(encoding="utf-8")
    made = handbook("new", "role", "--root", str(root), "--title", "大客户经理", "--department", "市场部",
                    "--reports-to", "市场部经理")
    draft = root / "roles" / "da-ke-hu-jing-li.yml"
    try:
        assert made.returncode == 0, made.stderr
        role.write_text(original.replace("全力以赴完成本区域销售和回款任务。", "全力以赴完成本区域的销售和回款任务。"),
                        encoding="utf-8")
        run = handbook("build", "--root", str(root), "--out", str(tmp_path / "site"), "--drafts")
        assert run.returncode == 0, run.stderr
        assert "草稿 roles/da-ke-hu-jing-li.yml 有 3 处问题，没有收入（handbook check 查看）。" in run.stdout
        assert "全力以赴完成本区域的销售和回款任务。" in (tmp_path / "site" / "roles" / "regional-manager.html").read_text(
            encoding="utf-8")
        assert not (tmp_path / "site" / "roles" / "da-ke-hu-jing-li.html").exists()
    finally:
        role.write_text(original, encoding="utf-8")
        draft.unlink(missing_ok=True)


def test_editing_one_role_rerenders_exactly_its_documents(built, tmp_path):
    root, _, _ = built
    role = root / "roles" / "regional-manager.yml"
    original = role.read_text(encoding="utf-8")
    try:
        role.write_text(original.replace("全力以赴完成本区域销售和回款任务。", "全力以赴完成本区域销售和回款任务！"),
                        encoding="utf-8")
        report = build(root, tmp_path / "site")
    finally:
        role.write_text(original, encoding="utf-8")
    assert report["rendered"] == sorted([
        "downloads/appraisals/regional-manager.docx", "downloads/appraisals/regional-manager.pdf",
        "downloads/job-descriptions/regional-manager.docx", "downloads/job-descriptions/regional-manager.pdf",
        "downloads/job-descriptions-all.pdf",  # 全部岗位说明书 prints every role
    ])
    assert report["parts_rendered"] == 1  # … and is assembled from cached pieces: only this role is laid out again
    book = PdfReader(tmp_path / "site" / "downloads" / "job-descriptions-all.pdf")
    assert "全力以赴完成本区域销售和回款任务！" in "".join(page.extract_text() for page in book.pages).replace("\n", "")
    page = (tmp_path / "site" / "roles" / "regional-manager.html").read_text(encoding="utf-8")
    assert "全力以赴完成本区域销售和回款任务！" in page


def test_failed_content_leaves_the_previous_site_byte_identical(built, tmp_path):
    root, out, _ = built
    before = tree_digest(out)
    role = root / "roles" / "sales-assistant.yml"
    original = role.read_text(encoding="utf-8")
    try:
        role.write_text(original.replace("weight: 25", "weight: 35", 1), encoding="utf-8")
        run = handbook("build", "--root", str(root), "--out", str(out))
    finally:
        role.write_text(original, encoding="utf-8")
    assert run.returncode == 1
    assert "roles/sales-assistant.yml:" in run.stderr and "不是 100" in run.stderr
    assert "Traceback" not in run.stderr
    assert tree_digest(out) == before


def test_a_crash_halfway_through_rendering_leaves_the_previous_site(built, tmp_path, monkeypatch):
    root, out, _ = built
    before = tree_digest(out)
    shutil.rmtree(root / ".cache" / "handbook")  # force rendering, so the crash happens mid-build
    real = documents.render
    calls = []

    def crash_on_the_third(hb, doc):
        calls.append(doc)
        if len(calls) == 3:
            raise RuntimeError("simulated renderer crash")
        return real(hb, doc)

    monkeypatch.setattr(documents, "render", crash_on_the_third)
    monkeypatch.delenv(cachedir.ENV)  # the root's own, emptied cache
    with pytest.raises(BuildFailed, match="simulated renderer crash"):
        build_site(root, out, jobs=1)
    assert tree_digest(out) == before
    assert not list(out.parent.glob(".site.*"))


def test_parallel_and_serial_builds_are_byte_identical(tmp_path):
    """Both cold, on the small test root (every output kind, a superior and a report); the two commands run
    at the same time (the same CPU time, half the wait)."""
    from concurrent.futures import ThreadPoolExecutor

    serial_root = overlay_root(tmp_path / "serial")
    parallel_root = overlay_root(tmp_path / "parallel")
    with ThreadPoolExecutor(2) as running:
        serial = running.submit(build, serial_root, tmp_path / "serial-site", "--jobs", "1")
        parallel = running.submit(build, parallel_root, tmp_path / "parallel-site", "--jobs", "2")
        serial, parallel = serial.result(), parallel.result()
    planned = len(documents.plan(load_handbook(serial_root)))
    assert len(serial["rendered"]) == len(parallel["rendered"]) == planned
    serial_docs = tree_digest(tmp_path / "serial-site" / "downloads")
    assert serial_docs == tree_digest(tmp_path / "parallel-site" / "downloads")
    manifest = json.loads((tmp_path / "serial-site" / "downloads" / "manifest.json").read_text(encoding="utf-8"))
    assert {e["path"] for e in manifest} >= {f"downloads/{p}" for p in serial_docs if not p.endswith(".json")}


def test_roots_sharing_a_cache_reuse_each_others_documents(tmp_path, monkeypatch):
    """HANDBOOK_CACHE_DIR: a second checkout of the same content renders nothing; a build of other
    content in between evicts nothing; the roots' own folders stay free of caches."""
    monkeypatch.setenv(cachedir.ENV, str(tmp_path / "shared"))
    first, second, other = (overlay_root(tmp_path / name) for name in ("first", "second", "other"))
    worker = other / "roles" / "worker.yml"
    worker.write_text(worker.read_text(encoding="utf-8").replace("title: ", "title: 另一", 1), encoding="utf-8")
    built = build_site(first, tmp_path / "site-first", jobs=1).report
    assert built.reused == [] and built.rendered
    assert build_site(other, tmp_path / "site-other", jobs=1).report.rendered
    again = build_site(second, tmp_path / "site-second", jobs=1).report
    assert again.rendered == [] and len(again.reused) == len(built.rendered)
    assert not any((root / ".cache").exists() for root in (first, second, other))
