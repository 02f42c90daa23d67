"""HTML laid out into PDF by WeasyPrint, as every PDF is made: the shared stylesheet, fonts and template
folders (the only files it may read), the brand header, PDF/A-2b and PDF/UA-1, compacted fonts
(ARCHITECTURE.md, "PDF files": the facts this relies on)."""

from __future__ import annotations

import base64
import contextlib
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from ... import TOOL_ROOT
from .. import views
from . import logo_raster, pdf_fonts, pdf_ua

TEMPLATE_DIR = TOOL_ROOT / "templates" / "pdf"
OVERRIDE_DIR = TOOL_ROOT / "site_overrides" / "pdf"
STYLESHEET = "style.css"


# --------------------------------------------------------------------------- resources


def search_path() -> list[Path]:
    """Template folders, site overrides first; also the only folders WeasyPrint may read."""
    return [d for d in (OVERRIDE_DIR, TEMPLATE_DIR) if d.is_dir()]


class BlockedURL(PermissionError):
    """A resource outside the template folders (or not a local file) was requested."""


class LocalOnlyFetcher(URLFetcher):
    """Allow ``data:`` URLs and ``file://`` URLs inside the template folders; refuse the rest (defence in
    depth against a template or site override that would reference anything: content is escaped text)."""

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


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
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
    fetcher = LocalOnlyFetcher()
    css_file = next(d / STYLESHEET for d in search_path() if (d / STYLESHEET).is_file())
    css = CSS(url=css_file.as_uri(), url_fetcher=fetcher, font_config=fonts)
    return css, fonts, fetcher


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


# Archival and accessible at once: PDF/A-2b, tagged; PDF/UA-1 beyond its tags by pdf_ua.finish
PDF_VARIANT = "pdf/a-2b"
PDF_LANGUAGE = "zh-CN"


def _options() -> dict:
    css, _, _ = _weasy()
    return dict(stylesheets=[css], pdf_variant=PDF_VARIANT, pdf_tags=True)


def layout(html: str):
    """``html`` laid out with the shared stylesheet, nothing drawn yet: WeasyPrint's Document (``.pages``)."""
    _, fonts, fetcher = _weasy()
    base_url = search_path()[0].as_uri() + "/"  # relative URLs in a site override resolve beside it
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(font_config=fonts, **_options())


def write(document, compact_fonts: bool = True) -> bytes:
    """A laid-out ``document`` as PDF/A-2b with tags; ``compact_fonts`` see :mod:`.pdf_fonts`."""
    def finish(document, pdf) -> None:
        pdf_ua.finish(pdf, PDF_LANGUAGE)
        if compact_fonts:
            pdf_fonts.compact_fonts(document, pdf)

    with pdf_fonts.whole_faces() if compact_fonts else contextlib.nullcontext():
        return document.write_pdf(finisher=finish, **_options())


def html_to_pdf(html: str, compact_fonts: bool = True) -> bytes:
    """Lay out ``html`` with the shared stylesheet and write it (:func:`layout`, :func:`write`)."""
    return write(layout(html), compact_fonts)
