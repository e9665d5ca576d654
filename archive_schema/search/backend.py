"""The one interface every search backend implements, the choice of backend, and shared grouping."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from archive_schema.search.highlight import snippet
from archive_schema.search.model import (
    FACET_SEPARATOR, FacetBucket, ItemHit, PageDoc, PageHit, from_day_number,
)
from archive_schema.search.plan import Highlights
from archive_schema.search.query import Query, SearchError


#: logged when a backend opens an index an older svidok built (its SCHEMA_VERSION is in the name)
STALE_INDEX = ("search index %s was built by an older svidok (schema version %s expected): "
               "some phrase searches miss its pages until `svidok reindex` rebuilds it")


@runtime_checkable
class SearchBackend(Protocol):
    """A page index. Writes are upserts by page id and visible after ``refresh()``."""

    def index(self, pages: Iterable[PageDoc]) -> int:
        """Add or replace pages (by page id); returns how many were written."""

    def replace(self, item_ids: Iterable[str], pages: Iterable[PageDoc]) -> int:
        """Remove every page of these items, then add ``pages`` (their pages as they are now), in one write."""

    def delete(self, page_ids: Iterable[str] = (), item_id: str | None = None) -> None:
        """Remove the given pages, and every page of item_id when given."""

    def search(self, query: Query) -> "Results":  # noqa: F821 (see model.Results)
        """Run a query; access filters are applied inside the engine."""

    def ids(self) -> Iterator[str]:
        """Every indexed page id (for drift checks against SQL)."""

    def count(self) -> int:
        """How many pages are indexed."""

    def outdated(self) -> list[str]:
        """The live index's name if an older schema version built it (``svidok reindex`` renews it), else []."""

    def refresh(self) -> None:
        """Make earlier writes (including other processes') visible to searches."""

    def rebuild(self, pages: Iterable[PageDoc]) -> int:
        """Build a fresh index from pages and swap it in atomically; searches never see it half-built."""

    def clear(self) -> None:
        """Drop every page (recreate the index empty)."""

    def close(self) -> None:
        """Release files, locks and connections."""


def open_search(url: str | None, home: Path, **options: Any) -> SearchBackend:
    """The backend for SVIDOK_SEARCH_URL: none → embedded under home/"index"; http(s) → Elasticsearch.

    options go to the backend: ``prefix=`` (index name prefix) and Elasticsearch client keyword
    arguments for the Elasticsearch backend.
    """
    if not url:
        from archive_schema.search.embedded import EmbeddedBackend

        return EmbeddedBackend(Path(home) / "index", **options)
    if url.startswith(("http://", "https://")):
        from archive_schema.search.elastic import ElasticsearchBackend

        return ElasticsearchBackend(url, **options)
    raise SearchError(f"unsupported search URL {url!r}: leave it empty or use http(s)://host:9200")


@dataclass(frozen=True)
class Hit:
    """A page among the top hits, before grouping."""

    ref: Any  # the backend's handle to fetch the page's stored fields
    item_key: Any
    score: float


def group_hits(hits: Sequence[Hit], query: Query) -> list[list[Hit]]:
    """The requested page of items, each its best pages (at most pages_per_item), in rank order."""
    groups: dict[Any, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(hit.item_key, []).append(hit)
    ranked = list(groups.values())
    start = (query.page - 1) * query.size
    return ranked[start:start + query.size]


def item_hits(groups: list[list[Hit]], stored: Mapping[Any, Mapping[str, Any]], query: Query,
              highlights: Highlights) -> tuple[ItemHit, ...]:
    """Assemble ItemHits from grouped hits and the stored fields of their pages."""
    items = []
    for group in groups:
        shown = sorted(group[:query.pages_per_item], key=lambda h: stored[h.ref]["page_number"])
        first = stored[group[0].ref]
        pages = tuple(
            PageHit(
                page_id=stored[h.ref]["page_id"],
                page_number=stored[h.ref]["page_number"],
                score=h.score,
                snippet=(snippet(stored[h.ref]["text"], highlights, stored[h.ref]["language"])
                         if query.highlight else ""),
            )
            for h in shown
        )
        items.append(ItemHit(
            item_id=first["item_id"], title=first["title"], collection=first["collection"],
            doc_type=first["doc_type"], language=first["language"],
            classification=first["classification"],
            date_start=from_day_number(first.get("date_start")),
            date_end=from_day_number(first.get("date_end")),
            score=group[0].score, matching_pages=len(group), pages=pages,
        ))
    return tuple(items)


def facet_buckets(name: str, buckets: Iterable[tuple[str, int]]) -> tuple[FacetBucket, ...]:
    """Facet buckets from (value, count) pairs, largest first; month buckets in date order.

    Entity values are "id<US>name": one entity seen under several names (Іван Коваленко, Ivan
    Kovalenko) is one bucket, labelled with its most frequent name.
    """
    merged: dict[str, list] = {}
    for value, count in buckets:
        key, _, label = value.partition(FACET_SEPARATOR)
        if key in merged:
            merged[key][1] += count
        else:
            merged[key] = [label or value, count]
    out = [FacetBucket(key, label, count) for key, (label, count) in merged.items()]
    out.sort(key=(lambda b: b.value) if name == "month" else (lambda b: (-b.count, b.value)))
    return tuple(out)


#: fields a result needs from storage (everything but the analysed token streams)
STORED_FIELDS = ("page_id", "item_id", "page_number", "text", "title", "collection", "doc_type",
                 "language", "classification", "date_start", "date_end")
