"""全部岗位说明书: every published job description in one PDF, assembled from one cached piece per role.

Laid out as one WeasyPrint document, the book of a 500-role handbook took ~3 minutes and 2.3 GB in one
process, again after every edit of any role. Here each role is laid out on its own
(:func:`generator.documents.renderers.pdf.book_part`: its job description without page numbers), rendered and cached
like any document, so an edit re-lays out one role. This module only *assembles* (pikepdf, no layout):

* the cover and 目录 are laid out by WeasyPrint with the page numbers the pieces' page counts give
  (:func:`cover_and_contents`, twice when the 目录 itself turns out longer than assumed);
* the pages of the cover and of every piece follow each other; each page gets its footer
  第 n 页 / 共 N 页, drawn like WeasyPrint draws it: a one-page *specimen* laid out with the same stylesheet
  gives the footer's position, font, size and colour (:func:`_footer_specimen`), so a change to
  ``style.css`` moves the numbers with it. The numbers are tagged as pagination artifacts;
* the fonts are embedded once: the subsets of a face in every piece become one subset
  (:func:`generator.documents.renderers.pdf_fonts.merge_cff`, widths and ToUnicode merged);
* the structure trees become one (the pieces' elements under one ``Document``, ``ParentTree`` renumbered),
  the 目录's links point at the pages, the bookmarks list departments and their roles, and the catalog
  (XMP metadata, OutputIntent, language, MarkInfo) is the cover's: PDF/A-2b and tagged like every PDF here.

The bytes depend only on the inputs (``deterministic_id``), as everywhere.
"""

from __future__ import annotations

import gc
import io
import string
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import unquote

import pikepdf

from ...content.model import Handbook, Role
from .. import views
from . import pdf_fonts, weasy

BOOK_TITLE = "全部岗位说明书"
BOOK_TOC = "目录"
FOOTER = "第 {page} 页 / 共 {pages} 页"  # as style.css's @bottom-right prints it on every single PDF
LINK_PREFIX = "https://book.invalid/jd/"  # 目录 links while laid out alone; pointed at their pages on assembly
PAGINATION = pikepdf.Dictionary(Type=pikepdf.Name.Pagination, Subtype=pikepdf.Name.Footer)


@dataclass(frozen=True)
class BookEntry:
    id: str
    title: str
    page: int  # where its job description starts in the book


@dataclass(frozen=True)
class BookGroup:
    name: str
    entries: list[BookEntry]


def book_roles(hb: Handbook) -> list[tuple[str, list[Role]]]:
    """(department name, its roles) in the menu's order: the book's order (its view has no drafts)."""
    groups = []
    for dept in hb.site.departments:
        roles = hb.roles_in(dept.id)
        if roles:
            groups.append((dept.name, roles))
    return groups


def all_job_descriptions(hb: Handbook, parts: dict[str, bytes]) -> bytes:
    """The book, from ``parts`` (role id → :func:`pdf.book_part` bytes of that role)."""
    groups = book_roles(hb)
    missing = [role.id for _, roles in groups for role in roles if role.id not in parts]
    if missing:
        raise ValueError(f"全部岗位说明书: no piece for {', '.join(missing)}")
    counts = {}
    for _, roles in groups:
        for role in roles:
            with pikepdf.open(io.BytesIO(parts[role.id])) as piece:
                counts[role.id] = len(piece.pages)
    cover = cover_and_contents(hb, groups, counts)
    specimen = _footer_specimen()
    gc.collect()  # WeasyPrint's layout of the 目录 is garbage now: free it before the pieces are opened
    pieces = {role.id: pikepdf.open(io.BytesIO(parts[role.id])) for _, roles in groups for role in roles}
    return assemble(cover, groups, pieces, specimen)


def cover_and_contents(hb: Handbook, groups, counts: dict[str, int]) -> pikepdf.Pdf:
    """The cover and 目录, laid out with each role's first page; its own pages count as well.

    How many pages the 目录 takes does not depend on the numbers in it, so a layout without drawing
    (:func:`weasy.html_page_count`) tells where the first job description starts; then it is laid out once.
    """
    def html(start: int) -> str:
        page = start
        book_groups = []
        for name, roles in groups:
            entries = []
            for role in roles:
                entries.append(BookEntry(role.id, role.title, page))
                page += counts[role.id]
            book_groups.append(BookGroup(name, entries))
        return weasy.environment().get_template("job_descriptions_book.html").render(
            handbook=hb.site.handbook_title, author=hb.site.organisation, **weasy.brand_context(hb), draft=False,
            doc_title=f"{hb.site.handbook_title} {BOOK_TITLE}", toc_heading=BOOK_TOC, groups=book_groups,
            link_prefix=LINK_PREFIX)

    assumed = weasy.html_page_count(html(2))
    for _ in range(3):
        cover = pikepdf.open(io.BytesIO(weasy.html_to_pdf(html(assumed + 1))))
        if len(cover.pages) == assumed:
            return cover
        assumed = len(cover.pages)
    raise RuntimeError("全部岗位说明书: the 目录's length does not settle")


# --------------------------------------------------------------------------- the footer


@dataclass(frozen=True)
class Footer:
    """How WeasyPrint draws the page-number footer, read off a specimen page."""

    state: list  # graphics-state operators in effect at BT (cm, gs, colours), in order
    font_size: float
    matrix: list[float]  # the text matrix; its x is where the specimen's text starts
    right: float  # where the specimen's text ends (text space), the footer's right edge
    widths: dict[int, float]  # CID → advance (1/1000 em)
    cids: dict[str, int]  # character → CID, for the footer's characters and digits
    font: pikepdf.Object  # the specimen's Type0 font (merged with the pieces' later)
    gstates: dict[str, pikepdf.Object]  # ExtGState name → dictionary the state refers to


def _footer_specimen() -> tuple[pikepdf.Pdf, Footer]:
    """A one-page PDF whose footer reads 第 1 页 / 共 1 页 and whose body holds every digit."""
    html = weasy.environment().get_template("book_footer_specimen.html").render(digits=string.digits)
    specimen = pikepdf.open(io.BytesIO(weasy.html_to_pdf(html, compact_fonts=True)))
    page = specimen.pages[0]
    fonts = page.Resources.Font
    maps = {str(name): _to_unicode(font) for name, font in fonts.items()}
    wanted = FOOTER.format(page=1, pages=1)
    stack: list[list] = [[]]
    block: list | None = None
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op == "q":
            stack.append(list(stack[-1]))
        elif op == "Q":
            stack.pop()
        elif op in ("cm", "gs", "rg", "g", "RG", "G", "k", "K", "cs", "CS", "sc", "scn", "SC", "SCN"):
            stack[-1].append((list(operands), operator))
        elif op == "BT":
            block = []
        elif op == "ET" and block is not None:
            found = _footer_in(block, maps, wanted, fonts, stack[-1], specimen)
            if found:
                return specimen, found
            block = None
        elif block is not None:
            block.append((list(operands), operator))
    raise RuntimeError("全部岗位说明书: the specimen page does not print its page number as "
                       f"'{wanted}' — templates/pdf/style.css's @page @bottom-right and pdf_book.FOOTER must agree")


def _footer_in(block, maps, wanted, fonts, state, specimen) -> Footer | None:
    font_name = size = matrix = None
    cids: list[int] = []
    for operands, operator in block:
        op = str(operator)
        if op == "Tf":
            font_name, size = str(operands[0]), float(operands[1])
        elif op == "Tm":
            matrix = [float(v) for v in operands]
        elif op == "TJ":
            for item in operands[0]:
                if isinstance(item, pikepdf.String):
                    raw = bytes(item)
                    cids += [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)]
                elif float(item) != 0:
                    return None  # kerned text: not a footer drawn as plain advances
        elif op == "Tj":
            raw = bytes(operands[0])
            cids += [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)]
        elif op in ("Tc", "Tw", "Tz", "TL", "Ts") and any(float(v) for v in operands):
            return None
    if font_name is None or matrix is None or "".join(maps[font_name].get(c, "") for c in cids) != wanted:
        return None
    to_cid = {text: cid for cid, text in maps[font_name].items()}
    needed = set(wanted) | set(string.digits)
    if not needed <= set(to_cid):
        raise RuntimeError("全部岗位说明书: the specimen lacks a footer character")
    widths = _widths(fonts[font_name].DescendantFonts[0])
    right = matrix[4] + sum(widths[c] for c in cids) * size / 1000 * matrix[0]
    gstates = {}
    for operands, operator in state:
        if str(operator) == "gs":
            gstates[str(operands[0])] = specimen.pages[0].Resources.ExtGState[str(operands[0])]
        elif str(operator) in ("cs", "CS"):
            raise RuntimeError("全部岗位说明书: the footer uses a colour space the assembly does not copy")
    return Footer(list(state), size, matrix, right, widths, {ch: to_cid[ch] for ch in needed},
                  fonts[font_name], gstates)


FONT_NAME = "/BookPageNumbers"


def _footer_stream(footer: Footer, page: int, pages: int, gs_names: dict[str, str]) -> bytes:
    text = FOOTER.format(page=page, pages=pages)
    cids = [footer.cids[ch] for ch in text]
    width = sum(footer.widths[c] for c in cids) * footer.font_size / 1000 * footer.matrix[0]
    matrix = list(footer.matrix)
    matrix[4] = footer.right - width
    ops = [([], pikepdf.Operator("q"))]
    for operands, operator in footer.state:
        if str(operator) == "gs":
            operands = [pikepdf.Name(gs_names[str(operands[0])])]
        ops.append((operands, operator))
    ops += [
        ([pikepdf.Name.Artifact, PAGINATION], pikepdf.Operator("BDC")),
        ([], pikepdf.Operator("BT")),
        (matrix, pikepdf.Operator("Tm")),
        ([pikepdf.Name(FONT_NAME), footer.font_size], pikepdf.Operator("Tf")),
        ([pikepdf.String(b"".join(c.to_bytes(2, "big") for c in cids))], pikepdf.Operator("Tj")),
        ([], pikepdf.Operator("ET")),
        ([], pikepdf.Operator("EMC")),
        ([], pikepdf.Operator("Q")),
    ]
    return pikepdf.unparse_content_stream(ops)


# --------------------------------------------------------------------------- assembly


def assemble(cover: pikepdf.Pdf, groups, pieces: dict[str, pikepdf.Pdf], specimen_footer) -> bytes:
    specimen, footer = specimen_footer
    book = cover
    root = book.Root.StructTreeRoot
    document = _document_element(root)
    parent_tree = _number_tree(root.ParentTree)
    next_key = max(parent_tree, default=-1) + 1
    first_page: dict[str, int] = {}
    for _, roles in groups:
        for role in roles:
            piece = pieces[role.id]
            first_page[role.id] = len(book.pages)
            offset = next_key
            for page in piece.pages:
                _shift_struct_parents(page.obj, offset)
            piece_root = piece.Root.StructTreeRoot
            piece_tree = _number_tree(piece_root.ParentTree)
            piece_document = _document_element(piece_root)
            book.pages.extend(piece.pages)
            copied_document = _copy(book, piece, piece_document).objgen
            seen: set = set()
            for key, value in piece_tree.items():
                parent_tree[key + offset] = value = _copy(book, piece, value)
                # WeasyPrint hangs the running headers' elements under Document without listing them in
                # its /K: they too move to the book's Document, or the piece's tree would come along
                for element in (value if isinstance(value, pikepdf.Array) else [value]):
                    _reparent(element, copied_document, document, seen)
            for kid in _kids(piece_document):
                kid = _copy(book, piece, kid)
                kid.P = document
                document.K.append(kid)
            next_key = max(next_key, offset + max(piece_tree, default=-1) + 1)
    root.ParentTree = book.make_indirect(pikepdf.Dictionary(
        Nums=pikepdf.Array([item for key in sorted(parent_tree) for item in (key, parent_tree[key])])))
    root.ParentTreeNextKey = next_key
    _point_links(book, first_page, {role.id: views.jd_title(role) for _, roles in groups for role in roles})
    _outline(book, groups, first_page)
    font = _copy(book, specimen, footer.font)
    gs_names = {name: f"/BookPageNumbersGS{i}" for i, name in enumerate(sorted(footer.gstates))}
    gstates = {gs_names[name]: _copy(book, specimen, value) for name, value in footer.gstates.items()}
    total = len(book.pages)
    save_state = book.make_stream(b"q\n")  # one object, shared by every page
    for number, page in enumerate(book.pages, start=1):
        _add_footer(book, page, font, gstates, _footer_stream(footer, number, total, gs_names), save_state)
    pdf_fonts.merge_pdf_fonts(book)
    out = io.BytesIO()
    book.save(out, deterministic_id=True, compress_streams=True,
              object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _copy(book: pikepdf.Pdf, piece: pikepdf.Pdf, obj: pikepdf.Object) -> pikepdf.Object:
    """``obj`` of ``piece`` in ``book``; objects it shares with pages already copied are not copied twice."""
    return book.copy_foreign(obj if obj.is_indirect else piece.make_indirect(obj))


def _reparent(element, old_parent: tuple, document: pikepdf.Object, seen: set) -> None:
    """Walk up from ``element``; the ancestor whose parent is the piece's Document gets the book's."""
    while isinstance(element, pikepdf.Dictionary) and element.is_indirect and element.objgen not in seen:
        seen.add(element.objgen)
        parent = element.get("/P")
        if parent is None:
            return
        if parent.objgen == old_parent:
            element.P = document
            return
        element = parent


def _document_element(root: pikepdf.Object) -> pikepdf.Object:
    kids = root.K
    top = kids[0] if isinstance(kids, pikepdf.Array) else kids
    if isinstance(kids, pikepdf.Array) and len(kids) != 1 or top.get("/S") != pikepdf.Name.Document:
        raise ValueError("全部岗位说明书: a piece's structure tree does not start with one Document")
    if not isinstance(top.K, pikepdf.Array):
        top.K = pikepdf.Array([top.K])
    return top


def _kids(element: pikepdf.Object) -> list:
    return list(element.K)


def _number_tree(node: pikepdf.Object) -> dict[int, pikepdf.Object]:
    found: dict[int, pikepdf.Object] = {}
    nums = node.get("/Nums")
    if nums is not None:
        for i in range(0, len(nums), 2):
            found[int(nums[i])] = nums[i + 1]
    for kid in node.get("/Kids", []):
        found.update(_number_tree(kid))
    return found


def _shift_struct_parents(page: pikepdf.Object, offset: int) -> None:
    if "/StructParents" in page:
        page.StructParents = int(page.StructParents) + offset
    for annot in page.get("/Annots", []):
        if "/StructParent" in annot:
            annot.StructParent = int(annot.StructParent) + offset


def _point_links(book: pikepdf.Pdf, first_page: dict[str, int], titles: dict[str, str]) -> None:
    """The 目录's links (laid out as LINK_PREFIX + role id) become links to the role's first page."""
    for page in book.pages:
        for annot in page.obj.get("/Annots", []):
            action = annot.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if uri.startswith(LINK_PREFIX):
                role_id = unquote(uri[len(LINK_PREFIX):])
                target = book.pages[first_page[role_id]]
                del annot.A
                annot.Dest = pikepdf.Array([target.obj, pikepdf.Name.Fit])
                annot.Contents = pikepdf.String(titles[role_id])  # what a screen reader says for the link


def _outline(book: pikepdf.Pdf, groups, first_page: dict[str, int]) -> None:
    if "/Outlines" in book.Root:
        del book.Root.Outlines
    with book.open_outline() as outline:
        for name, roles in groups:
            dept = pikepdf.OutlineItem(name, first_page[roles[0].id])
            dept.children.extend(pikepdf.OutlineItem(views.jd_title(role), first_page[role.id]) for role in roles)
            outline.root.append(dept)


def _add_footer(book, page, font, gstates, stream: bytes, save_state) -> None:
    resources = page.obj.Resources
    if "/Font" not in resources:
        resources.Font = pikepdf.Dictionary()
    resources.Font[FONT_NAME] = font
    if gstates:
        if "/ExtGState" not in resources:
            resources.ExtGState = pikepdf.Dictionary()
        for name, value in gstates.items():
            resources.ExtGState[name] = value
    contents = page.obj.Contents
    existing = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    # the page's own drawing is wrapped in q … Q (it leaves its coordinate flip in place), then the footer
    page.obj.Contents = pikepdf.Array([save_state, *existing, book.make_stream(b"\nQ\n" + stream)])


def _to_unicode(font: pikepdf.Object) -> dict[int, str]:
    return pdf_fonts.read_to_unicode(font.ToUnicode.read_bytes()) if "/ToUnicode" in font else {}


def _widths(cid_font: pikepdf.Object) -> dict[int, float]:
    """CID → advance; CIDs without a /W entry take the font's /DW (1000 when absent)."""
    return defaultdict(lambda: float(cid_font.get("/DW", 1000)), pdf_fonts.read_widths(cid_font.get("/W", [])))
