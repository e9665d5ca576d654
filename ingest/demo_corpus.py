"""A fictional demo corpus: testimonies, court decisions, letters, detainee lists and medical records.

EVERY PERSON, CASE, COURT CASE NUMBER AND EVENT IN HERE IS INVENTED. Names are random combinations of common
Ukrainian names; towns are invented (Тиховодськ) or large real cities; detention facilities are real public
facility names (СІЗО-2 Таганрог, Olenivka colony No. 120, ИК-1 Донской) because that is what an investigator
searches for. Each document says it is fictional in its footer, so it can never be mistaken for evidence.

The corpus exercises what real archives send us: the same person in several grammatical cases and scripts
(Коваленко Іван Петрович / Коваленка Івана / Ивана Коваленко / Ivan Kovalenko), dates written four ways
(14 березня 2022, 14.03.2022, March 14, 2022, 14 марта 2022 г.), facility aliases (СІЗО №2 / СИЗО-2 / SIZO-2,
Оленівка / Еленовка / Olenivka), PDF with a text layer, multi-page PDF, DOCX, TXT in UTF-8, CP1251 and KOI8-U,
HTML, an e-mail with a PDF attachment, a ZIP, an image-only "scan" (no text layer: needs OCR), a PNG photo,
broken files, and a ``metadata.csv`` sidecar (format: :mod:`ingest.metadata`).

``generate()`` builds the demo corpus (``make demo``); ``generate_pages_corpus()`` builds an N-page mixed corpus
for ``bench/ingest.py``. Both are deterministic: the same seed gives the same bytes (PDF creation dates, ZIP
timestamps, DOCX properties and MIME boundaries are fixed).

Run ``python -m ingest.demo_corpus OUT_DIR [--seed N] [--scale N] [--no-broken] [--pages N]``.
"""
from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import os
import random
import tempfile
import textwrap
import zipfile
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

#: A TTF with Cyrillic glyphs, from the Debian/Ubuntu package ``fonts-dejavu-core`` (the project's setup
#: installs it). ``SVIDOK_DEMO_FONT`` overrides it (e.g. on macOS).
FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

#: fixed so that the output is byte-for-byte reproducible
FIXED_TIMESTAMP = dt.datetime(2024, 1, 15, 12, 0, 0, tzinfo=dt.timezone.utc)
_ZIP_DATE = (2024, 1, 15, 12, 0, 0)

SIDECAR_COLUMNS = ("path", "title", "doc_type", "date", "language", "collection", "classification", "source")
DOC_TYPES = ("testimony", "court_decision", "indictment", "medical_record", "letter", "list", "photo", "other")
CLASSIFICATIONS = ("public", "confidential", "under_seal")

DISCLAIMER = "ВИГАДАНИЙ ДОКУМЕНТ / ВЫМЫШЛЕННЫЙ ДОКУМЕНТ / FICTIONAL DEMO DOCUMENT — svidok"
SOURCE_NGO = "Tykhovodsk Human Rights Group (fictional)"
SOURCE_FAMILY = "family of the detainee (fictional)"
SOURCE_LAWYER = "defence lawyer (fictional)"


class FontMissingError(RuntimeError):
    """The Cyrillic-capable TTF is not installed."""


def font_paths() -> tuple[Path, Path]:
    """(regular, bold) TTF paths; a clear error when the font is missing."""
    override = os.environ.get("SVIDOK_DEMO_FONT")
    regular = Path(override) if override else FONT_PATH
    bold = FONT_BOLD_PATH if not override and FONT_BOLD_PATH.exists() else regular
    if not regular.is_file():
        raise FontMissingError(
            f"the demo corpus needs a TTF font with Cyrillic glyphs at {regular}; install it with "
            f"`apt-get install fonts-dejavu-core` (the project's setup does this) or point SVIDOK_DEMO_FONT at "
            f"another TTF such as DejaVuSans.ttf")
    return regular, bold


_SUBSET_RANGES = [*range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x400, 0x530), *range(0x2010, 0x2070),
                  0x2116, 0x2122, 0x20AC, 0x20B4]


def _pdf_font() -> str:
    """The font for fpdf2, cut down to Latin + Cyrillic + punctuation.

    fpdf2 parses the whole TTF for every document (~0.2 s for DejaVu's 6,000 glyphs; ~0.05 s for this subset),
    which dominated generating the bench corpus. The subset is made once per process into a private temporary
    folder (never a shared, guessable path another user could plant a file at) and removed at exit. Its bytes are
    deterministic, so the PDFs stay reproducible.
    """
    return _subset_font(font_paths()[0])


@functools.lru_cache(maxsize=None)
def _subset_font(regular: Path) -> str:
    try:
        from fontTools import subset
        from fontTools.ttLib import TTFont
    except ImportError:  # fontTools comes with fpdf2; without it use the full font
        return str(regular)
    import atexit
    import logging
    import shutil

    options = subset.Options()
    options.layout_features, options.name_IDs, options.notdef_outline = ["*"], ["*"], True
    font = TTFont(str(regular), recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_SUBSET_RANGES)
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "FFTM NOT subset" is noise
    subsetter.subset(font)
    folder = tempfile.mkdtemp(prefix="svidok-demo-font-")
    atexit.register(shutil.rmtree, folder, True)
    target = Path(folder) / (regular.stem + "-subset.ttf")
    font.save(str(target))
    return str(target)


# --------------------------------------------------------------------------------------------------------------
# names, places, facilities, dates
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    """One invented person, in the forms the corpus writes them."""
    key: str
    uk: str          # Коваленко Іван Петрович
    uk_gen: str      # Коваленка Івана Петровича
    uk_short: str    # Іван Коваленко
    uk_short_gen: str  # Івана Коваленка
    ru: str          # Коваленко Иван Петрович
    ru_gen: str      # Коваленко Ивана Петровича
    ru_short: str    # Иван Коваленко
    ru_short_gen: str  # Ивана Коваленко
    en: str          # Ivan Kovalenko
    born: dt.date = dt.date(1980, 1, 1)


#: the main (invented) cast of the demo corpus; tests and the README search for these
MAIN_CAST: dict[str, Person] = {p.key: p for p in [
    Person("kovalenko", "Коваленко Іван Петрович", "Коваленка Івана Петровича", "Іван Коваленко", "Івана Коваленка",
           "Коваленко Иван Петрович", "Коваленко Ивана Петровича", "Иван Коваленко", "Ивана Коваленко",
           "Ivan Kovalenko", dt.date(1979, 5, 2)),
    Person("melnychuk", "Мельничук Оксана Василівна", "Мельничук Оксани Василівни", "Оксана Мельничук",
           "Оксани Мельничук", "Мельничук Оксана Васильевна", "Мельничук Оксаны Васильевны", "Оксана Мельничук",
           "Оксаны Мельничук", "Oksana Melnychuk", dt.date(1988, 11, 23)),
    Person("tkachuk", "Ткачук Андрій Миколайович", "Ткачука Андрія Миколайовича", "Андрій Ткачук", "Андрія Ткачука",
           "Ткачук Андрей Николаевич", "Ткачука Андрея Николаевича", "Андрей Ткачук", "Андрея Ткачука",
           "Andrii Tkachuk", dt.date(1995, 2, 8)),
    Person("bondar", "Бондар Олена Сергіївна", "Бондар Олени Сергіївни", "Олена Бондар", "Олени Бондар",
           "Бондарь Елена Сергеевна", "Бондарь Елены Сергеевны", "Елена Бондарь", "Елены Бондарь",
           "Olena Bondar", dt.date(1984, 7, 19)),
    Person("bondar_child", "Бондар Максим Олегович", "Бондаря Максима Олеговича", "Максим Бондар",
           "Максима Бондаря", "Бондарь Максим Олегович", "Бондаря Максима Олеговича", "Максим Бондарь",
           "Максима Бондаря", "Maksym Bondar", dt.date(2009, 3, 30)),
    Person("hnatiuk", "Гнатюк Петро Олексійович", "Гнатюка Петра Олексійовича", "Петро Гнатюк", "Петра Гнатюка",
           "Гнатюк Пётр Алексеевич", "Гнатюка Петра Алексеевича", "Пётр Гнатюк", "Петра Гнатюка",
           "Petro Hnatiuk", dt.date(1971, 10, 4)),
    Person("lysenko", "Лисенко Марія Андріївна", "Лисенко Марії Андріївни", "Марія Лисенко", "Марії Лисенко",
           "Лысенко Мария Андреевна", "Лысенко Марии Андреевны", "Мария Лысенко", "Марии Лысенко",
           "Mariia Lysenko", dt.date(1990, 1, 12)),
    Person("savchuk", "Савчук Роман Ігорович", "Савчука Романа Ігоровича", "Роман Савчук", "Романа Савчука",
           "Савчук Роман Игоревич", "Савчука Романа Игоревича", "Роман Савчук", "Романа Савчука",
           "Roman Savchuk", dt.date(1983, 6, 27)),
]}

# (uk, uk genitive, ru, ru genitive, en): common surnames, combined at random into invented people
_SURNAMES = [
    ("Шевчук", "Шевчука", "Шевчук", "Шевчука", "Shevchuk"),
    ("Павленко", "Павленка", "Павленко", "Павленко", "Pavlenko"),
    ("Кравець", "Кравця", "Кравец", "Кравца", "Kravets"),
    ("Олійник", "Олійника", "Олейник", "Олейника", "Oliinyk"),
    ("Мороз", "Мороза", "Мороз", "Мороза", "Moroz"),
    ("Марченко", "Марченка", "Марченко", "Марченко", "Marchenko"),
    ("Руденко", "Руденка", "Руденко", "Руденко", "Rudenko"),
    ("Поліщук", "Поліщука", "Полищук", "Полищука", "Polishchuk"),
    ("Левченко", "Левченка", "Левченко", "Левченко", "Levchenko"),
    ("Бойко", "Бойка", "Бойко", "Бойко", "Boiko"),
    ("Кузьменко", "Кузьменка", "Кузьменко", "Кузьменко", "Kuzmenko"),
    ("Зінченко", "Зінченка", "Зинченко", "Зинченко", "Zinchenko"),
    ("Ковальчук", "Ковальчука", "Ковальчук", "Ковальчука", "Kovalchuk"),
    ("Яковенко", "Яковенка", "Яковенко", "Яковенко", "Yakovenko"),
    ("Дорошенко", "Дорошенка", "Дорошенко", "Дорошенко", "Doroshenko"),
    ("Собко", "Собка", "Собко", "Собко", "Sobko"),
    ("Верболоз", "Верболоза", "Верболоз", "Верболоза", "Verboloz"),
    ("Гордієнко", "Гордієнка", "Гордиенко", "Гордиенко", "Hordiienko"),
]
_FIRST_NAMES = [
    ("Олександр", "Олександра", "Александр", "Александра", "Oleksandr"),
    ("Сергій", "Сергія", "Сергей", "Сергея", "Serhii"),
    ("Микола", "Миколи", "Николай", "Николая", "Mykola"),
    ("Юрій", "Юрія", "Юрий", "Юрия", "Yurii"),
    ("Віктор", "Віктора", "Виктор", "Виктора", "Viktor"),
    ("Богдан", "Богдана", "Богдан", "Богдана", "Bohdan"),
    ("Василь", "Василя", "Василий", "Василия", "Vasyl"),
    ("Олег", "Олега", "Олег", "Олега", "Oleh"),
    ("Андрій", "Андрія", "Андрей", "Андрея", "Andrii"),
    ("Дмитро", "Дмитра", "Дмитрий", "Дмитрия", "Dmytro"),
]
_PATRONYMICS = [
    ("Олександрович", "Олександровича", "Александрович", "Александровича"),
    ("Миколайович", "Миколайовича", "Николаевич", "Николаевича"),
    ("Іванович", "Івановича", "Иванович", "Ивановича"),
    ("Петрович", "Петровича", "Петрович", "Петровича"),
    ("Васильович", "Васильовича", "Васильевич", "Васильевича"),
    ("Сергійович", "Сергійовича", "Сергеевич", "Сергеевича"),
]


def random_person(rng: random.Random) -> Person:
    """An invented man (male only, so accusative = genitive in the UK/RU sentence templates)."""
    s, f, p = rng.choice(_SURNAMES), rng.choice(_FIRST_NAMES), rng.choice(_PATRONYMICS)
    born = dt.date(rng.randint(1960, 2002), rng.randint(1, 12), rng.randint(1, 28))
    return Person(f"{s[4]}-{f[4]}".lower(), f"{s[0]} {f[0]} {p[0]}", f"{s[1]} {f[1]} {p[1]}", f"{f[0]} {s[0]}",
                  f"{f[1]} {s[1]}", f"{s[2]} {f[2]} {p[2]}", f"{s[3]} {f[3]} {p[3]}", f"{f[2]} {s[2]}",
                  f"{f[3]} {s[3]}", f"{f[4]} {s[4]}", born)


@dataclass(frozen=True)
class Place:
    uk: str
    uk_loc: str  # у Мелітополі
    ru: str
    ru_loc: str  # в Мелитополе
    en: str


CITIES: dict[str, Place] = {
    "melitopol": Place("Мелітополь", "у Мелітополі", "Мелитополь", "в Мелитополе", "Melitopol"),
    "kherson": Place("Херсон", "у Херсоні", "Херсон", "в Херсоне", "Kherson"),
    "mariupol": Place("Маріуполь", "у Маріуполі", "Мариуполь", "в Мариуполе", "Mariupol"),
    "berdiansk": Place("Бердянськ", "у Бердянську", "Бердянск", "в Бердянске", "Berdiansk"),
    "tykhovodsk": Place("Тиховодськ", "у Тиховодську", "Тиховодск", "в Тиховодске", "Tykhovodsk"),  # invented
}


@dataclass(frozen=True)
class Facility:
    uk: tuple[str, ...]      # nominative aliases
    uk_loc: tuple[str, ...]  # "у СІЗО-2 м. Таганрог"
    ru: tuple[str, ...]
    ru_loc: tuple[str, ...]
    en: tuple[str, ...]
    en_loc: tuple[str, ...]


FACILITIES: dict[str, Facility] = {
    "sizo2": Facility(("СІЗО-2 Таганрог", "СІЗО №2 м. Таганрог"), ("у СІЗО-2 м. Таганрог", "у СІЗО №2 в Таганрозі"),
                      ("СИЗО-2 г. Таганрог", "СИЗО №2 г. Таганрога"), ("в СИЗО-2 г. Таганрога", "в СИЗО №2 Таганрога"),
                      ("SIZO-2 Taganrog", "pre-trial detention centre No. 2 in Taganrog"),
                      ("in SIZO-2 Taganrog", "at SIZO No. 2 in Taganrog")),
    "olenivka": Facility(("Оленівська виправна колонія №120", "Оленівка"),
                         ("в Оленівській виправній колонії №120", "в Оленівці"),
                         ("Еленовская исправительная колония №120", "Еленовка"),
                         ("в Еленовской исправительной колонии №120", "в Еленовке"),
                         ("Olenivka colony No. 120", "Olenivka"), ("at Olenivka colony No. 120", "in Olenivka")),
    "ik1": Facility(("ІК-1 Донской", "виправна колонія №1 м. Донской"), ("в ІК-1 Донской", "у виправній колонії №1 м. Донской"),
                    ("ИК-1 Донской", "исправительная колония №1 г. Донской"),
                    ("в ИК-1 Донской", "в исправительной колонии №1 г. Донской"),
                    ("IK-1 Donskoy", "penal colony No. 1 in Donskoy"), ("at IK-1 Donskoy", "in penal colony No. 1, Donskoy")),
    "itt": Facility(("ІТТ м. Тиховодськ", "ізолятор тимчасового тримання в Тиховодську"),  # invented town
                    ("в ІТТ м. Тиховодськ", "в ізоляторі тимчасового тримання в Тиховодську"),
                    ("ИВС г. Тиховодск", "изолятор временного содержания в Тиховодске"),
                    ("в ИВС г. Тиховодск", "в изоляторе временного содержания в Тиховодске"),
                    ("Tykhovodsk temporary detention facility", "the ITT in Tykhovodsk"),
                    ("at the Tykhovodsk temporary detention facility", "in the ITT in Tykhovodsk")),
}

UK_MONTHS = ["січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня",
             "листопада", "грудня"]
RU_MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
             "ноября", "декабря"]
EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]


def uk_date(d: dt.date) -> str:
    return f"{d.day} {UK_MONTHS[d.month - 1]} {d.year}"


def ru_date(d: dt.date) -> str:
    return f"{d.day} {RU_MONTHS[d.month - 1]} {d.year} г."


def en_date(d: dt.date) -> str:
    return f"{EN_MONTHS[d.month - 1]} {d.day}, {d.year}"


def num_date(d: dt.date) -> str:
    return d.strftime("%d.%m.%Y")


def _rand_date(rng: random.Random, start: dt.date = dt.date(2022, 2, 24), end: dt.date = dt.date(2024, 6, 30)) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


# --------------------------------------------------------------------------------------------------------------
# a tiny document model and its renderers
# --------------------------------------------------------------------------------------------------------------

@dataclass
class Doc:
    """Title plus blocks: ("h", text) | ("p", text) | ("table", header, rows) | ("break",)."""
    title: str
    blocks: list[tuple[Any, ...]] = field(default_factory=list)

    def h(self, text: str) -> "Doc":
        self.blocks.append(("h", text))
        return self

    def p(self, *texts: str) -> "Doc":
        self.blocks.extend(("p", t) for t in texts)
        return self

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> "Doc":
        self.blocks.append(("table", list(header), [list(r) for r in rows]))
        return self

    def page_break(self) -> "Doc":
        self.blocks.append(("break",))
        return self

    def plain_text(self) -> str:
        out = [self.title, "=" * min(len(self.title), 72), ""]
        for block in self.blocks:
            if block[0] == "h":
                out += [block[1].upper(), ""]
            elif block[0] == "p":
                out += [textwrap.fill(block[1], 88), ""]
            elif block[0] == "table":
                out += [" | ".join(block[1])] + [" | ".join(r) for r in block[2]] + [""]
            elif block[0] == "break":
                out += ["", ""]
        out += ["--", DISCLAIMER, ""]
        return "\n".join(out)


def _new_pdf(title: str, *, footer: bool = True):
    from fpdf import FPDF

    font = _pdf_font()

    class DemoPDF(FPDF):
        def footer(self) -> None:
            if not footer:
                return
            self.set_y(-12)
            self.set_font("DejaVu", size=7)
            self.cell(0, 5, f"{DISCLAIMER} · {self.page_no()}/{{nb}}", align="C")

    pdf = DemoPDF(format="A4")
    pdf.set_creation_date(FIXED_TIMESTAMP)
    pdf.set_title(title)
    pdf.set_author("svidok demo corpus (fictional)")
    pdf.set_creator("svidok ingest.demo_corpus")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font("DejaVu", "", font)  # one face only: every face is parsed again for every document
    return pdf


def render_pdf(doc: Doc, *, encrypt_password: str | None = None) -> bytes:
    pdf = _new_pdf(doc.title)
    if encrypt_password:
        from fpdf.enums import EncryptionMethod
        # RC4 needs no extra library; the user password is needed to open it at all
        pdf.set_encryption(owner_password=encrypt_password + "-owner", user_password=encrypt_password,
                           encryption_method=EncryptionMethod.RC4)
    pdf.add_page()
    pdf.set_font("DejaVu", "", 14)
    pdf.multi_cell(0, 7, doc.title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for block in doc.blocks:
        kind = block[0]
        if kind == "h":
            pdf.set_font("DejaVu", "", 12)
            pdf.multi_cell(0, 6, block[1], align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif kind == "p":
            pdf.set_font("DejaVu", "", 10)
            # left-aligned: pdfminer splits the widened gaps of justified lines into separate text boxes
            pdf.multi_cell(0, 5, block[1], align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif kind == "table":
            pdf.set_font("DejaVu", "", 8)
            from fpdf.fonts import FontFace
            widths = [min(40, max(3, *(len(r[c]) for r in [block[1]] + block[2]))) for c in range(len(block[1]))]
            with pdf.table(line_height=4.5, first_row_as_headings=True, col_widths=widths, text_align="LEFT",
                           headings_style=FontFace(emphasis="", fill_color=(225, 225, 225))) as table:
                for row in [block[1]] + block[2]:
                    cells = table.row()
                    for value in row:
                        cells.cell(value)
            pdf.ln(3)
        elif kind == "break":
            pdf.add_page()
    return bytes(pdf.output())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a ZIP with fixed timestamps so that the bytes depend only on the contents."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE), src.read(info.filename),
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def render_docx(doc: Doc, *, author: str = "svidok demo (fictional)") -> bytes:
    import docx

    d = docx.Document()
    props = d.core_properties
    props.title, props.author, props.last_modified_by = doc.title, author, author
    props.created = props.modified = props.last_printed = FIXED_TIMESTAMP.replace(tzinfo=None)
    props.revision = 1
    d.add_heading(doc.title, level=1)
    for block in doc.blocks:
        kind = block[0]
        if kind == "h":
            d.add_heading(block[1], level=2)
        elif kind == "p":
            d.add_paragraph(block[1])
        elif kind == "table":
            header, rows = block[1], block[2]
            table = d.add_table(rows=1 + len(rows), cols=len(header))
            table.style = "Table Grid"
            for row_obj, row in zip(table.rows, [header] + rows):
                for cell, value in zip(row_obj.cells, row):
                    cell.text = value
        elif kind == "break":
            d.add_page_break()
    d.add_paragraph(DISCLAIMER)
    buf = io.BytesIO()
    d.save(buf)
    return _normalise_zip(buf.getvalue())


def render_html(doc: Doc, lang: str) -> bytes:
    parts = [f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
             f"<title>{escape(doc.title)}</title>\n</head>\n<body>\n<h1>{escape(doc.title)}</h1>\n"]
    for block in doc.blocks:
        if block[0] == "h":
            parts.append(f"<h2>{escape(block[1])}</h2>\n")
        elif block[0] == "p":
            parts.append(f"<p>{escape(block[1])}</p>\n")
        elif block[0] == "table":
            parts.append("<table border=\"1\">\n<tr>" + "".join(f"<th>{escape(h)}</th>" for h in block[1]) + "</tr>\n")
            for row in block[2]:
                parts.append("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>\n")
            parts.append("</table>\n")
    parts.append(f"<footer><small>{escape(DISCLAIMER)}</small></footer>\n</body>\n</html>\n")
    return "".join(parts).encode("utf-8")


def render_scan_pdf(lines: Sequence[str], rng: random.Random, *, title: str) -> bytes:
    """An image-only PDF: the text is drawn into a bitmap, so the PDF has no text layer (needs OCR)."""
    from PIL import Image, ImageDraw, ImageFont  # Pillow is a dependency of fpdf2

    regular, _ = font_paths()
    width, height = 992, 1403  # A4 at 120 dpi
    img = Image.new("L", (width, height), 246)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(regular), 22)
    y = 110
    for line in lines:
        for chunk in textwrap.wrap(line, 62) or [""]:
            draw.text((90, y), chunk, fill=rng.randint(20, 60), font=font)
            y += 34
        y += 10
    draw.ellipse((640, y + 20, 860, y + 240), outline=90, width=4)  # a stamp
    draw.text((690, y + 115), "М.П.", fill=90, font=font)
    for _ in range(1500):  # scanner dust
        x, yy = rng.randrange(width), rng.randrange(height)
        draw.point((x, yy), fill=rng.randint(120, 200))
    img = img.rotate(0.6, fillcolor=246, resample=Image.Resampling.BICUBIC)
    from fpdf import FPDF
    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_TIMESTAMP)
    pdf.set_title(title)
    pdf.set_creator("svidok ingest.demo_corpus (image-only scan)")
    pdf.add_page()
    pdf.image(img, x=0, y=0, w=210, h=297)
    return bytes(pdf.output())


def render_photo_png(rng: random.Random, lines: Sequence[str]) -> bytes:
    """A 'photo' of a handwritten parcel receipt lying on a table (PNG, no text layer)."""
    from PIL import Image, ImageDraw, ImageFont

    regular, _ = font_paths()
    w, h = 800, 600
    img = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(img)
    for y in range(h):  # wooden-table gradient
        shade = 90 + (y * 60) // h
        draw.line([(0, y), (w, y)], fill=(shade + 40, shade + 10, shade - 30))
    paper = Image.new("RGB", (520, 380), (238, 234, 222))
    pd = ImageDraw.Draw(paper)
    font = ImageFont.truetype(str(regular), 20)
    y = 24
    for line in lines:
        pd.text((24, y), line, fill=(30, 40, 110), font=font)
        y += 36
    paper = paper.rotate(rng.uniform(-8, -3), expand=True, fillcolor=(0, 0, 0))
    mask = paper.convert("L").point(lambda v: 255 if v > 0 else 0)
    img.paste(paper, (120, 80), mask)
    for _ in range(3000):  # sensor noise
        x, yy = rng.randrange(w), rng.randrange(h)
        r, g, b = img.getpixel((x, yy))
        d = rng.randint(-18, 18)
        img.putpixel((x, yy), (max(0, min(255, r + d)), max(0, min(255, g + d)), max(0, min(255, b + d))))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


_LEGACY_PUNCT = str.maketrans({"—": "-", "–": "-", "«": '"', "»": '"', "’": "'", "·": "-", "№": "N"})


def encode_legacy(text: str, encoding: str) -> bytes:
    """``text`` in a legacy 8-bit codepage (cp1251, koi8_u): typographic punctuation it lacks becomes ASCII."""
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.translate(_LEGACY_PUNCT).encode(encoding)


def _zip_bytes(entries: Iterable[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(zipfile.ZipInfo(name, date_time=_ZIP_DATE), data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------------------------
# the documents (all fictional)
# --------------------------------------------------------------------------------------------------------------

K, M, T = MAIN_CAST["kovalenko"], MAIN_CAST["melnychuk"], MAIN_CAST["tkachuk"]
B, BC, H = MAIN_CAST["bondar"], MAIN_CAST["bondar_child"], MAIN_CAST["hnatiuk"]
L, S = MAIN_CAST["lysenko"], MAIN_CAST["savchuk"]
K_DETAINED = dt.date(2022, 3, 14)
M_DETAINED = dt.date(2022, 4, 21)
T_CAPTURED = dt.date(2022, 5, 17)
B_DEPORTED = dt.date(2022, 4, 5)
H_DETAINED = dt.date(2022, 8, 9)
L_DETAINED = dt.date(2022, 6, 30)
S_DETAINED = dt.date(2022, 9, 12)
K_SENTENCED = dt.date(2023, 12, 12)


def _case_no(rng: random.Random, fmt: str) -> str:
    return fmt.format(rng.randint(100, 999), rng.randint(1000, 9999))


def testimony_kovalenko_uk(rng: random.Random) -> Doc:
    interviewed = dt.date(2023, rng.randint(1, 6), rng.randint(1, 28))
    d = Doc(f"Свідчення щодо затримання {K.uk_gen}")
    d.p(f"Протокол опитування свідка № {rng.randint(10, 99)}/2023. Дата опитування: {uk_date(interviewed)} року. "
        f"Місце: м. Запоріжжя. Опитувач: юрист Тиховодської правозахисної групи (вигадана організація).",
        "Я, Верболоз Світлана Миколаївна, 1981 року народження, проживаю в м. Мелітополь по сусідству з родиною "
        "Коваленків. Даю ці пояснення добровольно і розумію, що вони можуть бути використані в суді.")
    d.h("Обставини затримання")
    d.p(f"{uk_date(K_DETAINED)} року близько 7:40 ранку до будинку {K.uk_gen} під'їхали два автомобілі без "
        "номерних знаків. Озброєні люди у формі без розпізнавальних знаків вивели Івана з будинку, наділи йому на "
        "голову мішок і посадили в машину. Обшук тривав близько години; забрали ноутбук і телефони.",
        "Дружина Івана, Коваленко Любов Андріївна, того ж дня зверталася до місцевої комендатури, але їй "
        "відповіли, що такої особи в них немає. Офіційного повідомлення про затримання родина не отримала.",
        f"{K.uk_short} — вчитель історії, до війни працював у школі {CITIES['melitopol'].uk_loc}, жодного "
        "стосунку до військової служби не мав.")
    d.h("Місця утримання")
    d.p("Приблизно через два місяці, у травні 2022 року, родина отримала перший лист від Івана. У листі він "
        "повідомив, що перебуває у СІЗО-2 Таганрог. Лист мав штамп «Проверено».",
        f"Від звільненої у 2023 році {M.uk_gen} родина дізналася, що вона бачила {K.uk_short_gen} у СІЗО №2 "
        "Таганрога восени 2022 року; за її словами, він сильно схуд і мав проблеми з серцем.")
    d.page_break()
    d.h("Додаток 1. Хронологія (зі слів свідка)")
    d.table(["Дата", "Подія"], [
        [num_date(K_DETAINED), f"затримання {CITIES['melitopol'].uk_loc}"],
        ["травень 2022", "перший лист із СІЗО-2 Таганрог"],
        [num_date(K_SENTENCED), "вирок Приазовського окружного військового суду: 12 років позбавлення волі"],
    ])
    d.p("Свідок ознайомилася з текстом і підтверджує його правильність. Підпис: /Верболоз С. М./")
    return d


def testimony_kovalenko_en(rng: random.Random) -> Doc:
    d = Doc(f"Witness statement concerning the detention of {K.en} (English translation)")
    d.p("Translated from Ukrainian by a volunteer translator of the Tykhovodsk Human Rights Group (fictional). "
        "The original statement is held in the same collection.",
        f"On {en_date(K_DETAINED)}, at about 7:40 am, two cars without number plates stopped at the house of "
        f"{K.en} ({K.uk}) in Melitopol. Armed men in uniforms without insignia put a bag over his head and took "
        "him away. His wife asked at the local commandant's office the same day and was told that no such person "
        "was held there.",
        "In May 2022 the family received his first letter. He wrote that he was held in SIZO-2 Taganrog "
        f"(pre-trial detention centre No. 2). A fellow detainee, {M.en}, released in 2023, saw him there in "
        "the autumn of 2022.",
        f"On {en_date(K_SENTENCED)} the family learned that a Russian military court had sentenced him to "
        "12 years' imprisonment for alleged espionage.")
    return d


def testimony_melnychuk_ru(rng: random.Random) -> Doc:
    d = Doc(f"Показания {M.ru_gen} об условиях содержания")
    d.p(f"Я, {M.ru}, {num_date(M.born)} года рождения, жительница г. Херсон, даю настоящие показания "
        "добровольно.",
        f"{ru_date(M_DETAINED)} меня задержали на блокпосту при выезде из Херсона. Телефон проверили, нашли "
        "переписку с двоюродным братом, служащим в ВСУ. Мне надели на голову пакет и отвезли в здание, где "
        "держали трое суток без еды.",
        f"Затем меня перевезли в Еленовку (Еленовская исправительная колония №120). В камере, рассчитанной на "
        "шесть человек, находилось около двадцати женщин. Медицинской помощи не оказывали.",
        f"Осенью 2022 года меня этапировали в СИЗО-2 г. Таганрога. На прогулке я видела {K.ru_short_gen} — "
        "учителя из Мелитополя. Он сильно похудел и жаловался на сердце.")
    d.h("Освобождение")
    d.p(f"Я была освобождена в ходе обмена {ru_date(dt.date(2023, 5, rng.randint(2, 28)))} Обвинение мне так и "
        "не предъявили. Прошу приобщить эти показания к материалам дела.")
    return d


def statement_tkachuk_en(rng: random.Random) -> Doc:
    d = Doc(f"Statement of {T.en}, former prisoner of war")
    d.p(f"I, {T.en} ({T.uk}), born {en_date(T.born)}, make this statement voluntarily.",
        f"I was captured on {en_date(T_CAPTURED)} in Mariupol together with about forty members of my unit. We "
        "were transported by bus to Olenivka colony No. 120 (the Russian documents call it Еленовка).",
        "In Olenivka we were held in a barrack meant for eighty people; there were more than three hundred. "
        "Interrogations took place at night. I was beaten during the 'reception' and lost two teeth.",
        f"On {en_date(dt.date(2022, 10, rng.randint(1, 28)))} I was transferred to SIZO-2 Taganrog, and released in "
        f"an exchange on {num_date(dt.date(2023, 2, rng.randint(1, 28)))}.")
    return d


def testimony_bondar_uk(rng: random.Random) -> Doc:
    d = Doc(f"Свідчення {B.uk_gen} про депортацію сина")
    d.p(f"Я, {B.uk}, проживала з сином Максимом Бондарем ({num_date(BC.born)} р. н.) "
        f"{CITIES['mariupol'].uk_loc}.",
        f"{uk_date(B_DEPORTED)} року під час «евакуації» з фільтраційного пункту мого сина, {BC.uk}, "
        "відокремили від мене і вивезли автобусом разом з іншими дітьми. Мені сказали, що дітей везуть «на "
        "оздоровлення».",
        "Пізніше я дізналася, що його помістили до дитячого закладу на території Російської Федерації. "
        "Зв'язок із сином був лише кілька разів телефоном.",
        "Прошу допомогти повернути мого сина. Додаю копію свідоцтва про народження.")
    return d


def testimony_hnatiuk_ru(rng: random.Random) -> Doc:
    d = Doc(f"Показания брата {H.ru_gen}")
    d.p(f"Мой брат, {H.ru}, {num_date(H.born)} г. р., был задержан {ru_date(H_DETAINED)} в Бердянске, у себя "
        "дома. Основанием назвали «проверку».",
        "Сначала его держали в ИВС г. Тиховодск, потом перевели в СИЗО-2 г. Таганрог. Адвоката по соглашению "
        "к нему не допускали.",
        f"После приговора брата этапировали в ИК-1 Донской (исправительная колония №1 г. Донской). "
        f"Последнее письмо от {H.ru_short_gen} пришло {num_date(dt.date(2024, 2, rng.randint(1, 28)))}.")
    return d


def testimony_savchuk_uk(rng: random.Random) -> Doc:
    d = Doc(f"Пояснення щодо зникнення {S.uk_gen}")
    d.p(f"{S.uk_short}, {S.born.year} року народження, зник {uk_date(S_DETAINED)} року {CITIES['kherson'].uk_loc}. "
        "Сусіди бачили, як його посадили в мікроавтобус біля ринку.",
        f"Через пів року звільнений співкамерник розповів, що бачив {S.uk_short_gen} в Оленівці. "
        "Офіційно російська сторона факт утримання не підтверджує.",
        f"Дата затримання за нашими даними: {num_date(S_DETAINED)}.")
    return d


def testimony_lysenko_uk(rng: random.Random) -> Doc:
    d = Doc(f"Свідчення колеги про затримання журналістки {L.uk_gen}")
    d.p(f"{L.uk}, журналістка місцевого видання, була затримана {uk_date(L_DETAINED)} року "
        f"{CITIES['melitopol'].uk_loc} після публікації про обшуки в школах.",
        "Її тримали в ізоляторі тимчасового тримання в Тиховодську, потім — у СІЗО №2 м. Таганрог. Їй "
        "інкримінують «шпигунство».",
        "Ґрати, холод і відсутність ліків — так вона описала умови в єдиному листі. Прошу внести ці відомості "
        "до бази даних.")
    return d


def sentence_kovalenko_ru(rng: random.Random) -> Doc:
    case = _case_no(rng, "1-{0}/2023")
    d = Doc("ПРИГОВОР ИМЕНЕМ РОССИЙСКОЙ ФЕДЕРАЦИИ")
    d.p(f"Дело № {case}. г. Ростов-на-Дону, {ru_date(K_SENTENCED)}",
        "Приазовский окружной военный суд (вымышленный суд) в составе председательствующего судьи Суворина А. В., "
        "судей Лапина Д. С. и Орловой Е. Н., при секретаре Марковой И. И., с участием государственного обвинителя "
        "Зимина К. О., подсудимого Коваленко И. П., защитника — адвоката Белова С. Р. (по назначению), рассмотрев "
        "в открытом судебном заседании уголовное дело в отношении",
        f"{K.ru_gen.upper()}, родившегося {ru_date(K.born)} в г. Мелитополе Запорожской области, гражданина "
        f"Украины, с высшим образованием, работавшего учителем истории, ранее не судимого, содержащегося под "
        f"стражей с {ru_date(K_DETAINED)},",
        "обвиняемого в совершении преступления, предусмотренного ст. 276 УК РФ,")
    d.h("УСТАНОВИЛ:")
    d.p("Согласно обвинительному заключению, Коваленко И. П. в период с февраля по март 2022 г., находясь в "
        "г. Мелитополе, собирал сведения о перемещении военной техники и передавал их посредством мессенджера "
        "неустановленному лицу.",
        f"{ru_date(K_DETAINED)} Коваленко И. П. был задержан и {num_date(dt.date(2022, 3, 16))} доставлен в "
        "СИЗО-2 г. Таганрога, где содержался до вынесения приговора.")
    d.page_break()
    d.h("Показания подсудимого")
    d.p(f"Подсудимый {K.ru_short} вину не признал и показал, что является учителем, никаких сведений никому не "
        "передавал. Показания на предварительном следствии даны им под давлением, без защитника, в условиях "
        "содержания в СИЗО №2 Таганрога.",
        "Суд критически относится к показаниям подсудимого и расценивает их как способ защиты. Доводы о "
        "применении недозволенных методов проверены и не нашли подтверждения.",
        "Свидетель под псевдонимом «Иванов» показал, что видел подсудимого возле железнодорожного вокзала. "
        "Личность свидетеля стороне защиты не раскрыта.")
    d.page_break()
    d.h("ПРИГОВОРИЛ:")
    d.p(f"Признать {K.ru_gen} виновным в совершении преступления, предусмотренного ст. 276 УК РФ, и назначить ему "
        "наказание в виде лишения свободы сроком на 12 (двенадцать) лет с отбыванием первых 4 лет в тюрьме, "
        "остальной части — в исправительной колонии строгого режима.",
        f"Срок наказания исчислять со дня вступления приговора в законную силу. Зачесть в срок наказания время "
        f"содержания под стражей с {num_date(K_DETAINED)}.",
        "Приговор может быть обжалован в апелляционном порядке в течение 15 суток.",
        "Председательствующий судья А. В. Суворин (подпись)")
    return d


def ruling_melnychuk_uk(rng: random.Random) -> Doc:
    decided = dt.date(2023, 9, rng.randint(1, 28))
    d = Doc("РІШЕННЯ ІМЕНЕМ УКРАЇНИ")
    d.p(f"Справа № {_case_no(rng, '{0}/{1}/23')}. {uk_date(decided)} року. м. Тиховодськ.",
        "Тиховодський районний суд Запорізької області (вигаданий суд) у складі головуючого судді Остапенко Н. В., "
        "за участю секретаря судового засідання Рибак О. І., розглянувши у відкритому судовому засіданні в порядку "
        "окремого провадження цивільну справу за заявою Мельничук Галини Іванівни про встановлення факту "
        "позбавлення особистої свободи внаслідок збройної агресії проти України,")
    d.h("ВСТАНОВИВ:")
    d.p(f"{M.uk}, {num_date(M.born)} р. н., була затримана {uk_date(M_DETAINED)} року "
        f"{CITIES['kherson'].uk_loc} військовослужбовцями збройних сил російської федерації.",
        "Згідно з показаннями свідків та листом Міжнародного комітету (копія в матеріалах справи), заявниця "
        "утримувалась в Оленівській виправній колонії №120 (Оленівка), згодом — у СІЗО-2 м. Таганрог.",
        f"Суд дійшов висновку, що факт позбавлення особистої свободи {M.uk_gen} у період з "
        f"{num_date(M_DETAINED)} до дня звільнення доведено належними доказами.")
    d.page_break()
    d.h("ВИРІШИВ:")
    d.p(f"Заяву задовольнити. Встановити факт позбавлення особистої свободи {M.uk_gen} внаслідок збройної агресії "
        f"проти України, починаючи з {uk_date(M_DETAINED)} року.",
        "Рішення може бути оскаржене до апеляційного суду протягом тридцяти днів.",
        "Суддя Н. В. Остапенко")
    return d


def indictment_hnatiuk_ru(rng: random.Random) -> Doc:
    d = Doc(f"ОБВИНИТЕЛЬНОЕ ЗАКЛЮЧЕНИЕ по обвинению {H.ru_gen}")
    d.p(f"Уголовное дело № {_case_no(rng, '12302{1}{0}')}. Утверждаю: заместитель прокурора (подпись).",
        f"Обвиняемый: {H.ru}, {ru_date(H.born)} рождения, уроженец г. Бердянска, гражданин Украины.",
        f"Обвиняется в совершении преступления, предусмотренного ч. 2 ст. 205.5 УК РФ. Задержан {num_date(H_DETAINED)}; "
        "мера пресечения — заключение под стражу, содержится в СИЗО-2 г. Таганрог.")
    d.h("Существо обвинения")
    d.p("По версии следствия, обвиняемый состоял в запрещённой организации. Доказательства: протокол осмотра "
        "телефона, показания засекреченного свидетеля. Обвиняемый вину не признал.")
    d.h("Список лиц, подлежащих вызову в суд")
    d.table(["№", "Лицо", "Процессуальный статус"], [
        ["1", H.ru, "обвиняемый"],
        ["2", "«Петров» (псевдоним)", "свидетель обвинения"],
        ["3", "Гнатюк Олег Алексеевич", "свидетель защиты"],
    ])
    return d


def memo_kovalenko_en(rng: random.Random) -> Doc:
    d = Doc(f"Legal memo: the sentence against {K.en} and the fair-trial issues it raises")
    d.p(f"Prepared for a possible application to the European Court of Human Rights. {K.en} ({K.ru}) was detained "
        f"on {en_date(K_DETAINED)} in Melitopol and sentenced on {en_date(K_SENTENCED)} by a Russian military court "
        "to 12 years under Article 276 of the Russian Criminal Code.",
        "Issues: detention without notification of relatives (Art. 5), statements obtained under duress at "
        "SIZO-2 Taganrog (Art. 3 and Art. 6), anonymous witness not examined by the defence (Art. 6 § 3 (d)).",
        "Exhibits: the witness statement of S. M. Verboloz (Ukrainian original and English translation), the "
        "letter from SIZO No. 2 of May 2022, the sentence (Russian).")
    return d


def letter_kovalenko_uk(rng: random.Random) -> Doc:
    sent = dt.date(2022, 5, rng.randint(2, 20))
    d = Doc("Лист із СІЗО №2 (Таганрог)")
    d.p(f"{uk_date(sent)}. Люба, рідна, привіт! Я живий, мене тримають у СІЗО-2 Таганрог. Годують двічі на день, "
        "у камері нас восьмеро. Передай мамі, щоб не хвилювалася.",
        "Мені кажуть, що буде суд, але за що — я не знаю. Адвоката я не бачив. Якщо можна, передай теплі речі "
        "і ліки від тиску.",
        "Цілую тебе і дітей. Твій Іван. (Коваленко І. П., камера 2-14)",
        "Штамп: «Проверено. ФКУ СИЗО-2»")
    return d


def letter_hnatiuk_ru(rng: random.Random) -> Doc:
    sent = dt.date(2024, 2, rng.randint(1, 28))
    d = Doc("Письмо из ИК-1 Донской")
    d.p(f"{num_date(sent)}. Здравствуй, Оля! Пишу по-русски, иначе письмо не пропустят. Меня перевели в ИК-1 "
        "Донской, отряд 5. Работаю на швейке по 10 часов.",
        "Здоровье так себе, зубы болят, врача жду второй месяц. Посылки разрешены раз в квартал, отправляй на "
        "моё полное имя: Гнатюк Пётр Алексеевич.",
        "Передавай привет всем нашим в Бердянске. Твой брат Петя.")
    return d


def letter_ngo_en(rng: random.Random) -> Doc:
    d = Doc("Request for information about detained civilians")
    d.p(f"To the Office of the Ombudsperson (fictional). {en_date(dt.date(2023, 3, rng.randint(1, 28)))}.",
        f"We write on behalf of the families of {K.en}, {H.en} and {L.en}, Ukrainian civilians detained in 2022 "
        "and, to the best of our knowledge, held in SIZO-2 Taganrog and IK-1 Donskoy.",
        "We ask you to request confirmation of their whereabouts and state of health, and access for their "
        "lawyers. Copies of the family testimonies are enclosed.",
        "Tykhovodsk Human Rights Group (fictional)")
    return d


def _detainee_rows(rng: random.Random, n: int, facility: str, lang: str) -> list[list[str]]:
    cast = [K, M, H, L] if facility == "sizo2" else [T, S, M]
    people = cast + [random_person(rng) for _ in range(n - len(cast))]
    rng.shuffle(people)
    rows = []
    known = {"kovalenko": ("melitopol", K_DETAINED), "melnychuk": ("kherson", M_DETAINED),
             "hnatiuk": ("berdiansk", H_DETAINED), "lysenko": ("melitopol", L_DETAINED),
             "tkachuk": ("mariupol", T_CAPTURED), "savchuk": ("kherson", S_DETAINED)}
    for i, p in enumerate(people, 1):
        city = rng.choice(list(CITIES.values()))
        when = _rand_date(rng, dt.date(2022, 2, 24), dt.date(2022, 12, 31))
        if p.key in known:  # the main cast keeps the facts their other documents state
            city, when = CITIES[known[p.key][0]], known[p.key][1]
        if lang == "ru":
            rows.append([str(i), p.ru, num_date(p.born), city.ru, num_date(when)])
        elif lang == "uk":
            rows.append([str(i), p.uk, num_date(p.born), city.uk, uk_date(when)])
        else:
            rows.append([str(i), p.en, p.uk, p.born.isoformat(), city.en, en_date(when)])
    return rows


def list_sizo2_ru(rng: random.Random) -> Doc:
    d = Doc("Список лиц, содержащихся в ФКУ СИЗО-2 г. Таганрог (граждане Украины)")
    d.p(f"По состоянию на {ru_date(dt.date(2022, 11, rng.randint(1, 28)))} Для служебного пользования.")
    d.table(["№", "ФИО", "Дата рождения", "Место задержания", "Дата задержания"], _detainee_rows(rng, 90, "sizo2", "ru"))
    return d


def list_olenivka_uk(rng: random.Random) -> Doc:
    d = Doc("Список осіб, яких перевели з Оленівки (Оленівська виправна колонія №120)")
    d.p("Складено за свідченнями звільнених осіб. Дані потребують перевірки.")
    d.table(["№", "ПІБ", "Дата народження", "Місто", "Дата затримання"], _detainee_rows(rng, 40, "olenivka", "uk"))
    return d


def list_exchange_en(rng: random.Random) -> Doc:
    d = Doc("Civilians reported released in an exchange (unverified working list)")
    d.p(f"Compiled from family reports; last update {en_date(dt.date(2023, 6, rng.randint(1, 28)))}. Facilities "
        "named by former detainees: SIZO-2 Taganrog, Olenivka (Еленовка), IK-1 Donskoy.")
    d.table(["#", "Name (Latin)", "Name (Cyrillic)", "Born", "Detained in", "Detained on"],
            _detainee_rows(rng, 25, "olenivka", "en"))
    return d


def list_deported_children_uk(rng: random.Random) -> Doc:
    d = Doc("Список дітей, вивезених з Маріуполя (робочий, неперевірений)")
    d.p("Складено зі звернень батьків. Персональні дані дітей — лише для слідчих і юристів.")
    rows = [["1", BC.uk, num_date(BC.born), CITIES["mariupol"].uk, uk_date(B_DEPORTED), B.uk]]
    for i in range(2, 16):
        parent = random_person(rng)
        child = f"{parent.uk.split()[0]} {rng.choice(_FIRST_NAMES)[0]}"  # the parent's surname
        born = dt.date(rng.randint(2007, 2016), rng.randint(1, 12), rng.randint(1, 28))
        taken = _rand_date(rng, dt.date(2022, 3, 1), dt.date(2022, 9, 30))
        rows.append([str(i), child, num_date(born), rng.choice(list(CITIES.values())).uk, uk_date(taken), parent.uk])
    d.table(["№", "Дитина", "Дата народження", "Звідки", "Дата вивезення", "Заявник"], rows)
    return d


def appeal_kovalenko_ru(rng: random.Random) -> Doc:
    d = Doc("АПЕЛЛЯЦИОННОЕ ОПРЕДЕЛЕНИЕ")
    decided = dt.date(2024, 4, rng.randint(1, 28))
    d.p(f"Дело № {_case_no(rng, '55-{0}/2024')}. {ru_date(decided)}",
        "Апелляционный военный суд (вымышленный состав) рассмотрел апелляционную жалобу защитника на приговор "
        f"Приазовского окружного военного суда от {ru_date(K_SENTENCED)} в отношении {K.ru_gen}.",
        "Доводы жалобы о получении показаний под давлением в СИЗО-2 г. Таганрог и о невозможности допросить "
        "засекреченного свидетеля судебная коллегия признала несостоятельными.")
    d.h("ОПРЕДЕЛИЛА:")
    d.p("Приговор оставить без изменения, апелляционную жалобу — без удовлетворения.")
    return d


def letter_tkachuk_uk(rng: random.Random) -> str:
    return (f"Лист {T.uk_gen} батькам (переданий через звільненого побратима)\n\n"
            f"Мамо, тату! Я в Оленівці, живий. Нас багато, їжі мало. Мене записали як військовополоненого, "
            f"номер {rng.randint(1000, 9999)}.\nНе вірте, якщо скажуть щось інше. Андрій.\n\n--\n{DISCLAIMER}\n")


def medical_tkachuk_ru(rng: random.Random) -> Doc:
    d = Doc(f"Выписка из медицинской карты: {T.ru}")
    d.p(f"Медицинская часть, Еленовская исправительная колония №120. Дата осмотра: "
        f"{ru_date(dt.date(2022, 7, rng.randint(1, 28)))}",
        f"Пациент: {T.ru}, {num_date(T.born)} г. р. Жалобы: боли в грудной клетке, головокружение.",
        "Объективно: гематомы в области рёбер слева, перелом двух зубов. Диагноз: ушиб грудной клетки. "
        "Назначено: анальгетики. Госпитализация не показана.",
        "Фельдшер (подпись неразборчива)")
    return d


def medical_melnychuk_uk(rng: random.Random) -> Doc:
    d = Doc(f"Медичний висновок після звільнення: {M.uk}")
    d.p(f"Тиховодська міська лікарня (вигадана). Дата огляду: {uk_date(dt.date(2023, 5, rng.randint(20, 31)))} року.",
        f"Пацієнтка {M.uk}, {M.born.year} р. н., звільнена з полону. Скарги на безсоння, біль у попереку, "
        "втрату ваги на 11 кг за час утримання в Оленівці та СІЗО-2 Таганрог.",
        "Діагноз: посттравматичний стресовий розлад; хронічний пієлонефрит. Рекомендовано реабілітацію.")
    return d


def monitoring_report_en(rng: random.Random) -> Doc:
    d = Doc("Monitoring report: places of detention of Ukrainian civilians (fictional summary)")
    d.p("This report summarises invented interviews collected for the svidok demo. It shows how the same place "
        "appears under several names in the sources.")
    for key in ("sizo2", "olenivka", "ik1", "itt"):
        f = FACILITIES[key]
        d.h(f.en[0])
        d.p(f"Also written as: {', '.join(f.uk + f.ru + f.en[1:])}.",
            f"Former detainees describe overcrowding, lack of medical care and interrogations without lawyers "
            f"{f.en_loc[0]}. Reported arrivals between {en_date(_rand_date(rng, dt.date(2022, 3, 1), dt.date(2022, 6, 30)))} "
            f"and {en_date(_rand_date(rng, dt.date(2022, 7, 1), dt.date(2023, 12, 31)))}.")
        d.page_break()
    d.h("Annex: persons mentioned")
    d.table(["Name", "Cyrillic", "Facility"], [[K.en, K.uk, "SIZO-2"], [M.en, M.uk, "Olenivka, SIZO-2"],
                                               [T.en, T.uk, "Olenivka"], [H.en, H.ru, "IK-1 Donskoy"]])
    return d


def application_draft_en(rng: random.Random) -> Doc:
    d = Doc(f"Draft application: {K.en} v. Russia")
    d.p(f"Applicant: Liubov Kovalenko, wife of {K.en} ({K.uk}), acting on his behalf.",
        f"Facts: detention on {num_date(K_DETAINED)} in Melitopol; held in SIZO-2 Taganrog; sentenced on "
        f"{num_date(K_SENTENCED)} to 12 years.",
        "Complaints under Articles 3, 5 and 6 of the Convention. Draft for discussion only.")
    return d


def neighbour_statement_ru(rng: random.Random) -> Doc:
    d = Doc(f"Объяснение соседки о задержании {M.ru_gen}")
    d.p(f"{ru_date(M_DETAINED)} около полудня я видела, как Оксану остановили на блокпосту на выезде из Херсона. "
        "Её телефон забрали, а её посадили в машину с буквой Z.",
        "Больше я её не видела до лета 2023 года, когда она вернулась после обмена.")
    return d


def letter_melnychuk_family_uk(rng: random.Random) -> str:
    return (f"Мамо, привіт!\n\nМене нарешті звільнили, я вже в Україні. {uk_date(dt.date(2023, 5, 30))} "
            "мене оглянули лікарі. Про Оленівку і Таганрог розкажу при зустрічі.\n\n"
            f"Там, у СІЗО №2, я бачила {K.uk_short_gen} з Мелітополя — передай його дружині, що він живий.\n\n"
            f"Твоя Оксана\n\n--\n{DISCLAIMER}\n")


def scan_notice_lines(rng: random.Random) -> list[str]:
    return [
        "ИЗВЕЩЕНИЕ",
        f"Сообщаем, что {K.ru}, {num_date(K.born)} г. р.,",
        f"содержится в ФКУ СИЗО-2 г. Таганрог с {num_date(dt.date(2022, 3, 16))}.",
        "Свидания не разрешены. Передачи принимаются по графику.",
        f"Исх. № {rng.randint(100, 999)}/ТО от {ru_date(dt.date(2022, 6, rng.randint(1, 28)))}",
        "Начальник учреждения (подпись)",
        "ВЫМЫШЛЕННЫЙ ДОКУМЕНТ / FICTIONAL — svidok demo",
    ]


# --------------------------------------------------------------------------------------------------------------
# the demo corpus
# --------------------------------------------------------------------------------------------------------------

@dataclass
class _Entry:
    path: str
    data: bytes
    meta: dict[str, str] | None  # sidecar row (without path), None = no row


def _meta(title: str, doc_type: str, date: str, language: str, collection: str, classification: str = "public",
          source: str = SOURCE_NGO) -> dict[str, str]:
    return {"title": title, "doc_type": doc_type, "date": date, "language": language, "collection": collection,
            "classification": classification, "source": source}


C_TESTIMONY = "demo-testimonies"
C_COURT = "demo-court-records"
C_LETTERS = "demo-letters-and-lists"
C_MEDICAL = "demo-medical"


def _demo_entries(seed: int) -> list[_Entry]:
    def rng(name: str) -> random.Random:
        return random.Random(f"{seed}:{name}")

    out: list[_Entry] = []

    def add(path: str, data: bytes, meta: dict[str, str] | None) -> None:
        out.append(_Entry(path, data, meta))

    def doc(builder: Callable[[random.Random], Doc]) -> Doc:
        return builder(rng(builder.__name__))

    # testimonies
    d = doc(testimony_kovalenko_uk)
    add("testimonies/kovalenko_testimony_uk.pdf", render_pdf(d),
        _meta(d.title, "testimony", "2023", "uk", C_TESTIMONY))
    d = doc(testimony_kovalenko_en)
    add("testimonies/kovalenko_testimony_en.docx", render_docx(d),
        _meta(d.title, "testimony", "2023", "en,uk", C_TESTIMONY))
    d = doc(testimony_melnychuk_ru)
    add("testimonies/melnychuk_testimony_ru.pdf", render_pdf(d),
        _meta(d.title, "testimony", "2023-06", "ru", C_TESTIMONY))
    d = doc(statement_tkachuk_en)
    add("testimonies/tkachuk_statement_en.pdf", render_pdf(d),
        _meta(d.title, "testimony", "2023-03-02", "en", C_TESTIMONY))
    d = doc(testimony_bondar_uk)
    add("testimonies/bondar_testimony_uk.docx", render_docx(d),
        _meta(d.title, "testimony", "2022-04-05..2022-12-31", "uk", C_TESTIMONY, "confidential", SOURCE_FAMILY))
    d = doc(testimony_hnatiuk_ru)
    add("testimonies/hnatiuk_testimony_ru_cp1251.txt", encode_legacy(d.plain_text(), "cp1251"),
        _meta(d.title, "testimony", "2024-03", "ru", C_TESTIMONY, source=SOURCE_FAMILY))
    d = doc(testimony_savchuk_uk)  # deliberately no sidecar row: ingest must cope without metadata
    add("testimonies/savchuk_testimony_uk.txt", d.plain_text().encode("utf-8"), None)
    d = doc(testimony_lysenko_uk)
    add("testimonies/lysenko_testimony_uk_koi8u.txt", encode_legacy(d.plain_text(), "koi8_u"),
        _meta(d.title, "testimony", "2022-07", "uk", C_TESTIMONY))

    # court records
    d = doc(sentence_kovalenko_ru)
    add("court/kovalenko_sentence_ru.pdf", render_pdf(d),
        _meta("Приговор: Коваленко Иван Петрович (ст. 276 УК РФ)", "court_decision", K_SENTENCED.isoformat(), "ru",
              C_COURT, source=SOURCE_LAWYER))
    d = doc(ruling_melnychuk_uk)
    add("court/melnychuk_ruling_uk.pdf", render_pdf(d),
        _meta("Рішення: встановлення факту позбавлення особистої свободи Мельничук О. В.", "court_decision", "2023-09",
              "uk", C_COURT))
    d = doc(indictment_hnatiuk_ru)
    add("court/hnatiuk_indictment_ru.docx", render_docx(d),
        _meta(d.title, "indictment", "2023", "ru", C_COURT, source=SOURCE_LAWYER))
    d = doc(memo_kovalenko_en)
    add("court/kovalenko_legal_memo_en.docx", render_docx(d),
        _meta(d.title, "other", "2024-01", "en", C_COURT, "confidential", SOURCE_LAWYER))

    # letters
    d = doc(letter_kovalenko_uk)
    add("letters/kovalenko_letter_sizo2_uk.pdf", render_pdf(d),
        _meta(d.title, "letter", "2022-05", "uk", C_LETTERS, source=SOURCE_FAMILY))
    d = doc(letter_hnatiuk_ru)
    add("letters/hnatiuk_letter_ik1_ru.txt", d.plain_text().encode("utf-8"),
        _meta(d.title, "letter", "2024-02", "ru", C_LETTERS, source=SOURCE_FAMILY))
    d = doc(letter_ngo_en)
    add("letters/ngo_request_en.docx", render_docx(d), _meta(d.title, "letter", "2023-03", "en", C_LETTERS))

    # lists
    d = doc(list_sizo2_ru)
    add("lists/sizo2_taganrog_detainees_ru.pdf", render_pdf(d),
        _meta(d.title, "list", "2022-11", "ru", C_LETTERS))
    d = doc(list_olenivka_uk)
    add("lists/olenivka_transfer_list_uk.docx", render_docx(d),
        _meta(d.title, "list", "2022-03-01..2022-12-31", "uk", C_LETTERS))
    d = doc(list_exchange_en)
    add("lists/exchange_list_en.html", render_html(d, "en"), _meta(d.title, "list", "2023-06", "en,uk", C_LETTERS))

    d = doc(list_deported_children_uk)
    add("lists/deported_children_mariupol_uk.pdf", render_pdf(d),
        _meta(d.title, "list", "2022-03-01..2022-09-30", "uk", C_LETTERS, "confidential"))
    d = doc(appeal_kovalenko_ru)
    add("court/kovalenko_appeal_ru.docx", render_docx(d),
        _meta("Апелляционное определение: Коваленко И. П.", "court_decision", "2024-04", "ru", C_COURT,
              source=SOURCE_LAWYER))
    # UTF-8 with a byte-order mark, as Windows Notepad writes it
    add("letters/tkachuk_letter_olenivka_uk_bom.txt", b"\xef\xbb\xbf" + letter_tkachuk_uk(rng("tkachuk_letter")).encode(),
        _meta(f"Лист {T.uk_gen} з Оленівки", "letter", "2022-06", "uk", C_LETTERS, source=SOURCE_FAMILY))

    # medical
    d = doc(medical_tkachuk_ru)
    add("medical/tkachuk_medical_record_ru.pdf", render_pdf(d),
        _meta(d.title, "medical_record", "2022-07", "ru", C_MEDICAL, "confidential"))
    d = doc(medical_melnychuk_uk)
    add("medical/melnychuk_medical_record_uk.docx", render_docx(d),
        _meta(d.title, "medical_record", "2023-05", "uk", C_MEDICAL, "confidential", SOURCE_FAMILY))

    # other
    d = doc(monitoring_report_en)
    add("reports/monitoring_report_en.pdf", render_pdf(d),
        _meta(d.title, "other", "2022..2023", "en,uk,ru", C_LETTERS))

    # e-mail with a PDF attachment
    r = rng("eml")
    attachment = render_pdf(application_draft_en(r))
    msg = EmailMessage()
    msg["From"] = "Олена Кравець <o.kravets@example.org>"
    msg["To"] = "archive@svidok.example"
    msg["Subject"] = f"Документи щодо {K.uk_gen} / documents re {K.en}"
    msg["Date"] = format_datetime(dt.datetime(2024, 1, 10, 9, 30, tzinfo=dt.timezone.utc))
    msg["Message-ID"] = f"<demo-{seed}-0001@svidok.example>"
    msg.set_content(f"Добрий день!\n\nНадсилаю проєкт заяви до ЄСПЛ щодо {K.uk_gen} (Ivan Kovalenko), затриманого "
                    f"{num_date(K_DETAINED)} у Мелітополі.\n\nЗ повагою,\nОлена Кравець (вигадана особа)\n\n"
                    f"--\n{DISCLAIMER}\n")
    msg.add_attachment(attachment, maintype="application", subtype="pdf", filename="kovalenko_application_draft_en.pdf")
    msg.set_boundary(f"svidok-demo-boundary-{seed}")
    add("mail/kovalenko_application_draft.eml", msg.as_bytes(),
        _meta(f"E-mail: draft application for {K.en}", "letter", "2024-01-10", "uk,en", C_COURT, "confidential",
              SOURCE_LAWYER))

    # a ZIP holding a letter and a statement; its members are items of their own and inherit its row
    r = rng("zip")
    add("archives/melnychuk_family_bundle.zip", _zip_bytes([
        ("melnychuk_bundle/letter_to_mother_uk.txt", letter_melnychuk_family_uk(r).encode("utf-8")),
        ("melnychuk_bundle/neighbour_statement_ru.pdf", render_pdf(neighbour_statement_ru(r))),
    ]), _meta("Family bundle: letter and neighbour's statement about Oksana Melnychuk", "other", "2022..2023",
              "uk,ru", C_LETTERS, source=SOURCE_FAMILY))

    # image-only scan (no text layer) and a photo
    r = rng("scan")
    add("scans/sizo2_notice_scan.pdf", render_scan_pdf(scan_notice_lines(r), r, title="scan"),
        _meta("Извещение СИЗО-2 о содержании Коваленко И. П. (скан)", "letter", "2022-06", "ru", C_LETTERS,
              source=SOURCE_FAMILY))
    r = rng("photo")
    add("photos/sizo2_parcel_receipt.png", render_photo_png(r, [
        "КВИТАНЦИЯ № " + str(r.randint(1000, 9999)), "Передача для: Коваленко И. П.", "ФКУ СИЗО-2 г. Таганрог",
        f"Дата: {num_date(dt.date(2022, 7, r.randint(1, 28)))}", "Вес: 5 кг", "(вымышленный документ)"]),
        _meta("Photo of a parcel receipt, SIZO-2 Taganrog", "photo", "2022-07", "ru", C_LETTERS, source=SOURCE_FAMILY))
    return out


def _broken_entries(seed: int) -> list[_Entry]:
    r = random.Random(f"{seed}:broken")
    whole = render_pdf(neighbour_statement_ru(r))
    enc = render_pdf(Doc("Захищений документ / password-protected statement").p(
        f"Цей файл зашифровано паролем користувача. {K.uk_gen} затримали {uk_date(K_DETAINED)} року."),
        encrypt_password="svidok-demo")
    garbage = b"PK\x03\x04" + r.randbytes(4096)
    return [
        _Entry("broken/empty.pdf", b"", None),
        _Entry("broken/truncated.pdf", whole[: len(whole) * 2 // 5], None),
        _Entry("broken/encrypted.pdf", enc, None),
        _Entry("broken/garbage.docx", garbage, None),
    ]


def _extra_entries(seed: int, batch: int) -> list[_Entry]:
    """More of the same for scale > 1: invented people in every language and text format."""
    r = random.Random(f"{seed}:extra:{batch}")
    out = []
    for i in range(10):
        lang = ("uk", "ru", "en")[i % 3]
        fmt = ("pdf", "docx", "txt", "pdf", "pdf")[i % 5]
        person = random_person(r)
        pages = [page_lines(r, lang, person) for _ in range(r.randint(1, 3))]
        title = {"uk": f"Свідчення щодо {person.uk_gen}", "ru": f"Показания по делу {person.ru_gen}",
                 "en": f"Statement concerning {person.en}"}[lang]
        d = Doc(title)
        for n, lines in enumerate(pages):
            if n:
                d.page_break()
            d.p(*lines)
        data = render_pdf(d) if fmt == "pdf" else render_docx(d) if fmt == "docx" else d.plain_text().encode()
        path = f"extra/batch_{batch:03d}/{i:02d}_{person.en.replace(' ', '_').lower()}_{lang}.{fmt}"
        out.append(_Entry(path, data, _meta(title, "testimony", str(r.randint(2022, 2024)), lang, C_TESTIMONY)))
    return out


def generate(out_dir: Path, *, seed: int = 7, scale: int = 1, broken: bool = True) -> list[Path]:
    """Write the fictional demo corpus into ``out_dir``; return every file written (``metadata.csv`` last).

    Deterministic: the same seed and scale give the same bytes. ``scale`` > 1 adds ten invented testimonies per
    step under ``extra/``; ``broken`` adds ``broken/`` (0-byte, truncated, encrypted PDF, garbage DOCX).
    """
    if scale < 1:
        raise ValueError("scale must be >= 1")
    font_paths()  # fail early and clearly
    out_dir = Path(out_dir)
    entries = _demo_entries(seed)
    for batch in range(1, scale):
        entries += _extra_entries(seed, batch)
    if broken:
        entries += _broken_entries(seed)
    written = []
    for e in entries:
        target = out_dir / e.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(e.data)
        written.append(target)
    sidecar = out_dir / "metadata.csv"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=SIDECAR_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for e in entries:
        if e.meta is not None:
            writer.writerow({"path": e.path, **e.meta})
    sidecar.write_bytes(buf.getvalue().encode("utf-8"))
    written.append(sidecar)
    return written


# --------------------------------------------------------------------------------------------------------------
# the N-page bench corpus
# --------------------------------------------------------------------------------------------------------------

_UK_SENTENCES = [
    "Дата затримання {gen} — {date}, місце — {city}.",
    "За словами свідка, {gen} утримували {floc} щонайменше до {date2}.",
    "Родина не отримувала жодних офіційних повідомлень про місцеперебування {sgen}.",
    "У камері перебувало від дванадцяти до п'ятнадцяти осіб, прогулянок не було, медичної допомоги не надавали.",
    "Листування з рідними дозволили лише після {date2}; листи проходили цензуру адміністрації установи.",
    "Під час допитів від {sgen} вимагали визнати співпрацю зі Збройними силами України.",
    "У матеріалах справи зазначено {num} як дату фактичного затримання {sgen}.",
    "Адвоката до {gen} не допускали, передачі приймали нерегулярно.",
    "Про переведення {sgen} до установи «{fnom}» родина дізналася від звільненого співкамерника.",
    "Свідок просить долучити ці пояснення до матеріалів провадження та підтверджує їх правильність.",
    "{nom} — цивільна особа, до війни працював {job}, до військової служби стосунку не мав.",
]
_RU_SENTENCES = [
    "{nom} был задержан {date} {cityloc} сотрудниками силовых структур.",
    "Местонахождение {sgen} родственникам не сообщалось вплоть до {date2}.",
    "В материалах дела указано, что {snom} содержался {floc} с {num}.",
    "Защитника по соглашению для {gen} к делу не допустили, назначенный адвокат на встречи не приходил.",
    "Согласно справке учреждения «{fnom}», {snom} переведён туда после {date2}.",
    "Свидетель пояснила, что в камере находилось от десяти до четырнадцати человек.",
    "Передачи для {sgen} принимались нерегулярно, письма проходили цензуру.",
    "Суд не усмотрел оснований для изменения меры пресечения и продлил срок содержания под стражей.",
    "Показания даны добровольно, замечаний к протоколу от участвующих лиц не поступило.",
    "Сведений о предъявлении обвинения {sgen} до {date2} в материалах не имеется.",
]
_EN_SENTENCES = [
    "{nom} was detained on {date} in {city} by members of the occupying forces.",
    "According to the witness, {nom} was held {floc} until at least {date2}.",
    "The family received no official notification of the detainee's whereabouts.",
    "Former cellmates reported that {nom} was interrogated repeatedly without a lawyer.",
    "The record gives {num} as the date of the actual arrest.",
    "Correspondence with relatives was only permitted after {date2} and was censored by the administration.",
    "A transfer to {fnom} was reported by a detainee released in an exchange.",
    "The witness asked that this statement be added to the case file.",
    "Between twelve and fifteen people were held in a cell designed for four.",
    "No charges against {nom} were communicated to the family before {date2}.",
]
_UK_JOBS = ["вчителем", "водієм", "інженером", "лікарем", "фермером", "електриком", "бухгалтером"]


def page_lines(rng: random.Random, lang: str, person: Person | None = None, n_sentences: int | None = None) -> list[str]:
    """Paragraphs for one page of invented testimony text in ``lang`` (uk, ru, en)."""
    person = person or random_person(rng)
    bank = {"uk": _UK_SENTENCES, "ru": _RU_SENTENCES, "en": _EN_SENTENCES}[lang]
    paragraphs, current = [], []
    for _ in range(n_sentences or rng.randint(26, 32)):
        f = FACILITIES[rng.choice(list(FACILITIES))]
        city = rng.choice(list(CITIES.values()))
        d1, d2 = _rand_date(rng), _rand_date(rng)
        if lang == "uk":
            values = dict(nom=person.uk, gen=person.uk_gen, sgen=rng.choice([person.uk_short_gen, person.uk_gen]),
                          date=rng.choice([uk_date(d1) + " року", num_date(d1)]), date2=uk_date(d2) + " року",
                          num=num_date(d1), city=city.uk, floc=rng.choice(f.uk_loc), fnom=rng.choice(f.uk),
                          job=rng.choice(_UK_JOBS))
        elif lang == "ru":
            values = dict(nom=person.ru, snom=rng.choice([person.ru_short, person.ru]), gen=person.ru_gen,
                          sgen=rng.choice([person.ru_short_gen, person.ru_gen]), date=rng.choice([ru_date(d1), num_date(d1)]),
                          date2=ru_date(d2), num=num_date(d1), cityloc=city.ru_loc, floc=rng.choice(f.ru_loc),
                          fnom=rng.choice(f.ru))
        else:
            values = dict(nom=person.en, date=rng.choice([en_date(d1), f"{d1.day} {EN_MONTHS[d1.month - 1]} {d1.year}"]),
                          date2=en_date(d2), num=num_date(d1), city=city.en, floc=rng.choice(f.en_loc),
                          fnom=rng.choice(f.en))
        current.append(rng.choice(bank).format(**values).replace("г..", "г."))
        if len(current) >= rng.randint(3, 5):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


_PDF_WRAP = 86  # characters per 10 pt DejaVu line on A4 with 15 mm margins (measured: ~2.0 mm per character)
_PDF_LINES = 46  # lines of 5 mm between the top margin and the footer


def _fast_pdf(title: str, pages: list[list[str]]) -> bytes:
    """One PDF page per entry of ``pages``, wrapped by character count (multi_cell is ~8x slower)."""
    pdf = _new_pdf(title)
    pdf.set_auto_page_break(False)
    for paragraphs in pages:
        pdf.add_page()
        pdf.set_font("DejaVu", "", 10)
        lines: list[str] = []
        for para in paragraphs:
            lines += textwrap.wrap(para, _PDF_WRAP) + [""]
        for line in lines[:_PDF_LINES]:
            pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def generate_pages_corpus(out_dir: Path, pages: int = 2000, seed: int = 11, *, pdf_share: float = 0.85) -> list[Path]:
    """A mixed UK/RU/EN corpus of exactly ``pages`` pages for the ingest bench; return the files written.

    About ``pdf_share`` of the pages are in PDFs of 1–20 pages each (text layer); the rest are one-page DOCX
    and TXT files (a DOCX or TXT counts as one page here). No sidecar. Deterministic for a seed.
    """
    font_paths()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{seed}:pages")
    langs, weights = ("uk", "ru", "en"), (0.4, 0.35, 0.25)
    pdf_pages = round(pages * pdf_share)
    written: list[Path] = []
    n = 0
    remaining = pdf_pages
    while remaining > 0:
        size = min(remaining, rng.randint(1, 20))
        lang = rng.choices(langs, weights)[0]
        person = random_person(rng)
        content = [page_lines(rng, lang, person) for _ in range(size)]
        path = out_dir / "pdf" / f"{n:05d}_{lang}_{size}p.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_fast_pdf(f"Demo statement {n} ({lang})", content))
        written.append(path)
        remaining -= size
        n += 1
    for i in range(pages - pdf_pages):
        lang = rng.choices(langs, weights)[0]
        person = random_person(rng)
        d = Doc({"uk": f"Свідчення щодо {person.uk_gen}", "ru": f"Показания по делу {person.ru_gen}",
                 "en": f"Statement concerning {person.en}"}[lang]).p(*page_lines(rng, lang, person))
        if i % 2 == 0:
            path, data = out_dir / "docx" / f"{n:05d}_{lang}.docx", render_docx(d)
        else:
            encoding = {"uk": "utf-8", "ru": "cp1251", "en": "utf-8"}[lang]
            path, data = out_dir / "txt" / f"{n:05d}_{lang}.txt", encode_legacy(d.plain_text(), encoding)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
        n += 1
    return written


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m ingest.demo_corpus", description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--no-broken", action="store_true", help="leave out the broken/ files")
    ap.add_argument("--pages", type=int, help="write the N-page bench corpus instead of the demo corpus")
    args = ap.parse_args(argv)
    try:
        if args.pages:
            files = generate_pages_corpus(args.out_dir, args.pages, seed=args.seed)
        else:
            files = generate(args.out_dir, seed=args.seed, scale=args.scale, broken=not args.no_broken)
    except FontMissingError as exc:
        print(f"error: {exc}")
        return 2
    print(f"wrote {len(files)} files to {args.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
