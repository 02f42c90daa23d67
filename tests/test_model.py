"""The bundled content: loads, says what the seed says, and matches its published schemas."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from helpers import REPO, overlay_root

from generator.content import model, schema
from generator.content.loader import content_files, load_handbook
from generator.content.outline import all_duty_texts, duty_outline, kpi_measures


@pytest.fixture(scope="module")
def hb():
    return load_handbook(REPO)


def test_the_five_roles_of_the_seed(hb):
    assert [r.title for r in hb.roles] == ["营销总监", "营销策划经理", "市场部经理", "大区经理", "市场部销售助理"]


def test_reporting_lines(hb):
    assert hb.superior(hb.role("market-manager")).title == "营销总监"
    assert hb.superior(hb.role("regional-manager")).title == "市场部经理"
    assert hb.role("marketing-director").reports_to_title == "总经理"
    assert [r.id for r in hb.direct_reports(hb.role("marketing-director"))] == ["planning-manager", "market-manager"]


def test_two_names_of_one_thing_are_recorded(hb):
    assert "市场总监" in hb.role("marketing-director").aliases
    assert "销售部经理" in hb.role("market-manager").aliases
    assert "销售部" in hb.department("market").aliases


def test_kpis_are_marked_proposed_and_weighted_to_100(hb):
    for role in hb.roles:
        assert role.kpis.status == "proposed"
        assert 4 <= len(role.kpis.items) <= 7
        assert sum(k.weight for k in role.kpis.items) == 100


def test_director_duties_renumbered_without_invented_text(hb):
    texts = all_duty_texts(hb.role("marketing-director"))
    assert len(texts) == 11  # the seed numbers 1–12 with no 5; the '&' item is 8
    assert texts[6] == "负责实施审核合同、合作条款、各项相关费用，协调和解决各种合作中的问题；"


def test_planning_manager_keeps_its_grouping(hb):
    outline = duty_outline(hb.role("planning-manager"))
    headings = [(i.depth, i.label, i.text) for i in outline if i.is_heading]
    assert headings == [(0, "一、", "总则"), (0, "二、", "细则"), (1, "1.", "市场调研"), (1, "2.", "营销策划")]
    planning = [i for i in outline if not i.is_heading and i.depth == 2]
    assert [i.label for i in planning][-9:] == [f"{n})" for n in range(1, 10)]


def test_kpi_measures_name_nested_duties_with_their_groups(hb):
    role = hb.role("planning-manager")
    measures = {k.name: kpi_measures(role, k) for k in role.kpis.items}
    assert measures["推广费用预算控制率"] == ["二、2.7)"]
    assert measures["策划方案按期完成率"] == ["一、1.", "二、2.1)", "二、2.5)"]  # printed order, not the YAML's
    assert measures["市场调研与定价分析报告"] == ["二、1.", "二、1.1)", "二、2.2)"]  # a group, and a duty in it


def test_kpi_measures_of_flat_roles_are_the_duty_labels(hb):
    for role in hb.roles:
        outline = duty_outline(role)
        if any(item.is_heading for item in outline):
            continue
        labels = {item.id: item.label for item in outline if item.id}
        for kpi in role.kpis.items:
            # in printed (outline) order, whatever order the YAML lists them in
            assert kpi_measures(role, kpi) == [labels[ref] for ref in labels if ref in kpi.measures]
            assert all(re.fullmatch(r"\d+\.", label) for label in kpi_measures(role, kpi))


def test_meal_standard_is_data(hb):
    meal = hb.policy("entertainment-expenses").meal_standard
    assert meal.rule == "菜品数量以人数+1的原则+汤+主食，酒水由公司配备"
    assert meal.dishes_for(3) == 4


def test_designated_venues_may_be_empty(hb):
    assert hb.policy("entertainment-expenses").venues == []


def _plain(value):
    return json.loads(json.dumps(value, default=str))


@pytest.mark.parametrize("path", content_files(REPO), ids=lambda p: p.relative_to(REPO).as_posix())
def test_content_file_names_its_schema_and_passes_it(path: Path):
    import yaml

    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0]
    match = re.match(r"# yaml-language-server: \$schema=(\S+)$", first)
    assert match, f"{path.name} should start with a yaml-language-server $schema line"
    schema_path = (path.parent / match.group(1)).resolve()
    published = json.loads(schema_path.read_text(encoding="utf-8"))
    jsonschema.validate(_plain(yaml.safe_load(text)), published)


def test_published_schemas_are_up_to_date():
    for name in schema.schemas():
        on_disk = (REPO / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
        assert on_disk == schema.render(name), f"run `handbook schema`: schemas/{name}.schema.json is stale"


def test_schema_rejects_a_typo():
    published = json.loads((REPO / "schemas" / "role.schema.json").read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "x", "titel": "y"}, published)


# --------------------------------------------------------------------------- one table per kind of knowledge


def test_the_handbook_and_every_view_answer_who_reports_to_whom_alike(hb):
    """One set of lookups (model.Org) for the Handbook, a document's view and the roster's view."""
    from generator.documents import outputs, views

    roster = outputs.get("roster", "xlsx").view(hb, hb)
    for role in hb.roles:
        document = views.role_view(hb, role)
        listed = next(r for r in roster.roles if r.id == role.id)
        for source, subject in ((hb, role), (document, role), (roster, listed)):
            superior = source.superior(subject)
            assert (superior.title if superior else None) == (hb.superior(role).title if hb.superior(role) else None)
            assert [r.title for r in source.direct_reports(subject)] == [r.title for r in hb.direct_reports(role)]
            assert source.department_name(subject) == hb.department(role.department).name
    assert [r.id for r in roster.roles_in("market")] == [r.id for r in hb.roles_in("market")]


def test_every_content_kind_names_its_folder_and_page_template():
    for name, kind in model.KINDS.items():
        assert (REPO / "templates" / "site" / kind.template).is_file(), kind.template
        assert kind.page.format(id="x").endswith("/x.md") and model.source_path(name, "x") == f"{kind.folder}/x.yml"
    assert model.kind_at("roles/x.yml").name == "role" and model.kind_at("roles/x.md") is None
    assert model.kind_at("content/forms/x.yml").name == "form" and model.kind_at("content/site.yml") is None


class Notice(model.Strict):
    """A toy kind of content: 通知 (content/notices/*.yml)."""

    id: model.Slug
    status: model.Status = "published"
    title: model.Text
    text: model.Text
    revisions: model.Revisions = []


@pytest.fixture()
def notices():
    kind = model.register_kind(model.Kind("notice", "notices", "content/notices", Notice, "通知", "notice.md.j2",
                                          "notices/{id}.md"))
    try:
        yield kind
    finally:
        del model.KINDS["notice"]


def test_a_content_kind_is_declared_once(notices):
    with pytest.raises(ValueError, match="taken by notice"):
        model.register_kind(notices)


def test_a_new_content_kind_is_one_table_entry_plus_its_model_template_and_renderer(notices, tmp_path, monkeypatch):
    """As tests/test_outputs.py proves for outputs: loading, checks, schema, drafts, 变更记录 wording, the
    documents and what the site needs all follow model.KINDS, with nothing else edited."""
    from generator.content import drafts
    from generator.content.errors import ContentError
    from generator.documents import outputs
    from generator.documents import plan as documents
    from generator.history import changes

    root = overlay_root(tmp_path)
    folder = root / "content" / "notices"
    folder.mkdir()
    (folder / "lunch.yml").write_text("id: lunch\ntitle: 午餐时间调整\ntext: 自下周一起午餐时间为 12:00。\n", encoding="utf-8")
    (folder / "party.yml").write_text("id: party\nstatus: draft\ntitle: 年会通知\ntext: 待定。\n", encoding="utf-8")
    (folder / "typo.yml").write_text("id: typo\ntitel: 停电通知\ntext: 周六停电。\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_handbook(root)
    assert [str(p) for p in caught.value.problems] == [
        "content/notices/typo.yml:2: 未知的键 'titel' — 是不是想写 'title'？"]
    (folder / "typo.yml").unlink()

    hb = load_handbook(root)
    assert [n.id for n in hb.notices] == ["lunch", "party"] and hb.item("notice", "lunch").title == "午餐时间调整"
    assert folder / "lunch.yml" in content_files(root)
    assert schema.schema_for("notice")["title"] == "通知（content/notices/*.yml）"
    assert drafts.draft_ids(hb)["notice"] == ["party"]
    published = drafts.published(hb)
    assert [n.id for n in published.notices] == ["lunch"]

    edited = hb.notices[0].model_copy(update={"title": "午休时间调整", "text": "改为 12:30。"})
    lines = [changes.line(c) for c in changes.compare(hb, hb.model_copy(update={"notices": [edited]}))]
    assert lines == ["午休时间调整 · 通知名称 午餐时间调整 改为 午休时间调整",
                     "午休时间调整 · text：“自下周一起午餐时间为 12:00。” → “改为 12:30。”", "删除通知 年会通知"]
    assert model.kind_at("content/notices/lunch.yml") is notices
    assert hb.history.of("notice", "lunch") == () and model.source_path("notice", "lunch") == "content/notices/lunch.yml"

    monkeypatch.setattr(outputs, "REGISTRY", dict(outputs.REGISTRY))
    outputs.register(outputs.Output("notice-sheet", "txt", "通知单", "文本", "notice", "downloads/notices/{id}.txt",
                                    "tests.toy_renderer:card", lambda notice: notice.title,
                                    templates=("templates/site/*.j2",)))
    sheets = [d for d in documents.plan(published) if d.kind == "notice-sheet"]
    assert [(d.path, d.filename) for d in sheets] == [("downloads/notices/lunch.txt", "午餐时间调整-通知单.txt")]
    assert documents.render(published, sheets[0]) == f"午餐时间调整\n{hb.site.handbook_title}\n".encode()
    # the site: a page per published item from the kind's own template (here an override folder's)
    assert (notices.page.format(id="lunch"), notices.template, notices.label) == ("notices/lunch.md", "notice.md.j2", "通知")
    from generator.site import pages

    overrides = tmp_path / "templates"
    overrides.mkdir()
    (overrides / "notice.md.j2").write_text("# {{ notice.title }}\n\n{{ notice.text }}\n", encoding="utf-8")
    site = pages.pages(published, [], [overrides])
    assert site["notices/lunch.md"] == "# 午餐时间调整\n\n自下周一起午餐时间为 12:00。\n" and "notices/party.md" not in site
    assert pages.page_of(published, "notice", "lunch") == "notices/lunch.md"
