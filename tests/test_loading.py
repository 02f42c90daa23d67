"""What the loader accepts: Chinese names for ids, values spelled as typed, files only from inside the root,
and content limits that keep a build's time and memory bounded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import overlay_root, problems_of

from generator.content.errors import ContentError
from generator.content.loader import load_handbook
from generator.content.model import MAX_DUTIES, MAX_KPIS, MAX_ROLE_TEXT, MAX_TEXT


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_chinese_names_resolve_to_ids(tmp_path):
    root = overlay_root(tmp_path)
    edit(root, "roles/worker.yml", "department: sales", "department: 销售部")
    edit(root, "roles/worker.yml", "reports_to: boss", "reports_to: 销售总监")
    hb = load_handbook(root)
    worker = hb.role("worker")
    assert (worker.department, worker.reports_to) == ("sales", "boss")


def test_department_alias_and_role_alias_resolve(tmp_path):
    root = overlay_root(tmp_path)
    edit(root, "content/site.yml", "    name: 销售部", "    name: 销售部\n    aliases: [营销部]")
    edit(root, "roles/boss.yml", "title: 销售总监", "title: 销售总监\naliases: [市场总监]")
    edit(root, "roles/worker.yml", "department: sales", "department: 营销部")
    edit(root, "roles/worker.yml", "reports_to: boss", "reports_to: 市场总监")
    worker = load_handbook(root).role("worker")
    assert (worker.department, worker.reports_to) == ("sales", "boss")


def test_unknown_chinese_department_lists_choices_with_names(tmp_path):
    root = overlay_root(tmp_path)
    edit(root, "roles/worker.yml", "department: sales", "department: 市场部")
    assert problems_of(root) == ["roles/worker.yml:4: 所属部门（department）写的 '市场部' 不是本手册中的部门 — "
                                 "从 content/site.yml 中选：sales（销售部）"]


@pytest.mark.parametrize("typed", ["0123", "1.10", "0x1F", "1e3", "yes", "no", "2026-02-30", "12:30"])
def test_values_keep_the_spelling_hr_typed(tmp_path, typed):
    root = overlay_root(tmp_path)
    edit(root, "roles/worker.yml", "number: T-02", f"number: {typed}")
    edit(root, "roles/worker.yml", "title: 销售代表", f"title: {typed}")
    edit(root, "roles/worker.yml", 'version: "1.0"', f"version: {typed}")
    worker = load_handbook(root).role("worker")
    assert (worker.number, worker.title, worker.version) == (typed, typed, typed)


def test_numbers_and_dates_still_read_where_fields_want_them(tmp_path):
    root = overlay_root(tmp_path)
    edit(root, "roles/worker.yml", "weight: 40", "weight: 40.0")
    edit(root, "roles/worker.yml", "weight: 60", "weight: 6e1")
    worker = load_handbook(root).role("worker")
    assert [k.weight for k in worker.kpis.items] == [40.0, 60.0]
    assert worker.effective.isoformat() == "2026-12-01"


def test_symlink_to_a_file_outside_the_root_is_refused_without_naming_the_target(tmp_path):
    root = overlay_root(tmp_path)
    outside = tmp_path / "elsewhere" / "spy.yml"
    outside.parent.mkdir()
    outside.write_text((root / "roles" / "worker.yml").read_text(encoding="utf-8").replace("id: worker", "id: spy"),
                       encoding="utf-8")
    (root / "roles" / "spy.yml").symlink_to(outside)
    (root / "roles" / "passwd.yml").symlink_to("/etc/passwd")
    found = problems_of(root)
    assert found == [
        "roles/passwd.yml:1: 这是一个符号链接，指向内容文件夹之外的文件 — 把文件复制到这个文件夹中，不要用链接",
        "roles/spy.yml:1: 这是一个符号链接，指向内容文件夹之外的文件 — 把文件复制到这个文件夹中，不要用链接",
    ]
    assert not any(str(tmp_path) in line or "/etc" in line for line in found)


def test_symlink_inside_the_root_is_read(tmp_path):
    root = overlay_root(tmp_path)
    os.rename(root / "roles" / "worker.yml", root / "worker-source.yml")
    (root / "roles" / "worker.yml").symlink_to(root / "worker-source.yml")
    assert load_handbook(root).role("worker").title == "销售代表"


def test_editor_leftovers_are_ignored(tmp_path):
    root = overlay_root(tmp_path)
    (root / "roles" / ".worker.yml.swp").write_bytes(b"\x00binary")
    (root / "roles" / "~$worker.yml").write_text("garbage: [", encoding="utf-8")
    (root / "roles" / "README.md").write_text("# roles", encoding="utf-8")
    assert problems_of(root) == []


def _duties(n: int, text: str = "拜访客户。") -> str:
    return "".join(f"  - {text}\n" for _ in range(n))


@pytest.mark.parametrize("case, expected", [
    ("long-duty", f"roles/worker.yml:14: 第 3 条职责有 {MAX_TEXT + 1:,} 个字，最多 {MAX_TEXT:,} 个 — 拆成几条较短的"),
    ("many-duties", f"roles/worker.yml:9: 岗位职责（duties）有 {MAX_DUTIES + 2:,} 项，最多 {MAX_DUTIES:,} 项"
                    " — 拆分内容，或只保留需要的"),
    ("much-text", f"roles/worker.yml:1: 本岗位共有 {MAX_ROLE_TEXT + 10 + 141:,} 个字；一个岗位最多 "
                  f"{MAX_ROLE_TEXT:,} 个字 — 精简职责和指标：岗位说明书是给人读的，不是存档"),
])
def test_content_limits(tmp_path, case, expected):
    root = overlay_root(tmp_path)
    if case == "long-duty":
        extra = _duties(1, "长" * (MAX_TEXT + 1))
    elif case == "many-duties":
        extra = _duties(MAX_DUTIES)
    else:
        extra = _duties(MAX_ROLE_TEXT // 2000, "长" * 2000) + "  - " + "长" * 10 + "\n"
    edit(root, "roles/worker.yml", "kpis:\n", extra + "kpis:\n")
    assert problems_of(root) == [expected]


def test_too_many_kpis(tmp_path):
    root = overlay_root(tmp_path)
    kpi = ("    - name: 指标\n      definition: 定义\n      target: 目标\n      weight: 1\n      cycle: 月度\n"
           "      source: 台账\n      measures: [visit]\n")
    edit(root, "roles/worker.yml", "  items:\n", "  items:\n" + kpi * MAX_KPIS)
    assert problems_of(root) == [f"roles/worker.yml:16: 指标列表（items）有 {MAX_KPIS + 2} 项，最多 {MAX_KPIS} 项 — "
                                 "拆分内容，或只保留需要的"]


# --------------------------------------------------------------------------- the content root a command works on


def test_the_content_root_is_the_folder_the_command_runs_in(tmp_path, monkeypatch):
    """As git finds its repository: the current folder, or the first folder above it with roles/ or content/;
    without one, the bundled content. Every command says which it used, first."""
    from click.testing import CliRunner

    from generator.cli import REPO_ROOT, main

    root = overlay_root(tmp_path)
    for where, said in ((root, "当前文件夹"), (root / "roles", "当前文件夹的上级")):
        monkeypatch.chdir(where)
        run = CliRunner().invoke(main, ["check"])
        assert run.stderr.splitlines()[0] == f"内容文件夹：{root}（{said}）"
        assert run.stdout.startswith("检查通过：2 个岗位、")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    run = CliRunner().invoke(main, ["check"])
    assert run.stderr.splitlines()[0] == \
        f"内容文件夹：{REPO_ROOT}（工具自带的示例内容：当前文件夹和它的上级中都没有 roles/ 或 content/）"
    assert run.stdout.startswith("检查通过：5 个岗位、")
    run = CliRunner().invoke(main, ["check", "--root", str(root)])
    assert run.stderr.splitlines()[0] == f"内容文件夹：{root}（--root 指定）"


def test_build_writes_site_into_the_folder_it_runs_in(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from generator import cli
    from generator.site import build as site_build

    root = overlay_root(tmp_path)
    called = {}

    def build_site(at, out, **options):
        called.update(root=at, out=out)
        raise site_build.BuildFailed("stop here")

    monkeypatch.setattr(site_build, "build_site", build_site)
    monkeypatch.chdir(root)
    run = CliRunner().invoke(cli.main, ["build"])
    assert run.exit_code == 1 and called == {"root": root.resolve(), "out": (root / "site").resolve()}
    assert run.stderr.splitlines()[-1] == f"没有生成：{(root / 'site').resolve()} 保持原样。"


# --------------------------------------------------------------------------- drafts never block


NEW_DRAFT = ("id: new-lead\nstatus: draft\ntitle: 销售组长\nnumber: T-03\ndepartment: sales\nreports_to: boss\n"
             "purpose:\nversion: \"0.1\"\nduties:\n")


def test_an_unfinished_draft_is_held_back_and_blocks_nothing(tmp_path):
    root = overlay_root(tmp_path)
    (root / "roles" / "new-lead.yml").write_text(NEW_DRAFT, encoding="utf-8")
    edit(root, "roles/worker.yml", "reports_to: boss", "reports_to: new-lead")
    notes: list = []
    hb = load_handbook(root, notes)
    assert [r.id for r in hb.roles] == ["boss", "worker"]
    assert hb.role("worker").reports_to == "boss", "reports past the held-back draft, as in the published handbook"
    assert [str(p) for p in hb.draft_problems] == [
        "roles/new-lead.yml:7: 草稿：岗位目的（purpose）是空的 — 请用一两句话写明本岗位为什么设立、对什么结果负责，"
        "写在冒号后面（冒号后留一个空格）",
        "roles/new-lead.yml:9: 草稿：岗位职责（duties）是空的 — 请填写岗位职责，每行一条 '- …'；要被 KPI 引用的职责写成 "
        "'- id: 英文id' 加下一行 '  text: …'（见文件中的示例）"]
    assert set(hb.draft_problems) <= set(notes)
    with pytest.raises(ContentError) as strict:
        load_handbook(root, strict=True)
    assert strict.value.problems == list(hb.draft_problems)


def test_a_draft_copy_held_back_by_its_id_leaves_the_original_in_place(tmp_path):
    root = overlay_root(tmp_path)
    text = (root / "roles" / "worker.yml").read_text(encoding="utf-8")
    (root / "roles" / "worker - 副本.yml").write_text("status: draft\n" + text, encoding="utf-8")
    hb = load_handbook(root)
    assert [r.id for r in hb.roles] == ["boss", "worker"] and hb.role("worker").status == "published"
    assert [p.path for p in hb.draft_problems] == ["roles/worker - 副本.yml"]


def test_a_draft_that_is_fine_is_shown_and_a_published_file_with_a_mistake_still_blocks(tmp_path):
    root = overlay_root(tmp_path)
    (root / "roles" / "new-lead.yml").write_text(NEW_DRAFT.replace("purpose:", "purpose: 带组。")
                                                 + "  - 带领小组拜访客户。\n", encoding="utf-8")
    hb = load_handbook(root)
    assert hb.role("new-lead").status == "draft" and hb.draft_problems == ()
    edit(root, "roles/worker.yml", "weight: 60", "weight: 50")
    assert problems_of(root) == ["roles/worker.yml:16: 指标权重合计 90，不是 100 — 调整各指标的权重（weight），"
                                 "使合计为 100：还差 10"]


def test_a_draft_form_printing_a_held_back_draft_policy_is_held_back_too(tmp_path):
    from helpers import copy_bundled_content

    root = copy_bundled_content(tmp_path)
    edit(root, "content/policies/entertainment-expenses.yml", "title:", "status: draft\ntitle:")
    edit(root, "content/forms/key-client-entertainment.yml", "title:", "status: draft\ntitle:")
    for broken in ("extra_dishes: 1", "extra_dishes: 1\n\textra: x"):  # a value wrong; then YAML that cannot be read
        edit(root, "content/policies/entertainment-expenses.yml", "extra_dishes: 1", broken.replace("1", "一", 1))
        hb = load_handbook(root)
        assert "entertainment-expenses" not in {p.id for p in hb.policies}
        assert "key-client-entertainment" not in {f.id for f in hb.forms}
        assert [str(p) for p in hb.draft_problems if p.code == "draft.depends"] == [
            "content/forms/key-client-entertainment.yml:14: 草稿：所属制度（policy）写的 'entertainment-expenses' 是一个"
            "还有问题的草稿，改好之前这里无法显示 — 先改好 content/policies/entertainment-expenses.yml"]
        edit(root, "content/policies/entertainment-expenses.yml", broken.replace("1", "一", 1), "extra_dishes: 1")


# --------------------------------------------------------------------------- files that look like content


def test_look_alike_files_each_get_a_line(tmp_path):
    """Notepad's `.yml.txt`, `.yaml`, `.YML`: named, never read silently; a GBK file: said how to re-save."""
    root = overlay_root(tmp_path)
    text = (root / "roles" / "worker.yml").read_text(encoding="utf-8").replace("id: worker", "id: qu-dao")
    (root / "roles" / "qu-dao.yml.txt").write_text(text, encoding="utf-8")
    (root / "roles" / "gbk.yml").write_bytes(text.replace("id: qu-dao", "id: gbk").encode("gb18030"))
    assert [line.split(" — ")[0] for line in problems_of(root)] == [
        "roles/gbk.yml:2: 文件是 GBK 编码（中文 Windows 记事本的默认编码），不是 UTF-8，没有读取",
        "roles/qu-dao.yml.txt:1: 文件名多了 '.yml.txt'（记事本另存时加上的），这个文件没有读取"]
