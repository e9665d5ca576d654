"""POST /api/v1/items: one or many files, metadata, duplicates, per-file failures, queue delivery."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from archive_schema import audit
from archive_schema.models import EvidenceItem, Outbox
from archive_schema.settings import Settings
from search_api import create_app
from tests.fixtures import files

from .helpers import assert_problem, client_for, upload, uploaded

STATEMENT = "Fictional statement of Petro Hnatiuk: detained at a checkpoint near Zelenyi Hai in March 2022.\n"


def test_one_file_is_stored_processed_and_described(client):
    content = STATEMENT.encode()
    response = upload(client, (content, "statement.txt"), title="Statement P.H.", doc_type="testimony",
                      date="2022-03", language="en", collection="Checkpoint 2022", classification="public",
                      source="Fictional NGO")
    assert response.status_code == 201
    body = response.get_json()
    assert (body["ok"], body["duplicate"], body["failed"]) == (1, 0, [])
    (entry,) = body["items"]
    assert entry["filename"] == "statement.txt"
    assert entry["sha256"] == hashlib.sha256(content).hexdigest()
    assert entry["duplicate"] is False
    assert entry["state"] == "processed"  # inline processing ran in the request

    item = client.get(entry["url"]).get_json()
    assert item["id"] == entry["id"]
    assert item["title"] == "Statement P.H."
    assert item["doc_type"] == "testimony"
    assert item["date"] == {"start": "2022-03-01", "end": "2022-03-31", "precision": "month"}
    assert item["languages"] == ["en"]
    assert item["collection"] == "Checkpoint 2022"
    assert item["classification"] == "public"
    assert item["source"] == "Fictional NGO"
    assert item["media_type"] == "text/plain"
    assert item["size"] == len(content)
    assert item["page_count"] == 1
    # in the order the pipeline runs them
    assert [(s["stage"], s["state"], s["attempts"]) for s in item["stages"]] == [
        ("extract", "done", 1), ("ocr", "done", 1), ("nlp", "done", 1)]


def test_many_files_in_one_request_share_the_metadata(client, tmp_path):
    pdf = files.pdf(tmp_path, [files.EN, "Second page of the fictional statement."]).read_bytes()
    body = upload(client, (b"first fictional note", "a.txt"), (b"second fictional note", "b.txt"),
                  (pdf, "statement.pdf"), collection="Batch 7", doc_type="letter").get_json()
    assert body["ok"] == 3
    assert [e["filename"] for e in body["items"]] == ["a.txt", "b.txt", "statement.pdf"]
    assert len({e["id"] for e in body["items"]}) == 3
    listed = client.get("/api/v1/items?collection=Batch 7").get_json()
    assert listed["total"] == 3
    assert {i["doc_type"] for i in listed["items"]} == {"letter"}
    by_name = {i["filename"]: i for i in listed["items"]}
    assert by_name["statement.pdf"]["page_count"] == 2
    assert by_name["statement.pdf"]["media_type"] == "application/pdf"


def test_same_bytes_twice_is_one_item_two_receipts(client, app):
    (first,) = uploaded(client, (b"fictional court decision", "decision.txt"))
    response = upload(client, (b"fictional court decision", "decision-copy.txt"))
    assert response.status_code == 200  # nothing new was stored
    body = response.get_json()
    assert (body["ok"], body["duplicate"]) == (0, 1)
    (second,) = body["items"]
    assert second["id"] == first["id"] and second["duplicate"] is True
    assert second["filename"] == "decision-copy.txt"  # as sent this time
    with app.extensions["svidok"].db.sessions() as session:
        receipts = [e for e in audit.events_for(session, "item", first["id"]) if e.action == "item.receive"]
        assert len(receipts) == 2
        assert session.scalar(select(EvidenceItem.filename).where(EvidenceItem.id == first["id"])) == "decision.txt"


def test_a_file_that_cannot_be_stored_fails_alone(home):
    app = create_app(Settings.from_env({"SVIDOK_HOME": str(home), "SVIDOK_MAX_FILE_SIZE": "100"}),
                     processing="inline")
    try:
        body = upload(client_for(app), (b"x" * 101, "too-big.txt"), (b"small fictional note", "ok.txt")).get_json()
    finally:
        app.extensions["svidok"].close()
    assert body["ok"] == 1
    assert [e["filename"] for e in body["items"]] == ["ok.txt"]
    (failure,) = body["failed"]
    assert failure["filename"] == "too-big.txt"
    assert "too large" in failure["reason"]


def test_a_broken_file_is_stored_and_marked_failed(client):
    (entry,) = uploaded(client, (b"%PDF-1.7\n1 0 obj << /Type /Catalog", "truncated.pdf"))
    assert entry["state"] == "failed"
    item = client.get(entry["url"]).get_json()
    assert item["error"]
    assert item["stages"][0]["state"] == "failed"
    actions = [e["action"] for e in client.get(f"{entry['url']}/custody").get_json()["events"]]
    assert actions == ["item.receive", "item.process", "item.view"]  # the read above: a confidential item


@pytest.mark.parametrize("field, value, words", [
    ("doc_type", "confession", "doc_type"),
    ("date", "14.03.2022", "YYYY"),
    ("date", "2022-02-30", "YYYY"),
    ("classification", "secret", "classification"),
    ("language", "ukrainian", "ISO 639"),
    ("title", "x" * 1001, "1,000"),
    ("title", "nul\x00byte", "NUL"),
    ("colection", "typo", "unknown field"),
])
def test_bad_metadata_is_a_400_naming_the_field_and_stores_nothing(client, app, field, value, words):
    body = assert_problem(upload(client, (b"fictional", "a.txt"), **{field: value}), 400)
    assert body["errors"][0]["field"] == field
    assert words in body["errors"][0]["detail"]
    with app.extensions["svidok"].db.sessions() as session:
        assert session.scalar(select(EvidenceItem.id)) is None


def test_every_bad_field_is_listed(client):
    body = assert_problem(upload(client, (b"fictional", "a.txt"), doc_type="nope", date="yesterday"), 400)
    assert {e["field"] for e in body["errors"]} == {"doc_type", "date"}


def test_queue_mode_hands_new_items_to_the_workers_after_commit(home, monkeypatch):
    from ingest import tasks

    sent = []
    monkeypatch.setattr(tasks, "send", sent.append)
    app = create_app(Settings.from_env({"SVIDOK_HOME": str(home)}), processing="queue")
    try:
        client = client_for(app)
        body = upload(client, (b"fictional queued note", "q.txt")).get_json()
        (entry,) = body["items"]
        assert entry["state"] == "received"  # a worker will process it
        assert sent == [entry["id"]]
        with app.extensions["svidok"].db.sessions() as session:
            assert session.scalar(select(Outbox.delivered_at).where(Outbox.key == entry["id"])) is not None
        upload(client, (b"fictional queued note", "again.txt"))
        assert sent == [entry["id"]]  # a duplicate promises no new work
    finally:
        app.extensions["svidok"].close()


def test_queue_mode_with_the_broker_down_still_stores_and_keeps_the_promise(home, monkeypatch):
    from ingest import tasks

    def broker_down(item_id):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks, "send", broker_down)
    app = create_app(Settings.from_env({"SVIDOK_HOME": str(home)}), processing="queue")
    try:
        response = upload(client_for(app), (b"fictional note while the broker is down", "d.txt"))
        assert response.status_code == 201
        with app.extensions["svidok"].db.sessions() as session:
            assert session.scalar(select(Outbox.delivered_at)) is None  # recovery will deliver it
    finally:
        app.extensions["svidok"].close()


def test_unknown_processing_mode_is_refused(home):
    with pytest.raises(ValueError, match="processing"):
        create_app(Settings.from_env({"SVIDOK_HOME": str(home)}), processing="sometimes")
