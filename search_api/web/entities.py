"""People, places and facilities: the list, and one entity's names, documents, timeline and companions."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import Conflict, NotFound

from ..api import entities as entities_api
from archive_schema import policy

from . import apicall, bp, charts, guard

KINDS = ("person", "facility", "place", "org")


@bp.get("/entities")
@guard.requires(policy.ENTITY_READ)
def entities():
    args, listing, error = apicall.listing(entities_api.list_entities, ("kind", "q", "page"), "entities")
    return render_template("entities/list.html", active="entities", listing=listing, args=args, error=error,
                           kinds=KINDS)


@bp.get("/entities/<entity_id>")
@guard.requires(policy.ENTITY_READ)
def entity(entity_id: str):
    summary = apicall.call(entities_api.get_entity, {}, entity_id)
    documents = apicall.call(entities_api.entity_documents, {"size": "50"}, entity_id)
    companions = apicall.call(entities_api.cooccurring, {"limit": "20"}, entity_id)["cooccurring"]
    events = apicall.call(entities_api.timeline, {}, entity_id)["events"]
    lost = apicall.call(entities_api.list_pins, {"state": "lost", "entity": summary["id"]})["pins"]
    graph = charts.star_graph(summary["name"], [(c["entity"]["name"], c["pages"], c["entity"]["kind"])
                                                for c in companions[:12]])
    return render_template("entities/view.html", active="entities", entity=summary, documents=documents,
                           companions=companions, events=events, graph=graph, lost=lost,
                           can_edit=guard.can(policy.ENTITY_EDIT))


@bp.post("/entities/<entity_id>/pins/<pin_id>/withdraw")
@guard.requires(policy.ENTITY_EDIT)
def entity_withdraw(entity_id: str, pin_id: str):
    """Withdraw a decision listed under "Decisions that no longer apply", after reading its passage again."""
    try:
        apicall.call(entities_api.withdraw_pin, {}, pin_id)
    except Conflict as exc:
        flash(_("The decision was not withdrawn: %(why)s", why=exc.description), "error")
    else:
        flash(_("The decision was withdrawn."))
        try:  # an entity left with no mention and no decision is no longer open to everyone: back to the list
            apicall.call(entities_api.get_entity, {}, entity_id)
        except NotFound:
            return redirect(url_for(".entities"))
    return redirect(url_for(".entity", entity_id=entity_id))
