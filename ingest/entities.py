"""The NLP stage: mentions per page (from ``nlp``), resolved into entities.

Resolution is deliberately conservative, because a wrong merge puts one person's detention into another's file:

* a pin (a person's decision about this span of this original) always wins, label included; when a new model
  moves the span's boundaries, the pin carries over to the mentions of the same kind that overlap it, and two
  pins that disagree about one mention leave it unlinked rather than guess (``xref.pins`` reports the pins no
  mention carries any more);
* facilities resolve by gazetteer id, places by GeoNames id (or their name key when unknown);
* a person needs at least two name words (given name and surname, patronymic ignored) to be created or matched:
  ``Коваленка Івана Петровича``, ``Иван Коваленко`` and ``Ivan Kovalenko`` share the key of
  ``{ivan, kovalenko}`` across scripts and cases, while ``Марія Коваленко`` is someone else;
* a lone surname links to the one person of the same document who carries it, or stays unresolved;
* merged entities forward to the entity they were merged into, so merges survive reprocessing.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from archive_schema.models import (Entity, EntityDecision, EntityName, EvidenceItem, Mention, MentionPin, Page,
                                   StageRun, utcnow)
from archive_schema.search.analysis import name_key
from archive_schema.search.sync import request_index
from archive_schema.vocab import StageState

import logging

from .pipeline import Context, begin_stage, fail_stage, settle_item_state

log = logging.getLogger(__name__)

KIND_OF_LABEL = {"PERSON": "person", "LOCATION": "place", "FACILITY": "facility", "ORG": "org"}
LABEL_OF_KIND = {kind: label for label, kind in KIND_OF_LABEL.items()}
PAGE_BATCH = 32
_PATRONYMIC = re.compile(r"(?:ович|евич|євич|йович|ьович|овна|евна|івна|ївна|ична|ovych|ovich|evich|ievich|"
                         r"yovych|ovna|evna|ivna|yivna|ichna)$", re.IGNORECASE)
_INITIAL = re.compile(r"^\w\.?$")


def person_key(name: str) -> str:
    """Key of a personal name in the nominative: given name and surname keys, sorted; patronymics and initials
    left out, so word order and the presence of a patronymic do not matter."""
    words = [w for w in re.split(r"[\s.]+", name) if w and not _INITIAL.match(w) and not _PATRONYMIC.search(w)]
    return " ".join(sorted(k for k in (name_key(w) for w in words) if k))


#: link confidence of a pin carried over to a mention whose span a new model moved (an exact span: 1.0)
CARRIED_PIN = 0.9


@dataclass
class Resolution:
    entity_id: str | None
    confidence: float | None
    #: pins that disagree about this mention: it stays unlinked, also by the lone-surname rule
    held: bool = False
    #: the label a pin of exactly this span gives the mention when the model labelled it otherwise
    label: str | None = None


@dataclass(frozen=True)
class PinSpan:
    start: int
    end: int
    entity_id: str
    kind: str


class Resolver:
    """Resolves mentions to entities within one transaction, with a cache of what it found or created."""

    def __init__(self, session: Session, sha256: str):
        self.session, self.sha256 = session, sha256
        self.cache: dict[tuple[str, str], str] = {}
        self.names: set[tuple[str, str]] = set()
        self.pins: dict[int, list[PinSpan]] = {}  # page number -> the pins on that page of this original
        for number, start, end, entity_id, kind in session.execute(
                select(MentionPin.page_number, MentionPin.start, MentionPin.end, MentionPin.entity_id, Entity.kind)
                .join(Entity, Entity.id == MentionPin.entity_id).where(MentionPin.sha256 == sha256)):
            self.pins.setdefault(number, []).append(PinSpan(start, end, entity_id, kind))
        self.people_here: dict[str, set[str]] = {}  # surname key -> person entity ids seen in this document

    def resolve(self, page_number: int, mention) -> Resolution:
        kind = KIND_OF_LABEL.get(mention.label)
        pinned = self.pinned(page_number, mention, kind)
        if pinned is not None:
            return pinned
        if kind is None:
            return Resolution(None, None)
        name = (mention.normalized or mention.text).strip()
        key = self.key(kind, mention, name)
        if not key:
            return Resolution(None, None)
        if kind == "person" and " " not in key:
            return Resolution(None, None)  # a lone surname: settled after the document is read
        entity_id = self.find_or_create(kind, key, name, mention)
        if kind == "person":
            for word in key.split():
                self.people_here.setdefault(word, set()).add(entity_id)
        return Resolution(entity_id, 1.0)

    def pinned(self, page_number: int, mention, kind: str | None) -> Resolution | None:
        """What people decided about this mention: the pin of exactly its span, else the pins of its kind that
        its span overlaps (a model that moved the boundary: "Івана Коваленка" found as "Коваленка"); None
        when no pin concerns it."""
        pins = self.pins.get(page_number, ())
        for pin in pins:
            if (pin.start, pin.end) == (mention.start, mention.end):  # the decision wins, label included
                return Resolution(self.forward(pin.entity_id), 1.0, label=LABEL_OF_KIND.get(pin.kind))
        near = {self.forward(pin.entity_id) for pin in pins
                if pin.kind == kind and pin.start < mention.end and mention.start < pin.end}
        if not near:
            return None
        if len(near) > 1:
            return Resolution(None, None, held=True)
        return Resolution(near.pop(), CARRIED_PIN)

    def settle_surnames(self, mentions: Iterable[Mention]) -> None:
        """Link lone surnames to the single person of this document who carries that name, if there is one."""
        for mention in mentions:
            if mention.label != "PERSON" or mention.entity_id:
                continue
            key = person_key(mention.normalized or mention.text)
            candidates = self.people_here.get(key, set()) if key and " " not in key else set()
            if len(candidates) == 1:
                mention.entity_id, mention.link_confidence = next(iter(candidates)), 0.6

    @staticmethod
    def key(kind: str, mention, name: str) -> str:
        if kind == "facility":
            return mention.normalized or ""
        if kind == "place" and mention.key and mention.key.startswith("geonames:"):
            return mention.key
        if kind == "person":
            return person_key(name)
        return name_key(name)

    def find_or_create(self, kind: str, key: str, name: str, mention) -> str:
        cached = self.cache.get((kind, key))
        if cached is None:
            found = self.session.scalar(select(Entity.id).where(Entity.kind == kind, Entity.key == key)
                                        .order_by(Entity.created_at, Entity.id).limit(1))
            if found is None:
                entity = Entity(kind=kind, key=key, name=display_name(kind, name, mention),
                                properties=facility_properties(key) if kind == "facility" else {})
                self.session.add(entity)
                self.session.flush()
                found = entity.id
            cached = self.cache[(kind, key)] = self.forward(found)
        # the spellings people search for: a person's lemma; a facility's or place's words as written
        spellings = [name] if kind in ("person", "org") else [mention.text.strip()]
        if kind == "place" and mention.normalized:
            spellings.append(mention.normalized)
        for spelling in spellings:
            spelling = " ".join(spelling.split())[:500]
            if not spelling or (cached, spelling) in self.names:
                continue
            self.names.add((cached, spelling))
            exists = self.session.scalar(select(EntityName.id).where(EntityName.entity_id == cached,
                                                                     EntityName.name == spelling))
            if not exists:
                self.session.add(EntityName(entity_id=cached, name=spelling, key=name_key(spelling)[:500]))
        return cached

    def forward(self, entity_id: str) -> str:
        """Follow merges to the entity that survives."""
        seen = set()
        while entity_id not in seen:
            seen.add(entity_id)
            target = self.session.scalar(select(Entity.merged_into_id).where(Entity.id == entity_id))
            if not target:
                break
            entity_id = target
        return entity_id


def display_name(kind: str, name: str, mention) -> str:
    if kind == "facility":
        from nlp.gazetteer import load_facilities

        for facility in load_facilities():
            if facility.id == name:
                return facility.aliases[0]
        return mention.text
    return name[:500]


def facility_properties(facility_id: str) -> dict:
    from nlp.gazetteer import load_facilities

    for facility in load_facilities():
        if facility.id == facility_id:
            return {"gazetteer_id": facility.id, "type": facility.type, "town": facility.town_en,
                    "number": facility.number}
    return {"gazetteer_id": None}


def run_nlp(ctx: Context, item_id: str, version: str) -> None:
    """Find mentions on every page of the item and resolve them; replaces the item's earlier mentions."""
    import nlp

    with ctx.db.sessions.begin() as session:
        claimed = begin_stage(session, item_id, "nlp", version, ctx.settings.stages)
        if claimed is None:
            return
        item, run = claimed
        run_id, sha256 = run.id, item.sha256
        hint = item.languages[0] if len(item.languages or []) == 1 and item.languages[0] in nlp.PIPELINES else None
    try:
        with ctx.db.sessions.begin() as session:
            session.execute(delete(Mention).where(Mention.item_id == item_id))
            resolver = Resolver(session, sha256)
            languages: dict[str, int] = {}
            stored: list[Mention] = []
            last = 0
            while True:
                batch = session.execute(select(Page.id, Page.number, Page.text).where(
                    Page.item_id == item_id, Page.number > last).order_by(Page.number).limit(PAGE_BATCH)).all()
                if not batch:
                    break
                last = batch[-1].number
                with_text = [row for row in batch if row.text.strip()]  # scans wait for OCR: nothing to read
                for (page_id, number, text), analysis in zip(with_text, nlp.analyse_many(
                        [row.text for row in with_text], lang=hint)):
                    languages[analysis.language] = languages.get(analysis.language, 0) + len(text)
                    for found in analysis.mentions:
                        link = resolver.resolve(number, found)
                        row = Mention(item_id=item_id, page_id=page_id, page_number=number, start=found.start,
                                      end=found.end, label=link.label or found.label, text=found.text[:1000],
                                      normalized=(found.normalized or None) and found.normalized[:1000],
                                      source=found.source[:200], confidence=found.confidence,
                                      entity_id=link.entity_id, link_confidence=link.confidence)
                        session.add(row)
                        if row.label == "PERSON" and link.entity_id is None and not link.held:
                            stored.append(row)
                session.flush()
            resolver.settle_surnames(stored)
            item = session.get(EvidenceItem, item_id)
            if not item.languages and languages:
                item.languages = sorted(languages, key=languages.get, reverse=True)
            run = session.get(StageRun, run_id)
            run.state, run.finished_at = StageState.done.value, utcnow()
            settle_item_state(session, item, ctx.settings.stages)
    except Exception as exc:  # a bug or a model crash: this item fails, the batch goes on, the log has it
        log.exception("entity extraction for %s failed", item_id)
        fail_stage(ctx, item_id, run_id, f"entity extraction failed ({type(exc).__name__}: {exc})"[:2000])


# --- people's decisions ----------------------------------------------------------------------------------------

def _reindex_items_naming(session: Session, *entity_ids: str) -> None:
    """A decision changes which entity, under which names, the pages of these entities' items carry in the index:
    promise those items to the index in the decision's transaction."""
    for (item_id,) in session.execute(select(Mention.item_id).where(Mention.entity_id.in_(entity_ids)).distinct()):
        request_index(session, item_id)


class DecisionError(ValueError):
    """A merge or split that cannot be done (unknown entity, different kinds, nothing to split)."""


def merge(session: Session, keep_id: str, other_id: str, *, actor: str) -> Entity:
    """Merge ``other`` into ``keep``: its names and mentions move, and it forwards to ``keep`` from now on
    (also for mentions found later or on reprocessing)."""
    from archive_schema import audit

    keep, other = session.get(Entity, keep_id), session.get(Entity, other_id)
    if keep is None or other is None:
        raise DecisionError("unknown entity")
    if keep.id == other.id:
        raise DecisionError("an entity cannot be merged into itself")
    for entity in (keep, other):  # into a merged entity: mentions would land on it, or merges would cycle
        if entity.merged_into_id:
            raise DecisionError(f"entity {entity.id} is already merged into {entity.merged_into_id}")
    if keep.kind != other.kind:
        raise DecisionError(f"cannot merge a {other.kind} into a {keep.kind}")
    other.merged_into_id = keep.id
    _reindex_items_naming(session, other.id, keep.id)
    known = {n.name for n in keep.names}
    for alias in list(other.names):
        if alias.name not in known:
            session.add(EntityName(entity_id=keep.id, name=alias.name, key=alias.key, origin=alias.origin))
    moved = session.execute(Mention.__table__.update().where(Mention.entity_id == other.id)
                            .values(entity_id=keep.id)).rowcount
    session.execute(MentionPin.__table__.update().where(MentionPin.entity_id == other.id).values(entity_id=keep.id))
    session.execute(Entity.__table__.update().where(Entity.merged_into_id == other.id).values(merged_into_id=keep.id))
    session.add(EntityDecision(action="merge", entity_id=keep.id, other_id=other.id, actor=actor,
                               details={"mentions_moved": moved, "merged_name": other.name}))
    audit.record(session, "entity.merge", actor=actor, object_type="entity", object_id=keep.id,
                 details={"merged": other.id, "mentions_moved": moved})
    session.flush()
    return keep


def split(session: Session, entity_id: str, mention_ids: list[str], *, actor: str, name: str | None = None) -> Entity:
    """Move the given mentions to a new entity, pinned so reprocessing keeps them apart."""
    from archive_schema import audit

    source = session.get(Entity, entity_id)
    if source is None:
        raise DecisionError("unknown entity")
    mentions = list(session.scalars(select(Mention).where(Mention.id.in_(mention_ids),
                                                          Mention.entity_id == entity_id)))
    if not mentions or len(mentions) != len(set(mention_ids)):
        raise DecisionError("every mention to split off must belong to the entity")
    total = session.scalar(select(func.count()).select_from(Mention).where(Mention.entity_id == entity_id))
    if len(mentions) == total:
        raise DecisionError("a split must leave at least one mention with the entity")
    for item_id in {m.item_id for m in mentions}:
        request_index(session, item_id)  # their pages name the new entity
    new = Entity(kind=source.kind, key=source.key, name=(name or mentions[0].normalized or mentions[0].text)[:500],
                 origin="manual", properties={"split_from": source.id})
    session.add(new)
    session.flush()
    shas = dict(session.execute(select(EvidenceItem.id, EvidenceItem.sha256).where(
        EvidenceItem.id.in_({m.item_id for m in mentions}))).all())
    replaced = 0
    for mention in mentions:
        mention.entity_id, mention.link_confidence = new.id, 1.0
        on_page = (MentionPin.sha256 == shas[mention.item_id], MentionPin.page_number == mention.page_number)
        # an older decision about an overlapping span (one a new model has moved) gives way to this one
        replaced += session.execute(delete(MentionPin).where(
            *on_page, MentionPin.start < mention.end, MentionPin.end > mention.start,
            or_(MentionPin.start != mention.start, MentionPin.end != mention.end))).rowcount
        pin = session.scalar(select(MentionPin).where(
            *on_page, MentionPin.start == mention.start, MentionPin.end == mention.end))
        if pin is None:
            session.add(MentionPin(sha256=shas[mention.item_id], page_number=mention.page_number,
                                   start=mention.start, end=mention.end, entity_id=new.id, actor=actor))
        else:
            pin.entity_id, pin.actor = new.id, actor
    session.add(EntityName(entity_id=new.id, name=new.name, key=name_key(new.name), origin="manual"))
    session.add(EntityDecision(action="split", entity_id=source.id, other_id=new.id, actor=actor,
                               details={"mentions": sorted(m.id for m in mentions), "replaced_pins": replaced}))
    audit.record(session, "entity.split", actor=actor, object_type="entity", object_id=source.id,
                 details={"new": new.id, "mentions": len(mentions)})
    session.flush()
    return new


class UnknownPin(DecisionError):
    """No split decision of that id on an item the actor may see."""


def withdraw(session: Session, pin_id: str, *, actor: str) -> Entity:
    """Withdraw a split decision that no mention carries any more (``lost`` after a reprocessing moved or
    dropped the name), once a person has read the passage again. Answers the entity the decision named.

    A decision some mention still carries is not withdrawn here: the mention would keep its entity until the
    next reprocessing and then change silently. Merging the entities back undoes such a split in the open.
    """
    from archive_schema import audit, xref

    state = xref.pin_state(session, pin_id)
    if state is None:
        raise UnknownPin(f"no split decision {pin_id}")
    if state != "lost":
        raise DecisionError(f"a mention still carries split decision {pin_id} ({state}); to undo the split, "
                            "merge the entities")
    pin = session.get(MentionPin, pin_id)
    span = {"sha256": pin.sha256, "page": pin.page_number, "start": pin.start, "end": pin.end,
            "decided_by": pin.actor, "decided_at": pin.at.isoformat()}
    session.delete(pin)
    session.add(EntityDecision(action="withdraw", entity_id=pin.entity_id, actor=actor, details=span))
    audit.record(session, "entity.withdraw", actor=actor, object_type="entity", object_id=pin.entity_id,
                 details={"pin": pin_id, **span})
    session.flush()
    return session.get(Entity, pin.entity_id)


def rename(session: Session, entity_id: str, name: str, *, actor: str) -> Entity:
    """Set an entity's name by hand; machine resolution never renames it afterwards."""
    from archive_schema import audit

    entity = session.get(Entity, entity_id)
    if entity is None:
        raise DecisionError("unknown entity")
    name = name.strip()
    if not name or len(name) > 500:
        raise DecisionError("a name must have 1 to 500 characters")
    old, entity.name, entity.origin = entity.name, name, "manual"
    _reindex_items_naming(session, entity.id)  # the new name finds their pages
    if name not in {n.name for n in entity.names}:
        session.add(EntityName(entity_id=entity.id, name=name, key=name_key(name), origin="manual"))
    session.add(EntityDecision(action="rename", entity_id=entity.id, actor=actor, details={"from": old, "to": name}))
    audit.record(session, "entity.rename", actor=actor, object_type="entity", object_id=entity.id,
                 details={"from": old, "to": name})
    return entity
