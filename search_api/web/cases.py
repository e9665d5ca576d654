"""The case builder: cases, exhibits added from search hits, their order, descriptions and page ranges, the
chronology (with suggestions from the exhibits' dates), warnings, and the export of a bundle to download.

Every change goes through ``archive_schema.cases`` (which records it in the audit chain); the bundle is the case
API's export, answered as the download (it is made in the spool and deleted once sent).
"""
from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from typing import get_args

from werkzeug.exceptions import Conflict, NotFound

from archive_schema import cases as case_records
from archive_schema import policy
from archive_schema.models import Case, EvidenceItem, Exhibit
from ingest.cases import case_warnings
from ingest.pipeline import index_pending

from ..api import cases as cases_api
from ..api.context import get_session, pipeline_context
from ..errors import Invalid
from . import apicall, bp, guard
from .signin import local_path

BUNDLE_FORUMS = get_args(cases_api.BundleForum)


def _case(session, case_id: str, action: str = policy.CASE_READ) -> Case:
    case = session.get(Case, case_id) if len(case_id) <= 64 else None
    if case is None or not guard.can(action, case):
        raise NotFound("There is no such case, or you are not a member of it.")
    return case


def editable_cases(session) -> list[Case]:
    """Cases the signed-in user may add exhibits to (for the search page's "add to case")."""
    found = session.scalars(select(Case).where(policy.case_filter(guard.actor())).order_by(Case.created_at.desc()))
    return [c for c in found if guard.can(policy.CASE_EDIT, c)]


@bp.get("/cases")
@guard.requires(policy.CASE_LIST)
def cases():
    session = get_session()
    found = session.scalars(select(Case).where(policy.case_filter(guard.actor())).order_by(Case.created_at.desc())).all()
    return render_template("cases/list.html", active="cases", cases=found, forums=case_records.FORUMS)


@bp.post("/cases")
@guard.requires(policy.CASE_CREATE)
def case_create():
    form = request.form
    actor = guard.actor().name
    try:
        with pipeline_context().db.sessions.begin() as writer:
            case = case_records.create_case(
                writer, forum=form.get("forum", ""), title=form.get("title", ""),
                respondent_state=form.get("respondent_state", "").strip(), reference=form.get("reference", "").strip(),
                actor=actor)
            if guard.actor().kind == "user":  # who creates a case leads it
                case_records.add_member(writer, case.id, actor, "lead", actor=actor)
            case_id = case.id
    except case_records.CaseError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".cases"))
    return redirect(url_for(".case", case_id=case_id))


@bp.get("/cases/<case_id>")
@guard.requires(policy.CASE_READ)
def case(case_id: str):
    session = get_session()
    record = _case(session, case_id)
    warnings = case_warnings(session, record.id)
    suggestions = case_records.suggest_chronology(session, record.id) if guard.can(policy.CASE_EDIT, record) else []
    return render_template("cases/view.html", active="cases", case=record,
                           exhibits=sorted(record.exhibits, key=lambda e: e.position), warnings=warnings,
                           suggestions=suggestions[:30], forums=BUNDLE_FORUMS,
                           may_edit=guard.can(policy.CASE_EDIT, record),
                           may_export=guard.can(policy.CASE_EXPORT, record))


def _edit(case_id: str, change, done: str | None = None):
    """Run one change to the case in a transaction and say how it went: on the page it came from (a message
    after the redirect), or, for htmx, as a fragment in place. A ``CaseError`` is said the same way.
    ``change`` may return its own message instead of ``done``."""
    category = "message"
    try:
        ctx = pipeline_context()
        with ctx.db.sessions.begin() as writer:
            _case(writer, case_id, policy.CASE_EDIT)
            said = change(writer)
        index_pending(ctx)  # exhibits change who finds an item in search
        message = said if isinstance(said, str) else done
    except case_records.CaseError as exc:
        message, category = str(exc), "error"
    if request.headers.get("HX-Request") == "true":
        return render_template("partials/status.html", message=message, category=category)
    if message:
        flash(message, category)
    return redirect(local_path(request.form.get("next"), url_for(".case", case_id=case_id)))


@bp.post("/cases/exhibits")
@guard.requires(policy.CASE_EDIT)
def exhibit_add():
    """Add an exhibit to the chosen case: an item and a page range (from a search hit or the item's page)."""
    case_id = request.form.get("case_id", "")
    item_id = request.form.get("item_id", "")
    pages = request.form.get("pages", "").strip()

    def change(writer):
        item = writer.get(EvidenceItem, item_id) if len(item_id) <= 64 else None
        if item is None or not guard.can(policy.ITEM_READ, item):
            raise case_records.CaseError(_("There is no such document, or your role does not let you open it."))
        exhibit = case_records.add_exhibit(writer, case_id, item.id,
                                           pages=case_records.parse_pages(pages) if pages else None,
                                           actor=guard.actor().name)
        return _("Added to the case as exhibit %(n)s.", n=exhibit.number)

    return _edit(case_id, change)


@bp.post("/cases/<case_id>/exhibits/<exhibit_id>")
@guard.requires(policy.CASE_EDIT)
def exhibit_edit(case_id: str, exhibit_id: str):
    """Change an exhibit's description, page range, date, or move it up or down."""
    form = request.form

    def change(writer):
        exhibit = writer.get(Exhibit, exhibit_id)
        if exhibit is None or exhibit.case_id != case_id:
            raise case_records.CaseError(_("This exhibit is not in the case."))
        actor = guard.actor().name
        if form.get("move") in ("up", "down"):
            case_records.move_exhibit(writer, exhibit.id, -1 if form["move"] == "up" else 1, actor=actor)
        elif form.get("reviewed"):
            case_records.mark_reviewed(writer, exhibit.id, actor=actor)
        else:
            date = form.get("date", "").strip()
            case_records.edit_exhibit(writer, exhibit.id, description=form.get("description", "").strip(),
                                      pages=case_records.parse_pages(form.get("pages", "")),
                                      date=_date(date) if date else None, actor=actor)

    return _edit(case_id, change)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise case_records.CaseError(_("Write dates as year-month-day, for example 2022-03-14.")) from None


@bp.post("/cases/<case_id>/renumber")
@guard.requires(policy.CASE_EDIT)
def renumber(case_id: str):
    """Number the exhibits 1..n in bundle order: a deliberate step before filing (nothing else renumbers)."""
    return _edit(case_id, lambda writer: case_records.number_exhibits(writer, case_id, actor=guard.actor().name),
                 _("The exhibits are numbered in bundle order."))


@bp.post("/cases/<case_id>/chronology")
@guard.requires(policy.CASE_EDIT)
def chronology_add(case_id: str):
    form = request.form
    refs = [(form["exhibit_id"], None, None)] if form.get("exhibit_id") else []

    def change(writer):
        date = _date(form.get("date", "").strip())
        text = form.get("text", "").strip()
        if not text:
            raise case_records.CaseError(_("Write what happened on that date."))
        case_records.add_chronology_entry(writer, case_id, date, text, precision=form.get("precision") or "day",
                                          refs=refs, actor=guard.actor().name)

    return _edit(case_id, change, _("Added to the chronology."))


@bp.post("/cases/<case_id>/export")
@guard.requires(policy.CASE_EXPORT)
def export(case_id: str):
    """The bundle, made by the case API's export and answered as the ZIP to download (nothing is kept on the
    server). A warning that blocks the export comes back to the case page as a message."""
    record = _case(get_session(), case_id, policy.CASE_EXPORT)
    forum = request.form.get("forum") or (record.forum if record.forum in BUNDLE_FORUMS else "echr")
    try:
        return apicall.call(cases_api.export, {"forum": forum}, record.id)
    except (Conflict, Invalid) as exc:
        flash(_("The bundle was not made: %(why)s", why=exc.description), "error")
        return redirect(url_for(".case", case_id=case_id))
