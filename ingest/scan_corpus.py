"""A fictional scanned corpus: typed pages in Ukrainian, Russian and English turned into scans.

Every name, place and event here is invented (facility names are public-record kinds such as "SIZO-2"). A page
is drawn with Pillow in DejaVu Sans at 300 dpi, then optionally "scanned": a small skew, speckle noise, a slight
blur and JPEG artefacts, the way a phone photo or a fax of a court decision looks. The ground truth text is kept
beside each file, so ``bench/ocr.py`` can measure the character error rate and the tests can search for words
that really are on the page.

``python -m ingest.scan_corpus OUT`` writes PNG, JPEG, multi-page TIFF and image-only PDF files plus
``truth.json`` (file -> list of page texts).
"""
from __future__ import annotations

import io
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from .demo_corpus import font_paths

DPI = 300
#: A4 at 300 dpi
A4 = (2480, 3508)
MARGIN = 200  # px, about 17 mm
FONT_PT = 12

#: fictional pages, several per language; each string is one page
PAGES: dict[str, list[str]] = {
    "uk": [
        "РІШЕННЯ\n"
        "Іменем України\n"
        "12 травня 2023 року Мелітопольський районний суд у складі головуючого судді Гнатюк О. В. "
        "розглянув справу за позовом Марченко Ганни Степанівни про встановлення факту "
        "незаконного позбавлення волі її сина Марченка Остапа Ігоровича, 1989 року народження.\n"
        "Суд встановив, що 3 квітня 2022 року позивачів син був затриманий на блокпосту біля села "
        "Вишневе і вивезений до СІЗО №2 міста Таганрог. Відтоді зв'язку з ним немає.",
        "Свідок Ткачук Любов Андріївна пояснила, що бачила затриманого в колонії восени 2022 року. "
        "Вона передала йому теплий одяг і листа від матері.\n"
        "Суд вирішив: позов задовольнити повністю. Рішення може бути оскаржене протягом тридцяти днів.\n"
        "Суддя О. В. Гнатюк",
        "Лист з колонії\n"
        "Дорога мамо! Я живий і здоровий, нас годують двічі на день. У камері нас дванадцять. "
        "Передай привіт сестрі Олені та дідові Миколі. Не хвилюйся за мене, я чекаю обміну. "
        "Твій син Остап. Жовтень 2022 року.",
    ],
    "ru": [
        "ПОСТАНОВЛЕНИЕ\n"
        "17 июня 2022 года следователь Зорин Аркадий Львович, рассмотрев материалы проверки, "
        "установил: гражданин Белоусов Тимофей Игнатьевич, 1975 года рождения, задержан "
        "в городе Энергодар и помещён в изолятор временного содержания.\n"
        "Основания для освобождения не усматриваются. Копию постановления направить прокурору.",
        "ПРОТОКОЛ ДОПРОСА СВИДЕТЕЛЯ\n"
        "Свидетель Рябова Нина Петровна показала, что в марте 2023 года видела Белоусова "
        "в исправительной колонии №9. Он был сильно истощён и жаловался на боли в спине. "
        "С её слов записано верно, ею прочитано.\n"
        "Подпись свидетеля. Подпись следователя.",
        "Список лиц, переведённых из СИЗО-2 в ИК-9 двадцатого августа:\n"
        "1. Белоусов Т. И.\n2. Гаврилов С. А.\n3. Костенко Д. Ф.\n4. Лысенко П. Р.\n"
        "Сопровождающий конвой: пять человек. Транспорт: автозак без номера.",
    ],
    "en": [
        "STATEMENT OF WITNESS\n"
        "I, Harriet Quill, make this statement on 4 March 2024 in Vilnius. On 9 September 2022 my "
        "colleague Bogdan Verity was taken from our office in Nova Kakhovka by armed men in uniform. "
        "They searched the rooms, seized two laptops and a box of documents, and drove him away.\n"
        "I have not seen him since that morning.",
        "In December 2022 a released detainee told me he had shared a cell with Bogdan in the "
        "pre-trial detention centre. He said Bogdan was interrogated at night and kept without "
        "medical care. I believe the facts stated in this statement are true.\n"
        "Signed: Harriet Quill",
        "LETTER OF REQUEST\n"
        "To the registry of the court. We ask for the transcripts of the hearings held between "
        "15 January and 28 February 2023 in the case of Mr Verity, and for the list of visitors "
        "admitted to the remand prison during that period. Yours faithfully, the legal team.",
    ],
}


@dataclass(frozen=True)
class ScanFile:
    """One generated file: its name, its bytes and the text of each of its pages."""
    name: str
    data: bytes
    pages: tuple[str, ...]
    language: str


def font(size_pt: int = FONT_PT, dpi: int = DPI) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_paths()[0]), size=round(size_pt * dpi / 72))


def wrap(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Lines no wider than ``width`` pixels, broken at spaces; paragraphs stay apart."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if line and face.getlength(candidate) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def render_page(text: str, *, dpi: int = DPI, size: tuple[int, int] | None = A4,
                font_pt: int = FONT_PT) -> Image.Image:
    """The text typed on a white page (greyscale). ``size=None`` makes the page just tall enough (small tests)."""
    scale = dpi / DPI
    face = font(font_pt, dpi)
    width = round((size or A4)[0] * scale)
    margin = round(MARGIN * scale)
    lines = wrap(text, face, width - 2 * margin)
    step = round(face.size * 1.5)
    height = round(size[1] * scale) if size else 2 * margin + step * len(lines)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    y = margin
    for line in lines:
        draw.text((margin, y), line, font=face, fill=0)
        y += step
    return page


def degrade(page: Image.Image, rng: random.Random, *, skew: float = 1.0, noise: float = 0.02,
            blur: float = 0.7) -> Image.Image:
    """A scan of the page: rotated by up to ``skew`` degrees, speckled, slightly blurred."""
    angle = rng.uniform(-skew, skew)
    out = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    if blur:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    pixels = np.asarray(out, dtype=np.int16).copy()
    gen = np.random.default_rng(rng.getrandbits(32))
    pixels += gen.normal(0, 18, pixels.shape).astype(np.int16)  # sensor grain
    speckle = gen.random(pixels.shape)
    pixels[speckle < noise / 2] = 0  # dust
    pixels[speckle > 1 - noise / 2] = 255  # dropouts
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")


def encode(images: Sequence[Image.Image], fmt: str, dpi: int = DPI) -> bytes:
    """The images as one file: PNG/JPEG (one page), TIFF or PDF (every page; the PDF has no text layer)."""
    out = io.BytesIO()
    first, rest = images[0], list(images[1:])
    if fmt == "png":
        first.save(out, "PNG", dpi=(dpi, dpi))
    elif fmt == "jpeg":
        first.save(out, "JPEG", quality=80, dpi=(dpi, dpi))
    elif fmt == "tiff":
        first.save(out, "TIFF", save_all=True, append_images=rest, compression="tiff_deflate", dpi=(dpi, dpi))
    elif fmt == "pdf":
        first.save(out, "PDF", save_all=True, append_images=rest, resolution=float(dpi))
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return out.getvalue()


EXTENSIONS = {"png": "png", "jpeg": "jpg", "tiff": "tif", "pdf": "pdf"}


def scans(languages: Iterable[str] = ("uk", "ru", "en"), *, formats: Sequence[str] = ("pdf", "tiff", "png", "jpeg"),
          noisy: bool = True, seed: int = 7, dpi: int = DPI, size: tuple[int, int] | None = A4) -> list[ScanFile]:
    """Files per language: multi-page formats get every page, one-page formats one page each (in turn)."""
    rng = random.Random(seed)
    files: list[ScanFile] = []
    for lang in languages:
        texts = PAGES[lang]
        for n, fmt in enumerate(formats):
            chosen = texts if fmt in ("pdf", "tiff") else [texts[n % len(texts)]]
            images = [render_page(t, dpi=dpi, size=size) for t in chosen]
            if noisy:
                images = [degrade(image, rng) for image in images]
            kind = "noisy" if noisy else "clean"
            files.append(ScanFile(f"scan-{lang}-{kind}-{n + 1}.{EXTENSIONS[fmt]}", encode(images, fmt, dpi),
                                  tuple(chosen), lang))
    return files


def write_corpus(out: Path, **options) -> list[Path]:
    """Write the scans and ``truth.json`` into ``out``; returns the scan paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths, truth = [], {}
    for scan in scans(**options):
        path = out / scan.name
        path.write_bytes(scan.data)
        paths.append(path)
        truth[scan.name] = {"language": scan.language, "pages": list(scan.pages)}
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return paths


if __name__ == "__main__":  # pragma: no cover - a convenience for people
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "scan-corpus")
    for written in write_corpus(target):
        print(written)
