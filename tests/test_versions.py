"""Versions that move with the content: the next version and its 修订记录 row for whatever writes content
(import, new role, the editor), and the note `handbook check` adds when a hand edit left the version alone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from helpers import commit_all, copy_bundled_content

from generator.authoring import newrole
from generator.authoring.importer.roundtrip import set_version
from generator.cli import main
from generator.content.loader import load_handbook
from generator.history import versions

DAY = dt.date(2027, 3, 1)
REGIONAL = "roles/regional-manager.yml"
OLD_DUTY, NEW_DUTY = "全力以赴完成本区域销售和回款任务。", "全力以赴完成本区域销售与回款任务，每月汇报。"


@pytest.fixture()
def root(tmp_path) -> Path:
    """The bundled content, committed: its last commit is the last release."""
    return commit_all(copy_bundled_content(tmp_path))


def edit(root: Path, rel: str, old: str, new: str) -> bytes:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path.read_bytes()


@pytest.mark.parametrize("old, new", [("1.0", "1.1"), ("1.9", "1.10"), ("2", "2.1"), ("V1.2", "V1.3"),
                                      ("1.0.3", "1.0.4")])
def test_the_next_version_raises_the_last_number(old, new):
    assert versions.next_version(old) == new


def test_a_changed_role_is_offered_the_next_version_with_its_changes_as_the_row(root):
    assert versions.offer(root, REGIONAL, (root / REGIONAL).read_bytes(), today=DAY) is None  # as released
    raw = edit(root, REGIONAL, "target: ≥ 95%", "target: ≥ 98%")
    raw = edit(root, REGIONAL, OLD_DUTY, NEW_DUTY)
    offer = versions.offer(root, REGIONAL, raw, today=DAY)
    assert offer.version == "1.1" and offer.effective == DAY and not offer.replaces
    assert offer.revision.date == DAY and offer.revision.summary == (
        f"岗位职责 4：“{OLD_DUTY}” → “{NEW_DUTY}”；KPI 区域回款率：目标值 ≥ 95% → ≥ 98%")
    # written into the file: version, 生效日期 and the row on top of 修订记录; the role loads
    (root / REGIONAL).write_text(set_version(raw.decode(), offer), encoding="utf-8")
    role = load_handbook(root).role("regional-manager")
    assert (role.version, role.effective) == ("1.1", DAY)
    assert [(r.version, r.date) for r in role.revisions] == [("1.1", DAY), ("1.0", dt.date(2026, 12, 1))]
    # once raised, the version stays and its row says what changed since the last commit
    raw = edit(root, REGIONAL, "承办领导交办的其他事项及未尽事宜。", "承办领导交办的其他事项。")
    later = versions.offer(root, REGIONAL, raw, today=DAY + dt.timedelta(days=3))
    assert later.version == "1.1" and later.replaces and later.effective == DAY and later.revision.date == DAY
    assert later.revision.summary.count("；") == 2 and "岗位职责 6：" in later.revision.summary
    (root / REGIONAL).write_text(set_version(raw.decode(), later), encoding="utf-8")
    assert [r.version for r in load_handbook(root).role("regional-manager").revisions] == ["1.1", "1.0"]
    assert versions.offer(root, REGIONAL, (root / REGIONAL).read_bytes(), today=DAY) is None  # said already


def test_a_row_in_hr_own_words_is_kept(root):
    edit(root, REGIONAL, 'version: "1.0"', 'version: "1.1"')
    raw = edit(root, REGIONAL, "revisions:    # 修订记录：每次正式发布新版本时，在这里加一行（版本、日期、修订内容、修订人）\n",
               "revisions:\n  - version: \"1.1\"\n    date: 2027-02-01\n    summary: 回款职责每月汇报\n")
    raw = edit(root, REGIONAL, OLD_DUTY, NEW_DUTY)
    assert versions.offer(root, REGIONAL, raw, today=DAY) is None


def test_drafts_keep_their_version_and_new_files_start_with_their_first_row(root):
    raw = edit(root, REGIONAL, "title: 大区经理", "status: draft\ntitle: 大区经理")
    assert versions.offer(root, REGIONAL, edit(root, REGIONAL, OLD_DUTY, NEW_DUTY), today=DAY) is None
    text = (root / "roles" / "planning-manager.yml").read_text(encoding="utf-8")
    copy = text.replace("id: planning-manager", "id: copy-manager").replace("title: 营销策划经理", "title: 复制经理")
    start, end = copy.index("revisions:"), copy.index("duties:")
    offer = versions.offer(root, "roles/copy-manager.yml", (copy[:start] + copy[end:]).encode(), today=DAY)
    assert (offer.version, offer.revision.summary, offer.effective) == ("1.0", "新增岗位 复制经理", None)
    assert versions.offer(root, "roles/copy-manager.yml", copy.encode(), today=DAY) is None  # it has its own rows
    del raw


def test_without_git_the_file_before_the_write_stands_for_the_release(tmp_path):
    root = copy_bundled_content(tmp_path)
    before = (root / REGIONAL).read_bytes()
    offer = versions.offer(root, REGIONAL, edit(root, REGIONAL, OLD_DUTY, NEW_DUTY), before=before, today=DAY)
    assert offer.version == "1.1"
    assert versions.offer(root, REGIONAL, (root / REGIONAL).read_bytes(), today=DAY) is None  # nothing to compare


def test_the_editor_gets_the_offer_as_the_data_of_its_form(root):
    offer = versions.offer(root, REGIONAL, edit(root, REGIONAL, OLD_DUTY, NEW_DUTY), today=DAY)
    data = {"id": "regional-manager", "version": "1.0", "effective": "2026-12-01",
            "revisions": [{"version": "1.0", "date": "2026-12-01", "summary": "首次发布"}]}
    assert offer.apply(data) == {**data, "version": "1.1", "effective": "2027-03-01", "revisions": [
        {"version": "1.1", "date": "2027-03-01", "summary": f"岗位职责 4：“{OLD_DUTY}” → “{NEW_DUTY}”"},
        {"version": "1.0", "date": "2026-12-01", "summary": "首次发布"}]}


def check(root: Path) -> list[str]:
    run = CliRunner().invoke(main, ["check", "--root", str(root)])
    assert run.exit_code == 0, run.stderr
    return run.stderr.splitlines()


def test_check_notes_a_hand_edit_that_left_the_version_alone(root):
    assert not [line for line in check(root) if "版本仍是" in line]
    edit(root, REGIONAL, OLD_DUTY, NEW_DUTY)
    edit(root, "content/forms/visit-report.yml", "label: 日期", "label: 拜访日期")
    notes = [line for line in check(root) if "版本仍是" in line]
    assert notes == [
        "content/forms/visit-report.yml:6: 提示：客户拜访/跟踪状况表的内容自上次提交以来改了 2 处，版本仍是 1.0 — 把 version "
        "改为 \"1.1\"，在 revisions 中加一行 1.1（日期与修订内容）；handbook diff 列出改了什么",
        "roles/regional-manager.yml:11: 提示：大区经理的内容自上次提交以来改了 1 处，版本仍是 1.0 — 把 version 改为 "
        "\"1.1\"，在 revisions 中加一行 1.1（日期与修订内容）；handbook diff 列出改了什么"]
    edit(root, REGIONAL, 'version: "1.0"', 'version: "1.1"')  # raised: the note goes
    assert [line for line in check(root) if "版本仍是" in line] == notes[:1]


def test_new_role_leaves_the_effective_date_to_publishing_and_writes_its_first_row(tmp_path):
    root = copy_bundled_content(tmp_path)
    role = newrole.plan_role(root, "大客户经理", "市场部", "市场部经理", today=DAY)
    path = newrole.write_role(root, role)
    draft = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert draft["status"] == "draft" and draft["effective"] is None and draft["version"] == "1.0"
    assert draft["revisions"] == [{"version": "1.0", "date": DAY, "summary": "新增岗位 大客户经理"}]
