"""The Word renderer: content, styles, fonts, page setup, determinism and hostile text.

Every document is reopened with python-docx, so these tests read what Word would read.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Length
from docx.table import _Cell
from helpers import chinese_glyph_shapes, convert_to_pdf

from generator.content import outline
from generator.content.loader import load_handbook
from generator.documents import views
from generator.documents.renderers import docx as render
from generator.documents.renderers.docx import props as docx_props

ROOT = Path(__file__).parents[1]
THEME_ATTRS = [qn(f"w:{a}") for a in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")]
A4 = (11906, 16838)


@pytest.fixture(scope="module")
def hb(built_site):
    """The handbook the session build rendered the documents below from (with the repository's history)."""
    return built_site.hb


# The session build's Word files (conftest.documents): rendered once, by the real pipeline, for all tests.
@pytest.fixture(scope="module")
def jds(hb, documents):
    """role id → (bytes, reopened Document)."""
    out = {}
    for role in hb.roles:
        data = documents[("job-description", role.id, "docx")]
        out[role.id] = (data, Document(io.BytesIO(data)))
    return out


@pytest.fixture(scope="module")
def appraisals(hb, documents):
    return {role.id: Document(io.BytesIO(documents[("appraisal", role.id, "docx")])) for role in hb.roles}


@pytest.fixture(scope="module")
def forms(hb, documents):
    return {f.id: Document(io.BytesIO(documents[("form", f.id, "docx")])) for f in hb.forms}


def role_ids():
    return [p.stem for p in sorted((ROOT / "roles").glob("*.yml"))]


def row_texts(table, row) -> list[str]:
    """Text of each real cell (w:tc) of a row; python-docx's row.cells repeats spanning cells."""
    return [_Cell(tc, table).text for tc in row._tr.tc_lst]


def cell_texts(doc) -> list[str]:
    return [text for table in doc.tables for row in table.rows for text in row_texts(table, row)]


def table_with_header(doc, header):
    for table in doc.tables:
        if tuple(row_texts(table, table.rows[0])) == tuple(header):
            return table
    return None


# --------------------------------------------------------------------------- job descriptions


@pytest.mark.parametrize("role_id", role_ids())
def test_every_duty_is_a_list_number_paragraph(hb, jds, role_id):
    doc = jds[role_id][1]
    numbered = {p.text for p in doc.paragraphs if p.style.name.startswith("List Number")}
    for text in outline.all_duty_texts(hb.role(role_id)):
        assert text in numbered, text


@pytest.mark.parametrize("role_id", role_ids())
def test_sections_and_title(hb, jds, role_id):
    doc = jds[role_id][1]
    role = hb.role(role_id)
    assert doc.paragraphs[0].style.name == "Title"
    assert doc.paragraphs[0].text == f"{role.title}岗位说明书"
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    expected = list(views.JD_SECTIONS)
    if views.revision_rows(hb, role, views.REVISIONS_IN_DOCUMENT):  # git history or authored revisions
        expected.insert(expected.index("签字确认"), views.REVISIONS_HEADING)
    assert headings == expected


@pytest.mark.parametrize("role_id", role_ids())
def test_kpi_table(hb, jds, role_id):
    doc = jds[role_id][1]
    role = hb.role(role_id)
    table = table_with_header(doc, views.KPI_COLUMNS)
    assert table is not None
    body = table.rows[1:]
    assert len(body) == len(role.kpis.items)
    assert [row.cells[0].paragraphs[0].text for row in body] == [k.name for k in role.kpis.items]
    assert [(c.paragraphs[0].text, *(c.text for c in row.cells[1:])) for row, c in
            ((row, row.cells[0]) for row in body)] == views.kpi_rows(role)
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeats on each page


@pytest.mark.parametrize("role_id", role_ids())
def test_kpis_list_the_duties_they_measure_in_printed_order(hb, jds, role_id):
    """Word says what the PDF says: 考核职责 under each KPI's name, labels in the order duties are printed."""
    doc = jds[role_id][1]
    role = hb.role(role_id)
    table = table_with_header(doc, views.KPI_COLUMNS)
    duty_ids = [item.id for item in outline.duty_outline(role) if item.id]
    for row, kpi in zip(table.rows[1:], role.kpis.items):
        notes = [p for p in row.cells[0].paragraphs[1:]]
        if not kpi.measures:
            assert notes == []
            continue
        assert [p.text for p in notes] == [views.kpi_measures_text(role, kpi)]
        assert notes[0].style.name == "Table Note"
        labels = notes[0].text.removeprefix(views.MEASURES_LABEL).split(" ")
        assert labels == outline.kpi_measures(role, kpi)
        assert len(labels) == len(set(kpi.measures))
        order = sorted(kpi.measures, key=duty_ids.index)  # printed order, whatever order the YAML lists
        assert labels == [outline.kpi_measures(role, kpi.model_copy(update={"measures": [ref]}))[0] for ref in order]


def test_measure_references_are_sorted_whatever_the_yaml_order(hb):
    role = hb.role("planning-manager")
    kpi = next(k for k in role.kpis.items if len(k.measures) > 1)
    forward = outline.kpi_measures(role, kpi)
    backward = outline.kpi_measures(role, kpi.model_copy(update={"measures": list(reversed(kpi.measures))}))
    assert forward == backward and len(forward) == len(kpi.measures)


@pytest.mark.parametrize("role_id", role_ids())
def test_proposed_kpis_carry_the_notice(hb, jds, role_id):
    doc = jds[role_id][1]
    role = hb.role(role_id)
    texts = [p.text for p in doc.paragraphs]
    assert (views.PROPOSED_NOTICE in texts) == (role.kpis.status == "proposed")
    if role.kpis.status == "proposed" and role.kpis.note:
        assert role.kpis.note in texts


@pytest.mark.parametrize("role_id", role_ids())
def test_basic_info_and_signatures(hb, jds, role_id):
    doc = jds[role_id][1]
    texts = cell_texts(doc)
    for label, value in views.basic_info(hb, hb.role(role_id)):
        assert label in texts and value in texts
    for who in views.SIGNATORIES:
        assert who in texts
    assert views.COPIES_NOTE in [p.text for p in doc.paragraphs]


def _fonts(element):
    rpr = element.find(qn("w:rPr"))
    return rpr.find(qn("w:rFonts")) if rpr is not None else None


def all_runs(doc):
    """Every run of the body, header and footer."""
    section = doc.sections[0]
    for root in (doc.element.body, section.header._element, section.footer._element):
        yield from root.iter(qn("w:r"))


@pytest.mark.parametrize("role_id", role_ids())
def test_fonts_live_in_styles_only(jds, role_id):
    """No run names a font (HR restyles by style); docDefaults and 正文 name a Chinese font, no theme font."""
    doc = jds[role_id][1]
    for r in doc.element.body.iter(qn("w:r")):  # what the renderer writes: a character style at most
        rpr = r.find(qn("w:rPr"))
        assert rpr is None or [child.tag for child in rpr] == [qn("w:rStyle")], r.xml
    for r in all_runs(doc):  # header and footer come from reference.docx: Word may add w:hint, never a font
        fonts = _fonts(r)
        assert fonts is None or set(fonts.attrib) <= {qn("w:hint")}, r.xml
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for fonts in (defaults.find(qn("w:rFonts")), _fonts(doc.styles["Normal"].element)):
        assert fonts.get(qn("w:eastAsia")) == "微软雅黑"
        assert fonts.get(qn("w:ascii")) == fonts.get(qn("w:hAnsi")) == "Arial"
    lang = defaults.find(qn("w:lang"))
    assert lang.get(qn("w:eastAsia")) == "zh-CN"
    for el in doc.styles.element.iter(qn("w:rFonts")):
        assert not [a for a in THEME_ATTRS if a in el.attrib], el.attrib


def effective_east_asian_font(doc, run) -> str:
    """The East Asian font Word uses for a run: run style, paragraph style and its bases, docDefaults."""
    styles = {s.style_id: s for s in doc.styles}
    chain = []
    rpr = run.find(qn("w:rPr"))
    if rpr is not None and rpr.find(qn("w:rStyle")) is not None:
        chain.append(styles[rpr.find(qn("w:rStyle")).get(qn("w:val"))])
    p = run.getparent()
    ppr = p.find(qn("w:pPr"))
    style_id = ppr.find(qn("w:pStyle")).get(qn("w:val")) if ppr is not None and ppr.find(qn("w:pStyle")) is not None \
        else doc.styles.default(1).style_id
    style = styles[style_id]
    while style is not None:
        chain.append(style)
        style = style.base_style
    for style in chain:
        fonts = _fonts(style.element)
        if fonts is not None and fonts.get(qn("w:eastAsia")):
            return fonts.get(qn("w:eastAsia"))
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    return defaults.find(qn("w:rFonts")).get(qn("w:eastAsia"))


@pytest.mark.parametrize("make", ["job_description", "appraisal", "form"])
def test_hr_restyles_a_whole_file_by_changing_one_style(hb, make, tmp_path):
    """Change 正文's Chinese font (as Word's 修改样式 dialog does), save, reopen: every run follows."""
    subject = hb.forms[0] if make == "form" else hb.role("planning-manager")
    doc = Document(io.BytesIO(getattr(render, make)(hb, subject)))
    runs = [r for r in all_runs(doc) if "".join(t.text or "" for t in r.iter(qn("w:t")))]
    assert len(runs) > 20
    assert {effective_east_asian_font(doc, r) for r in runs} == {"微软雅黑"}
    _fonts(doc.styles["Normal"].element).set(qn("w:eastAsia"), "宋体")
    doc.save(tmp_path / "restyled.docx")
    doc = Document(tmp_path / "restyled.docx")
    assert {effective_east_asian_font(doc, r) for r in all_runs(doc)
            if "".join(t.text or "" for t in r.iter(qn("w:t")))} == {"宋体"}
    # A heading style can differ from 正文 on its own, and its runs follow it.
    doc.styles["Heading 1"].element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "黑体")
    headings = [p for p in doc.paragraphs if p.style.name == "Heading 1"]
    if make == "job_description":
        assert headings and all(effective_east_asian_font(doc, r._r) == "黑体" for p in headings for r in p.runs)


@pytest.mark.parametrize("role_id", role_ids())
def test_a4_page_header_and_page_number_fields(hb, jds, role_id):
    doc = jds[role_id][1]
    section = doc.sections[0]
    assert (round(section.page_width.twips), round(section.page_height.twips)) == A4
    header = section.header._element.xml
    assert hb.site.handbook_title in header and hb.role(role_id).number in header
    assert "{" not in header  # every placeholder filled
    footer = section.footer._element
    instructions = [t.text.strip() for t in footer.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    kinds = [c.get(qn("w:fldCharType")) for c in footer.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"] * 2
    assert views.jd_footer(hb.role(role_id)) in "".join(t.text for t in footer.iter(qn("w:t")))


def test_numbering_restarts_in_each_group(hb, jds):
    """营销策划 1)–9) starts at 1: its own w:num with a startOverride of 1."""
    doc = jds["planning-manager"][1]
    role = hb.role("planning-manager")
    numbering = doc.part.numbering_part.element
    nums = {n.get(qn("w:numId")): n for n in numbering.findall(qn("w:num"))}

    def num_of(text):
        p = next(p for p in doc.paragraphs if p.text == text)
        return p._p.pPr.numPr.numId.val

    group = next(g for g in role.duties[1].duties if g.heading == "营销策划")
    ids = {num_of(d.text) for d in group.duties}
    assert len(ids) == 1
    (num_id,) = ids
    start = nums[str(num_id)].find(qn("w:lvlOverride")).find(qn("w:startOverride"))
    assert start.get(qn("w:val")) == "1"
    research = role.duties[1].duties[0].duties[0]
    assert num_of(research.text) != num_id


def test_tables_have_fixed_widths(jds):
    doc = jds["planning-manager"][1]
    section = doc.sections[0]
    text_width = round(Length(section.page_width - section.left_margin - section.right_margin).twips)
    for table in doc.tables:
        tbl = table._tbl
        assert tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        grid = [int(c.get(qn("w:w"))) for c in tbl.tblGrid.findall(qn("w:gridCol"))]
        assert abs(sum(grid) - text_width) <= 2
        for tr in tbl.tr_lst:
            for tc in tr.tc_lst:
                assert tc.tcPr.find(qn("w:tcW")).get(qn("w:type")) == "dxa"


def test_core_properties_have_no_dates(hb, jds):
    doc = jds["planning-manager"][1]
    props = doc.core_properties
    assert props.title == "营销策划经理岗位说明书"
    assert props.author == hb.site.organisation
    assert props.created is None and props.modified is None
    assert props.revision == 1


def test_same_input_same_bytes(hb, jds, documents):
    """Rendered here from the whole handbook, in the build from its DocumentView slice: same bytes."""
    for role in hb.roles:
        assert render.job_description(hb, role) == jds[role.id][0]
    form = hb.forms[0]
    assert render.form(hb, form) == documents[("form", form.id, "docx")]
    assert render.appraisal(hb, hb.roles[0]) == documents[("appraisal", hb.roles[0].id, "docx")]


def test_zip_entries_have_fixed_timestamps(jds):
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(jds["planning-manager"][0]))
    assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert archive.namelist()[0] == "[Content_Types].xml"
    # custom properties name the role and fingerprint its content, for `handbook import` (docx_props)
    assert "docProps/custom.xml" in archive.namelist()


# --------------------------------------------------------------------------- hostile text


def test_untrusted_duty_text_renders_literally(hb):
    role = hb.role("sales-assistant")
    hostile = "<script>alert(1)</script> {{ x }} 响铃\x07字符 & <b>"
    evil = role.model_copy(update={"duties": [hostile, *role.duties[1:]],
                                   "title": "助理\x00\x1f<i>"})
    changed = hb.model_copy(update={"roles": [evil if r.id == role.id else r for r in hb.roles]})
    for render_one in (render.job_description, render.appraisal):
        doc = Document(io.BytesIO(render_one(changed, evil)))
        assert doc.paragraphs[0].text.startswith("助理<i>")
    doc = Document(io.BytesIO(render.job_description(changed, evil)))
    texts = [p.text for p in doc.paragraphs if p.style.name.startswith("List Number")]
    assert "<script>alert(1)</script> {{ x }} 响铃字符 & <b>" in texts


# --------------------------------------------------------------------------- forms


def _labels(form):
    for section in form.sections:
        for field in section.fields:
            yield field.label
            yield from (column.label for column in field.columns)


@pytest.mark.parametrize("form_id", ["key-client-entertainment", "visit-report"])
def test_every_form_label_is_in_the_table(hb, forms, form_id):
    doc = forms[form_id]
    texts = set(cell_texts(doc))
    form = hb.form(form_id)
    for label in _labels(form):
        assert label in texts, label
    for section in form.sections:
        assert section.heading in texts
    assert doc.paragraphs[0].text == form.title and doc.paragraphs[0].style.name == "Title"
    footer = doc.sections[0].footer._element
    assert views.form_footer(form) in "".join(t.text for t in footer.iter(qn("w:t")))
    assert "PAGE" in [t.text.strip() for t in footer.iter(qn("w:instrText"))]


@pytest.mark.parametrize("form_id", ["key-client-entertainment", "visit-report"])
def test_form_cells_hold_one_paragraph_and_span_the_grid(forms, form_id):
    doc = forms[form_id]
    for table in doc.tables:
        columns = len(table._tbl.tblGrid.findall(qn("w:gridCol")))
        for tr in table._tbl.tr_lst:
            assert sum(tc.grid_span for tc in tr.tc_lst) == columns
            for tc in tr.tc_lst:
                assert len(tc.p_lst) == 1


def test_entertainment_form_prints_the_meal_rule_and_choices(hb, forms):
    doc = forms["key-client-entertainment"]
    texts = cell_texts(doc)
    policy = hb.policy("entertainment-expenses")
    assert views.meal_standard_text(policy.meal_standard) in texts
    assert any("人数+1" in t for t in texts)
    assert any(re.fullmatch("_{10,}", t) for t in texts)  # 招待地点: no venues listed yet, a line to write one
    assert any("□ 全彩屏大客户" in t and "□ 外地广告车客户" in t for t in texts)
    assert any(t.startswith("签字：") and "日期：" in t for t in texts)
    assert hb.form("key-client-entertainment").footer_note in [p.text for p in doc.paragraphs]


def test_venues_from_the_policy_become_options(hb):
    policy = hb.policy("entertainment-expenses")
    venues = ["某某酒店（某某路 1 号）", "迎宾楼"]
    with_venues = policy.model_copy(update={"venues": venues})
    changed = hb.model_copy(update={"policies": [with_venues if p.id == policy.id else p for p in hb.policies]})
    texts = cell_texts(Document(io.BytesIO(render.form(changed, changed.form("key-client-entertainment")))))
    assert any(t.startswith(f"{views.CHECKBOX} {venues[0]}　　{views.CHECKBOX} {venues[1]}　　{views.CHECKBOX} 其他：_")
               for t in texts)
    assert not any(re.fullmatch("_+", t) for t in texts)  # the blank line is only for a choice without options


def test_visit_report_table_field_has_header_and_rows(hb, forms):
    doc = forms["visit-report"]
    field = hb.form("visit-report").sections[1].fields[0]
    table = doc.tables[0]
    rows = [row_texts(table, row) for row in table.rows]
    header_index = rows.index([c.label for c in field.columns])
    assert rows[header_index - 1] == [field.label]
    empty = rows[header_index + 1: header_index + 1 + field.rows]
    assert empty == [[""] * len(field.columns)] * field.rows


def test_meal_rule_follows_the_policy(tmp_path):
    for folder in ("roles", "content"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    policy = tmp_path / "content" / "policies" / "entertainment-expenses.yml"
    text = policy.read_text(encoding="utf-8")
    assert re.search(r"extra_dishes: 1\b", text)
    policy.write_text(re.sub(r"extra_dishes: 1\b", "extra_dishes: 2", text), encoding="utf-8")
    changed = load_handbook(tmp_path)
    doc = Document(io.BytesIO(render.form(changed, changed.form("key-client-entertainment"))))
    texts = cell_texts(doc)
    assert any("人数+2" in t for t in texts)
    assert not any("人数+1" in t for t in texts)


# --------------------------------------------------------------------------- appraisal


@pytest.mark.parametrize("role_id", role_ids())
def test_appraisal_lists_every_kpi_and_total(hb, appraisals, role_id):
    doc = appraisals[role_id]
    role = hb.role(role_id)
    table = table_with_header(doc, views.APPRAISAL_COLUMNS)
    assert table is not None
    names = [row.cells[0].text for row in table.rows[1:]]
    assert names == [k.name for k in role.kpis.items] + ["合计"]
    assert table.rows[-1].cells[1].text == "100%"
    assert row_texts(table, table.rows[-1]) == list(views.appraisal_total_row(role))
    head = doc.tables[0]
    pairs = [text for row in head.rows for text in row_texts(head, row)]
    assert pairs == [text for pair in views.appraisal_info(hb, role) for text in pair]
    assert [label for label, value in views.appraisal_info(hb, role) if not value] == list(views.APPRAISAL_BLANKS)
    paragraphs = [p.text for p in doc.paragraphs]
    signed = [p for p in paragraphs if "签字：" in p]
    assert [re.sub("_+", "", p) for p in signed] == [f"{who}签字：　　日期：" for who in views.APPRAISAL_SIGNERS]


# --------------------------------------------------------------------------- settings mistakes


def test_a_typo_in_layout_settings_is_a_path_line_error(tmp_path, monkeypatch):
    from generator.content.errors import ContentError
    from generator.documents.renderers.docx import settings as docx_settings

    text = docx_settings.LAYOUT_FILE.read_text(encoding="utf-8")
    line = text.splitlines().index(next(l for l in text.splitlines() if l.startswith("  kpi_widths:"))) + 1
    broken = tmp_path / "layout.yml"
    broken.write_text(text.replace("  kpi_widths:", "  kpi_width:").replace('label_fill: "F2F2F2"',
                                                                             'label_fill: "grey"'), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        docx_settings.read(broken, docx_settings.Layout)
    messages = [str(p) for p in caught.value.problems]
    assert f"{broken.as_posix()}:{line}: 未知的键 'kpi_width' — 是不是想写 'kpi_widths'？" in messages
    assert any(re.search(r":\d+: tables 下的 label_fill 写的 'grey' 不是颜色 — 写六位十六进制数", m)
               for m in messages), messages
    # Raised in a render worker, the error crosses the process boundary whole.
    import pickle

    assert [str(p) for p in pickle.loads(pickle.dumps(caught.value)).problems] == messages


def test_a_typo_in_reference_styles_is_a_path_line_error(tmp_path):
    from generator.content.errors import ContentError
    from generator.documents.renderers.docx import settings as docx_settings

    text = docx_settings.STYLES_FILE.read_text(encoding="utf-8")
    broken = tmp_path / "styles.yml"
    broken.write_text(text.replace("    space_after: 12\n", "    space_afterr: 12\n"), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        docx_settings.read(broken, docx_settings.ReferenceStyles)
    (problem,) = caught.value.problems
    assert problem.line == text[:text.index("    space_after: 12\n")].count("\n") + 1
    assert str(problem).endswith("未知的键 'space_afterr' — 是不是想写 'space_after'？")


def test_reference_docx_with_a_missing_style_or_unknown_placeholder_is_reported(hb, tmp_path):
    from generator.documents.renderers.docx import styles as docx_styles

    doc = Document(str(docx_styles.REFERENCE))
    doc.styles["Notice"].element.getparent().remove(doc.styles["Notice"].element)
    footer = doc.sections[0].footer._element
    next(t for t in footer.iter(qn("w:t")) if t.text == "{页脚}").text = "{页码}"
    problems = [str(p) for p in docx_styles.check_reference(doc, "templates/docx/reference.docx")]
    wrong_table = [str(p) for p in docx_styles.check_reference(doc, "r.docx", table_style="Grid Table 4")]
    assert "r.docx:1: 缺少表格样式 'Grid Table 4'（templates/docx/layout.yml 的 tables.style） — " \
           "改用 Table Grid，或在 Word 中添加它" in wrong_table
    assert problems == [
        "templates/docx/reference.docx:1: 缺少段落样式 'Notice' — 在 Word 中添加名为 'Notice' 的段落样式"
        "（样式 → 新建样式），或运行 scripts/make_reference_docx.py 重新生成",
        "templates/docx/reference.docx:1: 页脚中有未知的占位符 {页码} — 可用的占位符：{手册名称}、{文件编号}、{页脚}",
    ]


@pytest.mark.slow
def test_the_script_rebuilds_the_committed_reference(tmp_path):
    """scripts/make_reference_docx.py is deterministic, and its output is a reference the renderer accepts."""
    import subprocess
    import sys

    from generator.documents.renderers.docx import styles as docx_styles

    out = [tmp_path / "a.docx", tmp_path / "b.docx"]
    for path in out:
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make_reference_docx.py"), "--out", str(path)],
                       check=True, capture_output=True)
    assert out[0].read_bytes() == out[1].read_bytes()
    doc = Document(str(out[0]))
    assert docx_styles.check_reference(doc, "x") == []
    assert (round(doc.sections[0].page_width.twips), round(doc.sections[0].page_height.twips)) == A4


def test_placeholders_split_over_runs_are_filled():
    """Word splits text into several runs after edits: {文件编号} typed in two goes still works."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    from generator.documents.renderers.docx.styles import _fill

    p = parse_xml(f'<w:p {nsdecls("w")}><w:r><w:t>编号 {{文件</w:t></w:r><w:r><w:t>编号}} 与</w:t></w:r>'
                  f'<w:r><w:t>{{页脚}}</w:t></w:r></w:p>')
    _fill(p, {"文件编号": "YXZX-01", "页脚": "末"})
    assert "".join(t.text for t in p.iter(qn("w:t"))) == "编号 YXZX-01 与末"


# --------------------------------------------------------------------------- LibreOffice, an independent reader


@pytest.fixture(scope="module")
def converted(hb, tmp_path_factory):
    """A two-page job description, a one-page form and the job description restyled as HR would (正文 set
    to a serif font), converted to PDF by LibreOffice in one call (~3 s)."""
    folder = tmp_path_factory.mktemp("libreoffice")
    jd = render.job_description(hb, hb.role("planning-manager"))
    restyled = Document(io.BytesIO(jd))
    _fonts(restyled.styles["Normal"].element).set(qn("w:eastAsia"), "Noto Serif CJK SC")
    buffer = io.BytesIO()
    restyled.save(buffer)
    files = {"jd": jd, "form": render.form(hb, hb.form("key-client-entertainment")), "restyled": buffer.getvalue()}
    for name, data in files.items():
        (folder / f"{name}.docx").write_bytes(data)
    convert_to_pdf(folder, [f"{name}.docx" for name in files])
    return {name: (Document(io.BytesIO(data)), folder / f"{name}.pdf") for name, data in files.items()}


def _stored_numpages(doc) -> str:
    footer = doc.sections[0].footer._element
    runs = list(footer.iter(qn("w:r")))
    texts, state, instr = [], None, ""
    for r in runs:
        char = r.find(qn("w:fldChar"))
        kind = char.get(qn("w:fldCharType")) if char is not None else None
        if kind == "begin":
            state, instr = "instr", ""
        elif kind == "separate":
            state = "result"
        elif kind == "end":
            state = None
        elif state == "instr":
            instr += "".join(t.text for t in r.iter(qn("w:instrText")))
        elif state == "result" and instr.strip() == "NUMPAGES":
            texts.append("".join(t.text for t in r.iter(qn("w:t"))))
    return "".join(texts)


@pytest.mark.parametrize("name", ["jd", "form"])
def test_stored_page_count_matches_libreoffice(converted, name):
    """The NUMPAGES result stored in the file (what previews show) is the page count LibreOffice lays out."""
    from pypdf import PdfReader

    doc, pdf = converted[name]
    pages = PdfReader(pdf).pages
    assert _stored_numpages(doc) == str(len(pages))
    for number, page in enumerate(pages, start=1):
        assert f"第 {number} 页 / 共 {len(pages)} 页" in page.extract_text()
    if name == "jd":
        assert len(pages) == 2  # the page-2 footer says 共 2 页, and so does the stored result


def test_libreoffice_draws_the_chinese_with_simplified_chinese_glyphs(converted):
    """微软雅黑 is not on Linux: LibreOffice substitutes Noto Sans CJK, and w:lang zh-CN makes it pick the SC
    face. pdffonts cannot tell (every Noto CJK face embeds as 'NotoSansCJKjp'), the glyph ids can: for
    characters whose SC and JP shapes differ (直, 门 …), the embedded glyphs are the SC ones."""
    import subprocess

    _, pdf = converted["jd"]
    listing = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "NotoSansCJK" in listing, listing
    differing, sc, jp = chinese_glyph_shapes(pdf)
    assert len(differing) > 30
    assert not jp, f"Japanese glyph shapes in the PDF: {''.join(sorted(jp))}"
    assert len(sc) > 0.8 * len(differing)


def test_libreoffice_follows_a_restyled_normal_style(converted):
    """One change to 正文 changes every Chinese character of the file, headings, tables and footer included."""
    import subprocess

    listing = subprocess.run(["pdffonts", str(converted["restyled"][1])], check=True, capture_output=True,
                             text=True).stdout
    assert "NotoSerifCJK" in listing, listing
    assert "NotoSansCJK" not in listing, listing


@pytest.mark.parametrize("role_id", role_ids())
def test_appraisal_rows_leave_room_to_write_like_the_pdf(appraisals, role_id):
    """KPI rows at least 11 mm and head rows at least 8 mm tall, as in the PDF (style.css), growing with text."""
    doc = appraisals[role_id]

    def heights(table, skip_header=False):
        out = []
        for tr in table._tbl.tr_lst[1 if skip_header else 0:]:
            height = tr.trPr.find(qn("w:trHeight"))
            out.append((int(height.get(qn("w:val"))), height.get(qn("w:hRule"))))
        return out

    css = (ROOT / "templates" / "pdf" / "style.css").read_text(encoding="utf-8")
    pdf_row_mm = float(re.search(r"table\.appraisal tbody td \{ height: ([\d.]+)mm", css).group(1))
    pdf_head_mm = float(re.search(r"table\.appraisal-head td\.fill \{ height: ([\d.]+)mm", css).group(1))
    mm = 1440 / 25.4
    assert set(heights(doc.tables[1], skip_header=True)) == {(round(pdf_row_mm * mm), "atLeast")}
    assert set(heights(doc.tables[0])) == {(round(pdf_head_mm * mm), "atLeast")}


@pytest.mark.slow
def test_a_reference_saved_by_libreoffice_still_works(monkeypatch):
    """HR may edit reference.docx in LibreOffice: it renames styles ('Heading 1', not 'heading 1') and splits
    {页脚} into three runs. The renderer still finds every style and fills every placeholder.

    The fixture is reference.docx saved by LibreOffice 7.4 (``soffice --headless --convert-to
    "docx:MS Word 2007 XML" templates/docx/reference.docx``), kept to spare the test a conversion.
    """
    from generator.documents.renderers.docx import styles as docx_styles

    saved = ROOT / "tests" / "fixtures" / "reference-saved-by-libreoffice.docx"
    footer = Document(str(saved)).sections[0].footer._element
    assert "{页脚}" not in [t.text for t in footer.iter(qn("w:t"))]  # split over runs by LibreOffice
    monkeypatch.setattr(docx_styles, "REFERENCE", saved)
    hb = load_handbook(ROOT)  # no git history: the sections and page count below are those of the content alone
    role = hb.role("planning-manager")
    data = render.job_description(hb, role)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert len(names) == len(set(names)), names  # LibreOffice's docProps/custom.xml is not carried over twice
    doc = Document(io.BytesIO(data))
    assert doc.sections[0].header.paragraphs[0].text == f"{hb.site.handbook_title}\t{views.role_number_line(role)}"
    assert doc.sections[0].footer.paragraphs[0].text == f"{views.jd_footer(role)}\t第 1 页 / 共 2 页"
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"] == \
        [*views.JD_SECTIONS[:-1], views.REVISIONS_HEADING, views.JD_SECTIONS[-1]]  # its authored 修订记录 too
    assert not [r for r in doc.element.body.iter(qn("w:r")) if _fonts(r) is not None]
    # LibreOffice gave the reference custom properties of its own: the file has one set, the role's
    assert names.count("docProps/custom.xml") == 1
    assert docx_props.read_properties(data)[docx_props.PROP_ROLE] == "planning-manager"


def test_page_estimate_wraps_like_a_word_processor():
    """Ten 10 pt characters fill 2000 twips; a full stop may hang past the end; Latin-only lines are lower."""
    from generator.documents.renderers.docx.pages import text_lines

    assert text_lines("岗" * 10, 10, 2000) == [True]
    assert text_lines("岗" * 11, 10, 2000) == [True, True]
    assert text_lines("岗" * 10 + "。", 10, 2000) == [True]  # hanging punctuation, as Word and LibreOffice
    assert text_lines("实际完成数÷计划数×100%", 10, 1800) == [True, False]  # '100%' alone on a lower line
    assert text_lines("", 10, 2000) == [True]
