"""Revision history, 变更记录 and `handbook diff`, on a git repository of HR edits made here.

The repository is the bundled content, committed, then edited the way HR edits it —
a duty changed, a role added, a KPI deleted and weights changed (with an authored
revision 1.1), a role renamed, a role marked as draft — each commit with a fixed
author and date. The tests read what users get: the built pages, the 变更记录 page,
the job description's PDF and Word text, and `handbook diff`'s output.
"""

from __future__ import annotations

import html
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pypdf
import pytest
from browsing import CHROMIUM, open_page, search, serve
from helpers import REPO, commit_all, copy_bundled_content

from generator.content import drafts
from generator.content.loader import load_handbook
from generator.history import changes
from generator.history import git as history

HR = ("人力资源部 王芳", "hr@example.com")

OLD_DUTY = "做好销售计划的日（周、月）报工作，及时组织收取销售应达帐，确保帐款的安全、到位。"
NEW_DUTY = "做好销售计划的日、周、月报工作，每周组织收取应收账款，确保账款安全、及时到位。"


def git(root: Path, *args: str, date: str = "2027-01-05T09:00:00+08:00") -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": HR[0], "GIT_AUTHOR_EMAIL": HR[1], "GIT_COMMITTER_NAME": HR[0],
           "GIT_COMMITTER_EMAIL": HR[1], "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def commit(root: Path, message: str, date: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, date=date)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def company_root(tmp: Path) -> Path:
    """A copy of the bundled content as a company keeps it: 修订记录 from git as well (site.yml's default)."""
    root = copy_bundled_content(tmp)
    edit(root / "content" / "site.yml", "history: authored", "history: git")
    return root


def hr_edits(root: Path) -> Path:
    """The content under git, then six commits of HR edits; returns the root."""
    git(root, "init", "-q", "-b", "main")
    commit(root, "初始版本：五个岗位、招待费制度、接待指南与两张表单", "2027-01-05T09:00:00+08:00")

    regional = root / "roles" / "regional-manager.yml"
    edit(regional, OLD_DUTY, NEW_DUTY)
    commit(root, "大区经理：调整报表与回款职责", "2027-02-01T10:00:00+08:00")

    key_account = (root / "roles" / "regional-manager.yml").read_text(encoding="utf-8")
    key_account = key_account.replace("id: regional-manager", "id: key-client-manager") \
        .replace("title: 大区经理", "title: 重点客户经理").replace("YXZX-SC-02", "YXZX-SC-09")
    (root / "roles" / "key-client-manager.yml").write_text(key_account, encoding="utf-8")
    commit(root, "新增岗位：重点客户经理", "2027-02-10T10:00:00+08:00")

    # delete a KPI (市场信息反馈, 10%) and move its weight to 区域回款率 (25% → 35%); release 1.1
    text = regional.read_text(encoding="utf-8")
    start = text.index("    - name: 市场信息反馈")
    regional.write_text(text[:start], encoding="utf-8")
    edit(regional, "      weight: 25\n", "      weight: 35\n")
    edit(regional, 'version: "1.0"', 'version: "1.1"')
    edit(regional, "\n  - version: \"1.0\"\n", "\n  - version: \"1.1\"\n    date: 2027-03-01\n"
                              "    summary: 删除市场信息反馈指标，区域回款率权重调为 35%\n    author: 人力资源部\n"
                              "  - version: \"1.0\"\n")
    commit(root, "大区经理 1.1：删除市场信息反馈指标", "2027-03-01T10:00:00+08:00")

    edit(regional, "      weight: 35\n      cycle: 月度\n      source: 财务部销售台账",
         "      weight: 30\n      cycle: 月度\n      source: 财务部销售台账")
    edit(regional, "      weight: 15\n      cycle: 月度\n      source: 主管经理邮箱记录",
         "      weight: 20\n      cycle: 月度\n      source: 主管经理邮箱记录")
    commit(root, "大区经理：调整考核权重", "2027-03-15T10:00:00+08:00")

    git(root, "mv", "roles/sales-assistant.yml", "roles/sales-specialist.yml")
    specialist = root / "roles" / "sales-specialist.yml"
    edit(specialist, "id: sales-assistant", "id: sales-specialist")
    edit(specialist, "title: 市场部销售助理", "title: 市场部销售专员")
    commit(root, "岗位更名：市场部销售助理改为市场部销售专员", "2027-04-01T10:00:00+08:00")

    edit(root / "roles" / "key-client-manager.yml", "title: 重点客户经理", "status: draft\ntitle: 重点客户经理")
    commit(root, "重点客户经理退回草稿，待定稿", "2027-04-15T10:00:00+08:00")
    return root


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return hr_edits(company_root(tmp_path_factory.mktemp("hr")))


@pytest.fixture(scope="module")
def site(repo, build_root) -> Path:
    built = build_root(repo)
    assert not built.warnings, built.warnings
    return built.path


def article(path: Path) -> str:
    page = path.read_text(encoding="utf-8")
    body = page[page.index("<article"):page.index("</article>")]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def handbook(*args: str) -> subprocess.CompletedProcess:
    """The command in this process (its end-to-end run as a program is in test_content_errors)."""
    from click.testing import CliRunner

    from generator import cli

    run = CliRunner().invoke(cli.main, list(args))
    return subprocess.CompletedProcess(args, run.exit_code, run.stdout, run.stderr)


# --------------------------------------------------------------------------- history


def test_one_git_log_follows_renames_with_git_dates(repo):
    found, log, _ = history.read(repo)
    assert found.omitted is None
    subjects = [c.subject for c in found.files["roles/regional-manager.yml"]]
    assert subjects == ["大区经理：调整考核权重", "大区经理 1.1：删除市场信息反馈指标", "大区经理：调整报表与回款职责",
                        "初始版本：五个岗位、招待费制度、接待指南与两张表单"]
    renamed = found.files["roles/sales-specialist.yml"]
    assert [c.date.isoformat() for c in renamed] == ["2027-04-01", "2027-01-05"]  # history kept across the rename
    assert "roles/sales-assistant.yml" not in found.files
    assert {c.author for c in log.commits} == {HR[0]}
    assert history.summary_line(found) == "修订历史：7 次提交，涉及 11 个内容文件"


def test_role_page_shows_last_update_and_revision_history(site):
    text = article(site / "roles" / "regional-manager.html")
    assert "最后更新 2027-03-15" in text
    revisions = text[text.index("修订记录 ¶"):]
    expected = [  # a commit's row shows the version the file had in that commit
        "1.1 2027-03-15 大区经理：调整考核权重 （变更详情） 人力资源部 王芳",
        "1.1 2027-03-01 删除市场信息反馈指标，区域回款率权重调为 35% 人力资源部",
        "1.1 2027-03-01 大区经理 1.1：删除市场信息反馈指标 （变更详情） 人力资源部 王芳",
        "1.0 2027-02-01 大区经理：调整报表与回款职责 （变更详情） 人力资源部 王芳",
    ]
    position = 0
    for line in expected:
        position = revisions.index(line, position) + len(line)  # in this order, newest first
    page = (site / "roles" / "regional-manager.html").read_text(encoding="utf-8")
    assert re.search(r'href="\.\./changes\.html#c-[0-9a-f]{7}"', page)  # the role links to its own changes
    assert " — 20" not in revisions  # no row without a version


def test_every_commit_of_a_file_carries_the_version_it_had_then(repo):
    found, _, _ = history.read(repo)
    regional = [(c.subject[:4], c.version) for c in found.files["roles/regional-manager.yml"]]
    assert regional == [("大区经理", "1.1"), ("大区经理", "1.1"), ("大区经理", "1.0"), ("初始版本", "1.0")]
    # a renamed file: its older commits read under the old name; site.yml has no version
    assert [c.version for c in found.files["roles/sales-specialist.yml"]] == ["1.0", "1.0"]
    assert {c.version for c in found.files["content/site.yml"]} == {None}


def test_changes_page_says_what_changed_in_hr_words(site):
    text = article(site / "changes.html")
    expected = {  # commit subject → the item's title, then its lines in order
        "大区经理：调整报表与回款职责": ["大区经理", f"- 岗位职责 3：“{OLD_DUTY}” → “{NEW_DUTY}”"],
        "大区经理 1.1：删除市场信息反馈指标": [
            "大区经理", "- 版本 1.0 → 1.1", "- KPI 区域回款率：权重 25% → 35%", "- 删除 KPI 市场信息反馈",
            "- 新增修订记录 1.1（2027-03-01）：删除市场信息反馈指标，区域回款率权重调为 35%"],
        "大区经理：调整考核权重": ["大区经理", "- KPI 区域销售任务完成率：权重 35% → 30%",
                            "- KPI 客户拜访/跟踪状况表按时提交率：权重 15% → 20%"],
        "岗位更名：市场部销售助理改为市场部销售专员": [
            "市场部销售专员", "- 岗位名称 市场部销售助理 改为 市场部销售专员",
            "- 岗位代码 sales-assistant 改为 sales-specialist（页面地址随之改变）"],
    }
    sections = re.split(r" \d{4}-\d{2}-\d{2} ", text)[1:]
    by_subject = {section.split(" ¶")[0]: section for section in sections}
    for subject, lines in expected.items():
        section = by_subject[subject]
        assert "修订人：人力资源部 王芳" in section
        position = 0
        for line in lines:
            position = section.index(line.removeprefix("- "), position) + len(line) - 2
    # newest first; the draft's two commits are not listed at all
    assert list(by_subject)[:4] == list(reversed(expected))
    assert len(by_subject) == 5
    nav = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="changes.html"' in nav and "变更记录" in nav
    # the 大区经理 link on the changes page leads to the role's page
    assert 'href="roles/regional-manager.html">大区经理</a>' in (site / "changes.html").read_text(encoding="utf-8")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")
def test_a_word_of_the_content_finds_its_pages_before_the_changes_page(site, browser):
    """变更记录 quotes the duties it lists (回款, 应收账款…): a staff member's search lists the pages that say
    the word first, the 变更记录 after every one of them."""
    from test_search import pages_of

    with serve(site) as url:
        page = open_page(browser, url + "index.html")
        try:
            for word in ("回款", "应收账款"):
                order = pages_of(search(page, word))
                assert "changes.html" in order, (word, order)
                assert order[-1] == "changes.html" and order[0].startswith("roles/"), (word, order)
        finally:
            page.close()


def test_job_description_pdf_and_word_carry_the_revision_table(site):
    pdf = pypdf.PdfReader(site / "downloads" / "job-descriptions" / "regional-manager.pdf")
    text = "".join(page.extract_text() for page in pdf.pages)
    squashed = re.sub(r"\s+", "", text)
    assert "修订记录" in squashed and "版本日期修订内容修订人" in squashed
    assert "1.12027-03-01删除市场信息反馈指标" in squashed
    assert "2027-03-15大区经理：调整考核权重人力资源部王芳" in squashed
    assert "版本：1.1生效日期：2026-12-01" in squashed  # the footer keeps version and date

    word = docx.Document(site / "downloads" / "job-descriptions" / "regional-manager.docx")
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading 1")]
    assert "修订记录" in headings
    table = next(t for t in word.tables if t.rows[0].cells[0].text == "版本")
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["版本", "日期", "修订内容", "修订人"]
    assert rows[1] == ["1.1", "2027-03-15", "大区经理：调整考核权重", HR[0]]
    assert ["1.1", "2027-03-01", "删除市场信息反馈指标，区域回款率权重调为 35%", "人力资源部"] in rows


def test_the_same_commit_builds_the_same_bytes(repo, site, build_root):
    again = build_root(repo).path
    for rel in ("roles/regional-manager.html", "changes.html", "downloads/job-descriptions/regional-manager.pdf",
                "downloads/job-descriptions/regional-manager.docx", "downloads/manifest.json"):
        assert (site / rel).read_bytes() == (again / rel).read_bytes(), rel


# --------------------------------------------------------------------------- handbook diff


def test_diff_between_two_commits_in_plain_text(repo):
    run = handbook("diff", "--root", str(repo), "HEAD~6", "HEAD~2")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "HEAD~6（2027-01-05 初始版本：五个岗位、招待费制度、接待指南与两张表单） → HEAD~2（2027-03-15 大区经理：调整考核权重）"
    assert f"大区经理 · 岗位职责 3：“{OLD_DUTY}” → “{NEW_DUTY}”" in lines
    assert "新增岗位 重点客户经理" in lines
    assert "大区经理 · 删除 KPI 市场信息反馈" in lines
    assert "大区经理 · KPI 区域回款率：权重 25% → 30%" not in lines  # 25 → 35 → 30 across two commits…
    assert "大区经理 · KPI 区域回款率：权重 25% → 35%" in lines  # …HEAD~2 is after the first only


def test_diff_of_a_rename_and_of_the_working_tree(repo):
    run = handbook("diff", "--root", str(repo), "HEAD~2", "HEAD~1")
    assert "市场部销售专员 · 岗位名称 市场部销售助理 改为 市场部销售专员" in run.stdout.splitlines()
    # nothing edited since the last commit: said in HR's words, not git's (HEAD, 工作区)
    clean = handbook("diff", "--root", str(repo))
    assert clean.returncode == 0 and clean.stdout.splitlines() == [
        "上次提交（2027-04-15 重点客户经理退回草稿，待定稿） → 当前", "没有内容变更。"]


def test_diff_of_a_root_keeping_its_revisions_by_hand_shows_no_commit_subject(tmp_path):
    """history: authored (the bundled content): the commits' words are the tool's, never shown to HR."""
    root = commit_all(copy_bundled_content(tmp_path), "Tool commit subject HR must not see")
    edit(root / "roles" / "regional-manager.yml", OLD_DUTY, NEW_DUTY)
    found, old_label, new_label = changes.diff(root)
    assert re.fullmatch(r"上次提交（\d{4}-\d{2}-\d{2}）", old_label) and new_label == "当前", old_label
    assert [c.text for c in found] != []


def test_diff_ignores_key_order_and_comments(repo, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(repo, copy)
    path = copy / "roles" / "planning-manager.yml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    title = next(i for i, line in enumerate(lines) if line.startswith("title:"))
    number = next(i for i, line in enumerate(lines) if line.startswith("number:"))
    lines[title], lines[number] = lines[number], lines[title]
    path.write_text("# 新加的注释\n" + "\n".join(lines) + "\n", encoding="utf-8")
    run = handbook("diff", "--root", str(copy))
    assert run.stdout.splitlines()[1:] == ["没有内容变更。"], run.stdout


def test_diff_markdown_for_a_review(repo):
    run = handbook("diff", "--root", str(repo), "HEAD~3", "HEAD~2", "--markdown")
    assert run.returncode == 0
    assert "**大区经理**（岗位）" in run.stdout
    assert "- KPI 区域销售任务完成率：权重 35% → 30%" in run.stdout


def test_diff_bad_revision_is_one_line_exit_2(repo):
    run = handbook("diff", "--root", str(repo), "no-such-rev")
    assert run.returncode == 2 and not run.stdout
    assert run.stderr.splitlines()[1:] == [
        "错误：handbook diff：“no-such-rev” 不是这个仓库中的提交（'no-such-rev' is not a commit in this repository）"]


def test_diff_outside_a_repository_is_one_line_exit_2(tmp_path):
    root = copy_bundled_content(tmp_path)
    run = handbook("diff", "--root", str(root))
    assert run.returncode == 2
    assert run.stderr.splitlines()[1:] == ["错误：handbook diff：无法比较：内容目录不在 git 仓库中（not a git repository）"]


# --------------------------------------------------------------------------- no history


def test_without_git_the_build_works_and_says_why(tmp_path, build_root):
    root = company_root(tmp_path)
    found, _, _ = history.read(root)
    assert history.summary_line(found) == "修订历史：没有读取 git 记录 — 内容目录不在 git 仓库中"
    site = build_root(root).path
    text = article(site / "changes.html")
    assert "本次构建没有读取修订历史：内容目录不在 git 仓库中" in text
    assert "2026-12-01 1.0 大区经理 首次发布" in text  # the authored revisions are still listed
    assert "最后更新 2026-12-01" in article(site / "roles" / "regional-manager.html")


def test_shallow_clone_builds_without_history(repo, tmp_path):
    """The 变更记录 page as a build plans it (a build without history: test_without_git_the_build_works…)."""
    from generator import cachedir
    from generator.site import plan, publish

    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True,
                   capture_output=True)
    found, _, _ = history.read(clone)
    assert found.omitted and history.summary_line(found).startswith("修订历史：没有读取 git 记录 — 这是浅克隆")
    hb, summary = publish.prepare(clone, cachedir.locate(clone, str(tmp_path / "cache")), with_drafts=False)
    assert summary[0] == history.summary_line(found)
    assert "本次构建没有读取修订历史：这是浅克隆" in plan.plan(hb, None, []).pages["changes.md"]


# --------------------------------------------------------------------------- drafts


def test_a_draft_never_leaks_into_the_published_site(site):
    leaks = []
    for path in site.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix in (".zip", ".docx"):
                import zipfile

                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    names = archive.namelist()
                    data = b"\n".join([n.encode() for n in names] + [archive.read(n) for n in names])
            if "重点客户经理".encode() in data or b"key-client-manager" in data:
                leaks.append(path.relative_to(site).as_posix())
    assert not leaks, leaks
    assert not (site / "roles" / "key-client-manager.html").exists()


@pytest.mark.slow
def test_drafts_build_marks_them(repo, tmp_path):
    out = tmp_path / "with-drafts"
    run = handbook("build", "--root", str(repo), "--out", str(out), "--drafts")
    assert run.returncode == 0, run.stderr
    assert "修订历史：7 次提交" in run.stdout
    assert "草稿：1 份一并生成，页面标有“草稿”" in run.stdout
    page = (out / "roles" / "key-client-manager.html").read_text(encoding="utf-8")
    assert 'class="admonition danger"' in page and "本页为草稿，尚未发布" in page
    pdf = pypdf.PdfReader(out / "downloads" / "job-descriptions" / "key-client-manager.pdf")
    for number, page in enumerate(pdf.pages):
        assert "草稿" in page.extract_text(), f"page {number + 1} has no watermark"
    assert "重点客户经理岗位说明书（草稿）" in pdf.pages[0].extract_text()
    word = docx.Document(out / "downloads" / "job-descriptions" / "key-client-manager.docx")
    header = word.sections[0].header
    assert "草稿 · 未发布，仅供审阅" in [p.text for p in header.paragraphs]
    assert 'string="草稿"' in header._element.xml  # the watermark shape
    assert word.paragraphs[0].text == "重点客户经理岗位说明书（草稿）"
    # the published roles stay unmarked
    other = docx.Document(out / "downloads" / "job-descriptions" / "regional-manager.docx")
    assert "草稿" not in other.sections[0].header._element.xml
    published = handbook("build", "--root", str(repo), "--out", str(tmp_path / "published"))
    assert "草稿：1 份没有放进正式手册" in published.stdout


def test_reports_to_a_draft_climb_to_its_superior(tmp_path):
    root = copy_bundled_content(tmp_path)
    edit(root / "roles" / "market-manager.yml", "title: 市场部经理", "status: draft\ntitle: 市场部经理")
    full = load_handbook(root)
    hb = drafts.published(full)
    assert "market-manager" not in {r.id for r in hb.roles}
    assert hb.role("regional-manager").reports_to == "marketing-director"
    assert [r.id for r in hb.direct_reports(hb.role("marketing-director"))] == \
        ["planning-manager", "regional-manager", "sales-assistant"]


def test_a_draft_may_lack_number_department_and_kpis(tmp_path):
    root = copy_bundled_content(tmp_path)
    (root / "roles" / "imported.yml").write_text(
        "id: imported\nstatus: draft\ntitle: 渠道专员\npurpose: 开拓渠道。\nversion: \"0.1\"\n"
        "effective: 2027-01-01\nduties:\n  - 开拓与维护经销渠道。\n", encoding="utf-8")
    run = handbook("check", "--root", str(root))
    assert run.returncode == 0, run.stderr
    assert "roles/imported.yml:3: 提示：草稿还没有填写岗位编号、所属部门、关键绩效指标 — 把 status 改为 published " \
           "之前填好：number:、department:、kpis:" in run.stderr.splitlines()
    edit(root / "roles" / "imported.yml", "status: draft\n", "")
    run = handbook("check", "--root", str(root))
    assert run.returncode == 1
    assert "roles/imported.yml:2: 缺少岗位编号（number）" in run.stderr


def test_a_published_form_cannot_take_its_options_from_a_draft_policy(tmp_path):
    root = copy_bundled_content(tmp_path)
    edit(root / "content" / "policies" / "entertainment-expenses.yml", "title:", "status: draft\ntitle:")
    run = handbook("check", "--root", str(root))
    assert run.returncode == 1
    assert "content/forms/key-client-entertainment.yml" in run.stderr
    assert "是草稿，正式发布的手册无法据它打印这张表单" in run.stderr


@pytest.mark.slow
def test_serve_shows_drafts(repo, tmp_path):
    """`mkdocs serve` / `handbook serve` start the plugin with command='serve': drafts are previewed.

    Run in a process of its own: serve mode switches on process-wide caches (theme files, parsed
    content) that must not reach the other tests' builds.
    """
    script = (
        "import sys\n"
        "from mkdocs.commands.build import build\n"
        "from mkdocs.config import load_config\n"
        "cfg = load_config(config_file=sys.argv[1], site_dir=sys.argv[2])\n"
        "cfg.plugins['handbook'].config.root = sys.argv[3]\n"
        "cfg.plugins.on_startup(command='serve', dirty=False)\n"
        "try:\n"
        "    build(cfg)\n"
        "finally:\n"
        "    cfg.plugins.on_shutdown()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_MKDOCS_2_WARNING": "1"}
    run = subprocess.run([sys.executable, "-c", script, str(REPO / "mkdocs.yml"), str(tmp_path / "preview"),
                          str(repo)], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "本页为草稿" in article(tmp_path / "preview" / "roles" / "key-client-manager.html")


def test_cached_change_sets_equal_fresh_ones(repo, tmp_path):
    hb = load_handbook(repo)
    fresh = changes.with_history(hb, repo).history.changes
    cache = tmp_path / "changes"
    first = changes.with_history(hb, repo, cache_dir=cache).history.changes
    assert len(list(cache.glob("changes-*.json"))) == 7
    again = changes.with_history(hb, repo, cache_dir=cache).history.changes
    assert fresh == first == again
    renamed = hb.model_copy(update={"roles": [r.model_copy(update={"title": r.title + "X"}) for r in hb.roles]})
    changes.with_history(renamed, repo, cache_dir=cache)  # other names: other cache entries, old ones pruned
    assert len(list(cache.glob("changes-*.json"))) == 7


def test_cached_change_sets_are_compared_again_when_the_tools_code_changes(repo, tmp_path, monkeypatch):
    """The history cache is keyed by the same hash of the package's source as the documents' cache."""
    from generator import cachedir

    hb = load_handbook(repo)
    cache = tmp_path / "changes"
    changes.with_history(hb, repo, cache_dir=cache)
    before = {p.name for p in cache.glob("changes-*.json")}
    monkeypatch.setattr(cachedir, "package_digest", lambda package=cachedir.PACKAGE: "other code")
    changes.with_history(hb, repo, cache_dir=cache)
    after = {p.name for p in cache.glob("changes-*.json")}
    assert len(before) == len(after) == 7 and not before & after


def test_a_commit_that_does_not_load_is_named_and_skipped(tmp_path):
    root = company_root(tmp_path)
    git(root, "init", "-q", "-b", "main")
    commit(root, "初始版本", "2027-01-05T09:00:00+08:00")
    worker = root / "roles" / "planning-manager.yml"
    edit(worker, "title:", "titel:")  # HR's typo, fixed in the next commit
    commit(root, "改标题（有误）", "2027-01-06T09:00:00+08:00")
    edit(worker, "titel:", "title:")
    edit(worker, "version: \"1.0\"", "version: \"1.1\"")
    commit(root, "修正", "2027-01-07T09:00:00+08:00")
    sets = changes.with_history(load_handbook(root), root).history.changes
    assert [cs.commit.subject for cs in sets] == ["修正", "改标题（有误）", "初始版本"]
    fixed, broken = sets[0], sets[1]
    assert broken.changes == () and len(broken.problems) == 1
    assert re.fullmatch(r"提交 [0-9a-f]{7} 中的 roles/planning-manager\.yml:\d+ 无法读取（.*'(title|titel)'.*），已跳过",
                        broken.problems[0]), broken.problems[0]
    assert fixed.problems and not fixed.changes  # its parent does not load: nothing to compare with


# --------------------------------------------------------------------------- the bundled content's own history


def document_text(data: bytes, fmt: str) -> str:
    """What a reader sees of a Word or PDF document: its text, headers and footers included."""
    import io
    import zipfile

    if fmt == "pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = [n for n in archive.namelist() if n.startswith("word/") and n.endswith(".xml")]
        return "\n".join(re.sub(r"<[^>]+>", "", archive.read(n).decode("utf-8")) for n in parts)


def test_the_bundled_handbook_shows_its_authored_revisions_and_no_commit_of_the_tool(built_site, documents):
    """The bundled content lives in the tool's repository, whose commits are the developers': site.yml's
    ``history: authored`` keeps them out of every page and document."""
    log = subprocess.run(["git", "-C", str(REPO), "log", "--format=%an%x00%ae%x00%h%x00%s", "--", "roles", "content"],
                         capture_output=True, text=True).stdout
    commits = [line.split("\0") for line in log.splitlines() if line]
    assert commits, "the tool's repository has commits touching the bundled content"
    traces = {name for name, *_ in commits} | {mail for _, mail, *_ in commits} | {short for _, _, short, _ in commits}
    traces |= {subject[:30] for *_, subject in commits}
    pages = {p.relative_to(built_site.path).as_posix(): p.read_text(encoding="utf-8", errors="replace")
             for p in built_site.path.rglob("*.html")}
    texts = {"/".join(key): document_text(data, key[2]) for key, data in documents.items() if key[2] in ("docx", "pdf")
             and key[0] in ("job-description", "form")}
    assert texts and all("1.0" in text for text in texts.values())  # each prints its 修订记录 or version
    found = [(where, trace) for where, text in {**pages, **texts}.items() for trace in traces if trace in text]
    assert not found, found[:5]
    changes = article(built_site.path / "changes.html")
    assert "本手册的修订记录由人力资源部写在内容文件中（revisions），不读取 git 的提交记录" in changes
    assert "2026-12-01 1.0 大区经理 首次发布：依据营销中心原有岗位职责与绩效考核文件整理 人力资源部" in changes
    role = article(built_site.path / "roles" / "regional-manager.html")
    assert "最后更新 2026-12-01" in role and "人力资源部" in role
