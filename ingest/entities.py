"""The NLP stage: mentions per page (from ``nlp``), resolved into entities.

Resolution is deliberately conservative, because a wrong merge puts one person's detention into another's file:

* a pin (a person's decision about this span of this original) always wins, label included; when a new model
  moves the span's boundaries, the pin carries over to the mentions of the same kind that overlap it, and two
  pins that disagree about one mention leave it unlinked rather than guess (``xref.pins`` reports the pins no
  mention carries any more);
* facilities resolve by gazetteer id, places by GeoNames id (or their name key when unknown);
* a person needs at least two name words (given name and surname) to be created or matched:
  ``Коваленка Івана Петровича``, ``Иван Коваленко`` and ``Ivan Kovalenko`` share the key of
  ``{ivan, kovalenko}`` across scripts and cases, while ``Марія Коваленко`` is someone else;
* the gender a name tells, which the key cannot see, tells people apart too: ``Олександр Коваленко`` and
  ``Oleksandra Kovalenko`` are a brother and a sister, never one person (``name_gender``; a name that does not
  tell, such as ``Саша`` or ``Олександра Коваленко``, which may be a man in the genitive, may go with either);
* the patronymic tells people of one name apart: ``Руденко Олександр Іванович`` and ``Руденко Александр
  Сергеевич`` are two people (``Іванович``, ``Иванович`` and ``Ivanovych`` are one patronymic). A name without
  one links to the person of that name named in the same document, else to the only person of that name in the
  archive (confidence ``ONLY_CANDIDATE``); when several are known it goes to an entity of its own, the name
  without a patronymic, for a person to merge;
* a lone surname links to the one person of the same document who carries it, or stays unresolved;
* merged entities forward to the entity they were merged into, so merges survive reprocessing.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.orm import Session

from archive_schema.inquiries import RegistryPerson
from archive_schema.models import (PERSON_GENDER, Entity, EntityDecision, EntityName, EvidenceItem, Mention,
                                   MentionPin, Page, StageRun, utcnow)
from archive_schema.search.analysis import name_key, person_name_key, same_name_key
from archive_schema.search.sync import request_index
from archive_schema.vocab import StageState
from nlp import given_names

import logging

from .pipeline import Context, begin_stage, fail_stage, settle_item_state

log = logging.getLogger(__name__)

KIND_OF_LABEL = {"PERSON": "person", "LOCATION": "place", "FACILITY": "facility", "ORG": "org"}
LABEL_OF_KIND = {kind: label for label, kind in KIND_OF_LABEL.items()}
PAGE_BATCH = 32
_INITIAL = re.compile(r"^\w\.?$")


def _words(name: str) -> list[str]:
    """The words of a personal name without initials."""
    return [w for w in re.split(r"[\s.]+", name) if w and not _INITIAL.match(w)]


def _name_words(name: str, patronymics: bool = False) -> list[str]:
    """The patronymic of a personal name in the nominative (a list of one word, or none), or its other words
    (initials left out).

    A patronymic is formed from a given name (``given_names.is_patronymic``: "Іванович" is, "Ярошевич" is not) and
    follows another word, the given name, not a word that might itself be a patronymic. So a name has at most one:
    "Андрій Іванович Карпович" and "Карпович Андрій Іванович" are Андрій, son of Іван, surname Карпович, though
    Карпович is also made from a given name; "Карпович А. І." is a surname with initials."""
    words = _words(name)
    for i in range(1, len(words)):
        if given_names.is_patronymic(words[i]) and not given_names.is_patronymic(words[i - 1]):
            return [words[i]] if patronymics else words[:i] + words[i + 1:]
    return [] if patronymics else words


def person_key(name: str) -> str:
    """Key of a personal name in the nominative: given name and surname keys, sorted; patronymics and initials
    left out, so word order and the presence of a patronymic do not matter; Микола and Николай one name
    (``person_name_key``). At most 500 characters, the width of ``Entity.key`` and ``RegistryPerson.name_key``,
    so that a key computed again from a stored name equals the stored one."""
    return person_name_key(map(name_key, _name_words(name)))[:500]


def name_gender(name: str) -> str:
    """"masc" or "femn" when a personal name as written can only be a man's or a woman's (``Олександра Іванівна
    Коваленко``, ``Oleksandra Kovalenko``: femn; ``Олександра Коваленко`` may be a man in the genitive: ""). The
    person key drops the vowel that tells ``Олександр`` from ``Олександра``, so resolution asks this too: a brother
    and a sister are two people."""
    return given_names.name_gender(tuple(_words(name)))


def gender_of(entity: Entity) -> str:
    """The gender of a person entity: what the name it was made for told (``GENDER``), else what its name tells;
    "" when neither tells."""
    properties = entity.properties or {}
    return properties[GENDER] if GENDER in properties else name_gender(entity.name)


def contradict(one: str | None, other: str | None) -> bool:
    """Two known patronymic keys, or genders, that differ: two people, whatever else they share."""
    return bool(one and other and one != other)


def patronymic_key(name: str) -> str:
    """Key of the patronymic of a personal name in the nominative, "" when it has none: the same across scripts
    and between Ukrainian and Russian (``Сергійович``, ``Сергеевич``, ``Serhiyovych``; ``Миколайович``,
    ``Николаевич``), different for a daughter (``Сергіївна``)."""
    return " ".join(same_name_key(k) for w in _name_words(name, patronymics=True) for k in name_key(w).split())


#: the entity property that holds the key of a person's patronymic (patronymic_key)
PATRONYMIC_KEY = "patronymic_key"
#: ... and the gender the name it was made for told (name_gender; "" when it told none)
GENDER = PERSON_GENDER
#: link confidence of a pin carried over to a mention whose span a new model moved (an exact span: 1.0)
CARRIED_PIN = 0.9
#: a name without a patronymic linked to the one person of that name (with a patronymic) named in its document
SAME_DOCUMENT = 0.9
#: ... or, when its document names none, to the only person of that name with a patronymic in the archive
ONLY_CANDIDATE = 0.8
#: a lone surname linked to the one person of its document who carries it
LONE_SURNAME = 0.6


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

    def __init__(self, session: Session, sha256: str, item_id: str | None = None):
        self.session, self.sha256, self.item_id = session, sha256, item_id
        self.cache: dict[tuple[str, str], str] = {}
        self.names: set[tuple[str, str]] = set()
        self.pins: dict[int, list[PinSpan]] = {}  # page number -> the pins on that page of this original
        for number, start, end, entity_id, kind in session.execute(
                select(MentionPin.page_number, MentionPin.start, MentionPin.end, MentionPin.entity_id, Entity.kind)
                .join(Entity, Entity.id == MentionPin.entity_id).where(MentionPin.sha256 == sha256)):
            self.pins.setdefault(number, []).append(PinSpan(start, end, entity_id, kind))
        self.people_here: dict[str, set[str]] = {}  # surname key -> person entity ids seen in this document
        self.named_here: dict[str, set[str]] = {}  # person key -> person entity ids linked in this document
        self.people: dict[str, list[Entity]] = {}  # person key -> the machine's person entities of that key

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
        if kind == "person":
            patronymic = patronymic_key(name)
            if " " not in key or not patronymic:
                # a lone surname, or a name that may be one of several people: settled after the document is read
                return Resolution(None, None)
            entity_id = self.person(key, patronymic, name, mention)
            self.seen_here(key, entity_id)
            return Resolution(entity_id, 1.0)
        return Resolution(self.find_or_create(kind, key, name, mention), 1.0)

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

    def settle(self, mentions: Iterable[Mention]) -> None:
        """Once the document is read: link the names without a patronymic (see the module's notes), then the lone
        surnames to the single person of this document who carries that name, if there is one."""
        mentions = [m for m in mentions if m.label == "PERSON" and not m.entity_id]
        lone = []
        for mention in mentions:
            name = _name_of(mention)
            key = person_key(name)
            if " " not in key:
                lone.append((mention, key))
                continue
            mention.entity_id, mention.link_confidence = self.person_without_patronymic(key, name, mention)
            self.seen_here(key, mention.entity_id)
        for mention, key in lone:
            candidates = self.people_here.get(key, set()) if key else set()
            if len(candidates) == 1:
                mention.entity_id, mention.link_confidence = next(iter(candidates)), LONE_SURNAME

    def seen_here(self, key: str, entity_id: str) -> None:
        self.named_here.setdefault(key, set()).add(entity_id)
        for word in key.split():
            self.people_here.setdefault(word, set()).add(entity_id)

    def candidates(self, key: str) -> list[Entity]:
        """The person entities the machine made for this key, oldest first (split-off entities are people's
        decisions: only pins link to them)."""
        if key not in self.people:
            self.people[key] = [entity for entity in self.session.scalars(
                select(Entity).where(Entity.kind == "person", Entity.key == key).order_by(Entity.created_at, Entity.id))
                if "split_from" not in (entity.properties or {})]
        return self.people[key]

    def person(self, key: str, patronymic: str, name: str, mention) -> str:
        """The person of this name and patronymic; the one person of this name known without a patronymic
        learns it; else a new person, and then the names without a patronymic that were guessed to be the one
        other person of this name are no longer a guess anyone can make: they go to the name's own entity."""
        known = self.candidates(key)
        same = [e for e in known if patronymic_of(e) == patronymic]
        if same:
            return self.named(self.forward(same[0].id), "person", name, mention)
        gender = name_gender(mention.text)
        survivors = self.survivors(key, gender)
        if len(survivors) == 1 and not patronymic_of(survivors[0]):
            self.learn_patronymic(survivors[0], patronymic, name, gender)
            return self.named(survivors[0].id, "person", name, mention)
        entity = self.create("person", key, name, mention, {PATRONYMIC_KEY: patronymic, GENDER: gender})
        guessed = [m for m in self.session.scalars(select(Mention).where(
            Mention.entity_id.in_([e.id for e in survivors]), Mention.link_confidence == ONLY_CANDIDATE))
            if not patronymic_key(_name_of(m)) and not contradict(gender, name_gender(m.text))]
        for moved in guessed:
            bucket = self.bucket(key, _name_of(moved), moved)
            if bucket != moved.entity_id:
                moved.entity_id, moved.link_confidence = bucket, 1.0
                self.named(bucket, "person", _name_of(moved), moved)
                if moved.item_id != self.item_id:
                    request_index(self.session, moved.item_id)  # their pages now name another entity
        return self.named(entity.id, "person", name, mention)

    def person_without_patronymic(self, key: str, name: str, mention) -> tuple[str, float]:
        gender = name_gender(mention.text)
        here = _of_gender(map(self.session.get, repeat(Entity), self.named_here.get(key, ())), gender)
        if len(here) == 1:
            sure = 1.0 if not patronymic_of(here[0]) else SAME_DOCUMENT
            return self.named(here[0].id, "person", name, mention), sure
        survivors = self.survivors(key, gender)
        if len(here) < 2 and len(survivors) == 1:
            sure = 1.0 if not patronymic_of(survivors[0]) else ONLY_CANDIDATE
            return self.named(survivors[0].id, "person", name, mention), sure
        return self.named(self.bucket(key, name, mention), "person", name, mention), 1.0

    def survivors(self, key: str, gender: str = "") -> list[Entity]:
        """The people of this name (``_of_gender``): the machine's entities of the key after merges, oldest first."""
        ids = dict.fromkeys(self.forward(e.id) for e in self.candidates(key))
        return _of_gender(map(self.session.get, repeat(Entity), ids), gender)

    def bucket(self, key: str, name: str, mention) -> str:
        """The entity of a name written without a patronymic when that name is several people's (or no one's
        yet): the oldest such entity whose name tells the same gender as this one, or none as this one does not,
        followed where a person merged it, else a new one."""
        gender = name_gender(mention.text)
        bare = next((e for e in self.candidates(key) if not patronymic_of(e) and gender_of(e) == gender), None)
        if bare is None:
            bare = self.create("person", key, name, mention, {GENDER: gender})
        return self.forward(bare.id)

    def learn_patronymic(self, entity: Entity, patronymic: str, name: str, gender: str) -> None:
        """The one person of a name, known so far without a patronymic, is named with one: it is theirs now (and the
        gender, when the name tells it), and the mentions without it that were linked for certain become the guess
        they are now."""
        entity.properties = {**(entity.properties or {}), PATRONYMIC_KEY: patronymic,
                             GENDER: gender or gender_of(entity)}
        if entity.origin == "machine":
            entity.name = display_name("person", name, None)
        exact_pin = (select(MentionPin.id).join(EvidenceItem, EvidenceItem.sha256 == MentionPin.sha256)
                     .where(EvidenceItem.id == Mention.item_id, MentionPin.page_number == Mention.page_number,
                            MentionPin.start == Mention.start, MentionPin.end == Mention.end).exists())
        for mention in self.session.scalars(select(Mention).where(
                Mention.entity_id == entity.id, Mention.link_confidence == 1.0, ~exact_pin)):
            if not patronymic_key(_name_of(mention)):  # (resolved before patronymics counted)
                mention.link_confidence = ONLY_CANDIDATE

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
                found = self.create(kind, key, name, mention,
                                    facility_properties(key) if kind == "facility" else {}).id
            cached = self.cache[(kind, key)] = self.forward(found)
        return self.named(cached, kind, name, mention)

    def create(self, kind: str, key: str, name: str, mention, properties: dict) -> Entity:
        entity = Entity(kind=kind, key=key, name=display_name(kind, name, mention), properties=properties)
        self.session.add(entity)
        self.session.flush()
        if kind == "person":
            self.candidates(key).append(entity)
        return entity

    def named(self, cached: str, kind: str, name: str, mention) -> str:
        """Record the spellings people search for: a person's lemma; a facility's or place's words as written."""
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


def _of_gender(people: Iterable[Entity], gender: str) -> list[Entity]:
    """The people known to be of this gender; when there are none (or the gender is not known), those not known to
    be of the other."""
    known = [(e, gender_of(e)) for e in people]
    return ([e for e, its in known if gender and its == gender]
            or [e for e, its in known if not contradict(gender, its)])


def _name_of(mention: Mention) -> str:
    return (mention.normalized or mention.text).strip()


def patronymic_of(entity: Entity) -> str:
    """The key of the patronymic a person entity was named with, "" when none."""
    return (entity.properties or {}).get(PATRONYMIC_KEY) or ""


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
    """Find mentions on every page of the item and resolve them; replaces the item's earlier mentions.

    The pages are read first, then resolved in one transaction that holds the resolution lock
    (``lock_resolution``): two workers that meet the same new name one after the other make one entity of it."""
    import nlp

    with ctx.db.sessions.begin() as session:
        claimed = begin_stage(session, item_id, "nlp", version, ctx.settings.stages)
        if claimed is None:
            return
        item, run = claimed
        run_id, sha256 = run.id, item.sha256
        hint = item.languages[0] if len(item.languages or []) == 1 and item.languages[0] in nlp.PIPELINES else None
    try:
        languages: dict[str, int] = {}
        found: list[tuple[str, int, list]] = []  # (page id, page number, mentions)
        last = 0
        while True:
            with ctx.db.reader() as session:
                batch = session.execute(select(Page.id, Page.number, Page.text).where(
                    Page.item_id == item_id, Page.number > last).order_by(Page.number).limit(PAGE_BATCH)).all()
            if not batch:
                break
            last = batch[-1].number
            with_text = [row for row in batch if row.text.strip()]  # scans wait for OCR: nothing to read
            for (page_id, number, text), analysis in zip(with_text, nlp.analyse_many(
                    [row.text for row in with_text], lang=hint)):
                languages[analysis.language] = languages.get(analysis.language, 0) + len(text)
                found.append((page_id, number, analysis.mentions))
        with ctx.db.sessions.begin() as session:
            lock_resolution(session)
            session.execute(delete(Mention).where(Mention.item_id == item_id))
            resolver = Resolver(session, sha256, item_id)
            stored: list[Mention] = []
            for page_id, number, mentions in found:
                for mention in mentions:
                    link = resolver.resolve(number, mention)
                    row = Mention(item_id=item_id, page_id=page_id, page_number=number, start=mention.start,
                                  end=mention.end, label=link.label or mention.label, text=mention.text[:1000],
                                  normalized=(mention.normalized or None) and mention.normalized[:1000],
                                  source=mention.source[:200], confidence=mention.confidence,
                                  entity_id=link.entity_id, link_confidence=link.confidence)
                    session.add(row)
                    if row.label == "PERSON" and link.entity_id is None and not link.held:
                        stored.append(row)
            session.flush()
            resolver.settle(stored)
            item = session.get(EvidenceItem, item_id)
            if not item.languages and languages:
                item.languages = sorted(languages, key=languages.get, reverse=True)
            run = session.get(StageRun, run_id)
            run.state, run.finished_at = StageState.done.value, utcnow()
            settle_item_state(session, item, ctx.settings.stages)
    except Exception as exc:  # a bug or a model crash: this item fails, the batch goes on, the log has it
        log.exception("entity extraction for %s failed", item_id)
        fail_stage(ctx, item_id, run_id, f"entity extraction failed ({type(exc).__name__}: {exc})"[:2000])


#: the PostgreSQL advisory lock that resolution takes (any number unlikely to be someone else's)
RESOLUTION_LOCK = 0x5F1D0C


def lock_resolution(session: Session) -> None:
    """Let one transaction at a time look up and create entities, until it ends: without it, two workers that read
    documents naming the same new person would each create that person. SQLite needs nothing: its write
    transactions begin with the write lock (``archive_schema.db``)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": RESOLUTION_LOCK})


def rekey_persons(session: Session) -> int:
    """Recompute the keys of the machine's person entities, and of registry persons, from their names with the
    rules of this version; return how many changed. Reprocessing the nlp stage runs it first, so that a person
    whose key a new rule changes ("Андрій Ярошевич": "Ярошевич" was read as a patronymic) keeps the entity,
    its id and the decisions about it, and new mentions find it. Entities named by hand keep their keys: the
    name a person gave is not the name the machine keyed."""
    lock_resolution(session)
    changed = 0
    for entity in session.scalars(select(Entity).where(Entity.kind == "person", Entity.origin == "machine")):
        key, patronymic = person_key(entity.name), patronymic_key(entity.name)
        if key and (key, patronymic) != (entity.key, patronymic_of(entity)):
            entity.key = key
            if PATRONYMIC_KEY in (entity.properties or {}) or patronymic:
                entity.properties = {**(entity.properties or {}), PATRONYMIC_KEY: patronymic}
            changed += 1
    for row in session.scalars(select(RegistryPerson)):
        key = person_key(row.name)
        if key and key != row.name_key:
            row.name_key = key
            changed += 1
    return changed


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

    lock_resolution(session)  # a resolver must not link to ``other`` while its mentions move
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

    lock_resolution(session)
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

    lock_resolution(session)
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
