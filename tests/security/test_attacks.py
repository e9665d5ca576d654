"""Must-show 5: injection through search and filters, path traversal, IDOR, CSRF, brute force, oversized bodies."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from archive_schema.accounts import LoginThrottle
from tests.api.helpers import assert_problem, client_for, make_user

from .conftest import csrf_for, expected_to_see

PASSWORD = "correct horse battery staple"
INJECTIONS = ["' OR '1'='1", "x\" OR 1=1 --", "'; DROP TABLE evidence_item; --", "%", "_", "\\", "*",
              "classification:under_seal", "case:*", "title:* OR *", "\x00", "${jndi:ldap://x}", "{\"$ne\": null}"]


# --- injection ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("attempt", INJECTIONS)
def test_search_injection_never_reaches_items_the_viewer_may_not_see(world, attempt):
    viewer = world.clients["viewer"]
    for params in ({"q": attempt}, {"q": f"statement {attempt}"}, {"q": "statement", "collection": attempt},
                   {"q": f"statement OR ({attempt})"}):
        response = viewer.get("/api/v1/search", query_string=params)
        assert response.status_code in (200, 400), (params, response.data[:300])
        if response.status_code == 200:
            assert {hit["classification"] for hit in response.get_json()["items"]} <= {"public"}, params
    assert world.clients["viewer"].get("/api/v1/items").status_code == 200  # the table is still there


def test_search_finds_exactly_what_each_actor_may_see(world):
    """Access is a filter inside the query: the same words find different items for different people."""
    for who, expected in (("viewer", {"public"}), ("archivist", {"public", "confidential"}),
                          ("admin", {"public", "confidential", "under_seal"})):
        found = world.clients[who].get("/api/v1/search", query_string={"q": "statement", "size": 50}).get_json()
        assert {hit["classification"] for hit in found["items"]} == expected, who
    assert world.clients["anonymous"].get("/api/v1/search", query_string={"q": "statement"}).status_code == 401


@pytest.mark.parametrize("who", ["viewer-member", "lawyer-member", "lawyer", "investigator"])
def test_case_members_find_their_exhibits_in_search_and_nobody_else_does(world, who):
    """Case membership is part of the search filter: members find the case's sealed exhibits, others do not."""
    found = world.clients[who].get("/api/v1/search", query_string={"q": "statement", "size": 50}).get_json()
    expected = {item for (classification, in_case), item in world.items.items()
                if expected_to_see(who, classification, in_case)}
    assert {hit["item_id"] for hit in found["items"]} == expected


@pytest.mark.parametrize("attempt", INJECTIONS)
def test_filter_injection_in_item_lists_and_the_audit_log(world, attempt):
    viewer, admin = world.clients["viewer"], world.clients["admin"]
    for params in ({"collection": attempt}, {"classification": attempt}, {"doc_type": attempt}):
        response = viewer.get("/api/v1/items", query_string=params)
        assert response.status_code in (200, 400), params
        if response.status_code == 200:
            assert {i["classification"] for i in response.get_json()["items"]} <= {"public"}
    response = admin.get("/api/v1/audit", query_string={"actor": attempt, "object_id": attempt})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.get_json()["total"] == 0
    listed = viewer.get("/api/v1/items", query_string={"classification": "under_seal"}).get_json()
    assert listed["items"] == [] and listed["total"] == 0  # asking for sealed items is ANDed with the policy


# --- path traversal -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/api/v1/items/../../../etc/passwd/original", "/api/v1/items/..%2F..%2Fetc%2Fpasswd/original",
    "/api/v1/items/%2e%2e/original", "/api/v1/items/..%5c..%5cwindows/original",
    "/api/v1/items/%00/original", "/items/..%2F..%2Fetc%2Fpasswd/download",
    "/static/web/../../../../etc/passwd", "/static/web/%2e%2e/%2e%2e/svidok.db", "/static/..%2f..%2fsecret_key",
])
def test_path_traversal_in_downloads_reaches_nothing(world, path):
    response = world.clients["admin"].get(path)
    assert response.status_code in (400, 404, 308), (path, response.status_code)
    assert b"root:" not in response.data and b"SQLite format" not in response.data


def test_a_hostile_original_filename_cannot_leave_the_download(world, tmp_path):
    from tests.api.helpers import uploaded

    admin = client_for(world.app, "traveller", "admin")
    (entry,) = uploaded(admin, (b"fictional", "../../etc/passwd"), classification="public")
    response = admin.get(f"/api/v1/items/{entry['id']}/original")
    disposition = response.headers["Content-Disposition"]
    assert "/" not in disposition.split("filename=")[1] and ".." not in disposition.replace("...", "")


# --- IDOR -----------------------------------------------------------------------------------------------------

def test_idor_a_sealed_item_and_a_foreign_case_look_exactly_like_missing_ones(world):
    lawyer = world.clients["lawyer"]  # not a member of the case
    missing_item, missing_case = "0190aaaa-0000-7000-8000-000000000000", "0190aaaa-0000-7000-8000-000000000001"
    sealed = world.items[("under_seal", True)]
    for template in ("/api/v1/items/{}", "/api/v1/items/{}/pages", "/api/v1/items/{}/pages/1",
                     "/api/v1/items/{}/original", "/api/v1/items/{}/custody"):
        hidden, absent = lawyer.get(template.format(sealed)), lawyer.get(template.format(missing_item))
        assert hidden.status_code == absent.status_code == 404, template
        assert hidden.get_json()["detail"].replace(sealed, "ID") == absent.get_json()["detail"].replace(
            missing_item, "ID"), template
    hidden, absent = lawyer.get(f"/api/v1/cases/{world.case_id}"), lawyer.get(f"/api/v1/cases/{missing_case}")
    if hidden.status_code != 404 and absent.status_code == 404:
        pytest.fail("someone else's case answered differently from a missing one")
    member = world.clients["lawyer-member"]
    assert member.get(f"/api/v1/items/{sealed}").status_code == 200  # the same id, for a member of its case
    listed = lawyer.get("/api/v1/items", query_string={"size": 200}).get_json()
    assert sealed not in {i["id"] for i in listed["items"]}


# --- CSRF -----------------------------------------------------------------------------------------------------

def test_csrf_state_changing_requests_on_the_session_cookie_need_the_token(fresh_app):
    make_user(fresh_app, "olena", "admin", password=PASSWORD)
    browser = fresh_app.test_client()
    assert browser.post("/api/v1/session", json={"username": "olena", "password": PASSWORD}).status_code == 200
    token = csrf_for(browser)
    # a forged cross-site request carries the cookie but not the token
    assert_problem(browser.post("/api/v1/tokens", json={"name": "forged"}), 403)
    assert_problem(browser.post("/api/v1/tokens", json={"name": "forged"}, headers={"X-CSRF-Token": "guess"}), 403)
    assert_problem(browser.delete("/api/v1/session"), 403)
    assert browser.post("/api/v1/tokens", json={"name": "mine"}, headers={"X-CSRF-Token": token}).status_code == 201
    # the web forms: signing out, uploading (a form endpoint), without the token
    assert browser.post("/sign-out").status_code == 403
    assert browser.post("/upload", data={"title": "x"}).status_code == 403
    assert browser.get("/api/v1/session").status_code == 200  # still signed in: the forged sign-out did nothing
    assert browser.post("/sign-out", data={"csrf_token": token}).status_code in (302, 303)
    assert browser.get("/api/v1/session").status_code == 401
    # a token from another session does not do
    other = fresh_app.test_client()
    other.post("/api/v1/session", json={"username": "olena", "password": PASSWORD})
    assert other.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": token}).status_code == 403


def test_session_cookie_flags(fresh_app):
    make_user(fresh_app, "olena", "viewer", password=PASSWORD)
    response = fresh_app.test_client().post("/api/v1/session", json={"username": "olena", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie  # not debug: Secure
    assert "svidok_session=" in cookie


def test_bearer_calls_need_no_csrf_and_a_bad_token_is_401(fresh_app):
    admin = client_for(fresh_app, "root", "admin")
    assert admin.post("/api/v1/tokens", json={"name": "script"}).status_code == 201
    bad = fresh_app.test_client()
    for header in ("Bearer svk_not-a-token", "Bearer ", "Basic cm9vdDpwYXNz", "svk_raw"):
        response = bad.get("/api/v1/items", headers={"Authorization": header})
        assert_problem(response, 401)
        assert "Bearer" in response.headers.get("WWW-Authenticate", "")


def test_a_revoked_token_is_refused_at_once_and_the_revocation_is_audited(fresh_app):
    from click.testing import CliRunner

    from search_api.cli import cli

    token = make_user(fresh_app, "script-owner", "archivist")
    client = fresh_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert client.get("/api/v1/items").status_code == 200
    env = {"SVIDOK_HOME": str(fresh_app.config["SVIDOK"].home), "SVIDOK_STAGES": "extract"}
    runner = CliRunner()
    refused = runner.invoke(cli, ["user", "revoke", "script-owner", "--token", "no-such-token"], env=env)
    assert refused.exit_code != 0 and "no live token" in refused.output
    assert client.get("/api/v1/items").status_code == 200  # a failed revoke changes nothing
    done = runner.invoke(cli, ["user", "revoke", "script-owner"], env=env)
    assert done.exit_code == 0 and "1 token(s)" in done.output, done.output
    assert_problem(client.get("/api/v1/items"), 401)
    with fresh_app.extensions["svidok"].db.reader() as session:
        from archive_schema.models import AuditEvent

        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "auth.token.revoke")) == 1


def test_users_list_and_revoke_their_own_tokens_over_the_api_and_nobody_elses(fresh_app):
    owner = client_for(fresh_app, "olena", "lawyer")
    made = owner.post("/api/v1/tokens", json={"name": "nightly export"}).get_json()
    other = client_for(fresh_app, "petro", "archivist")
    theirs = other.post("/api/v1/tokens", json={"name": "petro's script"}).get_json()
    script = fresh_app.test_client()
    script.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {made['token']}"
    assert script.get("/api/v1/items").status_code == 200

    listed = owner.get("/api/v1/tokens").get_json()["tokens"]
    # the client's own sign-in token ("tests") and the new one, newest first; none of petro's
    assert [(t["name"], t["revoked_at"]) for t in listed] == [("nightly export", None), ("tests", None)]
    assert listed[0]["id"] == made["id"] and listed[0]["last_used_at"] is not None  # the script's call above
    assert all("token" not in t for t in listed)  # never shown again
    assert_problem(owner.delete(f"/api/v1/tokens/{theirs['id']}"), 404)  # not yours: as if it did not exist
    assert_problem(owner.delete("/api/v1/tokens/no-such-id"), 404)

    revoked = owner.delete(f"/api/v1/tokens/{made['id']}")
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert_problem(script.get("/api/v1/items"), 401)  # at once
    assert_problem(owner.delete(f"/api/v1/tokens/{made['id']}"), 404)  # already revoked
    other_script = fresh_app.test_client()
    other_script.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {theirs['token']}"
    assert other_script.get("/api/v1/items").status_code == 200  # petro's token still works
    assert_problem(fresh_app.test_client().get("/api/v1/tokens"), 401)
    with fresh_app.extensions["svidok"].db.reader() as session:
        from archive_schema.models import AuditEvent

        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.token.revoke")).all()
        assert [(e.actor, e.object_id) for e in events] == [("olena", "olena")]


# --- brute force ----------------------------------------------------------------------------------------------

def test_brute_force_on_one_username_is_locked_out_even_with_the_right_password(fresh_app):
    make_user(fresh_app, "olena", "lawyer", password=PASSWORD)
    attacker = fresh_app.test_client()
    for n in range(5):
        assert_problem(attacker.post("/api/v1/session", json={"username": "olena", "password": f"guess {n:08d}"}),
                       401)
    locked = attacker.post("/api/v1/session", json={"username": "olena", "password": PASSWORD})
    assert_problem(locked, 429)
    assert int(locked.headers["Retry-After"]) > 0
    # the real user, from elsewhere, is locked out too (per username) until the lock expires
    elsewhere = fresh_app.test_client()
    assert elsewhere.post("/api/v1/session", json={"username": "olena", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 429
    _expire_locks(fresh_app)
    assert elsewhere.post("/api/v1/session", json={"username": "olena", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200


def test_brute_force_from_one_client_across_usernames_is_locked_out(fresh_app):
    make_user(fresh_app, "olena", "lawyer", password=PASSWORD)
    attacker = fresh_app.test_client()
    statuses = [attacker.post("/api/v1/session", json={"username": f"user{n}", "password": "guess guess guess"},
                              environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code for n in range(21)]
    assert statuses[:20] == [401] * 20 and statuses[20] == 429
    assert attacker.post("/api/v1/session", json={"username": "olena", "password": PASSWORD},
                         environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 429
    assert attacker.post("/api/v1/session", json={"username": "olena", "password": PASSWORD},
                         environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 200


@pytest.mark.parametrize("proxies", [0, 1])
def test_a_forged_forwarded_address_dodges_the_throttle_only_behind_a_trusted_proxy(tmp_path, proxies):
    """X-Forwarded-For names the client only when SVIDOK_TRUSTED_PROXIES says a proxy sets it."""
    from search_api import create_app

    from .conftest import make_settings

    app = create_app(make_settings(tmp_path / "home", SVIDOK_STAGES="extract"), processing="inline",
                     config={"SVIDOK_TRUSTED_PROXIES": proxies})
    try:
        attacker = app.test_client()
        statuses = [attacker.post("/api/v1/session", json={"username": f"user{n}", "password": "guess guess guess"},
                                  environ_base={"REMOTE_ADDR": "10.0.0.2"},
                                  headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
                    for n in range(21)]
        if proxies:
            # each forwarded address is a different client behind the one proxy: none reaches 20 failures
            assert 429 not in statuses
        else:
            # the header is ignored: every attempt counts against the one real peer address
            assert statuses[:20] == [401] * 20 and statuses[20] == 429
    finally:
        app.extensions["svidok"].close()


def test_trusted_proxies_must_be_a_small_whole_number(tmp_path):
    from search_api import create_app

    from .conftest import make_settings

    from archive_schema.settings import Settings

    for wrong in ("one", "-1", "99"):
        with pytest.raises(ValueError, match="SVIDOK_TRUSTED_PROXIES"):
            create_app(make_settings(tmp_path / f"home{wrong}", SVIDOK_STAGES="extract"), processing="inline",
                       config={"SVIDOK_TRUSTED_PROXIES": wrong})
        with pytest.raises(ValueError, match="SVIDOK_TRUSTED_PROXIES"):
            Settings.from_env({"SVIDOK_HOME": str(tmp_path), "SVIDOK_TRUSTED_PROXIES": wrong})
    assert Settings.from_env({"SVIDOK_HOME": str(tmp_path), "SVIDOK_TRUSTED_PROXIES": "2"}).trusted_proxies == 2
    assert Settings.from_env({"SVIDOK_HOME": str(tmp_path)}).trusted_proxies == 0


def test_the_throttle_stores_no_username_or_address(fresh_app):
    attacker = fresh_app.test_client()
    attacker.post("/api/v1/session", json={"username": "someone", "password": "guess guess guess"},
                  environ_base={"REMOTE_ADDR": "203.0.113.7"})
    with fresh_app.extensions["svidok"].db.reader() as session:
        keys = [row.key for row in session.query(LoginThrottle)]
    assert len(keys) == 2 and not any("someone" in k or "203.0" in k for k in keys)


def _expire_locks(app) -> None:
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    with app.extensions["svidok"].db.sessions.begin() as session:
        session.execute(update(LoginThrottle).values(locked_until=past))


# --- oversized bodies -----------------------------------------------------------------------------------------

def test_oversized_json_bodies_are_refused_before_they_are_read(fresh_app):
    admin = client_for(fresh_app, "root", "admin")
    huge = b'{"username": "' + b"a" * (2 * 1024 * 1024) + b'", "password": "x"}'
    assert_problem(fresh_app.test_client().post("/api/v1/session", data=huge, content_type="application/json"),
                   413)
    assert_problem(admin.post("/api/v1/tokens", data=huge, content_type="application/json"), 413)
    long_password = {"username": "root", "password": "p" * 100_000}
    assert_problem(fresh_app.test_client().post("/api/v1/session", json=long_password), 400)
    assert_problem(fresh_app.test_client().post("/api/v1/session", data="username=x&password=y",
                                                content_type="application/x-www-form-urlencoded"), 415)
