"""The domain model: SQL is the system of record. Everything else (index, caches) is derived."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (JSON, BigInteger, Date, DateTime, Float, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .ids import new_id
from .keys import EncryptedText
from .vocab import DEFAULT_CLASSIFICATION, ItemState, StageState


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


class Collection(Base):
    """A named group of items as an archive receives them (a donor, a project, a batch)."""
    __tablename__ = "collection"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EvidenceItem(Base):
    """One original, identified by the SHA-256 of the exact bytes received.

    The same bytes received twice are one item (and one blob) with two receipt events in the audit chain.
    """
    __tablename__ = "evidence_item"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(1024))
    media_type: Mapped[str] = mapped_column(String(200), default="application/octet-stream")
    size: Mapped[int] = mapped_column(BigInteger)
    page_count: Mapped[int | None] = mapped_column(Integer)
    languages: Mapped[list[str]] = mapped_column(default=list)
    doc_type: Mapped[str] = mapped_column(String(40), default="other")
    title: Mapped[str] = mapped_column(String(1000), default="")
    doc_date_start: Mapped[dt.date | None] = mapped_column(Date)
    doc_date_end: Mapped[dt.date | None] = mapped_column(Date)
    doc_date_precision: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(1000), default="")
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    collection_id: Mapped[str | None] = mapped_column(ForeignKey("collection.id"))
    classification: Mapped[str] = mapped_column(String(20), default=DEFAULT_CLASSIFICATION.value)
    consent_ref: Mapped[str] = mapped_column(String(200), default="")
    flags: Mapped[dict[str, Any]] = mapped_column(default=dict)
    redaction_state: Mapped[str] = mapped_column(String(20), default="none")
    derived_from_id: Mapped[str | None] = mapped_column(ForeignKey("evidence_item.id"))
    #: what extraction learnt about the file (encoding, PDF producer, e-mail headers …)
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(20), default=ItemState.received.value)
    error: Mapped[str | None] = mapped_column(Text)

    collection: Mapped[Collection | None] = relationship()
    pages: Mapped[list["Page"]] = relationship(back_populates="item", order_by="Page.number",
                                               cascade="all, delete-orphan")
    stage_runs: Mapped[list["StageRun"]] = relationship(back_populates="item", cascade="all, delete-orphan")

    __table_args__ = (Index("ix_item_state", "state"), Index("ix_item_collection", "collection_id"),
                      Index("ix_item_doc_type", "doc_type"))


class ItemLink(Base):
    """A relation between two items: an e-mail and its attachment, a ZIP and a member."""
    __tablename__ = "item_link"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    parent_id: Mapped[str] = mapped_column(ForeignKey("evidence_item.id"))
    child_id: Mapped[str] = mapped_column(ForeignKey("evidence_item.id"))
    relation: Mapped[str] = mapped_column(String(40))  # attachment, member
    name: Mapped[str] = mapped_column(String(1024), default="")  # the child's name inside the parent
    __table_args__ = (UniqueConstraint("parent_id", "child_id", "relation", name="uq_item_link"),)


class Page(Base):
    __tablename__ = "page"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(ForeignKey("evidence_item.id", ondelete="CASCADE"))
    number: Mapped[int]  # 1-based, as in the file, so citations match the paper
    text: Mapped[str] = mapped_column(EncryptedText, default="")  # encrypted at rest (archive_schema.keys)
    ocr_confidence: Mapped[float | None] = mapped_column(Float)
    item: Mapped[EvidenceItem] = relationship(back_populates="pages")
    __table_args__ = (UniqueConstraint("item_id", "number", name="uq_page_item_number"),)


class StageRun(Base):
    """One pipeline stage for one original. Keyed by (sha256, stage, version): a rerun is a no-op."""
    __tablename__ = "stage_run"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(ForeignKey("evidence_item.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default=StageState.pending.value)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    item: Mapped[EvidenceItem] = relationship(back_populates="stage_runs")
    __table_args__ = (UniqueConstraint("sha256", "stage", "version", name="uq_stage_run"),
                      Index("ix_stage_run_state", "state"))


class Outbox(Base):
    """Work promised in the same transaction as the data it is about; delivered after commit.

    A crash between the commit and the delivery loses nothing: undelivered rows are delivered on restart.
    """
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    topic: Mapped[str] = mapped_column(String(40))  # "stage", "index"
    key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("ix_outbox_pending", "topic", "delivered_at"),)


class AuditEvent(Base):
    """Append-only, hash-chained custody and audit log. See ``archive_schema.audit``."""
    __tablename__ = "audit_event"
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    at: Mapped[str] = mapped_column(String(40))  # ISO 8601 UTC, hashed as stored
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(200), default="")
    outcome: Mapped[str] = mapped_column(String(20), default="ok")
    details: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON, hashed as stored
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (Index("ix_audit_object", "object_type", "object_id"), Index("ix_audit_action", "action"))


#: the property of a person entity that holds "masc" or "femn" when the name it was made for told its gender
#: ("" when it told none): a brother and a sister may share a name key, never a gender
PERSON_GENDER = "gender"


class Entity(Base):
    """A resolved person, place, facility or organisation.

    Machine resolution creates entities and adds names; people decide merges, splits and names, and their
    decisions win: a merged entity points at the one it was merged into (``merged_into_id``), a mention moved by
    hand is pinned (``MentionPin``), and a name set by hand (``origin == "manual"``) is never renamed.
    """
    __tablename__ = "entity"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20))  # person, place, facility, org
    name: Mapped[str] = mapped_column(String(500))
    key: Mapped[str] = mapped_column(String(500))  # what resolution matches on (script- and case-independent)
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    origin: Mapped[str] = mapped_column(String(20), default="machine")
    merged_into_id: Mapped[str | None] = mapped_column(ForeignKey("entity.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    names: Mapped[list["EntityName"]] = relationship(back_populates="entity", cascade="all, delete-orphan")
    __table_args__ = (Index("ix_entity_kind_key", "kind", "key"),)


class EntityName(Base):
    """Every spelling an entity was seen under (or given by hand): the aliases search and people use."""
    __tablename__ = "entity_name"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    entity_id: Mapped[str] = mapped_column(ForeignKey("entity.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(500))
    key: Mapped[str] = mapped_column(String(500))
    origin: Mapped[str] = mapped_column(String(20), default="machine")
    entity: Mapped[Entity] = relationship(back_populates="names")
    __table_args__ = (UniqueConstraint("entity_id", "name", name="uq_entity_name"), Index("ix_entity_name_key", "key"))


class Mention(Base):
    """A span of a page's text naming a person, place, facility, date or organisation."""
    __tablename__ = "mention"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(ForeignKey("evidence_item.id", ondelete="CASCADE"))
    page_id: Mapped[str] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"))
    page_number: Mapped[int]
    start: Mapped[int]
    end: Mapped[int]
    label: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(1000))
    normalized: Mapped[str | None] = mapped_column(String(1000))
    source: Mapped[str] = mapped_column(String(200))
    confidence: Mapped[float] = mapped_column(Float)
    entity_id: Mapped[str | None] = mapped_column(ForeignKey("entity.id"))
    #: how sure the link to the entity is (1.0 for a pinned or fully matching name)
    link_confidence: Mapped[float | None] = mapped_column(Float)
    __table_args__ = (Index("ix_mention_item", "item_id"), Index("ix_mention_entity", "entity_id"),
                      Index("ix_mention_page", "page_id"), Index("ix_mention_label_norm", "label", "normalized"))


class MentionPin(Base):
    """A person's decision that the mention at this place in this original is this entity.

    Keyed by the original's sha256 and the span, so it survives reprocessing (which recreates mentions).
    """
    __tablename__ = "mention_pin"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    sha256: Mapped[str] = mapped_column(String(64))
    page_number: Mapped[int]
    start: Mapped[int]
    end: Mapped[int]
    entity_id: Mapped[str] = mapped_column(ForeignKey("entity.id"))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    __table_args__ = (UniqueConstraint("sha256", "page_number", "start", "end", name="uq_mention_pin"),)


class EntityDecision(Base):
    """History of what people decided about entities: merge, split, rename."""
    __tablename__ = "entity_decision"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    action: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(ForeignKey("entity.id"))
    other_id: Mapped[str | None] = mapped_column(ForeignKey("entity.id"))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    __table_args__ = (Index("ix_entity_decision_entity", "entity_id"),)


# --- case files -------------------------------------------------------------------------------------------------

class Case(Base):
    """A filing a lawyer builds from the evidence: an ECHR application, an ICC Article 15 communication …

    ``sections`` holds the drafted texts of the filing (ICC: summary, methodology, facts, contextual elements,
    jurisdiction and admissibility, requests); the exporter heads empty ones with a placeholder. Applicants are
    not a column: they are the case's persons with the role ``applicant`` (``Case.applicants``), so an anonymous
    applicant carries one pseudonym everywhere.
    """
    __tablename__ = "legal_case"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    forum: Mapped[str] = mapped_column(String(20))  # echr, icc, un, national
    title: Mapped[str] = mapped_column(String(1000))
    #: the short reference stamped on every bundle page (the lawyer's file number), ASCII
    reference: Mapped[str] = mapped_column(String(60), default="")
    respondent_state: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    #: the date of the final domestic decision, when there was one: starts the ECHR time limit (Art. 35 §1)
    final_domestic_decision: Mapped[dt.date | None] = mapped_column(Date)
    #: exhibit numbers are ``prefix + n`` ("A-1") or just ``n`` when empty
    exhibit_prefix: Mapped[str] = mapped_column(String(10), default="")
    sections: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    members: Mapped[list["CaseMember"]] = relationship(back_populates="case", cascade="all, delete-orphan")
    exhibits: Mapped[list["Exhibit"]] = relationship(back_populates="case", order_by="Exhibit.position",
                                                     cascade="all, delete-orphan")
    persons: Mapped[list["CasePerson"]] = relationship(back_populates="case", cascade="all, delete-orphan")
    chronology: Mapped[list["ChronologyEntry"]] = relationship(
        back_populates="case", order_by="(ChronologyEntry.date_start, ChronologyEntry.position)",
        cascade="all, delete-orphan")
    qualifications: Mapped[list["LegalQualification"]] = relationship(back_populates="case",
                                                                      cascade="all, delete-orphan")

    @property
    def applicants(self) -> list["CasePerson"]:
        return [p for p in self.persons if p.role == "applicant"]


class CaseMember(Base):
    """Who works on a case, and as what. Stored now; enforced by the access-control issue."""
    __tablename__ = "case_member"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("legal_case.id", ondelete="CASCADE"))
    user: Mapped[str] = mapped_column(String(200))  # the login name or user id
    role: Mapped[str] = mapped_column(String(20))  # lead, lawyer, investigator, viewer
    case: Mapped[Case] = relationship(back_populates="members")
    __table_args__ = (UniqueConstraint("case_id", "user", name="uq_case_member"),)


class Exhibit(Base):
    """A range of pages of one item, put before the court under a number that stays with it.

    ``number`` is per case and stable: adding, removing or reordering exhibits never changes another's number;
    only an explicit renumbering does (``archive_schema.cases.number_exhibits``). ``position`` orders the
    exhibits where the forum does not (ECHR bundles are ordered by date). ``relevance_note`` is internal and
    never exported.
    """
    __tablename__ = "exhibit"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("legal_case.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(ForeignKey("evidence_item.id"))
    number: Mapped[str] = mapped_column(String(20))
    page_start: Mapped[int] = mapped_column(Integer)
    page_end: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[dt.date | None] = mapped_column(Date)
    date_precision: Mapped[str | None] = mapped_column(String(10))
    relevance_note: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    reviewed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    case: Mapped[Case] = relationship(back_populates="exhibits")
    item: Mapped[EvidenceItem] = relationship()
    __table_args__ = (UniqueConstraint("case_id", "number", name="uq_exhibit_number"),
                      Index("ix_exhibit_case", "case_id"))


class ChronologyEntry(Base):
    """One dated fact of the case, with the exhibit pages that prove it."""
    __tablename__ = "chronology_entry"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("legal_case.id", ondelete="CASCADE"))
    date_start: Mapped[dt.date] = mapped_column(Date)
    date_end: Mapped[dt.date | None] = mapped_column(Date)
    precision: Mapped[str] = mapped_column(String(10), default="day")
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)  # among entries of the same date
    case: Mapped[Case] = relationship(back_populates="chronology")
    refs: Mapped[list["ChronologyRef"]] = relationship(back_populates="entry", cascade="all, delete-orphan")
    __table_args__ = (Index("ix_chronology_case", "case_id"),)


class ChronologyRef(Base):
    """Pages of an exhibit (numbered as in the item) supporting a chronology entry."""
    __tablename__ = "chronology_ref"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    entry_id: Mapped[str] = mapped_column(ForeignKey("chronology_entry.id", ondelete="CASCADE"))
    exhibit_id: Mapped[str] = mapped_column(ForeignKey("exhibit.id", ondelete="CASCADE"))
    page_start: Mapped[int | None] = mapped_column(Integer)
    page_end: Mapped[int | None] = mapped_column(Integer)
    entry: Mapped[ChronologyEntry] = relationship(back_populates="refs")
    exhibit: Mapped[Exhibit] = relationship()


class CasePerson(Base):
    """A person in a case with a role; an anonymous one appears only by pseudonym in anything exported.

    ``name`` and ``other_names`` (spellings in other scripts) are what the exporter must never let out for an
    anonymous person; ``contact`` (of relatives, say) is never exported at all.
    """
    __tablename__ = "case_person"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("legal_case.id", ondelete="CASCADE"))
    entity_id: Mapped[str | None] = mapped_column(ForeignKey("entity.id"))
    name: Mapped[str] = mapped_column(String(500))
    other_names: Mapped[list[str]] = mapped_column(default=list)
    role: Mapped[str] = mapped_column(String(20))  # applicant, victim, witness, relative, representative
    anonymous: Mapped[bool] = mapped_column(default=False)
    pseudonym: Mapped[str] = mapped_column(String(100), default="")
    contact: Mapped[str] = mapped_column(EncryptedText, default="")  # encrypted at rest
    case: Mapped[Case] = relationship(back_populates="persons")
    __table_args__ = (Index("ix_case_person_case", "case_id"),)

    @property
    def public_name(self) -> str:
        """The only name of this person an export may carry."""
        return self.pseudonym if self.anonymous else self.name


class LegalQualification(Base):
    """A fact (a chronology entry, or stated here) qualified under one provision of the vocabulary
    ``archive_schema/data/legal_qualifications.json`` (``code`` such as ``echr:3`` or ``rome:7(1)(e)``)."""
    __tablename__ = "legal_qualification"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("legal_case.id", ondelete="CASCADE"))
    entry_id: Mapped[str | None] = mapped_column(ForeignKey("chronology_entry.id", ondelete="SET NULL"))
    fact: Mapped[str] = mapped_column(Text, default="")
    code: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")  # the argument, for the filing
    case: Mapped[Case] = relationship(back_populates="qualifications")
    entry: Mapped[ChronologyEntry | None] = relationship()


from . import accounts  # noqa: E402,F401  (users and tokens: registered on Base.metadata)
from . import inquiries  # noqa: E402,F401  (data keys, family inquiries, person registry)
