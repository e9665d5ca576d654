"""Documents: the filterable list and one document's page, with the page image beside its text."""
from __future__ import annotations

import json

from flask import Response, render_template, request
from sqlalchemy import select
from werkzeug.exceptions import BadRequest, NotFound

from archive_schema.models import Mention, Page

from ..api import custody as custody_api
from ..api import items as items_api
from ..api import originals
from ..api.common import present_items, record_view
from ..api.context import get_session, pipeline_context
from archive_schema import policy

from . import apicall, bp, guard, render

FILTERS = ("collection", "doc_type", "state", "classification")


@bp.get("/items")
@guard.requires(policy.ITEM_LIST)
def items():
    """The API's list (same parameters, same access filter), shown as a table with a filter form."""
    args, listing, error = apicall.listing(items_api.list_items, ("page", *FILTERS), "items")
    return render_template("items/list.html", active="items", listing=listing, args=args, error=error,
                           filters=FILTERS)


@bp.get("/items/<item_id>")
@guard.requires(policy.ITEM_READ)
def item(item_id: str):
    session = get_session()
    record = guard.item_or_404(session, item_id)
    number = _page_number(record.page_count)
    (detail,) = present_items(session, [record])
    page = session.scalar(select(Page).where(Page.item_id == record.id, Page.number == number)) if number else None
    mentions = session.scalars(select(Mention).where(Mention.page_id == page.id).order_by(Mention.start)).all() \
        if page else []
    # one view event for the whole page (below), not a second one for the custody part
    custody = custody_api.custody_of(session, record).model_dump(mode="json")["events"] \
        if guard.can("custody", record) else None
    for event in custody or ():
        event["details_text"] = json.dumps(event["details"], ensure_ascii=False, sort_keys=True)
    record_view(record, f"page {number} (web)" if number else "metadata (web)")
    return render_template("items/view.html", active="items", item=detail.model_dump(mode="json"), record=record, number=number,
                           page=page, text=render.highlighted(page.text, mentions) if page else "",
                           mentions=mentions, custody=custody, has_image=render.can_render(record))


def _page_number(page_count: int | None) -> int | None:
    if not page_count:
        return None
    raw = request.args.get("page", "1")
    try:
        number = int(raw)
    except ValueError:
        raise BadRequest(f"page must be a number from 1 to {page_count}") from None
    if not 1 <= number <= page_count:
        raise NotFound(f"This document has {page_count} pages; there is no page {number}.")
    return number


@bp.get("/items/<item_id>/pages/<int:number>.png")
@guard.requires(policy.ITEM_READ)
def page_image(item_id: str, number: int):
    """The page drawn from the original (PDF) on demand; nothing is cached on disk."""
    session = get_session()
    record = guard.item_or_404(session, item_id)
    if not render.can_render(record) or not 1 <= number <= (record.page_count or 0):
        raise NotFound()
    ctx = pipeline_context()
    png = render.page_png(ctx.blobs, record.sha256, number, ctx.settings.home / "spool")
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, no-store"})


@bp.get("/items/<item_id>/download")
@guard.requires(policy.ITEM_DOWNLOAD)
def download(item_id: str):
    """The original, byte for byte, through the API's download (which records it in the audit chain)."""
    guard.item_or_404(get_session(), item_id)
    return originals.download_original(item_id)

