"""Cross-references between entities and documents: where an entity is named, who appears with it, a timeline
of dated mentions near it, and the pages where two entities meet. Pure queries: each takes a session, reads,
and answers a bounded result.

Merges are followed: an entity merged into another has no mentions of its own (they moved), so every query
first forwards the id it is given to the surviving entity (``survivor``) and answers for that one.

Access: every query reaches items only through ``_visible``, the single criterion on ``Mention.item_id``: the items
``archive_schema.policy`` lets the current actor see (classification and case membership); every query obeys it.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, and_, case, distinct, func, or_, select
from sqlalchemy.orm import Session

from . import policy
from .models import PERSON_GENDER, Entity, EntityDecision, EntityName, EvidenceItem, Mention, MentionPin, Page
from .search.analysis import name_key

#: a timeline looks for entity mentions on at most this many pages, and answers at most this many events
TIMELINE_PAGES = 2000
TIMELINE_EVENTS = 500
#: mentions listed (with their ids, for splitting) per item in an entity's documents
OCCURRENCES = 100
#: characters of page text shown on each side of a mention
CONTEXT = 80
#: a date this far from the entity's mention is "on the same page" rather than "near"
NEAR_WEIGHT, PAGE_WEIGHT = 1.0, 0.5
_ISO_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?(?:/\d{4}(?:-\d{2}(?:-\d{2})?)?)?$")


def _same_gender(session: Session, person: Entity, namesakes: list[EntityListEntry]) -> list[EntityListEntry]:
    """The namesakes not known to be of the other gender: "Олександра Коваленко" is no namesake of her brother
    "Олександр Коваленко", though the two share a key. A gender is known when resolution stored it (entities
    made before it did have none, and stay)."""
    gender = (person.properties or {}).get(PERSON_GENDER)
    if not gender or not namesakes:
        return namesakes
    genders = {id: (properties or {}).get(PERSON_GENDER) for id, properties in session.execute(
        select(Entity.id, Entity.properties).where(Entity.id.in_([n.id for n in namesakes])))}
    return [n for n in namesakes if genders.get(n.id) in (None, "", gender)]


def _visible(item_id: ColumnElement) -> ColumnElement[bool]:
    """The items the caller may see, as a criterion on an item id column: the one place access filters go.

    The caller is the actor set by ``policy.acting_as`` (the web request's user, the CLI's operator or
    ``--as`` user); with nobody set, nothing is visible.
    """
    return policy.item_id_visible(policy.current(), item_id)


# --- answers --------------------------------------------------------------------------------------------------

@dataclass
class EntityRef:
    """An entity, briefly."""

    id: str
    kind: str
    name: str


@dataclass
class DocDate:
    """A document's own date."""

    start: dt.date
    end: dt.date | None
    precision: str | None


@dataclass
class Occurrence:
    """One mention of the entity: its id is what a split takes."""

    id: str
    page: int
    start: int
    end: int
    text: str
    link_confidence: float | None


@dataclass
class EntityDocument:
    """An item naming the entity, and the pages it is named on."""

    item_id: str
    title: str
    filename: str
    doc_type: str
    date: DocDate | None
    pages: list[int]
    mentions: int
    occurrences: list[Occurrence] = field(metadata={"description": f"the first {OCCURRENCES} mentions, in order"})


@dataclass
class Documents:
    """Items naming an entity, a page of them at a time."""

    entity: EntityRef
    total: int = field(metadata={"description": "items naming the entity"})
    page: int
    size: int
    documents: list[EntityDocument]


@dataclass
class Cooccurrence:
    """Another entity and how many pages and items it shares with the entity asked about."""

    entity: EntityRef
    pages: int = field(metadata={"description": "pages naming both"})
    items: int = field(metadata={"description": "items naming both"})


@dataclass
class TimelineEvent:
    """A date named near the entity."""

    date: str = field(metadata={"description": "ISO 8601: 2022-03-14, 2022-03, 2022 or START/END"})
    precision: str
    item_id: str
    title: str
    page: int
    text: str = field(metadata={"description": "the date as written"})
    distance: int | None = field(metadata={"description": "characters between the date and the entity's mention"})
    weight: float = field(metadata={"description": "1.0 when within the window, 0.5 elsewhere on the page"})
    snippet: str
    mention_id: str


@dataclass
class PairPage:
    """A page naming both entities."""

    item_id: str
    title: str
    page: int
    snippet: str = field(metadata={"description": "page text around the closest mentions of both"})


@dataclass
class NamedCount:
    """A count under a key (a label, an item id)."""

    key: str
    count: int


@dataclass
class Decision:
    """A decision people took about an entity: merge, split, rename or withdraw (a split decision no mention
    carried any more)."""

    id: str
    action: str
    entity_id: str
    other_id: str | None
    actor: str
    at: dt.datetime
    details: dict


PIN_STATES = ("exact", "moved", "lost")


@dataclass
class PinnedSpan:
    """A split decision (a pin: this span of this original is this entity) and whether a mention still carries it."""

    id: str
    state: str = field(metadata={"description": "exact: a mention of exactly the pinned span carries the decision; "
                                                "moved: only mentions overlapping the span do (a new model moved its "
                                                "boundaries); lost: no mention carries it since the last processing"})
    entity: EntityRef
    item_id: str
    title: str
    page: int
    start: int
    end: int
    text: str = field(metadata={"description": "the pinned span as the page reads"})
    snippet: str
    actor: str
    at: dt.datetime


@dataclass
class PinList:
    """Split decisions, oldest first, with how many there are in each state."""

    total: int
    counts: dict[str, int]
    pins: list[PinnedSpan]


@dataclass
class EntityListEntry:
    """An entity and how often it is mentioned."""

    id: str
    kind: str
    name: str
    mentions: int


@dataclass
class EntitySummary:
    """An entity with its names, mention counts and decision history."""

    id: str
    kind: str
    name: str
    origin: str
    properties: dict
    merged_into: str | None = field(metadata={"description": "the surviving entity, when this one was merged"})
    merged_from: list[str]
    names: list[str]
    mentions: int
    by_label: list[NamedCount]
    by_item: list[NamedCount] = field(metadata={"description": "items with the most mentions (at most 50)"})
    decisions: list[Decision]
    namesakes: list[EntityListEntry] = field(default_factory=list, metadata={
        "description": "other people of the same given name and surname (told apart by the patronymic, or a name "
                       "written without one), not known to be of the other gender, mentioned in items the caller "
                       "may see"})


@dataclass
class EntityList:
    """Entities, most mentioned first, a page at a time."""

    total: int
    page: int
    size: int
    entities: list[EntityListEntry]


# --- queries ------------------------------------------------------------------------------------------------

def survivor(session: Session, entity_id: str) -> Entity | None:
    """The entity, or the one it was (transitively) merged into; None when unknown."""
    entity, seen = session.get(Entity, entity_id), set()
    while entity is not None and entity.merged_into_id and entity.id not in seen:
        seen.add(entity.id)
        entity = session.get(Entity, entity.merged_into_id)
    return entity


def _ref(entity: Entity) -> EntityRef:
    return EntityRef(entity.id, entity.kind, entity.name)


def _pages_of(entity_id: str):
    """Page ids naming the entity, as a subquery."""
    return select(Mention.page_id).where(Mention.entity_id == entity_id, _visible(Mention.item_id)).distinct()


def entity_documents(session: Session, entity_id: str, *, page: int = 1, size: int = 50) -> Documents | None:
    """Items naming the entity, most mentions first, with the pages it is named on."""
    entity = survivor(session, entity_id)
    if entity is None:
        return None
    mine = and_(Mention.entity_id == entity.id, _visible(Mention.item_id))
    total = session.scalar(select(func.count(distinct(Mention.item_id))).where(mine))
    count = func.count(Mention.id).label("n")
    rows = session.execute(
        select(EvidenceItem.id, EvidenceItem.title, EvidenceItem.filename, EvidenceItem.doc_type,
               EvidenceItem.doc_date_start, EvidenceItem.doc_date_end, EvidenceItem.doc_date_precision, count)
        .join(Mention, Mention.item_id == EvidenceItem.id).where(mine)
        .group_by(EvidenceItem.id, EvidenceItem.title, EvidenceItem.filename, EvidenceItem.doc_type,
                  EvidenceItem.doc_date_start, EvidenceItem.doc_date_end, EvidenceItem.doc_date_precision)
        .order_by(count.desc(), EvidenceItem.id).offset((page - 1) * size).limit(size)).all()
    pages: dict[str, list[int]] = {row.id: [] for row in rows}
    shown: dict[str, list[Occurrence]] = {row.id: [] for row in rows}
    if rows:
        for mention in session.execute(
                select(Mention.id, Mention.item_id, Mention.page_number, Mention.start, Mention.end, Mention.text,
                       Mention.link_confidence).where(mine, Mention.item_id.in_(pages))
                .order_by(Mention.item_id, Mention.page_number, Mention.start)):
            if not pages[mention.item_id] or pages[mention.item_id][-1] != mention.page_number:
                pages[mention.item_id].append(mention.page_number)
            if len(shown[mention.item_id]) < OCCURRENCES:
                shown[mention.item_id].append(Occurrence(mention.id, mention.page_number, mention.start, mention.end,
                                                         mention.text, mention.link_confidence))
    documents = [EntityDocument(row.id, row.title or "", row.filename, row.doc_type,
                                DocDate(row.doc_date_start, row.doc_date_end, row.doc_date_precision)
                                if row.doc_date_start else None, pages[row.id], row.n, shown[row.id]) for row in rows]
    return Documents(_ref(entity), total or 0, page, size, documents)


def cooccurring(session: Session, entity_id: str, *, scope: str = "page", kind: str | None = None,
                limit: int = 50) -> tuple[EntityRef, list[Cooccurrence]] | None:
    """Other entities named on the same pages (``scope="page"``) or items (``"item"``), most shared first."""
    if scope not in ("page", "item"):
        raise ValueError("scope must be page or item")
    entity = survivor(session, entity_id)
    if entity is None:
        return None
    my_pages = _pages_of(entity.id)
    pages = func.count(distinct(case((Mention.page_id.in_(my_pages), Mention.page_id)))).label("pages")
    items = func.count(distinct(Mention.item_id)).label("items")
    where = [Mention.entity_id.is_not(None), Mention.entity_id != entity.id, _visible(Mention.item_id)]
    if scope == "page":
        where.append(Mention.page_id.in_(my_pages))
    else:
        where.append(Mention.item_id.in_(select(Mention.item_id).where(
            Mention.entity_id == entity.id, _visible(Mention.item_id)).distinct()))
    if kind:
        where.append(Entity.kind == kind)
    first = pages if scope == "page" else items
    second = items if scope == "page" else pages
    rows = session.execute(
        select(Entity.id, Entity.kind, Entity.name, pages, items).join(Mention, Mention.entity_id == Entity.id)
        .where(*where).group_by(Entity.id, Entity.kind, Entity.name)
        .order_by(first.desc(), second.desc(), Entity.name, Entity.id).limit(limit)).all()
    return _ref(entity), [Cooccurrence(EntityRef(r.id, r.kind, r.name), r.pages, r.items) for r in rows]


def precision_of(iso: str) -> str:
    """day, month, year or range, from the shape of a normalised date."""
    if "/" in iso:
        return "range"
    return {4: "year", 7: "month"}.get(len(iso), "day")


def _page_texts(session: Session, page_ids) -> dict[str, str]:
    """Page texts by id. Page text is encrypted at rest, so SQL cannot cut it: it is cut here, in Python."""
    return dict(session.execute(select(Page.id, Page.text).where(Page.id.in_(set(page_ids)))).all())


def _snippet(text: str, start: int, end: int) -> str:
    """The text around [start, end), with an ellipsis where the page goes on."""
    begin = max(start - CONTEXT, 0)
    stop = end + CONTEXT
    return _clean(text[begin:stop], begin > 0, stop < len(text))


def _clean(text: str, cut_left: bool, cut_right: bool) -> str:
    text = " ".join(text.split())
    return ("…" if cut_left else "") + text + ("…" if cut_right else "")


def timeline(session: Session, entity_id: str, *, window: int = 300) -> tuple[EntityRef, list[TimelineEvent]] | None:
    """Dated mentions near the entity, by date: on every page naming it, each DATE mention with a normalised
    value, weighted 1.0 within ``window`` characters of one of the entity's mentions and 0.5 elsewhere on the
    page (the page still ties them, more loosely)."""
    entity = survivor(session, entity_id)
    if entity is None:
        return None
    pages = _pages_of(entity.id).order_by(Mention.page_id).limit(TIMELINE_PAGES)
    spans: dict[str, list[tuple[int, int]]] = {}
    for page_id, start, end in session.execute(
            select(Mention.page_id, Mention.start, Mention.end).where(
                Mention.entity_id == entity.id, Mention.page_id.in_(pages))):
        spans.setdefault(page_id, []).append((start, end))
    if not spans:
        return _ref(entity), []
    rows = session.execute(
        select(Mention.id, Mention.page_id, Mention.item_id, Mention.page_number, Mention.start, Mention.end,
               Mention.text, Mention.normalized, EvidenceItem.title)
        .join(EvidenceItem, EvidenceItem.id == Mention.item_id)
        .where(Mention.label == "DATE", Mention.normalized.is_not(None), Mention.page_id.in_(pages))).all()
    texts = _page_texts(session, (row.page_id for row in rows))
    events = []
    for row in rows:
        if not _ISO_DATE.match(row.normalized):
            continue
        distance = min(max(start - row.end, row.start - end, 0) for start, end in spans[row.page_id])
        near = distance <= window
        events.append(TimelineEvent(
            row.normalized, precision_of(row.normalized), row.item_id, row.title or "", row.page_number, row.text,
            distance, NEAR_WEIGHT if near else PAGE_WEIGHT, _snippet(texts.get(row.page_id, ""), row.start, row.end),
            row.id))
    events.sort(key=lambda e: (e.date, -e.weight, e.item_id, e.page, e.mention_id))
    return _ref(entity), events[:TIMELINE_EVENTS]


def pairs(session: Session, a_id: str, b_id: str, *, limit: int = 100) -> tuple[EntityRef, EntityRef,
                                                                                list[PairPage]] | None:
    """Pages naming both A and B, in item and page order, each with the text around their closest mentions."""
    a, b = survivor(session, a_id), survivor(session, b_id)
    if a is None or b is None:
        return None
    shared = (select(Page.id, Page.item_id, Page.number, EvidenceItem.title)
              .join(EvidenceItem, EvidenceItem.id == Page.item_id)
              .where(Page.id.in_(_pages_of(a.id)), Page.id.in_(_pages_of(b.id)))
              .order_by(EvidenceItem.received_at, Page.item_id, Page.number).limit(limit))
    rows = session.execute(shared).all()
    if not rows:
        return _ref(a), _ref(b), []
    spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for page_id, who, start, end in session.execute(
            select(Mention.page_id, Mention.entity_id, Mention.start, Mention.end).where(
                Mention.page_id.in_([r.id for r in rows]), Mention.entity_id.in_({a.id, b.id}))):
        spans.setdefault((page_id, who), []).append((start, end))
    found = []
    for row in rows:
        a_spans, b_spans = spans[(row.id, a.id)], spans.get((row.id, b.id), spans[(row.id, a.id)])
        _, left, right = min((max(sb - ea, sa - eb, 0), min(sa, sb), max(ea, eb))
                             for sa, ea in a_spans for sb, eb in b_spans)
        found.append(PairPage(row.item_id, row.title or "", row.number, _page_snippet(session, row.id, left, right)))
    return _ref(a), _ref(b), found


def _page_snippet(session: Session, page_id: str, start: int, end: int, longest: int = 600) -> str:
    """The page text from ``start`` to ``end`` with context, gapped in the middle when longer than ``longest``."""
    text = _page_texts(session, [page_id]).get(page_id, "")
    begin = max(start - CONTEXT, 0)
    stop = end + CONTEXT
    if stop - begin <= longest:
        return _snippet(text, start, end)
    half = longest // 2
    return (_clean(text[begin:begin + half], begin > 0, True) + " "
            + _clean(text[stop - half:stop], False, stop < len(text)))


def entity_summary(session: Session, entity_id: str) -> EntitySummary | None:
    """The entity as stored (also when merged: then ``merged_into`` names the survivor), with its names,
    mention counts per label and per item, and every decision people took about it."""
    entity = session.get(Entity, entity_id)
    if entity is None:
        return None
    target = survivor(session, entity.id)
    merged_into = target.id if target is not None and target.id != entity.id else None
    mine = and_(Mention.entity_id == entity.id, _visible(Mention.item_id))
    by_label = [NamedCount(label, n) for label, n in session.execute(
        select(Mention.label, func.count()).where(mine).group_by(Mention.label).order_by(func.count().desc()))]
    by_item = [NamedCount(item_id, n) for item_id, n in session.execute(
        select(Mention.item_id, func.count()).where(mine).group_by(Mention.item_id)
        .order_by(func.count().desc(), Mention.item_id).limit(50))]
    names = list(session.scalars(select(EntityName.name).where(EntityName.entity_id == entity.id)
                                 .order_by(EntityName.name).limit(500)))
    merged_from = list(session.scalars(select(Entity.id).where(Entity.merged_into_id == entity.id)
                                       .order_by(Entity.id)))
    decisions = [Decision(d.id, d.action, d.entity_id, d.other_id, d.actor, _utc(d.at), dict(d.details or {}))
                 for d in session.scalars(select(EntityDecision).where(or_(
                     EntityDecision.entity_id == entity.id, EntityDecision.other_id == entity.id))
                     .order_by(EntityDecision.at, EntityDecision.id).limit(500))]
    namesakes = []
    if entity.kind == "person" and merged_into is None:
        seen = func.count(Mention.id)
        namesakes = [EntityListEntry(id, "person", name, n) for id, name, n in session.execute(
            select(Entity.id, Entity.name, seen).join(Mention, Mention.entity_id == Entity.id)
            .where(Entity.kind == "person", Entity.key == entity.key, Entity.id != entity.id,
                   Entity.merged_into_id.is_(None), _visible(Mention.item_id))
            .group_by(Entity.id, Entity.name).order_by(seen.desc(), Entity.name).limit(200))]
        namesakes = _same_gender(session, entity, namesakes)[:50]
    return EntitySummary(entity.id, entity.kind, entity.name, entity.origin, dict(entity.properties or {}),
                         merged_into, merged_from, names, sum(c.count for c in by_label), by_label, by_item,
                         decisions, namesakes)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_entities(session: Session, *, kind: str | None = None, q: str | None = None, page: int = 1,
                  size: int = 50) -> EntityList:
    """Entities that were not merged away and are mentioned in an item the actor may see, most mentioned
    first; ``q`` matches any of their names, in any
    script or case form (by name key, ``Коваленко`` finds ``Kovalenko``) or as written."""
    where = [Entity.merged_into_id.is_(None)]
    if kind:
        where.append(Entity.kind == kind)
    if q and q.strip():
        matches = [func.lower(EntityName.name).like(_like(q.strip().lower()), escape="\\")]
        if key := name_key(q):
            matches.append(EntityName.key.like(_like(key), escape="\\"))
        where.append(Entity.id.in_(select(EntityName.entity_id).where(or_(*matches))))
    counts = (select(Mention.entity_id, func.count().label("n")).where(Mention.entity_id.is_not(None),
                                                                        _visible(Mention.item_id))
              .group_by(Mention.entity_id).subquery())
    # Only entities the actor meets in an item they may see: a name found only in hidden items is itself a leak.
    mentions = counts.c.n
    total = session.scalar(select(func.count()).select_from(Entity)
                           .join(counts, counts.c.entity_id == Entity.id).where(*where))
    rows = session.execute(
        select(Entity.id, Entity.kind, Entity.name, mentions.label("mentions"))
        .join(counts, counts.c.entity_id == Entity.id).where(*where)
        .order_by(mentions.desc(), Entity.name, Entity.id).offset((page - 1) * size).limit(size)).all()
    return EntityList(total or 0, page, size, [EntityListEntry(r.id, r.kind, r.name, r.mentions) for r in rows])


def _pin_state() -> ColumnElement[str]:
    """A pin's state (PIN_STATES) as SQL, for the pin's page of the item holding its original."""
    carried = [Mention.item_id == EvidenceItem.id, Mention.page_number == MentionPin.page_number,
               Mention.entity_id == MentionPin.entity_id]
    exact = select(Mention.id).where(*carried, Mention.start == MentionPin.start, Mention.end == MentionPin.end)
    moved = select(Mention.id).where(*carried, Mention.start < MentionPin.end, Mention.end > MentionPin.start)
    return case((exact.exists(), "exact"), (moved.exists(), "moved"), else_="lost")


def _pins_where(session: Session, entity_id: str | None) -> list[ColumnElement[bool]]:
    """The pins of items the actor may see (and of one entity, followed through merges)."""
    where = [_visible(EvidenceItem.id)]
    if entity_id is not None:
        target = survivor(session, entity_id)
        where.append(MentionPin.entity_id == (target.id if target is not None else entity_id))
    return where


def _pins_of_items(*columns) -> Select:
    return select(*columns).select_from(MentionPin).join(EvidenceItem, EvidenceItem.sha256 == MentionPin.sha256)


def pin_counts(session: Session, *, entity_id: str | None = None) -> dict[str, int]:
    """How many of the actor's visible split decisions are in each state (PIN_STATES), without listing them."""
    return _pin_counts(session, _pins_where(session, entity_id))


def _pin_counts(session: Session, where: list[ColumnElement[bool]]) -> dict[str, int]:
    states = _pins_of_items(_pin_state().label("state")).where(*where).subquery()
    return dict.fromkeys(PIN_STATES, 0) | dict(session.execute(
        select(states.c.state, func.count()).group_by(states.c.state)).all())


def pin_state(session: Session, pin_id: str) -> str | None:
    """One split decision's state (PIN_STATES); None when there is none of that id on an item the actor may see."""
    return session.scalar(_pins_of_items(_pin_state()).where(MentionPin.id == pin_id, *_pins_where(session, None)))


def pins(session: Session, *, state: str | None = None, entity_id: str | None = None,
         limit: int = 200) -> PinList:
    """People's split decisions on items the actor may see, and whether the current mentions still carry them.

    A reprocessing with another model can move a mention's boundaries: a pin then carries over to the mentions of
    its kind that overlap it ("moved"); one that no mention carries any more ("lost") needs a person to look again.
    """
    if state is not None and state not in PIN_STATES:
        raise ValueError(f"state must be one of {', '.join(PIN_STATES)}")
    where = _pins_where(session, entity_id)
    counts = _pin_counts(session, where)
    current = _pin_state()
    query = (_pins_of_items(MentionPin, Entity, EvidenceItem.id, EvidenceItem.title, current, Page.text)
             .join(Entity, Entity.id == MentionPin.entity_id)
             .outerjoin(Page, and_(Page.item_id == EvidenceItem.id, Page.number == MentionPin.page_number))
             .where(*where))
    rows = session.execute((query.where(current == state) if state else query)
                           .order_by(MentionPin.at, MentionPin.id).limit(limit)).all()
    found = []
    for pin, entity, item_id, title, pin_state, text in rows:
        text = text or ""
        found.append(PinnedSpan(pin.id, pin_state, _ref(entity), item_id, title, pin.page_number, pin.start, pin.end,
                                text[pin.start:pin.end], _snippet(text, pin.start, pin.end), pin.actor, _utc(pin.at)))
    return PinList(sum(counts.values()), counts, found)
