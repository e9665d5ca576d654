"""A brother and a sister of one name: Олександр and Олександра Коваленко share the person key (it drops the vowel
that tells them apart), so resolution also asks what gender each name, as written, can only be."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from archive_schema.models import EvidenceItem, Mention
from ingest import entities
from ingest.bulk import ingest_paths
from ingest.pipeline import process, reprocess

from .conftest import entity_of

BROTHER_EN = "The applicant, Mr Oleksandr Kovalenko, was taken from Kherson to a camp in Crimea on 5 October 2022."
SISTER_EN = "His sister, Ms Oleksandra Kovalenko, aged 12, stayed with their grandmother in Kherson."
SISTER_UK = "Коваленко Олександра Іванівна, 2010 р.н., мешкає в Херсоні з бабусею."
BROTHER_UK = "Олександр Коваленко телефонував бабусі з табору 1 листопада 2022 року."
EITHER_UK = "Про Олександру Коваленко волонтери нічого не знають."  # a woman, or a man in the dative


def _ingest(ctx, folder, name: str, text: str) -> None:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    assert not ingest_paths(ctx, [path], collection="children").failed


def _linked(ctx, filename: str) -> list[tuple[str, str | None, float | None]]:
    with ctx.db.reader() as session:
        return session.execute(
            select(Mention.text, Mention.entity_id, Mention.link_confidence)
            .join(EvidenceItem, EvidenceItem.id == Mention.item_id)
            .where(EvidenceItem.filename == filename, Mention.label == "PERSON")).all()


@pytest.mark.parametrize("name, gender", [
    ("Олександр Коваленко", "masc"), ("Oleksandr Kovalenko", "masc"), ("Александр Коваленко", "masc"),
    ("Коваленко Олександра Іванівна", "femn"), ("Oleksandra Kovalenko", "femn"), ("Олена Коваленко", "femn"),
    ("Ганну Петрівну Мельник", "femn"), ("Олександри Коваленко", "femn"), ("Коваленка Івана Петровича", "masc"),
    ("Tetiana Kovalenko", "femn"), ("Mykola Kovalenko", "masc"), ("Illia Kovalenko", "masc"),
    ("Liubov Kovalenko", "femn"),
    # names that do not tell: a woman or a man in the genitive (or dative), a name of either gender
    ("Олександра Коваленко", ""), ("Александра Коваленко", ""), ("Олександру Коваленко", ""),
    ("Саша Коваленко", ""), ("Sasha Kovalenko", ""), ("Kovalenko", ""), ("Олександр Олена", ""),
])
def test_what_a_name_tells_of_gender(name, gender):
    assert entities.name_gender(name) == gender


def test_a_brother_and_a_sister_of_one_name_are_two_people(archive, tmp_path):
    _ingest(archive, tmp_path, "brother_en.txt", BROTHER_EN)
    _ingest(archive, tmp_path, "sister_en.txt", SISTER_EN)
    brother = entity_of(archive, "Mr Oleksandr Kovalenko")
    sister = entity_of(archive, "Ms Oleksandra Kovalenko")
    assert brother != sister
    assert entities.person_key("Oleksandr Kovalenko") == entities.person_key("Oleksandra Kovalenko")

    # her patronymic goes to her, not to the brother, the older entity of the name
    _ingest(archive, tmp_path, "sister_uk.txt", SISTER_UK)
    assert entity_of(archive, "Коваленко Олександра Іванівна") == sister
    _ingest(archive, tmp_path, "brother_uk.txt", BROTHER_UK)
    assert _linked(archive, "brother_uk.txt") == [("Олександр Коваленко", brother, 1.0)]

    # a form that may be either of them is filed under neither, but under the name, for a person to decide
    _ingest(archive, tmp_path, "either_uk.txt", EITHER_UK)
    ((_, either, confidence),) = _linked(archive, "either_uk.txt")
    assert either not in (brother, sister) and either is not None and confidence == 1.0

    before = sorted(_linked(archive, name) for name in ("brother_en.txt", "sister_en.txt", "either_uk.txt"))
    reprocess(archive, "nlp", lambda item_id: process(archive, item_id), actor="test")
    assert sorted(_linked(archive, name) for name in ("brother_en.txt", "sister_en.txt", "either_uk.txt")) == before


def test_a_name_that_does_not_tell_goes_to_the_only_person_of_that_name(archive, tmp_path):
    _ingest(archive, tmp_path, "brother_en.txt", BROTHER_EN)
    _ingest(archive, tmp_path, "either_uk.txt", EITHER_UK)
    assert _linked(archive, "either_uk.txt") == [("Олександру Коваленко", entity_of(archive, "Mr Oleksandr Kovalenko"),
                                                  1.0)]
