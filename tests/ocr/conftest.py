"""OCR fixtures: small fictional scans (a few lines each, typed at 300 dpi) and an archive that ingested them.

The pages are strips, not whole A4 sheets, so Tesseract reads each in about a second.
"""
from __future__ import annotations

import io
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import ExifTags, Image

from ingest import scan_corpus as sc
from tests.conftest import make_settings

UK = ["Свідок Ткачук Любов Андріївна бачила затриманого в колонії восени.",
      "Суд вирішив задовольнити позов Марченко Ганни повністю."]
RU = ["Свидетель Рябова Нина Петровна видела Белоусова в колонии.",
      "Конвой перевёз задержанных в изолятор двадцатого августа."]
EN = ["Harriet Quill saw armed men take Bogdan Verity from the office."]
MIXED_TYPED = "Typed cover page of the registry with a text layer."
MIXED_SCANNED = "Scanned annex: receipt signed by Zorin for the parcel."


def strip(text: str) -> Image.Image:
    return sc.render_page(text, size=None)


def scans(folder: Path) -> dict[str, Path]:
    """uk: image-only PDF (2 pages); ru: TIFF (2 frames); en: a noisy, skewed JPEG; mixed: a text PDF with one
    scanned page."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "uk": ("court-uk.pdf", sc.encode([strip(t) for t in UK], "pdf")),
        "ru": ("protocol-ru.tif", sc.encode([strip(t) for t in RU], "tiff")),
        "en": ("statement-en.jpg", sc.encode([sc.degrade(strip(EN[0]), random.Random(3), noise=0.005)], "jpeg")),
        "mixed": ("registry-with-annex.pdf", mixed_pdf()),
    }
    paths = {}
    for lang, (name, data) in files.items():
        paths[lang] = folder / name
        paths[lang].write_bytes(data)
    return paths


def mixed_pdf() -> bytes:
    """Page 1 typed (a text layer), page 2 a scan pasted in (no text layer on that page)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, MIXED_TYPED)
    pdf.add_page()
    pdf.image(strip(MIXED_SCANNED), x=0, y=20, w=210)
    return bytes(pdf.output())


def photo(seed: int = 1, size: tuple[int, int] = (400, 300)) -> Image.Image:
    """A fictional 'photo': smooth random shapes (a perceptual hash needs low-frequency content)."""
    rng = np.random.default_rng(seed)
    coarse = (rng.random((6, 8, 3)) * 255).astype("uint8")
    return Image.fromarray(coarse, "RGB").resize(size, Image.Resampling.BICUBIC)


def exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "FictiCam"
    exif[ExifTags.Base.Model] = "FC-1"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2022:03:14 09:30:00"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({1: "N", 2: (47.0, 6.0, 36.0), 3: "E", 4: (37.0, 33.0, 0.0)})
    return exif


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """An archive (SQLite, embedded search) that ingested the three scans; yields (ctx, paths)."""
    from ingest.bulk import ingest_paths
    from ingest.pipeline import Context

    root = tmp_path_factory.mktemp("ocr")
    paths = scans(root / "in")
    ctx = Context.open(make_settings(root / "home", SVIDOK_STAGES="extract,ocr"))  # NLP is not under test
    summary = ingest_paths(ctx, [root / "in"])
    assert summary.failed == [], summary.failed
    yield ctx, paths
    ctx.close()
