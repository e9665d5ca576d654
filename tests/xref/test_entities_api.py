"""/api/v1/entities: cross-references and decisions over HTTP; problems for bad input, unknown ids, refusals."""
from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select

from archive_schema.models import Mention

from tests.api.helpers import client_for

from .conftest import MovedModel, entity_of, moved, reprocess_nlp

PROBLEM = "application/problem+json"


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def _valid(spec, path, method, status, body):
    content = spec["paths"][path][method]["responses"][str(status)]["content"]
    schema = next(iter(content.values()))["schema"]
    Draft202012Validator({**schema, "components": spec["components"]}).validate(body)


def test_reading_answers_match_the_document(client, app, spec):
    ctx = app.extensions["svidok"]
    ivan, facility = entity_of(ctx, "Ivan Kovalenko"), entity_of(ctx, "SIZO-2")
    base = "/api/v1/entities/{entity_id}"
    checks = [
        ("/api/v1/entities?kind=person&q=Коваленко", "/api/v1/entities"),
        (f"/api/v1/entities/{ivan}", base),
        (f"/api/v1/entities/{ivan}/documents?size=2", base + "/documents"),
        (f"/api/v1/entities/{ivan}/cooccurring?scope=item&kind=facility", base + "/cooccurring"),
        (f"/api/v1/entities/{ivan}/timeline?window=100", base + "/timeline"),
        (f"/api/v1/entities/{ivan}/with/{facility}", base + "/with/{other_id}"),
    ]
    answers = {}
    for url, path in checks:
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_json())
        _valid(spec, path, "get", 200, response.get_json())
        answers[path] = response.get_json()
    assert ivan in {e["id"] for e in answers["/api/v1/entities"]["entities"]}
    assert answers[base]["kind"] == "person" and answers[base]["merged_into"] is None
    documents = answers[base + "/documents"]
    assert documents["total"] == 3 and len(documents["documents"]) == 2
    assert [c["entity"]["id"] for c in answers[base + "/cooccurring"]["cooccurring"]] == [facility]
    assert [e["date"] for e in answers[base + "/timeline"]["events"]][0] == "2022-03-14"
    assert len(answers[base + "/with/{other_id}"]["pages"]) == 3


def test_merge_then_the_merged_entity_points_to_the_survivor(client, app, spec):
    ctx = app.extensions["svidok"]
    ivan, vania = entity_of(ctx, "Ivan Kovalenko"), entity_of(ctx, "Vania Kovalenko")
    response = client.post(f"/api/v1/entities/{ivan}/merge", json={"other": vania})
    assert response.status_code == 200
    _valid(spec, "/api/v1/entities/{entity_id}/merge", "post", 200, response.get_json())
    assert vania in response.get_json()["merged_from"]
    merged = client.get(f"/api/v1/entities/{vania}").get_json()
    assert merged["id"] == vania and merged["merged_into"] == ivan and merged["mentions"] == 0
    assert client.get(f"/api/v1/entities/{vania}/documents").get_json()["entity"]["id"] == ivan
    assert vania not in {e["id"] for e in client.get("/api/v1/entities?kind=person").get_json()["entities"]}
    again = client.post(f"/api/v1/entities/{ivan}/merge", json={"other": vania})
    assert again.status_code == 409 and again.mimetype == PROBLEM and "already merged" in again.get_json()["detail"]


def test_split_and_rename(client, app, spec):
    ctx = app.extensions["svidok"]
    ivan = entity_of(ctx, "Ivan Kovalenko")
    documents = client.get(f"/api/v1/entities/{ivan}/documents").get_json()["documents"]
    (english,) = [m["id"] for d in documents for m in d["occurrences"] if m["text"] == "Ivan Kovalenko"]
    response = client.post(f"/api/v1/entities/{ivan}/split", json={"mentions": [english], "name": "Ivan K. (2)"})
    assert response.status_code == 201
    new = response.get_json()
    _valid(spec, "/api/v1/entities/{entity_id}/split", "post", 201, new)
    assert new["name"] == "Ivan K. (2)" and new["mentions"] == 1
    assert response.headers["Location"].endswith(f"/api/v1/entities/{new['id']}")
    renamed = client.post(f"/api/v1/entities/{ivan}/rename", json={"name": "Іван Петрович Коваленко"})
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Іван Петрович Коваленко"
    assert renamed.get_json()["origin"] == "manual"
    actions = [d["action"] for d in renamed.get_json()["decisions"]]
    assert actions == ["split", "rename"]
    pins = client.get("/api/v1/entities/pins").get_json()
    _valid(spec, "/api/v1/entities/pins", "get", 200, pins)
    assert pins["counts"] == {"exact": 1, "moved": 0, "lost": 0}
    (pin,) = pins["pins"]
    assert (pin["state"], pin["entity"]["id"], pin["text"], pin["page"]) == ("exact", new["id"], "Ivan Kovalenko", 1)
    assert client.get(f"/api/v1/entities/pins?state=lost&entity={new['id']}").get_json()["pins"] == []
    refused = client.post(f"/api/v1/entities/pins/{pin['id']}/withdraw")  # a mention still carries it
    assert refused.status_code == 409 and refused.mimetype == PROBLEM and "merge" in refused.get_json()["detail"]


@pytest.mark.parametrize("url, detail", [
    ("/api/v1/entities?kind=prison", "kind"),
    ("/api/v1/entities?size=0", "size"),
    ("/api/v1/entities?sort=name", "sort"),
    ("/api/v1/entities/{ivan}/cooccurring?scope=region", "scope"),
    ("/api/v1/entities/{ivan}/timeline?window=-1", "window"),
    ("/api/v1/entities/pins?state=gone", "state"),
    ("/api/v1/entities/pins?entity=../x", "entity"),
    ("/api/v1/entities/pins?limit=100000", "limit"),
])
def test_bad_queries_are_400(client, app, url, detail):
    response = client.get(url.format(ivan=entity_of(app.extensions["svidok"], "Ivan Kovalenko")))
    assert response.status_code == 400 and response.mimetype == PROBLEM
    assert [e["field"] for e in response.get_json()["errors"]] == [detail]


@pytest.mark.parametrize("action, body", [
    ("merge", {}), ("merge", {"other": 5}), ("merge", {"other": "x", "also": 1}),
    ("split", {"mentions": []}), ("split", {"mentions": "m1"}),
    ("rename", {"name": ""}), ("rename", ["name"]), ("rename", None),
])
def test_bad_bodies_are_400(client, app, action, body):
    ivan = entity_of(app.extensions["svidok"], "Ivan Kovalenko")
    if body is None:
        response = client.post(f"/api/v1/entities/{ivan}/{action}", data="name=x")
    else:
        response = client.post(f"/api/v1/entities/{ivan}/{action}", json=body)
    assert response.status_code == 400 and response.mimetype == PROBLEM
    assert response.get_json()["errors"]


@pytest.mark.parametrize("method, url", [
    ("get", "/api/v1/entities/missing"), ("get", "/api/v1/entities/missing/documents"),
    ("get", "/api/v1/entities/missing/cooccurring"), ("get", "/api/v1/entities/missing/timeline"),
    ("get", "/api/v1/entities/{ivan}/with/missing"), ("get", "/api/v1/entities/bad%20id"),
    ("post", "/api/v1/entities/missing/rename"), ("post", "/api/v1/entities/{ivan}/merge"),
    ("post", "/api/v1/entities/pins/missing/withdraw"), ("post", "/api/v1/entities/pins/..%2Fx/withdraw"),
    ("post", "/api/v1/entities/pins/" + "x" * 300 + "/withdraw"),
])
def test_unknown_entities_are_404(client, app, method, url):
    ivan = entity_of(app.extensions["svidok"], "Ivan Kovalenko")
    body = {"rename": {"name": "x"}, "merge": {"other": "missing"}}.get(url.rsplit("/", 1)[-1])
    response = getattr(client, method)(url.format(ivan=ivan), json=body)
    assert response.status_code == 404 and response.mimetype == PROBLEM


def test_refused_decisions_are_409_and_record_nothing(client, app):
    ctx = app.extensions["svidok"]
    ivan, facility, maria = (entity_of(ctx, s) for s in ("Ivan Kovalenko", "SIZO-2", "Марія Коваленко"))
    with ctx.db.reader() as session:
        marias = list(session.scalars(select(Mention.id).where(Mention.entity_id == maria)))
    for url, body in [(f"/api/v1/entities/{ivan}/merge", {"other": facility}),
                      (f"/api/v1/entities/{ivan}/merge", {"other": ivan}),
                      (f"/api/v1/entities/{maria}/split", {"mentions": marias}),
                      (f"/api/v1/entities/{ivan}/split", {"mentions": marias[:1]})]:
        response = client.post(url, json=body)
        assert response.status_code == 409 and response.mimetype == PROBLEM, url
        assert response.get_json()["detail"]
    assert client.get(f"/api/v1/entities/{ivan}").get_json()["decisions"] == []


def test_the_entity_page_lists_decisions_no_mention_carries(client, app, monkeypatch):
    ctx = app.extensions["svidok"]
    ivan = entity_of(ctx, "Ivan Kovalenko")
    documents = client.get(f"/api/v1/entities/{ivan}/documents").get_json()["documents"]
    (english,) = [m["id"] for d in documents for m in d["occurrences"] if m["text"] == "Ivan Kovalenko"]
    new = client.post(f"/api/v1/entities/{ivan}/split", json={"mentions": [english]}).get_json()["id"]
    before = client.get(f"/entities/{new}")  # named with others: their table, and no notice yet
    assert before.status_code == 200 and "Documents in common" in before.get_data(as_text=True)
    assert "Decisions that no longer apply" not in before.get_data(as_text=True)

    MovedModel(monkeypatch, lambda m: [moved(m, 5, "ORG") if m.text == "Ivan Kovalenko" else m])
    reprocess_nlp(ctx, "north")
    page = client.get(f"/entities/{new}", headers={"Accept-Language": "uk"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Рішення, які більше не діють" in html
    assert "<td>Ivan Kovalenko</td>" in html and "Ivan Kovalenko was transferred to SIZO-2" in html
    # no mention is the entity's now, yet whoever may see the decision's page can open it to decide again
    investigator = client_for(app, "investigator-tester", "investigator")
    assert investigator.get(f"/api/v1/entities/{new}").status_code == 200
    assert investigator.get("/api/v1/entities/pins?state=lost").get_json()["total"] == 1

    # who may decide withdraws it from the page, once the passage is read again; a viewer has no such button
    viewer = client_for(app, "viewer-tester", "viewer")
    assert "Withdraw" not in viewer.get(f"/entities/{new}").get_data(as_text=True)
    (pin,) = client.get("/api/v1/entities/pins?state=lost").get_json()["pins"]
    action = f"/entities/{new}/pins/{pin['id']}/withdraw"
    assert f'action="{action}"' in html
    assert viewer.post(action, data={"csrf_token": _csrf(html)}).status_code == 403
    done = investigator.post(action, data={"csrf_token": _csrf(html)}, follow_redirects=True)
    assert done.status_code == 200 and "The decision was withdrawn." in done.get_data(as_text=True)
    # the entity now has no mention and no decision: open to the administrator only, so the investigator is
    # taken back to the list rather than to a page that would answer 404
    assert done.request.path == "/entities"
    assert investigator.get(f"/entities/{new}").status_code == 404
    page = client.get(f"/entities/{new}").get_data(as_text=True)
    assert "Decisions that no longer apply" not in page and "No document you may read names them now." in page
    answer = client.get(f"/api/v1/entities/{new}").get_json()
    assert (answer["decisions"][-1]["action"], answer["decisions"][-1]["actor"]) == ("withdraw",
                                                                                     "investigator-tester")
    assert client.get("/api/v1/entities/pins").get_json()["total"] == 0
    again = client.post(f"/api/v1/entities/pins/{pin['id']}/withdraw")
    assert again.status_code == 404 and again.mimetype == PROBLEM


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
