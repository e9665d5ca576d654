"""Must-show 4 for access control: each audited action leaves exactly one event, carrying its actor; editing,
deleting or reordering events is caught by ``svidok audit verify``; admins read and filter the log."""
from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from archive_schema.models import AuditEvent
from search_api.cli import cli
from tests.api.helpers import client_for, make_user, uploaded

PASSWORD = "correct horse battery staple"


def events(app) -> list[AuditEvent]:
    with app.extensions["svidok"].db.reader() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def new_events(app, before: int) -> list[tuple[str, str, str, str]]:
    return [(e.action, e.actor, e.object_id, e.outcome) for e in events(app)[before:]]


@pytest.fixture
def env(fresh_app):
    return {"SVIDOK_HOME": str(fresh_app.config["SVIDOK"].home), "SVIDOK_STAGES": "extract"}


def test_each_audited_action_leaves_exactly_one_event(fresh_app, env):
    app = fresh_app
    make_user(app, "olena", "lawyer", password=PASSWORD)
    admin = client_for(app, "root", "admin")
    runner = CliRunner()

    def one(action, do, *, actor=None, outcome="ok"):
        before = len(events(app))
        do()
        added = new_events(app, before)
        assert [a for a, *_ in added] == [action], added
        if actor is not None:
            assert added[0][1] == actor, added
        assert added[0][3] == outcome, added
        return added[0]

    web = app.test_client()
    one("auth.login", lambda: web.post("/api/v1/session", json={"username": "olena", "password": "wrong password!"}),
        actor="anonymous", outcome="denied")
    one("auth.login", lambda: web.post("/api/v1/session", json={"username": "olena", "password": PASSWORD}),
        actor="olena")
    csrf = web.get("/api/v1/session").get_json()["csrf_token"]
    one("auth.token.create", lambda: web.post("/api/v1/tokens", json={"name": "script"},
                                              headers={"X-CSRF-Token": csrf}), actor="olena")
    one("auth.logout", lambda: web.delete("/api/v1/session", headers={"X-CSRF-Token": csrf}), actor="olena")

    (sealed,) = uploaded(admin, (b"sealed fictional statement", "s.txt"), classification="under_seal")
    (public,) = uploaded(admin, (b"public fictional statement", "p.txt"), classification="public")
    one("item.view", lambda: admin.get(f"/api/v1/items/{sealed['id']}"), actor="root")
    one("item.view", lambda: admin.get(f"/api/v1/items/{sealed['id']}/pages/1"), actor="root")
    one("item.download", lambda: admin.get(f"/api/v1/items/{sealed['id']}/original"), actor="root")
    before = len(events(app))
    assert admin.get(f"/api/v1/items/{public['id']}").status_code == 200
    assert new_events(app, before) == []  # reading a public item is not an event

    one("user.create", lambda: runner.invoke(cli, ["user", "add", "petro", "--role", "viewer", "--password-stdin"],
                                             input=PASSWORD + "\n", env=env))
    one("user.role", lambda: runner.invoke(cli, ["user", "role", "petro", "investigator"], env=env))
    event = one("auth.token.create", lambda: runner.invoke(cli, ["user", "token", "petro"], env=env))
    assert event[2] == "petro"
    one("user.disable", lambda: runner.invoke(cli, ["--as", "root", "user", "disable", "petro"], env=env),
        actor="root")


def test_tampering_deleting_and_reordering_are_caught_by_audit_verify(fresh_app, env):
    app = fresh_app
    make_user(app, "olena", "lawyer", password=PASSWORD)
    for password in ("wrong password!", PASSWORD, "wrong again!!"):  # each from a new browser (no cookie yet)
        app.test_client().post("/api/v1/session", json={"username": "olena", "password": password})
    runner = CliRunner()
    assert runner.invoke(cli, ["audit", "verify"], env=env).exit_code == 0
    engine = app.extensions["svidok"].db.engine
    logins = [e.seq for e in events(app) if e.action == "auth.login"]
    assert len(logins) == 3

    def broken_after(sql: str, **params) -> str:
        with engine.begin() as conn:
            conn.execute(text(sql), params)
        result = runner.invoke(cli, ["audit", "verify"], env=env)
        assert result.exit_code == 1, result.output
        return result.output

    # tamper: the failed login becomes a success
    out = broken_after("UPDATE audit_event SET outcome = 'ok' WHERE seq = :s", s=logins[0])
    assert f"#{logins[0]}" in out and "edited" in out
    # the hash covers the stored text: putting the value back makes the chain hold again
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET outcome = 'denied' WHERE seq = :s"), {"s": logins[0]})
    assert runner.invoke(cli, ["audit", "verify"], env=env).exit_code == 0
    out = broken_after("UPDATE audit_event SET actor = 'someone-else' WHERE seq = :s", s=logins[1])
    assert f"#{logins[1]}" in out


def test_deleting_or_reordering_events_is_caught(fresh_app, env):
    app = fresh_app
    make_user(app, "olena", "lawyer", password=PASSWORD)
    for password in ("wrong password!", PASSWORD, "wrong again!!", PASSWORD):
        app.test_client().post("/api/v1/session", json={"username": "olena", "password": password})
    engine = app.extensions["svidok"].db.engine
    runner = CliRunner()
    seqs = [e.seq for e in events(app) if e.action == "auth.login"]
    # reorder: swap the contents of two events (each keeps its own hash, so the links break)
    with engine.begin() as conn:
        rows = {r.seq: r for r in conn.execute(text("SELECT * FROM audit_event WHERE seq IN (:a, :b)"),
                                               {"a": seqs[0], "b": seqs[1]})}
        conn.execute(text("UPDATE audit_event SET seq = -1 WHERE seq = :a"), {"a": seqs[0]})
        conn.execute(text("UPDATE audit_event SET seq = :a WHERE seq = :b"), {"a": seqs[0], "b": seqs[1]})
        conn.execute(text("UPDATE audit_event SET seq = :b WHERE seq = -1"), {"b": seqs[1]})
    assert rows
    result = runner.invoke(cli, ["audit", "verify"], env=env)
    assert result.exit_code == 1 and f"#{seqs[0]}" in result.output, result.output
    # delete: the last failed login disappears
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET seq = -1 WHERE seq = :a"), {"a": seqs[0]})
        conn.execute(text("UPDATE audit_event SET seq = :a WHERE seq = :b"), {"a": seqs[0], "b": seqs[1]})
        conn.execute(text("UPDATE audit_event SET seq = :b WHERE seq = -1"), {"b": seqs[1]})
    assert runner.invoke(cli, ["audit", "verify"], env=env).exit_code == 0
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = :s"), {"s": seqs[2]})
    result = runner.invoke(cli, ["audit", "verify"], env=env)
    assert result.exit_code == 1 and "deleted" in result.output, result.output


def test_admins_read_and_filter_the_audit_log_and_others_may_not(fresh_app):
    app = fresh_app
    make_user(app, "olena", "lawyer", password=PASSWORD)
    admin = client_for(app, "root", "admin")
    lawyer = client_for(app, "lawyer2", "lawyer")
    web = app.test_client()
    web.post("/api/v1/session", json={"username": "olena", "password": "wrong password!"})
    web.post("/api/v1/session", json={"username": "olena", "password": PASSWORD})
    (item,) = uploaded(admin, (b"confidential fictional note", "c.txt"), classification="confidential")
    admin.get(f"/api/v1/items/{item['id']}")

    logins = admin.get("/api/v1/audit", query_string={"action": "auth.login"}).get_json()
    assert [(e["actor"], e["outcome"]) for e in logins["events"]] == [("anonymous", "denied"), ("olena", "ok")]
    assert admin.get("/api/v1/audit", query_string={"action": "auth."}).get_json()["total"] == 2
    mine = admin.get("/api/v1/audit", query_string={"actor": "root", "action": "item.view"}).get_json()
    assert [e["object_id"] for e in mine["events"]] == [item["id"]]
    last = logins["events"][-1]["at"]
    since = admin.get("/api/v1/audit", query_string={"since": last, "action": "auth.login"}).get_json()
    assert [e["actor"] for e in since["events"]] == ["olena"]
    assert admin.get("/api/v1/audit", query_string={"since": "yesterday"}).status_code == 400
    assert admin.get("/api/v1/audit", query_string={"action": "%"}).get_json()["total"] == 0  # no LIKE wildcards
    verified = admin.get("/api/v1/audit/verify").get_json()
    assert verified["intact"] and verified["events"] == len(events(app))
    assert lawyer.get("/api/v1/audit").status_code == 403
    assert lawyer.get("/api/v1/audit/verify").status_code == 403
    assert app.test_client().get("/api/v1/audit").status_code == 401


def test_upload_through_the_api_is_received_under_the_signed_in_user(fresh_app):
    archivist = client_for(fresh_app, "arch", "archivist")
    data = {"file": [(io.BytesIO(b"fictional"), "a.txt")], "classification": "public"}
    assert archivist.post("/api/v1/items", data=data, content_type="multipart/form-data").status_code == 201
    receipts = [e for e in events(fresh_app) if e.action == "item.receive"]
    assert [e.actor for e in receipts] == ["arch"]


def test_a_chain_rewritten_wholesale_is_caught_by_its_anchors(fresh_app, env, tmp_path):
    """Someone with the database can edit an event and recompute every hash after it: the chain then holds on
    its own. The heads anchored outside the database do not: `audit verify --anchors` names the rewrite."""
    from archive_schema import audit

    app = fresh_app
    make_user(app, "olena", "lawyer", password=PASSWORD)
    app.test_client().post("/api/v1/session", json={"username": "olena", "password": "wrong password!"})
    anchors = tmp_path / "elsewhere" / "anchors.jsonl"
    anchors.parent.mkdir()
    runner = CliRunner()
    first = runner.invoke(cli, ["audit", "anchor", str(anchors)], env=env)
    assert first.exit_code == 0, first.output
    app.test_client().post("/api/v1/session", json={"username": "olena", "password": PASSWORD})
    assert runner.invoke(cli, ["audit", "anchor", str(anchors)], env=env).exit_code == 0
    assert len(anchors.read_text().splitlines()) == 2
    held = runner.invoke(cli, ["audit", "verify", "--anchors", str(anchors)], env=env)
    assert held.exit_code == 0 and "2 anchors hold" in held.output, held.output

    # the forger turns the failed login into a success and recomputes the whole chain
    db = app.extensions["svidok"].db
    with db.sessions.begin() as session:
        failed = session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.login",
                                                         AuditEvent.outcome == "denied"))
        failed.outcome = "ok"
        prev = audit.GENESIS
        for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all():
            event.prev_hash = prev
            event.hash = audit._digest(prev, audit._fields(event))
            prev = event.hash
    assert runner.invoke(cli, ["audit", "verify"], env=env).exit_code == 0  # the chain alone cannot tell
    caught = runner.invoke(cli, ["audit", "verify", "--anchors", str(anchors)], env=env)
    assert caught.exit_code == 1 and "rewritten" in caught.output, caught.output

    # cutting the chain back below an anchor is caught too; a damaged anchor file is an error, not ignored
    with db.sessions.begin() as session:
        session.execute(text("DELETE FROM audit_event WHERE seq > 1"))
    assert "missing" in runner.invoke(cli, ["audit", "verify", "--anchors", str(anchors)], env=env).output
    anchors.write_text("not an anchor\n")
    damaged = runner.invoke(cli, ["audit", "verify", "--anchors", str(anchors)], env=env)
    assert damaged.exit_code == 1 and "line 1" in damaged.output
