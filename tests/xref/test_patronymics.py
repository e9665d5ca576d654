"""People of one name told apart by the patronymic, and the names written without one.

Two men called Олександр Руденко, one Іванович and one Сергійович (Сергеевич in a Russian document), are two
people; a document that names "Олександр Руденко" only must not be filed under either by guesswork.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from archive_schema import policy, xref
from archive_schema.models import Entity, EvidenceItem, Mention
from ingest import entities

from .conftest import entity_of, ingest_text, pages_of_entity, reprocess_nlp

LIST_UK = "Список звільнених:\n1. РУДЕНКО Олександр Іванович, 1979 р.н.\n2. МЕЛЬНИК Ганна Петрівна, 1984 р.н.\n"
LIST_RU = "Руденко Александр Сергеевич, 1990 г.р., содержится в СИЗО-2 города Таганрог."
LETTER_UK = "Руденко Олександр Сергійович, 1990 р.н., мій син. Його затримали в Мелітополі."
BOTH_UK = ("Олександр Руденко писав, що його перевели до колонії. Олександра Івановича Руденка бачили "
           "в Оленівці.")
BARE_UK = "Олександр Руденко зник 5 березня 2022 року в Бердянську."


def _link(ctx, text: str, item_name: str | None = None) -> tuple[str | None, float | None]:
    with ctx.db.reader() as session:
        query = select(Mention.entity_id, Mention.link_confidence).where(Mention.text == text)
        if item_name:
            query = query.join(EvidenceItem, EvidenceItem.id == Mention.item_id).where(
                EvidenceItem.filename == item_name)
        (found,) = session.execute(query).all()
    return found.entity_id, found.link_confidence


def _entity(ctx, entity_id: str) -> tuple[str, dict]:
    with ctx.db.reader() as session:
        entity = session.get(Entity, entity_id)
        return entity.name, dict(entity.properties or {})


def _links(ctx) -> list[tuple]:
    with ctx.db.reader() as session:
        return sorted(session.execute(select(Mention.item_id, Mention.start, Mention.entity_id,
                                             Mention.link_confidence).where(Mention.label == "PERSON")).all())


def _letter_page(ctx) -> tuple[str, int]:
    with ctx.db.reader() as session:
        return tuple(session.execute(select(Mention.item_id, Mention.page_number)
                                     .where(Mention.text == "Олександр Руденко")).one())


@pytest.mark.parametrize("one, other", [
    ("Сергійович", "Сергеевич"), ("Serhiyovych", "Sergeevich"), ("Іванівна", "Ivanovna"),
    # a father's name Ukrainian and Russian spell with other consonants
    ("Миколайович", "Николаевич"), ("Mykolaiovych", "Nikolaevich"), ("Костянтинівна", "Konstantinovna"),
    ("Якович", "Яковлевич"), ("Йосипович", "Иосифович"), ("Пилипівна", "Филипповна"),
])
def test_one_patronymic_in_both_languages_and_scripts(one, other):
    assert entities.patronymic_key(f"Коваленко Іван {one}") == entities.patronymic_key(f"Kovalenko Ivan {other}") != ""


@pytest.mark.parametrize("one, other", [("Миколайович", "Миколаївна"), ("Петрович", "Павлович"),
                                        ("Іванович", "Иосифович")])
def test_different_patronymics_stay_different(one, other):
    assert entities.patronymic_key(f"Коваленко Іван {one}") != entities.patronymic_key(f"Коваленко Іван {other}")
    assert entities.patronymic_key(f"Коваленко Іван {one}") != ""


def test_the_patronymic_tells_two_people_of_one_name_apart(archive, tmp_path):
    ingest_text(archive, tmp_path, "list_uk.txt", LIST_UK)
    ingest_text(archive, tmp_path, "list_ru.txt", LIST_RU)
    ingest_text(archive, tmp_path, "letter_uk.txt", LETTER_UK)
    ivanovych = entity_of(archive, "РУДЕНКО Олександр Іванович")
    serhiyovych = entity_of(archive, "Руденко Олександр Сергійович")
    assert ivanovych != serhiyovych
    assert entity_of(archive, "Руденко Александр Сергеевич") == serhiyovych  # Сергеевич is Сергійович in Russian
    assert _entity(archive, ivanovych) == ("Руденко Олександр Іванович", {"patronymic_key": "IvnvC", "gender": "masc"})
    assert _entity(archive, serhiyovych)[1] == {"patronymic_key": "sIrHvC", "gender": "masc"}


def test_a_name_without_patronymic_goes_to_the_person_its_document_names(archive, tmp_path):
    ingest_text(archive, tmp_path, "list_uk.txt", LIST_UK)
    ingest_text(archive, tmp_path, "list_ru.txt", LIST_RU)
    ingest_text(archive, tmp_path, "both_uk.txt", BOTH_UK)
    ivanovych = entity_of(archive, "РУДЕНКО Олександр Іванович")
    assert entity_of(archive, "Олександра Івановича Руденка") == ivanovych
    assert _link(archive, "Олександр Руденко") == (ivanovych, entities.SAME_DOCUMENT)


def test_a_name_without_patronymic_is_not_filed_under_one_of_several_people(archive, tmp_path):
    ingest_text(archive, tmp_path, "list_uk.txt", LIST_UK)
    ingest_text(archive, tmp_path, "list_ru.txt", LIST_RU)
    ingest_text(archive, tmp_path, "bare_uk.txt", BARE_UK)
    bare, confidence = _link(archive, "Олександр Руденко")
    assert bare not in (entity_of(archive, "РУДЕНКО Олександр Іванович"),
                        entity_of(archive, "Руденко Александр Сергеевич"))
    assert confidence == 1.0 and _entity(archive, bare) == ("Олександр Руденко", {"gender": "masc"})
    ivanovych = entity_of(archive, "РУДЕНКО Олександр Іванович")
    serhiyovych = entity_of(archive, "Руденко Александр Сергеевич")
    with archive.db.reader() as session:  # each entry names the others of its name, for a person to decide
        assert {e.id for e in xref.entity_summary(session, bare).namesakes} == {ivanovych, serhiyovych}
        assert {e.id for e in xref.entity_summary(session, ivanovych).namesakes} == {bare, serhiyovych}
    with archive.db.sessions.begin() as session:  # ... among the items the reader may see
        session.execute(update(EvidenceItem).values(classification="public"))
        session.execute(update(EvidenceItem).where(EvidenceItem.filename == "list_ru.txt")
                        .values(classification="confidential"))
    with archive.db.reader() as session, policy.acting_as(policy.Actor("viewer-tester", "viewer")):
        assert {e.id for e in xref.entity_summary(session, bare).namesakes} == {ivanovych}
    # the next such document joins that entity, left for a person to merge into the right one
    ingest_text(archive, tmp_path, "bare_uk_2.txt", BARE_UK.replace("5 березня", "6 березня"))
    assert _link(archive, "Олександр Руденко", "bare_uk_2.txt")[0] == bare

    # a person who knows it is Олександр Іванович merges the entity into him: reprocessing keeps that
    ivanovych = entity_of(archive, "РУДЕНКО Олександр Іванович")
    with archive.db.sessions.begin() as session:
        entities.merge(session, ivanovych, bare, actor="investigator")
    reprocess_nlp(archive)
    assert _link(archive, "Олександр Руденко", "bare_uk.txt")[0] == ivanovych
    assert entity_of(archive, "Руденко Александр Сергеевич") != ivanovych


def test_the_only_person_of_a_name_learns_the_patronymic_and_the_guess_says_so(archive, tmp_path):
    ingest_text(archive, tmp_path, "bare_uk.txt", BARE_UK)
    person, confidence = _link(archive, "Олександр Руденко")
    assert confidence == 1.0 and _entity(archive, person) == ("Олександр Руденко", {"gender": "masc"})

    ingest_text(archive, tmp_path, "list_uk.txt", LIST_UK)
    assert entity_of(archive, "РУДЕНКО Олександр Іванович") == person
    assert _entity(archive, person) == ("Руденко Олександр Іванович", {"patronymic_key": "IvnvC", "gender": "masc"})
    # the letter never gave the patronymic: its link is now the guess that there is one such person
    assert _link(archive, "Олександр Руденко") == (person, entities.ONLY_CANDIDATE)

    ingest_text(archive, tmp_path, "list_ru.txt", LIST_RU)  # another Олександр Руденко: a new person ...
    assert entity_of(archive, "Руденко Александр Сергеевич") != person
    # ... so the letter's "Олександр Руденко" may be either: it goes to the name's own entity, found under it
    bare, confidence = _link(archive, "Олександр Руденко")
    assert bare != person and confidence == 1.0 and _entity(archive, bare) == ("Олександр Руденко", {"gender": "masc"})
    assert _letter_page(archive) in pages_of_entity(archive, bare)
    before = _links(archive)
    reprocess_nlp(archive)
    assert _links(archive) == before  # reprocessing decides the same


def test_reprocessing_an_archive_resolved_before_patronymics_counted_tells_the_namesakes_apart(archive, tmp_path):
    from sqlalchemy import delete

    from archive_schema.models import EntityName

    for name, text in (("list_uk.txt", LIST_UK), ("list_ru.txt", LIST_RU), ("bare_uk.txt", BARE_UK)):
        ingest_text(archive, tmp_path, name, text)
    first = entity_of(archive, "РУДЕНКО Олександр Іванович")
    others = {entity_of(archive, "Руденко Александр Сергеевич"), _link(archive, "Олександр Руденко")[0]}
    with archive.db.sessions.begin() as session:  # as the resolver left it when it ignored patronymics
        session.execute(update(Mention).where(Mention.entity_id.in_(others)).values(entity_id=first,
                                                                                    link_confidence=1.0))
        session.execute(delete(EntityName).where(EntityName.entity_id.in_(others)))
        session.execute(delete(Entity).where(Entity.id.in_(others)))
        session.execute(update(Entity).where(Entity.id == first).values(properties={}))
    reprocess_nlp(archive)
    ivanovych = entity_of(archive, "РУДЕНКО Олександр Іванович")
    serhiyovych = entity_of(archive, "Руденко Александр Сергеевич")
    bare, confidence = _link(archive, "Олександр Руденко")
    assert len({ivanovych, serhiyovych, bare}) == 3 and confidence == 1.0
    before = _links(archive)
    reprocess_nlp(archive)
    assert _links(archive) == before
