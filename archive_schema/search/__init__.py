"""Search over evidence pages: one query model, one interface, an embedded and an Elasticsearch backend.

    backend = open_search(settings.search_url, settings.home)
    backend.index(pages)                        # PageDoc per page, upsert by page id
    results = backend.search(Query.parse('Коваленко date:2022', access=access, facets=("person",)))

Linguistics (lemmas, cross-script name keys) live in :mod:`archive_schema.search.analysis`.
"""
from archive_schema.search.analysis import name_key
from archive_schema.search.backend import SearchBackend, open_search
from archive_schema.search.model import (
    EntityRef, FacetBucket, ItemHit, PageDoc, PageHit, Results,
)
from archive_schema.search.parser import parse_query
from archive_schema.search.query import (
    ENTITY_LABELS, FACETS, Access, Grant, Query, QuerySyntaxError, SearchError,
)

__all__ = [
    "ENTITY_LABELS", "FACETS", "Access", "EntityRef", "FacetBucket", "Grant", "ItemHit", "PageDoc",
    "PageHit", "Query", "QuerySyntaxError", "Results", "SearchBackend", "SearchError", "name_key",
    "open_search", "parse_query",
]
