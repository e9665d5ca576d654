"""The Elasticsearch backend (8.x and 9.x) through the official client.

Searches go to the alias ``{prefix}-pages``, which points at one versioned index
``{prefix}-pages-v{SCHEMA_VERSION}-{time}``. ``rebuild`` fills a new index and swaps the alias in one
atomic ``_aliases`` call, then deletes the old index: zero downtime for readers. An index template
carries the explicit, strict mapping, so every versioned index gets it.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from archive_schema.search.backend import (
    STALE_INDEX, STORED_FIELDS, Hit, facet_buckets, group_hits, item_hits,
)
from archive_schema.search.model import PageDoc, Results
from archive_schema.search.plan import (
    GAP, Bool, Clause, FuzzyToken, IntRange, MatchAll, MatchNone, PhraseTokens, PrefixToken, Terms,
    plan,
)
from archive_schema.search.query import ENTITY_LABELS, Query, SearchError

log = logging.getLogger(__name__)
#: 2: the keys field's search analyzer leaves plan.GAP positions of a phrase open, and the lemma stream
#: carries function-word pairs (analysis.function_grams)
SCHEMA_VERSION = "2"
MONTH_BUCKETS = 1200
FUZZY_MAX_EXPANSIONS = 200
KEYWORD = {"type": "keyword"}
TOKENS = {"type": "text", "analyzer": "whitespace", "norms": True}
MAPPING = {
    "dynamic": "strict",
    "properties": {
        **{name: KEYWORD for name in (
            "page_id", "item_id", "collection", "doc_type", "language", "classification",
            "case_ids", "entity_ids", "month", *(f"facet_{label}" for label in ENTITY_LABELS))},
        "title": {"type": "keyword", "index": False, "doc_values": False},
        "item_hash": {"type": "long"},
        "page_number": {"type": "integer"},
        "date_start": {"type": "integer"},
        "date_end": {"type": "integer"},
        # the token streams are analysed in Python (analysis.py): split on spaces only
        "terms": TOKENS,
        "keys": {**TOKENS, "search_analyzer": "svidok_key_phrase"},
        "entity_terms": {**TOKENS, "index_options": "freqs"},
        "entity_keys": {**TOKENS, "index_options": "freqs"},
        "text": {"type": "text", "index": False},
    },
}
#: a phrase's GAP token is dropped at search time with its position kept, as a stop word is
ANALYSIS = {
    "filter": {"svidok_gap": {"type": "stop", "stopwords": [GAP]}},
    "analyzer": {"svidok_key_phrase": {"type": "custom", "tokenizer": "whitespace", "filter": ["svidok_gap"]}},
}
FACET_FIELDS = {**{label: f"facet_{label}" for label in ENTITY_LABELS}, "doc_type": "doc_type",
                "language": "language", "collection": "collection", "month": "month"}


def _without_password(url: str) -> str:
    """The URL for messages: credentials (``https://user:password@host:9200``, as SVIDOK_SEARCH_URL may carry
    them; the client sends them as basic auth) are shown as ``user:***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
                          ).geturl()


class ElasticsearchBackend:
    """SearchBackend on an Elasticsearch cluster. client_options go to ``Elasticsearch(url, ...)``."""

    def __init__(self, url: str, *, prefix: str = "svidok", client: Elasticsearch | None = None,
                 **client_options: Any):
        self.client = client or Elasticsearch(url, **client_options)
        self.alias = f"{prefix}-pages"
        try:
            self._ensure()
        except (ApiError, TransportError) as exc:
            raise SearchError(f"Elasticsearch at {_without_password(url)}: {exc}") from exc

    def _ensure(self) -> None:
        self.client.indices.put_index_template(
            name=self.alias,
            index_patterns=[f"{self.alias}-v*"],
            template={"settings": {"number_of_shards": 1, "number_of_replicas": 0, "analysis": ANALYSIS},
                      "mappings": MAPPING},
            meta={"svidok_schema_version": SCHEMA_VERSION},
        )
        if not self.client.indices.exists_alias(name=self.alias):
            name = self._create_index()
            self.client.indices.update_aliases(actions=[{"add": {"index": name, "alias": self.alias}}])
        elif older := self.outdated():
            log.warning(STALE_INDEX, ", ".join(older), SCHEMA_VERSION)

    def _create_index(self) -> str:
        name = f"{self.alias}-v{SCHEMA_VERSION}-{time.time_ns()}"
        self.client.indices.create(index=name)
        return name

    def _live_indices(self) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=self.alias).body)
        except NotFoundError:
            return []

    # --- writes ------------------------------------------------------------------------------

    def _bulk(self, index: str, pages: Iterable[PageDoc]) -> int:
        actions = ({"_index": index, "_id": page.page_id, "_source": page.fields()} for page in pages)
        written, errors = helpers.bulk(self.client, actions, chunk_size=1000, raise_on_error=False)
        if errors:
            raise SearchError(f"{len(errors)} pages were not indexed, first: {errors[0]}")
        return written

    def index(self, pages: Iterable[PageDoc]) -> int:
        return self._bulk(self.alias, pages)

    def delete(self, page_ids: Iterable[str] = (), item_id: str | None = None) -> None:
        actions = ({"_op_type": "delete", "_index": self.alias, "_id": page_id} for page_id in page_ids)
        helpers.bulk(self.client, actions, raise_on_error=False)  # a missing page is already deleted
        if item_id is not None:
            self.client.delete_by_query(index=self.alias, query={"term": {"item_id": item_id}},
                                        conflicts="proceed", refresh=True)

    def replace(self, item_ids: Iterable[str], pages: Iterable[PageDoc]) -> int:
        ids = list(item_ids)
        if ids:
            self.client.delete_by_query(index=self.alias, query={"terms": {"item_id": ids}},
                                        conflicts="proceed", refresh=True)
        written = self._bulk(self.alias, pages)
        self.refresh()
        return written

    def rebuild(self, pages: Iterable[PageDoc]) -> int:
        old = self._live_indices()
        new = self._create_index()
        written = self._bulk(new, pages)
        self.client.indices.refresh(index=new)
        actions = [{"remove": {"index": name, "alias": self.alias}} for name in old]
        actions.append({"add": {"index": new, "alias": self.alias}})
        self.client.indices.update_aliases(actions=actions)
        for name in old:
            self.client.indices.delete(index=name)
        return written

    def clear(self) -> None:
        self.rebuild(())

    def refresh(self) -> None:
        self.client.indices.refresh(index=self.alias)

    def close(self) -> None:
        self.client.close()

    # --- reads -------------------------------------------------------------------------------

    def count(self) -> int:
        return self.client.count(index=self.alias)["count"]

    def outdated(self) -> list[str]:
        return [name for name in self._live_indices() if not name.startswith(f"{self.alias}-v{SCHEMA_VERSION}-")]

    def ids(self) -> Iterator[str]:
        for hit in helpers.scan(self.client, index=self.alias, query={"query": {"match_all": {}}},
                                _source=False, size=1000):
            yield hit["_id"]

    def search(self, query: Query) -> Results:
        started = time.perf_counter()
        clause, highlights = plan(query)
        body: dict[str, Any] = {
            "query": compile_clause(clause),
            "size": query.window,
            "track_total_hits": True,
            "_source": ["item_id"],
            "aggs": {"total_items": {"cardinality": {"field": "item_id"}}},
        }
        if query.sort != "relevance":
            body["sort"] = [{"date_start": {"order": "asc" if query.sort == "date" else "desc",
                                            "missing": "_last"}}, {"page_id": "asc"}]
        for name in query.facets:
            size = MONTH_BUCKETS if name == "month" else query.facet_size
            body["aggs"][name] = {"terms": {"field": FACET_FIELDS[name], "size": size}}
        try:
            answer = self.client.search(index=self.alias, **body)
            hits = [Hit(h["_id"], h["_source"]["item_id"], h["_score"] or 0.0)
                    for h in answer["hits"]["hits"]]
            groups = group_hits(hits, query)
            wanted = list(dict.fromkeys(h.ref for g in groups for h in g[:query.pages_per_item] + g[:1]))
            stored = {}
            if wanted:
                docs = self.client.mget(index=self.alias, ids=wanted, _source=list(STORED_FIELDS))
                stored = {d["_id"]: d["_source"] for d in docs["docs"] if d.get("found")}
        except (ApiError, TransportError) as exc:
            raise SearchError(f"Elasticsearch search failed: {exc}") from exc
        aggregations = answer.get("aggregations", {})
        total = answer["hits"]["total"]["value"]
        return Results(
            total_pages=total,
            total_items=aggregations["total_items"]["value"] if total else 0,
            items=item_hits([[h for h in g if h.ref in stored] for g in groups], stored, query,
                            highlights),
            facets={name: facet_buckets(name, ((b["key"], b["doc_count"])
                                               for b in aggregations[name]["buckets"] if b["key"]))
                    for name in query.facets},
            took_ms=(time.perf_counter() - started) * 1000,
        )


def compile_clause(clause: Clause) -> dict:
    """Query DSL for a plan clause; only constructs valid on Elasticsearch 8 and 9 (and OpenSearch)."""
    if isinstance(clause, Terms):
        if len(clause.values) == 1:
            return {"term": {clause.field: {"value": clause.values[0], "boost": clause.boost}}}
        return {"terms": {clause.field: list(clause.values), "boost": clause.boost}}
    if isinstance(clause, PhraseTokens):
        return {"match_phrase": {clause.field: {"query": " ".join(clause.tokens), "slop": clause.slop}}}
    if isinstance(clause, FuzzyToken):
        return {"fuzzy": {clause.field: {"value": clause.value, "fuzziness": clause.distance,
                                         "transpositions": True, "prefix_length": 0,
                                         "max_expansions": FUZZY_MAX_EXPANSIONS}}}
    if isinstance(clause, PrefixToken):
        return {"prefix": {clause.field: {"value": clause.value}}}
    if isinstance(clause, IntRange):
        bounds = {k: v for k, v in (("gte", clause.gte), ("lte", clause.lte)) if v is not None}
        return {"range": {clause.field: bounds}}
    if isinstance(clause, MatchAll):
        return {"match_all": {}}
    if isinstance(clause, MatchNone):
        return {"match_none": {}}
    if isinstance(clause, Bool):
        body: dict[str, Any] = {}
        for occur in ("must", "should", "must_not", "filter"):
            if parts := getattr(clause, occur):
                body[occur] = [compile_clause(c) for c in parts]
        if clause.should and not (clause.must or clause.filter):
            body["minimum_should_match"] = 1
        return {"bool": body}
    raise TypeError(f"not a clause: {clause!r}")
