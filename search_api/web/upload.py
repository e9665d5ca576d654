"""Upload: files or whole folders, one metadata form for all of them, an outcome per file.

Without JavaScript the form posts every file at once and the answer is a page listing each file's outcome.
With JavaScript (``static/web.js``) each file is posted on its own, so each gets a progress bar, and the rows
of the same outcome table arrive one by one.
"""
from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select
from werkzeug.exceptions import BadRequest

from archive_schema.models import EvidenceItem
from ingest import pipeline
from ingest.metadata import FIELDS, ItemMeta, MetadataError

from ..api.access import current_actor
from ..api.context import deliver_promised_work, get_session, pipeline_context
from archive_schema import policy

from . import bp, guard


@bp.get("/upload")
@guard.requires(policy.ITEM_UPLOAD)
def upload():
    return render_template("upload.html", active="upload", form={}, outcomes=None, errors=[])


@bp.post("/upload")
@guard.requires(policy.ITEM_UPLOAD)
def upload_post():
    guard.check_csrf()
    try:
        form, files = request.form, request.files.getlist("file")
    except ValueError as exc:  # the strict multipart parser names what is wrong with the body
        raise BadRequest(f"The upload could not be read ({exc}).") from None
    values = {name: form[name].strip() for name in FIELDS if form.get(name, "").strip()}
    errors = []
    for name, value in values.items():
        try:
            ItemMeta.from_mapping({name: value})
        except MetadataError as exc:
            errors.append((name, str(exc)))
    files = [f for f in files if f.filename]
    fragment = request.headers.get("HX-Request") == "true"
    if errors or not files:
        status = 400
        if not files and not errors:
            errors.append(("file", None))
        if fragment:
            return render_template("partials/upload_rows.html", outcomes=[], errors=errors), status
        return render_template("upload.html", active="upload", form=form, outcomes=None, errors=errors), status

    ctx, actor, meta = pipeline_context(), current_actor(), ItemMeta.from_mapping(values)
    outcomes, created = [], 0
    for storage in files:
        name = "".join(c for c in storage.filename if c >= " " and c != "\x7f")
        try:
            received = pipeline.receive(ctx, storage.stream, name, meta, actor=actor, via="web")
            outcomes.append({"filename": name, "item_id": received.item_id, "duplicate": received.duplicate})
            created += not received.duplicate
        except pipeline.ReceiveError as exc:
            outcomes.append({"filename": name, "item_id": None, "reason": str(exc)})
        finally:
            storage.close()
    if created:
        deliver_promised_work()
    ids = [o["item_id"] for o in outcomes if o["item_id"]]
    if ids:
        found = {i.id: i for i in get_session().scalars(select(EvidenceItem).where(EvidenceItem.id.in_(ids)))}
        for o in outcomes:
            if o["item_id"]:
                o["item"] = found[o["item_id"]]
    if fragment:
        return render_template("partials/upload_rows.html", outcomes=outcomes, errors=[])
    return render_template("upload.html", active="upload", form=form, outcomes=outcomes, errors=[])
