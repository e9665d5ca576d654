"""The start page, the overview of the archive and the language switch."""
from __future__ import annotations

from flask import make_response, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from archive_schema.models import EvidenceItem, Outbox
from archive_schema.vocab import ItemState

from ..api.context import get_session
from ..api.status import get_status
from archive_schema import policy

from . import bp, guard, i18n
from .signin import local_path

RECENT = 10


@bp.get("/")
@guard.requires(policy.PUBLIC)
def home():
    if guard.current_user() is not None:
        return redirect(url_for(".overview"))
    return render_template("home.html", active="home")


@bp.get("/overview")
@guard.requires(policy.STATUS_READ)
def overview():
    session = get_session()
    status = get_status()
    visible = guard.visible_items()
    recent = session.scalars(select(EvidenceItem).where(visible).options(selectinload(EvidenceItem.collection))
                             .order_by(EvidenceItem.received_at.desc(), EvidenceItem.id.desc()).limit(RECENT)).all()
    failed = session.scalars(select(EvidenceItem).where(visible, EvidenceItem.state == ItemState.failed.value)
                             .order_by(EvidenceItem.received_at.desc()).limit(RECENT)).all()
    waiting = session.scalars(select(EvidenceItem).where(
        visible, EvidenceItem.state.in_((ItemState.received.value, ItemState.processing.value)))
        .order_by(EvidenceItem.received_at).limit(RECENT)).all()
    pages = session.scalar(select(func.coalesce(func.sum(EvidenceItem.page_count), 0)).where(visible))
    queued = session.scalar(select(func.count()).select_from(Outbox).where(Outbox.delivered_at.is_(None)))
    return render_template("overview.html", active="overview", status=status, recent=recent, failed=failed,
                           waiting=waiting, pages=pages, queued=queued)


@bp.get("/language/<code>")
@guard.requires(policy.PUBLIC)
def language(code: str):
    """Remember the chosen language in a cookie and go back where the user was."""
    if code not in i18n.LANGUAGES:
        raise NotFound()
    response = make_response(redirect(local_path(request.args.get("next"), url_for(".home"))))
    response.set_cookie(i18n.COOKIE, code, max_age=i18n.COOKIE_AGE, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    return response
