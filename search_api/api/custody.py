"""Custody: an item's events in the audit chain (receipts, downloads, processing failures), in order."""
from __future__ import annotations

import json

from flask import Blueprint

from archive_schema import audit, policy

from ..auth import requires
from ..openapi import operation
from .common import find_item, record_view
from .context import get_session
from .schemas import CustodyEventOut, CustodyOut

bp = Blueprint("custody", __name__)


@bp.get("/items/<item_id>/custody")
@requires(policy.CUSTODY_READ)
@operation(responses={200: CustodyOut}, problems=(404,))
def get_custody(item_id: str):
    """The item's chain of custody, oldest event first."""
    session = get_session()
    item = find_item(session, item_id)
    record_view(item, "custody")
    return custody_of(session, item).model_dump(mode="json")


def custody_of(session, item) -> CustodyOut:
    """The custody events of an item the caller was already allowed to see (the caller records the view)."""
    events = [CustodyEventOut(seq=e.seq, id=e.id, at=e.at, actor=e.actor, action=e.action, outcome=e.outcome,
                              details=json.loads(e.details or "{}"), hash=e.hash, prev_hash=e.prev_hash)
              for e in audit.events_for(session, "item", item.id)]
    return CustodyOut(item_id=item.id, events=events)
