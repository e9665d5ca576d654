"""The case builder: cases, exhibits added from search hits, their order, descriptions and page ranges, the
chronology (with suggestions from the exhibits' dates), warnings, and the export of a bundle to download.

Every change goes through ``archive_schema.cases`` (which records it in the audit chain); every bundle through
``ingest.bundle.export_bundle``. Bundles are written under ``$SVIDOK_HOME/exports/<case id>/``.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from archive_schema import cases as case_records
from archive_schema import policy
from archive_schema.models import Case, EvidenceItem, Exhibit
from ingest import bundle
from ingest.cases import case_warnings

from ..api.context import get_session, pipeline_context
from . import bp, guard
from .signin import local_path

BUNDLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}\.zip$")


def _case(session, case_id: str, action: str = policy.CASE_READ) -> Case:
    case = session.get(Case, case_id) if len(case_id) <= 64 else None
    if case is None or not guard.can(action, case):
        raise NotFound("There is no such case, or you are not a member of it.")
    return case


def _exports(case_id: str) -> Path:
    return pipeline_context().settings.home / "exports" / case_id


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
    folder = _exports(record.id)
    bundles = sorted((p for p in folder.glob("*.zip")), reverse=True) if folder.is_dir() else []
    return render_template("cases/view.html", active="cases", case=record,
                           exhibits=sorted(record.exhibits, key=lambda e: e.position), warnings=warnings,
                           suggestions=suggestions[:30], bundles=bundles,
                           may_edit=guard.can(policy.CASE_EDIT, record),
                           may_export=guard.can(policy.CASE_EXPORT, record))


def _edit(case_id: str, change, done: str | None = None):
    """Run one change to the case in a transaction; its error (a ``CaseError``) is shown on the case page."""
    try:
        with pipeline_context().db.sessions.begin() as writer:
            _case(writer, case_id, policy.CASE_EDIT)
            change(writer)
        if done:
            flash(done)
    except case_records.CaseError as exc:
        flash(str(exc), "error")
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
        case_records.add_exhibit(writer, case_id, item.id, pages=case_records.parse_pages(pages) if pages else None,
                                 actor=guard.actor().name)

    return _edit(case_id, change, _("Added to the case."))


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
    session = get_session()
    record = _case(session, case_id, policy.CASE_EXPORT)
    forum = record.forum
    folder = _exports(record.id)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = folder / (re.sub(r"[^A-Za-z0-9_.-]+", "_", record.reference or "case")[:60] + f"-{forum}-{stamp}.zip")
    try:
        bundle.export_bundle(pipeline_context(), record.id, forum, out, actor=guard.actor().name)
    except bundle.ExportError as exc:
        out.unlink(missing_ok=True)
        flash(_("The bundle was not made: %(why)s", why=str(exc)), "error")
        return redirect(url_for(".case", case_id=case_id))
    flash(_("The bundle is ready: %(name)s", name=out.name))
    return redirect(url_for(".case", case_id=case_id) + "#bundles")


@bp.get("/cases/<case_id>/bundles/<name>")
@guard.requires(policy.CASE_EXPORT)
def bundle_download(case_id: str, name: str):
    _case(get_session(), case_id, policy.CASE_EXPORT)
    path = _exports(case_id) / name
    if not BUNDLE_NAME.match(name) or not path.is_file():
        raise NotFound()
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=name)
