"""Pages for the public, without an account: a family's inquiry about a relative, and its status.

Plain and calm language; no JavaScript needed. The pages post forms to the inquiry API's own views (its checks,
its limit on wrong codes, its audit events that name nobody); the access code travels only in a POST body, never
in a URL. ``/inquiry`` is kept out of the access logs with the API's paths (``api.inquiries.PRIVATE_PATHS``).
"""
from __future__ import annotations

import datetime as dt

from flask import render_template, request
from werkzeug.exceptions import NotFound, TooManyRequests
from flask_babel import gettext as _

from archive_schema import inquiries, policy

from ..api import inquiries as inquiries_api
from ..errors import Invalid
from . import apicall, bp, guard

FIELDS = ("relative_name", "category", "birth_date", "last_known_place", "circumstances", "contact_preference",
          "contact")
#: the code and the family's news are for this screen only: not kept in the browser's cache or history
NO_STORE = {"Cache-Control": "no-store"}
LIMITS = {"relative_name": 300, "birth_date": 10, "last_known_place": 500, "circumstances": 5000, "contact": 300}


@bp.get("/inquiry")
@guard.requires(policy.PUBLIC)
def inquiry_form():
    return render_template("public/inquiry.html", active="inquiry", form={}, errors={},
                           categories=inquiries.INQUIRY_CATEGORIES, contacts=tuple(inquiries.ContactPreference))


@bp.post("/inquiry")
@guard.requires(policy.PUBLIC)
def inquiry_file():
    form = {name: request.form.get(name, "").strip() for name in FIELDS}
    errors = _check(form)
    if errors:
        return render_template("public/inquiry.html", active="inquiry", form=form, errors=errors,
                               categories=inquiries.INQUIRY_CATEGORIES,
                               contacts=tuple(inquiries.ContactPreference)), 400
    payload = {**form, "birth_date": form["birth_date"] or None,
               "contact_preference": form["contact_preference"] or "code_only"}
    try:
        filed = apicall.call_json(inquiries_api.file_inquiry, payload)
    except Invalid as exc:  # what the form's own checks did not catch: shown as the API words it
        errors = {e["field"]: e["detail"] for e in exc.errors}
        return render_template("public/inquiry.html", active="inquiry", form=form, errors=errors,
                               categories=inquiries.INQUIRY_CATEGORIES,
                               contacts=tuple(inquiries.ContactPreference)), 400
    return render_template("public/inquiry_filed.html", active="inquiry", code=filed["access_code"]), 201, NO_STORE


def _check(form: dict[str, str]) -> dict[str, str]:
    errors = {}
    if not form["relative_name"]:
        errors["relative_name"] = _("Please write your relative's name.")
    if form["category"] not in {c.value for c in inquiries.INQUIRY_CATEGORIES}:
        errors["category"] = _("Please choose what happened, as far as you know.")
    if form["birth_date"]:
        try:
            dt.date.fromisoformat(form["birth_date"])
        except ValueError:
            errors["birth_date"] = _("Please write the date as year-month-day, for example 1975-04-23, or leave it empty.")
    if form["contact_preference"] and form["contact_preference"] not in {c.value for c in inquiries.ContactPreference}:
        errors["contact_preference"] = _("Please choose how we should reach you.")
    if form["contact_preference"] not in ("", "code_only") and not form["contact"]:
        errors["contact"] = _("Please write where we can reach you, or choose to check with the code only.")
    for name, limit in LIMITS.items():
        if len(form[name]) > limit:
            errors[name] = _("This is too long: at most %(n)s characters, please.", n=limit)
    return errors


@bp.route("/inquiry/status", methods=["GET", "POST"])
@guard.requires(policy.PUBLIC)
def inquiry_status():
    if request.method == "GET":
        return render_template("public/status.html", active="inquiry_status", shown=None, error=None)
    try:
        shown = apicall.call_json(inquiries_api.inquiry_status, {"access_code": request.form.get("code", "")})
    except (Invalid, NotFound, TooManyRequests) as exc:
        error = {400: "malformed", 404: "unknown", 429: "locked"}[exc.code]
        return render_template("public/status.html", active="inquiry_status", shown=None, error=error), exc.code
    return render_template("public/status.html", active="inquiry_status", shown=shown["messages"], error=None,
                           status=shown["status"], filed=shown["filed_on"], updated=shown["updated_on"]), 200, NO_STORE
