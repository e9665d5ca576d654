"""Pages for the public, without an account: a family's inquiry about a relative, and its status.

Plain and calm language; no JavaScript needed. The access code is checked by POST (never in a URL, so it stays
out of histories and logs). Nothing about the visitor is stored: the inquiry's contents are sealed as they
arrive (``archive_schema.inquiries``).
"""
from __future__ import annotations

import datetime as dt

from flask import render_template, request
from flask_babel import gettext as _

from archive_schema import inquiries, policy

from ..api.context import pipeline_context
from . import bp, guard

FIELDS = ("relative_name", "category", "birth_date", "last_known_place", "circumstances", "contact_preference",
          "contact")
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
    contents = inquiries.Contents(
        relative_name=form["relative_name"], category=form["category"], birth_date=form["birth_date"] or None,
        last_known_place=form["last_known_place"], circumstances=form["circumstances"],
        contact_preference=form["contact_preference"] or inquiries.ContactPreference.code_only.value,
        contact=form["contact"] if form["contact_preference"] not in ("", "code_only") else "")
    with pipeline_context().db.sessions.begin() as writer:
        _, code = inquiries.file_inquiry(writer, contents)
    return render_template("public/inquiry_filed.html", active="inquiry", code=code)


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
    code = request.form.get("code", "")
    error, shown, inquiry = None, None, None
    try:
        with pipeline_context().db.sessions.begin() as writer:  # wrong codes are counted even on failure
            try:
                inquiry, family = inquiries.verify_code(writer, code)
                shown = inquiries.messages(writer, inquiry, family, staff=False)
                status, filed, updated = inquiry.status, inquiry.created_on, inquiry.updated_on
            except inquiries.InquiryUnavailable as exc:
                error = "locked" if exc.retry_after else "unknown"
    except inquiries.BadCode:
        error = "malformed"
    if error:
        return render_template("public/status.html", active="inquiry_status", shown=None, error=error), \
            429 if error == "locked" else 404 if error == "unknown" else 400
    return render_template("public/status.html", active="inquiry_status", shown=shown, error=None,
                           status=status, filed=filed, updated=updated)
