"""People's decisions (merge, split, rename) win over the machine: they survive ``reprocess --stage nlp`` and
each leaves exactly one audit event in a chain that still verifies."""
from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select, update

from archive_schema import audit, policy, xref
from archive_schema.models import AuditEvent, Collection, Entity, EntityDecision, EvidenceItem, Mention
from archive_schema.search import Access, Query
from ingest import entities

from . import corpus
from .conftest import MovedModel, entity_of, ingest_corpus, moved, pages_found, pages_of_entity, reprocess_nlp


def _decide(ctx, decide):
    with ctx.db.sessions.begin() as session:
        return decide(session).id


def _mentions(ctx, entity_id) -> set[str]:
    with ctx.db.reader() as session:
        return set(session.scalars(select(Mention.text).where(Mention.entity_id == entity_id)))


def _decision_events(ctx) -> list[str]:
    with ctx.db.reader() as session:
        return list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("entity.%"))
                                    .order_by(AuditEvent.seq)))


def _chain_holds(ctx) -> bool:
    with ctx.db.reader() as session:
        count, broken = audit.verify_chain(session)
    return count > 0 and broken is None


def test_merge_moves_mentions_and_survives_reprocessing(archive):
    ivan, vania = entity_of(archive, "Ivan Kovalenko"), entity_of(archive, "Vania Kovalenko")
    _decide(archive, lambda s: entities.merge(s, ivan, vania, actor="investigator"))
    assert _mentions(archive, vania) == set()
    assert "Vania Kovalenko" in _mentions(archive, ivan)

    assert reprocess_nlp(archive) == 4
    assert entity_of(archive, "Vania Kovalenko") == ivan  # the machine found the name again: it forwards
    assert _mentions(archive, vania) == set()
    with archive.db.reader() as session:
        assert session.get(Entity, vania).merged_into_id == ivan
        merged = xref.entity_summary(session, vania)
        documents = xref.entity_documents(session, vania)
        assert merged.merged_into == ivan and merged.mentions == 0
        assert documents.entity.id == ivan and documents.total == 3  # a merged id answers for the survivor
        assert vania in xref.entity_summary(session, ivan).merged_from
        assert "Vania Kovalenko" in xref.entity_summary(session, ivan).names
    assert _decision_events(archive) == ["entity.merge"]
    assert _chain_holds(archive)


def test_split_pins_mentions_and_survives_reprocessing(archive):
    ivan = entity_of(archive, "Ivan Kovalenko")
    with archive.db.reader() as session:
        english = session.scalar(select(Mention.id).where(Mention.text == "Ivan Kovalenko"))
    new = _decide(archive, lambda s: entities.split(s, ivan, [english], actor="investigator",
                                                    name="Ivan Kovalenko (born 1990)"))
    assert _mentions(archive, new) == {"Ivan Kovalenko"}
    assert "Ivan Kovalenko" not in _mentions(archive, ivan)

    reprocess_nlp(archive)
    assert _mentions(archive, new) == {"Ivan Kovalenko"}  # pinned: the same span of the same original
    assert _mentions(archive, ivan) >= {"Иван Коваленко", "Івана Петровича Коваленка", "Івана Коваленка"}
    with archive.db.reader() as session:
        assert session.get(Entity, new).name == "Ivan Kovalenko (born 1990)"
        history = xref.entity_summary(session, ivan).decisions
    assert [(d.action, d.other_id) for d in history] == [("split", new)]
    assert _decision_events(archive) == ["entity.split"]
    assert _chain_holds(archive)


def _pins(ctx, **kwargs) -> xref.PinList:
    with ctx.db.reader() as session:
        return xref.pins(session, **kwargs)


def _split_english_ivan(ctx) -> tuple[str, str]:
    ivan = entity_of(ctx, "Ivan Kovalenko")
    with ctx.db.reader() as session:
        english = session.scalar(select(Mention.id).where(Mention.text == "Ivan Kovalenko"))
    return ivan, _decide(ctx, lambda s: entities.split(s, ivan, [english], actor="investigator",
                                                       name="Ivan Kovalenko (born 1990)"))


def test_a_pin_of_exactly_the_span_wins_over_the_label_a_new_model_gives(archive, monkeypatch):
    ivan, new = _split_english_ivan(archive)
    MovedModel(monkeypatch, lambda m: [moved(m, label="LOCATION") if m.text == "Ivan Kovalenko" else m])
    reprocess_nlp(archive)
    with archive.db.reader() as session:
        pinned = session.execute(select(Mention.entity_id, Mention.label).where(
            Mention.text == "Ivan Kovalenko")).one()
    assert tuple(pinned) == (new, "PERSON")
    assert _pins(archive).counts == {"exact": 1, "moved": 0, "lost": 0}


def test_split_follows_a_mention_whose_boundaries_a_new_model_moved(archive, monkeypatch):
    ivan, new = _split_english_ivan(archive)
    assert _pins(archive).counts == {"exact": 1, "moved": 0, "lost": 0}

    # the new model finds the surname alone, which would otherwise go to the page's other Kovalenko (Vania)
    MovedModel(monkeypatch, lambda m: [moved(m, 5) if m.text == "Ivan Kovalenko" else m])
    reprocess_nlp(archive)
    with archive.db.reader() as session:
        carried = session.execute(select(Mention.entity_id, Mention.link_confidence).where(
            Mention.text == "Kovalenko", Mention.page_number == 1, Mention.start == 5)).one()
    assert tuple(carried) == (new, entities.CARRIED_PIN)
    assert "Kovalenko" not in _mentions(archive, ivan)
    report = _pins(archive)
    assert report.counts == {"exact": 0, "moved": 1, "lost": 0}
    pin = report.pins[0]
    assert (pin.state, pin.entity.id, pin.text, pin.actor) == ("moved", new, "Ivan Kovalenko", "investigator")


def test_a_pin_no_mention_carries_is_reported(archive, monkeypatch):
    ivan, new = _split_english_ivan(archive)
    # the new model reads part of the name as a place: a decision about a person cannot carry over to it
    MovedModel(monkeypatch, lambda m: [moved(m, 5, "LOCATION") if m.text == "Ivan Kovalenko" else m])
    reprocess_nlp(archive)
    assert _mentions(archive, new) == set()
    lost = _pins(archive, state="lost")
    assert [(p.state, p.entity.id, p.text) for p in lost.pins] == [("lost", new, "Ivan Kovalenko")]
    assert lost.counts == {"exact": 0, "moved": 0, "lost": 1}
    assert "Ivan Kovalenko was transferred" in lost.pins[0].snippet
    assert _pins(archive, state="exact").pins == []
    assert _pins(archive, entity_id=ivan).pins == []
    with pytest.raises(ValueError, match="state must be one of"):
        _pins(archive, state="gone")


def test_a_decision_no_mention_carries_can_be_withdrawn_and_the_machine_decides_again(archive, monkeypatch):
    ivan, new = _split_english_ivan(archive)
    (pin,) = _pins(archive).pins
    # while a mention carries it, withdrawing would change that mention silently at the next reprocessing
    with pytest.raises(entities.DecisionError, match="merge the entities"):
        _decide(archive, lambda s: entities.withdraw(s, pin.id, actor="archivist"))

    MovedModel(monkeypatch, lambda m: [moved(m, 5, "LOCATION") if m.text == "Ivan Kovalenko" else m])
    reprocess_nlp(archive)
    assert _pins(archive).counts["lost"] == 1
    with archive.db.sessions.begin() as session:  # whoever may not see the item is not told the decision exists
        session.execute(update(EvidenceItem).values(classification="confidential"))
    with policy.acting_as(policy.Actor("viewer-tester", "viewer")), pytest.raises(entities.UnknownPin):
        _decide(archive, lambda s: entities.withdraw(s, pin.id, actor="viewer-tester"))

    assert _decide(archive, lambda s: entities.withdraw(s, pin.id, actor="archivist")) == new
    assert _pins(archive).total == 0
    with archive.db.reader() as session:
        decision = xref.entity_summary(session, new).decisions[-1]
    assert (decision.action, decision.actor) == ("withdraw", "archivist")
    assert (decision.details["page"], decision.details["start"], decision.details["decided_by"]) == \
        (1, pin.start, "investigator")
    assert _decision_events(archive)[-1] == "entity.withdraw" and _chain_holds(archive)
    with pytest.raises(entities.UnknownPin):
        _decide(archive, lambda s: entities.withdraw(s, pin.id, actor="archivist"))

    monkeypatch.undo()  # the first model again: with no decision left, the name goes back to the machine's person
    reprocess_nlp(archive)
    assert "Ivan Kovalenko" in _mentions(archive, ivan)
    assert _mentions(archive, new) == set()


def test_a_new_split_replaces_the_pin_of_an_overlapping_span(archive, monkeypatch):
    ivan, vania = entity_of(archive, "Ivan Kovalenko"), entity_of(archive, "Vania Kovalenko")
    _decide(archive, lambda s: entities.merge(s, ivan, vania, actor="a"))
    with archive.db.reader() as session:
        english = list(session.scalars(select(Mention.id).where(
            Mention.text.in_(["Ivan Kovalenko", "Vania Kovalenko"]))))
    cellmate = _decide(archive, lambda s: entities.split(s, ivan, english, actor="a", name="the cellmate"))
    MovedModel(monkeypatch, lambda m: [moved(m, 5) if m.text == "Ivan Kovalenko" else m])
    reprocess_nlp(archive)
    assert _mentions(archive, cellmate) == {"Kovalenko", "Vania Kovalenko"}
    assert _pins(archive).counts == {"exact": 1, "moved": 1, "lost": 0}

    # a person looks at the moved mention and decides it is someone else again: the newest decision wins
    with archive.db.reader() as session:
        surname = session.scalar(select(Mention.id).where(Mention.text == "Kovalenko", Mention.start == 5))
    other = _decide(archive, lambda s: entities.split(s, cellmate, [surname], actor="b", name="Kovalenko, 1975"))
    with archive.db.reader() as session:
        assert xref.entity_summary(session, cellmate).decisions[-1].details["replaced_pins"] == 1
    report = _pins(archive)
    assert report.counts == {"exact": 2, "moved": 0, "lost": 0}  # the older pin gave way, so nothing is lost
    assert {(p.entity.id, p.text) for p in report.pins} == {(cellmate, "Vania Kovalenko"), (other, "Kovalenko")}
    reprocess_nlp(archive)
    assert _mentions(archive, other) == {"Kovalenko"}
    assert _mentions(archive, cellmate) == {"Vania Kovalenko"}


def test_pins_that_disagree_about_one_mention_leave_it_unlinked(archive, monkeypatch):
    ivan, maria = entity_of(archive, "Иван Коваленко"), entity_of(archive, "Мария Коваленко")
    with archive.db.reader() as session:
        russian = {text: id_ for id_, text in session.execute(select(Mention.id, Mention.text).where(
            Mention.text.in_(["Иван Коваленко", "Мария Коваленко"])))}
    # two people told apart by hand (a wrong merge, then two splits), each span pinned to its person
    _decide(archive, lambda s: entities.merge(s, ivan, maria, actor="a"))
    first = _decide(archive, lambda s: entities.split(s, ivan, [russian["Иван Коваленко"]], actor="a"))
    second = _decide(archive, lambda s: entities.split(s, ivan, [russian["Мария Коваленко"]], actor="a"))
    assert first != second

    page = corpus.DOCUMENTS["ru_kovalenko.txt"][1][0]
    end = page.index("Мария Коваленко") + len("Мария Коваленко")

    def one_span(mention):  # a model that runs the two names and everything between into one mention
        if mention.text == "Иван Коваленко":
            return [dataclasses.replace(mention, end=end, text=page[mention.start:end])]
        return [] if mention.text == "Мария Коваленко" else [mention]

    MovedModel(monkeypatch, one_span)
    reprocess_nlp(archive, collection="south")
    with archive.db.reader() as session:
        joined = session.execute(select(Mention.entity_id, Mention.text).where(
            Mention.label == "PERSON", Mention.text.like("Иван Коваленко%"))).one()
    assert "Мария" in joined.text and joined.entity_id is None  # neither decision is guessed at
    assert _mentions(archive, first) == _mentions(archive, second) == set()
    assert _pins(archive).counts == {"exact": 0, "moved": 0, "lost": 2}


def test_pins_of_items_the_actor_may_not_see_are_not_listed(archive):
    _split_english_ivan(archive)  # en_kovalenko.txt is in the north collection
    with archive.db.sessions.begin() as session:
        north = select(EvidenceItem.id).join(Collection).where(Collection.name == "north")
        session.execute(update(EvidenceItem).values(classification="public"))
        session.execute(update(EvidenceItem).where(EvidenceItem.id.in_(north)).values(classification="confidential"))
    assert _pins(archive).total == 1
    with policy.acting_as(policy.Actor("viewer-tester", "viewer")):
        hidden = _pins(archive)
    assert (hidden.total, hidden.pins, hidden.counts["exact"]) == (0, [], 0)


def test_rename_is_kept_after_reprocessing(archive):
    facility = entity_of(archive, "SIZO-2")
    _decide(archive, lambda s: entities.rename(s, facility, "SIZO-2, Taganrog (Rostov region)", actor="archivist"))
    reprocess_nlp(archive, collection="south")
    assert entity_of(archive, "СИЗО-2") == facility
    with archive.db.reader() as session:
        entity = session.get(Entity, facility)
        assert (entity.name, entity.origin) == ("SIZO-2, Taganrog (Rostov region)", "manual")
        assert session.scalar(select(func.count()).select_from(EntityDecision)) == 1
    assert _decision_events(archive) == ["entity.rename"]
    assert _chain_holds(archive)


def test_each_decision_leaves_one_audit_event(archive):
    ivan, vania = entity_of(archive, "Ivan Kovalenko"), entity_of(archive, "Vania Kovalenko")
    with archive.db.reader() as session:
        before = session.scalar(select(func.count()).select_from(AuditEvent))
        ukrainian = session.scalar(select(Mention.id).where(Mention.text == "Івана Коваленка"))
    _decide(archive, lambda s: entities.merge(s, ivan, vania, actor="a"))
    new = _decide(archive, lambda s: entities.split(s, ivan, [ukrainian], actor="b"))
    _decide(archive, lambda s: entities.rename(s, new, "Іван Коваленко (інший)", actor="c"))
    with archive.db.reader() as session:
        events = session.execute(select(AuditEvent.action, AuditEvent.actor, AuditEvent.object_id)
                                 .where(AuditEvent.seq > before).order_by(AuditEvent.seq)).all()
    assert [tuple(e) for e in events] == [("entity.merge", "a", ivan), ("entity.split", "b", ivan),
                                          ("entity.rename", "c", new)]
    assert _chain_holds(archive)


def test_refused_decisions_change_nothing(archive):
    ivan, maria = entity_of(archive, "Ivan Kovalenko"), entity_of(archive, "Марія Коваленко")
    vania, facility = entity_of(archive, "Vania Kovalenko"), entity_of(archive, "SIZO-2")
    _decide(archive, lambda s: entities.merge(s, ivan, vania, actor="a"))
    with archive.db.reader() as session:
        mention_ids = list(session.scalars(select(Mention.id).where(Mention.entity_id == maria)))
    refused = [
        lambda s: entities.merge(s, ivan, facility, actor="x"),   # different kinds
        lambda s: entities.merge(s, ivan, ivan, actor="x"),       # itself
        lambda s: entities.merge(s, ivan, vania, actor="x"),      # already merged
        lambda s: entities.merge(s, vania, maria, actor="x"),     # into a merged entity (would strand mentions)
        lambda s: entities.split(s, maria, mention_ids, actor="x"),  # nothing would be left
        lambda s: entities.split(s, ivan, mention_ids[:1], actor="x"),  # not its mention
        lambda s: entities.rename(s, ivan, "   ", actor="x"),
    ]
    for decide in refused:
        with pytest.raises(entities.DecisionError):
            _decide(archive, decide)
    assert _decision_events(archive) == ["entity.merge"]
    with archive.db.reader() as session:
        assert session.get(Entity, maria).merged_into_id is None


def test_merge_survives_reprocessing_on_each_database(settings, ctx, tmp_path):
    """The same decision on SQLite and PostgreSQL (``settings`` is parametrised over both)."""
    ingest_corpus(ctx, tmp_path / "corpus", names=["en_kovalenko.txt"])
    ivan, vania = entity_of(ctx, "Ivan Kovalenko"), entity_of(ctx, "Vania Kovalenko")
    _decide(ctx, lambda s: entities.merge(s, ivan, vania, actor="investigator"))
    assert reprocess_nlp(ctx) == 1
    assert entity_of(ctx, "Vania Kovalenko") == ivan
    assert _mentions(ctx, vania) == set() and _mentions(ctx, ivan) == {"Ivan Kovalenko", "Vania Kovalenko"}
    assert _decision_events(ctx) == ["entity.merge"]
    assert _chain_holds(ctx)


def test_split_pins_carry_over_and_are_reported_on_each_database(settings, ctx, tmp_path, monkeypatch):
    ingest_corpus(ctx, tmp_path / "corpus", names=["en_kovalenko.txt"])
    ivan, vania = entity_of(ctx, "Ivan Kovalenko"), entity_of(ctx, "Vania Kovalenko")
    _decide(ctx, lambda s: entities.merge(s, ivan, vania, actor="investigator"))
    with ctx.db.reader() as session:
        (vania_mention,) = session.scalars(select(Mention.id).where(Mention.text == "Vania Kovalenko"))
    cellmate = _decide(ctx, lambda s: entities.split(s, ivan, [vania_mention], actor="investigator"))
    # the new model finds "Kovalenko" alone in the pinned span
    MovedModel(monkeypatch, lambda m: [moved(m, 6) if m.text == "Vania Kovalenko" else m])
    reprocess_nlp(ctx)
    assert _mentions(ctx, cellmate) == {"Kovalenko"}
    assert _pins(ctx).counts == {"exact": 0, "moved": 1, "lost": 0}
    assert [p.text for p in _pins(ctx, state="moved", entity_id=cellmate).pins] == ["Vania Kovalenko"]


def test_the_index_follows_each_decision(archive):
    """A search for an entity finds the pages people filed under it, as soon as they decide."""
    ivan, olena = entity_of(archive, "Ivan Kovalenko"), entity_of(archive, "Olena Bondarenko")
    with archive.db.reader() as session:
        olena_page = session.execute(select(Mention.item_id, Mention.page_number)
                                     .where(Mention.text == "Olena Bondarenko")).one()
        english = session.scalar(select(Mention.id).where(Mention.text == "Ivan Kovalenko"))
    assert tuple(olena_page) not in pages_of_entity(archive, ivan)

    _decide(archive, lambda s: entities.merge(s, ivan, olena, actor="investigator"))  # a wrong merge ...
    assert tuple(olena_page) in pages_of_entity(archive, ivan)
    new = _decide(archive, lambda s: entities.split(s, ivan, [english], actor="investigator"))  # ... and a split
    with archive.db.reader() as session:
        english_page = session.execute(select(Mention.item_id, Mention.page_number)
                                       .where(Mention.id == english)).one()
    assert pages_of_entity(archive, new) == {tuple(english_page)}

    _decide(archive, lambda s: entities.rename(s, new, "Ivan Kovalenko (born 1990)", actor="investigator"))
    assert pages_of_entity(archive, new) == {tuple(english_page)}  # (and the index has caught up)
    assert pages_found(archive, Query.parse('person:"born 1990"', access=Access.everything())) == {
        tuple(english_page)}  # the name given by hand finds the page
