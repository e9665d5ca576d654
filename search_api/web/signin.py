"""Signing in and out of the staff pages (the session and its checks are ``search_api.auth``'s)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from archive_schema import policy

from .. import auth
from . import bp, guard


def local_path(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default``: never an open redirect."""
    target = target or ""
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc or "\\" in target:
        return default
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@guard.requires(policy.PUBLIC)
def sign_in():
    target = local_path(request.values.get("next"), url_for(".overview"))
    if request.method == "GET":
        if guard.current_user() is not None:
            return redirect(target)
        return render_template("signin.html", active="signin", next=target, failed=False, username="")
    username = request.form.get("username", "")
    try:
        user = auth.authenticate_password(username, request.form.get("password", ""))
    except auth.LoginFailed:
        return render_template("signin.html", active="signin", next=target, failed=True, username=username), 401
    auth.login_user(user)
    return redirect(target)


@bp.post("/sign-out")
@guard.requires(policy.SIGNED_IN)
def sign_out():
    auth.logout_user()
    flash(_("You are signed out."))
    return redirect(url_for(".home"))
