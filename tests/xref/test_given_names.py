"""Given names in resolution.

A brother and a sister of one name: Олександр and Олександра Коваленко share the person key (it drops the vowel
that tells them apart), so resolution also asks what gender each name, as written, can only be. And one name in
two languages: Микола in a Ukrainian list is Николай in a Russian court's decision and Mykola in an English report.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from archive_schema import xref
from archive_schema.models import Entity, EvidenceItem, Mention
from archive_schema.search import Access, Query
from ingest import entities

from .conftest import entity_of, ingest_text, pages_found, reprocess_nlp

BROTHER_EN = "The applicant, Mr Oleksandr Kovalenko, was taken from Kherson to a camp in Crimea on 5 October 2022."
SISTER_EN = "His sister, Ms Oleksandra Kovalenko, aged 12, stayed with their grandmother in Kherson."
SISTER_UK = "Коваленко Олександра Іванівна, 2010 р.н., мешкає в Херсоні з бабусею."
BROTHER_UK = "Олександр Коваленко телефонував бабусі з табору 1 листопада 2022 року."
EITHER_UK = "Про Олександру Коваленко волонтери нічого не знають."  # a woman, or a man in the dative


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
    ingest_text(archive, tmp_path, "brother_en.txt", BROTHER_EN, "children")
    ingest_text(archive, tmp_path, "sister_en.txt", SISTER_EN, "children")
    brother = entity_of(archive, "Mr Oleksandr Kovalenko")
    sister = entity_of(archive, "Ms Oleksandra Kovalenko")
    assert brother != sister
    assert entities.person_key("Oleksandr Kovalenko") == entities.person_key("Oleksandra Kovalenko")

    # her patronymic goes to her, not to the brother, the older entity of the name
    ingest_text(archive, tmp_path, "sister_uk.txt", SISTER_UK, "children")
    assert entity_of(archive, "Коваленко Олександра Іванівна") == sister
    ingest_text(archive, tmp_path, "brother_uk.txt", BROTHER_UK, "children")
    assert _linked(archive, "brother_uk.txt") == [("Олександр Коваленко", brother, 1.0)]

    # a form that may be either of them is filed under neither, but under the name, for a person to decide
    ingest_text(archive, tmp_path, "either_uk.txt", EITHER_UK, "children")
    ((_, either, confidence),) = _linked(archive, "either_uk.txt")
    assert either not in (brother, sister) and either is not None and confidence == 1.0

    # on the entity page the name-only entity is a namesake of each; the sister is no namesake of her brother
    with archive.db.reader() as session:
        assert {n.id for n in xref.entity_summary(session, brother).namesakes} == {either}
        assert {n.id for n in xref.entity_summary(session, sister).namesakes} == {either}
        assert {n.id for n in xref.entity_summary(session, either).namesakes} == {brother, sister}

    before = sorted(_linked(archive, name) for name in ("brother_en.txt", "sister_en.txt", "either_uk.txt"))
    reprocess_nlp(archive)
    assert sorted(_linked(archive, name) for name in ("brother_en.txt", "sister_en.txt", "either_uk.txt")) == before


def test_a_name_that_does_not_tell_goes_to_the_only_person_of_that_name(archive, tmp_path):
    ingest_text(archive, tmp_path, "brother_en.txt", BROTHER_EN, "children")
    ingest_text(archive, tmp_path, "either_uk.txt", EITHER_UK, "children")
    assert _linked(archive, "either_uk.txt") == [("Олександру Коваленко", entity_of(archive, "Mr Oleksandr Kovalenko"),
                                                  1.0)]


LIST_UK = "Список депортованих:\n1. КОВАЛЕНКО Микола Іванович, 1961 р.н.\n2. КОВАЛЕНКО Михайло Іванович, 1964 р.н.\n"
COURT_RU = "Коваленко Николай Иванович, 1961 г.р., осужден и содержится в ИК-2 города Кизел."
REPORT_EN = "The applicant, Mr Mykola Kovalenko, was transferred to a colony in Russia in 2023."


@pytest.mark.parametrize("one, other", [("Микола", "Николай"), ("Mykola", "Nikolai"), ("Микола", "Nikolay"),
                                        ("Олена", "Елена"), ("Ганна", "Анна"), ("Hanna", "Anna"),
                                        ("Тетяна", "Tatiana"), ("Катерина", "Екатерина"), ("Volodymyr", "Владимир"),
                                        ("Костянтин", "Konstantin"), ("Надія", "Надежда")])
def test_one_given_name_in_both_languages_and_scripts(one, other):
    assert entities.person_key(f"Коваленко {one}") == entities.person_key(f"{other} Kovalenko")


@pytest.mark.parametrize("one, other", [("Микола", "Михайло"), ("Олена", "Ольга"), ("Ганна", "Галина")])
def test_other_given_names_stay_other(one, other):
    assert entities.person_key(f"Коваленко {one}") != entities.person_key(f"Коваленко {other}")


def test_mykola_and_nikolai_are_one_person_and_his_brother_another(archive, tmp_path):
    ingest_text(archive, tmp_path, "list_uk.txt", LIST_UK, "children")
    ingest_text(archive, tmp_path, "court_ru.txt", COURT_RU, "children")
    ingest_text(archive, tmp_path, "report_en.txt", REPORT_EN, "children")
    mykola = entity_of(archive, "КОВАЛЕНКО Микола Іванович")
    assert entity_of(archive, "Коваленко Николай Иванович") == mykola
    assert entity_of(archive, "Mr Mykola Kovalenko") == mykola
    assert entity_of(archive, "КОВАЛЕНКО Михайло Іванович") != mykola
    # an investigator who asks for the person by the Ukrainian spelling finds the Russian court's page
    with archive.db.reader() as session:
        court = session.scalar(select(EvidenceItem.id).where(EvidenceItem.filename == "court_ru.txt"))
    assert (court, 1) in pages_found(archive, Query.parse("person:Микола", access=Access.everything(), size=50))


def test_after_the_upgrade_reprocessing_brings_nikolai_to_mykola(archive, tmp_path):
    """An archive resolved before the two spellings were one name has two entities; the migration gives them one
    key, and reprocessing moves the mentions to the older one."""
    ingest_text(archive, tmp_path, "list_uk.txt", LIST_UK, "children")
    ingest_text(archive, tmp_path, "court_ru.txt", COURT_RU, "children")
    mykola = entity_of(archive, "КОВАЛЕНКО Микола Іванович")
    with archive.db.sessions.begin() as session:  # the Russian spelling's own entity, as the old keys made it
        nikolai = Entity(kind="person", key=entities.person_key("Николай Коваленко"), name="Коваленко Николай Иванович",
                         properties={"patronymic_key": entities.patronymic_key("Иванович"), "gender": "masc"})
        session.add(nikolai)
        session.flush()
        session.execute(update(Mention).where(Mention.text == "Коваленко Николай Иванович")
                        .values(entity_id=nikolai.id))
    assert entity_of(archive, "Коваленко Николай Иванович") != mykola
    reprocess_nlp(archive)
    assert entity_of(archive, "Коваленко Николай Иванович") == mykola
