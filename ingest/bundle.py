"""Court bundles: one ZIP a lawyer files, and ``verify_bundle`` to prove later that it is what was exported.

Layout of the ZIP (file names ASCII, as the ECHR's eComms asks)::

    bundle.pdf       cover, [ICC sections,] index of documents, chronology, then every exhibit;
                     one page sequence, every page stamped "REF | Exhibit N | Bundle page n of M | MARKING"
    index.csv        number, date, description, item pages, first and last bundle page
    chronology.json  dated facts with their exhibits, item pages and bundle pages
    manifest.json    per exhibit: number, item id, source sha256, item pages, bundle pages, page map;
                     the sha256 of every other file
    manifest.sha256  the manifest's own hash (also recorded in the audit chain as ``case.export``)

PDF pages are copied page by page from the originals (pikepdf: qpdf copies the page objects and reads their
streams from the source files only while writing, so memory stays bounded by the page tree, not the bytes; it
also repairs the damaged PDFs archives are full of, and is fast). DOCX/TXT/HTML/e-mail exhibits are rendered
from their extracted page texts (fpdf2, DejaVu); images are re-encoded by Pillow from their pixels alone (no
EXIF/GPS, no text chunks) and placed on a page. JPEG streams inside copied PDF pages lose their APPn metadata.
Nothing generated carries an anonymous person's real name: every text from case data goes through
``NameMatcher.redact``, and an exhibit whose pages name such a person blocks the export.
"""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pikepdf
from fpdf import FPDF
from sqlalchemy import select

from archive_schema import audit
from archive_schema.cases import ICC_SECTIONS, get_case, ordered_exhibits, qualifications, visible_items
from archive_schema.models import Case, Exhibit, Page

from .cases import NameMatcher, Warning, case_warnings
from .pipeline import Context

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
FORMAT = "svidok-bundle/1"
FILES = ("bundle.pdf", "index.csv", "chronology.json", "manifest.json")
STAMP_SIZE = 8  # points, Courier: every glyph is 0.6 em wide, so the stamp's width is known exactly
STAMP_RE = re.compile(r"(?:Exhibit (\S+) \| )?Bundle page (\d+) of (\d+)")
FORUM_TITLES = {"echr": "Application to the European Court of Human Rights: documents",
                "icc": "Communication to the Prosecutor of the International Criminal Court (Article 15)",
                "un": "Communication to a United Nations body: documents", "national": "Documents"}
PLACEHOLDER = "[To be completed by counsel.]"


class ExportError(Exception):
    """The bundle cannot be made; the message says why (and, when blocked, which warnings block it)."""

    def __init__(self, message: str, warnings: list[Warning] | None = None):
        super().__init__(message)
        self.warnings = warnings or []


@dataclass
class ExportResult:
    path: Path
    manifest_sha256: str
    pages: int
    warnings: list[Warning]


@dataclass
class Part:
    """One exhibit as it goes into the bundle."""
    exhibit_id: str
    number: str
    item_id: str
    sha256: str
    media_type: str
    filename: str
    page_start: int
    page_end: int
    date: str
    description: str
    pdf: Path | None = None  # the rendered or original PDF holding the pages
    first_index: int = 0  # the page of ``pdf`` where the exhibit starts (0-based)
    count: int = 0  # bundle pages it takes
    page_map: list[tuple[int, int]] | None = None  # (item page, offset of its first bundle page)
    bundle_first: int = 0
    redaction_of: dict[str, str] | None = None  # {"item_id", "sha256"} of the original a derivative redacts
    shared: bool = False  # ``pdf`` is the rendering shared by the text and image parts (their own pages in it)

    @property
    def caption(self) -> str:
        """How rendered pages introduce themselves: "Exhibit A-3: " (nothing outside a bundle)."""
        return f"Exhibit {self.number}: " if self.number else ""

    @property
    def bundle_last(self) -> int:
        return self.bundle_first + self.count - 1

    def bundle_page_of(self, item_page: int) -> int:
        offsets = dict(self.page_map or [])
        return self.bundle_first + offsets.get(item_page, item_page - self.page_start)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fp:
        while chunk := fp.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


# --- export -----------------------------------------------------------------------------------------------------

def export_bundle(ctx: Context, case_id: str, forum: str, out: Path, *, actor: str = audit.SYSTEM,
                  today: dt.date | None = None) -> ExportResult:
    """Write the bundle of ``case_id`` for ``forum`` to ``out`` (a ZIP) and record its manifest hash."""
    with ctx.db.reader() as session:
        case = get_case(session, case_id)
        warnings = case_warnings(session, case_id, forum, today=today)
        blocking = [w for w in warnings if w.blocking]
        if blocking:
            raise ExportError("; ".join(w.message for w in blocking), warnings)
        matcher = NameMatcher(session, case.persons)
        visible = set(session.scalars(visible_items(session, actor)))
        exhibits = [e for e in ordered_exhibits(case, forum) if e.item_id in visible]
        if not exhibits:
            raise ExportError("the case has no exhibits to export")
        parts = [_part(e, matcher) for e in exhibits]
        front_data = _front_data(case, forum, parts, matcher)
        front_data["marking"] = marking([e.item.classification for e in exhibits])
    with tempfile.TemporaryDirectory(prefix="svidok-bundle-") as tmp, contextlib.ExitStack() as stack:
        work = Path(tmp)
        prepare_pdfs(ctx, stack, work, parts)
        front, front_pages, marks = _front_matter(front_data, parts, work)
        total = front_pages + sum(p.count for p in parts)
        pdf_path = work / "bundle.pdf"
        _assemble(stack, front, marks, parts, front_data, total, pdf_path)
        files = {"bundle.pdf": pdf_path, "index.csv": work / "index.csv", "chronology.json": work / "chronology.json"}
        _write_index(parts, files["index.csv"])
        _write_json(front_data["chronology"], files["chronology.json"])
        manifest = {"format": FORMAT, "case": {"id": case_id, "reference": front_data["reference"]},
                    "forum": forum, "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    "front_matter_pages": [1, front_pages], "bundle_pages": total,
                    "exhibits": [_manifest_entry(p) for p in parts],
                    "files": {name: sha256_file(path) for name, path in files.items()}}
        manifest_path = work / "manifest.json"
        _write_json(manifest, manifest_path)
        manifest_sha256 = sha256_file(manifest_path)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, path in [*files.items(), ("manifest.json", manifest_path)]:
                archive.write(path, name)
            archive.writestr("manifest.sha256", f"{manifest_sha256}  manifest.json\n")
        partial.replace(out)
    with ctx.db.sessions.begin() as session:
        audit.record(session, "case.export", actor=actor, object_type="case", object_id=case_id,
                     details={"forum": forum, "manifest_sha256": manifest_sha256, "pages": total,
                              "exhibits": len(parts), "file": out.name})
    return ExportResult(out, manifest_sha256, total, warnings)


def _part(exhibit: Exhibit, matcher: NameMatcher) -> Part:
    item = exhibit.item
    part = Part(exhibit.id, exhibit.number, item.id, item.sha256, item.media_type, matcher.redact(item.filename),
                exhibit.page_start, exhibit.page_end, exhibit.date.isoformat() if exhibit.date else "",
                matcher.redact(exhibit.description))
    original = (item.properties or {}).get("redaction_of")
    if item.redaction_state == "redacted" and original:
        part.redaction_of = {"item_id": original["item_id"], "sha256": original["sha256"]}
    return part


def _manifest_entry(part: Part) -> dict[str, Any]:
    return {"number": part.number, "item_id": part.item_id, "source_sha256": part.sha256,
            "media_type": part.media_type, "pages": [part.page_start, part.page_end],
            "bundle_pages": [part.bundle_first, part.bundle_last],
            "page_map": [[page, part.bundle_first + offset] for page, offset in part.page_map or []],
            **({"redaction_of": part.redaction_of} if part.redaction_of else {})}


#: classifications from the most restrictive down; a bundle is marked with its most restrictive exhibit's
MARKINGS = (("under_seal", "UNDER SEAL"), ("confidential", "CONFIDENTIAL"), ("public", "PUBLIC"))


def marking(classifications: list[str]) -> str:
    """The marking of a bundle holding items of these classifications (ICC Regulations of the Registry reg 14)."""
    for value, label in MARKINGS:
        if value in classifications:
            return label
    return "CONFIDENTIAL"  # an unknown classification is never shown as public


def _write_json(value: Any, path: Path) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _write_index(parts: list[Part], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fp:
        writer = csv.writer(fp)
        writer.writerow(["number", "date", "description", "item_pages", "bundle_first", "bundle_last"])
        for p in parts:
            writer.writerow([p.number, p.date, p.description, f"{p.page_start}-{p.page_end}", p.bundle_first,
                             p.bundle_last])


# --- the case data that goes on the front pages ---------------------------------------------------------------

def _front_data(case: Case, forum: str, parts: list[Part], matcher: NameMatcher) -> dict[str, Any]:
    number_of = {p.exhibit_id: p.number for p in parts}
    chronology = []
    for entry in case.chronology:
        refs = [{"exhibit": number_of[r.exhibit_id], "pages": [r.page_start, r.page_end]}
                for r in entry.refs if r.exhibit_id in number_of]
        chronology.append({"date": entry.date_start.isoformat(),
                           "date_end": entry.date_end.isoformat() if entry.date_end else None,
                           "precision": entry.precision, "text": matcher.redact(entry.text), "refs": refs})
    crimes: dict[str, list[str]] = {}
    vocabulary = qualifications()
    for q in case.qualifications:
        if forum not in vocabulary[q.code]["forums"]:
            continue  # an ECHR article is no crime before the ICC
        fact = q.entry.text if q.entry else q.fact
        crimes.setdefault(q.code, []).append(matcher.redact(" ".join(filter(None, [fact, q.note]))))
    witnesses = [p for p in case.persons if p.role == "witness"]
    return {
        "forum": forum, "reference": case.reference, "title": matcher.redact(case.title),
        "respondent": case.respondent_state,
        "applicants": [matcher.redact(p.public_name) for p in case.applicants],
        "sections": {key: matcher.redact(str(case.sections.get(key, "")).strip()) for key, _ in ICC_SECTIONS},
        "crimes": [(vocabulary[code], facts) for code, facts in crimes.items()],
        # witnesses by pseudonym only (ICC): a witness without one is numbered, never named
        "witnesses": [p.pseudonym or f"Witness {n}" for n, p in enumerate(witnesses, start=1)],
        "chronology": chronology,
    }


# --- exhibits into PDF pages ------------------------------------------------------------------------------------

def prepare_pdfs(ctx: Context, stack: contextlib.ExitStack, work: Path, parts: list[Part]) -> None:
    """Give each part a PDF holding its pages: its original, or (for text and images) its pages in one rendering
    shared by all of them, ``work/renderings.pdf`` (one document: the font is read and subset once)."""
    document = None
    for part in parts:
        if part.media_type == "application/pdf":
            _original_pdf(ctx, stack, part)
            continue
        document = document or _document()
        part.first_index = document.pages_count
        if part.media_type.startswith("image/"):
            with ctx.local_copy(part.sha256) as source:
                _image_page(document, source, part)
            part.page_map = [(1, 0)]
        else:
            part.page_map = [(n, index - part.first_index) for n, index in _text_pages(ctx, document, part)]
        part.count = document.pages_count - part.first_index
        part.pdf, part.shared = work / "renderings.pdf", True
    if document is not None:
        document.output(str(work / "renderings.pdf"))


def _original_pdf(ctx: Context, stack: contextlib.ExitStack, part: Part) -> None:
    source = stack.enter_context(ctx.local_copy(part.sha256))
    try:
        with pikepdf.open(source) as original:
            pages = len(original.pages)
    except pikepdf.PdfError as exc:
        raise ExportError(f"exhibit {part.number}: the original PDF cannot be read ({exc})") from exc
    if part.page_end > pages:
        raise ExportError(f"exhibit {part.number}: pages {part.page_start}-{part.page_end}, the PDF has {pages}")
    part.pdf, part.first_index, part.count = source, part.page_start - 1, part.page_end - part.page_start + 1
    part.page_map = [(n, n - part.page_start) for n in range(part.page_start, part.page_end + 1)]


class _Document(FPDF):
    """fpdf2 with paragraphs that return to the left margin, as text does."""

    def multi_cell(self, w, h=None, text="", **kwargs):
        kwargs.setdefault("new_x", "LMARGIN")
        kwargs.setdefault("new_y", "NEXT")
        return super().multi_cell(w, h, text, **kwargs)


def _document() -> _Document:
    document = _Document(format="A4")
    document.set_margins(20, 20, 20)
    document.set_auto_page_break(True, margin=22)  # the stamp lives in the bottom 15 mm, never over text
    document.add_font("DejaVu", fname=FONT)
    document.add_font("DejaVu", style="B", fname=FONT_BOLD)
    document.set_creator("svidok")
    return document


def _text_pages(ctx: Context, document, part: Part) -> list[tuple[int, int]]:
    """One or more bundle pages per item page, from the text extraction stored for it."""
    page_map = []
    with ctx.db.reader() as session:
        rows = session.execute(select(Page.number, Page.text).where(
            Page.item_id == part.item_id, Page.number.between(part.page_start, part.page_end))
            .order_by(Page.number).execution_options(yield_per=50))
        for number, text in rows:
            document.add_page()
            page_map.append((number, document.page - 1))
            document.set_font("DejaVu", "B", 9)
            document.multi_cell(0, 5, f"{part.caption}Text of {part.filename}, page {number}, as "
                                      "extracted by the archive (the original is kept unaltered).")
            document.ln(3)
            document.set_font("DejaVu", size=10.5)
            document.multi_cell(0, 5.5, text.strip() or "[no text on this page]")
    if not page_map:
        raise ExportError(f"exhibit {part.number}: no extracted text for pages {part.page_start}-{part.page_end}")
    return page_map


def clean_image(source: Path) -> tuple[bytes, str]:
    """The image's pixels alone, re-encoded: no EXIF, GPS, XMP or text chunks survive. Returns (bytes, type)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(source) as original:
            upright = ImageOps.exif_transpose(original)  # keep what the camera meant, then drop the EXIF
            mode = "RGB" if upright.mode not in ("RGB", "L") else upright.mode
            pixels = upright.convert(mode)
            fresh = Image.frombytes(mode, pixels.size, pixels.tobytes())
    except (UnidentifiedImageError, OSError) as exc:
        raise ExportError(f"{source.name}: not an image Pillow can read ({exc})") from exc
    out = io.BytesIO()
    if source.suffix.lower() == ".png" or max(fresh.size) < 64:
        fresh.save(out, format="PNG", optimize=True)
        return out.getvalue(), "png"
    fresh.save(out, format="JPEG", quality=88)
    return out.getvalue(), "jpeg"


def _image_page(document, source: Path, part: Part) -> None:
    data, _kind = clean_image(source)
    document.add_page()
    document.set_font("DejaVu", "B", 9)
    document.multi_cell(0, 5, f"{part.caption}Image {part.filename} (metadata removed).")
    top = document.get_y() + 3
    width, height = document.w - 40, document.h - top - 25
    document.image(io.BytesIO(data), x=20, y=top, keep_aspect_ratio=True, w=width, h=height)


# --- front matter -----------------------------------------------------------------------------------------------

def _front_matter(data: dict[str, Any], parts: list[Part], work: Path) -> tuple[Path, int, list[tuple[str, int]]]:
    """Render the front pages; their length moves the exhibits, so render until the page count holds."""
    pages, path = 0, work / "front.pdf"
    for _ in range(6):
        first = pages + 1
        for part in parts:
            part.bundle_first, first = first, first + part.count
        for entry in data["chronology"]:
            by_number = {p.number: p for p in parts}
            for ref in entry["refs"]:
                part = by_number[ref["exhibit"]]
                start = ref["pages"][0] or part.page_start
                ref["bundle_page"] = part.bundle_page_of(start)
        document, marks = _render_front(data, parts)
        if document.pages_count == pages:
            document.output(str(path))
            return path, pages, marks
        pages = document.pages_count
    raise ExportError("the front matter does not settle on a page count")


def _heading(document, text: str, size: float = 14) -> None:
    document.set_font("DejaVu", "B", size)
    document.multi_cell(0, size * 0.55, text)
    document.ln(2)
    document.set_font("DejaVu", size=10.5)


def _render_front(data: dict[str, Any], parts: list[Part]):
    """The front pages, and (bookmark title, page index) for each of their parts."""
    document = _document()
    document.set_title(f"Bundle {data['reference']}".strip())
    document.add_page()
    marks = [("Cover", 0)]
    document.ln(30)
    _heading(document, FORUM_TITLES[data["forum"]], 12)
    _heading(document, data["title"], 18)
    lines = [("Reference", data["reference"])]
    if data["forum"] == "echr":
        # applicant and respondent State are parties before the Court; an Article 15 communication
        # to the ICC Prosecutor has neither
        lines += [("Applicant(s)", ", ".join(data["applicants"]) or "—"),
                  ("Respondent State", data["respondent"] or "—")]
    lines += [("Exhibits", str(len(parts))), ("Classification", data["marking"]),
              ("Date of this bundle", dt.date.today().isoformat())]
    for label, value in lines:
        document.set_font("DejaVu", "B", 10.5)
        document.cell(45, 7, label)
        document.set_font("DejaVu", size=10.5)
        document.multi_cell(0, 7, value)
    if data["forum"] == "icc":
        marks.append(("Communication", document.page))
        _icc_sections(document, data)
    document.add_page()
    marks.append(("Index of documents", document.page - 1))
    _heading(document, "Index of documents")
    with document.table(col_widths=(14, 24, 104, 28), text_align=("LEFT", "LEFT", "LEFT", "RIGHT"),
                        line_height=5.5) as table:
        table.row(["No.", "Date", "Description", "Bundle pages"])
        for p in parts:
            table.row([p.number, p.date or "undated", p.description, _page_span(p)])
    document.add_page()
    marks.append(("Chronology", document.page - 1))
    _heading(document, "Chronology")
    if data["chronology"]:
        with document.table(col_widths=(26, 110, 34), line_height=5.5) as table:
            table.row(["Date", "Fact", "Exhibit (bundle page)"])
            for entry in data["chronology"]:
                refs = "; ".join(f"{r['exhibit']} (p. {r['bundle_page']})" for r in entry["refs"])
                table.row([entry["date"], entry["text"], refs or "—"])
    else:
        document.multi_cell(0, 6, "No chronology has been entered for this case.")
    return document, marks


def _page_span(part: Part) -> str:
    return str(part.bundle_first) if part.count == 1 else f"{part.bundle_first}-{part.bundle_last}"


def _icc_sections(document, data: dict[str, Any]) -> None:
    for n, (key, title) in enumerate(ICC_SECTIONS, start=1):
        if n == 1 or key == "facts":
            document.add_page()
        else:
            document.ln(4)
        _heading(document, f"{n}. {title}", 13)
        if key == "crimes":
            if not data["crimes"]:
                document.multi_cell(0, 6, PLACEHOLDER)
            for provision, facts in data["crimes"]:
                document.set_font("DejaVu", "B", 10.5)
                document.multi_cell(0, 6, f"{provision['article']} {provision['instrument']}: {provision['label']}")
                document.set_font("DejaVu", size=10.5)
                elements = " ".join(filter(None, [provision["elements"], provision.get("common_elements", "")]))
                document.multi_cell(0, 5.5, f"Elements: {elements}")
                for fact in facts:
                    document.multi_cell(0, 5.5, f"• {fact}")
                document.ln(2)
        else:
            document.multi_cell(0, 6, data["sections"].get(key) or PLACEHOLDER)
        if key == "methodology":
            document.ln(2)
            document.set_font("DejaVu", "B", 10.5)
            document.multi_cell(0, 6, "Witnesses (by pseudonym)")
            document.set_font("DejaVu", size=10.5)
            document.multi_cell(0, 6, ", ".join(data["witnesses"]) or "None listed.")


# --- assembly: pages, stamps, bookmarks -------------------------------------------------------------------------

def _assemble(stack: contextlib.ExitStack, front: Path, marks: list[tuple[str, int]], parts: list[Part],
              data: dict[str, Any], total: int, out: Path) -> None:
    bundle = stack.enter_context(pikepdf.new())
    font = bundle.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                   BaseFont=pikepdf.Name("/Courier"),
                                                   Encoding=pikepdf.Name.WinAnsiEncoding))
    reference, mark = data["reference"], data["marking"]
    bookmarks = list(marks)
    source = stack.enter_context(pikepdf.open(front))
    for page in source.pages:
        _append(bundle, page, font, reference, None, total, mark)
    renderings = None
    for part in parts:
        # each original PDF is opened once per exhibit, so an item used twice gives two independent sets of pages;
        # the shared rendering holds different pages for each part, so it is opened once
        if part.shared:
            renderings = renderings or stack.enter_context(pikepdf.open(part.pdf))
        source = renderings if part.shared else stack.enter_context(pikepdf.open(part.pdf))
        bookmarks.append((f"Exhibit {part.number}: {part.description}"[:200], len(bundle.pages)))
        for index in range(part.first_index, part.first_index + part.count):
            _append(bundle, source.pages[index], font, reference, part.number, total, mark)
    with bundle.open_outline() as outline:
        for title, index in sorted(bookmarks, key=lambda b: b[1]):
            outline.root.append(pikepdf.OutlineItem(title, index))
    bundle.docinfo = bundle.make_indirect(pikepdf.Dictionary(Title=pikepdf.String(f"Bundle {reference}".strip()),
                                                             Producer=pikepdf.String("svidok")))
    bundle.save(out, deterministic_id=True)


def _append(bundle: pikepdf.Pdf, page: pikepdf.Page, font: pikepdf.Object, reference: str, exhibit: str | None,
            total: int, mark: str) -> None:
    bundle.pages.append(page)
    copied = bundle.pages[-1]
    for key in ("/Metadata", "/PieceInfo"):  # page-level XMP and application data can name people
        if key in copied.obj:
            del copied.obj[key]
    _strip_jpeg_metadata(copied.obj.get("/Resources"), depth=0)
    name = copied.add_resource(font, pikepdf.Name.Font, pikepdf.Name("/SvidokStamp"))
    label = " | ".join(filter(None, [reference, f"Exhibit {exhibit}" if exhibit else "",
                                     f"Bundle page {len(bundle.pages)} of {total}", mark]))
    copied.contents_add(pikepdf.Stream(bundle, b"q\n"), prepend=True)
    copied.contents_add(pikepdf.Stream(bundle, _stamp_stream(copied, name, label)))


def _stamp_stream(page: pikepdf.Page, font: pikepdf.Name, label: str) -> bytes:
    """Content drawing ``label`` at the bottom right of the page as it is shown (after /Rotate)."""
    llx, lly, urx, ury = (float(v) for v in page.cropbox)
    width, height = urx - llx, ury - lly
    rotate = int(page.obj.get("/Rotate", 0)) % 360
    shown_width = height if rotate in (90, 270) else width
    # from the shown page's coordinates to the content's
    matrix = {0: (1, 0, 0, 1, llx, lly), 90: (0, 1, -1, 0, llx + width, lly),
              180: (-1, 0, 0, -1, llx + width, lly + height), 270: (0, -1, 1, 0, llx, lly + height)}[rotate]
    text_width = 0.6 * STAMP_SIZE * len(label)
    x, y = max(6.0, shown_width - 28 - text_width), 18.0
    escaped = label.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return (f"Q q {' '.join(f'{v:g}' for v in matrix)} cm BT {font} {STAMP_SIZE} Tf 0 g "
            f"{x:.2f} {y:.2f} Td ({escaped}) Tj ET Q\n").encode("latin-1")


_APPN_KEEP = {0xE0, 0xEE}  # JFIF and Adobe: they say how to decode the colours; the rest is metadata


def strip_jpeg_app_segments(data: bytes) -> bytes:
    """A JPEG without its EXIF/XMP/IPTC/comment segments; the image data itself is untouched."""
    if not data.startswith(b"\xff\xd8"):
        return data
    out, i = bytearray(b"\xff\xd8"), 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            break
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if not ((0xE1 <= marker <= 0xEF and marker not in _APPN_KEEP) or marker == 0xFE):
            out += data[i:i + 2 + length]
        i += 2 + length
    return bytes(out + data[i:])


def _strip_jpeg_metadata(resources: pikepdf.Object | None, depth: int) -> None:
    if resources is None or depth > 4 or "/XObject" not in resources:
        return
    for _name, xobject in resources.XObject.items():
        subtype = xobject.get("/Subtype")
        if subtype == pikepdf.Name.Image and xobject.get("/Filter") == pikepdf.Name.DCTDecode:
            raw = xobject.read_raw_bytes()
            cleaned = strip_jpeg_app_segments(raw)
            if cleaned != raw:
                xobject.write(cleaned, filter=pikepdf.Name.DCTDecode)
        elif subtype == pikepdf.Name.Form:
            _strip_jpeg_metadata(xobject.get("/Resources"), depth + 1)


# --- verify -----------------------------------------------------------------------------------------------------

def verify_bundle(path: Path) -> list[str]:
    """Every way the bundle differs from what was exported; empty when all holds."""
    problems: list[str] = []
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        return [f"not a readable ZIP: {exc}"]
    with archive, tempfile.TemporaryDirectory(prefix="svidok-verify-") as tmp:
        names = set(archive.namelist())
        missing = [n for n in (*FILES, "manifest.sha256") if n not in names]
        if missing:
            return [f"missing from the bundle: {', '.join(missing)}"]
        extra = names - {*FILES, "manifest.sha256"}
        if extra:
            problems.append(f"files not in the manifest: {', '.join(sorted(extra))}")
        try:
            manifest_bytes = archive.read("manifest.json")
            recorded = archive.read("manifest.sha256").decode("ascii").split()[0]
        except (zipfile.BadZipFile, UnicodeDecodeError, IndexError, OSError) as exc:
            return [*problems, f"manifest unreadable: {exc}"]
        if hashlib.sha256(manifest_bytes).hexdigest() != recorded:
            problems.append("manifest.json does not match manifest.sha256")
        try:
            manifest = json.loads(manifest_bytes)
        except ValueError as exc:
            return [*problems, f"manifest.json is not JSON: {exc}"]
        pdf_path = Path(tmp) / "bundle.pdf"
        for name in FILES[:-1]:
            try:
                with archive.open(name) as member, (pdf_path if name == "bundle.pdf" else Path(tmp) / name
                                                    ).open("wb") as copy:
                    while chunk := member.read(1024 * 1024):
                        copy.write(chunk)
            except (zipfile.BadZipFile, OSError) as exc:  # a CRC error says the bytes changed
                problems.append(f"{name}: cannot be read intact ({exc})")
                continue
            actual = sha256_file(Path(tmp) / name)
            if actual != manifest.get("files", {}).get(name):
                problems.append(f"{name}: sha256 {actual} differs from the manifest")
        if pdf_path.exists() and not problems:
            problems += _check_pages(pdf_path, manifest, Path(tmp) / "index.csv")
    return problems


def stamps(pdf_path: Path) -> Iterator[tuple[str | None, int, int] | None]:
    """Per page: (exhibit number or None, bundle page, of pages) read from the stamp, or None if none is found."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf_path))
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            found = STAMP_RE.findall(textpage.get_text_range())
            yield (found[-1][0] or None, int(found[-1][1]), int(found[-1][2])) if found else None
            textpage.close()
            page.close()
    finally:
        document.close()


def _check_pages(pdf_path: Path, manifest: dict[str, Any], index_csv: Path) -> list[str]:
    problems: list[str] = []
    total = manifest["bundle_pages"]
    expected: dict[int, str | None] = {n: None for n in range(1, manifest["front_matter_pages"][1] + 1)}
    last = manifest["front_matter_pages"][1]
    for exhibit in manifest["exhibits"]:
        first, end = exhibit["bundle_pages"]
        if first != last + 1:
            problems.append(f"exhibit {exhibit['number']} starts at page {first}, not {last + 1}")
        expected.update({n: exhibit["number"] for n in range(first, end + 1)})
        last = end
    if last != total:
        problems.append(f"the manifest's last exhibit ends at page {last}, the bundle has {total}")
    count = 0
    for count, stamp in enumerate(stamps(pdf_path), start=1):
        if stamp is None:
            problems.append(f"page {count}: no stamp")
        elif stamp != (expected.get(count), count, total):
            problems.append(f"page {count}: stamp says exhibit {stamp[0]}, page {stamp[1]} of {stamp[2]}; "
                            f"the manifest says exhibit {expected.get(count)}, page {count} of {total}")
    if count != total:
        problems.append(f"bundle.pdf has {count} pages, the manifest {total}")
    with index_csv.open(encoding="utf-8", newline="") as fp:
        index = {row["number"]: (int(row["bundle_first"]), int(row["bundle_last"])) for row in csv.DictReader(fp)}
    for exhibit in manifest["exhibits"]:
        if index.get(exhibit["number"]) != tuple(exhibit["bundle_pages"]):
            problems.append(f"index.csv gives exhibit {exhibit['number']} pages {index.get(exhibit['number'])}, "
                            f"the manifest {exhibit['bundle_pages']}")
    return problems
