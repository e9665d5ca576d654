"""The archive on SQLite and PostgreSQL: migrations, receipts, duplicates, the audit chain."""
from __future__ import annotations

import io
import threading

from sqlalchemy import func, select, text, update

from archive_schema import audit
from archive_schema.db import connect, current_revision, head_revision
from archive_schema.models import AuditEvent, EvidenceItem, Outbox
from ingest.metadata import DocDate, ItemMeta
from ingest.pipeline import receive


def test_migrations_bring_an_empty_database_to_head(settings):
    database = connect(settings)
    assert current_revision(database) is None
    database = connect(settings, upgrade=True)
    assert current_revision(database) == head_revision()
    connect(settings, upgrade=True)  # idempotent
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM evidence_item")).scalar() == 0


def test_same_bytes_twice_is_one_item_one_blob_two_receipts(ctx):
    meta = ItemMeta(title="Свідчення А.", doc_type="testimony", date=DocDate.parse("2022-03"),
                    language=("uk",), collection="Херсон 2022", classification="confidential")
    first = receive(ctx, io.BytesIO(b"testimony bytes"), "a.txt", meta)
    second = receive(ctx, io.BytesIO(b"testimony bytes"), "copy of a.txt")
    assert first.item_id == second.item_id
    assert (first.duplicate, second.duplicate) == (False, True)
    assert list(ctx.blobs) == [first.sha256]
    with ctx.db.sessions() as session:
        item = session.get(EvidenceItem, first.item_id)
        assert item.filename == "a.txt"  # the first receipt names it; the second is a custody event
        assert (item.title, item.doc_type, item.collection.name) == ("Свідчення А.", "testimony", "Херсон 2022")
        assert (str(item.doc_date_start), str(item.doc_date_end), item.doc_date_precision) == \
            ("2022-03-01", "2022-03-31", "month")
        receipts = audit.events_for(session, "item", first.item_id)
        assert [e.action for e in receipts] == ["item.receive", "item.receive"]
        assert '"duplicate":true' in receipts[1].details
        # processing was promised exactly once, in the same transaction as the item
        assert session.scalar(select(func.count()).select_from(Outbox).where(Outbox.key == first.item_id)) == 1


def test_audit_chain_verifies_and_detects_edits(ctx):
    for n in range(5):
        receive(ctx, io.BytesIO(f"doc {n}".encode()), f"{n}.txt")
    with ctx.db.sessions() as session:
        assert audit.verify_chain(session) == (5, None)
    with ctx.db.sessions.begin() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(actor="mallory"))
    with ctx.db.sessions() as session:
        count, broken = audit.verify_chain(session)
    assert count == 2 and broken.seq == 3 and "edited" in broken.reason


def test_audit_chain_detects_deletion_and_reordering(ctx):
    for n in range(4):
        receive(ctx, io.BytesIO(f"doc {n}".encode()), f"{n}.txt")
    with ctx.db.sessions.begin() as session:
        session.execute(AuditEvent.__table__.delete().where(AuditEvent.seq == 2))
    with ctx.db.sessions() as session:
        assert audit.verify_chain(session)[1].seq == 3
    with ctx.db.sessions.begin() as session:  # renumber to hide the gap: the links no longer hold
        session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(seq=2))
        session.execute(update(AuditEvent).where(AuditEvent.seq == 4).values(seq=3))
    with ctx.db.sessions() as session:
        broken = audit.verify_chain(session)[1]
    assert broken.seq == 2 and "previous event" in broken.reason


def test_concurrent_writers_never_fork_the_chain(ctx):
    errors = []

    def writer(n):
        try:
            for k in range(10):
                receive(ctx, io.BytesIO(f"writer {n} doc {k}".encode()), f"{n}-{k}.txt")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with ctx.db.sessions() as session:
        assert audit.verify_chain(session) == (40, None)
        assert session.scalar(select(func.count()).select_from(EvidenceItem)) == 40


def test_concurrent_receipts_of_the_same_bytes_make_one_item(ctx):
    results = []

    def writer():
        results.append(receive(ctx, io.BytesIO(b"one testimony, sent by two people"), "t.txt"))

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({r.item_id for r in results}) == 1
    assert sorted(r.duplicate for r in results) == [False, True, True, True]


def test_migrations_match_the_models(settings):
    """A model changed without a migration would leave databases created by `db upgrade` behind."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from archive_schema.models import Base

    database = connect(settings, upgrade=True)
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    database.dispose()
    assert diff == []


def test_audit_verify_command_names_the_edited_event(ctx):
    """The operator's check: `svidok audit verify` exits 0 on an intact chain and 1 naming the edited event."""
    import os
    import subprocess
    import sys

    for n in range(3):
        receive(ctx, io.BytesIO(f"doc {n}".encode()), f"{n}.txt")
    env = {**os.environ, "SVIDOK_HOME": str(ctx.settings.home), "SVIDOK_DATABASE_URL": ctx.settings.database_url}

    def verify():
        return subprocess.run([sys.executable, "-m", "search_api.cli", "audit", "verify"], env=env,
                              capture_output=True, text=True, timeout=120)

    intact = verify()
    assert intact.returncode == 0 and "intact: 3 events" in intact.stdout
    with ctx.db.sessions.begin() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(details='{"filename":"forged.txt"}'))
    broken = verify()
    assert broken.returncode == 1
    assert "event #2" in broken.stderr and "edited" in broken.stderr


def test_the_migration_gives_the_spellings_of_one_given_name_one_person_key(settings):
    """Archives keyed before Микола and Николай were one name are rekeyed on upgrade; other keys are left alone."""
    from alembic import command

    from archive_schema.db import alembic_config
    from archive_schema.inquiries import RegistryPerson
    from archive_schema.models import Entity
    from ingest.entities import person_key

    database = connect(settings)
    command.upgrade(alembic_config(database), "0005")
    with database.sessions.begin() as session:  # keys as 0005's code wrote them
        session.add_all([
            Entity(id="nikolai", kind="person", key="kAvlnk nIkl", name="Коваленко Николай Иванович"),
            Entity(id="double", kind="person", key="kAvlnk SIvCnk mAr", name="Коваленко-Шевченко Марія"),
            Entity(id="mykhailo", kind="person", key="kAvlnk mIHl", name="Коваленко Михайло"),
            Entity(id="place", kind="place", key="nIkl", name="Николаевка"),
            RegistryPerson(id="row", name="Коваленко Николай", name_key="kAvlnk nIkl", status="pow"),
        ])
    database.dispose()
    database = connect(settings, upgrade=True)
    with database.reader() as session:
        keys = {e.id: e.key for e in session.scalars(select(Entity))}
        assert keys == {"nikolai": person_key("Микола Коваленко"), "double": person_key("Марія Коваленко-Шевченко"),
                        "mykhailo": "kAvlnk mIHl", "place": "nIkl"}
        assert session.get(RegistryPerson, "row").name_key == person_key("Mykola Kovalenko")
    database.dispose()
