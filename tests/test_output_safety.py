"""Nothing a user types as `--out` or `--report` deletes their files, and no failure is a traceback.

The refusals run the real command: exit 2, one line saying why, and every file of the
content root (and of the would-be output) byte-identical afterwards. Fault tests kill a
real build with SIGKILL and check that `--out` still holds the old site and that the
next build reclaims what the killed one left behind.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import MINIMAL, REPO, own_cache_env

from generator.site import build as sitebuild
from generator.site import outdir
from generator.site.build import BuildFailed, build_site
from generator.site.outdir import MARKER, OutRefused, check_out


def handbook(*args: str, cwd: Path = REPO, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real command, in its own process."""
    return subprocess.run([sys.executable, "-m", "generator.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})}, timeout=300)


def quick(*args: str) -> subprocess.CompletedProcess:
    """The same command in this process (refusals happen before anything is loaded or built)."""
    from click.testing import CliRunner

    from generator import cli

    run = CliRunner().invoke(cli.main, list(args))
    return subprocess.CompletedProcess(args, run.exit_code, run.stdout, run.stderr)


def digest(folder: Path) -> dict[str, str]:
    """Every file and folder under `folder` (hidden ones too), with the bytes of each file."""
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir")
            for p in sorted(folder.rglob("*"))}


@pytest.fixture
def root(tmp_path) -> Path:
    """A small content root, inside a folder that also holds a user's unrelated files."""
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    (home / "notes.txt").write_text("my notes", encoding="utf-8")
    (home / "Documents" / "plan.docx").write_bytes(b"PK\x03\x04 not really")
    shutil.copytree(MINIMAL, home / "R")
    return home / "R"


def refused(run: subprocess.CompletedProcess, *needles: str) -> str:
    assert run.returncode == 2, run.stderr
    # the refusal, after the line naming the content root (when the command got as far as choosing it)
    lines = [line for line in run.stderr.strip().splitlines() if not line.startswith("内容文件夹：")]
    assert len(lines) == 1, run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("out, needle", [
    ("{R}", "就是内容文件夹本身"),
    ("{R}/roles", "在内容文件夹之中（roles/）"),
    ("{R}/roles/new", "在内容文件夹之中（roles/new/）"),
    ("{R}/content", "在内容文件夹之中（content/）"),
    ("{R}/.cache", "在内容文件夹之中（.cache/）"),
    ("{R}/site/deeper", "在内容文件夹之中（site/deeper/）"),
    ("{R}/..", "包含内容文件夹"),
    ("/", "包含内容文件夹"),
    ("{home}", "包含内容文件夹"),
    ("{home}/Documents", "中已有不是手册网站的文件（plan.docx）"),
    ("{home}/notes.txt", "是文件，不是文件夹"),
    ("{home}/notes.txt/site", "notes.txt 是文件，不是文件夹"),
    ("{tool}/templates", "在手册工具自己的文件夹之中"),
    ("{tool}/generator/x", "在手册工具自己的文件夹之中"),
    ("{tool}", "是或包含手册工具自己的文件夹"),
    ("{prefix}", "是或包含本工具的 Python 环境"),
    pytest.param("{prefix}/lib/site", "在本工具的 Python 环境之中",
                 marks=pytest.mark.skipif(sys.prefix == sys.base_prefix, reason="not in a virtual environment")),
])
def test_dangerous_out_is_refused_and_nothing_is_touched(root, out, needle):
    home = root.parent
    before = digest(home)
    out = out.format(R=root, home=home, tool=REPO, prefix=sys.prefix)
    refused(quick("build", "--root", str(root), "--out", out), "错误：--out", needle)
    assert digest(home) == before


@pytest.mark.slow
def test_out_dot_in_a_folder_of_unrelated_files_is_refused(root):
    """The end-to-end run of a refusal (the others run the command in this process)."""
    home = root.parent
    before = digest(home)
    line = refused(handbook("build", "--root", str(root), "--out", ".", cwd=home / "Documents"),
                   "中已有不是手册网站的文件")
    assert "plan.docx" in line and digest(home) == before


def test_symlinks_are_resolved_on_both_sides(root, tmp_path):
    (tmp_path / "link-to-root").symlink_to(root)
    (tmp_path / "link-to-roles").symlink_to(root / "roles")
    before = digest(root)
    refused(quick("build", "--root", str(root), "--out", str(tmp_path / "link-to-root")), "内容文件夹本身")
    refused(quick("build", "--root", str(root), "--out", str(tmp_path / "link-to-roles" / "x")),
            "在内容文件夹之中（roles/x/）")
    refused(quick("build", "--root", str(tmp_path / "link-to-root"), "--out", str(root)), "内容文件夹本身")
    (tmp_path / "loop-a").symlink_to(tmp_path / "loop-b")
    (tmp_path / "loop-b").symlink_to(tmp_path / "loop-a")
    refused(quick("build", "--root", str(root), "--out", str(tmp_path / "loop-a" / "site")),
            "--out", "指回自身的符号链接")
    refused(quick("build", "--root", str(tmp_path / "loop-a"), "--out", str(tmp_path / "out")),
            "--root", "指回自身的符号链接")
    assert digest(root) == before


@pytest.mark.slow
def test_a_bind_mount_of_the_content_root_is_still_the_content_root(root, tmp_path):
    """Paths cannot show it, folder identities (device, inode) do."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    if subprocess.run(["mount", "--bind", str(root), str(mirror)], capture_output=True).returncode:
        pytest.skip("cannot bind-mount here (needs root)")
    try:
        before = digest(root)
        refused(quick("build", "--root", str(root), "--out", str(mirror)), "就是内容文件夹", "从另一条路径到达")
        refused(quick("build", "--root", str(root), "--out", str(mirror / "roles")), "之中（roles/）",
                "从另一条路径到达")
        refused(quick("build", "--root", str(mirror / "roles"), "--out", str(root)), "包含内容文件夹")
        assert digest(root) == before
    finally:
        subprocess.run(["umount", str(mirror)], check=False)


def test_report_in_a_missing_folder_is_refused_before_building(root, tmp_path):
    out = tmp_path / "out"
    report = tmp_path / "missing" / "r.json"
    refused(quick("build", "--root", str(root), "--out", str(out), "--report", str(report)),
            "文件夹", "missing 不存在", "先建好这个文件夹")
    assert not out.exists(), "nothing may be built when the report cannot be written"


def test_report_never_overwrites_a_file_that_is_not_a_report(root, tmp_path):
    role = root / "roles" / "boss.yml"
    before = role.read_bytes()
    refused(quick("build", "--root", str(root), "--out", str(tmp_path / "out"), "--report", str(role)),
            "已经存在，而且不是构建报告")
    assert role.read_bytes() == before and not (tmp_path / "out").exists()
    refused(quick("build", "--root", str(root), "--out", str(tmp_path / "out"), "--report", str(tmp_path)),
            "是一个文件夹")


@pytest.mark.slow
def test_command_line_mistakes_are_one_line(tmp_path):
    refused(handbook("serve", "--dev-addr", "nonsense"), "--dev-addr", "地址:端口")
    refused(quick("serve", "--dev-addr", "127.0.0.1:99999"), "端口必须是 1 到 65535 之间的数字")
    refused(quick("serve", "--root", str(tmp_path / "nowhere")), "不是文件夹")
    refused(quick("build", "--jobs", "-1"), "'--jobs'", "见 ")
    refused(quick("build", "--outt", "x"), "No such option '--outt'")
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    refused(quick("schema", "--out", str(tmp_path / "file.txt")), "无法在这里写入 JSON Schema")


# ------------------------------------------------------------------ what may be replaced


@pytest.mark.slow
def test_builds_are_marked_and_replace_only_builds(root, tmp_path):
    out = tmp_path / "out"
    out.mkdir()  # an empty folder is fine
    first = handbook("build", "--root", str(root), "--out", str(out), "--report", str(tmp_path / "r.json"))
    assert first.returncode == 0, first.stderr
    assert (out / MARKER).read_text(encoding="utf-8") == outdir.MARKER_TEXT
    assert (tmp_path / "r.json").is_file()
    (out / "stale.html").write_text("from an older build", encoding="utf-8")
    again = handbook("build", "--root", str(root), "--out", str(out), "--report", str(tmp_path / "r.json"))
    assert again.returncode == 0, again.stderr
    assert not (out / "stale.html").exists() and (out / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "out", "r.json"], "no staging or old folder left"
    with __import__("zipfile").ZipFile(out / "downloads" / "handbook-offline.zip") as bundle:
        assert MARKER not in bundle.namelist(), "the marker is not part of the site"


@pytest.mark.slow
def test_default_out_and_a_legacy_build_without_marker(root):
    legacy = root / "site"
    (legacy / "downloads").mkdir(parents=True)
    (legacy / "index.html").write_text("<html>old</html>", encoding="utf-8")
    (legacy / "downloads" / "manifest.json").write_text("[]", encoding="utf-8")
    assert check_out(legacy, root) == legacy.resolve()
    (legacy / MARKER).write_text("something else\n", encoding="utf-8")
    with pytest.raises(OutRefused, match="不是手册网站的文件"):
        check_out(legacy, root)


@pytest.mark.slow
def test_out_through_a_symlink_replaces_the_target_and_keeps_the_link(root, tmp_path):
    real = tmp_path / "releases" / "handbook"
    link = tmp_path / "www"
    (tmp_path / "releases").mkdir()
    link.symlink_to(real, target_is_directory=True)
    build_site(root, link, jobs=1)
    assert link.is_symlink() and (real / "index.html").is_file() and (real / MARKER).is_file()
    build_site(root, link, jobs=1)
    assert link.is_symlink() and link.resolve() == real.resolve()


@pytest.mark.slow
def test_a_read_only_place_is_a_refusal_and_an_existing_site_there_is_kept(built_once, tmp_path):
    """As root every permission check passes, but a read-only file system still refuses: the real case."""
    place = tmp_path / "ro"
    place.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(place)], capture_output=True).returncode:
        pytest.skip("cannot mount a file system here (needs root)")
    try:
        shutil.copytree(built_once / "out", place / "site")
        before = digest(place / "site")
        subprocess.run(["mount", "-o", "remount,ro", str(place)], check=True)
        root = built_once / "home" / "R"
        refused(handbook("build", "--root", str(root), "--out", str(place / "new")), "中新建文件夹的权限")
        refused(handbook("build", "--root", str(root), "--out", str(place / "site")), "中文件夹的权限")
        assert digest(place / "site") == before
    finally:
        subprocess.run(["umount", str(place)], check=False)


@pytest.mark.slow
def test_no_write_access_is_a_refusal(root, tmp_path, monkeypatch):
    # As root every permission check passes; the refusal itself is tested through os.access.
    monkeypatch.setattr(outdir.os, "access", lambda path, mode: False)
    with pytest.raises(OutRefused, match="中新建文件夹的权限"):
        check_out(tmp_path / "new" / "site", root)


def test_permission_error_while_preparing_is_one_line(root, tmp_path, monkeypatch):
    def denied(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", denied)
    with pytest.raises(BuildFailed) as caught:
        build_site(root, tmp_path / "a" / "b" / "site", jobs=1)
    message = str(caught.value)
    assert len(message.splitlines()) == 1 and "Permission denied" in message
    assert "申请写入权限" in message


@pytest.mark.slow
@pytest.mark.parametrize("exchange_available", [True, False])
def test_disk_full_during_the_swap_leaves_the_old_site(root, tmp_path, monkeypatch, exchange_available):
    out = tmp_path / "out"
    build_site(root, out, jobs=1)
    before = digest(out)
    full = OSError(errno.ENOSPC, "No space left on device")
    if exchange_available:
        def exchange(a, b):
            raise full
    else:  # two renames: the second one fails, the first is undone
        real_rename = Path.rename

        def rename(self, target):
            if self.name.startswith(".out.building-"):
                raise full
            return real_rename(self, target)

        monkeypatch.setattr(Path, "rename", rename)

        def exchange(a, b):
            return False
    monkeypatch.setattr(outdir, "exchange", exchange)
    with pytest.raises(BuildFailed) as caught:
        build_site(root, out, jobs=1)
    message = str(caught.value)
    assert "No space left on device" in message and "腾出一些磁盘空间" in message
    assert len(message.splitlines()) == 1
    assert digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "out"]


@pytest.mark.slow
def test_a_real_full_disk_leaves_the_old_site(root, built_once, tmp_path):
    """A file system 1.5 × the site (built_once: the same content): the first build fits, the second (old and
    new side by side) does not."""
    size = sum(p.stat().st_size for p in (built_once / "out").rglob("*") if p.is_file())
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size * 3 // 2 // 1024}k", "tmpfs", str(small)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small file system here (needs root)")
    try:
        out = small / "site"
        build_site(root, out, jobs=1)
        before = digest(out)
        (root / "roles" / "worker.yml").write_text((root / "roles" / "worker.yml").read_text(encoding="utf-8")
                                                  .replace("title: ", "title: 新", 1), encoding="utf-8")
        run = handbook("build", "--root", str(root), "--out", str(out))
        assert run.returncode == 1 and "No space left on device" in run.stderr and "Traceback" not in run.stderr
        assert "腾出一些磁盘空间" in run.stderr
        assert digest(out) == before
        assert [p.name for p in small.iterdir()] == ["site"], "the staging folder is cleaned up"
    finally:
        subprocess.run(["umount", str(small)], check=False)


@pytest.mark.slow
def test_fallback_swap_without_renameat2(root, tmp_path, monkeypatch):
    monkeypatch.setattr(outdir, "_RENAMEAT2", None)
    out = tmp_path / "out"
    build_site(root, out, jobs=1)
    (out / "stale.txt").write_text("x", encoding="utf-8")
    build_site(root, out, jobs=1)
    assert not (out / "stale.txt").exists() and (out / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "out"]


def test_exchange_swaps_two_folders_in_one_step(tmp_path):
    if outdir._RENAMEAT2 is None:
        pytest.skip("renameat2 is not available here")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "from-a").touch()
    (tmp_path / "b" / "from-b").touch()
    assert outdir.exchange(tmp_path / "a", tmp_path / "b")
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["from-b"]
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["from-a"]


# ------------------------------------------------------------------ leftovers of killed builds


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_reclaim_removes_only_our_dead_leftovers_and_restores_a_lost_site(tmp_path):
    out = tmp_path / "site"
    dead = _dead_pid()
    stale = tmp_path / f".site.building-{dead}"
    stale.mkdir()
    outdir.mark(stale)
    unmarked = tmp_path / f".site.building-{dead + 1}"
    unmarked.mkdir()
    (unmarked / "keep.txt").touch()
    alive = tmp_path / f".site.building-{os.getppid()}"
    alive.mkdir()
    outdir.mark(alive)
    other = tmp_path / f".other.building-{dead}"
    other.mkdir()
    outdir.mark(other)
    old = tmp_path / f".site.old-{dead}"
    old.mkdir()
    outdir.mark(old)
    (old / "index.html").write_text("the old site", encoding="utf-8")
    handled = outdir.reclaim(out)
    assert set(handled) == {stale, old}
    assert (out / "index.html").read_text(encoding="utf-8") == "the old site", "a site lost mid-swap is put back"
    assert not stale.exists() and unmarked.exists() and alive.exists() and other.exists()


@pytest.fixture(scope="module")
def built_once(tmp_path_factory) -> Path:
    """A content root and its built site, made once; tests copy them."""
    base = tmp_path_factory.mktemp("built-once")
    shutil.copytree(MINIMAL, base / "home" / "R")
    build_site(base / "home" / "R", base / "out", jobs=1)
    return base


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 1.5])
def test_a_killed_build_leaves_the_old_site_and_the_next_build_reclaims(built_once, tmp_path, delay):
    shutil.copytree(built_once, tmp_path, dirs_exist_ok=True, symlinks=True)
    root, out = tmp_path / "home" / "R", tmp_path / "out"
    before = digest(out)
    shutil.rmtree(root / ".cache", ignore_errors=True)  # its own, empty cache: the build renders, long enough to be killed
    (root / "roles" / "worker.yml").write_text((root / "roles" / "worker.yml").read_text(encoding="utf-8")
                                              .replace("title: ", "title: 新", 1), encoding="utf-8")
    build = subprocess.Popen([sys.executable, "-m", "generator.cli", "build", "--root", str(root), "--out", str(out),
                              "--jobs", "1"], cwd=REPO, env=own_cache_env(PYTHONPATH=str(REPO)),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    staging = tmp_path / f".out.building-{build.pid}"
    deadline = time.monotonic() + 60
    while not staging.exists() and build.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert staging.exists(), "the build never created its staging folder"
    time.sleep(delay)
    build.send_signal(signal.SIGKILL)
    build.wait()
    assert build.returncode == -signal.SIGKILL, "the build finished before it could be killed"
    assert digest(out) == before, "a killed build must leave the old site byte-identical"
    assert staging.exists() and (staging / MARKER).is_file()
    again = handbook("build", "--root", str(root), "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert not staging.exists(), "the next build reclaims the killed build's staging folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "out"]
    assert "新" in (out / "roles" / "worker.html").read_text(encoding="utf-8")


# ------------------------------------------------------------------ no tracebacks


def test_an_unexpected_fault_is_one_line_with_exit_3(root, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from generator import cli

    def broken(*args, **kwargs):
        raise RuntimeError("simulated fault\nsecond line")

    monkeypatch.setattr(sitebuild, "build_site", broken)
    monkeypatch.delenv("HANDBOOK_DEBUG", raising=False)
    run = CliRunner().invoke(cli.main, ["build", "--root", str(root), "--out", str(tmp_path / "out")])
    assert run.exit_code == 3, run.output
    _, *lines = run.output.strip().splitlines()  # after the line naming the content root
    assert len(lines) == 1 and "RuntimeError: simulated fault" in lines[0] and "--debug" in lines[0]
    assert "Traceback" not in run.output
    debug = CliRunner().invoke(cli.main, ["--debug", "build", "--root", str(root), "--out", str(tmp_path / "out")])
    assert isinstance(debug.exception, RuntimeError), "--debug lets the traceback through"
