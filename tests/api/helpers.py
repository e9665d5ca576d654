"""Helpers for the API tests: uploading, and checking the one error shape."""
from __future__ import annotations

import io
from typing import Any

from archive_schema import accounts

PROBLEM_JSON = "application/problem+json"


def make_user(app, username: str, role: str, *, password: str | None = None, cases: dict[str, str] = {}) -> str:
    """Add a user (and their case memberships, case id -> member role) straight to the database; returns an
    API token for them. Without ``password`` the user can only use the token (no slow hashing in tests)."""
    from archive_schema.models import CaseMember

    with app.extensions["svidok"].db.sessions.begin() as session:
        user = accounts.create_user(session, username, role, password)
        _row, token = accounts.create_token(session, user, "tests")
        for case_id, member_role in cases.items():
            session.add(CaseMember(case_id=case_id, user=user.username, role=member_role))
    return token


def client_for(app, username: str = "tester", role: str = "admin", **kwargs: Any):
    """A test client that sends a new user's API token with every request."""
    token = make_user(app, username, role, **kwargs)
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def upload(client, *files: tuple[bytes, str], **meta: Any):
    """POST /api/v1/items with ``files`` as (content, filename) and ``meta`` as form fields."""
    data = {"file": [(io.BytesIO(content), name) for content, name in files], **meta}
    return client.post("/api/v1/items", data=data, content_type="multipart/form-data")


def uploaded(client, *files: tuple[bytes, str], **meta: Any) -> list[dict]:
    """Upload and return the answer's items, failing on anything but 200/201."""
    response = upload(client, *files, **meta)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()["items"]


def assert_problem(response, status: int) -> dict:
    """The response is an RFC 9457 problem with this status; returns its body."""
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"] and isinstance(body["detail"], str) and body["detail"]
    return body


def multipart(parts: list[tuple[str, str | None, bytes]], boundary: str = "svidok-test-boundary") -> tuple[bytes, str]:
    """A hand-made multipart body from (field, filename or None, content): for bodies a client would not build."""
    out = io.BytesIO()
    for field, filename, content in parts:
        out.write(f"--{boundary}\r\n".encode())
        disposition = f'form-data; name="{field}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out.write(f"Content-Disposition: {disposition}\r\n\r\n".encode())
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"
