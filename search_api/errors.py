"""One handler renders every error: API paths answer RFC 9457 problem details, never HTML.

Views raise Werkzeug's ``HTTPException`` subclasses (``NotFound``, ``BadRequest`` …) or ``Invalid`` (a 400
listing each bad field). Anything else is a bug: it is logged with its traceback and answered with a 500
problem that shows no internals. Paths outside ``/api/`` keep Werkzeug's own pages until the UI brings its
``error.html``.
"""
from __future__ import annotations

import logging
from typing import Any, Iterable

from flask import Flask, Response, current_app, json, request
from pydantic import ValidationError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError, RequestEntityTooLarge

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api/"


class Invalid(BadRequest):
    """A 400 naming every bad field: ``errors = [{"field": name, "detail": why}, …]``."""

    def __init__(self, errors: Iterable[dict[str, str]], detail: str | None = None):
        self.errors = list(errors)
        super().__init__(detail or "; ".join(f"{e['field']}: {e['detail']}" for e in self.errors))

    @classmethod
    def from_pydantic(cls, exc: ValidationError) -> "Invalid":
        return cls({"field": ".".join(str(part) for part in err["loc"]) or "(body)", "detail": _message(err)}
                   for err in exc.errors(include_url=False, include_input=False))


def _message(err: dict[str, Any]) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown parameter"
    return err["msg"]


def problem(status: int, title: str, detail: str, *, errors: list[dict[str, str]] | None = None,
            headers: Iterable[tuple[str, str]] = ()) -> Response:
    """An ``application/problem+json`` response (RFC 9457)."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in headers:
        if name.lower() != "content-type":
            response.headers[name] = value  # e.g. Allow on a 405
    return response


def _is_api() -> bool:
    return request.path.startswith(API_PREFIX)


def handle_http(exc: HTTPException) -> Response | HTTPException:
    if not _is_api():
        return exc
    code = exc.code or 500
    detail = exc.description or exc.name
    if isinstance(exc, RequestEntityTooLarge):
        detail = _too_large_detail()
    return problem(code, exc.name, detail, errors=getattr(exc, "errors", None),
                   headers=exc.get_headers())


def handle_unexpected(exc: Exception) -> Response | HTTPException:
    # the unit-of-work boundary for a request: log everything, tell the client nothing internal
    log.exception("unhandled error on %s %s", request.method, request.path)
    if not _is_api():
        return InternalServerError()
    return problem(500, "Internal Server Error",
                   "The server failed to answer this request. The error has been logged.")


def _too_large_detail() -> str:
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    field_limit = current_app.config.get("MAX_FORM_MEMORY_SIZE") or 0
    return (f"The request is too large: an upload may carry at most {limit:,} bytes in total, and a form "
            f"field at most {field_limit:,} bytes. Use `svidok ingest` for larger files.")


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
