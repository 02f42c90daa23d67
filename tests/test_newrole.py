"""`handbook new role`: Chinese names in, a file that `check` reports only as "to fill in" out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from helpers import copy_bundled_content

from generator.authoring.ids import slug_from_title
from generator.cli import main
from generator.content.loader import load_handbook

FILLED = {
    "\npurpose:\n": "\npurpose: 开发并维护公司重点大客户，完成大客户销售额与回款目标。\n",
    "\nduties:\n": "\nduties:\n  - id: key-accounts\n    text: 负责重点大客户的开发与维护。\n  - 完成上级交办的其他任务。\n",
    "\n  items:\n": "\n  items:\n    - name: 大客户销售额达成率\n      definition: 实际销售额 ÷ 计划销售额 × 100%\n"
                 "      target: ≥ 100%\n      weight: 100\n      cycle: 月度\n      source: 财务部销售台账\n"
                 "      measures: [key-accounts]\n",
}


def run(*args: str):
    """(exit code, stdout, stderr after its first line, which names the content root)."""
    result = CliRunner().invoke(main, list(args))
    first, _, rest = result.stderr.partition("\n")
    assert first.startswith("内容文件夹："), result.stderr
    return result.exit_code, result.stdout, rest


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_bundled_content(tmp_path)


def new_role(root: Path, *args: str):
    return run("new", "role", "--root", str(root), *args)


def test_chinese_names_give_a_role_file_with_the_next_number(root: Path):
    code, out, err = new_role(root, "--title", "大客户经理", "--department", "市场部", "--reports-to", "市场部经理")
    assert (code, err) == (0, "")
    path = root / "roles" / "da-ke-hu-jing-li.yml"
    assert out.startswith("已写入 roles/da-ke-hu-jing-li.yml：大客户经理，岗位编号 YXZX-SC-04，所属部门 market（市场部），"
                          "直接上级 market-manager（市场部经理）\n")
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../schemas/role.schema.json"
    data = yaml.safe_load(text)
    assert data["id"] == "da-ke-hu-jing-li" and data["title"] == "大客户经理"
    # Chinese names as HR typed them (each names one thing only); the ids are in the comments
    assert (data["number"], data["department"], data["reports_to"]) == ("YXZX-SC-04", "市场部", "市场部经理")
    assert "# 所属部门（id：market）" in text and "# 直接上级（岗位 id：market-manager）" in text
    assert data["status"] == "draft"
    assert data["purpose"] is None and data["duties"] is None and data["kpis"]["items"] is None
    # the guidance is Chinese and says that ids are English
    assert "英文小写字母" in text and "岗位职责" in text and "weight 加起来等于 100" in text


def test_the_new_file_is_a_draft_whose_check_lists_only_what_to_fill_in(root: Path):
    """The new file is a draft: its gaps are listed first, as what to fill in, and block nothing but itself
    (`check --strict`, for CI, counts them as errors)."""
    new_role(root, "--title", "大客户经理", "--department", "销售部", "--reports-to", "销售部经理")
    code, out, err = run("check", "--root", str(root))
    assert code == 0
    f = "roles/da-ke-hu-jing-li.yml"
    assert err.splitlines()[:3] == [
        f"{f}:23: 草稿：岗位目的（purpose）是空的 — 请用一两句话写明本岗位为什么设立、对什么结果负责，写在冒号后面（冒号后留一个空格）",
        f"{f}:36: 草稿：岗位职责（duties）是空的 — 请填写岗位职责，每行一条 '- …'；要被 KPI 引用的职责写成 '- id: 英文id' "
        "加下一行 '  text: …'（见文件中的示例）",
        f"{f}:58: 草稿：指标列表（items）是空的 — 请填写关键绩效指标，每个指标写齐 name、definition、target、weight、cycle、"
        "source、measures，权重合计 100（见文件中的示例）",
    ]
    assert ": 提示：" in err.splitlines()[3]  # the other roles' notes after them
    assert out == ("检查通过：5 个岗位、1 个制度、1 个指南、2 个表单。草稿 roles/da-ke-hu-jing-li.yml 有 3 处问题："
                   "改好之前预览中只显示它们的问题，正式发布不受影响（check --strict 把它们算作错误）。\n")
    code, out, err = run("check", "--strict", "--root", str(root))
    assert (code, out) == (1, "")
    assert all(f"{f}:" in line and ": 草稿：" in line for line in err.splitlines()[:3])
    assert err.splitlines()[-1] == "发现 3 处错误。"


def test_filling_in_the_three_gaps_makes_a_valid_role(root: Path):
    new_role(root, "--title", "大客户经理", "--department", "market", "--reports-to", "market-manager")
    path = root / "roles" / "da-ke-hu-jing-li.yml"
    text = path.read_text(encoding="utf-8")
    for gap, filled in FILLED.items():
        assert text.count(gap) == 1
        text = text.replace(gap, filled)
    path.write_text(text, encoding="utf-8")
    hb = load_handbook(root)
    role = hb.role("da-ke-hu-jing-li")
    assert hb.superior(role).title == "市场部经理" and hb.department(role.department).name == "市场部"
    assert [r.id for r in hb.roles_in("market")][-1] == "da-ke-hu-jing-li"  # YXZX-SC-04 sorts after its peers


def test_ambiguous_name_lists_candidates_and_writes_nothing(root: Path):
    site = root / "content" / "site.yml"
    site.write_text(site.read_text(encoding="utf-8").replace(
        "navigation:", "  - id: service\n    name: 客服部\n    aliases: [销售部]\nnavigation:"), encoding="utf-8")
    before = sorted(p.name for p in (root / "roles").iterdir())
    code, out, err = new_role(root, "--title", "大客户经理", "--department", "销售部", "--reports-to", "市场部经理")
    assert code == 2 and out == ""
    assert err == "错误：'销售部' 同时指几个部门：market（市场部）、service（客服部） — 写出你指的那一个的 id\n"
    assert sorted(p.name for p in (root / "roles").iterdir()) == before


def test_unknown_names_say_which_exist(root: Path):
    code, _, err = new_role(root, "--title", "大客户经理", "--department", "工程部", "--reports-to", "市场部经理")
    assert code == 2
    assert err == ("错误：没有叫 '工程部' 的部门 — 从 content/site.yml 的部门中选：marketing-center（营销中心）、"
                   "market（市场部）\n")
    code, _, err = new_role(root, "--title", "大客户经理", "--department", "市场部", "--reports-to", "策划经理")
    assert code == 2
    assert err == "错误：没有叫 '策划经理' 的岗位 — 是不是想写 planning-manager（营销策划经理）？\n"
    assert not (root / "roles" / "da-ke-hu-jing-li.yml").exists()


def test_never_overwrites(root: Path):
    original = (root / "roles" / "sales-assistant.yml").read_bytes()
    code, _, err = new_role(root, "--title", "大客户经理", "--department", "市场部", "--reports-to", "市场部经理",
                            "--id", "sales-assistant")
    assert code == 2 and "roles/sales-assistant.yml 已经存在" in err
    assert (root / "roles" / "sales-assistant.yml").read_bytes() == original
    code, _, err = new_role(root, "--title", "市场部销售助理", "--department", "市场部", "--reports-to", "市场部经理")
    assert code == 2 and "已经有叫 '市场部销售助理' 的岗位：sales-assistant" in err


def test_number_rules(root: Path):
    # the superior's series in a department with two (营销中心: YXZX-01, YXZX-CH-01)
    new_role(root, "--title", "总监助理", "--department", "营销中心", "--reports-to", "营销总监")
    assert yaml.safe_load((root / "roles" / "zong-jian-zhu-li.yml").read_text("utf-8"))["number"] == "YXZX-02"
    # a department without roles starts its own series from its name's initials
    site = root / "content" / "site.yml"
    site.write_text(site.read_text(encoding="utf-8").replace(
        "navigation:", "  - id: service\n    name: 客服部\n    parent: marketing-center\nnavigation:"), encoding="utf-8")
    new_role(root, "--title", "客服专员", "--department", "客服部", "--reports-to-title", "总经理")
    data = yaml.safe_load((root / "roles" / "ke-fu-zhuan-yuan.yml").read_text("utf-8"))
    assert (data["number"], data["reports_to_title"]) == ("YXZX-KF-01", "总经理")
    # a taken number is refused with the next free one suggested, however its case and dashes are written
    for taken in ("YXZX-SC-03", "yxzx—sc—03"):
        code, _, err = new_role(root, "--title", "大客户经理", "--department", "市场部", "--reports-to", "市场部经理",
                                "--number", taken)
        assert code == 2
        assert err == (f"错误：岗位编号 {taken} 已被 sales-assistant（市场部销售助理）使用 — 换一个 --number，"
                       "如 YXZX-SC-04\n")


def test_titles_that_need_quoting_survive(root: Path):
    code, _, _ = new_role(root, "--title", "KA: 大客户 #1 经理", "--department", "市场部", "--reports-to", "市场部经理")
    assert code == 0
    data = yaml.safe_load((root / "roles" / "ka-da-ke-hu-1-jing-li.yml").read_text("utf-8"))
    assert data["title"] == "KA: 大客户 #1 经理"


def test_bad_id_is_refused_with_the_pinyin_one_suggested(root: Path):
    code, _, err = new_role(root, "--title", "大客户经理", "--department", "市场部", "--reports-to", "市场部经理",
                            "--id", "Key-Account-Manager")
    assert code == 2
    assert err == ("错误：--id 'Key-Account-Manager' 不是有效的 id — 只用英文小写字母、数字和连字符，"
                   "如 --id da-ke-hu-jing-li\n")


@pytest.mark.parametrize("title, taken, expected", [
    ("大客户经理", (), "da-ke-hu-jing-li"),
    ("大客户经理", ("da-ke-hu-jing-li",), "da-ke-hu-jing-li-2"),
    ("大客户经理", ("da-ke-hu-jing-li", "da-ke-hu-jing-li-2"), "da-ke-hu-jing-li-3"),
    ("市场部（销售部）经理", (), "shi-chang-bu-xiao-shou-bu-jing-li"),
    ("KA大客户经理", (), "ka-da-ke-hu-jing-li"),
    ("女装绿色", (), "nv-zhuang-lv-se"),
    ("ＡＢ１专员", (), "ab1-zhuan-yuan"),
    ("！！", (), "role"),
])
def test_slug_from_title(title, taken, expected):
    assert slug_from_title(title, set(taken)) == expected


def test_slug_from_a_long_title_stays_a_valid_id():
    slug = slug_from_title("经" * 80, set())
    assert len(slug) <= 60 and re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug)
