"""Helpers shared by the views: parsing queries, finding items, presenting them."""
from __future__ import annotations

import datetime as dt
import re
from typing import Iterable, TypeVar

from flask import request
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.exceptions import NotFound

from archive_schema import audit, policy
from archive_schema.models import EvidenceItem, ItemLink
from archive_schema.vocab import STAGES

from ..auth import current_user

from ..errors import Invalid
from .schemas import DocDateOut, ItemOut, LinkOut, LinksOut, StageOut

PIPELINE_ORDER = {stage: n for n, stage in enumerate(STAGES)}

Q = TypeVar("Q", bound=BaseModel)
#: ids are opaque (UUIDv7 today); this bounds what we ever look up
ITEM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def parse_query(model: type[Q]) -> Q:
    """The query string as ``model``, or a 400 naming each bad parameter."""
    try:
        return model.model_validate(request.args.to_dict(flat=True))
    except ValidationError as exc:
        raise Invalid.from_pydantic(exc) from None


class Body(BaseModel):
    """A JSON request body: unknown fields are an error."""
    model_config = ConfigDict(extra="forbid")


B = TypeVar("B", bound=Body)


def json_body(model: type[B]) -> B:
    """The JSON body as ``model``, or a 400 naming each bad field."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise Invalid([{"field": "(body)", "detail": "send a JSON object (Content-Type: application/json)"}])
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise Invalid.from_pydantic(exc) from None


def find_item(session: Session, item_id: str, *, full: bool = False) -> EvidenceItem:
    """The item, or a 404 problem: also when the actor may not see it (its existence is not confirmed)."""
    if not ITEM_ID.match(item_id):
        raise NotFound("Not a valid item id.")
    query = select(EvidenceItem).where(EvidenceItem.id == item_id, policy.item_filter(current_user()))
    if full:
        query = query.options(selectinload(EvidenceItem.stage_runs), selectinload(EvidenceItem.collection))
    item = session.scalar(query)
    if item is None:
        raise NotFound(f"No item with id {item_id}.")
    return item


def record_view(item: EvidenceItem, what: str) -> None:
    """Reading a non-public item (its metadata, text or custody) is an audit event: ``item.view``."""
    if item.classification == "public":
        return
    from .context import pipeline_context

    with pipeline_context().db.sessions.begin() as writer:
        audit.record(writer, "item.view", actor=current_user().name, object_type="item", object_id=item.id,
                     details={"what": what, "classification": item.classification})


def present_items(session: Session, items: Iterable[EvidenceItem]) -> list[ItemOut]:
    """Items as the API shows them, with their stages and links (links fetched in one query)."""
    items = list(items)
    ids = [item.id for item in items]
    links: dict[str, LinksOut] = {i: LinksOut(parents=[], children=[]) for i in ids}
    if ids:
        for link in session.scalars(select(ItemLink).where(or_(ItemLink.parent_id.in_(ids),
                                                               ItemLink.child_id.in_(ids)))):
            if link.parent_id in links:
                links[link.parent_id].children.append(LinkOut(id=link.child_id, relation=link.relation,
                                                              name=link.name))
            if link.child_id in links:
                links[link.child_id].parents.append(LinkOut(id=link.parent_id, relation=link.relation,
                                                            name=link.name))
    return [_item_out(item, links[item.id]) for item in items]


def _item_out(item: EvidenceItem, links: LinksOut) -> ItemOut:
    date = None
    if item.doc_date_start and item.doc_date_end and item.doc_date_precision:
        date = DocDateOut(start=item.doc_date_start, end=item.doc_date_end, precision=item.doc_date_precision)
    # pipeline order (extract, ocr, nlp), not alphabetical; a stage unknown to this version last
    stages = sorted(item.stage_runs, key=lambda r: (PIPELINE_ORDER.get(r.stage, len(PIPELINE_ORDER)), r.stage,
                                                     r.version))
    return ItemOut(
        id=item.id, sha256=item.sha256, filename=item.filename, title=item.title or "",
        media_type=item.media_type, size=item.size, page_count=item.page_count,
        languages=list(item.languages or []), doc_type=item.doc_type, date=date, source=item.source or "",
        collection=item.collection.name if item.collection else None, classification=item.classification,
        state=item.state, error=item.error, received_at=as_utc(item.received_at),
        stages=[StageOut(stage=r.stage, version=r.version, state=r.state, error=r.error, attempts=r.attempts or 0)
                for r in stages],
        links=links, properties=dict(item.properties or {}))


def as_utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back the UTC times we stored without their zone; say it."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
