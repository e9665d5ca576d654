"""One error shape everywhere, and hostile input: every bad request is a 4xx problem, never a 5xx or HTML."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from archive_schema import policy
from archive_schema.models import EvidenceItem
from search_api.auth import requires

from .helpers import assert_problem, multipart, upload, uploaded

SECURITY = {"Content-Security-Policy": "default-src 'self'", "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}


def _no_items(app) -> bool:
    with app.extensions["svidok"].db.sessions() as session:
        return session.scalar(select(EvidenceItem.id)) is None


def test_unknown_route_under_the_api_is_a_404_problem(client):
    assert_problem(client.get("/api/v1/nothing/here"), 404)
    assert_problem(client.get("/api/v1/"), 404)


def test_wrong_method_is_a_405_problem_with_allow(client):
    response = client.delete("/api/v1/items")
    assert_problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert_problem(client.put("/api/v1/status"), 405)


def test_security_headers_on_every_kind_of_response(client):
    (entry,) = uploaded(client, (b"fictional", "a.txt"))
    for response in (client.get("/api/v1/items"), client.get("/api/v1/nope"), client.get(f"{entry['url']}/original"),
                     client.get("/api/v1/items?page=0"), client.delete("/api/v1/items"), client.get("/")):
        for name, value in SECURITY.items():
            assert response.headers.get(name) == value, (response.request.path, name)


def test_an_unexpected_error_is_a_500_problem_without_internals(app, client, caplog):
    def broken():
        raise RuntimeError("secret internal detail /etc/svidok")

    app.add_url_rule("/api/v1/broken", "broken", requires(policy.STATUS_READ)(broken))
    body = assert_problem(client.get("/api/v1/broken"), 500)
    assert "secret" not in str(body) and "RuntimeError" not in str(body)
    assert "secret internal detail" in caplog.text  # logged for the operator


def test_body_that_is_not_multipart_is_a_415_problem(client, app):
    assert_problem(client.post("/api/v1/items", json={"file": "x"}), 415)
    assert_problem(client.post("/api/v1/items", data=b"raw bytes", content_type="application/pdf"), 415)
    assert_problem(client.post("/api/v1/items"), 415)
    assert _no_items(app)


@pytest.mark.parametrize("body, content_type", [
    (b"this is not multipart at all", "multipart/form-data; boundary=xyz"),
    (b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nunterminated",
     "multipart/form-data; boundary=xyz"),
    (b"--xyz\r\nno headers here\r\n--xyz--\r\n", "multipart/form-data; boundary=xyz"),
    (b"--xyz\r\n\r\n--xyz--\r\n", "multipart/form-data"),  # no boundary declared
    (b"--\xff\r\n", "multipart/form-data; boundary=\xff"),
])
def test_malformed_multipart_is_a_400_problem(client, app, body, content_type):
    response = client.post("/api/v1/items", data=body, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert_problem(response, response.status_code)
    assert _no_items(app)


def test_no_file_part_is_a_400_naming_file(client, app):
    body = assert_problem(client.post("/api/v1/items", data={"title": "no file"},
                                      content_type="multipart/form-data"), 400)
    assert body["errors"][0]["field"] == "file"
    assert _no_items(app)


def test_file_sent_as_a_text_field_is_a_400(client, app):
    data, content_type = multipart([("file", None, b"text, not a file part")])
    body = assert_problem(client.post("/api/v1/items", data=data, content_type=content_type), 400)
    assert body["errors"][0]["field"] == "file"
    assert _no_items(app)


@pytest.mark.parametrize("filename", ["", "   ", "\x01\x02"])
def test_empty_filename_is_a_400_and_stores_nothing(client, app, filename):
    data, content_type = multipart([("file", "good.txt", b"fictional good file"), ("file", filename, b"nameless")])
    body = assert_problem(client.post("/api/v1/items", data=data, content_type=content_type), 400)
    assert "part 2 has no filename" in body["detail"]
    assert _no_items(app)  # validated before anything is stored


def test_files_under_another_field_name_are_a_400(client):
    data, content_type = multipart([("attachment", "a.txt", b"fictional")])
    body = assert_problem(client.post("/api/v1/items", data=data, content_type=content_type), 400)
    assert body["errors"][0]["field"] == "attachment"


def test_repeated_metadata_field_is_a_400(client):
    data, content_type = multipart([("file", "a.txt", b"fictional"), ("title", None, b"one"), ("title", None, b"two")])
    body = assert_problem(client.post("/api/v1/items", data=data, content_type=content_type), 400)
    assert body["errors"] == [{"field": "title", "detail": "given more than once"}]


def test_huge_form_field_is_a_413_problem(client, app):
    response = upload(client, (b"fictional", "a.txt"), title="x" * (1024 * 1024))
    body = assert_problem(response, 413)
    assert "form field" in body["detail"]
    assert _no_items(app)


def test_request_over_the_size_limit_is_a_413_problem(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    body = assert_problem(upload(client, (b"x" * 20_000, "big.txt")), 413)
    assert "10,000 bytes" in body["detail"]
    assert _no_items(app)


def test_too_many_parts_is_a_413_problem(client, app):
    app.config["MAX_FORM_PARTS"] = 5
    assert_problem(upload(client, *[(b"%d" % n, f"{n}.txt") for n in range(10)]), 413)
    assert _no_items(app)


def _files_under(root: Path) -> set[Path]:
    return {Path(dirpath) / name for dirpath, _dirs, names in os.walk(root) for name in names}


def test_path_traversal_filename_is_stored_under_its_name_and_writes_nothing_outside_home(client, app, home,
                                                                                        tmp_path):
    outside_before = _files_under(tmp_path) - _files_under(home)
    (entry,) = uploaded(client, (b"fictional traversal attempt", "../../x.txt"),
                        (b"fictional absolute attempt", "/etc/svidok-x.txt"))[:1]
    assert entry["filename"] == "../../x.txt"
    assert client.get(entry["url"]).get_json()["filename"] == "../../x.txt"
    outside_after = _files_under(tmp_path) - _files_under(home)
    assert outside_after == outside_before
    assert not Path("/etc/svidok-x.txt").exists()
    for base in (home, home / "blobs", home / "spool", Path.cwd()):
        assert not (base / "../../x.txt").resolve().exists()
    download = client.get(f"{entry['url']}/original")
    assert 'filename="x.txt"' in download.headers["Content-Disposition"]


@pytest.mark.parametrize("filename", ["Свідчення_Олени.txt", "Показания №3.txt", "証言.txt", "emoji 🕊️.txt",
                                      "rtl\u202etxt.exe", "NFD e\u0301.txt"])
def test_unicode_filenames_round_trip(client, filename):
    (entry,) = uploaded(client, (f"fictional content of {filename}".encode(), filename))
    assert entry["filename"] == filename
    item = client.get(entry["url"]).get_json()
    assert item["filename"] == filename
    disposition = client.get(f"{entry['url']}/original").headers["Content-Disposition"]
    disposition.encode("ascii")


def test_big_upload_is_stored_intact(client):
    """A multi-megabyte part (far above the form-field limit) is spooled, stored and served back whole."""
    chunk = b"fictional line of a long transcript\n"
    content = chunk * (8 * 1024 * 1024 // len(chunk))
    response = client.post("/api/v1/items", data={"file": (io.BytesIO(content), "long.txt")},
                           content_type="multipart/form-data")
    (entry,) = response.get_json()["items"]
    assert client.get(f"{entry['url']}/original").data == content


def test_a_part_without_a_field_name_is_a_400_that_says_so(client, app):
    boundary = "svidok-test-boundary"
    data = (f"--{boundary}\r\nContent-Disposition: form-data; filename=\"a.txt\"\r\n\r\nfictional\r\n"
            f"--{boundary}--\r\n").encode()
    body = assert_problem(client.post("/api/v1/items", data=data,
                                      content_type=f"multipart/form-data; boundary={boundary}"), 400)
    assert all(isinstance(error["field"], str) and error["field"] for error in body["errors"]), body["errors"]
    assert _no_items(app)
