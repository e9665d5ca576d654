"""Search: the query box, facets, and hits grouped by document with links that open the page."""
from __future__ import annotations

import datetime as dt

from flask import render_template, request

from ..api import search as search_api
from ..errors import Invalid
from archive_schema import policy

from ..api.context import get_session
from . import apicall, bp, guard
from .cases import editable_cases

FACETS = ("person", "facility", "place", "doc_type", "language", "month")
#: the API's own parameters; everything else a form might send is dropped
PARAMS = ("q", "page", "sort", "collection", "doc_type", "lang", "date_from", "date_to", "entity")


@bp.get("/search")
@guard.requires(policy.SEARCH)
def search():
    args = {k: v for k, v in request.args.items() if k in PARAMS and v.strip()}
    results, error = None, None
    if args:
        try:
            results = apicall.call(search_api.search, {**args, "facets": ",".join(FACETS), "size": "20"})
        except Invalid as exc:
            error = exc.errors
    cases = editable_cases(get_session()) if results and results["items"] else []
    return render_template("search.html", active="search", args=args, results=results, error=error,
                           filters=_filter_links(args, results), cases=cases)


def _filter_links(args: dict[str, str], results: dict | None) -> dict[str, list[dict]]:
    """Each facet bucket as a link adding its filter to the current search (or removing it when applied)."""
    if not results:
        return {}
    out: dict[str, list[dict]] = {}
    for name, buckets in results["facets"].items():
        links = []
        for b in buckets:
            param, value = _filter_for(name, b["value"])
            applied = all(args.get(k) == v for k, v in param.items())
            if applied:
                target = {k: v for k, v in args.items() if k not in param and k != "page"}
            else:
                target = {**{k: v for k, v in args.items() if k != "page"}, **param}
            links.append({"label": b["label"], "count": b["count"], "args": target, "applied": applied,
                          "value": value})
        if links:
            out[name] = links
    return out


def _filter_for(facet: str, value: str) -> tuple[dict[str, str], str]:
    if facet in ("person", "facility", "place", "organisation"):
        return {"entity": value}, value
    if facet == "doc_type":
        return {"doc_type": value}, value
    if facet == "language":
        return {"lang": value}, value
    if facet == "collection":
        return {"collection": value}, value
    if facet == "month":  # yyyy-mm
        year, month = (int(p) for p in value.split("-")[:2])
        last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))
        return {"date_from": f"{year:04d}-{month:02d}-01", "date_to": last.isoformat()}, value
    return {}, value
