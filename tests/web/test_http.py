"""Pages through Flask's test client: hostile input gets a clear page, redirects stay on this site, forms need
their CSRF token, and no page asks the browser to fetch anything from another host."""
from __future__ import annotations

import re

import pytest

from archive_schema import accounts
from archive_schema.settings import Settings
from search_api import create_app

from .conftest import PASSWORD


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = create_app(Settings.from_env({"SVIDOK_HOME": str(tmp_path_factory.mktemp("http") / "home")}),
                     processing="inline", config={"SVIDOK_COOKIE_SECURE": False})
    with app.extensions["svidok"].db.sessions.begin() as session:
        accounts.create_user(session, "archivist", "archivist", PASSWORD)
    yield app
    app.extensions["svidok"].close()


def _token(client, path="/sign-in") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


@pytest.fixture
def staff(app):
    client = app.test_client()
    answer = client.post("/sign-in", data={"username": "archivist", "password": PASSWORD,
                                           "csrf_token": _token(client)})
    assert answer.status_code == 302
    return client


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"])
def test_language_switch_and_sign_in_never_redirect_off_site(app, target):
    client = app.test_client()
    answer = client.get("/language/uk", query_string={"next": target})
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert "svidok_lang=uk" in answer.headers["Set-Cookie"]
    answer = client.post("/sign-in", data={"username": "archivist", "password": PASSWORD, "next": target,
                                           "csrf_token": _token(client)})
    assert answer.status_code == 302 and answer.headers["Location"] == "/overview"


def test_unknown_language_is_404(app):
    assert app.test_client().get("/language/xx?next=/").status_code == 404


def test_visitor_is_sent_to_sign_in_and_back(app):
    client = app.test_client()
    answer = client.get("/search?q=x")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/sign-in?next=/search")


def test_wrong_password_says_so_without_saying_which(app):
    client = app.test_client()
    answer = client.post("/sign-in", data={"username": "archivist", "password": "wrong password!",
                                           "csrf_token": _token(client)})
    assert answer.status_code == 401
    assert "Wrong username or password." in answer.get_data(as_text=True)


def test_forms_without_their_csrf_token_are_refused(staff):
    answer = staff.post("/upload", data={"title": "x"}, content_type="multipart/form-data")
    assert answer.status_code == 403
    assert "<h1>" in answer.get_data(as_text=True)  # a page, not a JSON problem


@pytest.mark.parametrize("query, status", [("page=abc", 400), ("page=0", 404), ("page=99999999999999999999", 404)])
def test_bad_page_numbers_get_a_page_saying_so(staff, query, status):
    listing = staff.get("/items").get_data(as_text=True)
    assert "No documents match" in listing
    assert staff.get(f"/items/not-an-id?{query}").status_code == 404
    assert staff.get(f"/items/{'x' * 5000}").status_code == 404


def test_upload_of_nothing_and_bad_metadata_store_nothing(staff, app):
    token = _token(staff, "/upload")
    answer = staff.post("/upload", data={"csrf_token": token}, content_type="multipart/form-data")
    assert answer.status_code == 400 and "Choose at least one file" in answer.get_data(as_text=True)
    import io

    answer = staff.post("/upload", data={"csrf_token": token, "date": "the day after", "doc_type": "poem",
                                         "file": (io.BytesIO(b"text"), "a.txt")},
                        content_type="multipart/form-data")
    body = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "Nothing was uploaded" in body and "date" in body and "doc_type" in body
    assert "No documents match" in staff.get("/items").get_data(as_text=True)


def test_hostile_search_queries_get_a_message(staff):
    for q in ('"unclosed', "a" * 2001, "((((((((((((((((((((x", "date:2022-13-45", "\x00\x01"):
        answer = staff.get("/search", query_string={"q": q})
        assert answer.status_code == 200
        body = answer.get_data(as_text=True)
        assert "could not be read" in body or "Nothing found" in body, q


def test_no_page_refers_to_another_host(app, staff):
    pages = ["/", "/inquiry", "/inquiry/status", "/statistics", "/sign-in", "/overview", "/upload", "/items",
             "/search", "/entities"]
    for path in pages:
        client = staff if path not in ("/", "/sign-in") else app.test_client()
        body = client.get(path).get_data(as_text=True)
        refs = re.findall(r'(?:src|href|action)="([^"]*)"', body)
        assert refs and all(r.startswith(("/", "#")) for r in refs), (path, [r for r in refs if not r.startswith(("/", "#"))])


def test_reading_a_confidential_document_page_is_one_view_event(staff, app):
    """Runs last in this module (it adds a document). The page shows custody too: still one event per look."""
    import io

    from sqlalchemy import select

    from archive_schema.models import AuditEvent, EvidenceItem

    answer = staff.post("/upload", data={"csrf_token": _token(staff, "/upload"), "classification": "confidential",
                                         "file": (io.BytesIO(b"Fictional confidential note."), "note.txt")},
                        content_type="multipart/form-data")
    assert answer.status_code in (200, 302, 303), answer.get_data(as_text=True)[:500]
    db = app.extensions["svidok"].db
    with db.reader() as session:
        item_id = session.scalar(select(EvidenceItem.id).where(EvidenceItem.filename == "note.txt"))
    page = staff.get(f"/items/{item_id}")
    assert page.status_code == 200 and "Fictional confidential note." in page.get_data(as_text=True)
    with db.reader() as session:
        views = session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == item_id,
                                                                AuditEvent.action == "item.view")).all()
    assert len(views) == 1
