"""PDF/UA-1 on top of WeasyPrint's tagged PDF/A-2b, in its finisher: header cells scoped, margin texts as
pagination artifacts, the XMP claim (what its tags leave out: ARCHITECTURE.md, "PDF files")."""

from __future__ import annotations

import pydyf

from .pdf_fonts import object_number as _number

PAGINATION = pydyf.Dictionary({"Type": "/Pagination"})
_RDF_END = b"</rdf:RDF>"
XMP_UA = (
    b'<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"'
    b' xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
    b"<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType=\"Resource\">"
    b"<pdfaSchema:schema>PDF/UA identification schema</pdfaSchema:schema>"
    b"<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>"
    b"<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>"
    b"<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType=\"Resource\">"
    b"<pdfaProperty:name>part</pdfaProperty:name><pdfaProperty:valueType>Integer</pdfaProperty:valueType>"
    b"<pdfaProperty:category>internal</pdfaProperty:category>"
    b"<pdfaProperty:description>Part of ISO 14289 the file conforms to</pdfaProperty:description>"
    b"</rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>"
    b'<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"><pdfuaid:part>1</pdfuaid:part>'
    b"</rdf:Description>"
)


def finish(pdf: pydyf.PDF, language: str) -> None:
    """Scopes, pagination artifacts and the XMP claim (ARCHITECTURE.md, "PDF files"), in place."""
    objects = pdf.objects
    root = objects[_number(pdf.catalog["StructTreeRoot"])]
    elements = {obj.number: obj for obj in objects
                if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/StructElem"}
    _scope_header_cells(elements)
    in_tree = _reachable(root, elements)
    _artifacts(pdf, root, {number for number in elements if number not in in_tree})
    for number in elements.keys() - in_tree:
        elements[number].clear()
    _xmp(pdf, language)


def _kids(element) -> list:
    """References to the element's children (WeasyPrint writes /K as an array; MCIDs left out)."""
    return [kid for kid in element.get("K", []) if not isinstance(kid, int)]


def _scope_header_cells(elements: dict) -> None:
    def cited(cell) -> list:
        return [header.string for header in cell["A"].get("Headers", [])]

    for th in [e for e in elements.values() if e["S"] == "/TH"]:
        row = elements[_number(th["P"])]
        cells = [elements[_number(kid)] for kid in _kids(row)]
        key = th["ID"].string if "ID" in th else None
        row_header = key is not None and any(key in cited(cell) for cell in cells if cell["S"] == "/TD")
        th["A"]["Scope"] = "/Row" if row_header else "/Column"
    for element in elements.values():
        element.pop("ID", None)
        if element["S"] == "/TD":
            element["A"].pop("Headers", None)


def _reachable(root, elements: dict) -> set[int]:
    found: set[int] = set()
    todo = list(_kids(root))
    while todo:
        number = _number(todo.pop())
        if number in elements and number not in found:
            found.add(number)
            todo.extend(_kids(elements[number]))
    return found


def _artifacts(pdf: pydyf.PDF, root, outside: set[int]) -> None:
    """Content whose element is ``outside`` the tree becomes an /Artifact sequence; its parent-tree slot null."""
    nums = pdf.objects[_number(root["ParentTree"])]["Nums"]
    for key, parents in zip(nums[::2], nums[1::2]):
        if not isinstance(parents, list):
            continue  # an annotation's entry
        marked = {mcid for mcid, reference in enumerate(parents) if _number(reference) in outside}
        for mcid in marked:
            parents[mcid] = "null"
        if marked:
            page = pdf.objects[_number(pdf.page_references[key])]
            stream = pdf.objects[_number(page["Contents"])].stream
            for i, item in enumerate(stream):
                if isinstance(item, pydyf.Dictionary) and item.get("MCID") in marked and stream[i + 1] == b"BDC":
                    stream[i - 1], stream[i] = "/Artifact", PAGINATION


def _xmp(pdf: pydyf.PDF, language: str) -> None:
    reference = pdf.catalog.get("Metadata")
    if reference is None:
        return
    stream = pdf.objects[_number(reference)]
    data = b"".join(part if isinstance(part, bytes) else str(part).encode() for part in stream.stream)
    if _RDF_END not in data:
        return
    entry = (b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" rdf:about="">'
             b"<dc:language><rdf:Bag><rdf:li>" + language.encode("ascii") + b"</rdf:li></rdf:Bag></dc:language>"
             b"</rdf:Description>")
    stream.stream = [data.replace(_RDF_END, entry + XMP_UA + _RDF_END, 1)]
