"""The audit log, for admins: events filtered by actor, action, object and time, and the chain's verification."""
from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from archive_schema import audit, policy
from archive_schema.models import AuditEvent

from ..auth import requires
from ..openapi import operation
from .common import parse_query
from .context import get_session
from .schemas import CustodyEventOut, Query

bp = Blueprint("audit", __name__)


class AuditQuery(Query):
    actor: str | None = Field(None, min_length=1, max_length=200, description="exactly this actor")
    action: str | None = Field(None, min_length=1, max_length=80,
                               description="exactly this action, or a prefix ending in '.' (``auth.``)")
    object_type: str | None = Field(None, min_length=1, max_length=40)
    object_id: str | None = Field(None, min_length=1, max_length=200)
    outcome: str | None = Field(None, min_length=1, max_length=20)
    since: dt.datetime | None = Field(None, description="events at or after this moment (ISO 8601; UTC if no zone)")
    until: dt.datetime | None = Field(None, description="events before this moment")
    page: int = Field(1, ge=1, le=1_000_000)
    size: int = Field(100, ge=1, le=1000)


class AuditEventOut(CustodyEventOut):
    object_type: str
    object_id: str


class AuditListOut(BaseModel):
    total: int
    page: int
    size: int
    events: list[AuditEventOut]


class AuditVerifyOut(BaseModel):
    intact: bool
    events: int = Field(description="events checked that hold")
    broken_at: int | None = Field(description="sequence number of the first event that does not hold")
    reason: str | None


def _iso(moment: dt.datetime) -> str:
    """As stored in ``AuditEvent.at`` (UTC, microseconds), so text comparison is time order."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


@bp.get("/audit")
@requires(policy.AUDIT_READ)
@operation(query=AuditQuery, responses={200: AuditListOut}, problems=(400, 401, 403))
def list_events():
    """Audit events, oldest first, filtered by actor, action (or ``prefix.``), object, outcome and time."""
    query = parse_query(AuditQuery)
    where = []
    for column, value in ((AuditEvent.actor, query.actor), (AuditEvent.object_type, query.object_type),
                          (AuditEvent.object_id, query.object_id), (AuditEvent.outcome, query.outcome)):
        if value is not None:
            where.append(column == value)
    if query.action is not None:
        if query.action.endswith("."):
            escaped = query.action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append(AuditEvent.action.like(escaped + "%", escape="\\"))
        else:
            where.append(AuditEvent.action == query.action)
    if query.since is not None:
        where.append(AuditEvent.at >= _iso(query.since))
    if query.until is not None:
        where.append(AuditEvent.at < _iso(query.until))
    session = get_session()
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*where))
    rows = session.scalars(select(AuditEvent).where(*where).order_by(AuditEvent.seq)
                           .offset((query.page - 1) * query.size).limit(query.size))
    events = [AuditEventOut(seq=e.seq, id=e.id, at=e.at, actor=e.actor, action=e.action, outcome=e.outcome,
                            object_type=e.object_type, object_id=e.object_id, details=json.loads(e.details or "{}"),
                            hash=e.hash, prev_hash=e.prev_hash) for e in rows]
    return AuditListOut(total=total, page=query.page, size=query.size, events=events).model_dump(mode="json")


@bp.get("/audit/verify")
@requires(policy.AUDIT_VERIFY)
@operation(responses={200: AuditVerifyOut}, problems=(401, 403))
def verify():
    """Walk the hash chain from the first event; name the first event that does not hold."""
    count, broken = audit.verify_chain(get_session())
    return AuditVerifyOut(intact=broken is None, events=count, broken_at=broken.seq if broken else None,
                          reason=broken.reason if broken else None).model_dump(mode="json")
