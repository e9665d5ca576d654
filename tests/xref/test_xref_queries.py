"""Resolution across scripts and cases, and the cross-reference queries over the fictional corpus."""
from __future__ import annotations

from sqlalchemy import select, update

from archive_schema import policy, xref
from archive_schema.models import Collection, Entity, EvidenceItem, Mention

from .conftest import entity_of, ingest_text

IVAN = ("Івана Петровича Коваленка", "Иван Коваленко", "Ivan Kovalenko", "Івана Коваленка")
FACILITY = ("СІЗО №2", "СИЗО-2", "SIZO-2")


def _items(ctx) -> dict[str, str]:
    with ctx.db.reader() as session:
        return {filename: id for id, filename in session.execute(select(EvidenceItem.id, EvidenceItem.filename))}


def test_name_variants_across_scripts_and_cases_are_one_person(archive):
    (ivan,) = {entity_of(archive, surface) for surface in IVAN}
    maria = entity_of(archive, "Марія Коваленко")
    assert maria != ivan  # same surname, another person
    assert entity_of(archive, "Мария Коваленко") == maria
    assert entity_of(archive, "Vania Kovalenko") not in (ivan, maria)  # a nickname is left to people
    with archive.db.reader() as session:
        assert session.get(Entity, ivan).kind == "person"
        names = set(xref.entity_summary(session, ivan).names)
    assert {"Іван Петрович Коваленко", "Иван Коваленко", "Ivan Kovalenko"} <= names


def test_facility_aliases_are_one_facility(archive):
    (facility,) = {entity_of(archive, surface) for surface in FACILITY}
    with archive.db.reader() as session:
        entity = session.get(Entity, facility)
        assert entity.kind == "facility" and entity.key == "ru-rostov-taganrog-sizo-2"
        assert entity_of(archive, "Olenivka") != facility


def test_documents_name_items_and_pages(archive):
    ivan, items = entity_of(archive, "Ivan Kovalenko"), _items(archive)
    with archive.db.reader() as session:
        found = xref.entity_documents(session, ivan)
        paged = xref.entity_documents(session, ivan, page=2, size=2)
    assert found.total == 3
    by_item = {doc.item_id: doc for doc in found.documents}
    assert set(by_item) == {items["uk_kovalenko.txt"], items["ru_kovalenko.txt"], items["en_kovalenko.txt"]}
    uk = by_item[items["uk_kovalenko.txt"]]
    assert uk.pages == [1, 2] and uk.mentions == 2 and uk.filename == "uk_kovalenko.txt"
    assert [(m.page, m.text) for m in uk.occurrences] == [(1, "Івана Петровича Коваленка"), (2, "Івана Коваленка")]
    assert found.documents[0] is uk  # most mentions first
    assert by_item[items["en_kovalenko.txt"]].pages == [1]
    assert paged.total == 3 and len(paged.documents) == 1


def test_cooccurring_counts_shared_pages_and_items(archive):
    ivan, facility = entity_of(archive, "Ivan Kovalenko"), entity_of(archive, "SIZO-2")
    maria, olena = entity_of(archive, "Марія Коваленко"), entity_of(archive, "Olena Bondarenko")
    with archive.db.reader() as session:
        subject, by_page = xref.cooccurring(session, ivan)
        _, by_item = xref.cooccurring(session, ivan, scope="item", kind="person")
    assert subject.id == ivan
    counts = {c.entity.id: (c.pages, c.items) for c in by_page}
    assert counts[facility] == (3, 3)
    assert counts[maria] == (2, 2)
    assert olena not in counts and ivan not in counts
    assert by_page[0].entity.id in (facility, entity_of(archive, "Taganrog"))  # the most shared first
    assert {c.entity.kind for c in by_item} == {"person"}
    assert {c.entity.id for c in by_item} == {maria, entity_of(archive, "Vania Kovalenko")}


def test_timeline_orders_dates_and_weighs_distance(archive):
    ivan, items = entity_of(archive, "Ivan Kovalenko"), _items(archive)
    with archive.db.reader() as session:
        _, events = xref.timeline(session, ivan)
        _, narrow = xref.timeline(session, ivan, window=20)
    assert [(e.date, e.precision) for e in events] == [
        ("2022-03-14", "day"), ("2022-04", "month"), ("2022-04-03", "day"), ("2022-05-05", "day")]
    first, _, _, far = events
    assert first.item_id == items["uk_kovalenko.txt"] and first.page == 1 and first.weight == 1.0
    assert "14 березня 2022 року" in first.snippet and first.text == "14 березня 2022 року"
    assert far.page == 2 and far.weight == 0.5 and far.distance > 300  # same page, far from the name
    assert far.snippet.startswith("…") and "5 травня 2022 року" in far.snippet
    assert "2022-05-20" not in {e.date for e in events}  # Olena's date is not Ivan's
    assert [e.weight for e in narrow] == [1.0, 0.5, 0.5, 0.5]


def test_pairs_find_pages_naming_both(archive):
    ivan, facility, olena = (entity_of(archive, s) for s in ("Ivan Kovalenko", "SIZO-2", "Olena Bondarenko"))
    with archive.db.reader() as session:
        a, b, pages = xref.pairs(session, ivan, facility)
        _, _, none = xref.pairs(session, ivan, olena)
    assert (a.id, b.id) == (ivan, facility)
    assert len(pages) == 3 and {p.page for p in pages} == {1}
    snippets = " ".join(p.snippet for p in pages)
    for surface in ("Івана Петровича Коваленка", "СІЗО №2", "Иван Коваленко", "СИЗО-2", "Ivan Kovalenko", "SIZO-2"):
        assert surface in snippets
    assert none == []


def test_list_filters_by_kind_and_name_in_any_script(archive):
    with archive.db.reader() as session:
        people = xref.list_entities(session, kind="person")
        cyrillic = xref.list_entities(session, q="Коваленко")
        latin = xref.list_entities(session, q="kovalenko", kind="person")
        facilities = xref.list_entities(session, kind="facility")
    assert {e.kind for e in people.entities} == {"person"}
    assert [e.mentions for e in people.entities] == sorted((e.mentions for e in people.entities), reverse=True)
    assert {e.id for e in cyrillic.entities} == {e.id for e in latin.entities}
    assert entity_of(archive, "Ivan Kovalenko") in {e.id for e in latin.entities}
    assert entity_of(archive, "Olena Bondarenko") not in {e.id for e in latin.entities}
    assert facilities.total == 2


def test_unknown_entities_answer_none(archive):
    with archive.db.reader() as session:
        assert xref.entity_documents(session, "missing") is None
        assert xref.cooccurring(session, "missing") is None
        assert xref.timeline(session, "missing") is None
        assert xref.pairs(session, "missing", "missing") is None
        assert xref.entity_summary(session, "missing") is None


def test_every_mention_of_the_corpus_is_stored_per_page(archive):
    with archive.db.reader() as session:
        labels = set(session.scalars(select(Mention.label)))
    assert {"PERSON", "LOCATION", "FACILITY", "DATE"} <= labels


def test_a_name_found_only_in_items_the_actor_may_not_see_is_not_listed(archive):
    """An entity list is itself evidence of who is in the archive: a viewer must not meet names from hidden items."""
    with archive.db.sessions.begin() as session:
        north = select(EvidenceItem.id).join(Collection).where(Collection.name == "north")
        session.execute(update(EvidenceItem).values(classification="public"))
        session.execute(update(EvidenceItem).where(EvidenceItem.id.in_(north)).values(classification="confidential"))
    with archive.db.reader() as session:
        everyone = {e.id: e.mentions for e in xref.list_entities(session, size=500).entities}
        seen = (select(Mention.entity_id).join(EvidenceItem, EvidenceItem.id == Mention.item_id)
                .where(EvidenceItem.classification == "public", Mention.entity_id.is_not(None)))
        public_entities = set(session.scalars(seen))
        viewer = policy.Actor("viewer-tester", "viewer")
        with policy.acting_as(viewer):
            listed = xref.list_entities(session, size=500)
    hidden = set(everyone) - public_entities
    assert hidden, "the corpus should have names found only in the north collection"
    assert {e.id for e in listed.entities} == public_entities
    assert listed.total == len(public_entities)


def test_a_name_broken_at_a_line_end_is_the_same_person(archive, tmp_path):
    """A typeset letter hyphenates the surname across two lines; it is still Іван Петрович Коваленко."""
    ingest_text(archive, tmp_path, "uk_letter_hyphenated.txt", "Прошу повідомити, де перебуває мій чоловік, Іван "
                  "Петрович Кова-\nленко, якого затримали в Хер-\nсоні.\n")
    assert entity_of(archive, "Іван Петрович Кова-\nленко") == entity_of(archive, "Івана Петровича Коваленка")
    assert entity_of(archive, "Хер-\nсоні") == entity_of(archive, "Херсоні")


def test_a_list_entry_with_the_surname_in_capitals_is_the_same_person(archive, tmp_path):
    ingest_text(archive, tmp_path, "uk_list.txt", "Список осіб, переведених до СІЗО №2 м. Таганрог:\n"
                  "1. КОВАЛЕНКО Іван Петрович, 1985 р.н.\n2. БОНДАРЕНКО Олена Василівна, 1991 р.н.\n")
    ivan = entity_of(archive, "КОВАЛЕНКО Іван Петрович")
    assert ivan == entity_of(archive, "Івана Петровича Коваленка")
    with archive.db.reader() as session:
        assert session.get(Entity, ivan).name != "КОВАЛЕНКО Іван Петрович"  # never named in capitals
    olena = entity_of(archive, "БОНДАРЕНКО Олена Василівна")  # the English testimony's Olena Bondarenko
    assert olena == entity_of(archive, "Olena Bondarenko") and olena != ivan
