"""Keeping the search index in step with SQL. The index is derived: everything in it is rebuilt from SQL.

Whatever changes what an item's pages look like in the index (its pages, entities or metadata) adds an
``index`` row to the outbox in the same transaction. ``sync`` delivers those rows to the backend and marks them
delivered only after the backend has them, so a crash between the database commit and the index write loses
nothing: the next ``sync`` (or ``svidok reindex``) writes them. ``check`` compares SQL and the index.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.orm import Session

from archive_schema.models import (Collection, Entity, EntityName, EvidenceItem, Exhibit, Mention, Outbox, Page,
                                   utcnow)
from archive_schema.search.backend import SearchBackend
from archive_schema.search.model import EntityRef, PageDoc
from archive_schema.vocab import ItemState

#: entity kinds in SQL -> entity labels in the index
LABEL_OF_KIND = {"person": "person", "place": "place", "facility": "facility", "org": "organisation"}
#: items in these states have their pages in the index; the others are on their way (or have none)
INDEXED_STATES = (ItemState.processed.value, ItemState.needs_ocr.value, ItemState.failed.value)
PAGE_BATCH = 500  # pages a query reads
ITEM_BATCH = 500  # items a query reads
#: items whose mentions and pages are read together, up to about this many pages by their page count (an item
#: with more is read alone): the mentions of a group are held at once
GROUP_PAGES = 2_000
#: spellings of an entity indexed with it (the first ones by name order; enough for every script and case)
MAX_ALIASES = 30


def request_index(session: Session, item_id: str) -> None:
    """Promise, in the caller's transaction, that the index will show this item as SQL now has it."""
    session.add(Outbox(topic="index", key=item_id, payload={}))


def page_docs(session: Session, item_ids: Iterable[str] | None = None) -> Iterator[PageDoc]:
    """The index documents for the given items (all indexable items, by item id, when None), pages in order.

    A few queries per group of items, not per item: with four queries an item, a rebuild from PostgreSQL read
    ~3,000 pages/s (items of 8 pages), less than the index takes in.
    """
    query = (select(EvidenceItem, Collection.name).outerjoin(Collection, EvidenceItem.collection_id == Collection.id)
             .where(EvidenceItem.state.in_(INDEXED_STATES)).order_by(EvidenceItem.id))
    for rows in _item_batches(session, query, item_ids):
        for group in _groups(rows):
            yield from _docs_for(session, group)


def _item_batches(session: Session, query, item_ids: Iterable[str] | None) -> Iterator[list]:
    if item_ids is not None:
        ids = list(dict.fromkeys(item_ids))
        for start in range(0, len(ids), ITEM_BATCH):
            yield session.execute(query.where(EvidenceItem.id.in_(ids[start:start + ITEM_BATCH]))).all()
        return
    last = ""
    while batch := session.execute(query.where(EvidenceItem.id > last).limit(ITEM_BATCH)).all():
        last = batch[-1][0].id
        yield batch


def _groups(rows: list) -> Iterator[list]:
    group, pages = [], 0
    for row in rows:
        count = max(row[0].page_count or 0, 1)  # a guide to memory only: the pages are read in batches anyway
        if group and pages + count > GROUP_PAGES:
            yield group
            group, pages = [], 0
        group.append(row)
        pages += count
    if group:
        yield group


def _docs_for(session: Session, rows: list) -> Iterator[PageDoc]:
    items = {item.id: (item, collection or "") for item, collection in rows}
    ids = list(items)
    on_pages = session.execute(select(Mention.page_id, Entity.id, Entity.kind, Entity.name)
                               .join(Entity, Mention.entity_id == Entity.id)
                               .where(Mention.item_id.in_(ids)).distinct()).all()
    aliases: dict[str, list[str]] = {}
    if on_pages:
        # by subquery, not the ids in on_pages: a group's entities may outnumber the parameters a statement takes
        named = select(Mention.entity_id).where(Mention.item_id.in_(ids))
        for entity_id, alias in session.execute(select(EntityName.entity_id, EntityName.name)
                                                .where(EntityName.entity_id.in_(named)).order_by(EntityName.name)):
            aliases.setdefault(entity_id, []).append(alias)
    # the cases holding an item as an exhibit: their members find it whatever its classification
    cases: dict[str, set[str]] = {}
    for item_id, case_id in session.execute(select(Exhibit.item_id, Exhibit.case_id).where(Exhibit.item_id.in_(ids))):
        cases.setdefault(item_id, set()).add(case_id)
    case_ids = {item_id: tuple(sorted(found)) for item_id, found in cases.items()}
    entities: dict[str, list[EntityRef]] = {}
    for page_id, entity_id, kind, name in on_pages:
        others = tuple(a for a in aliases.get(entity_id, ()) if a != name)[:MAX_ALIASES]
        entities.setdefault(page_id, []).append(EntityRef(entity_id, LABEL_OF_KIND[kind], name, others))
    last: tuple[str, int] = ("", 0)
    while pages := session.execute(select(Page.item_id, Page.id, Page.number, Page.text).where(
            Page.item_id.in_(ids), tuple_(Page.item_id, Page.number) > tuple_(*last))
            .order_by(Page.item_id, Page.number).limit(PAGE_BATCH)).all():
        last = (pages[-1].item_id, pages[-1].number)
        for item_id, page_id, number, text in pages:
            item, collection = items[item_id]
            yield PageDoc(page_id=page_id, item_id=item_id, page_number=number, text=text, title=item.title,
                          collection=collection, doc_type=item.doc_type, language=(item.languages or [""])[0],
                          date_start=item.doc_date_start, date_end=item.doc_date_end,
                          classification=item.classification, case_ids=case_ids.get(item_id, ()),
                          entities=tuple(sorted(entities.get(page_id, ()), key=lambda e: e.id)))


def pending(session: Session, limit: int = 200) -> list[tuple[int, str]]:
    return [(row[0], row[1]) for row in session.execute(
        select(Outbox.id, Outbox.key).where(Outbox.topic == "index", Outbox.delivered_at.is_(None))
        .order_by(Outbox.id).limit(limit))]


def sync(db, backend: SearchBackend, *, batch: int = 200) -> int:
    """Write every promised item to the index; returns how many items were written."""
    written = 0
    while True:
        with db.reader() as session:
            rows = pending(session, batch)
            if not rows:
                return written
            item_ids = list(dict.fromkeys(key for _, key in rows))
            backend.replace(item_ids, page_docs(session, item_ids))
        with db.sessions.begin() as session:
            session.execute(update(Outbox).where(Outbox.id.in_([i for i, _ in rows])).values(delivered_at=utcnow()))
        written += len(item_ids)


def reindex(db, backend: SearchBackend) -> int:
    """Rebuild the whole index from SQL and swap it in; promises made before the rebuild began are kept by it."""
    with db.reader() as session:
        mark = session.scalar(select(func.max(Outbox.id)).where(Outbox.topic == "index")) or 0
        written = backend.rebuild(page_docs(session))
    with db.sessions.begin() as session:
        session.execute(update(Outbox).where(Outbox.topic == "index", Outbox.id <= mark,
                                             Outbox.delivered_at.is_(None)).values(delivered_at=utcnow()))
    return written


@dataclass(frozen=True)
class Drift:
    sql_pages: int
    index_pages: int
    missing: list[str]  # in SQL, not in the index (first few)
    extra: list[str]  # in the index, not in SQL (first few)
    missing_count: int
    extra_count: int
    pending: int  # index promises not yet delivered
    outdated: list[str]  # the live index, if an older schema version built it

    @property
    def clean(self) -> bool:
        return self.missing_count == 0 and self.extra_count == 0 and not self.outdated


def check(db, backend: SearchBackend, *, show: int = 10) -> Drift:
    """Compare the page ids SQL says should be indexed with the ids the index holds."""
    backend.refresh()
    indexed = set(backend.ids())
    with db.reader() as session:
        expected = set(session.scalars(select(Page.id).join(EvidenceItem, Page.item_id == EvidenceItem.id)
                                       .where(EvidenceItem.state.in_(INDEXED_STATES))))
        waiting = len(pending(session, 1_000_000))
    missing, extra = sorted(expected - indexed), sorted(indexed - expected)
    return Drift(len(expected), len(indexed), missing[:show], extra[:show], len(missing), len(extra), waiting,
                 backend.outdated())
