"""The web interface: server-rendered pages (Jinja) over the same functions the REST API uses.

Reading works without JavaScript; ``static/web.js`` and the vendored htmx only enhance: per-file upload progress
and drag and drop of folders, a progress indicator while a bundle is made, and "Add to case" on a search hit
without leaving the results (htmx; without it the form posts and comes back to the same search). Nothing is fetched from another host: scripts, styles and
images are served from ``/static/web``. The interface speaks Ukrainian, English and Russian (:mod:`.i18n`).
"""
from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException, Unauthorized

from . import i18n

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/web")


@bp.record_once
def _setup(state) -> None:
    app: Flask = state.app
    i18n.init_app(app)
    from . import guard

    guard.init_app(app)


@bp.errorhandler(HTTPException)
def _error_page(exc: HTTPException):
    """Pages answer errors as pages; a visitor who must sign in is sent to the sign-in page, and back after."""
    if isinstance(exc, Unauthorized) and request.method == "GET":
        return redirect(url_for("web.sign_in", next=request.full_path.rstrip("?")))
    return render_template("error.html", error=exc), exc.code or 500


from . import (admin, cases, entities, items, overview, public, search, signin, stats,  # noqa: E402,F401
               upload)
