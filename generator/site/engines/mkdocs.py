"""MkDocs + Material renders the site plan: the ``handbook`` plugin hands it to MkDocs as generated files,
for ``mkdocs build``/``serve`` on their own and ``handbook build``/``serve`` through its options."""

from __future__ import annotations

import json
import logging
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel

from ... import TOOL_ROOT, cachedir
from ...content.errors import ContentError
from ...content.loader import CONTENT_FOLDERS, remember_parsed
from ...documents import bundles
from ...documents.plan import Document
from ...documents.produce import Production, Report
from .. import incremental, pages, plan, publish
from . import search_words

SEARCH_WORDS = TOOL_ROOT / "templates" / "site" / "search-words.txt"  # domain words for jieba (回款, 招待费…)


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

    preview = c.Type(bool, default=False)
    """`handbook serve`: documents rendered behind the pages and handed out on request, and only the
    pages an edit changed rebuilt (MkDocs' dirty builds). Plain `mkdocs serve` rebuilds everything."""


class HandbookPlugin(BasePlugin[HandbookConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        # Defining on_startup makes MkDocs keep this instance for the whole process: the preview's state
        # lives across rebuilds; everything else is reset in on_config.
        self.command: str | None = None
        self.preview: incremental.Preview | None = None
        #: set by `handbook build` for a progress bar: given the number of documents, returns what is called
        #: as (document, rendered: bool) for each of them
        self.progress: Callable[[int], Callable[[Document, bool], None]] | None = None
        self._production: Production | None = None
        self._reset()

    def _reset(self) -> None:
        self.hb = None
        self.report: Report | None = None
        self.summary: tuple[str, ...] = ()  # one-line remarks for the build summary
        self.timings = publish.Timings()
        self.site: plan.SitePlan | None = None
        self._entries: list[bundles.Entry] = []
        self._rebuilt: set[str] = set()

    def on_startup(self, *, command, dirty) -> None:
        self.command = command

    def on_shutdown(self) -> None:
        """The preview stopped (Ctrl-C): no worker may outlive it, no preview state the next build."""
        self.command = None
        self._stop_rendering()
        self._end_preview()

    def _end_preview(self) -> None:
        if self.preview is not None:
            self.preview.shutdown()
            self.preview = None
            remember_parsed(False)
            _remember_theme_files(False)

    # Before the search plugin's on_config (priority 0), which would load jieba's dictionaries (_tune_search).
    @event_priority(50)
    def on_config(self, config):
        self._reset()
        if not self.config.preview:
            self._end_preview()  # a build after a preview in this process
        root = Path(self.config.root).resolve()
        cache = cachedir.locate(root, self.config.cache_dir)
        if self.config.preview and self.preview is None:
            remember_parsed()  # a save re-reads one file; unchanged files give the same objects (for the memos)
            _remember_theme_files(True)
            self.preview = incremental.Preview(cache.path, self.config.jobs or None)
        try:
            with self.timings.stage("load"):
                drafts = self.config.drafts or self.command == "serve"
                self.hb, self.summary = publish.prepare(root, cache, with_drafts=drafts,
                                                        with_history=self.config.history)
        except ContentError as exc:
            raise PluginError("\n".join(str(p) for p in exc.problems)) from exc
        if not plan.SHIM.is_file():
            shown = plan.SHIM.relative_to(TOOL_ROOT) if plan.SHIM.is_relative_to(TOOL_ROOT) else plan.SHIM
            raise PluginError(f"缺少 {shown}：离线网站的搜索需要这份 iframe-worker 垫片 — 运行一次 make setup")
        for key, value in plan.theme(self.hb).settings(config.theme["palette"]).items():
            if isinstance(value, dict):  # theme: logo, favicon, palette; extra: the brand's CSS
                for name, setting in value.items():
                    config[key][name] = setting
            else:
                config[key] = value
        self._maintainers = bool(self.config.preview or self.command == "serve")  # HR's preview: the 维护指南 listed
        config.nav = pages.nav(self.hb, self._maintainers)
        self._dictionaries = _tune_search(config)
        self._overrides = [root / "site_overrides" / "site"]
        overrides = [TOOL_ROOT / "site_overrides", root / "site_overrides"]  # edited: every page rebuilt
        self._stamp = json.dumps(pages.stamp(overrides, "*.html"))
        self._stop_rendering()  # a previous build of `mkdocs serve` that failed before collecting
        if self.preview is not None:  # pages first: documents render behind them and are served on request
            self.preview.start(self.hb, Path(config.site_dir))
        else:  # start rendering now: the pages wait for the documents' sizes
            self._production = Production(self.hb, cache.path, self.config.jobs or None, shared=cache.shared)
            if self.progress is not None:
                self._production.on_done = self.progress(len(self._production.planned))
        return config

    def on_files(self, files: Files, *, config) -> Files:
        assert self.hb is not None
        keep = Files([f for f in files if f.src_dir != config.docs_dir])  # the theme's; ours come from the plan
        if self.preview is not None:
            return self._preview_files(keep, config)
        _compile_templates(self.hb, self._overrides, config)  # while the documents render
        production, self._production = self._production, None
        assert production is not None
        self.report, zips, sizes, self._entries = publish.documents_out(self.hb, production, self.timings)
        with self.timings.stage("pages"):
            self.site = site = plan.plan(self.hb, sizes, self._overrides, maintainers=self._maintainers)
            self._split_search_words(site)
        for uri, data in [*site.pages.items(), *site.assets.items(), *zips.items()]:
            keep.append(_not_in_nav(File.generated(config, uri, content=data), site.nav))
        for item in self.report.produced:
            keep.append(File.generated(config, item.doc.path, abs_src_path=str(item.file)))
        for path in (bundles.OFFLINE.path, bundles.MANIFEST):  # written in _write_bundles; listed now for links
            keep.append(File.generated(config, path, content=b""))
        return keep

    def _preview_files(self, files: Files, config) -> Files:
        """Every download is listed (links stay valid) but handed out by the preview's server on request;
        a page whose Markdown, menu and theme are as last time is not built again."""
        assert self.preview is not None and self.hb is not None
        with self.timings.stage("pages"):
            self.site = site = plan.plan(self.hb, None, self._overrides, self.preview.memo, self._maintainers)
            self._split_search_words(site)
        for path in site.downloads():
            files.append(_Unchanged.generated(config, path, content=b""))
        context = incremental.PageSignatures.context(site.nav, self._stamp + json.dumps(site.theme.settings([])))
        site_dir = Path(config.site_dir)
        self._rebuilt = set()
        for uri, markdown in site.pages.items():
            file = File.generated(config, uri, content=markdown)
            if self.preview.signatures.unchanged(uri, markdown, context, site_dir, file.dest_uri):
                file.__class__ = _Unchanged  # same file, but MkDocs' dirty build skips it
            else:
                self._rebuilt.add(plan.html(uri))
            files.append(_not_in_nav(file, site.nav))
        for uri, data in site.assets.items():
            files.append(File.generated(config, uri, content=data))
        return files

    def _split_search_words(self, site: plan.SitePlan) -> None:
        if self._dictionaries is not None:
            text = None if self.preview is not None else "\n".join(site.pages.values())
            search_words.load(*self._dictionaries, text)

    def on_env(self, env, *, config, files):
        env.bytecode_cache = pages.TEMPLATE_CACHE  # the theme's templates compiled once per process
        if self.preview is not None and self.preview.built_once:
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
        """The preview's server hands out downloads; edits to the content root reload the page."""
        root = Path(self.config.root).resolve()
        for folder in CONTENT_FOLDERS:
            if (root / folder).is_dir():
                server.watch(str(root / folder))
        if hasattr(server, "downloads"):
            server.downloads = self
        return server

    def serves(self, path: str) -> bool:
        """Whether ``path`` is a download of the preview (documents, zips, manifest)."""
        return self.preview is not None and self.preview.serves(path)

    def download(self, path: str) -> bytes | None:
        return self.preview.download(path) if self.preview is not None else None

    # After the search plugin (0) wrote its index, before the offline plugin (-100) copies it into a script.
    @event_priority(-50)
    def _complete_search(self, *, config) -> None:
        site_dir, site = Path(config.site_dir), self.site
        index = site_dir / "search" / "search_index.json"
        if site is None or not index.is_file():
            return
        preview = self.preview
        if preview is None:
            publish.name_in_index(index, "docs", site.search)
            return
        preview.documents.release_behind()  # the pages are built: now the documents (a download waits for them)
        urls = [plan.html(uri) for uri in site.pages]
        publish.name_in_index(index, "docs", site.search, lambda docs: preview.merge_index(docs, self._rebuilt, urls))
        preview.signatures.commit(site_dir)
        preview.built_once = True

    # After the offline plugin (-100) wrote search/search_index.js: the offline zip holds the whole site.
    @event_priority(-200)
    def _write_bundles(self, *, config) -> None:
        if self.preview is None and self.hb is not None:
            with self.timings.stage("zip"):
                publish.finish(Path(config.site_dir), self.hb, self._entries)

    on_post_build = CombinedEvent(_complete_search, _write_bundles)


def _compile_templates(hb, overrides: list[Path], config) -> None:
    """The page templates, ours and the theme's (from its pages and static templates, following their literal
    includes), compiled into the process's cache (`pages.TEMPLATE_CACHE`) while the documents render: the
    pages wait for the documents' sizes, and after the documents only one core is at work."""
    from jinja2 import TemplateError, meta

    ours = pages.environment(hb, pages.Downloads([]), overrides)
    for name in ours.list_templates(extensions=["j2"]):
        try:
            ours.get_template(name)
        except TemplateError:  # a mistake in an override: reported when (and only if) a page uses it
            continue
    theme = config.theme.get_env()
    theme.bytecode_cache = pages.TEMPLATE_CACHE
    todo, seen = ["main.html", *sorted(config.theme.static_templates)], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            source = theme.loader.get_source(theme, name)[0]
            theme.get_template(name)
            if source not in _INCLUDES:
                _INCLUDES[source] = [found for found in meta.find_referenced_templates(theme.parse(source)) if found]
            todo += _INCLUDES[source]
        except TemplateError:  # e.g. a filter another plugin adds in on_env: compiled when the page needs it
            continue


_INCLUDES: dict[str, list[str]] = {}  # a theme template's source → the templates it names: parsed once per process


def _not_in_nav(file: File, nav: list) -> File:
    """A page the menu leaves out on purpose (the published site's 维护指南): built, reachable by its address,
    and not reported as forgotten (MkDocs' ``not_in_nav``, set per file)."""
    if file.src_uri.endswith(".md") and file.src_uri not in _nav_pages(nav):
        file.inclusion = InclusionLevel.NOT_IN_NAV
    return file


def _nav_pages(nav) -> set[str]:
    if isinstance(nav, str):
        return {nav}
    items = nav.values() if isinstance(nav, dict) else nav
    return set().union(*(_nav_pages(item) for item in items)) if items else set()


class _Unchanged(File):
    """Left alone by MkDocs' dirty build: a page whose HTML from the previous build is still right, or a
    download the preview's server hands out itself (never copied into site_dir)."""

    def copy_file(self, dirty: bool = False) -> None:
        return None

    def is_modified(self) -> bool:
        return False


_LISTED: dict[tuple, list[tuple[str, str]]] = {}
_LIST_THEME = Files.add_files_from_theme


def _remember_theme_files(on: bool) -> None:
    """While previewing, the theme's ~600 files listed once per theme folders' paths and times, not at every
    save: the one MkDocs internal the preview leans on (``tests/test_incremental_preview.py`` checks it)."""

    def add_files_from_theme(self, env, config) -> None:
        dirs = tuple(config.theme.dirs)
        key = (dirs, tuple(config.theme.static_templates),
               tuple(os.stat(d).st_mtime_ns for d in dirs if os.path.isdir(d)))
        if key not in _LISTED:
            probe = Files([])
            _LIST_THEME(probe, env, config)
            _LISTED[key] = [(f.src_uri, f.src_dir) for f in probe]
        for path, src_dir in _LISTED[key]:
            if self.get_file_from_path(path) is None:  # files in docs_dir win over the theme's
                self.append(File(path, src_dir, config.site_dir, config.use_directory_urls))

    Files.add_files_from_theme = add_files_from_theme if on else _LIST_THEME  # type: ignore[method-assign]


def _tune_search(config) -> tuple[Path, list[Path]] | None:
    """The dictionaries jieba is to split the pages with (:mod:`.search_words`), taken over from the search plugin
    so that it does not load the whole of jieba's at its start: ours of domain words (回款, 招待费…) beside it.
    None when jieba is missing (Material then indexes Chinese unsegmented) or mkdocs.yml names its own."""
    search = config.plugins.get("material/search") or config.plugins.get("search")
    if search is None or search.config.get("jieba_dict") or search.config.get("jieba_dict_user"):
        return None
    try:
        import jieba
    except ImportError:
        return None
    jieba.setLogLevel(logging.WARNING)  # not "Building prefix dict…" on every build
    return search_words.default_dictionary(), [SEARCH_WORDS] if SEARCH_WORDS.is_file() else []


def load(root: Path, site_dir: Path | str, strict: bool = False, **settings):
    """MkDocs' configuration for ``root``, with the handbook plugin's options set from ``settings``."""
    from mkdocs.config import load_config

    config = load_config(config_file=str(publish.config_file_for(root)), site_dir=str(site_dir), strict=strict)
    options = config.plugins["handbook"].config
    options.root = str(root)
    for name, value in settings.items():
        if value is not None:
            options[name] = value
    return config


class Collector(logging.Handler):
    """MkDocs reports problems through logging; keep warnings (or only errors) to fail on them like --strict."""

    def __init__(self, level: int = logging.WARNING) -> None:
        super().__init__(level)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not any(word in message.lower() for word in ("end of life", "zensical")):  # Material's own notice
            self.messages.append(message)

    @contextmanager
    def listening(self):
        mkdocs_log = logging.getLogger("mkdocs")
        mkdocs_log.addHandler(self)
        try:
            yield self
        finally:
            mkdocs_log.removeHandler(self)


def build(root: Path, site_dir: Path, options: publish.Options) -> publish.BuildResult:
    """`mkdocs build --strict` of ``root`` into ``site_dir``; any warning fails it (BuildFailed)."""
    from mkdocs.commands.build import build as mkdocs_build

    with Collector().listening() as collector:
        try:
            config = load(root, site_dir, strict=True, jobs=options.jobs or None, drafts=options.drafts,
                          cache_dir=options.cache_dir)
            plugin = config.plugins["handbook"]
            plugin.progress = options.progress
            started = time.perf_counter()
            mkdocs_build(config)
            total = time.perf_counter() - started
        except OSError:
            raise
        except Exception as exc:  # MkDocs logs the real cause (e.g. a plugin's message) and raises "Aborted"
            lines = [str(p) for p in publish.content_problems(exc)] or [f"错误：{m}" for m in collector.messages]
            raise publish.BuildFailed("\n".join(lines or [f"错误：{exc}"])) from exc
    if collector.messages:
        raise publish.BuildFailed("\n".join(f"警告（按严格模式算作错误）：{m}" for m in collector.messages))
    timings = dict(plugin.timings)
    timings["mkdocs"] = max(0.0, total - sum(timings.values()))
    pages = sum(1 for _ in site_dir.rglob("*.html"))
    return publish.BuildResult(plugin.hb, pages, plugin.report, timings, plugin.summary)
