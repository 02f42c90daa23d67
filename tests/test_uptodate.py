"""`handbook build`'s up-to-date check: every input a build reads changes the stamp, an unchanged file
touched does not, a site counts as current only as its build left it, a failed build stamps nothing; and once
for real: a second build with nothing changed answers without importing MkDocs or the model, an edit builds
again."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from conftest import fill_cache
from helpers import MINIMAL, REPO, commit_all, copy_bundled_content, own_cache_env

from generator import cachedir, cli
from generator.content.folders import CONTENT_FOLDERS
from generator.content.model import KINDS, register_kind
from generator.site import build as sitebuild
from generator.site import outdir, uptodate
from generator.site.engines import mkdocs as mkdocs_engine


@pytest.fixture
def tool(tmp_path, monkeypatch) -> Path:
    """A stand-in for the tool's own folder: templates, overrides, the shim, mkdocs.yml, the lock file."""
    tool = tmp_path / "tool"
    for name in ("templates/pdf/jd.html", "site_overrides/main.html", "vendor/iframe-worker/shim.js",
                 "mkdocs.yml", "requirements.lock"):
        (tool / name).parent.mkdir(parents=True, exist_ok=True)
        (tool / name).write_text(f"{name}\n", encoding="utf-8")
    monkeypatch.setattr(uptodate, "TOOL_ROOT", tool)
    return tool


@pytest.fixture
def root(tmp_path) -> Path:
    root = tmp_path / "root"
    shutil.copytree(MINIMAL, root)
    return root


def stamp(root: Path, out: Path | None = None, engine: str = "mkdocs",
          drafts: bool = False) -> dict[str, str]:
    return uptodate.inputs(root, out or root / "site", engine=engine, drafts=drafts)


def test_the_content_folders_hold_every_kind():
    """`content/folders.py` names them without the model; every kind's folder must lie in one of them."""
    assert {kind.folder.split("/")[0] for kind in KINDS.values()} <= set(CONTENT_FOLDERS)
    notice = dataclasses.replace(KINDS["guide"], name="notice", plural="notices", folder="notices")
    with pytest.raises(ValueError, match="must lie in roles or content"):
        register_kind(notice)
    assert "notice" not in KINDS


def test_every_content_and_tool_file_changes_the_stamp(root, tool):
    role = next((root / "roles").glob("*.yml"))
    edits = [
        (role, lambda p: p.write_text(p.read_text(encoding="utf-8") + "# 改\n", encoding="utf-8")),
        (root / "content" / "logo.svg", lambda p: p.write_text("<svg/>", encoding="utf-8")),  # logos too
        (root / "roles" / "new.yml", lambda p: p.write_text("id: new\n", encoding="utf-8")),
        (role, lambda p: p.unlink()),
        (root / "mkdocs.yml", lambda p: p.write_text("site_name: x\n", encoding="utf-8")),
        (root / "site_overrides" / "site" / "role.md.j2", lambda p: p.write_text("{{x}}", encoding="utf-8")),
        (tool / "templates" / "pdf" / "jd.html", lambda p: p.write_text("<p>", encoding="utf-8")),
        (tool / "site_overrides" / "main.html", lambda p: p.write_text("{% block x %}", encoding="utf-8")),
        (tool / "vendor" / "iframe-worker" / "shim.js", lambda p: p.write_text("//", encoding="utf-8")),
        (tool / "mkdocs.yml", lambda p: p.write_text("site_name: y\n", encoding="utf-8")),
        (tool / "requirements.lock", lambda p: p.write_text("mkdocs==9\n", encoding="utf-8")),
    ]
    seen = [stamp(root)]
    for path, edit in edits:
        path.parent.mkdir(parents=True, exist_ok=True)
        edit(path)
        seen.append(stamp(root))
        assert seen[-1] != seen[-2], f"{path} changed, the stamp did not"


def test_the_package_fonts_environment_and_options_change_the_stamp(root, tool, monkeypatch, tmp_path):
    before = stamp(root)
    monkeypatch.setattr(cachedir, "package_digest", lambda: "other code")
    assert stamp(root)["package"] != before["package"]
    fonts = cachedir.font_stamps()
    monkeypatch.setattr(cachedir, "font_stamps", lambda: [*fonts, ["/usr/share/fonts/new.otf", 1, 1]])
    assert stamp(root)["fonts"] != before["fonts"]
    for name, value in (("SOURCE_DATE_EPOCH", "1700000000"), (cachedir.ENV, str(tmp_path / "shared"))):
        with monkeypatch.context() as env:
            env.setenv(name, value)
            assert stamp(root)["environment"] != before["environment"], name
    assert stamp(root)["environment"] == before["environment"]
    variants = (before, stamp(root, engine="zensical"), stamp(root, drafts=True),
                stamp(root, tmp_path / "other"))
    assert len({json.dumps(s, sort_keys=True) for s in variants}) == 4


def test_a_commit_changes_the_stamp_and_the_index_does_not(root, tool):
    outside = stamp(root)
    commit_all(root)
    committed = stamp(root)
    assert committed["git"] != outside["git"] and committed["content"] == outside["content"]
    (root / "roles" / "x.yml").write_text("id: x\n", encoding="utf-8")
    edited = stamp(root)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    assert stamp(root) == edited, "staging a file changes nothing a build reads"
    commit_all(root, "第二版")
    assert stamp(root)["git"] != edited["git"], "a new commit builds again (修订记录 come from it)"


def test_an_unchanged_file_touched_keeps_the_stamp(root, tool):
    before = stamp(root)
    for path in [*root.rglob("*.yml"), tool / "templates" / "pdf" / "jd.html"]:
        os.utime(path, (1_000_000_000, 1_000_000_000))
    assert stamp(root) == before


def site_with_stamp(root: Path, out: Path, parts: dict[str, str]) -> None:
    out.mkdir()
    outdir.mark(out)
    (out / "index.html").write_text("<h1>手册</h1>", encoding="utf-8")
    (out / "downloads").mkdir()
    (out / "downloads" / "manifest.json").write_text("[]", encoding="utf-8")
    uptodate.write(out, parts, pages=1, documents=0)


@pytest.mark.parametrize("change", ["nothing", "inputs", "marker", "edited", "added", "removed", "stamp"])
def test_a_site_is_current_only_as_its_build_left_it(root, tool, tmp_path, change):
    out, parts = tmp_path / "site", stamp(root)
    site_with_stamp(root, out, parts)
    if change == "inputs":
        parts = {**parts, "content": "other"}
    elif change == "marker":
        (out / outdir.MARKER).unlink()
    elif change == "edited":
        (out / "index.html").write_text("<h1>改过</h1>", encoding="utf-8")
    elif change == "added":
        (out / "stale.html").write_text("", encoding="utf-8")
    elif change == "removed":
        (out / "downloads" / "manifest.json").unlink()
    elif change == "stamp":
        (out / uptodate.STAMP).write_text("{", encoding="utf-8")
    found = uptodate.is_current(out, parts)
    assert (found is not None) == (change == "nothing")
    if found is not None:
        assert found["pages"] == 1


def fake_engine(fail: bool):
    def build(root, site_dir, options):
        (site_dir / "index.html").write_text("<h1>手册</h1>", encoding="utf-8")
        if fail:
            raise sitebuild.BuildFailed("错误：页面写不出来")
        return SimpleNamespace(pages=1, report=SimpleNamespace(produced=["a.pdf", "a.docx"]))
    return build


def test_only_a_complete_build_is_stamped(root, tool, tmp_path, monkeypatch):
    out, parts = tmp_path / "site", stamp(root)
    monkeypatch.setattr(mkdocs_engine, "build", fake_engine(fail=True))
    with pytest.raises(sitebuild.BuildFailed):
        sitebuild.build_site(root, out, stamp=parts)
    assert not out.exists() and not list(tmp_path.glob(".site.*")), "a failed build writes no stamp anywhere"
    monkeypatch.setattr(mkdocs_engine, "build", fake_engine(fail=False))
    sitebuild.build_site(root, out, stamp=parts)
    assert uptodate.is_current(out, parts) == json.loads((out / uptodate.STAMP).read_text(encoding="utf-8"))
    assert uptodate.is_current(out, parts)["documents"] == 2
    monkeypatch.setattr(mkdocs_engine, "build", fake_engine(fail=True))
    before = (out / uptodate.STAMP).read_bytes()
    with pytest.raises(sitebuild.BuildFailed):
        sitebuild.build_site(root, out, stamp={**parts, "content": "edited"})
    assert (out / uptodate.STAMP).read_bytes() == before, "the previous site keeps its own stamp"


def test_the_command_skips_a_current_site_and_force_builds_it(root, tmp_path, monkeypatch):
    out, report = tmp_path / "site", tmp_path / "report.json"
    monkeypatch.setattr(mkdocs_engine, "build", fake_engine(fail=False))
    sitebuild.build_site(root, out, stamp=stamp(root, out))
    calls = []

    def refused(*args, **kwargs):
        calls.append(kwargs)
        raise sitebuild.BuildFailed("错误：重新生成了")

    monkeypatch.setattr(sitebuild, "build_site", refused)
    args = ["build", "--root", str(root), "--out", str(out), "--report", str(report)]
    run = CliRunner().invoke(cli.main, args)
    assert run.exit_code == 0 and not calls, run.output
    assert f"网站已是最新：内容、模板和工具自上次生成以来都没有变化（{out}）。要重新生成，加 --force。" in run.output
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["up_to_date"] is True and written["rendered"] == [] and written["pages"] == 1
    forced = CliRunner().invoke(cli.main, [*args, "--force"])
    assert forced.exit_code == 1 and len(calls) == 1 and "错误：重新生成了" in forced.output
    assert calls[0]["stamp"] == stamp(root, out), "a forced build stamps what it read"


# ------------------------------------------------------------------ once for real


def listing(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_second_build_with_nothing_changed_is_skipped_before_anything_heavy_is_imported(tmp_path,
                                                                                         built_site):
    root = copy_bundled_content(tmp_path)
    fill_cache(root / ".cache" / "handbook", built_site)  # the first build reuses the session's documents
    out, report = tmp_path / "site", tmp_path / "report.json"

    def build(*extra: str) -> tuple[subprocess.CompletedProcess, dict]:
        run = subprocess.run([sys.executable, *extra, "-m", "generator.cli", "build", "--root", str(root),
                              "--out", str(out), "--report", str(report)],
                             capture_output=True, text=True, cwd=REPO, env=own_cache_env())
        assert run.returncode == 0, run.stderr
        return run, json.loads(report.read_text(encoding="utf-8"))

    _, first = build()
    assert first["up_to_date"] is False and (out / uptodate.STAMP).is_file()
    before = listing(out)
    again, second = build("-X", "importtime")
    assert "网站已是最新：内容、模板和工具自上次生成以来都没有变化" in again.stdout and second["up_to_date"] is True
    assert listing(out) == before, "an up-to-date site is not touched"
    imported = {line.split("|")[-1].strip() for line in again.stderr.splitlines()
                if line.startswith("import time:")}
    heavy = {"mkdocs", "pydantic", "weasyprint", "jieba", "generator.content.model",
             "multiprocessing.forkserver"}
    assert "generator.site.uptodate" in imported and not heavy & imported, sorted(heavy & imported)

    role = root / "roles" / "sales-assistant.yml"
    role.write_text(role.read_text(encoding="utf-8").replace("title: ", "title: 新", 1), encoding="utf-8")
    _, third = build()
    assert third["up_to_date"] is False
    assert "downloads/job-descriptions/sales-assistant.pdf" in third["rendered"]
