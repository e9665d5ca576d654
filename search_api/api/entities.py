"""Entities: people, places, facilities and organisations found in the evidence, their cross-references, and
people's decisions about them (merge, split, rename, withdrawing a split decision no mention carries).

A merged entity still answers: ``GET /entities/<id>`` gives its own record with ``merged_into`` naming the
entity that survives (200, not a redirect, so a client following an old link sees both what it asked for and
where it went). Its cross-references (documents, cooccurring, timeline, with) answer for the survivor, whose
id and name head each answer as ``entity``.

Decisions answer 404 for an unknown entity and 409 (with the reason) when the entity's state forbids them:
merging entities of different kinds or one already merged, splitting off mentions that are not the entity's or
all of them.
"""
from __future__ import annotations

import dataclasses
import re
import typing
from typing import Any, Literal

from flask import Blueprint, url_for
from pydantic import BaseModel, Field, create_model
from sqlalchemy.orm import Session
from werkzeug.exceptions import Conflict, NotFound

from archive_schema import policy, xref
from archive_schema.models import Entity
from ingest import entities as decisions

from ..auth import current_user, requires
from ..openapi import operation
from .access import current_actor
from .common import Body, json_body, parse_query
from .context import get_session, pipeline_context
from .schemas import Query

bp = Blueprint("entities", __name__)
ENTITY_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
Kind = Literal["person", "place", "facility", "org"]


# --- what the views take ----------------------------------------------------------------------------------

class EntityListQuery(Query):
    kind: Kind | None = None
    q: str | None = Field(None, min_length=1, max_length=200,
                          description="part of any of its names, in any script or case form")
    page: int = Field(1, ge=1, le=1_000_000, description="1-based page of results")
    size: int = Field(50, ge=1, le=200, description="entities per page")


class DocumentsQuery(Query):
    page: int = Field(1, ge=1, le=1_000_000)
    size: int = Field(50, ge=1, le=200, description="items per page")


class CooccurringQuery(Query):
    scope: Literal["page", "item"] = Field("page", description="named on the same page, or in the same item")
    kind: Kind | None = None
    limit: int = Field(50, ge=1, le=500)


class TimelineQuery(Query):
    window: int = Field(300, ge=0, le=100_000,
                        description="characters between a date and the entity for the date to count as near")


class PairQuery(Query):
    limit: int = Field(100, ge=1, le=500, description="pages")


class PinsQuery(Query):
    state: Literal[xref.PIN_STATES] | None = Field(
        None, description="only pins in this state (lost: no mention carries the decision any more)")
    entity: str | None = Field(None, min_length=1, max_length=64, pattern=ENTITY_ID.pattern,
                               description="only the pins of this entity")
    limit: int = Field(200, ge=1, le=1000)


class MergeIn(Body):
    other: str = Field(min_length=1, max_length=64, description="the entity merged into this one")


class SplitIn(Body):
    mentions: list[str] = Field(min_length=1, max_length=10_000, description="mention ids to move to a new entity")
    name: str | None = Field(None, min_length=1, max_length=500, description="the new entity's name")


class RenameIn(Body):
    name: str = Field(min_length=1, max_length=500)


# --- what they answer -------------------------------------------------------------------------------------

def _model_of(cls: type, name: str) -> type[BaseModel]:
    """A response model with the fields (types and descriptions) of one of ``xref``'s answers."""
    hints = typing.get_type_hints(cls)
    fields: dict[str, Any] = {f.name: (hints[f.name], Field(description=f.metadata.get("description")))
                              for f in dataclasses.fields(cls)}
    return create_model(name, __doc__=cls.__doc__, **fields)


EntityListOut = _model_of(xref.EntityList, "EntityListOut")
EntityOut = _model_of(xref.EntitySummary, "EntityOut")
DocumentsOut = _model_of(xref.Documents, "EntityDocumentsOut")
PinListOut = _model_of(xref.PinList, "PinListOut")


class CooccurringOut(BaseModel):
    entity: xref.EntityRef
    scope: str
    cooccurring: list[xref.Cooccurrence]


class TimelineOut(BaseModel):
    entity: xref.EntityRef
    window: int
    events: list[xref.TimelineEvent]


class PairOut(BaseModel):
    a: xref.EntityRef
    b: xref.EntityRef
    pages: list[xref.PairPage]


# --- reading ----------------------------------------------------------------------------------------------

def _checked(entity_id: str) -> str:
    if not ENTITY_ID.match(entity_id):
        raise NotFound("Not a valid entity id.")
    return entity_id


def _found(answer, entity_id: str):
    if answer is None:
        raise NotFound(f"No entity with id {entity_id}.")
    return answer


def _entity_out(session: Session, entity_id: str, *, decided: bool = False) -> dict:
    """The entity's answer; 404 for one named only in items the caller may not see, unless the caller has just
    decided about it (``decided``: they were shown it to decide, and withdrawing its last decision may leave it
    with nothing they may see)."""
    summary = _found(xref.entity_summary(session, _checked(entity_id)), entity_id)
    if (not decided and not summary.mentions and summary.merged_into is None and not current_user().is_admin
            and not any(xref.pin_counts(session, entity_id=summary.id).values())):
        # named only in items the caller may not see (an entity whose split decisions no mention carries any
        # more stays open to those who may see the decisions' pages, so that they can decide again)
        raise NotFound(f"No entity with id {entity_id}.")
    return EntityOut.model_validate(summary, from_attributes=True).model_dump(mode="json")


@bp.get("/entities")
@requires(policy.ENTITY_READ)
@operation(query=EntityListQuery, responses={200: EntityListOut}, problems=(400,))
def list_entities():
    """Entities not merged away, most mentioned first, filtered by kind and by name (``q``)."""
    query = parse_query(EntityListQuery)
    found = xref.list_entities(get_session(), kind=query.kind, q=query.q, page=query.page, size=query.size)
    return EntityListOut.model_validate(found, from_attributes=True).model_dump(mode="json")


@bp.get("/entities/pins")
@requires(policy.ENTITY_READ)
@operation(query=PinsQuery, responses={200: PinListOut}, problems=(400,))
def list_pins():
    """Split decisions on items the caller may see, and whether today's mentions still carry them.

    Reprocessing with another model can move a mention's boundaries: a pin then carries over to the overlapping
    mentions of its kind (``moved``); one that no mention carries (``lost``) needs a person to look again.
    """
    query = parse_query(PinsQuery)
    found = xref.pins(get_session(), state=query.state, entity_id=query.entity, limit=query.limit)
    return PinListOut.model_validate(found, from_attributes=True).model_dump(mode="json")


@bp.get("/entities/<entity_id>")
@requires(policy.ENTITY_READ)
@operation(responses={200: EntityOut}, problems=(404,))
def get_entity(entity_id: str):
    """One entity: names, mention counts per label and item, decisions; ``merged_into`` when merged away."""
    return _entity_out(get_session(), entity_id)


@bp.get("/entities/<entity_id>/documents")
@requires(policy.ENTITY_READ)
@operation(query=DocumentsQuery, responses={200: DocumentsOut}, problems=(400, 404))
def entity_documents(entity_id: str):
    """Items naming the entity (most mentions first) and the pages it is named on."""
    query = parse_query(DocumentsQuery)
    found = _found(xref.entity_documents(get_session(), _checked(entity_id), page=query.page, size=query.size),
                   entity_id)
    return DocumentsOut.model_validate(found, from_attributes=True).model_dump(mode="json")


@bp.get("/entities/<entity_id>/cooccurring")
@requires(policy.ENTITY_READ)
@operation(query=CooccurringQuery, responses={200: CooccurringOut}, problems=(400, 404))
def cooccurring(entity_id: str):
    """Other entities named on the same pages (or in the same items), with how many they share."""
    query = parse_query(CooccurringQuery)
    entity, found = _found(xref.cooccurring(get_session(), _checked(entity_id), scope=query.scope, kind=query.kind,
                                            limit=query.limit), entity_id)
    return CooccurringOut(entity=entity, scope=query.scope, cooccurring=found).model_dump(mode="json")


@bp.get("/entities/<entity_id>/timeline")
@requires(policy.ENTITY_READ)
@operation(query=TimelineQuery, responses={200: TimelineOut}, problems=(400, 404))
def timeline(entity_id: str):
    """Dates named near the entity, in date order.

    For every page naming the entity, each date on it: weight 1.0 when within ``window`` characters of one of
    the entity's mentions, 0.5 when elsewhere on the page.
    """
    query = parse_query(TimelineQuery)
    entity, events = _found(xref.timeline(get_session(), _checked(entity_id), window=query.window), entity_id)
    return TimelineOut(entity=entity, window=query.window, events=events).model_dump(mode="json")


@bp.get("/entities/<entity_id>/with/<other_id>")
@requires(policy.ENTITY_READ)
@operation(query=PairQuery, responses={200: PairOut}, problems=(400, 404))
def pair(entity_id: str, other_id: str):
    """Pages naming both entities, with the text around their closest mentions."""
    query = parse_query(PairQuery)
    a, b, pages = _found(xref.pairs(get_session(), _checked(entity_id), _checked(other_id), limit=query.limit),
                         f"{entity_id} or {other_id}")
    return PairOut(a=a, b=b, pages=pages).model_dump(mode="json")


# --- people's decisions -----------------------------------------------------------------------------------

def _decide(decide, *entity_ids: str) -> str:
    """Run one decision in its own transaction; unknown entities are 404, refused decisions 409."""
    with pipeline_context().db.sessions.begin() as session:
        for entity_id in entity_ids:
            if not ENTITY_ID.match(entity_id) or session.get(Entity, entity_id) is None:
                raise NotFound(f"No entity with id {entity_id}.")
        try:
            return decide(session).id
        except decisions.DecisionError as exc:
            raise Conflict(str(exc)) from None


@bp.post("/entities/<entity_id>/merge")
@requires(policy.ENTITY_EDIT)
@operation(body=MergeIn, responses={200: EntityOut}, problems=(400, 404, 409))
def merge(entity_id: str):
    """Merge another entity into this one (JSON ``{"other": id}``).

    The other's names and mentions move here and it forwards here from now on, also when the evidence is
    reprocessed. Answers the kept entity.
    """
    body = json_body(MergeIn)
    kept = _decide(lambda s: decisions.merge(s, entity_id, body.other, actor=current_actor()), entity_id,
                   body.other)
    return _entity_out(get_session(), kept)


@bp.post("/entities/<entity_id>/split")
@requires(policy.ENTITY_EDIT)
@operation(body=SplitIn, responses={201: EntityOut}, problems=(400, 404, 409),
           headers={"Location": "the new entity"})
def split(entity_id: str):
    """Move some of the entity's mentions to a new entity (JSON ``{"mentions": [ids], "name": optional}``).

    Mention ids are listed under ``occurrences`` in the entity's documents.

    The moved mentions are pinned to the new entity, so reprocessing keeps them apart. Answers the new entity.
    """
    body = json_body(SplitIn)
    new = _decide(lambda s: decisions.split(s, entity_id, body.mentions, actor=current_actor(), name=body.name),
                  entity_id)
    return _entity_out(get_session(), new), 201, {"Location": url_for(".get_entity", entity_id=new)}


@bp.post("/entities/pins/<pin_id>/withdraw")
@requires(policy.ENTITY_EDIT)
@operation(responses={200: EntityOut}, problems=(404, 409))
def withdraw_pin(pin_id: str):
    """Withdraw a split decision that no mention carries any more (state ``lost``), once the passage is read again.

    404 for a decision unknown or on an item the caller may not see; 409 when a mention still carries it (merge
    the entities to undo that split). Answers the entity the decision named; the withdrawal is in its decisions.
    """
    if not ENTITY_ID.match(pin_id):
        raise NotFound(f"No split decision with id {pin_id}.")
    with pipeline_context().db.sessions.begin() as session:
        try:
            entity_id = decisions.withdraw(session, pin_id, actor=current_actor()).id
        except decisions.UnknownPin:
            raise NotFound(f"No split decision with id {pin_id}.") from None
        except decisions.DecisionError as exc:
            raise Conflict(str(exc)) from None
    return _entity_out(get_session(), entity_id, decided=True)


@bp.post("/entities/<entity_id>/rename")
@requires(policy.ENTITY_EDIT)
@operation(body=RenameIn, responses={200: EntityOut}, problems=(400, 404, 409))
def rename(entity_id: str):
    """Set the entity's name by hand (JSON ``{"name": …}``); machine resolution never renames it afterwards."""
    body = json_body(RenameIn)
    renamed = _decide(lambda s: decisions.rename(s, entity_id, body.name, actor=current_actor()), entity_id)
    return _entity_out(get_session(), renamed)
