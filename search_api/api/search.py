"""Search: every page matching a query, grouped by item, with snippets, page numbers and facets."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint
from pydantic import BaseModel, Field, field_validator

from archive_schema import policy
from archive_schema import search as s
from archive_schema.vocab import DocType

from ..auth import current_user, requires
from ..openapi import operation
from ..errors import Invalid
from .common import parse_query
from .context import pipeline_context
from .schemas import Query as QueryModel

bp = Blueprint("search", __name__)


class SearchQuery(QueryModel):
    q: str = Field("", max_length=2000, description="the query language: words, \"phrases\", OR, -not, prefix*, "
                                                    "fuzzy~, person: place: facility: type: lang: collection: "
                                                    "case: date:2022-03-01..2022-06-30")
    page: int = Field(1, ge=1, le=10_000)
    size: int = Field(20, ge=1, le=100, description="items per page")
    facets: str = Field("", max_length=200, description="comma-separated: " + ", ".join(s.FACETS))
    sort: str = Field("relevance", pattern="^(relevance|date|-date)$")
    collection: str | None = Field(None, max_length=200)
    doc_type: DocType | None = None
    lang: str | None = Field(None, pattern="^[a-z]{2,3}$")
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    entity: str | None = Field(None, pattern="^[0-9a-f-]{36}$", description="an entity id")

    @field_validator("facets")
    @classmethod
    def _known_facets(cls, value: str) -> str:
        unknown = [f for f in value.split(",") if f and f not in s.FACETS]
        if unknown:
            raise ValueError(f"unknown facet(s) {', '.join(unknown)}; known: {', '.join(s.FACETS)}")
        return value


class PageHitOut(BaseModel):
    page_id: str
    number: int
    score: float
    snippet: str = Field(description="HTML-escaped text with matches in <mark>…</mark>")
    url: str


class ItemHitOut(BaseModel):
    item_id: str
    title: str
    collection: str
    doc_type: str
    language: str
    classification: str
    date_start: dt.date | None
    date_end: dt.date | None
    score: float
    matching_pages: int
    pages: list[PageHitOut]


class FacetBucketOut(BaseModel):
    value: str
    label: str
    count: int


class SearchOut(BaseModel):
    total_items: int
    total_pages: int
    took_ms: float
    page: int
    size: int
    items: list[ItemHitOut]
    facets: dict[str, list[FacetBucketOut]]


@bp.get("/search")
@requires(policy.SEARCH)
@operation(query=SearchQuery, responses={200: SearchOut}, problems=(400,))
def search():
    """Search pages across Ukrainian, Russian and English; results group matching pages by item."""
    args = parse_query(SearchQuery)
    try:
        query = s.Query.parse(
            args.q, access=policy.search_access(current_user()), page=args.page, size=args.size, sort=args.sort,
            facets=tuple(f for f in args.facets.split(",") if f),
            collections=(args.collection,) if args.collection else (),
            doc_types=(args.doc_type.value,) if args.doc_type else (),
            languages=(args.lang,) if args.lang else (), entity_ids=(args.entity,) if args.entity else (),
            date_from=args.date_from, date_to=args.date_to)
        backend = pipeline_context().search
        backend.refresh()
        results = backend.search(query)
    except s.SearchError as exc:  # QuerySyntaxError included: the query as typed cannot be read
        raise Invalid([{"field": "q", "detail": str(exc)}]) from None
    body = SearchOut(
        total_items=results.total_items, total_pages=results.total_pages, took_ms=results.took_ms,
        page=args.page, size=args.size,
        items=[ItemHitOut(item_id=h.item_id, title=h.title, collection=h.collection, doc_type=h.doc_type,
                          language=h.language, classification=h.classification, date_start=h.date_start,
                          date_end=h.date_end, score=h.score, matching_pages=h.matching_pages,
                          pages=[PageHitOut(page_id=p.page_id, number=p.page_number, score=p.score,
                                            snippet=p.snippet, url=f"/api/v1/items/{h.item_id}/pages/{p.page_number}")
                                 for p in h.pages]) for h in results.items],
        facets={name: [FacetBucketOut(value=b.value, label=b.label, count=b.count) for b in buckets]
                for name, buckets in results.facets.items()})
    return body.model_dump(mode="json")
