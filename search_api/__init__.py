"""The web application: the REST API under ``/api/v1`` (and, later, the UI).

``create_app`` builds everything, so each test gets a fresh app. Limits on requests (Flask config, override
with ``config=``):

- ``MAX_CONTENT_LENGTH`` = 2 GiB: one upload request, all its files together. Larger files go through
  ``svidok ingest``, which streams from disk without this limit (only ``SVIDOK_MAX_FILE_SIZE`` applies).
- ``MAX_FORM_MEMORY_SIZE`` = 256 KiB: one metadata field (values are at most 1,000 characters anyway).
  Werkzeug also holds each 64 KiB chunk of a *file* part against this limit while parsing it, so it must stay
  well above 64 KiB or every upload beyond that size is refused.
- ``MAX_FORM_PARTS`` = 1,000: files and fields in one request.

Uploaded parts are spooled to ``$SVIDOK_HOME/spool`` (in memory up to 512 KiB), never to a system temporary
folder, so an upload writes nothing outside ``SVIDOK_HOME``.
"""
from __future__ import annotations

import tempfile
from typing import IO, Any, Mapping

from flask import Flask, Response, current_app
from flask.wrappers import Request
from werkzeug.formparser import FormDataParser

from archive_schema.settings import Settings
from ingest.pipeline import Context

from . import errors
from .api import bp as api_bp
from .api import context
from .web import bp as web_bp

GiB = 1024**3
SPOOL_IN_MEMORY = 512 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class ApiRequest(Request):
    """Spools uploads inside ``SVIDOK_HOME`` and parses multipart bodies strictly.

    Werkzeug's parser quietly yields an empty form for a malformed body; strict parsing raises ``ValueError``,
    which the upload view answers with a 400 saying what is wrong.
    """

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> IO[bytes]:
        spool = current_app.extensions["svidok"].settings.home / "spool"
        spool.mkdir(parents=True, exist_ok=True)
        return tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, dir=spool)

    def make_form_data_parser(self) -> FormDataParser:
        parser = super().make_form_data_parser()
        parser.silent = False
        return parser


def create_app(settings: Settings | None = None, *, processing: str = "queue",
               config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: one pipeline context, the API blueprints, one error handler.

    ``processing``: ``"queue"`` hands new uploads to the Celery workers after they commit; ``"inline"`` runs
    their processing inside the upload request (tests, small setups without a worker).
    """
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.request_class = ApiRequest
    app.config.update(SECRET_KEY=settings.secret_key, SVIDOK=settings, MAX_CONTENT_LENGTH=2 * GiB,
                      MAX_FORM_MEMORY_SIZE=256 * 1024, MAX_FORM_PARTS=1000)
    app.config.update(config or {})
    app.json.sort_keys = False  # keep the models' field order
    context.init_app(app, Context.open(settings), processing)
    errors.init_app(app)
    app.register_blueprint(api_bp)
    app.register_blueprint(web_bp)
    app.after_request(_security_headers)
    return app


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
