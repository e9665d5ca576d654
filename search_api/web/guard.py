"""Who is signed in and what the pages may show them: a thin layer over :mod:`archive_schema.policy`.

Decisions are not made here. ``search_api.auth`` authenticates the request and refuses endpoints the actor may
not use (every page declares its action with ``auth.requires``); this module asks the same policy about
objects, and gives templates ``can()`` and ``current_user()``. A visitor sent away with a 401 sees the sign-in
page instead (see ``_error_page`` in the package).
"""
from __future__ import annotations

from flask import Flask
from sqlalchemy import ColumnElement
from werkzeug.exceptions import NotFound

from archive_schema import policy
from archive_schema.models import EvidenceItem

from .. import auth
from ..api.common import find_item

requires = auth.requires
check_csrf = auth.check_csrf
#: short names templates use, mapped to policy actions
ACTIONS = {"upload": policy.ITEM_UPLOAD, "cases": policy.CASE_LIST, "case.create": policy.CASE_CREATE,
           "admin": policy.USER_MANAGE, "audit": policy.AUDIT_VERIFY, "download": policy.ITEM_DOWNLOAD,
           "custody": policy.CUSTODY_READ, "search": policy.SEARCH, "entity.edit": policy.ENTITY_EDIT}


class NotVisible(NotFound):
    """A 404 for a document that does not exist or that the actor may not see (the two are not told apart);
    the error page says both, so someone following a colleague's link knows to ask for access."""

    description = "There is no such document, or your role does not let you open it."


def actor() -> policy.Actor:
    return auth.current_user()


def current_user() -> policy.Actor | None:
    """The signed-in actor, or None for a visitor."""
    who = actor()
    return who if who.authenticated else None


def can(action: str, obj: object = None) -> bool:
    return policy.can(actor(), ACTIONS.get(action, action), obj)


def visible_items() -> ColumnElement[bool]:
    return policy.item_filter(actor())


def item_or_404(session, item_id: str, action: str = policy.ITEM_READ) -> EvidenceItem:
    """The item, when the actor may ``action`` it; otherwise 404, the same as for an item that does not exist."""
    try:
        item = find_item(session, item_id, full=True)
    except NotFound:
        raise NotVisible() from None
    if not policy.can(actor(), action, item):
        raise NotVisible()
    return item


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(can=can, current_user=current_user, csrf_token=auth.csrf_token)
