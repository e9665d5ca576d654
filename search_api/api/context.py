"""What a request works with: the app's pipeline context, a database session per request, and processing.

One ``ingest.pipeline.Context`` per app (``app.extensions["svidok"]``); one session per request on ``g``, opened
lazily and closed on teardown, as in the Flask tutorial. The session is for reading only (on SQLite it
never takes the write lock); views that write open their own transaction with ``db.sessions.begin()``:
``ingest.pipeline.receive`` and ``process`` own their transactions, so a view never holds the
request session's transaction open while calling them (on SQLite that would wait on its own write lock).
"""
from __future__ import annotations

import logging
from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from ingest import pipeline, tasks

log = logging.getLogger(__name__)

PROCESSING = ("queue", "inline")


def pipeline_context() -> pipeline.Context:
    return current_app.extensions["svidok"]


def get_session() -> Session:
    if "session" not in g:
        g.session = pipeline_context().db.reader()
    return g.session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("session", None)
    if session is not None:
        session.close()


def deliver_promised_work() -> None:
    """After uploads commit: run their stages here ("inline") or hand them to the workers ("queue").

    Both go through the outbox, so members found inside a file (ZIP, e-mail) are handled the same way, and
    work left undelivered by a crash is picked up by the next delivery.
    """
    ctx = pipeline_context()
    if current_app.config["SVIDOK_PROCESSING"] == "inline":
        pipeline.deliver(ctx, lambda item_id: pipeline.process(ctx, item_id))
        pipeline.index_pending(ctx)
        return
    try:
        pipeline.deliver(ctx, tasks.send)
    except Exception:  # broker down: the originals are stored and the outbox keeps the promise for recovery
        log.exception("could not hand uploaded items to the broker; they stay queued in the outbox")


def init_app(app: Flask, ctx: pipeline.Context, processing: str) -> None:
    if processing not in PROCESSING:
        raise ValueError(f"processing must be one of {', '.join(PROCESSING)}, not {processing!r}")
    if processing == "queue":
        tasks.configure(ctx.settings)
    app.extensions["svidok"] = ctx
    app.config["SVIDOK_PROCESSING"] = processing
    app.teardown_appcontext(close_session)
