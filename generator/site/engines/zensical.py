"""Zensical renders the site plan (`handbook build --engine zensical`): it runs no MkDocs plugin, so the
plan is written into a docs folder beside a configuration inheriting mkdocs.yml, the rest added after."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from ... import cachedir
from ...content.errors import ContentError
from ...documents.produce import Production
from .. import pages, plan, publish


def build(root: Path, site_dir: Path, options: publish.Options) -> publish.BuildResult:
    timings, cache = publish.Timings(), cachedir.locate(root, options.cache_dir)
    try:
        with timings.stage("load"):
            hb, summary = publish.prepare(root, cache, with_drafts=options.drafts)
    except ContentError as exc:
        raise publish.BuildFailed("\n".join(str(p) for p in exc.problems)) from exc
    production = Production(hb, cache.path, options.jobs or None, shared=cache.shared)
    if options.progress is not None:
        production.on_done = options.progress(len(production.planned))
    report, zips, sizes, entries = publish.documents_out(hb, production, timings)
    with timings.stage("pages"):
        site = plan.plan(hb, sizes, [root / "site_overrides" / "site"])
    with timings.stage("zensical"), tempfile.TemporaryDirectory(prefix="handbook-zensical-") as tmp:
        render(site, publish.config_file_for(root), Path(tmp))
        shutil.copytree(Path(tmp) / "site", site_dir, dirs_exist_ok=True)
    with timings.stage("zip"):
        for item in report.produced:
            (site_dir / item.doc.path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(item.file, site_dir / item.doc.path)
        for path, data in zips.items():
            (site_dir / path).write_bytes(data)
        index = site_dir / "search.json"  # and search.js, its copy as a script for file://
        publish.name_in_index(index, "items", site.search, _changes_last)
        (site_dir / "search.js").write_text("var __index = " + index.read_text(encoding="utf-8"), encoding="utf-8")
        publish.finish(site_dir, hb, entries)
    built = sum(1 for _ in site_dir.rglob("*.html"))
    return publish.BuildResult(hb, built, report, dict(timings), summary)


def _changes_last(items: list[dict]) -> list[dict]:
    """The 变更记录's commits left out of Zensical's index (it reads no ``search: boost``): the duties they quote
    find the pages that say them; the page itself is found by its title."""
    changes = plan.html(pages.CHANGES_PAGE) + "#"
    return [item for item in items if not item["location"].startswith(changes)]


def render(site: plan.SitePlan, config_file: Path, project: Path) -> None:
    """Zensical's build of ``site`` in ``project`` (a new folder): its HTML lands in ``project/site``."""
    if importlib.util.find_spec("zensical") is None:
        raise publish.BuildFailed("错误：没有安装 Zensical — 运行一次 make setup（安装 requirements.lock 中锁定的版本），"
                                  "或用 --engine mkdocs 生成")
    docs = project / "docs"
    for uri, data in [*site.pages.items(), *site.assets.items()]:
        (docs / uri).parent.mkdir(parents=True, exist_ok=True)
        (docs / uri).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    # Our page templates (main.html, 404.html) apply; overrides of Material's partials do not: Zensical's differ
    overrides = shutil.copytree(_custom_dir(config_file), project / "overrides",
                                ignore=shutil.ignore_patterns("partials"))
    settings = site.theme.settings({})  # a palette mapping: merged into the inherited one
    settings["theme"].update(variant="classic", custom_dir=str(overrides))  # Material's look
    config = {"INHERIT": str(config_file), "docs_dir": "docs", "site_dir": "site", "use_directory_urls": False,
              "nav": site.nav, **settings}
    (project / "zensical.yml").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "zensical", "build", "--strict", "-f", str(project / "zensical.yml")],
                         capture_output=True, text=True, cwd=project)
    if run.returncode != 0 or not (project / "site" / "index.html").is_file():
        lines = [line for line in (run.stdout + run.stderr).splitlines() if line.strip()]
        raise publish.BuildFailed("\n".join(f"错误：zensical：{line}" for line in lines[-20:]))


class _Loader(yaml.SafeLoader):
    """Reads mkdocs.yml for one setting; Python objects (the slugify function) and !ENV are not needed."""


_Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
_Loader.add_constructor("!ENV", lambda loader, node: None)


def _custom_dir(config_file: Path) -> Path:
    """mkdocs.yml's theme overrides (``custom_dir``), which Zensical would look for beside the generated config."""
    with open(config_file, encoding="utf-8") as f:
        theme = (yaml.load(f, Loader=_Loader) or {}).get("theme") or {}  # noqa: S506 - a SafeLoader
    return (config_file.parent / (theme.get("custom_dir") or "site_overrides")).resolve()
