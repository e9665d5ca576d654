"""Status: how much is stored and how far processing has come."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy import func, select

from archive_schema import policy
from archive_schema.models import EvidenceItem, Outbox, StageRun
from archive_schema.vocab import ItemState

from ..auth import current_user, requires
from ..openapi import operation
from .context import get_session
from .schemas import StatusOut

bp = Blueprint("status", __name__)


@bp.get("/status")
@requires(policy.STATUS_READ)
@operation(responses={200: StatusOut})
def get_status():
    """Items you may see per state, their stage runs per stage and state, and work not yet handed to a worker.

    Counts cover only the caller's items: how many sealed or confidential items exist is itself not public.
    """
    session = get_session()
    visible = policy.item_filter(current_user())
    items = {state.value: 0 for state in ItemState}
    for state, n in session.execute(select(EvidenceItem.state, func.count()).where(visible)
                                    .group_by(EvidenceItem.state)):
        items[state] = n
    stages: dict[str, dict[str, int]] = {}
    for stage, state, n in session.execute(select(StageRun.stage, StageRun.state, func.count())
                                           .join(EvidenceItem, EvidenceItem.id == StageRun.item_id).where(visible)
                                           .group_by(StageRun.stage, StageRun.state)):
        stages.setdefault(stage, {})[state] = n
    pending = session.scalar(select(func.count()).select_from(Outbox)
                             .join(EvidenceItem, EvidenceItem.id == Outbox.key)  # every topic is keyed by item
                             .where(Outbox.delivered_at.is_(None), visible))
    return StatusOut(items=items, total=sum(items.values()), stages=stages,
                     outbox_pending=pending).model_dump(mode="json")
