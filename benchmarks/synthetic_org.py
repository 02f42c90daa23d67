"""Write a valid content root with N roles shaped like the real ones.

    python benchmarks/synthetic_org.py --roles 500 --out /tmp/org500
    handbook build --root /tmp/org500 --out /tmp/org500/site

Deterministic (seeded), so benchmark runs compare like with like.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent

VERBS = ["组织", "负责", "协助", "督导", "审核", "编制", "建立健全", "跟踪", "分析", "协调", "落实", "完善"]
OBJECTS = ["区域销售计划", "客户档案", "应收账款", "渠道建设", "经销商培训", "市场推广方案", "投标文件", "合同评审",
           "售后服务", "全彩屏项目报价", "广告车展示活动", "部门费用预算", "客户投诉处理", "月度经营分析", "新产品推广"]
TAILS = ["并及时向主管经理汇报进展", "确保各项工作按计划完成", "控制不良账款的发生", "为领导决策提供依据",
         "做好记录并妥善保管资料", "协调相关部门解决问题", "定期总结并提出改进建议", "保证数据真实准确"]
DEPARTMENTS = [("sales", "销售部"), ("marketing", "市场部"), ("service", "客服部"), ("engineering", "工程部"),
               ("planning", "企划部"), ("finance", "财务部"), ("admin", "行政部"), ("logistics", "物流部")]
TITLES = ["经理", "主管", "专员", "助理", "工程师", "代表", "督导", "分析师"]


def duty_text(rng: random.Random) -> str:
    parts = [rng.choice(VERBS) + rng.choice(OBJECTS)]
    while len("，".join(parts)) < rng.randint(20, 54):
        parts.append(rng.choice(TAILS if len(parts) > 1 else [rng.choice(VERBS) + rng.choice(OBJECTS)]))
    return ("，".join(parts) + "。")[:60]


def role(index: int, rng: random.Random, reports_to: str | None, dept: str, dept_name: str) -> dict:
    duties = [{"id": f"d{n}", "text": duty_text(rng)} for n in range(1, rng.randint(10, 16) + 1)]
    count = rng.randint(5, 7)
    weights = [100 // count] * count
    weights[0] += 100 - sum(weights)
    kpis = [{
        "name": f"{rng.choice(OBJECTS)}达成率",
        "definition": "实际完成数 ÷ 计划数 × 100%",
        "target": f"≥ {rng.choice([90, 95, 98, 100])}%",
        "weight": w,
        "cycle": rng.choice(["月度", "季度"]),
        "source": f"{dept_name}台账",
        "measures": sorted({rng.choice(duties)["id"] for _ in range(2)}),
    } for w in weights]
    data = {
        "id": f"role-{index:04d}",
        "title": f"{dept_name}{rng.choice(TITLES)}{index}",
        "number": f"SYN-{index:04d}",
        "department": dept,
        "purpose": duty_text(rng),
        "version": "1.0",
        "effective": "2026-12-01",
        "duties": duties,
        "kpis": {"status": "proposed", "items": kpis},
    }
    if reports_to:
        data["reports_to"] = reports_to
    else:
        data["reports_to_title"] = "总经理"
    return data


def write(roles: int, out: Path, seed: int = 7) -> Path:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    (out / "roles").mkdir(parents=True)
    shutil.copytree(REPO / "content", out / "content")  # the real policy, guide and forms
    site = yaml.safe_load((REPO / "content" / "site.yml").read_text(encoding="utf-8"))
    site["departments"] = [{"id": d, "name": n} for d, n in DEPARTMENTS]
    (out / "content" / "site.yml").write_text(yaml.safe_dump(site, allow_unicode=True, sort_keys=False),
                                              encoding="utf-8")
    ids: list[str] = []
    for i in range(1, roles + 1):
        dept, dept_name = DEPARTMENTS[(i - 1) % len(DEPARTMENTS)]
        # a tree: the first role of each department heads it, the rest report to an earlier role there
        same_dept = [r for n, r in enumerate(ids, start=1) if (n - 1) % len(DEPARTMENTS) == (i - 1) % len(DEPARTMENTS)]
        boss = same_dept[rng.randrange(len(same_dept))] if same_dept else None
        data = role(i, rng, boss, dept, dept_name)
        ids.append(data["id"])
        (out / "roles" / f"{data['id']}.yml").write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")
    # forms that name a role of the real handbook must not dangle
    for form in (out / "content" / "forms").glob("*.yml"):
        text = form.read_text(encoding="utf-8")
        form.write_text("\n".join(ln for ln in text.splitlines() if not ln.startswith("role:")) + "\n",
                        encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    write(args.roles, args.out, args.seed)
    print(f"wrote {args.roles} roles to {args.out}")


if __name__ == "__main__":
    main()
