"""Names behind pseudonyms and metadata in images: what the exporter removes."""
from __future__ import annotations

import io

from archive_schema.models import CasePerson
from ingest.bundle import clean_image, strip_jpeg_app_segments
from ingest.cases import NameMatcher

from .conftest import _photo


def test_real_name_is_replaced_in_every_script_and_case_form():
    witness = CasePerson(name="Оксана Гриценко", other_names=["Oksana Hrytsenko", "Оксана Грыценко"],
                         anonymous=True, pseudonym="W-7", role="witness")
    matcher = NameMatcher(None, [witness])
    for text in ("Свідчення Оксани Гриценко.", "seen by OKSANA HRYTSENKO,", "с Оксаной Грыценко", "ГРИЦЕНКО О.",
                 "Hrytsenko"):
        redacted = matcher.redact(text)
        assert "W-7" in redacted and not any(n in redacted.casefold() for n in ("гриценк", "hrytsenk", "грыценк"))
    assert matcher.redact("Оксана Коваль пішла") == "Оксана Коваль пішла"  # a given name alone is not her


def test_images_lose_exif_and_gps(tmp_path):
    from PIL import Image

    for name, fmt in (("a.jpg", "JPEG"), ("b.png", "PNG")):
        source = _photo(tmp_path, name, "grey", fmt)
        assert Image.open(source).getexif()  # the fixture does carry EXIF
        data, _kind = clean_image(source)
        cleaned = Image.open(io.BytesIO(data))
        assert not cleaned.getexif() and b"Hrytsenko" not in data and b"FictionalCam" not in data


def test_jpeg_streams_lose_their_metadata_segments(tmp_path):
    raw = _photo(tmp_path, "c.jpg", "grey", "JPEG").read_bytes()
    assert b"Exif" in raw
    stripped = strip_jpeg_app_segments(raw)
    assert b"Exif" not in stripped and b"Hrytsenko" not in stripped
    from PIL import Image

    assert Image.open(io.BytesIO(stripped)).size == (640, 480)


def test_a_name_hyphenated_across_a_line_end_is_found_whole():
    witness = CasePerson(name="Оксана Гриценко", other_names=["Oksana Hrytsenko"], anonymous=True,
                         pseudonym="W-7", role="witness")
    matcher = NameMatcher(None, [witness])
    for text in ("Свідчила Оксана Гри-\nценко про СІЗО.", "seen by Oksana Hryt-\r\nsenko at the", "пані Гриценко-\nва",
                 "Гри\u00ad\nценко", "Оксана Гри\ufffeценко"):
        (span,) = matcher.find(text)
        assert "W-7" in matcher.redact(text), text
        assert not any(part in matcher.redact(text) for part in ("Гри-", "ценко", "Hryt-", "senko")), text
    # a double-barrelled surname with hers in it goes whole (over-redacting is the safe side)
    assert matcher.redact("пані Гриценко-Коваль") == "пані W-7"
    assert matcher.redact("Петренко-Коваль") == "Петренко-Коваль"
    assert matcher.find("Гри- ценко") == []  # a dash between words on one line joins nothing


def test_a_given_name_and_surname_on_two_lines_are_one_name():
    """pdfium ends lines with \r\n: "Олена" at a line end and her surname on the next are still one run."""
    witness = CasePerson(name="Олена Гриценко", other_names=[], anonymous=True, pseudonym="W-7", role="witness")
    matcher = NameMatcher(None, [witness])
    for text in ("свідок Олена\r\nГриценко бачила", "свідок Олена\nГриценко бачила"):
        assert matcher.redact(text) == "свідок W-7 бачила", repr(text)

