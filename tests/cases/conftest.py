"""A fictional case of 14 exhibits (PDF, DOCX, PNG and JPEG), ingested once per module.

Every name, place and event is invented. The anonymous witness "Оксана Гриценко" (Oksana Hrytsenko) appears by
her real name, in several scripts and case forms, in the case's own data (title, descriptions, chronology, ICC
sections, internal notes) but in no exhibit's pages: the exporter must replace or drop her name everywhere.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.fixtures import files

#: the anonymous witness's real name in every form the fixture uses it, and the forms the tests look for
SECRET_NAMES = ["Оксана Гриценко", "Оксани Гриценко", "Оксану Гриценко", "Оксаною Гриценко", "Оксаной Грыценко",
                "Гриценко", "ГРИЦЕНКО", "Hrytsenko", "HRYTSENKO", "Gritsenko", "Oksana", "Оксана", "Оксани",
                "Оксаною", "Оксаной", "Грыценко"]
PSEUDONYM = "Witness W-7"
SECRET_CONTACT = "+380 44 000 1122 (sister, Київ)"

PDF_DOCS = [  # (file name, pages); dates in the text feed the chronology suggestions
    ("detention_record.pdf", ["Протокол затримання. 14 березня 2022 року у селі Зелений Гай затримано "
                              "Андрія Мельника, водія.", "Опис речей: телефон, паспорт."]),
    ("transfer_order.pdf", ["Order of 2 April 2022: the detainee Andrii Melnyk is transferred to SIZO-2.",
                            "Signed by the duty officer.", "Annex: list of transferred persons (12)."]),
    ("medical_note.pdf", ["Медична довідка від 20 квітня 2022 року: множинні гематоми, перелом ребра."]),
    ("letter_to_ombudsman.pdf", ["Лист до Уповноваженого від 5 травня 2022 року про зникнення Андрія Мельника.",
                                 "Відповідь не надійшла."]),
    ("court_decision.pdf", ["Решение суда от 30 июня 2022 года: Мельник А. признан виновным.",
                            "Мотивировочная часть.", "Резолютивная часть.", "Подписи."]),
    ("release_statement.pdf", ["Statement of 1 March 2023: Andrii Melnyk was exchanged and returned home."]),
]
DOCX_DOCS = [
    ("complaint.docx", ["Скарга до прокуратури від 10 травня 2022 року.", "Прохання розслідувати катування."]),
    ("prosecutor_reply.docx", ["Відповідь прокуратури від 1 червня 2022 року: провадження відкрито."]),
    ("family_letter.docx", ["Лист родини від 15 липня 2022 року: жодних звісток.", "Друга сторінка листа."]),
]


@dataclass
class CaseFixture:
    ctx: object
    case_id: str
    items: dict[str, str]  # file name -> item id
    home: Path


def _docx(directory: Path, name: str, pages: list[str]) -> Path:
    import docx as python_docx

    document = python_docx.Document()
    document.core_properties.author = "Fictional author"
    for n, text in enumerate(pages):
        if n:
            document.add_page_break()
        document.add_paragraph(text)
    path = directory / name
    document.save(str(path))
    return path


def _photo(directory: Path, name: str, colour: str, fmt: str) -> Path:
    """A photo carrying EXIF with GPS coordinates and a camera owner's name, as phones write them."""
    from PIL import Image

    image = Image.new("RGB", (640, 480), colour)
    exif = Image.Exif()
    exif[0x010F] = "FictionalCam"
    exif[0x013B] = "Hrytsenko Oksana"  # Artist: a real name in metadata must not survive
    exif.get_ifd(0x8825).update({1: "N", 2: (50.0, 27.0, 0.0), 3: "E", 4: (30.0, 31.0, 0.0)})
    path = directory / name
    image.save(path, format=fmt, exif=exif.tobytes())
    return path


@pytest.fixture(scope="package", autouse=True)
def operator():
    """The tests act as the local operator (as ``svidok`` run from a shell does), who sees every item."""
    from archive_schema import policy

    with policy.acting_as(policy.operator()) as actor:
        yield actor


@pytest.fixture(scope="package")
def case_fixture(tmp_path_factory) -> CaseFixture:
    from archive_schema import cases
    from ingest.bulk import ingest_paths
    from ingest.pipeline import Context

    root = tmp_path_factory.mktemp("case")
    source = root / "files"
    source.mkdir()
    for name, pages in PDF_DOCS:
        files.pdf(source, pages, name=name)
    for name, pages in DOCX_DOCS:
        _docx(source, name, pages)
    _photo(source, "cell_photo.png", "grey", "PNG")
    _photo(source, "yard_photo.jpg", "darkgreen", "JPEG")
    _photo(source, "bruises.png", "brown", "PNG")
    files.text(source, "Witness account, 3 August 2022: I saw the cell at night.", name="account.txt")
    ctx = Context.open(make_settings(root / "home"))
    summary = ingest_paths(ctx, [source])
    assert not summary.failed, summary.failed
    from sqlalchemy import select

    from archive_schema.models import EvidenceItem

    with ctx.db.reader() as session:
        items = {i.filename: i.id for i in session.scalars(select(EvidenceItem))}
    dates = {"detention_record.pdf": dt.date(2022, 3, 14), "transfer_order.pdf": dt.date(2022, 4, 2),
             "medical_note.pdf": dt.date(2022, 4, 20), "letter_to_ombudsman.pdf": dt.date(2022, 5, 5),
             "court_decision.pdf": dt.date(2022, 6, 30), "release_statement.pdf": dt.date(2023, 3, 1),
             "complaint.docx": dt.date(2022, 5, 10), "prosecutor_reply.docx": dt.date(2022, 6, 1),
             "family_letter.docx": dt.date(2022, 7, 15), "cell_photo.png": dt.date(2022, 4, 1),
             "yard_photo.jpg": dt.date(2022, 4, 3), "account.txt": dt.date(2022, 8, 3)}
    with ctx.db.sessions.begin() as session:
        case = cases.create_case(
            session, forum="echr", title="Melnyk v. Russia (witness Оксана Гриценко)", respondent_state="Russia",
            reference="SV-2024-017", exhibit_prefix="A", final_domestic_decision=dt.date(2022, 6, 30),
            sections={"summary": "Unlawful detention and torture of a civilian driver, seen by Оксана Гриценко.",
                      "facts": "On 14 March 2022 Andrii Melnyk was detained; witness ГРИЦЕНКО saw it.",
                      "methodology": "Interviews with Оксаною Гриценко (uk) and with Оксаной Грыценко (ru), "
                                     "and with OKSANA HRYTSENKO (en).",
                      "requests": "Open an investigation; hear Hrytsenko as a protected witness."})
        cases.add_person(session, case.id, "Андрій Мельник", "applicant")
        witness = cases.add_person(session, case.id, "Оксана Гриценко", "witness", anonymous=True,
                                   pseudonym=PSEUDONYM, other_names=["Oksana Hrytsenko", "Оксана Грыценко",
                                                                     "Oksana Gritsenko"],
                                   contact=SECRET_CONTACT)
        cases.add_person(session, case.id, "Petro Koval", "witness")  # not anonymous, no pseudonym
        cases.add_member(session, case.id, "lawyer1", "lead")
        exhibits = {}
        for name in [*dates, "bruises.png"]:
            pages = (2, 3) if name == "court_decision.pdf" else None
            exhibits[name] = cases.add_exhibit(
                session, case.id, items[name], pages=pages, date=dates.get(name),
                description=f"{name.rsplit('.', 1)[0].replace('_', ' ').capitalize()}"
                            + (" (as told to Оксану Гриценко)" if name == "family_letter.docx" else ""),
                relevance_note=f"INTERNAL-NOTE {name}: ask Oksana Hrytsenko")
        for exhibit in list(exhibits.values())[:10]:
            cases.mark_reviewed(session, exhibit.id)
        entry = cases.add_chronology_entry(session, case.id, dt.date(2022, 3, 14),
                                           "Detention at the checkpoint, seen by Оксана Гриценко.",
                                           refs=[(exhibits["detention_record.pdf"].id, 1, 1)])
        cases.add_chronology_entry(session, case.id, dt.date(2022, 4, 2), "Transfer to SIZO-2.",
                                   refs=[(exhibits["transfer_order.pdf"].id, 1, 2)])
        cases.add_chronology_entry(session, case.id, dt.date(2022, 6, 30), "Conviction; Грыценко not heard.",
                                   refs=[(exhibits["court_decision.pdf"].id, 3, 3)])
        cases.add_chronology_entry(session, case.id, dt.date(2023, 3, 1), "Exchange and return.",
                                   refs=[(exhibits["release_statement.pdf"].id, 1, 1)])
        cases.add_qualification(session, case.id, "echr:5", entry_id=entry.id)
        cases.add_qualification(session, case.id, "rome:7(1)(e)", entry_id=entry.id,
                                note="Hrytsenko saw him handcuffed.")
        cases.add_qualification(session, case.id, "gc4:78", fact="Internment without review.")
        case_id = case.id
        assert witness.id
    yield CaseFixture(ctx, case_id, items, root / "home")
    ctx.close()
