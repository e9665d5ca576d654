"""Reading items: list with filters and pagination, one item, its pages, collections and status."""
from __future__ import annotations

import pytest

from tests.fixtures import files

from .helpers import assert_problem, client_for, upload, uploaded


def _seed(client):
    uploaded(client, (b"fictional testimony one", "t1.txt"), (b"fictional testimony two", "t2.txt"),
             doc_type="testimony", collection="Olenivka interviews", classification="public")
    uploaded(client, (b"fictional court decision", "d1.txt"), doc_type="court_decision",
             collection="Court records")
    uploaded(client, (b"%PDF-1.4 broken", "broken.pdf"))


def test_list_filters_by_collection_doc_type_state_and_classification(client):
    _seed(client)
    everything = client.get("/api/v1/items").get_json()
    assert (everything["total"], everything["page"], everything["size"]) == (4, 1, 50)

    def names(query):
        response = client.get(f"/api/v1/items?{query}")
        assert response.status_code == 200
        return sorted(i["filename"] for i in response.get_json()["items"])

    assert names("collection=Olenivka interviews") == ["t1.txt", "t2.txt"]
    assert names("doc_type=court_decision") == ["d1.txt"]
    assert names("state=failed") == ["broken.pdf"]
    assert names("classification=public") == ["t1.txt", "t2.txt"]
    assert names("classification=confidential&state=processed") == ["d1.txt"]
    assert names("collection=No such collection") == []


def test_list_pages_through_everything_once(client):
    uploaded(client, *[(f"fictional note {n}".encode(), f"n{n}.txt") for n in range(5)])
    seen = []
    for page in (1, 2, 3):
        body = client.get(f"/api/v1/items?size=2&page={page}").get_json()
        assert body["total"] == 5 and body["size"] == 2 and body["page"] == page
        seen += [i["filename"] for i in body["items"]]
    assert sorted(seen) == [f"n{n}.txt" for n in range(5)]
    assert client.get("/api/v1/items?size=2&page=4").get_json()["items"] == []


@pytest.mark.parametrize("query, field", [
    ("doc_type=confession", "doc_type"),
    ("state=lost", "state"),
    ("classification=secret", "classification"),
    ("page=0", "page"),
    ("page=-3", "page"),
    ("page=two", "page"),
    ("page=99999999999999999999999999", "page"),
    ("size=0", "size"),
    ("size=201", "size"),
    ("collection=" + "c" * 201, "collection"),
    ("collection=a%00b", "collection"),
    ("doctype=letter", "doctype"),
])
def test_bad_list_parameters_are_a_400_naming_the_parameter(client, query, field):
    body = assert_problem(client.get(f"/api/v1/items?{query}"), 400)
    assert [e["field"] for e in body["errors"]] == [field]
    assert field in body["detail"]


def test_bad_doc_type_detail_lists_the_allowed_values(client):
    body = assert_problem(client.get("/api/v1/items?doc_type=confession"), 400)
    assert "testimony" in body["detail"] and "court_decision" in body["detail"]


def test_item_shows_metadata_stages_and_links(client, tmp_path):
    archive = files.zip_archive(tmp_path, {"inner/statement.txt": b"fictional statement inside a zip"})
    (entry,) = uploaded(client, (archive.read_bytes(), "batch.zip"), collection="Zipped", classification="public")
    parent = client.get(entry["url"]).get_json()
    assert parent["state"] == "processed"
    (child_link,) = parent["links"]["children"]
    assert child_link["relation"] == "member" and child_link["name"] == "inner/statement.txt"
    child = client.get(f"/api/v1/items/{child_link['id']}").get_json()
    assert child["links"]["parents"] == [{"id": parent["id"], "relation": "member", "name": "inner/statement.txt"}]
    assert child["collection"] == "Zipped" and child["classification"] == "public"  # inherited
    assert child["state"] == "processed"  # promised in the outbox, processed inline too


@pytest.mark.parametrize("item_id", ["01a2-no-such-item", "x" * 65, "bad id", "..%2F..%2Fetc", "%00"])
def test_unknown_or_malformed_item_id_is_a_404_problem(client, item_id):
    for suffix in ("", "/original", "/pages", "/pages/1", "/custody"):
        assert_problem(client.get(f"/api/v1/items/{item_id}{suffix}"), 404)


def test_page_text_by_number(client, tmp_path):
    pdf = files.pdf(tmp_path, ["Fictional page one: the checkpoint.", "Fictional page two: the cell."])
    (entry,) = uploaded(client, (pdf.read_bytes(), "statement.pdf"))
    page = client.get(f"{entry['url']}/pages/2").get_json()
    assert page["item_id"] == entry["id"] and page["number"] == 2
    assert "page two" in page["text"] and "page one" not in page["text"]
    assert page["ocr_confidence"] is None


def test_pages_listed_in_order_with_offset_and_limit(client):
    text = "\f".join(f"fictional page {n}" for n in range(1, 6)).encode()
    (entry,) = uploaded(client, (text, "paged.txt"))
    body = client.get(f"{entry['url']}/pages?offset=1&limit=3").get_json()
    assert body["total"] == 5
    assert [p["number"] for p in body["pages"]] == [2, 3, 4]
    assert body["pages"][0]["text"].strip() == "fictional page 2"
    assert_problem(client.get(f"{entry['url']}/pages?limit=0"), 400)
    assert_problem(client.get(f"{entry['url']}/pages?offset=-1"), 400)


@pytest.mark.parametrize("number", ["0", "2", "-1", "one", "1.5", "99999999999999999999999", "%F0%9F%92%A5"])
def test_missing_or_non_integer_page_is_a_404_problem(client, number):
    (entry,) = uploaded(client, (b"one fictional page", "one.txt"))
    assert_problem(client.get(f"{entry['url']}/pages/{number}"), 404)


def test_collections_with_item_counts(client):
    _seed(client)
    body = client.get("/api/v1/collections").get_json()
    assert [(c["name"], c["item_count"]) for c in body["collections"]] == [
        ("Court records", 1), ("Olenivka interviews", 2)]


def test_status_counts_items_stages_and_pending_work(client):
    _seed(client)
    body = client.get("/api/v1/status").get_json()
    assert body["total"] == 4
    assert body["items"]["processed"] == 3 and body["items"]["failed"] == 1 and body["items"]["received"] == 0
    assert body["stages"] == {"extract": {"done": 3, "failed": 1}, "ocr": {"done": 3}, "nlp": {"done": 3}}
    assert body["outbox_pending"] == 0


def test_upload_then_read_back_on_postgresql(postgres_url, tmp_path):
    from archive_schema.settings import Settings
    from search_api import create_app

    app = create_app(Settings.from_env({"SVIDOK_HOME": str(tmp_path / "pg"), "SVIDOK_DATABASE_URL": postgres_url}),
                     processing="inline")
    try:
        client = client_for(app)
        (entry,) = uploaded(client, ("Свідчення: вигадана особа.".encode(), "свідчення.txt"), collection="PG")
        assert client.get("/api/v1/items?collection=PG").get_json()["total"] == 1
        assert client.get(f"{entry['url']}/pages/1").get_json()["text"].startswith("Свідчення")
        assert client.get(f"{entry['url']}/original").data == "Свідчення: вигадана особа.".encode()
        assert_problem(client.get("/api/v1/items?collection=a%00b"), 400)
        assert_problem(upload(client, (b"x", "a.txt"), title="nul\x00"), 400)
    finally:
        app.extensions["svidok"].close()
