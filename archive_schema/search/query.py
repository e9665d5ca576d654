"""The backend-neutral query model: a text AST, filters, access grants, facets, sort and paging."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Union

#: entity labels a page carries and the facets/filters named after them
ENTITY_LABELS = ("person", "place", "facility", "organisation")
#: facets a query may ask for; "month" is the histogram of document dates by month
FACETS = (*ENTITY_LABELS, "doc_type", "language", "collection", "month")
SORTS = ("relevance", "date", "-date")


class SearchError(Exception):
    """A search backend failed or was misused."""


class QuerySyntaxError(SearchError, ValueError):
    """The user's query cannot be parsed; the message says why, for the user."""


# --- the text query AST --------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """A word (lemmatised, cross-script); a hyphenated word like ``СИЗО-2`` acts as a phrase."""

    text: str


@dataclass(frozen=True)
class Prefix:
    """``kova*``: words starting with text."""

    text: str


@dataclass(frozen=True)
class Fuzzy:
    """``Kovalenko~``: words within an edit distance (None: 1 for short words, 2 for long)."""

    text: str
    distance: int | None = None


@dataclass(frozen=True)
class Phrase:
    """``"Іван Коваленко"``: words in order, ``slop`` other words allowed between them."""

    text: str
    slop: int = 0


@dataclass(frozen=True)
class FieldMatch:
    """``person:Коваленко``, ``type:testimony``, ``case:ID``: a field of the page's metadata."""

    field: str
    value: str


@dataclass(frozen=True)
class DateRange:
    """``date:2022-03-01..2022-06-30``: pages whose document date overlaps the interval."""

    start: date | None
    end: date | None


@dataclass(frozen=True)
class And:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Not:
    child: "Node"


Node = Union[Word, Prefix, Fuzzy, Phrase, FieldMatch, DateRange, And, Or, Not]


# --- access ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """Pages of these classifications are visible; if case_ids is set, only pages of those cases."""

    classifications: frozenset[str]
    case_ids: frozenset[str] | None = None


@dataclass(frozen=True)
class Access:
    """What a caller may see: a page is visible when any grant allows it. Deny by default.

    The access policy (roles, case membership, seals) is decided elsewhere and expressed here; the
    backends turn it into a filter inside the engine query, never into a pass over results.
    """

    grants: tuple[Grant, ...] = (Grant(frozenset({"public"})),)

    @classmethod
    def public(cls) -> "Access":
        return cls()

    @classmethod
    def everything(cls) -> "Access":
        """No restriction: for admins, reindex and drift checks."""
        return cls((Grant(frozenset({"public", "confidential", "under_seal"})),))


# --- the query --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """One search request. ``text`` is the parsed user query (None: every visible page).

    Filters are ANDed; each tuple filter matches any of its values. Dates are inclusive and match
    pages whose document date interval overlaps [date_from, date_to].
    """

    text: Node | None = None
    access: Access = field(default_factory=Access)
    collections: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    case_ids: tuple[str, ...] = ()
    entity_ids: tuple[str, ...] = ()
    item_ids: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    facets: tuple[str, ...] = ()
    facet_size: int = 10
    sort: Literal["relevance", "date", "-date"] = "relevance"
    page: int = 1
    size: int = 20
    pages_per_item: int = 3
    highlight: bool = True

    def __post_init__(self) -> None:
        if unknown := set(self.facets) - set(FACETS):
            raise SearchError(f"unknown facets {sorted(unknown)}; known: {', '.join(FACETS)}")
        if self.sort not in SORTS:
            raise SearchError(f"unknown sort {self.sort!r}; known: {', '.join(SORTS)}")
        if self.page < 1 or not 1 <= self.size <= 200 or self.pages_per_item < 1:
            raise SearchError("page must be >= 1, size 1..200, pages_per_item >= 1")

    @classmethod
    def parse(cls, text: str, **options) -> "Query":
        """A query from the user's query language (see :mod:`archive_schema.search.parser`)."""
        from archive_schema.search.parser import parse_query

        return cls(text=parse_query(text), **options)

    @property
    def window(self) -> int:
        """How many top pages are grouped into items: enough to fill the requested page of items."""
        return min(2000, max(100, self.page * self.size * 5))
