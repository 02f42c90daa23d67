"""Custom document properties of a Word JD (role id, version, fingerprints), as plain XML (python-docx has no
API for them): ``handbook import`` tells HR's edits from later YAML changes (ARCHITECTURE.md, Word files)."""

from __future__ import annotations

import hashlib
import io
import json
import unicodedata
import zipfile
from xml.sax.saxutils import escape

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from lxml import etree

from ....content.model import Role

PROP_ROLE = "HandbookRoleId"
PROP_VERSION = "HandbookRoleVersion"
PROP_HASH = "HandbookRoleHash"
PROP_FIELDS = "HandbookRoleFields"
PROP_SECTIONS = "HandbookSections"

_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the FMTID every custom property uses
_HASH_CHARS = 16


def _digest(value) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_HASH_CHARS]


def field_hashes(role: Role) -> dict[str, str]:
    """One short fingerprint per role field that has a value (model field order)."""
    data = role.model_dump(mode="json", exclude_none=True)
    return {name: _digest(data[name]) for name in type(role).model_fields if name in data}


def role_hash(role: Role) -> str:
    """Fingerprint of the whole role as loaded (comments and formatting of the YAML do not count)."""
    return _digest(role.model_dump(mode="json", exclude_none=True))


def canonical_line(line: str) -> str:
    """A line as fingerprints compare it: spaces and character widths do not count."""
    return " ".join(unicodedata.normalize("NFKC", line).split())


def section_hashes(texts: dict[str, list[str]]) -> dict[str, str]:
    """Fingerprints of what each editable part of the JD says (see ``views.jd_section_texts``), so that a file
    Word or LibreOffice re-saved still matches."""
    return {key: _digest([canonical_line(line) for line in lines]) for key, lines in texts.items()}


def role_properties(role: Role) -> dict[str, str]:
    from ... import views

    fields = ";".join(f"{name}={digest}" for name, digest in field_hashes(role).items())
    sections = ";".join(f"{name}={digest}" for name, digest in section_hashes(views.jd_section_texts(role)).items())
    return {PROP_ROLE: role.id, PROP_VERSION: role.version, PROP_HASH: role_hash(role), PROP_FIELDS: fields,
            PROP_SECTIONS: sections}


def custom_xml(props: dict[str, str]) -> bytes:
    items = "".join(
        f'<property fmtid="{_FMTID}" pid="{pid}" name="{escape(name, {chr(34): "&quot;"})}">'
        f"<vt:lpwstr>{escape(value)}</vt:lpwstr></property>"
        for pid, (name, value) in enumerate(props.items(), start=2)
    )
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Properties xmlns="{_NS}" xmlns:vt="{_VT}">{items}</Properties>').encode("utf-8")


def stamp_role(doc, role: Role) -> None:
    """Add the role's custom properties to a python-docx Document made from the reference (whose own custom
    properties, if Word or LibreOffice gave it some, ``styles.reference`` dropped) before it is saved."""
    package, blob = doc.part.package, custom_xml(role_properties(role))
    package.relate_to(Part(PackURI("/docProps/custom.xml"), CT.OFC_CUSTOM_PROPERTIES, blob, package),
                      RT.CUSTOM_PROPERTIES)


def read_properties(data: bytes) -> dict[str, str]:
    """Custom properties of a .docx (empty when it has none); raises zipfile.BadZipFile for a non-zip."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        try:
            xml = package.read("docProps/custom.xml")
        except KeyError:
            return {}
    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return {}
    return {name: "".join(child.text or "" for child in prop)
            for prop in root.findall(f"{{{_NS}}}property") if (name := prop.get("name"))}


def parse_field_hashes(value: str) -> dict[str, str]:
    pairs = (item.partition("=") for item in value.split(";") if item)
    return {name: digest for name, _, digest in pairs}
