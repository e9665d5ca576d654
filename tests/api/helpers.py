"""Helpers for the API tests: uploading, and checking the one error shape."""
from __future__ import annotations

import io
from typing import Any

PROBLEM_JSON = "application/problem+json"


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
