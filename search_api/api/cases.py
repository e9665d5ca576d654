"""Cases: build an ECHR application or ICC communication from the evidence, and export its bundle.

The views are thin: each parses its input with a pydantic model, checks access (``_case``: a case the actor
may not read answers 404, as one that does not exist; one they may read but not change answers 403), calls
``archive_schema.cases`` / ``ingest`` in one transaction, and answers the case's new state.

``POST /cases/<id>/export`` is synchronous: it builds the bundle and streams the ZIP in the answer (a 1,000-page
bundle takes seconds; see ``bench/bundle.py``). When a warning blocks the export (an exhibit naming an anonymous
person) the answer is 409 with the warnings. Anonymous persons' real names are shown to those who may read the
case (they need them to redact); only exports are stripped of them.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tempfile
from pathlib import Path
from typing import Any, Literal

from flask import Blueprint, send_file, url_for
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from werkzeug.exceptions import BadRequest, Conflict, NotFound

from archive_schema import cases as records
from archive_schema import policy
from archive_schema.models import Case
from ingest import pipeline
from ingest.bundle import ExportError, export_bundle
from ingest.cases import case_warnings
from ingest.redact import Box, redact_exhibit

from ..auth import check, requires
from ..openapi import BINARY, operation
from .access import current_actor, current_user
from .common import Body, find_item, json_body, parse_query
from .context import get_session, pipeline_context
from .schemas import Query

bp = Blueprint("cases", __name__)
CASE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
Forum = Literal["echr", "icc", "un", "national"]
BundleForum = Literal["echr", "icc"]
Precision = Literal["day", "month", "year", "range"]


# --- what the views take ----------------------------------------------------------------------------------------

class CaseIn(Body):
    forum: Forum
    title: str = Field(min_length=1, max_length=1000)
    respondent_state: str = Field("", max_length=200)
    reference: str = Field("", max_length=60, description="ASCII; stamped on every bundle page")
    exhibit_prefix: str = Field("", max_length=8, description="exhibit numbers become PREFIX-n")
    final_domestic_decision: dt.date | None = Field(None, description="starts the ECHR time limit")
    sections: dict[str, str] = Field(default_factory=dict, description="ICC sections by key (summary, methodology, "
                                     "facts, contextual_elements, crimes, jurisdiction_admissibility, requests)")


class MemberIn(Body):
    user: str = Field(min_length=1, max_length=200)
    role: Literal["lead", "lawyer", "investigator", "viewer"]


class PersonIn(Body):
    name: str = Field(min_length=1, max_length=500)
    role: Literal["applicant", "victim", "witness", "relative", "representative", "other"]
    anonymous: bool = False
    pseudonym: str = Field("", max_length=100)
    other_names: list[str] = Field(default_factory=list, max_length=50,
                                   description="the name in other scripts and spellings")
    contact: str = Field("", max_length=2000, description="never exported")


class ExhibitIn(Body):
    item_id: str = Field(min_length=1, max_length=64)
    pages: str | None = Field(None, max_length=20, description="3 or 2-5; all pages when absent")
    description: str = Field("", max_length=5000)
    date: dt.date | None = None
    date_precision: Precision | None = None
    relevance_note: str = Field("", max_length=5000, description="internal, never exported")


class HitIn(Body):
    item_id: str = Field(min_length=1, max_length=64)
    pages: list[int] = Field(min_length=1, max_length=10_000, description="the matching pages")

    @field_validator("pages")
    @classmethod
    def _positive(cls, pages: list[int]) -> list[int]:
        if any(p < 1 for p in pages):
            raise ValueError("page numbers start at 1")
        return pages


class HitsIn(Body):
    hits: list[HitIn] = Field(min_length=1, max_length=500)


class RenumberIn(Body):
    forum: BundleForum | None = Field(None, description="the bundle order to number in; the case's by default")


class RefIn(Body):
    exhibit_id: str = Field(min_length=1, max_length=64)
    page_start: int | None = Field(None, ge=1)
    page_end: int | None = Field(None, ge=1)


class ChronologyIn(Body):
    date: dt.date
    date_end: dt.date | None = None
    precision: Precision = "day"
    text: str = Field(min_length=1, max_length=10_000)
    refs: list[RefIn] = Field(default_factory=list, max_length=200)


class QualificationIn(Body):
    code: str = Field(min_length=1, max_length=40, description="from GET /qualifications, e.g. echr:3")
    entry_id: str | None = Field(None, max_length=64)
    fact: str = Field("", max_length=10_000)
    note: str = Field("", max_length=10_000)


class BoxIn(Body):
    page: int = Field(ge=1)
    x0: float
    y0: float
    x1: float
    y1: float


class RedactIn(Body):
    auto: bool = Field(False, description="box every occurrence of the anonymous persons' names")
    boxes: list[BoxIn] = Field(default_factory=list, max_length=10_000,
                               description="in PDF points, origin at the bottom left of the page")


class ForumQuery(Query):
    forum: BundleForum | None = Field(None, description="the case's own forum by default")


class ExportQuery(Query):
    forum: BundleForum


# --- what they answer -------------------------------------------------------------------------------------------

class MemberOut(BaseModel):
    user: str
    role: str


class PersonOut(BaseModel):
    id: str
    name: str
    role: str
    anonymous: bool
    pseudonym: str
    other_names: list[str]
    contact: str


class ExhibitOut(BaseModel):
    id: str
    number: str
    item_id: str
    pages: tuple[int, int]
    description: str
    date: dt.date | None
    date_precision: str | None
    relevance_note: str
    reviewed: bool


class RefOut(BaseModel):
    exhibit_id: str
    page_start: int | None
    page_end: int | None


class ChronologyOut(BaseModel):
    id: str
    date: dt.date
    date_end: dt.date | None
    precision: str
    text: str
    refs: list[RefOut]


class QualificationOut(BaseModel):
    id: str
    code: str
    entry_id: str | None
    fact: str
    note: str


class CaseSummaryOut(BaseModel):
    id: str
    forum: str
    title: str
    reference: str
    respondent_state: str
    status: str
    exhibits: int


class CaseListOut(BaseModel):
    cases: list[CaseSummaryOut]


class CaseOut(CaseSummaryOut):
    exhibit_prefix: str
    final_domestic_decision: dt.date | None
    sections: dict[str, Any]
    members: list[MemberOut]
    persons: list[PersonOut]
    exhibit_list: list[ExhibitOut] = Field(description="in the bundle order of the case's forum")
    chronology: list[ChronologyOut]
    qualifications: list[QualificationOut]


class ExhibitListOut(BaseModel):
    exhibits: list[ExhibitOut]


class RenumberOut(BaseModel):
    numbers: dict[str, str] = Field(description="exhibit id -> new number")


class SuggestionOut(BaseModel):
    date: str
    precision: str
    text: str
    refs: list[tuple[str, str, int]] = Field(description="(exhibit id, exhibit number, page)")


class SuggestionsOut(BaseModel):
    suggestions: list[SuggestionOut]


class ProvisionOut(BaseModel):
    code: str
    instrument: str
    article: str
    label: str
    forums: list[str]
    elements: str = ""
    common_elements: str = ""
    source: str = ""


class QualificationsOut(BaseModel):
    provisions: list[ProvisionOut]


class WarningOut(BaseModel):
    code: str
    message: str
    exhibit: str | None
    blocking: bool


class WarningsOut(BaseModel):
    forum: str
    warnings: list[WarningOut]


class RedactionOut(BaseModel):
    exhibit: ExhibitOut
    item_id: str
    sha256: str
    original_id: str
    original_sha256: str
    boxes: int


# --- helpers ------------------------------------------------------------------------------------------------

def _case(session, case_id: str, action: str) -> Case:
    """The case, if the actor may read it (else 404, as for a case that does not exist) and do ``action``."""
    case = session.get(Case, case_id) if CASE_ID.match(case_id) else None
    if case is None or not policy.can(current_user(), policy.CASE_READ, case):
        raise NotFound(f"No case with id {case_id}.")
    check(action, case)
    return case


def _write(case_id: str, action: str, change) -> Any:
    """Run ``change(session, case)`` in one transaction; a refused change is a 400 saying why."""
    ctx = pipeline_context()
    with ctx.db.sessions.begin() as session:
        case = _case(session, case_id, action)
        try:
            result = change(session, case)
        except records.CaseError as exc:
            raise BadRequest(str(exc)) from None
    pipeline.index_pending(ctx)  # exhibits change who finds an item in search
    return result


def _exhibit_out(e) -> ExhibitOut:
    return ExhibitOut(id=e.id, number=e.number, item_id=e.item_id, pages=(e.page_start, e.page_end),
                      description=e.description, date=e.date, date_precision=e.date_precision,
                      relevance_note=e.relevance_note, reviewed=e.reviewed)


def _case_out(case: Case) -> dict:
    return CaseOut(
        id=case.id, forum=case.forum, title=case.title, reference=case.reference,
        respondent_state=case.respondent_state, status=case.status, exhibits=len(case.exhibits),
        exhibit_prefix=case.exhibit_prefix, final_domestic_decision=case.final_domestic_decision,
        sections=dict(case.sections or {}),
        members=[MemberOut(user=m.user, role=m.role) for m in case.members],
        persons=[PersonOut(id=p.id, name=p.name, role=p.role, anonymous=p.anonymous, pseudonym=p.pseudonym,
                           other_names=list(p.other_names or []), contact=p.contact) for p in case.persons],
        exhibit_list=[_exhibit_out(e) for e in records.ordered_exhibits(case, case.forum)],
        chronology=[ChronologyOut(id=c.id, date=c.date_start, date_end=c.date_end, precision=c.precision,
                                  text=c.text, refs=[RefOut(exhibit_id=r.exhibit_id, page_start=r.page_start,
                                                            page_end=r.page_end) for r in c.refs])
                    for c in case.chronology],
        qualifications=[QualificationOut(id=q.id, code=q.code, entry_id=q.entry_id, fact=q.fact, note=q.note)
                        for q in case.qualifications],
    ).model_dump(mode="json")


def _shown(case_id: str, status: int = 200):
    session = get_session()
    session.rollback()  # end its read transaction: the change was committed by another session
    return _case_out(_case(session, case_id, policy.CASE_READ)), status


def _visible_item(item_id: str) -> str:
    return find_item(get_session(), item_id).id  # 404 for an item the actor may not see


# --- cases ------------------------------------------------------------------------------------------------------

@bp.get("/cases")
@requires(policy.CASE_LIST)
@operation(responses={200: CaseListOut})
def list_cases():
    """The cases the caller may read, newest first."""
    found = get_session().scalars(select(Case).where(policy.case_filter(current_user()))
                                  .order_by(Case.created_at.desc(), Case.id.desc()))
    return CaseListOut(cases=[CaseSummaryOut(id=c.id, forum=c.forum, title=c.title, reference=c.reference,
                                             respondent_state=c.respondent_state, status=c.status,
                                             exhibits=len(c.exhibits)) for c in found]).model_dump(mode="json")


@bp.post("/cases")
@requires(policy.CASE_CREATE)
@operation(body=CaseIn, responses={201: CaseOut}, problems=(400, 401, 403),
           headers={"Location": "the new case"})
def create_case():
    """Create a case (JSON); the creator becomes its lead member."""
    body = json_body(CaseIn)
    actor = current_user()
    with pipeline_context().db.sessions.begin() as session:
        try:
            case = records.create_case(session, actor=actor.name, **body.model_dump())
        except records.CaseError as exc:
            raise BadRequest(str(exc)) from None
        if actor.kind == "user":
            records.add_member(session, case.id, actor.name, "lead", actor=actor.name)
        case_id = case.id
    with pipeline_context().db.reader() as session:  # the caller's memberships were read before the case existed
        return _case_out(records.get_case(session, case_id)), 201, {"Location": url_for(".get_case",
                                                                                        case_id=case_id)}


@bp.get("/cases/<case_id>")
@requires(policy.CASE_READ)
@operation(responses={200: CaseOut}, problems=(404,))
def get_case(case_id: str):
    """One case: members, persons, exhibits in bundle order, chronology, qualifications."""
    return _case_out(_case(get_session(), case_id, policy.CASE_READ))


@bp.post("/cases/<case_id>/members")
@requires(policy.CASE_MEMBERS)
@operation(body=MemberIn, responses={201: CaseOut}, problems=(400, 403, 404, 409))
def add_member(case_id: str):
    """Add a member (JSON ``{"user", "role"}``: lead, lawyer, investigator, viewer)."""
    body = json_body(MemberIn)
    if any(m.user == body.user for m in _case(get_session(), case_id, policy.CASE_MEMBERS).members):
        raise Conflict(f"{body.user} is already a member of this case.")
    _write(case_id, policy.CASE_MEMBERS, lambda s, c: records.add_member(s, c.id, body.user, body.role,
                                                                         actor=current_actor()))
    return _shown(case_id, 201)


@bp.post("/cases/<case_id>/persons")
@requires(policy.CASE_EDIT)
@operation(body=PersonIn, responses={201: CaseOut}, problems=(400, 403, 404))
def add_person(case_id: str):
    """Add a person with a role; an anonymous one needs a pseudonym, the only name any export carries."""
    body = json_body(PersonIn)
    _write(case_id, policy.CASE_EDIT, lambda s, c: records.add_person(s, c.id, actor=current_actor(),
                                                                      **body.model_dump()))
    return _shown(case_id, 201)


# --- exhibits ---------------------------------------------------------------------------------------------------

@bp.post("/cases/<case_id>/exhibits")
@requires(policy.CASE_EDIT)
@operation(body=ExhibitIn, responses={201: ExhibitOut}, problems=(400, 403, 404))
def add_exhibit(case_id: str):
    """Add pages of an item under the case's next exhibit number (JSON)."""
    body = json_body(ExhibitIn)
    _case(get_session(), case_id, policy.CASE_EDIT)
    item_id = _visible_item(body.item_id)

    def add(session, case):
        pages = records.parse_pages(body.pages) if body.pages else None
        return _exhibit_out(records.add_exhibit(
            session, case.id, item_id, pages=pages, description=body.description, date=body.date,
            date_precision=body.date_precision, relevance_note=body.relevance_note, actor=current_actor()))
    return _write(case_id, policy.CASE_EDIT, add).model_dump(mode="json"), 201


@bp.post("/cases/<case_id>/exhibits/from-hits")
@requires(policy.CASE_EDIT)
@operation(body=HitsIn, responses={201: ExhibitListOut}, problems=(400, 403, 404))
def add_exhibits_from_hits(case_id: str):
    """One exhibit per search hit (JSON ``{"hits": [{"item_id", "pages": [3, 5]}]}``): its first to last page."""
    body = json_body(HitsIn)
    _case(get_session(), case_id, policy.CASE_EDIT)
    hits = [(_visible_item(hit.item_id), hit.pages) for hit in body.hits]
    added = _write(case_id, policy.CASE_EDIT, lambda s, c: [_exhibit_out(e) for e in records.add_exhibits_from_hits(
        s, c.id, hits, actor=current_actor())])
    return ExhibitListOut(exhibits=added).model_dump(mode="json"), 201


@bp.post("/cases/<case_id>/renumber")
@requires(policy.CASE_EDIT)
@operation(body=RenumberIn, responses={200: RenumberOut}, problems=(400, 403, 404))
def renumber(case_id: str):
    """Number the exhibits 1..n (PREFIX-n) in the forum's bundle order (JSON ``{"forum": "echr"}``, optional)."""
    body = json_body(RenumberIn)
    numbers = _write(case_id, policy.CASE_EDIT, lambda s, c: records.number_exhibits(s, c.id, forum=body.forum,
                                                                                     actor=current_actor()))
    return RenumberOut(numbers=numbers).model_dump(mode="json")


@bp.post("/cases/<case_id>/exhibits/<exhibit_id>/redact")
@requires(policy.CASE_EDIT)
@operation(body=RedactIn, responses={201: RedactionOut}, problems=(400, 403, 404))
def redact(case_id: str, exhibit_id: str):
    """Make a redacted derivative of the exhibit's item and use it in the exhibit (the original is kept).

    JSON ``{"auto": true}`` boxes every occurrence of the anonymous persons' names; ``boxes`` adds rectangles
    in PDF points. Pages with a box become images with the boxes burnt in.
    """
    body = json_body(RedactIn)
    case = _case(get_session(), case_id, policy.CASE_EDIT)
    if not any(e.id == exhibit_id for e in case.exhibits):
        raise NotFound(f"No exhibit {exhibit_id} in this case.")
    try:
        done = redact_exhibit(pipeline_context(), case_id, exhibit_id, boxes=[Box(**b.model_dump())
                                                                             for b in body.boxes],
                              auto=body.auto, actor=current_actor())
    except records.CaseError as exc:
        raise BadRequest(str(exc)) from None
    session = get_session()
    session.rollback()
    exhibit = next(e for e in _case(session, case_id, policy.CASE_READ).exhibits if e.id == exhibit_id)
    return RedactionOut(exhibit=_exhibit_out(exhibit), item_id=done.item_id, sha256=done.sha256,
                        original_id=done.original_id, original_sha256=done.original_sha256,
                        boxes=len(done.boxes)).model_dump(mode="json"), 201


# --- chronology, qualifications, warnings -----------------------------------------------------------------------

@bp.post("/cases/<case_id>/chronology")
@requires(policy.CASE_EDIT)
@operation(body=ChronologyIn, responses={201: CaseOut}, problems=(400, 403, 404))
def add_chronology_entry(case_id: str):
    """Add a dated fact with the exhibit pages (numbered as in the item) that support it (JSON)."""
    body = json_body(ChronologyIn)
    _write(case_id, policy.CASE_EDIT, lambda s, c: records.add_chronology_entry(
        s, c.id, body.date, body.text, precision=body.precision, date_end=body.date_end,
        refs=[(r.exhibit_id, r.page_start, r.page_end) for r in body.refs], actor=current_actor()))
    return _shown(case_id, 201)


@bp.get("/cases/<case_id>/chronology/suggestions")
@requires(policy.CASE_READ)
@operation(responses={200: SuggestionsOut}, problems=(404,))
def chronology_suggestions(case_id: str):
    """Dates found on the exhibits' pages and not yet in the chronology, oldest first, with their pages."""
    session = get_session()
    _case(session, case_id, policy.CASE_READ)
    found = records.suggest_chronology(session, case_id)
    return SuggestionsOut(suggestions=[SuggestionOut(**dataclasses.asdict(s)) for s in found]).model_dump(mode="json")


@bp.post("/cases/<case_id>/qualifications")
@requires(policy.CASE_EDIT)
@operation(body=QualificationIn, responses={201: CaseOut}, problems=(400, 403, 404))
def add_qualification(case_id: str):
    """Qualify a fact (a chronology entry, or stated) under a provision of the vocabulary (JSON)."""
    body = json_body(QualificationIn)
    _write(case_id, policy.CASE_EDIT, lambda s, c: records.add_qualification(
        s, c.id, body.code, entry_id=body.entry_id, fact=body.fact, note=body.note, actor=current_actor()))
    return _shown(case_id, 201)


@bp.get("/qualifications")
@requires(policy.CASE_LIST)
@operation(responses={200: QualificationsOut})
def list_qualifications():
    """The provisions a fact can be qualified under: ECHR articles, Rome Statute crimes, Geneva Conventions."""
    provisions = [ProvisionOut.model_validate({k: v for k, v in p.items() if k in ProvisionOut.model_fields})
                  for p in records.qualifications().values()]
    return QualificationsOut(provisions=provisions).model_dump(mode="json")


@bp.get("/cases/<case_id>/warnings")
@requires(policy.CASE_READ)
@operation(query=ForumQuery, responses={200: WarningsOut}, problems=(400, 404))
def warnings(case_id: str):
    """What to look at before exporting: jurisdiction, time limit, undated or unreviewed exhibits, names."""
    query = parse_query(ForumQuery)
    session = get_session()
    case = _case(session, case_id, policy.CASE_READ)
    found = case_warnings(session, case_id, query.forum)
    return WarningsOut(forum=query.forum or case.forum,
                       warnings=[WarningOut(**dataclasses.asdict(w)) for w in found]).model_dump(mode="json")


# --- export -----------------------------------------------------------------------------------------------------

@bp.post("/cases/<case_id>/export")
@requires(policy.CASE_EXPORT)
@operation(query=ExportQuery, responses={200: BINARY}, problems=(400, 403, 404, 409),
           headers={"X-Manifest-SHA256": "the manifest's hash, as recorded in the audit chain"})
def export(case_id: str):
    """Build the bundle for ``forum`` (echr or icc) and answer it as a ZIP (synchronously).

    409 when a warning blocks the export (an exhibit naming an anonymous person: redact it first).
    """
    query = parse_query(ExportQuery)
    ctx = pipeline_context()
    case = _case(get_session(), case_id, policy.CASE_EXPORT)
    spool = ctx.settings.home / "spool"
    spool.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=spool, prefix="bundle-", suffix=".zip", delete=False)
    handle.close()
    path = Path(handle.name)
    try:
        result = export_bundle(ctx, case_id, query.forum, path, actor=current_actor())
    except ExportError as exc:
        path.unlink(missing_ok=True)
        raise Conflict(f"Not exported: {exc}") from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", case.reference or case.id).strip("-") or "case"
    response = send_file(path, mimetype="application/zip", as_attachment=True,
                         download_name=f"{name}-{query.forum}-bundle.zip")
    response.headers["X-Manifest-SHA256"] = result.manifest_sha256
    response.call_on_close(lambda: path.unlink(missing_ok=True))
    return response
