"""Items: upload originals, list them, read one."""
from __future__ import annotations

import unicodedata

from flask import Blueprint, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from archive_schema import policy
from archive_schema.models import Collection, EvidenceItem
from ingest import pipeline
from ingest.metadata import FIELDS, ItemMeta, MetadataError

from ..auth import current_user, requires
from ..errors import Invalid
from ..openapi import operation
from .access import current_actor
from .common import find_item, parse_query, present_items, record_view
from .context import deliver_promised_work, get_session, pipeline_context
from .schemas import (ItemListOut, ItemListQuery, ItemOut, NearDuplicateOut, UploadedItem, UploadFailure, UploadForm,
                      UploadOut)

bp = Blueprint("items", __name__)


@bp.post("/items")
@requires(policy.ITEM_UPLOAD)
@operation(form=UploadForm, responses={201: UploadOut, 200: UploadOut}, problems=(400, 413, 415))
def upload():
    """Upload one or more files; the metadata fields apply to each.

    Each file is stored byte for byte (content-addressed by SHA-256) and its receipt recorded in the audit
    chain before anything else happens. Bytes already stored are not stored again: the answer names the
    existing item, marked ``duplicate``, and the chain gets one more receipt. A file that cannot be stored is
    listed under ``failed`` with the reason; the others are stored. The answer is 201 when at least one new item
    was stored, 200 otherwise. Bad metadata or a malformed body stores nothing and answers 400.
    """
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("Send multipart/form-data: one or more 'file' parts plus metadata fields.")
    form, files = _parsed_body()
    meta = _metadata(form, files)
    parts = _file_parts(files)

    ctx, actor = pipeline_context(), current_actor()
    received: list[tuple[str, pipeline.Received]] = []
    failed: list[UploadFailure] = []
    for name, storage in parts:
        try:
            received.append((name, pipeline.receive(ctx, storage.stream, name, meta, actor=actor, via="api")))
        except pipeline.ReceiveError as exc:
            failed.append(UploadFailure(filename=name, reason=str(exc)))
        finally:
            storage.close()
    created = sum(not r.duplicate for _, r in received)
    if created:
        deliver_promised_work()

    ids = [r.item_id for _, r in received]
    states = dict(get_session().execute(select(EvidenceItem.id, EvidenceItem.state)
                                        .where(EvidenceItem.id.in_(ids))).all()) if ids else {}
    body = UploadOut(
        items=[UploadedItem(id=r.item_id, filename=name, sha256=r.sha256, duplicate=r.duplicate,
                            state=states[r.item_id], url=url_for(".get_item", item_id=r.item_id))
               for name, r in received],
        ok=created, duplicate=len(received) - created, failed=failed)
    return body.model_dump(mode="json"), 201 if created else 200


def _parsed_body() -> tuple[MultiDict, MultiDict]:
    try:
        return request.form, request.files
    except ValueError as exc:  # the strict parser (see ApiRequest) says what is wrong with the body
        raise BadRequest(f"Malformed multipart body ({exc}).") from None


def _metadata(form: MultiDict, files: MultiDict) -> ItemMeta:
    """The metadata fields, each checked by ``ItemMeta`` (as a sidecar's are); every bad field is named."""
    errors = []
    for name in form:
        if name == "file":
            errors.append({"field": name or "(unnamed part)", "detail": "must be a file part (with a filename), not a text field"})
        elif name not in FIELDS:
            errors.append({"field": name or "(unnamed part)", "detail": f"unknown field; known: file, {', '.join(FIELDS)}"})
        elif len(form.getlist(name)) > 1:
            errors.append({"field": name or "(unnamed part)", "detail": "given more than once"})
    for name in files:
        if name != "file":
            errors.append({"field": name or "(unnamed part)", "detail": "unknown file field; send files as 'file' parts"})
    values = {name: form[name] for name in FIELDS if name in form}
    for name, value in values.items():
        try:
            ItemMeta.from_mapping({name: value})
        except MetadataError as exc:
            errors.append({"field": name or "(unnamed part)", "detail": str(exc)})
    if errors:
        raise Invalid(errors)
    return ItemMeta.from_mapping(values)


def _file_parts(files: MultiDict) -> list[tuple[str, FileStorage]]:
    parts = files.getlist("file")
    if not parts:
        raise Invalid([{"field": "file", "detail": "no file: send one or more 'file' parts"}])
    named, errors = [], []
    for n, storage in enumerate(parts, start=1):
        name = _printable(storage.filename or "")
        if not name.strip():
            errors.append({"field": "file", "detail": f"file part {n} has no filename"})
        named.append((name, storage))
    if errors:
        raise Invalid(errors)
    return named


def _printable(name: str) -> str:
    """The name as sent, without control characters (which no file name needs and headers cannot carry)."""
    return "".join(c for c in name if unicodedata.category(c) != "Cc")


@bp.get("/items")
@requires(policy.ITEM_LIST)
@operation(query=ItemListQuery, responses={200: ItemListOut}, problems=(400,))
def list_items():
    """List items, newest first, filtered by collection, doc_type, state and classification."""
    query = parse_query(ItemListQuery)
    where = [policy.item_filter(current_user())]
    if query.collection is not None:
        where.append(EvidenceItem.collection.has(Collection.name == query.collection))
    for column, value in ((EvidenceItem.doc_type, query.doc_type), (EvidenceItem.state, query.state),
                          (EvidenceItem.classification, query.classification)):
        if value is not None:
            where.append(column == value.value)
    session = get_session()
    total = session.scalar(select(func.count()).select_from(EvidenceItem).where(*where))
    items = session.scalars(
        select(EvidenceItem).where(*where)
        .options(selectinload(EvidenceItem.stage_runs), selectinload(EvidenceItem.collection))
        .order_by(EvidenceItem.received_at.desc(), EvidenceItem.id.desc())
        .offset((query.page - 1) * query.size).limit(query.size))
    body = ItemListOut(items=present_items(session, items), total=total, page=query.page, size=query.size)
    return body.model_dump(mode="json")


@bp.get("/items/<item_id>")
@requires(policy.ITEM_READ)
@operation(responses={200: ItemOut}, problems=(404,))
def get_item(item_id: str):
    """One item: its metadata, processing state per stage, page count and links to other items."""
    session = get_session()
    found = find_item(session, item_id, full=True)
    (item,) = present_items(session, [found])
    record_view(found, "metadata")
    item.near_duplicates = _near_duplicates(session, item.id)
    return item.model_dump(mode="json")


def _near_duplicates(session, item_id: str) -> list[NearDuplicateOut]:
    """Near-duplicate photos the caller may see (``similar`` filters by the request's actor)."""
    from ingest.images import similar

    return [NearDuplicateOut(id=near["id"], distance=near["distance"]) for near in similar(session, item_id)]
