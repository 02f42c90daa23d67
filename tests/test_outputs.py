"""The output registry and the cache key derived from it.

Keys are compared without rendering anything: a :class:`Production` with one job
computes every document's cache file name up front, and a document whose file
exists is reused. So "re-rendered" below means "its key changed".
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from helpers import REPO, copy_bundled_content

from generator import cachedir
from generator.content.loader import load_handbook
from generator.content.model import KINDS
from generator.documents import outputs
from generator.documents import plan as documents
from generator.documents.produce import Production, prune, targets


def keys(root: Path, cache: Path) -> dict[str, str]:
    """document path → cache file name, for the content under ``root``."""
    production = Production(load_handbook(root), cache, jobs=1)
    return {doc.path: production.targets[doc].name for doc in production.planned}


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(path for path in before if before[path] != after.get(path))


@pytest.fixture()
def root(tmp_path):
    return copy_bundled_content(tmp_path)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --------------------------------------------------------------------------- the registry


def test_every_output_is_declared_once_with_a_distinct_file_pattern():
    declared = outputs.all_outputs()
    assert len({o.key for o in declared}) == len(declared)
    assert len({o.path for o in declared}) == len(declared)
    for output in declared:
        assert output.label and output.format_label and output.subjects in (outputs.HANDBOOK, *KINDS)
        assert outputs.template_files(output), f"{output.key}: its templates glob matches no file"
        assert callable(output.function())


def test_every_renderer_names_the_type_of_the_view_it_receives():
    """A renderer's first parameter is annotated with its view's type (DocumentView, RosterView, the book's
    Handbook), and that is what the registry hands it."""
    import inspect
    import typing

    hb = load_handbook(REPO)
    for output in outputs.all_outputs():  # (the book's pieces are the job-description PDFs: one of these)
        function = output.function()
        named = typing.get_type_hints(function)[next(iter(inspect.signature(function).parameters))]
        subject = output.subjects_of(hb)[0]
        assert type(output.view(hb, subject)) is named, (output.key, named)


def test_registering_the_same_output_twice_is_an_error(monkeypatch):
    monkeypatch.setattr(outputs, "REGISTRY", dict(outputs.REGISTRY))
    existing = outputs.get("job-description", "pdf")
    with pytest.raises(ValueError, match="registered twice"):
        outputs.register(existing)
    with pytest.raises(ValueError, match="file pattern"):
        outputs.register(dataclasses.replace(existing, kind="other"))


@pytest.mark.slow
def test_one_registry_entry_adds_a_document_a_download_link_and_a_manifest_kind(monkeypatch):
    """ARCHITECTURE.md's promise: a new output is one renderer, one template folder, one entry."""
    from generator.site import pages as site

    monkeypatch.setattr(outputs, "REGISTRY", dict(outputs.REGISTRY))
    outputs.register(outputs.Output(
        "contact-card", "txt", "联系卡", "文本", "role", "downloads/cards/{id}.txt",
        "tests.toy_renderer:card", lambda role: f"{role.title}联系卡", templates=("templates/site/*.j2",)))
    hb = load_handbook(REPO)
    planned = documents.plan(hb)
    cards = [d for d in planned if d.kind == "contact-card"]
    assert [d.path for d in cards] == [f"downloads/cards/{r.id}.txt" for r in hb.roles]

    class Item:
        def __init__(self, doc):
            self.doc, self.size = doc, 2048

    pages = site.pages(hb, [Item(d) for d in planned])
    assert "联系卡" in pages["downloads.md"] and "cards/market-manager.txt" in pages["downloads.md"]
    assert "- 联系卡：[文本（2 KB）](../downloads/cards/market-manager.txt)" in pages["roles/market-manager.md"]


# --------------------------------------------------------------------------- the derived key


@pytest.mark.slow
def test_editing_one_role_changes_only_the_keys_of_the_documents_that_print_it(root, tmp_path):
    before = keys(root, tmp_path / "cache")
    edit(root / "roles" / "regional-manager.yml", "全力以赴完成本区域销售和回款任务。", "全力以赴完成本区域销售和回款任务！")
    after = keys(root, tmp_path / "cache")
    assert changed(before, after) == sorted(
        [f"downloads/{folder}/regional-manager.{fmt}" for folder in ("appraisals", "job-descriptions")
         for fmt in ("docx", "pdf")] + ["downloads/job-descriptions-all.pdf"])  # 全部岗位说明书 prints every role


@pytest.mark.slow
def test_renaming_a_role_rerenders_its_superior_and_reports_which_print_its_title(root, tmp_path):
    before = keys(root, tmp_path / "cache")
    edit(root / "roles" / "market-manager.yml", "title: 市场部经理", "title: 市场部总经理")
    whole = {o.file(o.kind) for o in outputs.all_outputs() if o.subjects == "handbook"}  # lists of every role
    touched = {p.split("/")[-1].split(".")[0] for p in changed(before, keys(root, tmp_path / "cache"))
               if p not in whole}
    hb = load_handbook(root)
    manager = hb.role("market-manager")
    expected = {"market-manager", *(r.id for r in hb.direct_reports(manager))}
    if manager.reports_to:
        expected.add(manager.reports_to)
    assert touched == expected
    assert "planning-manager" not in touched or "planning-manager" in expected


@pytest.mark.slow
def test_editing_a_policy_text_leaves_the_forms_alone_but_its_venues_do_not(root, tmp_path):
    before = keys(root, tmp_path / "cache")
    policy = root / "content" / "policies" / "entertainment-expenses.yml"
    edit(policy, "title: ", "title: 新")
    assert changed(before, keys(root, tmp_path / "cache")) == []
    edit(policy, "extra_dishes: 1", "extra_dishes: 2")
    assert changed(before, keys(root, tmp_path / "cache")) == [
        "downloads/forms/key-client-entertainment.docx", "downloads/forms/key-client-entertainment.pdf"]


@pytest.mark.slow
def test_changing_a_declared_template_rerenders_that_output_only(root, tmp_path, monkeypatch):
    project = tmp_path / "project"
    for folder in ("templates/pdf", "templates/docx", "templates/xlsx"):
        shutil.copytree(REPO / folder, project / folder)
    monkeypatch.setattr(outputs, "PROJECT_DIR", project)
    before = keys(root, tmp_path / "cache")
    with open(project / "templates" / "pdf" / "style.css", "a", encoding="utf-8") as css:
        css.write("\n/* a comment changes the file */\n")
    touched = changed(before, keys(root, tmp_path / "cache"))
    assert touched and all(p.endswith(".pdf") for p in touched)
    assert len(touched) == sum(1 for p in before if p.endswith(".pdf"))


@pytest.mark.slow
def test_an_edit_to_the_lock_file_rerenders_every_document(root, tmp_path, monkeypatch):
    """requirements.lock pins every library: a new WeasyPrint, python-docx or openpyxl is a new lock."""
    project = tmp_path / "project"
    shutil.copytree(REPO / "templates", project / "templates")
    shutil.copy(REPO / outputs.LOCK_FILE, project / outputs.LOCK_FILE)
    monkeypatch.setattr(outputs, "PROJECT_DIR", project)
    before = keys(root, tmp_path / "cache")
    lock = project / outputs.LOCK_FILE
    text = lock.read_text(encoding="utf-8")
    assert re.search(r"(?m)^weasyprint==", text)
    lock.write_text(re.sub(r"(?m)^weasyprint==.*$", "weasyprint==99.0", text), encoding="utf-8")
    assert changed(before, keys(root, tmp_path / "cache")) == sorted(before)


@pytest.mark.slow
def test_an_edit_to_the_tools_code_rerenders_every_document_and_other_files_beside_it_none(root, tmp_path,
                                                                                            monkeypatch):
    """One hash of the package's source is in every key: no module can be missed, none is parsed."""
    package = tmp_path / "generator"
    shutil.copytree(REPO / "generator", package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(outputs, "PACKAGE_DIR", package)
    before = keys(root, tmp_path / "cache")
    (package / "notes.txt").write_text("not code", encoding="utf-8")
    assert changed(before, keys(root, tmp_path / "cache")) == []
    with open(package / "content" / "outline.py", "a", encoding="utf-8") as module:
        module.write("\n# a comment changes the file\n")
    assert changed(before, keys(root, tmp_path / "cache")) == sorted(before)


@pytest.mark.slow
def test_new_font_files_rerender_every_pdf_and_no_word_file(root, tmp_path, monkeypatch):
    before = keys(root, tmp_path / "cache")
    fonts = cachedir.font_stamps()
    assert any("NotoSansCJK" in str(f) for f in fonts), "fontconfig does not list Noto Sans CJK"
    monkeypatch.setattr(cachedir, "font_stamps", lambda: [*fonts, ["/usr/share/fonts/new.otf", 1, 1]])
    assert changed(before, keys(root, tmp_path / "cache")) == sorted(p for p in before if p.endswith(".pdf"))


def test_the_book_and_its_pieces_leave_drafts_out_also_where_the_build_shows_them():
    """`serve` builds from the handbook with its drafts; 全部岗位说明书 is the book HR prints, made from
    drafts.published (drafts removed once, there), and no renderer filters drafts itself."""
    hb = load_handbook(REPO)
    manager = hb.role("market-manager").model_copy(update={"status": "draft"})
    with_draft = hb.model_copy(update={"roles": [manager if r.id == manager.id else r for r in hb.roles]})
    book = outputs.get("job-description-book", "pdf")
    (subject,) = book.subjects_of(with_draft)
    view = book.view(with_draft, subject)
    assert manager.id not in [r.id for r in view.roles] and [r.id for r in view.roles] == [
        r.id for r in hb.roles if r.id != manager.id]
    pieces = {r.id: r for r in book.parts.subjects_of(with_draft)}
    assert manager.id not in pieces and pieces["regional-manager"].reports_to == manager.reports_to
    assert manager.id in [r.id for r in outputs.get("job-description", "pdf").subjects_of(with_draft)]


def test_why_there_is_no_git_history_is_in_no_document_s_key(tmp_path):
    """The 变更记录 page says why git was not read; no document does. So a root whose history is missing for
    another reason (a shallow clone, no git, history switched off) renders no document again."""
    from generator.content.model import History

    hb = load_handbook(REPO)

    def names(why: str) -> dict[str, str]:
        without = hb.model_copy(update={"history": History(omitted=why)})
        return {doc.path: path.name for doc, path in targets(without, documents.plan(without), tmp_path).items()}

    assert names("not a git repository") == names("shallow clone")


def test_a_view_carries_plain_data_only():
    with pytest.raises(TypeError, match="plain data"):
        outputs.fingerprint({"a": object()})


# --------------------------------------------------------------------------- pruning


def test_pruning_is_bounded_for_every_registered_suffix_and_drops_stale_temporaries(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    keep = set()
    for suffix in sorted(outputs.suffixes()):
        path = cache / f"current{suffix}"
        path.write_bytes(b"x")
        keep.add(path)
    old = time.time() - 86400
    for i in range(50):
        for suffix in outputs.suffixes():
            path = cache / f"old{i}{suffix}"
            path.write_bytes(b"x")
            os.utime(path, (old + i, old + i))
    stale, fresh = cache / "a.pdf.123.tmp", cache / "b.pdf.456.tmp"
    stale.write_bytes(b"x")
    os.utime(stale, (old, old))
    fresh.write_bytes(b"x")
    (cache / "notes.txt").write_bytes(b"a file that is not a document stays")
    prune(cache, keep)
    left = [p for p in cache.iterdir() if p.suffix in outputs.suffixes()]
    assert len(left) == 2 * len(keep) and keep <= set(left)
    assert not stale.exists() and fresh.exists() and (cache / "notes.txt").exists()


def test_a_shared_cache_keeps_other_roots_documents_and_drops_only_long_unused_ones(tmp_path):
    """HANDBOOK_CACHE_DIR serves several content roots: one root's build must not evict the others'."""
    cache = tmp_path / "shared"
    cache.mkdir()
    mine, theirs, forgotten = cache / "mine.pdf", cache / "theirs.pdf", cache / "forgotten.pdf"
    for path in (mine, theirs, forgotten):
        path.write_bytes(b"x")
    month = time.time() - (cachedir.SHARED_MAX_AGE_DAYS + 1) * 86400
    os.utime(forgotten, (month, month))
    os.utime(mine, (month, month))  # old, but used by this build: its use renews it
    prune(cache, {mine}, shared=True)
    assert mine.exists() and theirs.exists() and not forgotten.exists()
    prune(cache, {mine})  # the same cache as one root's own: bounded to twice its current documents
    assert mine.exists() and theirs.exists()


def test_the_cache_folder_comes_from_the_config_then_the_environment_then_the_root(tmp_path, monkeypatch):
    monkeypatch.delenv(cachedir.ENV, raising=False)
    assert cachedir.locate(tmp_path) == cachedir.CacheDir(tmp_path / ".cache" / "handbook", shared=False)
    monkeypatch.setenv(cachedir.ENV, str(tmp_path / "ci-cache"))
    assert cachedir.locate(tmp_path) == cachedir.CacheDir(tmp_path / "ci-cache", shared=True)
    assert cachedir.locate(tmp_path, "build-cache") == cachedir.CacheDir(tmp_path / "build-cache", shared=False)
