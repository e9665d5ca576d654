"""People's decisions (merge, split, rename) win over the machine: they survive ``reprocess --stage nlp`` and
each leaves exactly one audit event in a chain that still verifies."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from archive_schema import audit, xref
from archive_schema.models import AuditEvent, Entity, EntityDecision, Mention
from ingest import entities
from ingest.pipeline import process, reprocess

from .conftest import entity_of, ingest_corpus


def _decide(ctx, decide):
    with ctx.db.sessions.begin() as session:
        return decide(session).id


def _reprocess_nlp(ctx, collection=None) -> int:
    return reprocess(ctx, "nlp", lambda item_id: process(ctx, item_id), collection=collection, actor="test")


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

    assert _reprocess_nlp(archive) == 4
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

    _reprocess_nlp(archive)
    assert _mentions(archive, new) == {"Ivan Kovalenko"}  # pinned: the same span of the same original
    assert _mentions(archive, ivan) >= {"Иван Коваленко", "Івана Петровича Коваленка", "Івана Коваленка"}
    with archive.db.reader() as session:
        assert session.get(Entity, new).name == "Ivan Kovalenko (born 1990)"
        history = xref.entity_summary(session, ivan).decisions
    assert [(d.action, d.other_id) for d in history] == [("split", new)]
    assert _decision_events(archive) == ["entity.split"]
    assert _chain_holds(archive)


def test_rename_is_kept_after_reprocessing(archive):
    facility = entity_of(archive, "SIZO-2")
    _decide(archive, lambda s: entities.rename(s, facility, "SIZO-2, Taganrog (Rostov region)", actor="archivist"))
    _reprocess_nlp(archive, collection="south")
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
    assert _reprocess_nlp(ctx) == 1
    assert entity_of(ctx, "Vania Kovalenko") == ivan
    assert _mentions(ctx, vania) == set() and _mentions(ctx, ivan) == {"Ivan Kovalenko", "Vania Kovalenko"}
    assert _decision_events(ctx) == ["entity.merge"]
    assert _chain_holds(ctx)
