"""Redaction: a new derived item in which boxes are burnt into page images; the original is never touched.

``redact_exhibit`` takes an exhibit's item (a PDF as received, or the exporter's rendering of a DOCX/TXT/HTML
text or an image), and writes a new PDF of the same pages in which every page carrying a box is replaced by a
picture of itself (pdfium renders it, Pillow paints the boxes black, the picture is the page's only content):
no text, font or vector object of a redacted page survives, under a box or elsewhere on that page. Pages
without a box are copied as they are (their text layer stays), without annotations, and the new document
carries no document information, XMP or outline from the original.

Boxes are given in PDF points in the page's own coordinates (origin at the bottom left of the unrotated page,
as pdfium and pdfminer.six report character boxes), or proposed over every occurrence of the case's anonymous
persons' names (``NameMatcher``: every script and case form) from pdfium's character boxes.

The derivative is stored through the ordinary ingest path (``receive`` + the stages), linked to the original
by ``ItemLink(relation="redaction")``, with ``derived_from_id`` and, in its properties, the original's id and
sha256 and the boxes; the exhibit then points at the derivative (same pages), and the audit chain records both
hashes.
"""
from __future__ import annotations

import contextlib
import ctypes
import io
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import pikepdf
from sqlalchemy import select

from archive_schema import audit
from archive_schema.cases import CaseError, get_case
from archive_schema.models import EvidenceItem, Exhibit, ItemLink
from archive_schema.search.sync import request_index

from .bundle import Part, prepare_pdfs
from .cases import NameMatcher
from .metadata import ItemMeta
from .pipeline import Context, index_pending, process, receive

RELATION = "redaction"
DPI = 150  # legible print of a typed page; a box edge is within 1/150 inch of what was asked
PAD = 1.0  # points added around a proposed box, so ascenders and descenders are covered
_BOX = re.compile(r"^\s*(\d+)\s*:\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*$")


class RedactionError(CaseError):
    """The redaction cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class Box:
    """A rectangle to black out: page (1-based, as in the item), corners in PDF points."""
    page: int
    x0: float
    y0: float
    x1: float
    y1: float


def parse_box(spec: str) -> Box:
    """``"2:72,700,300,720"`` -> Box(2, 72, 700, 300, 720); corners in either order."""
    match = _BOX.match(spec or "")
    if not match:
        raise RedactionError(f"a box is PAGE:x0,y0,x1,y1 in PDF points (e.g. 1:72,700,300,720), not {spec!r}")
    page = int(match.group(1))
    x0, y0, x1, y1 = (float(match.group(n)) for n in range(2, 6))
    if page < 1 or x0 == x1 or y0 == y1:
        raise RedactionError(f"not a box with an area on a page: {spec!r}")
    return Box(page, min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


@dataclass
class Redaction:
    item_id: str  # the derivative
    sha256: str
    original_id: str
    original_sha256: str
    boxes: list[Box]
    pages: tuple[int, int]  # the exhibit's pages in the derivative
    duplicate: bool  # the same redaction was made before: the derivative already existed


# --- finding and burning boxes ----------------------------------------------------------------------------------

def propose_boxes(pdf: Path, matcher: NameMatcher, pages: range | None = None) -> list[Box]:
    """A box over every run of characters naming an anonymous person, on ``pages`` (1-based; all by default)."""
    import pypdfium2 as pdfium

    boxes: list[Box] = []
    document = pdfium.PdfDocument(str(pdf))
    try:
        for number in pages or range(1, len(document) + 1):
            page = document[number - 1]
            textpage = page.get_textpage()
            try:
                text = _page_text(textpage)
                for start, end, _person in matcher.find(text):
                    for index in range(textpage.count_rects(start, end - start)):
                        left, bottom, right, top = textpage.get_rect(index)
                        boxes.append(Box(number, left - PAD, bottom - PAD, right + PAD, top + PAD))
            finally:
                textpage.close()
                page.close()
    finally:
        document.close()
    return boxes


def _page_text(textpage) -> str:
    """The page's text with one character per pdfium character index, so spans map onto character boxes."""
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count)
    if len(text) == count:
        return text
    # characters outside the BMP (or pdfium's own additions) shift the offsets: read them one by one
    return "".join((textpage.get_text_range(i, 1) or " ")[:1] for i in range(count))


def burn(source: Path, boxes: list[Box], out: Path, *, dpi: int = DPI) -> None:
    """Write ``source`` to ``out`` with every page that has a box replaced by its picture, boxes in black."""
    import pypdfium2 as pdfium
    from PIL import ImageDraw

    by_page: dict[int, list[Box]] = {}
    for box in boxes:
        by_page.setdefault(box.page, []).append(box)
    with contextlib.closing(pdfium.PdfDocument(str(source))) as rendered, pikepdf.open(source) as original, \
            pikepdf.new() as result:
        if max(by_page, default=0) > len(original.pages):
            raise RedactionError(f"a box is on page {max(by_page)}; the document has {len(original.pages)}")
        for number, page in enumerate(original.pages, start=1):
            if number not in by_page:
                result.pages.append(page)
                copied = result.pages[-1].obj
                for key in ("/Annots", "/Metadata", "/PieceInfo"):  # comments and page data stay behind
                    if key in copied:
                        del copied[key]
                continue
            view = rendered[number - 1]
            width_pt, height_pt = view.get_size()  # as shown, after /Rotate
            image = view.render(scale=dpi / 72, may_draw_forms=True).to_pil().convert("RGB")
            draw = ImageDraw.Draw(image)
            for box in by_page[number]:
                corners = [_to_device(view, image.size, x, y) for x in (box.x0, box.x1) for y in (box.y0, box.y1)]
                xs, ys = [c[0] for c in corners], [c[1] for c in corners]
                draw.rectangle([min(xs) - 1, min(ys) - 1, max(xs) + 1, max(ys) + 1], fill=(0, 0, 0))
            view.close()
            result.pages.append(_image_page(result, image, width_pt, height_pt))
        result.save(out, deterministic_id=True)


def _to_device(page, size: tuple[int, int], x: float, y: float) -> tuple[int, int]:
    """Page coordinates (points) to pixels of the page rendered at ``size``, rotation included (pdfium)."""
    import pypdfium2.raw as raw

    dx, dy = ctypes.c_int(), ctypes.c_int()
    raw.FPDF_PageToDevice(page.raw, 0, 0, size[0], size[1], 0, ctypes.c_double(x), ctypes.c_double(y),
                          ctypes.byref(dx), ctypes.byref(dy))
    return dx.value, dy.value


def _image_page(pdf: pikepdf.Pdf, image, width: float, height: float) -> pikepdf.Page:
    data = io.BytesIO()
    image.save(data, format="JPEG", quality=85)  # a fresh JPEG from pixels: no metadata segments
    xobject = pikepdf.Stream(pdf, data.getvalue())
    xobject.Type, xobject.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    xobject.Width, xobject.Height = image.size
    xobject.ColorSpace, xobject.BitsPerComponent = pikepdf.Name.DeviceRGB, 8
    xobject.Filter = pikepdf.Name.DCTDecode
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, width, height],
                              Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=xobject)),
                              Contents=pikepdf.Stream(pdf, f"q {width:.3f} 0 0 {height:.3f} 0 0 cm /Im0 Do Q"
                                                      .encode()))
    return pikepdf.Page(page)


# --- an exhibit's redacted derivative ---------------------------------------------------------------------------

def redact_exhibit(ctx: Context, case_id: str, exhibit_ref: str, *, boxes: list[Box] = (), auto: bool = False,
                   actor: str = audit.SYSTEM) -> Redaction:
    """Make the redacted derivative of an exhibit's item, store it, and point the exhibit at it.

    ``exhibit_ref`` is the exhibit's id or number. With ``auto`` the anonymous persons' names are boxed on
    every page of the item (not only the exhibit's: the derivative is a whole document); ``boxes`` are added.
    An exhibit already showing a derivative is redacted again from the original, with the earlier boxes and
    the new ones: a derivative is always one step from its original, and the same boxes give the same bytes.
    """
    if not auto and not boxes:
        raise RedactionError("nothing to redact: give boxes, or ask for the names to be found (auto)")
    with ctx.db.reader() as session:
        case = get_case(session, case_id)
        exhibit = _exhibit(case, exhibit_ref)
        item, earlier, pages = exhibit.item, [], (exhibit.page_start, exhibit.page_end)
        previous = (item.properties or {}).get("redaction_of") if item.redaction_state == "redacted" else None
        if previous:
            earlier = [Box(**b) for b in previous["boxes"]]
            pages = _item_pages(previous.get("page_map"), pages)
            item = session.get(EvidenceItem, previous["item_id"])
        matcher = NameMatcher(session, case.persons)
        if auto and not matcher.words:
            raise RedactionError("the case has no anonymous person whose names could be found")
        original = Part(exhibit.id, "", item.id, item.sha256, item.media_type, matcher.redact(item.filename),
                        1, 1 if item.media_type.startswith("image/") else (item.page_count or 0), "", "")
        if original.page_end < 1:
            raise RedactionError(f"item {item.id} has no extracted pages ({item.state}): process it first")
        exhibit_id = exhibit.id
        meta = _inherited(item, matcher)
    with tempfile.TemporaryDirectory(prefix="svidok-redact-") as tmp, contextlib.ExitStack() as stack:
        work = Path(tmp)
        prepare_pdfs(ctx, stack, work, [original])  # a PDF is used as received; other types are rendered
        page_of = dict(original.page_map or [])  # item page -> first page of the PDF showing it
        rendered_pages = original.first_index + original.count
        if set(boxes) - set(earlier) and original.media_type != "application/pdf":
            raise RedactionError("boxes in points are for PDF items; for other types use auto (their pages are "
                                 "rendered first, so their coordinates are not the item's)")
        found = propose_boxes(original.pdf, matcher) if auto else []
        chosen = list(dict.fromkeys([*earlier, *boxes, *found]))
        if not chosen:
            raise RedactionError("no name of an anonymous person was found in the item's text; nothing to redact")
        bad = [b for b in chosen if b.page > rendered_pages]
        if bad:
            raise RedactionError(f"box on page {bad[0].page}; the item has {rendered_pages} pages")
        out = work / "redacted.pdf"
        burn(original.pdf, chosen, out)
        stem = original.filename.rsplit(".", 1)[0] if "." in original.filename else original.filename
        name = f"{stem}.redacted.pdf"
        with out.open("rb") as stream:
            received = receive(ctx, stream, name, meta, actor=actor, via="redact", parent=(item.id, RELATION, name))
    process(ctx, received.item_id)
    index_pending(ctx)
    first = page_of.get(pages[0], pages[0] - 1) + 1
    last_of_next = page_of.get(pages[1] + 1)
    last = last_of_next if last_of_next is not None else rendered_pages
    if original.media_type == "application/pdf":
        first, last = pages
    record = {"item_id": item.id, "sha256": item.sha256, "boxes": [asdict(b) for b in chosen], "auto": auto,
              "page_map": [[page, index + 1] for page, index in original.page_map or []]}
    with ctx.db.sessions.begin() as session:
        derived = session.get(EvidenceItem, received.item_id)
        derived.derived_from_id = item.id
        derived.redaction_state = "redacted"
        derived.properties = {**(derived.properties or {}), "redaction_of": record}
        for field in ("classification", "collection_id", "doc_type", "doc_date_start", "doc_date_end",
                      "doc_date_precision", "consent_ref", "languages"):
            setattr(derived, field, getattr(session.get(EvidenceItem, item.id), field))
        exhibit = session.get(Exhibit, exhibit_id)
        exhibit.item_id, exhibit.page_start, exhibit.page_end = derived.id, first, last
        # the index must carry the derivative's copied classification and both items' case membership
        request_index(session, derived.id)
        request_index(session, item.id)
        audit.record(session, "case.exhibit.redact", actor=actor, object_type="case", object_id=case_id,
                     details={"exhibit": exhibit.id, "number": exhibit.number, "original": item.id,
                              "original_sha256": item.sha256, "derivative": derived.id,
                              "derivative_sha256": derived.sha256, "boxes": len(chosen), "auto": auto})
    index_pending(ctx)
    return Redaction(received.item_id, received.sha256, item.id, item.sha256, chosen, (first, last),
                     received.duplicate)


def _item_pages(page_map: list[list[int]] | None, pages: tuple[int, int]) -> tuple[int, int]:
    """A derivative's page range as the original item's pages (the same for PDFs, mapped for renderings)."""
    if not page_map:
        return pages
    inside = [item_page for item_page, first in page_map if pages[0] <= first <= pages[1]]
    return (min(inside), max(inside)) if inside else pages


def _exhibit(case, ref: str) -> Exhibit:
    for exhibit in case.exhibits:
        if ref in (exhibit.id, exhibit.number):
            return exhibit
    raise RedactionError(f"no exhibit {ref!r} in case {case.id}")


def _inherited(item: EvidenceItem, matcher: NameMatcher) -> ItemMeta:
    """What the derivative is received with: never a looser classification; a title without the names it hides."""
    return ItemMeta(title=matcher.redact(item.title or "") or None, classification=item.classification)


def redactions_of(session, item_id: str) -> list[str]:
    """The ids of the redacted derivatives of an item, oldest first."""
    return list(session.scalars(select(ItemLink.child_id).where(ItemLink.parent_id == item_id,
                                                                ItemLink.relation == RELATION)
                                .order_by(ItemLink.id)))
