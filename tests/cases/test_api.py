"""The case API under /api/v1: build a case, add exhibits (also from search hits), renumber, chronology,
qualifications, warnings, redaction and export; bad and foreign requests get problems and change nothing."""
from __future__ import annotations

import io
import zipfile

import pytest

from ingest.bundle import verify_bundle


@pytest.fixture(scope="module")
def api(case_fixture):
    from archive_schema import accounts
    from archive_schema.settings import Settings
    from search_api import create_app

    app = create_app(Settings.from_env({"SVIDOK_HOME": str(case_fixture.home)}), processing="inline")
    tokens = {}
    with case_fixture.ctx.db.sessions.begin() as session:
        for name, role in (("api-admin", "admin"), ("api-lawyer", "lawyer"), ("api-viewer", "viewer")):
            user = accounts.create_user(session, name, role, None)
            tokens[name] = accounts.create_token(session, user, "tests")[1]
    client = app.test_client()

    def call(method, path, user="api-admin", **kwargs):
        headers = {"Authorization": f"Bearer {tokens[user]}"}
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    yield call
    app.extensions["svidok"].close()


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def test_a_case_is_built_and_exported_through_the_api(api, case_fixture, tmp_path):
    items = case_fixture.items
    created = api("POST", "/cases", json={"forum": "echr", "title": "Fictional v. Russia", "reference": "API-1",
                                          "respondent_state": "Russia", "exhibit_prefix": "A"})
    assert created.status_code == 201, created.get_data(as_text=True)
    case_id = created.get_json()["id"]
    assert created.headers["Location"].endswith(f"/cases/{case_id}")
    assert any(c["id"] == case_id for c in api("GET", "/cases").get_json()["cases"])

    person = api("POST", f"/cases/{case_id}/persons", json={"name": "Оксана Гриценко", "role": "applicant",
                                                            "anonymous": True, "pseudonym": "Applicant A"})
    assert person.status_code == 201
    # twelve exhibits, the later dates first, one of them from search hits
    pdfs = [n for n in items if n.endswith(".pdf") and n != "transfer_order.pdf"]
    for n, name in enumerate((pdfs * 3)[:11]):
        added = api("POST", f"/cases/{case_id}/exhibits", json={"item_id": items[name], "pages": "1",
                                                                "date": f"2022-03-{25 - n:02d}"})
        assert added.status_code == 201, added.get_data(as_text=True)
    hits = api("POST", f"/cases/{case_id}/exhibits/from-hits",
               json={"hits": [{"item_id": items["court_decision.pdf"], "pages": [3, 2]}]})
    assert hits.status_code == 201 and hits.get_json()["exhibits"][0]["pages"] == [2, 3]
    assert hits.get_json()["exhibits"][0]["number"] == "A-12"

    renumbered = api("POST", f"/cases/{case_id}/renumber", json={"forum": "echr"})
    assert renumbered.status_code == 200
    case = api("GET", f"/cases/{case_id}").get_json()
    assert [e["number"] for e in case["exhibit_list"]] == [f"A-{n}" for n in range(1, 13)]
    dated = [e["date"] for e in case["exhibit_list"] if e["date"]]
    assert dated == sorted(dated) and case["exhibit_list"][-1]["date"] is None  # undated last

    first = case["exhibit_list"][0]
    entry = api("POST", f"/cases/{case_id}/chronology", json={
        "date": "2022-03-14", "text": "Оксану Гриценко questioned at the checkpoint.",
        "refs": [{"exhibit_id": first["id"], "page_start": 1}]})
    assert entry.status_code == 201
    entry_id = entry.get_json()["chronology"][0]["id"]
    suggestions = api("GET", f"/cases/{case_id}/chronology/suggestions").get_json()["suggestions"]
    assert suggestions and all(s["date"] != "2022-03-14" for s in suggestions)
    vocabulary = {p["code"] for p in api("GET", "/qualifications").get_json()["provisions"]}
    assert {"echr:5", "rome:7(1)(e)"} <= vocabulary
    assert api("POST", f"/cases/{case_id}/qualifications", json={"code": "echr:5", "entry_id": entry_id}
               ).status_code == 201
    warnings = api("GET", f"/cases/{case_id}/warnings", query_string={"forum": "echr"}).get_json()["warnings"]
    assert {"undated_exhibit", "unreviewed_exhibit"} <= {w["code"] for w in warnings}

    exported = api("POST", f"/cases/{case_id}/export", query_string={"forum": "echr"})
    assert exported.status_code == 200, exported.get_data(as_text=True)
    assert exported.mimetype == "application/zip"
    path = tmp_path / "api.zip"
    path.write_bytes(exported.get_data())
    assert verify_bundle(path) == []
    with zipfile.ZipFile(io.BytesIO(exported.get_data())) as archive:
        assert archive.read("manifest.sha256").split()[0].decode() == exported.headers["X-Manifest-SHA256"]
        chronology = archive.read("chronology.json").decode()
    assert "Applicant A" in chronology and "Гриценко" not in chronology


def test_an_exhibit_naming_an_anonymous_person_is_redacted_through_the_api(api, case_fixture):
    case_id = api("POST", "/cases", json={"forum": "icc", "title": "Transfers", "reference": "API-2"}).get_json()["id"]
    api("POST", f"/cases/{case_id}/persons", json={"name": "Andrii Melnyk", "role": "victim", "anonymous": True,
                                                   "pseudonym": "V-2", "other_names": ["Андрій Мельник"]})
    exhibit = api("POST", f"/cases/{case_id}/exhibits",
                  json={"item_id": case_fixture.items["release_statement.pdf"]}).get_json()
    blocked = _problem(api("POST", f"/cases/{case_id}/export", query_string={"forum": "icc"}), 409)
    assert "V-2" in blocked["detail"] and "Melnyk" not in blocked["detail"]
    assert any(w["blocking"] for w in api("GET", f"/cases/{case_id}/warnings").get_json()["warnings"])
    _problem(api("POST", f"/cases/{case_id}/exhibits/{exhibit['id']}/redact", json={}), 400)  # nothing asked
    redacted = api("POST", f"/cases/{case_id}/exhibits/{exhibit['id']}/redact", json={"auto": True})
    assert redacted.status_code == 201, redacted.get_data(as_text=True)
    body = redacted.get_json()
    assert body["exhibit"]["item_id"] == body["item_id"] != body["original_id"]
    assert api("POST", f"/cases/{case_id}/export", query_string={"forum": "icc"}).status_code == 200


@pytest.mark.parametrize("method, path, payload", [
    ("POST", "/cases", {"forum": "court of dreams", "title": "x"}),
    ("POST", "/cases", {"forum": "echr", "title": ""}),
    ("POST", "/cases", {"forum": "echr", "title": "x", "reference": "Справа-1"}),  # stamped: ASCII only
    ("POST", "/cases", {"forum": "echr", "title": "x", "surprise": 1}),
    ("POST", "/cases", ["not", "an", "object"]),
    ("POST", "/cases", {"forum": "echr", "title": "x" * 5000}),
])
def test_bad_cases_are_refused(api, method, path, payload):
    before = len(api("GET", "/cases").get_json()["cases"])
    _problem(api(method, path, json=payload), 400)
    assert len(api("GET", "/cases").get_json()["cases"]) == before


def test_bad_requests_about_a_case_are_refused(api, case_fixture):
    case_id = api("POST", "/cases", json={"forum": "echr", "title": "Errors"}).get_json()["id"]
    item = case_fixture.items["medical_note.pdf"]
    for path, payload in [
        ("/exhibits", {"item_id": item, "pages": "2-9"}),  # outside the item's pages
        ("/exhibits", {"item_id": item, "pages": "three"}),
        ("/exhibits/from-hits", {"hits": [{"item_id": item, "pages": [0]}]}),
        ("/persons", {"name": "Secret", "role": "witness", "anonymous": True}),  # no pseudonym
        ("/qualifications", {"code": "rome:99", "fact": "x"}),
        ("/chronology", {"date": "2022-13-01", "text": "x"}),
        ("/chronology", {"date": "2022-01-01", "text": "x", "refs": [{"exhibit_id": "nope"}]}),
        ("/renumber", {"forum": "un-court"}),
    ]:
        _problem(api("POST", f"/cases/{case_id}{path}", json=payload), 400)
    _problem(api("POST", f"/cases/{case_id}/exhibits", json={"item_id": "no-such-item"}), 404)
    _problem(api("GET", "/cases/no-such-case"), 404)
    _problem(api("GET", "/cases/../../etc"), 404)
    _problem(api("POST", f"/cases/{case_id}/export", query_string={"forum": "nowhere"}), 400)
    _problem(api("POST", f"/cases/{case_id}/export", query_string={"forum": "echr"}), 409)  # no exhibits
    assert api("GET", f"/cases/{case_id}").get_json()["exhibit_list"] == []


def test_a_case_is_hidden_from_those_outside_it(api):
    case_id = api("POST", "/cases", json={"forum": "echr", "title": "Members only"}).get_json()["id"]
    _problem(api("GET", f"/cases/{case_id}", user="api-lawyer"), 404)
    _problem(api("POST", f"/cases/{case_id}/export", user="api-lawyer", query_string={"forum": "echr"}), 404)
    assert all(c["id"] != case_id for c in api("GET", "/cases", user="api-lawyer").get_json()["cases"])
    _problem(api("POST", "/cases", user="api-viewer", json={"forum": "echr", "title": "x"}), 403)
    own = api("POST", "/cases", user="api-lawyer", json={"forum": "echr", "title": "Mine"})
    assert own.status_code == 201 and own.get_json()["members"] == [{"user": "api-lawyer", "role": "lead"}]
    assert api("GET", f"/cases/{own.get_json()['id']}", user="api-lawyer").status_code == 200
