"""Surnames that end as patronymics do: Ярошевич, Янукович, Карпович.

A patronymic is formed from the father's given name (Іванович, Сергіївна, Николаевич), and many Ukrainian and
Belarusian surnames end the same way. Read as a patronymic, "Андрій Ярошевич" was a man called Андрій with no
surname, not the Andrii Yaroshevych of an English report, and "Ярошевич А. І." had no key at all. The people and
documents here are fictional.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from archive_schema.models import Entity, EntityDecision, EvidenceItem, Mention
from archive_schema.search.analysis import name_key
from ingest import entities
from nlp.given_names import is_patronymic

from .conftest import entity_of, ingest_text, reprocess_nlp


@pytest.mark.parametrize("word", ["Іванович", "Сергійович", "Миколайович", "Васильович", "Петрович", "Сергеевич",
                                  "Николаевич", "Юрьевич", "Яковлевич", "Іванівна", "Миколаївна", "Сергеевна",
                                  "Ivanovych", "Serhiiovych", "Mykolaiovych", "Sergeevich", "Yurievich", "Petrivna"])
def test_a_patronymic_is_made_from_a_given_name(word):
    assert is_patronymic(word)


@pytest.mark.parametrize("word", ["Ярошевич", "Янукович", "Шендерович", "Андрухович", "Мицкевич", "Yaroshevych",
                                  "Yanukovych", "Andrukhovych", "Zinkevych", "Москалівна", "Коваленко", "Ivan", "вич"])
def test_a_surname_that_ends_like_one_is_not(word):
    assert not is_patronymic(word)


@pytest.mark.parametrize("names", [
    ["Андрій Ярошевич", "Andrii Yaroshevych", "Ярошевич Андрій Іванович", "Андрій Іванович Ярошевич",
     "Andrii Ivanovych Yaroshevych", "ЯРОШЕВИЧ Андрій Іванович"],
    # Карпович is also made from a given name (Карпо): after another patronymic-like word, or alone, a surname
    ["Андрій Іванович Карпович", "Карпович Андрій Іванович", "Andrii Ivanovych Karpovych"],
    ["Віктор Янукович", "Viktor Yanukovych"],
])
def test_one_person_key_for_the_spellings_of_one_name(names):
    assert len({entities.person_key(name) for name in names}) == 1, [entities.person_key(n) for n in names]


@pytest.mark.parametrize("name, patronymic", [
    ("Андрій Ярошевич", ""), ("Андрій Іванович Ярошевич", "Іванович"), ("Ярошевич Андрій Іванович", "Іванович"),
    ("Андрій Іванович Карпович", "Іванович"), ("Карпович Андрій Іванович", "Іванович"), ("Карпович А. І.", ""),
    ("Коваленко Олена Петрівна", "Петрівна"), ("Ганна Іванівна", "Іванівна"), ("Коваленко Петро", ""),
])
def test_the_patronymic_of_a_name(name, patronymic):
    assert entities.patronymic_key(name) == (entities.patronymic_key(f"Іван {patronymic}") if patronymic else "")


def test_initials_with_such_a_surname_keep_the_surname():
    assert entities.person_key("Ярошевич А. І.") == entities.person_key("Ярошевич")
    assert entities.person_key("Карпович А.") != ""


LIST_UK = "Список затриманих:\n1. ЯРОШЕВИЧ Андрій Іванович, 1979 р.н., м. Херсон.\n"
REPORT_EN = "The applicant, Mr Andrii Yaroshevych, was detained in Kherson on 3 August 2022."
LETTER_UK = "Андрій Ярошевич написав родині з колонії 12 травня 2023 року."
COURT_RU = "Суд рассмотрел дело. Подсудимый Ярошевич А. И. вину не признал. Ярошевич Андрей Иванович, 1979 г.р."


def test_the_spellings_of_such_a_name_are_one_person(archive, tmp_path):
    ingest_text(archive, tmp_path, "list_uk.txt", LIST_UK)
    ingest_text(archive, tmp_path, "report_en.txt", REPORT_EN)
    ingest_text(archive, tmp_path, "letter_uk.txt", LETTER_UK)
    ingest_text(archive, tmp_path, "court_ru.txt", COURT_RU)
    andrii = entity_of(archive, "ЯРОШЕВИЧ Андрій Іванович")
    assert entity_of(archive, "Mr Andrii Yaroshevych") == andrii
    assert entity_of(archive, "Андрій Ярошевич") == andrii
    assert entity_of(archive, "Ярошевич Андрей Иванович") == andrii
    # the surname with initials is the one person of that surname the court's decision names
    assert entity_of(archive, "Ярошевич А. И.") == andrii
    with archive.db.reader() as session:
        assert session.scalar(select(Entity.properties).where(Entity.id == andrii))["patronymic_key"] == \
            entities.patronymic_key("Іван Іванович")


def test_reprocessing_after_the_upgrade_keeps_the_person_and_the_decisions_about_him(archive, tmp_path):
    """An archive resolved when "Ярошевич" was read as a patronymic: the person's key was his given name alone.
    Reprocessing recomputes the key from his name, so his entity, its id and a merge into it stay."""
    ingest_text(archive, tmp_path, "letter_uk.txt", LETTER_UK)
    andrii = entity_of(archive, "Андрій Ярошевич")
    with archive.db.sessions.begin() as session:  # the keys the old reading gave, and a person's merge
        session.execute(update(Entity).where(Entity.id == andrii).values(
            key=entities.person_key("Андрій"), properties={"patronymic_key": name_key("Ярошевич"), "gender": "masc"}))
        duplicate = Entity(kind="person", key="x", name="Andrii Y.", merged_into_id=andrii)
        session.add(duplicate)
        session.flush()
        session.add(EntityDecision(action="merge", entity_id=duplicate.id, other_id=andrii, actor="archivist"))
    reprocess_nlp(archive)
    assert entity_of(archive, "Андрій Ярошевич") == andrii
    ingest_text(archive, tmp_path, "report_en.txt", REPORT_EN)
    assert entity_of(archive, "Mr Andrii Yaroshevych") == andrii
    with archive.db.reader() as session:
        entity = session.get(Entity, andrii)
        assert entity.key == entities.person_key("Андрій Ярошевич")
        assert not entities.patronymic_of(entity)
        assert session.get(Entity, duplicate.id).merged_into_id == andrii


def test_recomputing_the_keys_of_an_archive_this_version_resolved_changes_nothing(archive):
    with archive.db.sessions.begin() as session:
        people = session.scalar(select(Entity.id).where(Entity.kind == "person").limit(1))
        assert people is not None  # the fictional corpus names people
        assert entities.rekey_persons(session) == 0


def test_a_name_a_person_gave_keeps_its_key(archive, tmp_path):
    ingest_text(archive, tmp_path, "letter_uk.txt", LETTER_UK)
    andrii = entity_of(archive, "Андрій Ярошевич")
    with archive.db.sessions.begin() as session:
        entities.rename(session, andrii, "Ярошевич А. (з листа)", actor="archivist")
        key = session.get(Entity, andrii).key
        entities.rekey_persons(session)
        assert session.get(Entity, andrii).key == key
    with archive.db.reader() as session:
        assert session.scalar(select(EvidenceItem.id).where(EvidenceItem.filename == "letter_uk.txt"))
        assert session.scalar(select(Mention.entity_id).where(Mention.text == "Андрій Ярошевич")) == andrii
