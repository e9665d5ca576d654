"""Workers that resolve at the same time: two letters naming one new person, read by two workers at once, make one
person. On PostgreSQL transactions do not wait for each other unless told to (before the resolution lock this made
two people); on SQLite write transactions do, so this also shows that workers read their pages outside the write
lock (before, the second worker waited for the first to finish reading)."""
from __future__ import annotations

import dataclasses
import threading

from sqlalchemy import select

from archive_schema.models import Entity, EvidenceItem, Mention, StageRun
from ingest.bulk import ingest_paths
from ingest.entities import person_key, run_nlp
from ingest.pipeline import STAGES, Context

LETTERS = {"a.txt": "Коваленко Іван Петрович, 1987 р.н., утримується в СІЗО-2 міста Таганрог.",
           "b.txt": "Мій брат Коваленко Іван Петрович зник у Херсоні 5 квітня 2022 року."}


def test_two_workers_meeting_one_new_person_make_one_entity(settings, tmp_path, monkeypatch):
    import nlp

    paths = []
    for name, text in LETTERS.items():
        paths.append(tmp_path / name)
        paths[-1].write_text(text, encoding="utf-8")
    stored = Context.open(dataclasses.replace(settings, stages=("extract",)))
    assert not ingest_paths(stored, paths, collection="letters").failed  # text extracted, no entities yet
    stored.close()

    real, both_read = nlp.analyse_many, threading.Barrier(2, timeout=60)

    def analyse_many(texts, *args, **kwargs):  # each worker has read its letter before either resolves
        found = list(real(texts, *args, **kwargs))
        both_read.wait()
        return found

    monkeypatch.setattr(nlp, "analyse_many", analyse_many)
    ctx = Context.open(settings)
    with ctx.db.reader() as session:
        items = list(session.scalars(select(EvidenceItem.id)))
    workers = [threading.Thread(target=run_nlp, args=(ctx, item_id, STAGES["nlp"])) for item_id in items]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    with ctx.db.reader() as session:
        assert set(session.scalars(select(StageRun.state).where(StageRun.stage == "nlp"))) == {"done"}
        people = list(session.scalars(select(Entity.id).where(Entity.kind == "person",
                                                              Entity.key == person_key("Іван Коваленко"))))
        assert len(people) == 1
        linked = set(session.scalars(select(Mention.item_id).where(Mention.entity_id == people[0])))
        assert linked == set(items)
        assert len(list(session.scalars(select(Entity.id).where(Entity.kind == "facility")))) == 1
    ctx.close()
