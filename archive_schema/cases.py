"""Case files: cases, exhibits, chronology, persons, qualifications, and the checks shown before an export.

Pure SQL logic: functions take a ``Session`` and never commit (the caller owns the transaction); every change
is recorded in the audit chain. The bundle itself is made by ``ingest.bundle`` (it needs the originals).
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from . import audit, policy
from .search.sync import request_index
from .models import (Case, CaseMember, CasePerson, ChronologyEntry, ChronologyRef, EvidenceItem,
                     Exhibit, LegalQualification, Mention, Page)

FORUMS = ("echr", "icc", "un", "national")
MEMBER_ROLES = ("lead", "lawyer", "investigator", "viewer")
PERSON_ROLES = ("applicant", "victim", "witness", "relative", "representative", "other")
PRECISIONS = ("day", "month", "year", "range")
#: the Court's Resolution of 22 March 2022: competent for Russia's acts "until 16 September 2022" (LEGAL.md §1)
RUSSIA_CUTOFF = dt.date(2022, 9, 16)
#: Protocol 15's four months apply to final decisions dated on or after this day; six months before it
FOUR_MONTHS_FROM = dt.date(2022, 2, 1)
RUSSIA_NAMES = {"ru", "rus", "russia", "russian federation", "россия", "российская федерация", "росія",
           "російська федерація"}
#: the ICC communication's sections, in order (LEGAL.md §3 and checklist 6)
ICC_SECTIONS = (("summary", "Summary"), ("methodology", "Methodology"), ("facts", "Facts"),
                ("contextual_elements", "Contextual elements"), ("crimes", "Crimes and their elements"),
                ("jurisdiction_admissibility", "Jurisdiction and admissibility"), ("requests", "Requests"))


class CaseError(ValueError):
    """A request about a case that cannot be done as asked; the message says why."""


# --- the vocabulary ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def qualifications() -> dict[str, dict[str, Any]]:
    """The provisions a fact can be qualified under, by code (``echr:3``, ``rome:7(1)(e)`` …)."""
    text = resources.files("archive_schema").joinpath("data/legal_qualifications.json").read_text("utf-8")
    return {p["code"]: p for p in json.loads(text)["provisions"]}


# --- visibility -------------------------------------------------------------------------------------------------

def visible_items(session: Session, actor: str) -> Select:
    """The ids of the items ``actor`` may see, as a subquery for ``EvidenceItem.id.in_(...)``.

    Decided by ``archive_schema.policy``: the current actor (``policy.acting_as``: the web request's user, the
    CLI's operator or ``--as`` user) when one is set, ``actor`` naming only the audit label; otherwise the
    active user named ``actor``; anyone else sees nothing.
    """
    return select(EvidenceItem.id).where(policy.item_filter(policy.resolve(session, actor)))


# --- cases, members, persons ------------------------------------------------------------------------------------

def get_case(session: Session, case_id: str) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise CaseError(f"no case {case_id}")
    return case


def create_case(session: Session, *, forum: str, title: str, respondent_state: str = "", reference: str = "",
                exhibit_prefix: str = "", final_domestic_decision: dt.date | None = None,
                sections: dict[str, str] | None = None, actor: str = audit.SYSTEM) -> Case:
    if forum not in FORUMS:
        raise CaseError(f"forum must be one of {', '.join(FORUMS)}, not {forum!r}")
    if not title.strip():
        raise CaseError("a case needs a title")
    if not reference.isascii():
        raise CaseError("the reference is stamped on every page and must be ASCII")
    unknown = set(sections or {}) - {key for key, _ in ICC_SECTIONS}
    if unknown:
        raise CaseError(f"unknown sections: {', '.join(sorted(unknown))}")
    case = Case(forum=forum, title=title.strip(), respondent_state=respondent_state, reference=reference,
                exhibit_prefix=exhibit_prefix, final_domestic_decision=final_domestic_decision,
                sections=dict(sections or {}))
    session.add(case)
    session.flush()
    audit.record(session, "case.create", actor=actor, object_type="case", object_id=case.id,
                 details={"forum": forum, "title": case.title})
    return case


def add_member(session: Session, case_id: str, user: str, role: str, *, actor: str = audit.SYSTEM) -> CaseMember:
    if role not in MEMBER_ROLES:
        raise CaseError(f"member role must be one of {', '.join(MEMBER_ROLES)}")
    member = CaseMember(case_id=get_case(session, case_id).id, user=user, role=role)
    session.add(member)
    session.flush()
    audit.record(session, "case.member.add", actor=actor, object_type="case", object_id=case_id,
                 details={"user": user, "role": role})
    return member


def add_person(session: Session, case_id: str, name: str, role: str, *, anonymous: bool = False,
               pseudonym: str = "", other_names: Iterable[str] = (), entity_id: str | None = None,
               contact: str = "", actor: str = audit.SYSTEM) -> CasePerson:
    if role not in PERSON_ROLES:
        raise CaseError(f"person role must be one of {', '.join(PERSON_ROLES)}")
    if anonymous and not pseudonym.strip():
        raise CaseError("an anonymous person needs a pseudonym")
    person = CasePerson(case_id=get_case(session, case_id).id, name=name, role=role, anonymous=anonymous,
                        pseudonym=pseudonym.strip(), other_names=list(other_names), entity_id=entity_id,
                        contact=contact)
    session.add(person)
    session.flush()
    # the audit chain is exported by no bundle, but it is read widely: keep the real name out of it as well
    audit.record(session, "case.person.add", actor=actor, object_type="case", object_id=case_id,
                 details={"person": person.id, "role": role, "anonymous": anonymous})
    return person


# --- exhibits ---------------------------------------------------------------------------------------------------

def parse_pages(spec: str) -> tuple[int, int]:
    """``"3"`` -> (3, 3); ``"2-5"`` -> (2, 5)."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:[-–]\s*(\d+))?\s*", spec or "")
    if not match:
        raise CaseError(f"pages must look like 3 or 2-5, not {spec!r}")
    start = int(match.group(1))
    end = int(match.group(2) or start)
    if start < 1 or end < start:
        raise CaseError(f"not a page range: {spec!r}")
    return start, end


def _format_number(case: Case, n: int) -> str:
    return f"{case.exhibit_prefix}-{n}" if case.exhibit_prefix else str(n)


def _next_number(session: Session, case: Case) -> str:
    taken = set(session.scalars(select(Exhibit.number).where(Exhibit.case_id == case.id)))
    n = len(taken) + 1
    while _format_number(case, n) in taken:
        n += 1
    return _format_number(case, n)


def add_exhibit(session: Session, case_id: str, item_id: str, *, pages: tuple[int, int] | None = None,
                description: str = "", date: dt.date | None = None, date_precision: str | None = None,
                relevance_note: str = "", actor: str = audit.SYSTEM) -> Exhibit:
    """Add pages of an item (all of them without ``pages``) under the case's next exhibit number.

    The date and description default to the item's document date and title.
    """
    case = get_case(session, case_id)
    item = session.get(EvidenceItem, item_id)
    if item is None:
        raise CaseError(f"no item {item_id}")
    count = item.page_count or 0
    if item.media_type.startswith("image/"):
        count = 1  # an image is one page of the bundle, whatever OCR later finds on it
    if count < 1:
        raise CaseError(f"item {item_id} has no extracted pages ({item.state}): process it first")
    start, end = pages or (1, count)
    if not 1 <= start <= end <= count:
        raise CaseError(f"pages {start}-{end} are outside the item's 1-{count}")
    if date is None and item.doc_date_start is not None:
        date, date_precision = item.doc_date_start, item.doc_date_precision or "day"
    if date_precision is not None and date_precision not in PRECISIONS:
        raise CaseError(f"date precision must be one of {', '.join(PRECISIONS)}")
    position = (session.scalar(select(func.max(Exhibit.position)).where(Exhibit.case_id == case.id)) or 0) + 1
    exhibit = Exhibit(case_id=case.id, item_id=item.id, number=_next_number(session, case), page_start=start,
                      page_end=end, description=description or item.title or item.filename, date=date,
                      date_precision=date_precision if date else None, relevance_note=relevance_note,
                      position=position)
    session.add(exhibit)
    session.flush()
    request_index(session, item.id)  # the case's members now find the item in search
    audit.record(session, "case.exhibit.add", actor=actor, object_type="case", object_id=case.id,
                 details={"exhibit": exhibit.id, "number": exhibit.number, "item": item.id,
                          "sha256": item.sha256, "pages": [start, end]})
    return exhibit


def add_exhibits_from_hits(session: Session, case_id: str, hits: Iterable[tuple[str, Iterable[int]]], *,
                           actor: str = audit.SYSTEM) -> list[Exhibit]:
    """One exhibit per search hit: the item's pages from its first to its last matching page."""
    added = []
    for item_id, page_numbers in hits:
        numbers = sorted(set(page_numbers))
        if not numbers:
            raise CaseError(f"hit on item {item_id} names no pages")
        added.append(add_exhibit(session, case_id, item_id, pages=(numbers[0], numbers[-1]), actor=actor))
    return added


def ordered_exhibits(case: Case, forum: str) -> list[Exhibit]:
    """The exhibits in bundle order: ECHR by date (undated last, as the list is chronological), else by position."""
    if forum == "echr":
        return sorted(case.exhibits, key=lambda e: (e.date is None, e.date or dt.date.min, e.position))
    return sorted(case.exhibits, key=lambda e: e.position)


def number_exhibits(session: Session, case_id: str, *, forum: str | None = None,
                    actor: str = audit.SYSTEM) -> dict[str, str]:
    """Renumber every exhibit 1..n in bundle order (an explicit act before filing; nothing else renumbers).

    Returns {exhibit id: new number}; the audit event keeps the old numbers.
    """
    case = get_case(session, case_id)
    exhibits = ordered_exhibits(case, forum or case.forum)
    old = {e.id: e.number for e in exhibits}
    for n, e in enumerate(exhibits):  # two steps, so no moment has two exhibits under one number
        e.number = f"~{n}"  # (ids made in one millisecond share their first 19 characters)
    session.flush()
    new = {}
    for n, e in enumerate(exhibits, start=1):
        e.number = new[e.id] = _format_number(case, n)
        e.position = n
    session.flush()
    audit.record(session, "case.exhibit.renumber", actor=actor, object_type="case", object_id=case.id,
                 details={"numbers": {i: [old[i], new[i]] for i in new}})
    return new


def mark_reviewed(session: Session, exhibit_id: str, *, actor: str = audit.SYSTEM) -> Exhibit:
    exhibit = session.get(Exhibit, exhibit_id)
    if exhibit is None:
        raise CaseError(f"no exhibit {exhibit_id}")
    exhibit.reviewed = True
    audit.record(session, "case.exhibit.review", actor=actor, object_type="case", object_id=exhibit.case_id,
                 details={"exhibit": exhibit.id, "number": exhibit.number})
    return exhibit


def edit_exhibit(session: Session, exhibit_id: str, *, description: str, pages: tuple[int, int],
                 date: dt.date | None, actor: str = audit.SYSTEM) -> Exhibit:
    """Change an exhibit's description, page range and date. Its number stays; it needs a new review."""
    exhibit = session.get(Exhibit, exhibit_id)
    if exhibit is None:
        raise CaseError(f"no exhibit {exhibit_id}")
    item = exhibit.item
    count = 1 if item.media_type.startswith("image/") else (item.page_count or 0)
    if not 1 <= pages[0] <= pages[1] <= count:
        raise CaseError(f"pages {pages[0]}-{pages[1]} are outside the document's 1-{count}")
    before = {"description": exhibit.description, "pages": [exhibit.page_start, exhibit.page_end],
              "date": exhibit.date.isoformat() if exhibit.date else None}
    exhibit.description, (exhibit.page_start, exhibit.page_end) = description, pages
    if date != exhibit.date:
        exhibit.date, exhibit.date_precision = date, "day" if date else None
    exhibit.reviewed = False  # changed pages need a new look before filing
    audit.record(session, "case.exhibit.edit", actor=actor, object_type="case", object_id=exhibit.case_id,
                 details={"exhibit": exhibit.id, "number": exhibit.number, "before": before,
                          "pages": list(pages), "date": date.isoformat() if date else None})
    return exhibit


def move_exhibit(session: Session, exhibit_id: str, step: int, *, actor: str = audit.SYSTEM) -> Exhibit:
    """Move an exhibit ``step`` places in the case's order (positions swap; numbers never change)."""
    exhibit = session.get(Exhibit, exhibit_id)
    if exhibit is None:
        raise CaseError(f"no exhibit {exhibit_id}")
    ordered = sorted(exhibit.case.exhibits, key=lambda e: (e.position, e.created_at))
    at = ordered.index(exhibit)
    if not 0 <= at + step < len(ordered):
        return exhibit
    ordered[at], ordered[at + step] = ordered[at + step], ordered[at]
    for position, e in enumerate(ordered, start=1):
        e.position = position
    audit.record(session, "case.exhibit.move", actor=actor, object_type="case", object_id=exhibit.case_id,
                 details={"exhibit": exhibit.id, "number": exhibit.number, "position": at + step + 1})
    return exhibit


# --- chronology and qualifications ------------------------------------------------------------------------------

def add_chronology_entry(session: Session, case_id: str, date: dt.date, text: str, *, precision: str = "day",
                         date_end: dt.date | None = None, refs: Iterable[tuple[str, int | None, int | None]] = (),
                         actor: str = audit.SYSTEM) -> ChronologyEntry:
    """A dated fact; ``refs`` are (exhibit id, first page, last page) with pages numbered as in the item."""
    case = get_case(session, case_id)
    if precision not in PRECISIONS:
        raise CaseError(f"date precision must be one of {', '.join(PRECISIONS)}")
    entry = ChronologyEntry(case_id=case.id, date_start=date, date_end=date_end, precision=precision, text=text)
    for exhibit_id, start, end in refs:
        exhibit = session.get(Exhibit, exhibit_id)
        if exhibit is None or exhibit.case_id != case.id:
            raise CaseError(f"exhibit {exhibit_id} is not in this case")
        entry.refs.append(ChronologyRef(exhibit_id=exhibit_id, page_start=start, page_end=end))
    session.add(entry)
    session.flush()
    audit.record(session, "case.chronology.add", actor=actor, object_type="case", object_id=case.id,
                 details={"entry": entry.id, "date": date.isoformat()})
    return entry


@dataclass
class Suggestion:
    """A date found in an exhibit's pages, offered as a chronology entry."""
    date: str  # ISO, as normalised: 2022-03-14, 2022-03, 2022
    precision: str
    text: str  # the words around the date
    refs: list[tuple[str, str, int]] = field(default_factory=list)  # (exhibit id, exhibit number, page)


def suggest_chronology(session: Session, case_id: str, *, context: int = 90) -> list[Suggestion]:
    """Chronology suggestions from the DATE mentions on the exhibits' pages, one per date, oldest first."""
    case = get_case(session, case_id)
    known = {e.date_start.isoformat() for e in case.chronology}
    found: dict[str, Suggestion] = {}
    for exhibit in case.exhibits:
        rows = session.execute(
            select(Mention.normalized, Mention.page_number, Mention.start, Mention.end, Page.text)
            .join(Page, Page.id == Mention.page_id)
            .where(Mention.item_id == exhibit.item_id, Mention.label == "DATE", Mention.normalized.is_not(None),
                   Mention.page_number.between(exhibit.page_start, exhibit.page_end))
            .order_by(Mention.page_number, Mention.start))
        for iso, page, start, end, text in rows:
            if not re.fullmatch(r"\d{4}(-\d{2}){0,2}", iso) or iso in known:
                continue
            suggestion = found.get(iso)
            if suggestion is None:
                snippet = " ".join(text[max(0, start - context):end + context].split())
                precision = {4: "year", 7: "month"}.get(len(iso), "day")
                suggestion = found[iso] = Suggestion(iso, precision, snippet)
            suggestion.refs.append((exhibit.id, exhibit.number, page))
    return sorted(found.values(), key=lambda s: s.date)


def add_qualification(session: Session, case_id: str, code: str, *, entry_id: str | None = None, fact: str = "",
                      note: str = "", actor: str = audit.SYSTEM) -> LegalQualification:
    case = get_case(session, case_id)
    if code not in qualifications():
        raise CaseError(f"unknown provision {code!r} (see archive_schema/data/legal_qualifications.json)")
    if entry_id is None and not fact.strip():
        raise CaseError("a qualification needs a chronology entry or a stated fact")
    qualification = LegalQualification(case_id=case.id, code=code, entry_id=entry_id, fact=fact, note=note)
    session.add(qualification)
    session.flush()
    audit.record(session, "case.qualification.add", actor=actor, object_type="case", object_id=case.id,
                 details={"qualification": qualification.id, "code": code})
    return qualification
