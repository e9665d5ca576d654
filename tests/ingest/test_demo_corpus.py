"""The fictional demo corpus: deterministic, every format present, real text layers, a valid sidecar."""
from __future__ import annotations

import csv
import email
import email.policy
import re
import zipfile
from pathlib import Path

import pytest
from pdfminer.high_level import extract_text

from archive_schema.vocab import Classification, DocType
from ingest import demo_corpus
from ingest.metadata import DocDate, load_sidecar


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("demo")
    return out, demo_corpus.generate(out)


def _rel(root: Path, files: list[Path]) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


def test_same_seed_same_bytes_other_seed_other_details(corpus, tmp_path):
    root, files = corpus
    again = demo_corpus.generate(tmp_path / "again")
    first, second = _rel(root, files), _rel(tmp_path / "again", again)
    assert first.keys() == second.keys()
    differing = sorted(name for name in first if first[name] != second[name])
    assert differing == [], f"not reproducible: {differing}"

    other = _rel(tmp_path / "seed8", demo_corpus.generate(tmp_path / "seed8", seed=8))
    assert other.keys() == first.keys()  # same file list, different invented details
    assert other["lists/sizo2_taganrog_detainees_ru.pdf"] != first["lists/sizo2_taganrog_detainees_ru.pdf"]


def test_size_and_every_format(corpus):
    root, files = corpus
    docs = [p for p in files if p.name != "metadata.csv"]
    assert 30 <= len(docs) <= 40
    assert files[-1] == root / "metadata.csv"
    suffixes = {p.suffix for p in docs}
    assert {".pdf", ".docx", ".txt", ".html", ".eml", ".zip", ".png"} <= suffixes
    broken = {p.name: p for p in docs if p.parent.name == "broken"}
    assert set(broken) == {"empty.pdf", "truncated.pdf", "encrypted.pdf", "garbage.docx"}
    assert broken["empty.pdf"].stat().st_size == 0


def test_scale_adds_documents_and_broken_is_optional(corpus, tmp_path):
    _, files = corpus
    more = demo_corpus.generate(tmp_path, broken=False, scale=2)
    assert not any(p.parent.name == "broken" for p in more) and not (tmp_path / "broken").exists()
    assert len(more) == len(files) - 4 + 10
    assert len(list((tmp_path / "extra").rglob("*.*"))) == 10


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("name, words", [
    ("testimonies/kovalenko_testimony_uk.pdf",
     ["Коваленка Івана Петровича", "14 березня 2022", "СІЗО-2 Таганрог", "СІЗО №2", "14.03.2022"]),
    ("court/kovalenko_sentence_ru.pdf",
     ["ПРИГОВОР", "Коваленко Ивана Петровича", "14 марта 2022 г.", "СИЗО-2 г. Таганрога", "12 (двенадцать) лет"]),
    ("court/melnychuk_ruling_uk.pdf", ["РІШЕННЯ ІМЕНЕМ УКРАЇНИ", "Мельничук Оксани Василівни", "Оленівській"]),
    ("testimonies/tkachuk_statement_en.pdf", ["Andrii Tkachuk", "May 17, 2022", "Olenivka colony No. 120"]),
    ("testimonies/melnychuk_testimony_ru.pdf", ["Еленовская исправительная колония №120", "Ивана Коваленко"]),
    ("lists/sizo2_taganrog_detainees_ru.pdf", ["Коваленко Иван Петрович", "Мельничук Оксана Васильевна"]),
])
def test_pdfs_have_a_cyrillic_text_layer(corpus, name, words):
    root, _ = corpus
    text = _norm(extract_text(root / name))
    for word in words:
        assert word in text, f"{word!r} not extracted from {name}"


def test_every_regular_pdf_has_text_and_multi_page_ones_exist(corpus):
    root, files = corpus
    import pypdfium2

    page_counts = {}
    for p in files:
        if p.suffix != ".pdf" or p.parent.name in {"broken", "scans"}:
            continue
        text = extract_text(p)
        assert "FICTIONAL DEMO DOCUMENT" in text, p  # the footer disclaimer is in the text layer
        assert re.search("[А-Яа-яІіЇїЄєҐґ]{4}", text), p
        page_counts[p.name] = len(pypdfium2.PdfDocument(p))
    assert page_counts["kovalenko_sentence_ru.pdf"] >= 3
    assert sum(1 for n in page_counts.values() if n > 1) >= 3


def test_image_only_pdf_and_photo_have_no_text(corpus):
    root, _ = corpus
    scan = root / "scans" / "sizo2_notice_scan.pdf"
    assert extract_text(scan).strip() == ""
    assert b"/Image" in scan.read_bytes()
    assert (root / "photos" / "sizo2_parcel_receipt.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_legacy_encodings(corpus):
    root, _ = corpus
    cp = (root / "testimonies" / "hnatiuk_testimony_ru_cp1251.txt").read_bytes()
    koi = (root / "testimonies" / "lysenko_testimony_uk_koi8u.txt").read_bytes()
    for raw in (cp, koi):
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
    assert "Гнатюк Пётр Алексеевич" in cp.decode("cp1251")
    uk = koi.decode("koi8_u")
    assert "Лисенко Марія Андріївна" in uk and "Ґ" in uk  # letters only KOI8-U (not KOI8-R) has
    assert "Роман Савчук" in (root / "testimonies" / "savchuk_testimony_uk.txt").read_text("utf-8")
    assert (root / "letters" / "tkachuk_letter_olenivka_uk_bom.txt").read_bytes().startswith(b"\xef\xbb\xbf")


def test_docx_html_eml_zip(corpus):
    root, _ = corpus
    import docx

    text = "\n".join(p.text for p in docx.Document(root / "testimonies" / "bondar_testimony_uk.docx").paragraphs)
    assert "Бондар Олена Сергіївна" in text
    table = docx.Document(root / "lists" / "olenivka_transfer_list_uk.docx").tables[0]
    assert table.rows[0].cells[1].text == "ПІБ" and len(table.rows) > 30
    with pytest.raises(Exception):
        docx.Document(root / "broken" / "garbage.docx")

    html = (root / "lists" / "exchange_list_en.html").read_text("utf-8")
    assert '<meta charset="utf-8">' in html and "<table" in html and "Oksana Melnychuk" in html

    msg = email.message_from_bytes((root / "mail" / "kovalenko_application_draft.eml").read_bytes(),
                                   policy=email.policy.default)
    assert "Коваленка Івана Петровича" in msg["Subject"]
    attachments = list(msg.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["kovalenko_application_draft_en.pdf"]
    pdf = attachments[0].get_content()
    assert pdf.startswith(b"%PDF")

    with zipfile.ZipFile(root / "archives" / "melnychuk_family_bundle.zip") as zf:
        names = zf.namelist()
        assert any(n.endswith(".txt") for n in names) and any(n.endswith(".pdf") for n in names)
        assert all(not n.startswith("/") and ".." not in n for n in names)


def test_broken_files_are_broken(corpus):
    root, _ = corpus
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    whole = (root / "broken" / "truncated.pdf").read_bytes()
    assert whole.startswith(b"%PDF") and b"%%EOF" not in whole[-64:]
    with pytest.raises(PDFPasswordIncorrect):
        extract_text(root / "broken" / "encrypted.pdf")
    assert "затримали" in _norm(extract_text(root / "broken" / "encrypted.pdf", password="svidok-demo"))


def test_sidecar_points_at_files_with_valid_values(corpus):
    root, files = corpus
    with (root / "metadata.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == demo_corpus.SIDECAR_COLUMNS
        rows = list(reader)
    docs = [p for p in files if p.name != "metadata.csv"]
    assert len(rows) >= 0.7 * len(docs)  # most files, not all: ingest must cope without a row too
    assert len({r["path"] for r in rows}) == len(rows)
    for row in rows:
        assert (root / row["path"]).is_file(), row["path"]
        assert row["doc_type"] in {d.value for d in DocType} and row["doc_type"] in demo_corpus.DOC_TYPES
        assert row["classification"] in {c.value for c in Classification}
        DocDate.parse(row["date"])
        assert all(lang in {"uk", "ru", "en"} for lang in row["language"].split(","))
        assert row["title"] and row["collection"] and row["source"]
        assert "\n" not in row["title"]
    classes = [r["classification"] for r in rows]
    assert classes.count("public") > len(rows) / 2
    assert "confidential" in classes
    assert {r["doc_type"] for r in rows} >= {"testimony", "court_decision", "indictment", "medical_record",
                                              "letter", "list", "photo", "other"}
    # and the project's own sidecar reader accepts every row
    sidecar = load_sidecar(root / "metadata.csv")
    assert sidecar.errors == {}
    assert len(sidecar.rows) == len(rows)


def test_pages_corpus_has_the_requested_pages(tmp_path):
    import pypdfium2

    files = demo_corpus.generate_pages_corpus(tmp_path, pages=60, seed=3)
    pdf_pages = sum(len(pypdfium2.PdfDocument(p)) for p in files if p.suffix == ".pdf")
    others = [p for p in files if p.suffix != ".pdf"]
    assert pdf_pages + len(others) == 60
    assert {p.suffix for p in files} == {".pdf", ".docx", ".txt"}
    langs = {p.name.split("_")[1].split(".")[0] for p in files}
    assert langs == {"uk", "ru", "en"}
    again = demo_corpus.generate_pages_corpus(tmp_path / "again", pages=60, seed=3)
    assert [p.read_bytes() for p in files] == [p.read_bytes() for p in again]


def test_missing_font_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SVIDOK_DEMO_FONT", str(tmp_path / "nope.ttf"))
    with pytest.raises(demo_corpus.FontMissingError, match="fonts-dejavu-core"):
        demo_corpus.generate(tmp_path / "out")
