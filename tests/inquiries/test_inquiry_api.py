"""Family inquiries over the API: filing, following with the code, staff updates, guessing, hostile bodies, logs."""
from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from archive_schema import inquiries
from archive_schema.inquiries import CODE_CHARS, Inquiry, InquiryKey
from archive_schema.models import AuditEvent

from .conftest import INQUIRY, PASSPHRASE, file, staff_client

CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){7}$")


def _status(public, code):
    return public.post("/api/v1/inquiries/status", json={"access_code": code})


def test_a_family_files_and_follows_an_inquiry_and_staff_answer(app, public, staff):
    code = file(public)
    assert CODE.match(code) and len(code.replace("-", "")) == CODE_CHARS  # 32 Crockford characters: 160 bits
    first = _status(public, code)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    assert first.get_json()["status"] == "received" and first.get_json()["messages"] == []

    listed = staff.get("/api/v1/inquiries").get_json()
    assert listed["total"] == 1 and set(listed["inquiries"][0]) == {"id", "status", "filed_on", "updated_on",
                                                                  "messages"}  # no contents
    inquiry_id = listed["inquiries"][0]["id"]
    update = staff.post(f"/api/v1/inquiries/{inquiry_id}/updates",
                        json={"status": "information", "message": "Ваш родич є у списку, ми зв'яжемося."})
    assert update.status_code == 201 and update.get_json()["status"] == "information"
    written = public.post("/api/v1/inquiries/messages", json={"access_code": code, "text": "Дякуємо!"})
    assert written.status_code == 201

    typed = code.lower().replace("-", " ").replace("0", "o")  # as a person may type it
    seen = _status(public, typed).get_json()
    assert seen["status"] == "information"
    assert [(m["author"], m["status"], m["text"]) for m in seen["messages"]] == [
        ("staff", "information", "Ваш родич є у списку, ми зв'яжемося."), ("family", None, "Дякуємо!")]

    # staff read the contents with the private key only; the messages too
    with app.extensions["svidok"].db.reader() as session:
        inquiry = session.get(Inquiry, inquiry_id)
        keys = inquiries.unlock(session, PASSPHRASE)
        contents = inquiries.open_contents(inquiry, keys)
        assert contents.relative_name == INQUIRY["relative_name"] and contents.contact == INQUIRY["contact"]
        assert [m.text for m in inquiries.messages(session, inquiry, keys[inquiry.key_id], staff=True)] == [
            "Ваш родич є у списку, ми зв'яжемося.", "Дякуємо!"]
        with pytest.raises(inquiries.InquiryKeyError):
            inquiries.unlock(session, "not the passphrase")


def test_the_server_keeps_no_code_and_nothing_in_plain(app, public):
    code = file(public)
    raw = code.replace("-", "")
    with app.extensions["svidok"].db.reader() as session:
        inquiry = session.scalar(select(Inquiry))
        assert inquiry.lookup == raw[:6] and inquiry.code_hash.startswith("$argon2id$")
        assert raw[6:] not in inquiry.code_hash
        stored = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in (
            inquiry.sealed, inquiry.code_hash, inquiry.family_public_key, inquiry.lookup))
        for secret in ("Коваленко", "relative@example.org", "блокпосту", raw[6:]):
            assert secret.encode() not in stored
        assert isinstance(inquiry.created_on, type(inquiry.updated_on)) and not hasattr(inquiry.created_on, "hour")
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "inquiry.create")).all()
        assert len(events) == 1 and events[0].object_id == "" and events[0].details == "{}"
        assert events[0].actor == "anonymous"


def test_guessing_codes_locks_the_inquiry_then_the_server(app, public, monkeypatch):
    code = file(public)
    raw = code.replace("-", "")
    wrong = raw[:6] + ("0" if raw[6] != "0" else "1") + raw[7:]
    for _ in range(inquiries.MAX_FAILED):
        assert _status(public, wrong).status_code == 404
    locked = _status(public, code)  # even the right code, while it is locked
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert locked.mimetype == "application/problem+json"
    with app.extensions["svidok"].db.reader() as session:
        assert session.scalar(select(Inquiry.locked_until)) is not None

    # unknown lookups (another inquiry's, or none) count against the whole server: 429 after the limit
    app.extensions.pop("svidok.inquiry_failures", None)
    app.config["SVIDOK_INQUIRY_FAILURES_PER_MINUTE"] = 5
    answers = [_status(public, "Z" * CODE_CHARS).status_code for _ in range(7)]
    assert answers[:5] == [404] * 5 and answers[5:] == [429, 429]


def test_unknown_and_wrong_codes_answer_alike(public):
    code = file(public)
    raw = code.replace("-", "")
    unknown = _status(public, ("Y" if raw[0] != "Y" else "X") + raw[1:]).get_json()
    wrong = _status(public, raw[:-1] + ("0" if raw[-1] != "0" else "1")).get_json()
    assert unknown == wrong and unknown["status"] == 404


@pytest.mark.parametrize("body, field", [
    ({**INQUIRY, "category": "released"}, "category"),  # not a family's category
    ({**INQUIRY, "category": "martian"}, "category"),
    ({**INQUIRY, "relative_name": "   "}, "relative_name"),
    ({**INQUIRY, "birth_date": "1980-02-30"}, "birth_date"),
    ({**INQUIRY, "ip": "203.0.113.9"}, "ip"),  # unknown fields are refused, not stored
    ({**INQUIRY, "circumstances": "x" * 5001}, "circumstances"),
])
def test_bad_inquiries_are_refused_field_by_field(public, body, field):
    response = public.post("/api/v1/inquiries", json=body)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert field in {e["field"] for e in response.get_json()["errors"]}


def test_oversized_and_malformed_bodies(app, public):
    huge = public.post("/api/v1/inquiries", data=b"{" + b" " * (64 * 1024) + b"}", content_type="application/json")
    assert huge.status_code == 413 and huge.mimetype == "application/problem+json"
    assert public.post("/api/v1/inquiries/status", data="[1,2", content_type="application/json").status_code == 400
    assert public.post("/api/v1/inquiries/status", json={"access_code": "1" * 500}).status_code == 400
    assert public.post("/api/v1/inquiries/status", json={"access_code": "ABCD-U" + "0" * 26}).status_code == 400
    with app.extensions["svidok"].db.reader() as session:
        assert session.scalar(select(Inquiry.id)) is None  # nothing half-stored


def test_no_key_no_inquiry(app, public):
    with app.extensions["svidok"].db.sessions.begin() as session:
        for key in session.scalars(select(InquiryKey)):
            key.active = False
    response = public.post("/api/v1/inquiries", json=INQUIRY)
    assert response.status_code == 503 and "Retry" not in response.get_json()["detail"]


def test_staff_endpoints_need_a_staff_role(app, public):
    inquiry_code = file(public)
    assert inquiry_code
    assert public.get("/api/v1/inquiries").status_code == 401
    viewer = staff_client(app, "viewer")
    assert viewer.get("/api/v1/inquiries").status_code == 403
    assert viewer.post("/api/v1/inquiries/x/updates", json={"status": "closed"}).status_code == 403
    investigator = staff_client(app, "investigator")  # the policy's inquiry role
    assert investigator.get("/api/v1/inquiries").get_json()["total"] == 1


def test_staff_update_of_an_unknown_inquiry_is_404(staff):
    assert staff.post("/api/v1/inquiries/nope/updates", json={"status": "closed"}).status_code == 404
    assert staff.post("/api/v1/inquiries/nope/updates", json={}).status_code == 400


def test_access_logs_of_inquiry_paths_are_dropped(app):
    """werkzeug's and gunicorn's access log lines carry the client address: for these paths they never appear."""
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from search_api.api.inquiries import keep_requesters_out_of_logs

    keep_requesters_out_of_logs()
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    handler = Keep()
    for name in ("werkzeug", "gunicorn.access"):
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(logging.INFO)
    try:
        werkzeug = logging.getLogger("werkzeug")
        werkzeug.info('%s - - [%s] "%s" %s %s', "203.0.113.9", "now", "POST /api/v1/inquiries/status HTTP/1.1",
                      "200", "-")
        werkzeug.info('%s - - [%s] "%s" %s %s', "203.0.113.9", "now", "GET /api/v1/items HTTP/1.1", "200", "-")
        cfg = Config()
        cfg.set("accesslog", "-")
        glog = Logger(cfg)

        class Resp:
            status, headers, response_length, sent = "200 OK", [], 10, 10

        for path in ("/api/v1/inquiries", "/inquiry/status", "/api/v1/stats"):
            environ = {"REQUEST_METHOD": "POST", "RAW_URI": path, "PATH_INFO": path, "QUERY_STRING": "",
                       "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.9"}
            glog.access(Resp(), [], environ, __import__("datetime").timedelta(seconds=0.1))
    finally:
        for name in ("werkzeug", "gunicorn.access"):
            logging.getLogger(name).removeHandler(handler)
    assert not any("inquir" in line for line in seen)
    assert sum("203.0.113.9" in line for line in seen) >= 1  # other paths still log (their own business)
