"""PDF: the text layer, page by page, in page-tree order (page 1 first).

Two engines give the same interface: ``pdfminer_pages`` (pdfminer.six, the reference) and ``pdfium_pages``
(pypdfium2, about 20 times faster on text-layer PDFs and measured by ``bench/ingest.py`` to give the same text
once whitespace is normalised). ``SVIDOK_PDF_ENGINE`` picks one (default ``pdfium``); a page without a text
layer yields ``""`` so the pipeline can mark the item ``needs_ocr`` (the ``ocr`` stage then renders such pages
with ``render_pages`` and reads them: ``ingest.ocr``). PDFium counts the pages really in the
page tree, so a forged ``/Count`` does not stop it; pdfminer.six refuses such a file up front.

Failure reasons: "encrypted PDF: needs the password", "damaged PDF: ...", "not a PDF: ...",
"PDF declares 5,000,000 pages; the limit is 20,000" (checked before any page is read).
Properties: ``title``, ``author``, ``creator``, ``producer``, ``created``, ``modified`` (ISO 8601 where the
PDF date parses, else as written), ``declared_pages``.
"""
from __future__ import annotations

import io
import itertools
import re
import struct
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
from pdfminer.converter import TextConverter
from pdfminer.layout import LAParams
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect, PDFSyntaxError
from pdfminer.pdfexceptions import PDFException
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.psexceptions import PSException
from pdfminer.pdftypes import PDFObjRef, resolve1
from pdfminer.utils import decode_text

from . import ExtractionError, Extractor, Source, register
from .text import looks_like_text

#: PDFium writes U+0002 for a hyphen at a line end and joins the lines; pdfminer.six keeps both, as printed
_PDFIUM_SOFT_HYPHEN = str.maketrans({"\x02": "-\n"})
DEFAULT_MAX_PAGES = 20_000
#: pdfminer reports a malformed file through many exception types, not only its own; all mean "damaged"
PDFMINER_ERRORS = (PDFException, PSException, KeyError, TypeError, ValueError, AttributeError, IndexError,
                   AssertionError, RecursionError, OverflowError, struct.error, zlib.error, EOFError)
_INFO_KEYS = {"Title": "title", "Author": "author", "Creator": "creator", "Producer": "producer",
              "CreationDate": "created", "ModDate": "modified"}
_PDF_DATE = re.compile(r"^D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+\-])?(\d{2})?'?(\d{2})?'?")


@register
class PdfExtractor(Extractor):
    media_types = ("application/pdf",)
    extensions = ("pdf",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        # readers accept junk before the header within the first KiB; so do we
        return b"%PDF-" in head[:1024]

    def pages(self, source: Source) -> Iterator[str]:
        if not self.sniff(source.head):
            kind = "it is plain text" if looks_like_text(source.head) else f"it begins {source.head[:8]!r}"
            raise ExtractionError(f"not a PDF: no %PDF- header ({kind})")
        options = {"max_pages": source.settings.max_pages, "properties": source.properties}
        if source.settings.pdf_engine == "pdfminer":
            yield from pdfminer_pages(source.path, **options)
            return
        done = 0
        try:
            for text in pdfium_pages(source.path, **options):
                yield text
                done += 1
        except ExtractionError as exc:
            if str(exc).startswith("encrypted PDF"):
                raise
            # PDFium gave up on a damaged or forged page tree: the reference engine reads what it can from there
            yield from itertools.islice(pdfminer_pages(source.path, **options), done, None)


def pdfminer_pages(path: Path, *, max_pages: int = DEFAULT_MAX_PAGES,
                   properties: dict[str, Any] | None = None) -> Iterator[str]:
    """Each page's text with pdfminer.six, one page in memory at a time."""
    with path.open("rb") as fp:
        try:
            document = _GuardedDocument(PDFParser(fp), password="")
        except PDFPasswordIncorrect as exc:
            raise ExtractionError("encrypted PDF: needs the password") from exc
        except PDFEncryptionError as exc:
            raise ExtractionError(f"encrypted PDF: {exc}") from exc
        except PDFMINER_ERRORS as exc:
            raise ExtractionError(f"damaged PDF: {_reason(exc)}") from exc
        try:
            declared = _declared_pages(document)
            info = document.info[0] if document.info else {}
        except PDFMINER_ERRORS as exc:
            raise ExtractionError(f"damaged PDF: {_reason(exc)}") from exc
        _check_declared(declared, max_pages, properties)
        if properties is not None:
            properties.update(_pdfminer_info(info))
        resources = PDFResourceManager(caching=True)
        laparams = LAParams()
        pages = PDFPage.create_pages(document)
        number = 0
        while True:
            number += 1
            try:
                page = next(pages, None)
                if page is None:
                    break
                out = io.StringIO()
                device = TextConverter(resources, out, laparams=laparams)
                try:
                    PDFPageInterpreter(resources, device).process_page(page)
                finally:
                    device.close()
            except PDFMINER_ERRORS as exc:
                raise ExtractionError(f"damaged PDF: page {number}: {_reason(exc)}") from exc
            yield _clean(out.getvalue())
        if number == 1:
            raise ExtractionError("damaged PDF: no pages found")


def pdfium_pages(path: Path, *, max_pages: int = DEFAULT_MAX_PAGES,
                 properties: dict[str, Any] | None = None) -> Iterator[str]:
    """Each page's text with pypdfium2 (PDFium), one page in memory at a time."""
    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium_raw.FPDF_ERR_PASSWORD:
            raise ExtractionError("encrypted PDF: needs the password") from exc
        if getattr(exc, "err_code", None) == pdfium_raw.FPDF_ERR_SECURITY:
            raise ExtractionError("encrypted PDF: unsupported security handler") from exc
        raise ExtractionError(f"damaged PDF: {exc}") from exc
    try:
        count = len(document)
        _check_declared(count, max_pages, properties)
        if properties is not None:
            properties.update(_pdfium_info(document))
        if count == 0:
            raise ExtractionError("damaged PDF: no pages found")
        for index in range(count):
            try:
                page = document[index]
            except pdfium.PdfiumError as exc:
                raise ExtractionError(f"damaged PDF: page {index + 1}: {exc}") from exc
            try:
                textpage = page.get_textpage()
                text = textpage.get_text_bounded()
                textpage.close()
            finally:
                page.close()
            yield _clean(text.replace("\r\n", "\n").replace("\r", "\n").translate(_PDFIUM_SOFT_HYPHEN))
    finally:
        document.close()


ENGINES: dict[str, Callable[..., Iterator[str]]] = {"pdfminer": pdfminer_pages, "pdfium": pdfium_pages}


class _GuardedDocument(PDFDocument):
    """pdfminer's document, minus a hang: an object that is a reference to itself (or a ring of them).

    ``resolve1`` follows references in a ``while`` loop, so ``5 0 obj 5 0 R endobj`` (one flipped byte can make
    it) spins forever. Following the chain here, with a memory of where we have been, ends it as damage.
    """

    def getobj(self, objid: int) -> object:
        found = super().getobj(objid)
        seen = {objid}
        while isinstance(found, PDFObjRef):
            if found.objid in seen:
                raise PDFSyntaxError(f"object {objid} refers to itself through a ring of references")
            seen.add(found.objid)
            found = super().getobj(found.objid)
        return found


def _declared_pages(document: PDFDocument) -> int | None:
    pages = resolve1(document.catalog.get("Pages"))
    if not isinstance(pages, dict):
        return None
    count = resolve1(pages.get("Count"))
    return count if isinstance(count, int) else None


def _check_declared(declared: int | None, max_pages: int, properties: dict[str, Any] | None) -> None:
    if declared is None:
        return
    if properties is not None:
        properties["declared_pages"] = declared
    if declared > max_pages:
        raise ExtractionError(f"PDF declares {declared:,} pages; the limit is {max_pages:,}")


def _clean(text: str) -> str:
    """Drop the form feed the converter ends a page with; a page with only whitespace has no text layer."""
    text = text.rstrip("\f")
    return text if text.strip() else ""


def _pdfminer_info(info: dict[str, Any]) -> dict[str, str]:
    found = {}
    for key, name in _INFO_KEYS.items():
        value = resolve1(info.get(key))
        if isinstance(value, bytes):
            value = decode_text(value)
        if isinstance(value, str) and value.strip():
            found[name] = _iso_date(value) if name in ("created", "modified") else value.strip()
    return found


def _pdfium_info(document: pdfium.PdfDocument) -> dict[str, str]:
    found = {}
    for key, value in document.get_metadata_dict(skip_empty=True).items():
        name = _INFO_KEYS.get(key)
        if name:
            found[name] = _iso_date(value) if name in ("created", "modified") else value.strip()
    return found


def _iso_date(value: str) -> str:
    """A PDF date (``D:20240314093000+02'00'``) as ISO 8601; the text as written when it does not parse."""
    match = _PDF_DATE.match(value.strip())
    if not match:
        return value.strip()
    year, month, day, hour, minute, second, sign, tz_hour, tz_minute = match.groups()
    try:
        tz = None
        if sign in ("Z", "z"):
            tz = timezone.utc
        elif sign in ("+", "-"):
            offset = timedelta(hours=int(tz_hour or 0), minutes=int(tz_minute or 0))
            tz = timezone(offset if sign == "+" else -offset)
        moment = datetime(int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
                          int(second or 0), tzinfo=tz)
    except ValueError:
        return value.strip()
    return moment.isoformat()


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "…"


#: a PDF page rendered for OCR never exceeds this many pixels (a page declaring 5 m x 5 m would otherwise be a
#: decompression bomb); A4 at 300 dpi is 8.7 million
MAX_RENDER_PIXELS = 40_000_000


def render_pages(path: Path, numbers: list[int], dpi: int = 300) -> Iterator[tuple[int, Any]]:
    """(number, PIL image) for the chosen pages (1-based), rendered at ``dpi`` (less for an oversized page).

    PDFium is not thread-safe: call this from one thread and hand the images to the OCR pool.
    """
    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        raise ExtractionError(f"damaged PDF: {exc}") from exc
    try:
        for number in numbers:
            try:
                page = document[number - 1]
            except (pdfium.PdfiumError, IndexError) as exc:
                raise ExtractionError(f"damaged PDF: page {number}: {exc}") from exc
            try:
                width, height = page.get_size()  # points
                scale = dpi / 72
                pixels = width * height * scale * scale
                if pixels > MAX_RENDER_PIXELS:
                    scale *= (MAX_RENDER_PIXELS / pixels) ** 0.5
                image = page.render(scale=scale, grayscale=True).to_pil()
            finally:
                page.close()
            yield number, image
    finally:
        document.close()
