"""What goes into the index (PageDoc) and what comes out of a search (Results)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from archive_schema.search.analysis import analyse_text
from archive_schema.search.query import ENTITY_LABELS, SearchError

#: separates an entity id from its display name inside a facet value
FACET_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class EntityRef:
    """A resolved entity mentioned on a page. label: person, place, facility or organisation."""

    id: str
    label: str
    name: str
    #: other spellings the entity is known by (searched like the name; the facet shows the name)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class PageDoc:
    """The indexed unit: one page, with its item's metadata and the entities found on it."""

    page_id: str
    item_id: str
    page_number: int
    text: str
    title: str = ""
    collection: str = ""
    doc_type: str = "other"
    language: str = ""
    date_start: date | None = None
    date_end: date | None = None
    classification: str = "confidential"  # deny by default, as the model does
    case_ids: tuple[str, ...] = ()
    entities: tuple[EntityRef, ...] = ()

    def __post_init__(self) -> None:
        for entity in self.entities:
            if entity.label not in ENTITY_LABELS:
                raise SearchError(f"entity {entity.id}: unknown label {entity.label!r}")

    def fields(self) -> dict:
        """The denormalised, pre-analysed fields both backends index (plain JSON types)."""
        terms, keys = analyse_text(self.text, self.language, grams=True)
        entity_terms, entity_keys = [], []
        facets: dict[str, list[str]] = {label: [] for label in ENTITY_LABELS}
        for entity in self.entities:
            name_terms, name_keys = analyse_text(" \n ".join((entity.name, *entity.aliases)), self.language)
            # label-prefixed tokens, so person:X never matches a place called X
            entity_terms += [f"{entity.label}/{t}" for t in name_terms.split()]
            entity_keys += [f"{entity.label}/{k}" for k in name_keys.split()]
            facets[entity.label].append(f"{entity.id}{FACET_SEPARATOR}{entity.name}")
        start = self.date_start or self.date_end
        end = self.date_end or self.date_start
        return {
            "page_id": self.page_id,
            "item_id": self.item_id,
            "item_hash": item_hash(self.item_id),
            "page_number": self.page_number,
            "text": self.text,
            "terms": terms,  # its function-word pairs after the words: no phrase reaches them
            "keys": keys,
            "title": self.title,
            "collection": self.collection,
            "doc_type": self.doc_type,
            "language": self.language,
            "classification": self.classification,
            "case_ids": list(self.case_ids),
            "entity_ids": sorted({e.id for e in self.entities}),
            "entity_terms": " ".join(entity_terms),
            "entity_keys": " ".join(entity_keys),
            "date_start": day_number(start) if start else None,
            "date_end": day_number(end) if end else None,
            "month": start.strftime("%Y-%m") if start else None,
            **{f"facet_{label}": values for label, values in facets.items()},
        }


def day_number(day: date) -> int:
    """A date as the integer yyyymmdd, which sorts and compares like the date on both engines."""
    return day.year * 10000 + day.month * 100 + day.day


def from_day_number(number: int | None) -> date | None:
    return date(number // 10000, number // 100 % 100, number % 100) if number else None


def item_hash(item_id: str) -> int:
    """A signed 64-bit number per item, for grouping hits by item from a numeric fast field."""
    return int.from_bytes(hashlib.blake2b(item_id.encode(), digest_size=8).digest(), "big", signed=True)


@dataclass(frozen=True)
class PageHit:
    page_id: str
    page_number: int
    score: float
    snippet: str  # HTML: escaped page text, matches wrapped in <mark>…</mark>


@dataclass(frozen=True)
class ItemHit:
    """An evidence item with its best matching pages (in page order), metadata from the index."""

    item_id: str
    title: str
    collection: str
    doc_type: str
    language: str
    classification: str
    date_start: date | None
    date_end: date | None
    score: float
    matching_pages: int  # among the top hits the query looked at (Query.window)
    pages: tuple[PageHit, ...]


@dataclass(frozen=True)
class FacetBucket:
    value: str  # entity id, doc type, language, collection or yyyy-mm
    label: str  # what to show: the entity's name, else the value
    count: int  # pages


@dataclass(frozen=True)
class Results:
    total_pages: int
    total_items: int  # distinct items among matching pages (approximate beyond a few thousand)
    items: tuple[ItemHit, ...]
    facets: dict[str, tuple[FacetBucket, ...]] = field(default_factory=dict)
    took_ms: float = 0.0
