"""Public statistics: the stats API's anonymised counts (small cells suppressed there), as server-side SVG."""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from archive_schema import policy

from ..api import stats as stats_api
from . import apicall, bp, charts, guard, i18n
from .labels import PERSON_STATUSES


@bp.get("/statistics")
@guard.requires(policy.PUBLIC)
def statistics():
    stats = apicall.call(stats_api.public_stats)

    def bars(cells, label=str):
        return [(label(c["value"]), c["count"] if isinstance(c["count"], int) else None, _shown(c["count"]))
                for c in cells]

    tables = {
        "by_category": (_("People by what happened to them"),
                        bars(stats["by_category"], lambda v: str(PERSON_STATUSES.get(v, v)))),
        "by_region": (_("People by region"), bars(stats["by_region"])),
        "by_month": (_("People by month of the last known event"), bars(stats["by_month"])),
    }
    drawn = {name: charts.bar_chart(title, rows) if name != "by_month" else charts.column_chart(title, rows)
             for name, (title, rows) in tables.items() if rows}
    return render_template("public/statistics.html", active="statistics", tables=tables, drawn=drawn,
                           threshold=stats["threshold"])


def _shown(count) -> str:
    if isinstance(count, int):
        return i18n.number(count)
    return _("fewer than 5") if count == stats_api.SMALL else _("withheld")
