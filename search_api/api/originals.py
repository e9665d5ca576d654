"""Originals: the exact bytes received, streamed, with their digest; every download is a custody event."""
from __future__ import annotations

import base64
import logging
import posixpath
import re
import unicodedata
from urllib.parse import quote

from flask import Blueprint, Response, request
from werkzeug.exceptions import InternalServerError
from werkzeug.wsgi import wrap_file

from archive_schema import audit, policy
from archive_schema.blobs import CHUNK, BlobNotFound

from ..auth import requires
from ..openapi import BINARY, operation
from .access import current_actor
from .common import find_item
from .context import get_session, pipeline_context

bp = Blueprint("originals", __name__)
log = logging.getLogger(__name__)

HEADERS = {
    "Content-Disposition": "attachment, with the original filename (RFC 6266; UTF-8 in filename*, RFC 5987)",
    "X-Content-SHA256": "SHA-256 of the body, hex",
    "Repr-Digest": "sha-256=:<base64>: (RFC 9530)",
}


@bp.get("/items/<item_id>/original")
@requires(policy.ITEM_DOWNLOAD)
@operation(responses={200: BINARY}, problems=(404,), headers=HEADERS)
def download_original(item_id: str):
    """Download the original byte for byte.

    The download is recorded in the audit chain (``item.download``) before the first byte is sent. ``HEAD``
    answers the same headers and records nothing.
    """
    session = get_session()
    item = find_item(session, item_id)
    try:
        stream = pipeline_context().blobs.open(item.sha256)
    except BlobNotFound:
        log.error("original of item %s (sha256 %s) is missing from the blob store", item.id, item.sha256)
        raise InternalServerError("The original is missing from the blob store; an administrator must restore "
                                  "it from backup.") from None
    try:
        if request.method != "HEAD":
            with pipeline_context().db.sessions.begin() as writer:
                audit.record(writer, "item.download", actor=current_actor(), object_type="item",
                             object_id=item.id, details={"sha256": item.sha256, "size": item.size,
                                                         "classification": item.classification})
    except BaseException:
        stream.close()
        raise
    response = Response(wrap_file(request.environ, stream, CHUNK), direct_passthrough=True)
    response.headers["Content-Type"] = item.media_type or "application/octet-stream"  # no charset guessed
    response.content_length = item.size
    response.headers["Content-Disposition"] = content_disposition(item.filename)
    response.headers["X-Content-SHA256"] = item.sha256
    response.headers["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(item.sha256)).decode()}:"
    response.headers["ETag"] = f'"{item.sha256}"'
    response.headers["Cache-Control"] = "no-store"  # evidence may be confidential: no copies in caches
    return response


def content_disposition(filename: str) -> str:
    """``attachment`` with the file's own name (no folders), and an ASCII fallback for old clients."""
    name = posixpath.basename(filename.replace("\\", "/"))
    name = "".join(c for c in name if unicodedata.category(c) != "Cc").strip() or "original"
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9._()+ -]", "_", fallback).strip()
    stem, dot, ext = fallback.rpartition(".") if "." in fallback else (fallback, "", "")
    if not re.search(r"[A-Za-z0-9]", stem):
        fallback = f"original{dot}{ext}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='!#$&+-.^_`|~')}"
