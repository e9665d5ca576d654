"""Administration: users and their roles, and the audit chain (recent events and a verification)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from archive_schema import accounts, audit, policy

from ..api import audit as audit_api
from ..api.context import get_session, pipeline_context
from . import apicall, bp, guard

RECENT_EVENTS = 50


@bp.get("/admin")
@guard.requires(policy.USER_MANAGE)
def admin():
    users = get_session().scalars(select(accounts.User).order_by(accounts.User.username)).all()
    listing = apicall.call(audit_api.list_events, {"size": "1"})
    last = max(1, (listing["total"] + RECENT_EVENTS - 1) // RECENT_EVENTS)
    events = apicall.call(audit_api.list_events, {"size": str(RECENT_EVENTS), "page": str(last)})["events"]
    return render_template("admin/index.html", active="admin", users=users, events=list(reversed(events)),
                           total=listing["total"], roles=[r.value for r in accounts.Role], verified=None)


@bp.post("/admin/verify")
@guard.requires(policy.AUDIT_VERIFY)
def audit_verify():
    result = apicall.call(audit_api.verify)
    if result["intact"]:
        flash(_("The audit chain is intact: %(n)s events checked.", n=result["events"]))
    else:
        flash(_("The audit chain is broken at event %(seq)s: %(reason)s", seq=result["broken_at"],
                reason=result["reason"]), "error")
    return redirect(url_for(".admin"))


def _account_change(change, done: str):
    try:
        with pipeline_context().db.sessions.begin() as writer:
            change(writer)
        flash(done)
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    return redirect(url_for(".admin"))


@bp.post("/admin/users")
@guard.requires(policy.USER_MANAGE)
def user_add():
    form = request.form

    def change(writer):
        added = accounts.create_user(writer, form.get("username", ""), form.get("role", ""),
                                     form.get("password", ""), display_name=form.get("display_name", ""))
        audit.record(writer, "user.create", actor=guard.actor().name, object_type="user",
                     object_id=added.username, details={"role": added.role, "via": "web"})

    return _account_change(change, _("The user was added."))


@bp.post("/admin/users/<username>")
@guard.requires(policy.USER_MANAGE)
def user_change(username: str):
    form = request.form

    def change(writer):
        found = accounts.get_user(writer, username)
        if form.get("disable"):
            found.active = False
            audit.record(writer, "user.disable", actor=guard.actor().name, object_type="user",
                         object_id=found.username, details={"via": "web"})
        else:
            before, found.role = found.role, accounts.parse_role(form.get("role", "")).value
            audit.record(writer, "user.role", actor=guard.actor().name, object_type="user",
                         object_id=found.username, details={"from": before, "to": found.role, "via": "web"})

    return _account_change(change, _("The change was saved."))
