"""PDF renderer: Jinja2 HTML templates in ``templates/pdf/`` laid out by WeasyPrint.

Every word printed comes from :mod:`generator.views` (or the model); the templates
only decide how it looks. Content is untrusted text: the Jinja environment
autoescapes everything and WeasyPrint may only read files from the template
folders (see :class:`LocalOnlyFetcher`). The embedded fonts are compacted after
layout (:mod:`generator.renderers.pdf_fonts`): ~60 KB instead of ~330 KB for a 2-page JD.
Every PDF is PDF/A-2b and tagged (see :data:`PDF_VARIANT`): archival and readable by screen readers.

Facts this module relies on (see the project's field notes):

* ``<html lang="zh-CN">`` and the one family "Noto Sans CJK SC" in the CSS, or
  WeasyPrint picks the Japanese face of the Noto CJK collection;
* ``libharfbuzz-subset0`` must be installed, or subsetting takes ~10 s per PDF;
* the output is byte-identical between runs as long as no dates are put in the
  metadata, so none are.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from .. import drafts, views
from ..model import Form, Handbook, Role
from . import logo_raster, pdf_fonts

PROJECT_DIR = Path(__file__).resolve().parents[2]
TEMPLATE_DIR = PROJECT_DIR / "templates" / "pdf"
OVERRIDE_DIR = PROJECT_DIR / "site_overrides" / "pdf"
STYLESHEET = "style.css"

LOGGER = logging.getLogger(__name__)


# --------------------------------------------------------------------------- resources


def search_path() -> list[Path]:
    """Template folders, site overrides first; also the only folders WeasyPrint may read."""
    return [d for d in (OVERRIDE_DIR, TEMPLATE_DIR) if d.is_dir()]


class BlockedURL(PermissionError):
    """A resource outside the template folders (or not a local file) was requested."""


class LocalOnlyFetcher(URLFetcher):
    """Allow ``data:`` URLs and ``file://`` URLs inside the template folders; refuse the rest.

    Content is escaped text, so it cannot reference anything; this is defence in depth
    against a template (or a site override) that would.
    """

    def __init__(self, roots: list[Path] | None = None):
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.roots = [Path(r).resolve() for r in (roots if roots is not None else search_path())]

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                raise BlockedURL(f"refused remote file URL: {url}")
            path = Path(url2pathname(parts.path)).resolve()
            if any(path.is_relative_to(root) for root in self.roots):
                return super().fetch(url, headers)
            raise BlockedURL(f"refused file outside the PDF templates: {url}")
        raise BlockedURL(f"refused URL (only local template files may be loaded): {url}")


def url_fetcher() -> LocalOnlyFetcher:
    """A fetcher restricted to :func:`search_path`."""
    return LocalOnlyFetcher()


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in search_path()]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


@lru_cache(maxsize=1)
def _weasy():
    """Parsed stylesheet, font configuration and fetcher, built once per process."""
    fonts = FontConfiguration()
    fetcher = url_fetcher()
    css_file = next(d / STYLESHEET for d in search_path() if (d / STYLESHEET).is_file())
    css = CSS(url=css_file.as_uri(), url_fetcher=fetcher, font_config=fonts)
    return css, fonts, fetcher


def _render(template: str, hb: Handbook, subject=None, **context) -> bytes:
    """Every document's page header names the handbook; its metadata the organisation; a draft is watermarked."""
    draft = drafts.is_draft(subject)
    if draft:
        context["doc_title"] += drafts.TITLE_SUFFIX
    page = _environment().get_template(template).render(
        handbook=hb.site.handbook_title, author=hb.site.organisation, draft=draft,
        draft_watermark=drafts.WATERMARK, **brand_context(hb), **context)
    return html_to_pdf(page)


# The logo in the page header: at most this high, and this wide (a wide logo is drawn lower).
LOGO_HEIGHT_MM = 9.0
LOGO_WIDTH_MM = 40.0
LOGO_DPI = 600  # an SVG with gradients is drawn as PNG at this resolution (renderers/logo_raster.py)


def brand_context(hb) -> dict:
    """What _brand_header.html reads: the logo (as a data: URL, so WeasyPrint reads no file) and the names."""
    logo = views.header_logo(hb, LOGO_HEIGHT_MM, LOGO_WIDTH_MM)
    uri = ""
    if logo is not None:
        data, media_type = logo.data, logo.media_type
        if logo.format == "svg" and logo_raster.unreliable_in_pdf(data):  # gradients: see logo_raster
            data, media_type = logo_raster.png_of(data, logo.height_mm, LOGO_DPI), "image/png"
        uri = f"data:{media_type};base64," + base64.b64encode(data).decode("ascii")
    return dict(brand_logo=logo, brand_logo_uri=uri, brand_company=hb.site.company,
                brand_name=hb.site.company or hb.site.organisation)


# Archival and accessible at once: PDF/A-2b (fonts embedded, sRGB OutputIntent, XMP metadata) and
# tagged (a structure tree of headings, paragraphs, lists L/LI and tables with TH cells, for screen
# readers and reflow). WeasyPrint 70 takes the two together; PDF/UA-1 as well would need an author
# and a title on every PDF and alternative text on every image, which its checker cannot guarantee.
PDF_VARIANT = "pdf/a-2b"
PDF_LANGUAGE = "zh-CN"


def html_to_pdf(html: str, compact_fonts: bool = True) -> bytes:
    """Lay out ``html`` with the shared stylesheet; ``compact_fonts`` see :mod:`.pdf_fonts`."""
    css, fonts, fetcher = _weasy()
    base_url = search_path()[0].as_uri() + "/"  # relative URLs in a site override resolve beside it

    def finish(document, pdf) -> None:
        _xmp_language(pdf, PDF_LANGUAGE)
        if compact_fonts:
            pdf_fonts.compact_fonts(document, pdf)

    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
        stylesheets=[css], font_config=fonts, finisher=finish, pdf_variant=PDF_VARIANT, pdf_tags=True,
    )


def html_page_count(html: str) -> int:
    """Pages ``html`` lays out into with the shared stylesheet: layout only, nothing drawn or written."""
    css, fonts, fetcher = _weasy()
    base_url = search_path()[0].as_uri() + "/"
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(stylesheets=[css], font_config=fonts)
    return len(document.pages)


_RDF_END = b"</rdf:RDF>"


def _xmp_language(pdf, language: str) -> None:
    """Add ``dc:language`` to the XMP packet WeasyPrint wrote (it sets only the catalog's /Lang)."""
    reference = pdf.catalog.get("Metadata")
    if reference is None:
        return
    stream = pdf.objects[pdf_fonts._object_number(reference)]
    data = b"".join(part if isinstance(part, bytes) else str(part).encode() for part in stream.stream)
    if b"dc:language" in data or _RDF_END not in data:
        return
    entry = (b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" rdf:about="">'
             b"<dc:language><rdf:Bag><rdf:li>" + language.encode("ascii") + b"</rdf:li></rdf:Bag></dc:language>"
             b"</rdf:Description>")
    stream.stream = [data.replace(_RDF_END, entry + _RDF_END, 1)]


# --------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class KpiRow:
    cells: tuple[str, ...]  # views.kpi_rows, in views.KPI_COLUMNS order
    measures: list[str]  # numbering labels of the duties the KPI measures (views.kpi_measures)


def job_description(hb: Handbook, role: Role) -> bytes:
    """岗位说明书."""
    return _render("job_description.html", hb, role, **_jd_context(hb, role))


def book_part(hb: Handbook, role: Role) -> bytes:
    """One role's pages of 全部岗位说明书: its job description without page numbers.

    The book is assembled from these pieces (:mod:`generator.renderers.pdf_book`), which numbers the
    pages through; each piece is cached on its own, so an edit re-lays out one role, not the book.
    """
    return _render("job_description_book_part.html", hb, role, **_jd_context(hb, role))


def _jd_context(hb: Handbook, role: Role) -> dict:
    """What job_description.html and _jd_body.html read, for one role."""
    kpis = [KpiRow(cells=row, measures=views.kpi_measures(role, kpi))
            for row, kpi in zip(views.kpi_rows(role), views.kpi_items(role))]
    basic = views.basic_info(hb, role)
    return dict(
        doc_title=views.jd_title(role),
        number_line=views.role_number_line(role),
        footer=views.jd_footer(role),
        sections=views.JD_SECTIONS,
        basic_rows=[basic[i:i + 2] for i in range(0, len(basic), 2)],
        purpose=role.purpose,
        outline=views.duty_outline(role),
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


def form(hb: Handbook, form: Form) -> bytes:
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


def appraisal(hb: Handbook, role: Role) -> bytes:
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
