"""全部岗位说明书 assembled from the job-description PDFs themselves (pikepdf, no layout of them): one layout per
role and build instead of a 3-minute, 2.3 GB book (ARCHITECTURE.md, "PDF files")."""

from __future__ import annotations

import gc
import io
import re
import string
from collections import defaultdict
from dataclasses import dataclass
from itertools import accumulate
from urllib.parse import unquote

import pikepdf

from ...content.model import Handbook, Role
from .. import views
from . import pdf_fonts, weasy

BOOK_TITLE = "全部岗位说明书"
BOOK_TOC = "目录"
FOOTER = "第 {page} 页 / 共 {pages} 页"  # as style.css's @bottom-right prints it on every PDF
LINK_PREFIX = "https://book.invalid/jd/"  # 目录 links while laid out alone; pointed at their pages on assembly


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
    return [(dept.name, roles) for dept in hb.site.departments if (roles := hb.roles_in(dept.id))]


def all_job_descriptions(hb: Handbook, parts: dict[str, bytes]) -> bytes:
    """The book, from ``parts`` (role id → :func:`pdf.job_description` bytes of that role)."""
    groups = book_roles(hb)
    missing = [role.id for _, roles in groups for role in roles if role.id not in parts]
    if missing:
        raise ValueError(f"全部岗位说明书: no piece for {', '.join(missing)}")
    counts = {role.id: _page_count(parts[role.id]) for _, roles in groups for role in roles}
    cover = cover_and_contents(hb, groups, counts)
    numbers = _page_numbers()
    gc.collect()  # WeasyPrint's layout of the 目录 is garbage now: free it before the pieces are copied
    return assemble(cover, groups, parts, counts, numbers)


def cover_and_contents(hb: Handbook, groups, counts: dict[str, int]) -> pikepdf.Pdf:
    """The cover and 目录, laid out with each role's first page; its own pages count as well (a layout that
    assumed fewer pages is laid out again before it is drawn)."""
    def html(start: int) -> str:
        # each role's first page, taken in the order the roles are listed
        firsts = accumulate((counts[role.id] for _, roles in groups for role in roles), initial=start)
        book_groups = [BookGroup(name, [BookEntry(role.id, role.title, next(firsts)) for role in roles])
                       for name, roles in groups]
        return weasy.environment().get_template("job_descriptions_book.html").render(
            handbook=hb.site.handbook_title, author=hb.site.organisation, **weasy.brand_context(hb), draft=False,
            doc_title=f"{hb.site.handbook_title} {BOOK_TITLE}", toc_heading=BOOK_TOC, groups=book_groups,
            link_prefix=LINK_PREFIX)

    assumed = 1  # a small handbook's cover and 目录 fit on one page: laid out once
    for _ in range(3):
        document = weasy.layout(html(assumed + 1))
        if len(document.pages) == assumed:
            return pikepdf.open(io.BytesIO(weasy.write(document)))
        assumed = len(document.pages)
    raise RuntimeError("全部岗位说明书: the 目录's length does not settle")


# --------------------------------------------------------------------------- page numbers


@dataclass(frozen=True)
class PageNumbers:
    """The glyphs 第 n 页 / 共 N 页 is drawn with, read off a specimen page's footer."""

    font: pikepdf.Object  # the specimen's Type0 font (merged with the pieces' later)
    widths: dict[int, float]  # CID → advance (1/1000 em)
    cids: dict[str, int]  # character → CID, for the footer's characters and every digit

    def glyphs(self, text: str) -> bytes:
        return b"".join(self.cids[ch].to_bytes(2, "big") for ch in text)

    def advance(self, text: str) -> float:
        """Width of ``text`` in 1/1000 em."""
        return sum(self.widths[self.cids[ch]] for ch in text)


NUMBERS_FONT = "/BookPageNumbers"
# A line of text as WeasyPrint writes it (one TJ of hex glyph strings and kerning numbers between BT and ET).
_TEXT = re.compile(rb"BT\n(?P<matrix>(?:-?[\d.]+ ){4})(?P<x>-?[\d.]+)(?P<y> -?[\d.]+ Tm\n)/\S+ (?P<size>[\d.]+) Tf\n"
                   rb"\[(?P<run>[^\]]*)\] TJ\nET")
_RUN = re.compile(rb"<([0-9a-fA-F]*)>|(-?[\d.]+)")


def _page_numbers() -> tuple[pikepdf.Pdf, PageNumbers]:
    """A one-page PDF whose footer reads 第 1 页 / 共 1 页 and whose body holds every digit, and its glyphs."""
    html = weasy.environment().get_template("book_footer_specimen.html").render(digits=string.digits)
    specimen = pikepdf.open(io.BytesIO(weasy.html_to_pdf(html)))
    page = specimen.pages[0]
    wanted = FOOTER.format(page=1, pages=1)
    for font in page.Resources.Font.values():
        to_cid = {text: cid for cid, text in _to_unicode(font).items()}
        if not set(wanted) | set(string.digits) <= set(to_cid):
            continue
        numbers = PageNumbers(font, _widths(font.DescendantFonts[0]),
                              {ch: to_cid[ch] for ch in set(wanted) | set(string.digits)})
        if _footer_at(page.Contents.read_bytes(), numbers, wanted):
            return specimen, numbers
    raise RuntimeError("全部岗位说明书: the specimen page does not print its page number as "
                       f"'{wanted}' — templates/pdf/style.css's @page @bottom-right and pdf_book.FOOTER must agree")


def _footer_at(content: bytes, numbers: PageNumbers, text: str) -> tuple[re.Match, float] | None:
    """The last line of ``content`` that draws ``text`` in the numbers' face, and its advance (1/1000 em)."""
    glyphs = numbers.glyphs(text)
    for line in reversed(list(_TEXT.finditer(content))):
        items = _RUN.findall(line["run"])
        if b"".join(bytes.fromhex(h.decode()) for h, _ in items) == glyphs:
            return line, numbers.advance(text) - sum(float(k) for h, k in items if k)
    return None


def _renumber(content: bytes, numbers: PageNumbers, old: str, new: str) -> bytes:
    """``content`` with its footer ``old`` redrawn as ``new``: the same line, ending where it ended."""
    found = _footer_at(content, numbers, old)
    if found is None:
        raise RuntimeError(f"全部岗位说明书: a page does not print its page number as '{old}' — "
                           "templates/pdf/style.css's @page @bottom-right and pdf_book.FOOTER must agree")
    line, advance = found
    scale = float(line["size"]) * float(line["matrix"].split()[0]) / 1000
    x = float(line["x"]) + (advance - numbers.advance(new)) * scale
    redrawn = (b"BT\n" + line["matrix"] + f"{x:.6f}".encode() + line["y"] + NUMBERS_FONT.encode() + b" "
               + line["size"] + b" Tf\n[<" + numbers.glyphs(new).hex().encode() + b">] TJ\nET")
    return content[:line.start()] + redrawn + content[line.end():]


# --------------------------------------------------------------------------- assembly


def assemble(book: pikepdf.Pdf, groups, parts: dict[str, bytes], counts: dict[str, int],
             page_numbers) -> bytes:
    """The cover and 目录 (``book``), then every piece, one open at a time: each is copied, renumbered and made
    independent of its file, then closed (the book keeps its objects, not 500 open PDFs)."""
    specimen, numbers = page_numbers
    total = len(book.pages) + sum(counts.values())
    font = _copy(book, specimen, numbers.font)
    _number(book, list(book.pages), 1, total, numbers, font)
    root = book.Root.StructTreeRoot
    document = _document_element(root)
    parent_tree = dict(pikepdf.NumberTree(root.ParentTree).items())
    next_key = max(parent_tree, default=-1) + 1
    first_page: dict[str, int] = {}
    for _, roles in groups:
        for role in roles:
            with pikepdf.open(io.BytesIO(parts[role.id])) as piece:
                first_page[role.id] = len(book.pages)
                offset = next_key
                for page in piece.pages:
                    _shift_struct_parents(page.obj, offset)
                piece_root = piece.Root.StructTreeRoot
                piece_tree = dict(pikepdf.NumberTree(piece_root.ParentTree).items())
                piece_document = _document_element(piece_root)
                book.pages.extend(piece.pages)
                for key, value in piece_tree.items():
                    parent_tree[key + offset] = _copy(book, piece, value)
                for kid in list(piece_document.K):
                    kid = _copy(book, piece, kid)
                    kid.P = document
                    document.K.append(kid)
                next_key = max(next_key, offset + max(piece_tree, default=-1) + 1)
                copied = list(book.pages)[first_page[role.id]:]
                _number(book, copied, first_page[role.id] + 1, total, numbers, font)
                _own_streams(copied)
    root.ParentTree = book.make_indirect(pikepdf.Dictionary(
        Nums=pikepdf.Array([item for key in sorted(parent_tree) for item in (key, parent_tree[key])])))
    root.ParentTreeNextKey = next_key
    _point_links(book, first_page, {role.id: views.jd_title(role) for _, roles in groups for role in roles})
    _outline(book, groups, first_page)
    pdf_fonts.merge_pdf_fonts(book)
    out = io.BytesIO()
    book.save(out, deterministic_id=True, compress_streams=True,
              object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _page_count(data: bytes) -> int:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


def _number(book: pikepdf.Pdf, pages: list, first: int, total: int, numbers: PageNumbers, font) -> None:
    """``pages`` (one document's, in order) renumbered from their own 第 1 页 / 共 n 页 to ``first`` … of ``total``."""
    for own, page in enumerate(pages, start=1):
        contents = page.obj.Contents
        if isinstance(contents, pikepdf.Array):  # WeasyPrint writes one stream per page
            contents = page.obj.Contents = book.make_stream(b"\n".join(part.read_bytes() for part in contents))
        old = FOOTER.format(page=own, pages=len(pages))
        new = FOOTER.format(page=first + own - 1, pages=total)
        contents.write(_renumber(contents.read_bytes(), numbers, old, new))
        page.obj.Resources.Font[NUMBERS_FONT] = font


def _own_streams(pages: list) -> None:
    """Every stream the copied ``pages`` reach gets its bytes now (pikepdf copies them lazily), so their file
    can be closed before saving."""
    seen: set = set()
    todo = [page.obj.get(key) for page in pages for key in ("/Resources", "/Annots")]
    while todo:
        obj = todo.pop()
        if isinstance(obj, pikepdf.Object) and obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Stream):
            obj.write(obj.read_raw_bytes(), filter=obj.get("/Filter"), decode_parms=obj.get("/DecodeParms"),
                      type_check=False)
            todo.extend(value for key, value in obj.items() if key not in ("/Filter", "/DecodeParms", "/Length"))
        elif isinstance(obj, pikepdf.Dictionary):  # a font's /W: thousands of numbers, no stream
            todo.extend(value for key, value in obj.items() if key not in ("/Parent", "/P", "/W"))
        elif isinstance(obj, pikepdf.Array):
            todo.extend(obj)


def _copy(book: pikepdf.Pdf, piece: pikepdf.Pdf, obj: pikepdf.Object) -> pikepdf.Object:
    """``obj`` of ``piece`` in ``book``; objects it shares with pages already copied are not copied twice."""
    return book.copy_foreign(obj if obj.is_indirect else piece.make_indirect(obj))


def _document_element(root: pikepdf.Object) -> pikepdf.Object:
    kids = root.K
    top = kids[0] if isinstance(kids, pikepdf.Array) else kids
    if isinstance(kids, pikepdf.Array) and len(kids) != 1 or top.get("/S") != pikepdf.Name.Document:
        raise ValueError("全部岗位说明书: a piece's structure tree does not start with one Document")
    if not isinstance(top.K, pikepdf.Array):
        top.K = pikepdf.Array([top.K])
    return top


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


def _to_unicode(font: pikepdf.Object) -> dict[int, str]:
    return pdf_fonts.read_to_unicode(font.ToUnicode.read_bytes()) if "/ToUnicode" in font else {}


def _widths(cid_font: pikepdf.Object) -> dict[int, float]:
    """CID → advance; CIDs without a /W entry take the font's /DW (1000 when absent)."""
    return defaultdict(lambda: float(cid_font.get("/DW", 1000)), pdf_fonts.read_widths(cid_font.get("/W", [])))
