"""Collections: named groups of items as the archive received them."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy import func, select

from archive_schema import policy
from archive_schema.models import Collection, EvidenceItem

from ..auth import current_user, requires
from ..openapi import operation
from .common import as_utc
from .context import get_session
from .schemas import CollectionListOut, CollectionOut

bp = Blueprint("collections", __name__)


@bp.get("/collections")
@requires(policy.COLLECTION_LIST)
@operation(responses={200: CollectionListOut})
def list_collections():
    """Every collection with its number of items (those the caller may see), by name."""
    counts = (select(EvidenceItem.collection_id, func.count().label("n"))
              .where(policy.item_filter(current_user())).group_by(EvidenceItem.collection_id).subquery())
    rows = get_session().execute(select(Collection, func.coalesce(counts.c.n, 0))
                                 .outerjoin(counts, counts.c.collection_id == Collection.id)
                                 .order_by(Collection.name))
    body = CollectionListOut(collections=[
        CollectionOut(id=c.id, name=c.name, description=c.description or "", created_at=as_utc(c.created_at),
                      item_count=n) for c, n in rows])
    return body.model_dump(mode="json")
