"""The download manifest and the zips, byte-identical for identical input: HR compares checksums, so entries
are sorted, given fixed permissions and dated from the content (ARCHITECTURE.md, "Zips and the roster")."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Union

from ..content.model import KINDS, Handbook
from . import outputs, plan

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # regular file, rw-r--r--
MANIFEST = "downloads/manifest.json"
MANIFEST_KEYS = ("path", "filename", "kind", "id", "format", "title", "version", "effective", "bytes", "sha256")


@dataclass(frozen=True)
class BundleDoc:
    """A zip of other files; shaped like :class:`generator.documents.plan.Document` so pages list it alike."""

    id: str
    title: str
    path: str
    filename: str = ""  # the Chinese save-as name, e.g. 营销中心员工手册-全部岗位说明书.zip
    kind: str = "bundle"
    format: str = "zip"
    version: str | None = None
    effective: dt.date | None = None


OFFLINE = BundleDoc("handbook-offline", "离线版手册（整个网站，解压后打开 index.html）", "downloads/handbook-offline.zip")


def bundle_docs(hb: Handbook) -> list[BundleDoc]:
    """The registry's zips (全部文件 first), then the offline site, each with its save-as name."""
    zips = [BundleDoc(b.id, b.title, b.path, b.filename(hb)) for b in outputs.BUNDLES.values()]
    return [*zips, BundleDoc(OFFLINE.id, OFFLINE.title, OFFLINE.path, offline_folder(hb) + ".zip")]


def offline_folder(hb: Handbook) -> str:
    """The one folder the offline site unpacks into: 营销中心员工手册-离线版."""
    return outputs.safe_name(f"{hb.site.handbook_title}-离线版")


@dataclass(frozen=True)
class Entry:
    """One downloadable file as listed in downloads/manifest.json."""

    path: str
    kind: str
    id: str
    format: str
    title: str
    bytes: int
    sha256: str
    filename: str = ""  # what the download link saves it as
    version: str | None = None
    effective: dt.date | None = None

    @classmethod
    def of(cls, doc, size: int, sha256: str) -> "Entry":
        return cls(doc.path, doc.kind, doc.id, doc.format, doc.title, size, sha256, doc.filename, doc.version,
                   doc.effective)

    @classmethod
    def of_bytes(cls, doc, data: bytes) -> "Entry":
        return cls.of(doc, len(data), hashlib.sha256(data).hexdigest())

    def as_dict(self) -> dict:
        row = {key: getattr(self, key) for key in MANIFEST_KEYS}
        row["effective"] = self.effective.isoformat() if self.effective else None
        return row


def manifest(entries: Iterable[Entry]) -> bytes:
    """JSON list sorted by path, UTF-8 (Chinese titles stay readable), newline-terminated."""
    rows = sorted((e.as_dict() for e in entries), key=lambda row: row["path"])
    return (json.dumps(rows, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def content_date(hb: Handbook) -> dt.date | None:
    """The newest revision or commit of any content file, capped by ``SOURCE_DATE_EPOCH`` (or it alone)."""
    dates = [r.date for kind in KINDS for item in hb.items(kind) for r in item.revisions]
    dates += [commits[0].date for commits in hb.history.files.values() if commits]
    newest, source = max(dates, default=None), plan.source_date()
    return min(newest, source) if newest and source else newest or source


Content = Union[bytes, str, Path]
MEDIA_COMPRESSED = (".zip", ".gz", ".png", ".jpg", ".woff", ".woff2")


def zip_time(date: dt.date | None) -> tuple[int, int, int, int, int, int]:
    """A zip entry's timestamp for a content date (zip cannot say anything before 1980)."""
    if date is None or date.year < 1980:
        return FIXED_TIME
    return (min(date.year, 2107), date.month, date.day, 0, 0, 0)


def deterministic_zip(files: Iterable[tuple[str, Content] | tuple[str, Content, dt.date | None]]) -> bytes:
    """Zip ``(arcname, bytes or file path[, date])`` tuples; same input ⇒ same bytes. Folders are implied by
    the names (``营销中心员工手册/岗位说明书/…``), as ``git archive`` does."""
    stored = (*MEDIA_COMPRESSED, *sorted(outputs.suffixes()))  # every registered output is compressed already
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content, *date in sorted(files, key=lambda item: item[0]):
            info = zipfile.ZipInfo(name, date_time=zip_time(date[0] if date else None))
            # deflating what is compressed already costs seconds at 500 roles and saves a few per cent
            info.compress_type = zipfile.ZIP_STORED if name.endswith(stored) else zipfile.ZIP_DEFLATED
            info.external_attr = FILE_MODE << 16
            info.create_system = 3  # Unix, so the permissions above are honoured on extraction
            archive.writestr(info, _read(content))
    return buffer.getvalue()


def documents_zip(hb: Handbook, bundle_id: str, docs: Iterable[tuple[plan.Document, Content]]) -> bytes:
    """One of the registry's zips: the documents it carries, each in its kind's folder, dated; a workbook that
    links to the others (岗位清单) links to them by their names in the zip."""
    bundle, date = outputs.BUNDLES[bundle_id], content_date(hb)
    carried = [(doc, content) for doc, content in docs if bundle.carries(doc.output)]
    names = {doc.path: outputs.archive_name(hb, doc.output, doc.filename) for doc, _ in carried}
    files = []
    for doc, content in carried:
        if doc.path.endswith(LINKING):
            here, there = posixpath.dirname(doc.path), posixpath.dirname(names[doc.path])
            content = relinked(_read(content), {posixpath.relpath(path, here): posixpath.relpath(name, there)
                                                 for path, name in names.items()})
        files.append((names[doc.path], content, doc.updated or date))
    return deterministic_zip(files)


LINKING = (".xlsx",)  # documents whose links point at other documents (the roster): their targets follow them
_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def relinked(package: bytes, targets: dict[str, str]) -> bytes:
    """An Office file with its hyperlinks' targets renamed (``targets``: old → new), every other byte and
    entry (order, times, compression) as it was."""
    from xml.etree import ElementTree

    source = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(".rels"):
                root = ElementTree.fromstring(data)
                links = [rel for rel in root.iter(_RELATIONSHIPS)
                         if rel.get("Type") == _HYPERLINK and rel.get("Target") in targets]
                for rel in links:
                    rel.set("Target", targets[rel.get("Target")])
                if links:
                    ElementTree.register_namespace("", _RELATIONSHIPS[1:].split("}")[0])
                    data = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
            target.writestr(info, data)
    return out.getvalue()


def _read(content: Content) -> bytes:
    return content if isinstance(content, bytes) else Path(content).read_bytes()


def site_zip(hb: Handbook, folder: Path, exclude: Iterable[str] = ()) -> bytes:
    """The offline site: every file under ``folder`` but ``exclude``, inside one folder, dated like the content."""
    skipped, top, date = set(exclude), offline_folder(hb), content_date(hb)
    files = [(p.relative_to(folder).as_posix(), p) for p in folder.rglob("*") if p.is_file()]
    return deterministic_zip([(f"{top}/{name}", path, date) for name, path in files if name not in skipped])
