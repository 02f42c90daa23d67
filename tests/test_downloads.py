"""What a person downloads: Chinese save-as names, the zips (folders, UTF-8 names, dates), sizes on
the 下载 page, and 全部岗位说明书.pdf (one document: outline per department and role, pages that run on)."""

from __future__ import annotations

import html
import io
import json
import re
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from conftest import REPO  # noqa: F401 - the session build of the repository's content
from helpers import soffice
from test_site import article_text
from pypdf import PdfReader

ROOT = "营销中心员工手册"


@pytest.fixture(scope="module")
def site(built_site):
    return built_site.path


@pytest.fixture(scope="module")
def manifest(site):
    return {e["path"]: e for e in json.loads((site / "downloads" / "manifest.json").read_text(encoding="utf-8"))}


def _names(path):
    with zipfile.ZipFile(path) as archive:
        return {info.filename: info for info in archive.infolist()}


def test_every_kind_has_its_zip_and_one_zip_holds_every_document(site, built_site, manifest):
    produced = built_site.report.produced
    everything = _names(site / "downloads" / "all-documents.zip")
    folders = {"job-description": "岗位说明书", "appraisal": "绩效考核表", "form": "空白表单"}
    expected = set()
    for item in produced:
        doc = item.doc
        name = (f"{ROOT}/{folders[doc.kind]}/{doc.filename}" if doc.kind in folders else f"{ROOT}/{doc.filename}")
        expected.add(name)
    assert set(everything) == expected
    assert f"{ROOT}/岗位清单.xlsx" in everything and f"{ROOT}/全部岗位说明书.pdf" in everything
    assert all(info.flag_bits & 0x800 for info in everything.values())
    with zipfile.ZipFile(site / "downloads" / "all-documents.zip") as archive:
        pdf = next(i for i in produced if i.doc.kind == "form" and i.doc.format == "pdf")
        assert archive.read(f"{ROOT}/空白表单/{pdf.doc.filename}") == built_site.blobs[pdf.file.name]
    for zip_path, folder in (("appraisals.zip", "绩效考核表"), ("forms.zip", "空白表单"),
                             ("job-descriptions.zip", "岗位说明书")):
        names = _names(site / "downloads" / zip_path)
        assert names and all(n.startswith(f"{ROOT}/{folder}/") for n in names), zip_path
        entry = manifest[f"downloads/{zip_path}"]
        assert entry["kind"] == "bundle" and entry["filename"] == f"{ROOT}-全部{folder}.zip"
        assert entry["bytes"] == (site / "downloads" / zip_path).stat().st_size


def _links_as_libreoffice_opens_them(rosters: list[Path], out: Path) -> dict[Path, list[tuple[str, Path]]]:
    """Each roster's links (text, the file LibreOffice Calc opens), read from the HTML Calc exports it as:
    Calc resolves a relative link against the folder the workbook is in, as Excel does."""
    out.mkdir()
    subprocess.run([soffice(), f"-env:UserInstallation={(out / 'profile').as_uri()}", "--headless", "--convert-to",
                    "html", "--outdir", str(out), *map(str, rosters)], check=True, capture_output=True, timeout=180)
    found = {}
    for roster in rosters:
        page = (out / roster.with_suffix(".html").name).read_text(encoding="utf-8", errors="replace")
        found[roster] = [(html.unescape(re.sub(r"<[^>]+>", "", text)).strip(), Path(unquote(urlparse(href).path)))
                         for href, text in re.findall(r'<a href="(file:[^"]+)"[^>]*>(.*?)</a>', page, re.S)]
    return found


@pytest.mark.slow
def test_the_roster_links_open_in_the_downloads_folder_and_in_every_unzipped_folder(site, built_site, tmp_path):
    """岗位清单.xlsx where the site offers it (downloads/), inside 全部文件.zip (岗位说明书/…) and inside the offline
    site: every link opens an existing file, and says which one in Chinese (大区经理-岗位说明书.docx)."""
    for name in ("all-documents.zip", "handbook-offline.zip"):
        with zipfile.ZipFile(site / "downloads" / name) as archive:
            archive.extractall(tmp_path / name)
    in_zip = tmp_path / "all-documents.zip" / ROOT / "岗位清单.xlsx"
    offline = next((tmp_path / "handbook-offline.zip").glob("*/downloads/roster.xlsx"))
    links = _links_as_libreoffice_opens_them([site / "downloads" / "roster.xlsx", in_zip, offline], tmp_path / "html")
    roles = [d for d in built_site.hb.roles]
    for roster, found in links.items():
        assert len(found) == 4 * len(roles), (roster, found)  # Word and PDF of the JD and of the appraisal sheet
        for text, target in found:
            assert target.is_file(), (roster, target)
            assert target.name.endswith((".docx", ".pdf")) and re.fullmatch(r"\S+-(岗位说明书|绩效考核表)\.(docx|pdf)", text)
            assert target.read_bytes()[:4] in (b"PK\x03\x04", b"%PDF")
    assert {text for text, _ in links[in_zip]} >= {"大区经理-岗位说明书.docx", "大区经理-绩效考核表.pdf"}
    assert all(target.name == text for text, target in links[in_zip])  # the zip holds them under those names


def test_the_downloads_page_shows_a_size_for_every_download_the_offline_zip_too(site, manifest):
    page = (site / "downloads.html").read_text(encoding="utf-8")
    for path, entry in manifest.items():
        link = re.search(f'<a download="{re.escape(entry["filename"])}" href="{re.escape(path)}">([^<]*)</a>', page)
        assert link, path
        assert re.search(r"（\d+(\.\d)? [KM]B）$", link.group(1)), (path, link.group(1))
    offline = manifest["downloads/handbook-offline.zip"]["bytes"]
    size = f"{offline / 1024 / 1024:.1f} MB" if offline >= 1024 * 1024 else f"{max(1, round(offline / 1024))} KB"
    assert f'href="downloads/handbook-offline.zip">ZIP（{size}）</a>' in page
    with zipfile.ZipFile(site / "downloads" / "handbook-offline.zip") as archive:  # the copy inside: no size
        page = archive.read("营销中心员工手册-离线版/downloads.html").decode("utf-8")
        assert 'href="downloads/handbook-offline.zip">ZIP</a>' in page


def test_checksums_are_for_machines_only_in_the_manifest(site, manifest):
    """Staff on 下载 see files and sizes; the SHA-256 of each file lives in manifest.json alone, for scripts."""
    text = article_text(site / "downloads.html")
    assert "SHA-256" not in text and "校验" not in text and "manifest.json" not in text, text
    assert all(re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]) for entry in manifest.values())


def test_one_printable_pdf_of_every_job_description(site, built_site, manifest):
    from generator.content.loader import load_handbook

    entry = manifest["downloads/job-descriptions-all.pdf"]
    assert entry["filename"] == "全部岗位说明书.pdf" and entry["kind"] == "job-description-book"
    reader = PdfReader(site / "downloads" / "job-descriptions-all.pdf")
    hb = load_handbook(REPO)
    outline = [(item.title, [child.title for child in children]) for item, children in
               zip(reader.outline[::2], reader.outline[1::2])]
    expected = [(d.name, [r.title + "岗位说明书" for r in hb.roles_in(d.id)]) for d in hb.site.departments
                if hb.roles_in(d.id)]
    assert outline == expected
    total = len(reader.pages)
    singles = [i for i in built_site.report.produced if i.doc.kind == "job-description" and i.doc.format == "pdf"]
    # the session cache is shared and pruned by other builds: read the bytes kept right after the build
    assert total >= 1 + sum(len(PdfReader(io.BytesIO(built_site.blobs[i.file.name])).pages) for i in singles)
    texts = [page.extract_text() for page in reader.pages]
    for number, text in enumerate(texts, 1):
        assert f"第 {number} 页 / 共 {total} 页" in text, number
    for role in hb.roles:  # each role starts on its own page, its title there, its page in the 目录
        start = reader.get_destination_page_number(next(
            child for item in reader.outline[1::2] for child in item if child.title == role.title + "岗位说明书"))
        assert role.title + "岗位说明书" in texts[start]
        assert re.search(re.escape(role.title) + r" [ .]*" + str(start + 1) + r"\b", texts[0]), role.title
    fonts = {str(f.get_object()["/BaseFont"]) for page in reader.pages
             for f in (page["/Resources"].get("/Font") or {}).values()}
    assert len(fonts) == 2 and all("Noto-Sans-CJK-SC" in f for f in fonts), fonts  # embedded once, not per role


def test_zip_dates_come_from_the_content_and_source_date_epoch_caps_them(monkeypatch):
    import datetime as dt

    from generator.content.loader import load_handbook
    from generator.content.model import Commit, History
    from generator.documents import plan as documents

    hb = load_handbook(REPO)
    role = hb.roles[0]
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    authored = max((r.date for r in role.revisions), default=None)
    assert documents.updated(hb.model_copy(update={"history": History()}), role) == authored
    commit = Commit(sha="a" * 40, date=dt.date(2026, 5, 6), author="HR", subject="修订")
    dated = hb.model_copy(update={"history": History(files={f"roles/{role.id}.yml": (commit,)})})
    assert documents.updated(dated, role) == max([dt.date(2026, 5, 6), *(r.date for r in role.revisions)])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc).timestamp())))
    assert documents.updated(dated, role) == dt.date(2026, 2, 1)  # a later commit is capped
    assert documents.updated(hb.model_copy(update={"history": History()}), hb) == dt.date(2026, 2, 1)
    planned = {d.path: d for d in documents.plan(dated)}
    assert planned[f"downloads/job-descriptions/{role.id}.pdf"].updated == dt.date(2026, 2, 1)
