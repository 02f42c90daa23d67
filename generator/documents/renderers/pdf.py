"""PDF job descriptions (also the pieces of 全部岗位说明书), appraisal sheets and blank forms: the words from
:mod:`generator.documents.views`, the look from the Jinja templates in ``templates/pdf/`` (:mod:`.weasy`)."""

from __future__ import annotations

from dataclasses import dataclass

from ...content import drafts, outline
from ...content.model import Form, Role
from .. import views
from ..views import DocumentView
from .weasy import brand_context, environment, html_to_pdf


def _render(template: str, hb: DocumentView, subject=None, **context) -> bytes:
    """Every document's page header names the handbook; its metadata the organisation; a draft is watermarked."""
    draft = drafts.is_draft(subject)
    if draft:
        context["doc_title"] += drafts.TITLE_SUFFIX
    page = environment().get_template(template).render(
        handbook=hb.site.handbook_title, author=hb.site.organisation, draft=draft,
        draft_watermark=drafts.WATERMARK, **brand_context(hb), **context)
    return html_to_pdf(page)


# --------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class KpiRow:
    cells: tuple[str, ...]  # views.kpi_rows, in views.KPI_COLUMNS order
    measures: list[str]  # numbering labels of the duties the KPI measures (outline.kpi_measures)


def job_description(hb: DocumentView, role: Role) -> bytes:
    """岗位说明书; also one role's pages of 全部岗位说明书, which renumbers them (:mod:`.pdf_book`)."""
    kpis = [KpiRow(cells=row, measures=outline.kpi_measures(role, kpi))
            for row, kpi in zip(views.kpi_rows(role), outline.kpi_items(role))]
    basic = views.basic_info(hb, role)
    return _render(
        "job_description.html", hb, role,
        doc_title=views.jd_title(role),
        number_line=views.role_number_line(role),
        footer=views.jd_footer(role),
        sections=views.JD_SECTIONS,
        basic_rows=[basic[i:i + 2] for i in range(0, len(basic), 2)],
        purpose=role.purpose,
        outline=outline.duty_outline(role),
        extra_sections=views.extra_sections(role),
        kpi_columns=views.KPI_COLUMNS,
        kpis=kpis,
        measures_label=views.MEASURES_LABEL,
        proposed=role.kpis is not None and role.kpis.status == "proposed",
        proposed_notice=views.PROPOSED_NOTICE,
        kpi_note=role.kpis.note if role.kpis else None,
        no_kpis=views.NO_KPIS,
        revisions=views.revision_rows(hb, role, views.REVISIONS_IN_DOCUMENT),
        revisions_heading=views.REVISIONS_HEADING,
        revision_columns=views.REVISION_COLUMNS,
        signatories=views.SIGNATORIES,
        signature_items=views.signature_items(),
        copies_note=views.COPIES_NOTE,
    )


def form(hb: DocumentView, form: Form) -> bytes:
    """A blank printable form."""
    return _render(
        "form.html", hb, form,
        doc_title=form.title,
        number_line=views.form_number_line(form),
        footer=views.form_footer(form),
        instructions=form.instructions,
        layout=views.form_layout(hb, form),
        footer_note=form.footer_note,
        value_items=views.value_items,
        table_columns=_table_columns,
    )


def _table_columns(cell: views.Cell) -> list[tuple[str, float]]:
    """(label, width in %) of a table field's columns, from their relative widths."""
    total = sum(c.width for c in cell.field.columns) or 1
    return [(c.label, round(100 * c.width / total, 3)) for c in cell.field.columns]


def appraisal(hb: DocumentView, role: Role) -> bytes:
    """绩效考核表."""
    info = views.appraisal_info(hb, role)
    return _render(
        "appraisal.html", hb, role,
        doc_title=views.appraisal_title(role),
        number_line=views.role_number_line(role),
        footer=views.appraisal_footer(role),
        role_title=role.title,  # not used by appraisal.html; kept for site override templates
        info_rows=[info[i:i + 2] for i in range(0, len(info), 2)],
        columns=views.APPRAISAL_COLUMNS,
        rows=views.appraisal_rows(role),
        total_row=views.appraisal_total_row(role),
        proposed=role.kpis is not None and role.kpis.status == "proposed",
        proposed_notice=views.PROPOSED_NOTICE,
        signers=views.APPRAISAL_SIGNERS,
        signature_items=views.signature_items(),
    )
