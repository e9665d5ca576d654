"""GET /api/v1/items/<id>/original: the exact bytes, their digest in headers, and a custody event each time."""
from __future__ import annotations

import base64
import hashlib
from urllib.parse import unquote

import pytest

from archive_schema import audit
from search_api.api.originals import content_disposition
from tests.fixtures import files

from .helpers import uploaded


def test_download_is_byte_exact_with_digest_headers(client, tmp_path):
    content = files.pdf(tmp_path, [files.UK, files.RU]).read_bytes()
    (entry,) = uploaded(client, (content, "свідчення.pdf"))
    response = client.get(f"{entry['url']}/original")
    assert response.status_code == 200
    assert response.data == content
    digest = hashlib.sha256(content).digest()
    assert response.headers["X-Content-SHA256"] == digest.hex() == entry["sha256"]
    assert response.headers["Repr-Digest"] == f"sha-256=:{base64.b64encode(digest).decode()}:"
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Length"] == str(len(content))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_text_original_is_served_without_a_guessed_charset(client):
    content = "Показания (вымышленные)".encode("cp1251")
    (entry,) = uploaded(client, (content, "cp1251.txt"))
    response = client.get(f"{entry['url']}/original")
    assert response.data == content
    assert response.headers["Content-Type"] == "text/plain"  # not "; charset=utf-8": these bytes are CP1251


def test_every_download_is_an_audit_event_committed_before_the_body(client, app):
    (entry,) = uploaded(client, (b"fictional letter", "letter.txt"))
    response = client.get(f"{entry['url']}/original", buffered=False)
    # the body has not been read yet: the event must already be in the database
    with app.extensions["svidok"].db.sessions() as session:
        downloads = [e for e in audit.events_for(session, "item", entry["id"]) if e.action == "item.download"]
    assert len(downloads) == 1
    assert entry["sha256"] in downloads[0].details
    assert downloads[0].actor == "admin-tester"  # the signed-in user of tests/api/conftest.py
    assert response.get_data() == b"fictional letter"
    response.close()


def test_head_answers_headers_and_records_nothing(client):
    (entry,) = uploaded(client, (b"fictional head", "head.txt"))
    response = client.head(f"{entry['url']}/original")
    assert response.status_code == 200 and response.data == b""
    assert response.headers["X-Content-SHA256"] == entry["sha256"]
    actions = [e["action"] for e in client.get(f"{entry['url']}/custody").get_json()["events"]]
    assert "item.download" not in actions


def test_custody_lists_receipts_downloads_and_failures_in_order(client):
    (entry,) = uploaded(client, (b"%PDF-1.5 cut short", "cut.pdf"))
    uploaded(client, (b"%PDF-1.5 cut short", "cut-again.pdf"))
    client.get(f"{entry['url']}/original").close()
    body = client.get(f"{entry['url']}/custody").get_json()
    assert body["item_id"] == entry["id"]
    events = body["events"]
    assert [e["action"] for e in events] == ["item.receive", "item.process", "item.receive", "item.download"]
    assert [e["details"].get("filename") for e in events if e["action"] == "item.receive"] == ["cut.pdf",
                                                                                              "cut-again.pdf"]
    assert events[1]["outcome"] == "failed"
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs)


@pytest.mark.parametrize("stored, fallback, full", [
    ("statement.txt", "statement.txt", "statement.txt"),
    ("../../x.txt", "x.txt", "x.txt"),
    ("C:\\evidence\\scan.pdf", "scan.pdf", "scan.pdf"),
    ("Свідчення №1.pdf", "No1.pdf", "Свідчення №1.pdf"),
    ("Свідчення.pdf", "original.pdf", "Свідчення.pdf"),
    ('quote"and;semi.txt', "quote_and_semi.txt", 'quote"and;semi.txt'),
    ("Příloha č. 2.docx", "Priloha c. 2.docx", "Příloha č. 2.docx"),
    ("", "original", "original"),
])
def test_content_disposition_is_safe_and_keeps_the_name(stored, fallback, full):
    header = content_disposition(stored)
    assert header.startswith("attachment; ")
    assert f'filename="{fallback}"' in header
    assert unquote(header.split("filename*=UTF-8''", 1)[1]) == full
    header.encode("ascii")  # a header value must be ASCII
    assert "\r" not in header and "\n" not in header
