"""Pages: the text of an item, page by page, numbered as in the file."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from archive_schema import policy
from archive_schema.models import Page

from ..auth import requires
from ..openapi import operation
from .common import find_item, parse_query, record_view
from .context import get_session
from .schemas import PageListOut, PageListQuery, PageOut

bp = Blueprint("pages", __name__)
#: larger numbers cannot be a page (and would overflow the database's integer)
MAX_PAGE_NUMBER = 2**31 - 1


@bp.get("/items/<item_id>/pages")
@requires(policy.ITEM_READ)
@operation(query=PageListQuery, responses={200: PageListOut}, problems=(400, 404))
def list_pages(item_id: str):
    """Pages of an item in order, ``limit`` at a time from ``offset``."""
    query = parse_query(PageListQuery)
    session = get_session()
    item = find_item(session, item_id)
    total = session.scalar(select(func.count()).select_from(Page).where(Page.item_id == item.id))
    pages = session.scalars(select(Page).where(Page.item_id == item.id).order_by(Page.number)
                            .offset(query.offset).limit(query.limit))
    body = PageListOut(item_id=item.id, total=total, offset=query.offset, limit=query.limit,
                       pages=[_page_out(page) for page in pages])
    record_view(item, "pages")
    return body.model_dump(mode="json")


@bp.get("/items/<item_id>/pages/<int:number>")
@requires(policy.ITEM_READ)
@operation(responses={200: PageOut}, problems=(404,))
def get_page(item_id: str, number: int):
    """The text of one page."""
    session = get_session()
    item = find_item(session, item_id)
    page = None
    if 1 <= number <= MAX_PAGE_NUMBER:
        page = session.scalar(select(Page).where(Page.item_id == item.id, Page.number == number))
    if page is None:
        raise NotFound(f"Item {item.id} has no page {number} (it has {item.page_count or 0}).")
    record_view(item, f"page {number}")
    return _page_out(page).model_dump(mode="json")


def _page_out(page: Page) -> PageOut:
    return PageOut(item_id=page.item_id, number=page.number, text=page.text, ocr_confidence=page.ocr_confidence)
