"""MkDocs plugin: the handbook's pages, documents and bundles enter the build here.

``mkdocs build`` / ``mkdocs serve`` stay the only way the site is made (the
``handbook`` CLI drives the same plugin), so live reload, strict mode and the
theme behave as MkDocs users expect. Pages are generated in memory; documents
come from the render cache (:class:`generator.documents.produce.Production`).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import posixpath
import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from markupsafe import escape
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files

from ... import TOOL_ROOT, cachedir
from ...content import brand, drafts
from ...content.errors import ContentError
from ...content.loader import load_handbook, remember_parsed
from ...content.model import Brand, Handbook, History
from ...documents import bundles, outputs
from ...documents.plan import Document
from ...documents.produce import Produced, Production, Report
from ...history import changes
from ...history import git as history
from .. import incremental, jinjacache
from .. import pages as site
from .. import search as sitesearch

REPO = TOOL_ROOT
SHIM = REPO / "vendor" / "iframe-worker" / "shim.js"
SHIM_URI = "assets/javascripts/iframe-worker-shim.js"
SEARCH_WORDS = REPO / "templates" / "site" / "search-words.txt"
OFFLINE_BUNDLE = bundles.BundleDoc("handbook-offline", "离线版手册（整个网站，解压后打开 index.html）",
                                   "downloads/handbook-offline.zip")
MANIFEST = "downloads/manifest.json"


class HandbookConfig(base.Config):
    root = c.Dir(exists=True, default=".")
    """Folder holding roles/ and content/; a relative path is taken from mkdocs.yml's folder."""

    jobs = c.Type(int, default=0)
    """Worker processes that render Word/PDF documents; 0 = one per CPU core."""

    cache_dir = c.Optional(c.Type(str))
    """Where rendered documents are kept between builds; default `.cache/handbook` under `root`."""

    drafts = c.Type(bool, default=False)
    """Build drafts (`status: draft`) too, marked 草稿; `mkdocs serve` always shows them."""

    history = c.Type(bool, default=True)
    """Read the git history of the content (修订记录, 变更记录); off: only authored revisions."""


class HandbookPlugin(BasePlugin[HandbookConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.hb: Handbook | None = None
        #: a Handbook the caller already loaded and validated (the CLI does, for plain error output)
        self.preloaded: Handbook | None = None
        self.report: Report | None = None
        #: set by the CLI for a progress bar: called as (document, rendered: bool) for every document
        self.on_document_done: Callable[[Document, bool], None] | None = None
        self._entries: list[bundles.Entry] = []
        self._downloads_dest: str | None = None  # the built 下载 page, which learns the offline zip's size last
        self._offline: bundles.BundleDoc = OFFLINE_BUNDLE  # with its save-as name once a handbook is loaded
        #: page URL → role title and aliases, indexed whole for search ranking (sitesearch)
        self._keywords: dict[str, list[str]] = {}
        self._production: Production | None = None
        #: seconds per stage of the last build, for the CLI and benchmarks: load, documents, pages, zip
        self.timings: dict[str, float] = {}
        #: `mkdocs serve` / `handbook serve`: pages first, documents in the background (see generator.site.preview)
        self.serving = False
        #: serving with MkDocs' dirty builds: unchanged pages are not rebuilt (handbook serve)
        self.reuse_pages = False
        self._incremental: incremental.Documents | None = None
        self._signatures = incremental.PageSignatures()
        self._search_entries = incremental.SearchEntries()
        self._page_urls: list[str] = []
        self._built_once = False
        self._page_memo: dict = {}  # role pages whose inputs did not change are not rendered again (serve)
        self._brand_files: list[tuple[str, bytes]] = []  # the logo copied into the site (_apply_brand)
        #: one-line remarks for the build summary (e.g. why history was omitted, drafts left out)
        self.summary: list[str] = []

    def on_startup(self, *, command, dirty) -> None:
        """A preview (`serve`) shows drafts and builds pages first; `build` leaves drafts out unless `drafts: true`.

        Defining this hook makes MkDocs keep one plugin instance across the builds of a process
        (serve's rebuilds, or several builds in tests): per-build state is reset in on_config,
        ``preloaded`` is used once, and on_shutdown ends the preview mode. The preview's caches live here.
        """
        self.serving = command == "serve"
        self.reuse_pages = self.serving and dirty
        if self.serving:
            incremental.remember_theme_files()
            remember_parsed()
            # made now: the server asks for it (on_serve) before the first build
            self._incremental = incremental.Documents(self.cache_dir, self.config.jobs or None)

    def on_shutdown(self) -> None:
        """`mkdocs serve` stopped (Ctrl-C): no worker may outlive it, no preview cache the next build."""
        self.serving = self.reuse_pages = False
        remember_parsed(False)
        self._stop_rendering()
        if self._incremental is not None:
            self._incremental.shutdown()

    @contextmanager
    def _timed(self, stage: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - started

    @property
    def root(self) -> Path:
        return Path(self.config.root).resolve()

    @property
    def cache(self) -> cachedir.CacheDir:
        return cachedir.locate(self.root, self.config.cache_dir)

    @property
    def cache_dir(self) -> Path:
        return self.cache.path

    # Runs before the search plugin's on_config (priority 0), which reads jieba_dict_user.
    @event_priority(50)
    def on_config(self, config):
        self.timings = {}
        try:
            with self._timed("load"):
                full, self.preloaded = self.preloaded or load_handbook(self.root), None
        except ContentError as exc:
            raise PluginError("\n".join(str(p) for p in exc.problems)) from exc
        with self._timed("history"):
            if self.config.history:
                full = changes.with_history(full, self.root, cache_dir=self.cache_dir / "changes",
                                            shared=self.cache.shared)
            else:
                full = full.model_copy(update={"history": History(omitted="switched off (history: false)")})
        include_drafts = self.config.drafts or self.serving
        self.hb = drafts.select(full, include_drafts)
        self.summary = [history.summary_line(full.history)]
        left_out = sum(len(ids) for ids in drafts.draft_ids(full).values())
        if left_out:
            self.summary.append(f"drafts: {left_out} shown, marked 草稿" if include_drafts
                                else f"drafts: {left_out} left out of the published handbook (build --drafts shows them)")
        if not SHIM.is_file():
            shown = SHIM.relative_to(REPO) if SHIM.is_relative_to(REPO) else SHIM
            raise PluginError(f"{shown} is missing: the offline site's search needs this copy of the "
                              "iframe-worker shim. Run `make setup` once.")
        settings = self.hb.site
        # The theme prints these without escaping; content is text, so escape it here, as Markup so
        # that the theme's own `| e` (in title="" attributes) does not escape it a second time.
        config.site_name = escape(settings.handbook_title)
        config.site_description = escape(settings.description or settings.handbook_title)
        config.copyright = escape(" · ".join(filter(None, (settings.company, settings.organisation,
                                                                 settings.handbook_title))))
        self._brand_files = _apply_brand(config, self.hb.brand)
        config.nav = site.nav(self.hb)
        self._keywords = sitesearch.role_keywords(self.hb)
        self._tune_search(config)
        if self.serving:  # pages first: documents render behind them and are served on request
            _compile_theme_once(config)
            if self._incremental is None:  # served without on_startup (MkDocs < 1.4 style callers)
                self._incremental = incremental.Documents(self.cache_dir, self.config.jobs or None)
            self._planned = self._incremental.start(self.hb)
            return config
        # Start rendering now: workers run while the search plugin loads jieba (~1 s).
        self._stop_rendering()  # a previous build of `serve` that failed before collecting
        self._production = Production(self.hb, self.cache_dir, self.config.jobs or None,
                                      on_done=self.on_document_done, shared=self.cache.shared)
        return config

    def _tune_search(self, config) -> None:
        """Domain words for jieba (回款, 招待费…), and its 9 MB cache beside ours instead of /tmp."""
        search = config.plugins.get("material/search") or config.plugins.get("search")
        if search is None:
            return
        if SEARCH_WORDS.is_file() and not search.config.get("jieba_dict_user"):
            search.config.jieba_dict_user = str(SEARCH_WORDS)
        try:
            import jieba
        except ImportError:  # Material then indexes Chinese unsegmented; nothing else to do
            return
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        jieba.dt.tmp_dir = str(self.cache_dir)
        jieba.setLogLevel(logging.WARNING)  # not "Building prefix dict…" on every build

    def on_files(self, files: Files, *, config) -> Files:
        assert self.hb is not None
        if self.serving:
            return self._incremental_files(files, config)
        assert self._production is not None
        production, self._production = self._production, None
        self.report = production.wait()
        self.timings["documents"] = self.report.wall  # planning, hashing and waiting: rendering overlaps MkDocs
        produced = self.report.produced
        for item in produced:
            files.append(File.generated(config, item.doc.path, abs_src_path=str(item.file)))

        zips = []
        with self._timed("zip"):
            for bundle in outputs.BUNDLES.values():
                data = bundles.deterministic_zip([(_archive_name(self.hb, item.doc), item.file, item.doc.updated)
                                                  for item in produced if bundle.carries(item.doc.output)])
                zips.append(bundles.Built.of(_bundle_doc(self.hb, bundle), data))
                files.append(File.generated(config, bundle.path, content=data))
        # Written for real in on_post_build; listed now so pages may link to it.
        files.append(File.generated(config, OFFLINE_BUNDLE.path, content=b""))
        self._offline = _offline_doc(self.hb)

        downloads = [*produced, *zips, bundles.Built(self._offline, None, None)]
        with self._timed("pages"):
            pages = site.pages(self.hb, downloads, [self.root / "site_overrides" / "site"])
        for uri, markdown in pages.items():
            file = File.generated(config, uri, content=markdown)
            if uri == site.DOWNLOADS_PAGE:
                self._downloads_dest = file.dest_uri
            files.append(file)

        self._entries = [_entry(item) for item in [*produced, *zips]]
        files.append(File.generated(config, MANIFEST, content=bundles.manifest(self._entries)))
        files.append(File.generated(config, SHIM_URI, abs_src_path=str(SHIM)))
        for uri, data in self._brand_files:
            files.append(File.generated(config, uri, content=data))
        _unhook_cdn_fallbacks(files, config)
        _patch_search_worker(files, config)
        licence = SHIM.with_name("LICENSE")
        if licence.is_file():
            files.append(File.generated(config, SHIM_URI.replace(".js", ".LICENSE.txt"), abs_src_path=str(licence)))
        return files

    def _incremental_files(self, files: Files, config) -> Files:
        """Serve mode: every download is listed (links stay valid) but handed out by the dev server on request."""
        assert self._incremental is not None and self.hb is not None
        zips = [_bundle_doc(self.hb, b) for b in outputs.BUNDLES.values()]
        downloads = [incremental.Pending(doc) for doc in [*self._planned, *zips, _offline_doc(self.hb)]]
        for item in downloads:
            files.append(incremental.OnDemand.generated(config, item.doc.path, content=b""))
        files.append(incremental.OnDemand.generated(config, MANIFEST, content=b""))
        self._incremental.extra = {
            **{z.path: functools.partial(self._incremental_zip, z.id) for z in zips},
            OFFLINE_BUNDLE.path: lambda: bundles.zip_tree(Path(config.site_dir), exclude=set()),
            MANIFEST: self._incremental_manifest,
        }
        with self._timed("pages"):
            pages = site.pages(self.hb, downloads, [self.root / "site_overrides" / "site"], memo=self._page_memo)
        context = incremental.PageSignatures.context(config.nav, _theme_stamp(self.root, config)
                                                     + _brand_stamp(self.hb.brand))
        site_dir = Path(config.site_dir)
        self._page_urls = []
        for uri, markdown in pages.items():
            file = File.generated(config, uri, content=markdown)
            if self.reuse_pages and self._signatures.unchanged(uri, markdown, context, site_dir, file.dest_uri):
                file.__class__ = incremental.Reused  # same file, but MkDocs' dirty build skips it
            files.append(file)
            self._page_urls.append(file.url)
        files.append(File.generated(config, SHIM_URI, abs_src_path=str(SHIM)))
        for uri, data in self._brand_files:
            files.append(File.generated(config, uri, content=data))
        _unhook_cdn_fallbacks(files, config)
        _patch_search_worker(files, config)
        return files

    def _incremental_zip(self, bundle_id: str) -> bytes:
        assert self._incremental is not None
        assert self.hb is not None
        wanted = [(path, doc) for path, doc in self._incremental.paths.items() 
                  if outputs.BUNDLES[bundle_id].carries(doc.output)]
        return bundles.deterministic_zip([(_archive_name(self.hb, doc), _bytes(self._incremental.fetch(path)),
                                           doc.updated) for path, doc in sorted(wanted)])

    def _incremental_manifest(self) -> bytes:
        assert self._incremental is not None
        entries = []
        for path, doc in sorted(self._incremental.paths.items()):
            data = _bytes(self._incremental.fetch(path))
            entries.append(bundles.Entry(doc.path, doc.kind, doc.id, doc.format, doc.title, len(data),
                                         hashlib.sha256(data).hexdigest(), doc.filename, doc.version,
                                         doc.effective))
        return bundles.manifest(entries)

    # After the search plugin (priority 0) has indexed the page: role names as whole words.
    @event_priority(-50)
    def on_page_context(self, context, *, page, config, nav):
        search = config.plugins.get("material/search") or config.plugins.get("search")
        words = self._keywords.get(page.url) if self._keywords else None
        if words and search is not None and hasattr(search, "search_index"):
            sitesearch.tag_entries(search.search_index.entries, page.url, words)
        return context

    def on_env(self, env, *, config, files):
        if self.reuse_pages and self._built_once:
            # 404.html and sitemap.xml from the first build stay; re-rendering them on every save costs
            # a fifth of a small rebuild and shows nothing HR looks at in a preview
            config.theme.static_templates.clear()
        return env

    def _stop_rendering(self) -> None:
        production, self._production = self._production, None
        if production is not None:
            production.close()

    def on_build_error(self, *, error: Exception) -> None:
        """A build that fails (here or in another plugin) stops its workers at once."""
        self._stop_rendering()

    def on_serve(self, server, *, config, builder):
        """Reload on YAML edits even when the content root is not beside mkdocs.yml; hand out downloads."""
        for folder in ("roles", "content"):
            if (self.root / folder).is_dir():
                server.watch(str(self.root / folder))
        if self._incremental is not None:
            incremental.hook_server(server, self._incremental)
        return server

    # Before the search plugin (0) writes its index: pages a dirty build skipped keep their entries.
    @event_priority(10)
    def _complete_search(self, *, config) -> None:
        if self._incremental is not None and self.serving:
            self._incremental.release()  # the pages are built: now the documents
        search = config.plugins.get("material/search") or config.plugins.get("search")
        if not self.reuse_pages:
            # A full build indexed every page itself. Material's search plugin, once started for a
            # dirty preview, keeps merging the index of its previous build into the next one (its
            # instance outlives the preview in the same process: a build after `serve`, the tests);
            # every page then appears twice, its highlights are doubled and broken (大k>客户经理).
            if search is not None:
                search.search_index_prev = None
            return
        if search is not None:
            self._search_entries.complete(search, self._page_urls)
        self._signatures.commit(Path(config.site_dir))
        self._built_once = True

    # After Material's offline plugin (-100) has written search/search_index.js.
    @event_priority(-200)
    def _write_bundles(self, *, config) -> None:
        if self.serving:  # the offline zip and the manifest are made on request (see _incremental_files)
            return
        site_dir = Path(config.site_dir)
        with self._timed("zip"):
            data = bundles.zip_tree(site_dir, exclude={OFFLINE_BUNDLE.path, *BUILD_DATED, BUILD_MARKER})
        (site_dir / OFFLINE_BUNDLE.path).write_bytes(data)
        offline = _entry(bundles.Built.of(self._offline, data))
        if self._downloads_dest:
            _write_offline_size(site_dir / self._downloads_dest, len(data))
        (site_dir / MANIFEST).write_bytes(bundles.manifest([*self._entries, offline]))

    on_post_build = CombinedEvent(_complete_search, _write_bundles)


def _compile_theme_once(config) -> None:
    """Every Environment the theme hands out (to MkDocs, to the search plugin) shares compiled templates."""
    theme = config.theme
    make_env = type(theme).get_env.__get__(theme)

    def get_env():
        env = make_env()
        env.bytecode_cache = jinjacache.SHARED
        return env

    theme.get_env = get_env


def _patch_search_worker(files: Files, config) -> None:
    """Material's search worker with the handbook's Chinese query segmentation (see sitesearch)."""
    for file in [f for f in files if re.fullmatch(r"assets/javascripts/workers/search\.[\w.]+\.js", f.src_uri)]:
        try:
            text = sitesearch.patch_worker(file.content_string)
        except sitesearch.WorkerChanged as exc:
            raise PluginError(f"{file.src_uri}: {exc} — the installed mkdocs-material differs from the "
                              "pinned one (requirements.lock); reinstall it with `make setup`, or update "
                              "generator/sitesearch.py for the new worker") from exc
        _replace_script(files, config, file, text)


def _replace_script(files: Files, config, file: File, text: str) -> None:
    """Put ``text`` in place of a theme script; its source map no longer matches, so it goes."""
    text = re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", text)
    files.remove(file)
    files.append(File.generated(config, file.src_uri, content=text))
    source_map = files.get_file_from_path(file.src_uri + ".map")
    if source_map is not None:
        files.remove(source_map)


def _bytes(data: bytes | None) -> bytes:
    assert data is not None
    return data


BRAND_DIR = "assets/brand"
BRAND_CSS = "handbook_brand_css"  # config.extra key site_overrides/main.html reads


def _apply_brand(config, look: Brand) -> list[tuple[str, bytes]]:
    """The company's look on the site: the logo as the theme's header logo and favicon (a copy in the
    site, named by its hash so browsers never show a stale one; never fetched from anywhere), and the
    brand colour as Material's custom palette (CSS variables, header text white or black by contrast).
    Returns the files to add. Without a logo and colour the theme keeps mkdocs.yml's icon and palette."""
    files, css = [], []
    if look.logo is not None:
        uri = f"{BRAND_DIR}/logo-{look.logo.sha256[:12]}.{look.logo.format}"
        config.theme["logo"] = uri
        config.theme["favicon"] = uri
        files.append((uri, look.logo.data))
        css.append(brand.LOGO_CSS)
    if look.color is not None:
        palette = config.theme["palette"]
        config.theme["palette"] = [{**p, "primary": "custom", "accent": "custom"} for p in palette] \
            if isinstance(palette, list) else {**palette, "primary": "custom", "accent": "custom"}
        css.append(brand.site_css(look.color))
    if css:
        config.extra[BRAND_CSS] = "".join(css)
    else:
        config.extra.pop(BRAND_CSS, None)
    return files


def _brand_stamp(look: Brand) -> str:
    """The logo's hash and the colour: a change rebuilds every page of the preview (their headers show them)."""
    return json.dumps([look.logo.sha256 if look.logo else None, look.color])


def _theme_stamp(root: Path, config) -> str:
    """Names and mtimes of the theme overrides: an edited override rebuilds every page."""
    folders = dict.fromkeys([REPO / "site_overrides", root / "site_overrides"])
    stamp = [(str(p), p.stat().st_mtime_ns) for folder in folders if folder.is_dir()
             for p in sorted(folder.rglob("*.html"))]
    return json.dumps(stamp)


# Material's bundle fetches these from unpkg only when a browser lacks ResizeObserver or a page
# has a Mermaid diagram (ours cannot). An empty local script keeps even that path off the internet.
CDN_FALLBACKS = (
    "https://unpkg.com/resize-observer-polyfill",
    "https://unpkg.com/mermaid@11/dist/mermaid.min.js",
)
_EMPTY_SCRIPT = "data:text/javascript,"


def _unhook_cdn_fallbacks(files: Files, config) -> None:
    """Point the theme's dormant CDN fallbacks at an empty script; drop their source maps."""
    for file in [f for f in files if f.src_uri.startswith("assets/javascripts/") and f.src_uri.endswith(".js")]:
        text = file.content_string
        if not any(url in text for url in CDN_FALLBACKS):
            continue
        for url in CDN_FALLBACKS:
            text = text.replace(url, _EMPTY_SCRIPT)
        _replace_script(files, config, file, text)


# MkDocs stamps these with the build date; leaving them out keeps the offline zip reproducible.
BUILD_DATED = ("sitemap.xml", "sitemap.xml.gz")
BUILD_MARKER = ".handbook-build"  # outdir.MARKER: `handbook build` marks its output folder; not part of the site


def _entry(item: Produced | bundles.Built) -> bundles.Entry:
    doc = item.doc
    return bundles.Entry(doc.path, doc.kind, doc.id, doc.format, doc.title, item.size, item.sha256,
                         doc.filename, doc.version, doc.effective)


def _write_offline_size(page: Path, size: int) -> None:
    """Put the offline zip's size in its link on the built 下载 page: ``ZIP`` → ``ZIP（1.6 MB）``.

    The zip holds the whole site, this page included, so its size is known only after every page
    is written; the copy inside the zip keeps the plain ``ZIP`` (it cannot know its own size).
    """
    if not page.is_file():
        return
    text = page.read_text(encoding="utf-8")
    pattern = re.compile(r'(<a [^>]*href="[^"]*' + re.escape(posixpath.basename(OFFLINE_BUNDLE.path))
                         + r'"[^>]*>ZIP)(</a>)')
    patched, count = pattern.subn(lambda m: f"{m.group(1)}（{site.size_text(size)}）{m.group(2)}", text, count=1)
    if count:
        page.write_text(patched, encoding="utf-8")


def _archive_name(hb: Handbook, doc) -> str:
    """A document's place in a zip: 营销中心员工手册/岗位说明书/大区经理-岗位说明书.pdf."""
    return outputs.archive_name(hb, doc.output, doc.filename)


def _bundle_doc(hb: Handbook, bundle: outputs.Bundle) -> bundles.BundleDoc:
    return bundles.BundleDoc(bundle.id, bundle.title, bundle.path, bundle.filename(hb))


def _offline_doc(hb: Handbook) -> bundles.BundleDoc:
    """The offline site's zip, saved as 营销中心员工手册-离线版.zip."""
    return dataclasses.replace(OFFLINE_BUNDLE, filename=outputs.safe_name(f"{hb.site.handbook_title}-离线版") + ".zip")
