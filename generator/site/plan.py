"""The site as a plan: everything an engine needs, computed from the ``Handbook`` as data and knowing no
engine (ARCHITECTURE.md, The site as a plan)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from markupsafe import Markup, escape

from .. import TOOL_ROOT
from ..content import brand
from ..content.model import Handbook
from ..documents import bundles
from ..documents import plan as documents
from . import pages

STATIC = TOOL_ROOT / "templates" / "site" / "static"
SHIM = TOOL_ROOT / "vendor" / "iframe-worker" / "shim.js"
SHIM_URI = "assets/javascripts/iframe-worker-shim.js"
BRAND_DIR = "assets/brand"


@dataclass(frozen=True)
class Download:
    """A file the pages link to; its size is printed when known (not in the preview)."""

    doc: Any  # documents.plan.Document or bundles.BundleDoc
    size: int | None = None


@dataclass(frozen=True)
class Theme:
    """The theme's settings that come from the content. Text is escaped ``Markup``: themes print it raw."""

    site_name: Markup
    description: Markup
    copyright: Markup
    logo: str | None = None  # the logo's address in the site: header logo and favicon
    brand_css: str = ""  # the logo's size and the brand palette (CSS variables), empty without them
    custom_palette: bool = False  # the brand colour replaces the theme's palette

    def settings(self, palette: dict | list) -> dict:
        """These settings as configuration keys, given the configured ``palette``."""
        theme: dict = {}
        if self.logo:
            theme.update(logo=self.logo, favicon=self.logo)
        if self.custom_palette:
            custom = {"primary": "custom", "accent": "custom"}
            theme["palette"] = [{**p, **custom} for p in palette] if isinstance(palette, list) \
                else {**palette, **custom}
        return {"site_name": self.site_name, "site_description": self.description, "copyright": self.copyright,
                "theme": theme, "extra": {"handbook_brand_css": self.brand_css}}


@dataclass(frozen=True)
class SitePlan:
    pages: dict[str, str]  # source path (roles/market-manager.md) → Markdown
    nav: list
    assets: dict[str, bytes]  # site path → bytes
    theme: Theme
    search: dict[str, list[str]]  # page URL → the words a person types for it, indexed whole
    documents: list[documents.Document]
    bundles: list[bundles.BundleDoc]  # the zips of documents, then the offline site

    def downloads(self) -> list[str]:
        """Every downloadable file's site path (documents, zips, manifest)."""
        return [d.path for d in (*self.documents, *self.bundles)] + [bundles.MANIFEST]


def theme(hb: Handbook) -> Theme:
    settings, look = hb.site, hb.brand
    logo = f"{BRAND_DIR}/logo-{look.logo.sha256[:12]}.{look.logo.format}" if look.logo else None
    css = (brand.LOGO_CSS if look.logo else "") + (brand.site_css(look.color) if look.color else "")
    return Theme(escape(settings.handbook_title), escape(settings.description or settings.handbook_title),
                 escape(" · ".join(filter(None, (settings.company, settings.organisation, settings.handbook_title)))),
                 logo, css, look.color is not None)


def assets(hb: Handbook) -> dict[str, bytes]:
    """Our static files, the iframe-worker shim (search under file://) and its licence, the logo's copy."""
    found = {p.relative_to(STATIC).as_posix(): p.read_bytes() for p in sorted(STATIC.rglob("*")) if p.is_file()}
    found[SHIM_URI] = SHIM.read_bytes()
    if SHIM.with_name("LICENSE").is_file():
        found[SHIM_URI.replace(".js", ".LICENSE.txt")] = SHIM.with_name("LICENSE").read_bytes()
    logo = theme(hb).logo
    if logo:
        found[logo] = hb.brand.logo.data
    return found


def search_hints(hb: Handbook) -> dict[str, list[str]]:
    """Page URL → each role's title and aliases: indexed whole, so that typing a role's name finds it first."""
    return {html(pages.role_uri(r.id)): list(dict.fromkeys(n.strip() for n in r.names if n.strip())) for r in hb.roles}


def html(uri: str) -> str:
    """A page's address in the built site (no directory URLs: links work from file://)."""
    return uri.removesuffix(".md") + ".html"


def plan(hb: Handbook, sizes: Mapping[str, int] | None = None, overrides: Iterable[Path] = (),
         memo: dict | None = None, maintainers: bool = False) -> SitePlan:
    """The site of ``hb``; ``sizes`` (site path → bytes, known to a build) beside the download links;
    ``maintainers``: the site HR previews (the 维护指南 in the menu and in search)."""
    docs, zips = documents.plan(hb), bundles.bundle_docs(hb)
    downloads = [Download(d, (sizes or {}).get(d.path)) for d in (*docs, *zips)]
    return SitePlan(pages.pages(hb, downloads, overrides, memo, maintainers), pages.nav(hb, maintainers), assets(hb),
                    theme(hb), search_hints(hb), docs, zips)
