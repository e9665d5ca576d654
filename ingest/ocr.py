"""OCR: Tesseract (Debian's, through pytesseract) reads the pages that have no text layer.

The ``ocr`` stage runs after ``extract`` for images and PDFs with at least one empty page:

* each such page is rendered (PDF pages at 300 dpi with PDFium; image frames as they are) and read by
  ``recognise`` in a thread pool as wide as the worker's cores (each Tesseract is a subprocess limited to one
  thread with ``OMP_THREAD_LIMIT=1``, so N pages use N cores, not N x N);
* the result is a **text layer**: a JSON file (engine, languages, per page the text, the mean word confidence,
  and every word with its box and confidence) received like any upload and linked to the original as a derived
  item (``ItemLink`` relation ``ocr``, ``derived_from_id``). The original's bytes are never touched;
* the original's empty ``Page`` rows get the OCR text and ``ocr_confidence`` (0..1), so search finds them and a
  hit cites the original's page number.

The text layer is also the cache: before any Tesseract run the stage looks for a layer already linked to this
original (an item is its content hash) made by the same engine key (Tesseract version, languages, dpi, this
module's version); when there is one, its pages are applied again and Tesseract is not called. ``svidok
reprocess extract`` therefore redoes extraction but not OCR; bump ``STAGES["ocr"]`` to force new OCR (also the
way to read again with other languages: the languages are chosen once, when a page is first read).
"""
from __future__ import annotations

import functools
import io
import json
import logging
import os
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

from PIL import Image, ImageFilter

log = logging.getLogger(__name__)

DPI = 300
#: Tesseract's names for the languages svidok knows
TESSERACT_LANGS = {"uk": "ukr", "ru": "rus", "en": "eng"}
DEFAULT_LANGS = "ukr+rus+eng"
#: images at least this long on one side are despeckled before OCR (A4 at 150 dpi is 1754 px tall)
DESPECKLE_FROM = 1500
LAYER_FORMAT = "svidok-ocr-layer/1"
LAYER_MEDIA_TYPE = "application/vnd.svidok.ocr-layer+json"
#: the first bytes of every text layer (the extractor for layers sniffs them)
LAYER_SIGNATURE = b'{"format": "' + LAYER_FORMAT.encode() + b'"'


class OcrError(Exception):
    """OCR could not run (Tesseract missing, language data missing, Tesseract failed on a page)."""


@dataclass
class Word:
    text: str
    confidence: float  # 0..1
    box: tuple[int, int, int, int]  # left, top, width, height in pixels of the rendered page


@dataclass
class OcrPage:
    text: str
    confidence: float | None  # mean word confidence 0..1; None when no word was found
    width: int = 0
    height: int = 0
    words: list[Word] = field(default_factory=list)


def available() -> bool:
    return shutil.which("tesseract") is not None


@functools.cache
def tesseract_version() -> str:
    import pytesseract

    return str(pytesseract.get_tesseract_version())


@functools.cache
def installed_languages() -> frozenset[str]:
    import pytesseract

    return frozenset(pytesseract.get_languages(config=""))


def languages_for(item_languages: list[str] | None) -> str:
    """Tesseract languages: the item's own when all are known (from its metadata), else uk+ru+en."""
    chosen = [TESSERACT_LANGS[code] for code in (item_languages or []) if code in TESSERACT_LANGS]
    if not chosen or len(chosen) != len(item_languages or []):
        return DEFAULT_LANGS
    return "+".join(dict.fromkeys(chosen))


def engine_key(dpi: int = DPI) -> str:
    """What makes two OCR results interchangeable; a layer made with another key is not reused.

    The languages are not part of it: an item's languages are often detected from the OCR text itself, and
    that must not make the next run miss the cache. The layer records the languages it was read with.
    """
    from archive_schema.vocab import STAGES

    return f"tesseract {tesseract_version()} dpi={dpi} svidok-ocr={STAGES['ocr']}"


def recognise(image: Image.Image, langs: str = DEFAULT_LANGS) -> OcrPage:
    """Read one page image with Tesseract: its text (lines and paragraphs as found) and word confidences.

    This is the one place Tesseract is run on a page.
    """
    import pytesseract

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one thread per Tesseract; the pool gives the parallelism
    image = prepare(image)
    try:
        data = pytesseract.image_to_data(image, lang=langs, output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractError as exc:
        raise OcrError(f"Tesseract failed: {exc.message or exc}") from exc
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrError("Tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-ukr "
                       "tesseract-ocr-rus)") from exc
    return _page_from_data(data, image.size)


def prepare(image: Image.Image) -> Image.Image:
    """Greyscale, and on a page scanned at ~150 dpi or more a 3x3 median filter: dust and speckle are smaller
    than a stroke there, and removing them takes the bench's noisy scans from 3-10 % CER to under 1 %."""
    image = image.convert("L") if image.mode != "L" else image
    if max(image.size) >= DESPECKLE_FROM:
        image = image.filter(ImageFilter.MedianFilter(3))
    return image


def _page_from_data(data: dict[str, list], size: tuple[int, int]) -> OcrPage:
    words: list[Word] = []
    lines: list[str] = []
    current: list[str] = []
    last_line = last_par = None
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        par = (data["block_num"][i], data["par_num"][i])
        line = (*par, data["line_num"][i])
        if line != last_line and current:
            lines.append(" ".join(current))
            current = []
            if par != last_par:
                lines.append("")  # a blank line between paragraphs
        last_line, last_par = line, par
        current.append(text)
        words.append(Word(text, round(conf / 100, 3),
                          (data["left"][i], data["top"][i], data["width"][i], data["height"][i])))
    if current:
        lines.append(" ".join(current))
    confidence = round(sum(w.confidence for w in words) / len(words), 3) if words else None
    return OcrPage("\n".join(lines).strip(), confidence, size[0], size[1], words)


def workers() -> int:
    """The worker's cores (as this process may use them)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def recognise_all(images: Iterator[tuple[int, Image.Image]], langs: str, *,
                  threads: int | None = None) -> Iterator[tuple[int, OcrPage]]:
    """OCR (number, image) pairs in parallel, yielding (number, page) in input order.

    Images are taken from the iterator only as threads free up (at most two per thread wait), so a 2,000-page
    scan is never rendered whole into memory.
    """
    threads = threads or workers()
    window: list[tuple[int, Future[OcrPage]]] = []
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ocr") as pool:
        for number, image in images:
            window.append((number, pool.submit(_recognise_in_pool, image, langs)))
            while len(window) >= 2 * threads:
                done_number, future = window.pop(0)
                yield done_number, future.result()
        for done_number, future in window:
            yield done_number, future.result()


def _recognise_in_pool(image: Image.Image, langs: str) -> OcrPage:
    return recognise(image, langs)  # looked up at call time: one function to count or replace


# --- the text layer (a derived item) -------------------------------------------------------------------------

def layer_bytes(source_sha256: str, key: str, langs: str, pages: dict[int, OcrPage]) -> bytes:
    """The text layer as canonical JSON (same OCR, same bytes)."""
    body = {
        "format": LAYER_FORMAT,
        "source_sha256": source_sha256,
        "engine": key,
        "languages": langs,
        "pages": [{"number": n, **_page_dict(p)} for n, p in sorted(pages.items())],
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")  # starts with LAYER_SIGNATURE


def _page_dict(page: OcrPage) -> dict:
    found = asdict(page)
    found["words"] = [[w.text, w.confidence, *w.box] for w in page.words]  # compact: text, conf, l, t, w, h
    return found


def read_layer(data: bytes) -> dict:
    """A text layer's JSON, checked; ValueError when the bytes are not one."""
    if not data.startswith(LAYER_SIGNATURE):
        raise ValueError("not an OCR text layer (it does not start with the layer signature)")
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"damaged OCR text layer: {exc}") from exc
    pages = body.get("pages") if isinstance(body, dict) else None
    if not isinstance(pages, list) or not all(isinstance(p, dict) and isinstance(p.get("number"), int)
                                              and isinstance(p.get("text"), str) for p in pages):
        raise ValueError("damaged OCR text layer: no list of pages with number and text")
    return body


def layer_pages(body: dict) -> dict[int, OcrPage]:
    return {p["number"]: OcrPage(p["text"], p.get("confidence"), p.get("width", 0), p.get("height", 0))
            for p in body["pages"]}


# --- the ocr stage -------------------------------------------------------------------------------------------

@dataclass
class _Job:
    item_id: str
    run_id: str
    sha256: str
    filename: str
    is_image: bool
    langs: str
    empty: list[int]  # PDF pages without a text layer


def run_ocr(ctx, item_id: str, version: str) -> None:
    """The ``ocr`` stage for one item: a no-op for items with a text layer on every page."""
    from archive_schema.models import Page

    from .extractors import ExtractionError
    from .images import ImageError
    from .pipeline import begin_stage, fail_stage

    with ctx.db.sessions.begin() as session:
        claimed = begin_stage(session, item_id, "ocr", version, ctx.settings.stages)
        if claimed is None:
            return
        item, run = claimed
        is_image = item.media_type.startswith("image/")
        empty: list[int] = []
        if item.media_type == "application/pdf":  # page text may be encrypted at rest: test it here, not in SQL
            from sqlalchemy import select

            rows = session.execute(select(Page.number, Page.text).where(Page.item_id == item_id)
                                   .order_by(Page.number).execution_options(yield_per=500))
            empty = [number for number, text in rows if not (text or "").strip()]
        job = _Job(item_id, run.id, item.sha256, item.filename, is_image, languages_for(item.languages), empty)
    try:
        if job.is_image or job.empty:
            _ocr_item(ctx, job)
        else:
            _finish(ctx, job, {}, None, {})
    except (OcrError, ImageError, ExtractionError) as exc:
        fail_stage(ctx, item_id, job.run_id, str(exc))
    except Exception as exc:  # a bug or a library crash: the item fails, the batch goes on, the log has it
        log.exception("OCR of %s (%s) failed", job.filename, item_id)
        fail_stage(ctx, item_id, job.run_id, f"internal error during OCR ({type(exc).__name__}: {exc})"[:2000])


def _ocr_item(ctx, job: _Job) -> None:
    from .extractors.pdf import render_pages
    from .images import facts, frames, open_image

    image_facts: dict = {}
    with ctx.local_copy(job.sha256) as path:
        if job.is_image:
            with open_image(path) as image:
                numbers = list(range(1, getattr(image, "n_frames", 1) + 1))
                if len(numbers) > ctx.settings.max_pages:
                    raise OcrError(f"more than {ctx.settings.max_pages:,} frames (SVIDOK_MAX_PAGES)")
                decoded = frames(image)
                first = next(decoded)
                image_facts = facts(image, first)
                if not available():
                    return _finish(ctx, job, {}, None, image_facts, numbers)
                key = engine_key()
                cached = _cached_layer(ctx, job, key, numbers)
                if cached:
                    return _finish(ctx, job, cached[1], cached[0], image_facts, numbers)
                pages = dict(recognise_all(_numbered(first, decoded), job.langs))
        else:
            numbers = job.empty
            if not available():
                return _finish(ctx, job, {}, None, {})
            key = engine_key()
            cached = _cached_layer(ctx, job, key, numbers)
            if cached:
                return _finish(ctx, job, cached[1], cached[0], {})
            pages = dict(recognise_all(render_pages(path, numbers, DPI), job.langs))
    layer_id = _store_layer(ctx, job, key, pages)
    _finish(ctx, job, pages, layer_id, image_facts, numbers if job.is_image else None)


def _numbered(first: Image.Image, rest: Iterator[Image.Image]) -> Iterator[tuple[int, Image.Image]]:
    yield 1, first
    for number, frame in enumerate(rest, start=2):
        yield number, frame


def _cached_layer(ctx, job: _Job, key: str, numbers: list[int]) -> tuple[str, dict[int, OcrPage]] | None:
    """A text layer already made for these bytes by the same engine key, covering the pages asked for."""
    import contextlib

    from sqlalchemy import select

    from archive_schema.models import EvidenceItem, ItemLink

    with ctx.db.reader() as session:
        layers = session.execute(select(EvidenceItem.id, EvidenceItem.sha256)
                                 .join(ItemLink, ItemLink.child_id == EvidenceItem.id)
                                 .where(ItemLink.parent_id == job.item_id, ItemLink.relation == "ocr")).all()
    for layer_id, layer_sha in layers:
        try:
            with contextlib.closing(ctx.blobs.open(layer_sha)) as fh:
                body = read_layer(fh.read())
        except Exception as exc:  # a missing or damaged layer is no cache: OCR again
            log.warning("OCR layer %s of %s not usable as cache: %s", layer_id, job.item_id, exc)
            continue
        if body.get("engine") == key and body.get("source_sha256") == job.sha256:
            pages = layer_pages(body)
            if set(numbers) <= set(pages):
                return layer_id, pages
    return None


def _store_layer(ctx, job: _Job, key: str, pages: dict[int, OcrPage]) -> str:
    """Receive the text layer like any upload, linked to the original (relation ``ocr``)."""
    from archive_schema.models import EvidenceItem

    from .metadata import ItemMeta
    from .pipeline import _inherit_meta, receive

    name = f"{Path(job.filename).stem}.ocr.json"
    received = receive(ctx, io.BytesIO(layer_bytes(job.sha256, key, job.langs, pages)), name, ItemMeta(),
                       via="ocr", parent=(job.item_id, "ocr", name))
    _inherit_meta(ctx, job.item_id, received)  # never looser than the original
    with ctx.db.sessions.begin() as session:
        layer = session.get(EvidenceItem, received.item_id)
        layer.derived_from_id = job.item_id
        layer.title = layer.title or f"OCR text layer of {job.filename}"[:1000]
    return received.item_id


def _finish(ctx, job: _Job, pages: dict[int, OcrPage], layer_id: str | None, image_facts: dict,
            frame_numbers: list[int] | None = None) -> None:
    """Put the OCR text on the original's pages, record what was done, close the stage run."""
    from sqlalchemy import delete, update

    from archive_schema.models import EvidenceItem, Page, StageRun, utcnow
    from archive_schema.vocab import ItemState, StageState

    from .pipeline import clean_page_text, settle_item_state

    limit = ctx.settings.max_page_chars
    with ctx.db.sessions.begin() as session:
        item = session.get(EvidenceItem, job.item_id)
        if frame_numbers is not None:  # an image's pages are its frames; extraction made none
            session.execute(delete(Page).where(Page.item_id == job.item_id))
            for number in frame_numbers:
                page = pages.get(number)
                session.add(Page(item_id=job.item_id, number=number,
                                 text=clean_page_text(page.text, limit)[0] if page else "",
                                 ocr_confidence=page.confidence if page else None))
            item.page_count = len(frame_numbers)
        else:
            for number, page in pages.items():
                session.execute(update(Page).where(Page.item_id == job.item_id, Page.number == number)
                                .values(text=clean_page_text(page.text, limit)[0], ocr_confidence=page.confidence))
        props = dict(item.properties or {})
        props.update(image_facts)
        if job.is_image or job.empty:
            if layer_id is None:
                props["ocr"] = {"skipped": "Tesseract is not installed; the item waits for OCR"}
            else:
                confidences = [p.confidence for p in pages.values() if p.confidence is not None]
                props["ocr"] = {"layer": layer_id, "languages": job.langs, "pages": len(pages),
                                "mean_confidence": round(sum(confidences) / len(confidences), 3)
                                if confidences else None}
                if item.state == ItemState.needs_ocr.value:
                    item.state = ItemState.processing.value
        item.properties = props
        run = session.get(StageRun, job.run_id)
        run.state, run.finished_at = StageState.done.value, utcnow()
        settle_item_state(session, item, ctx.settings.stages)
