"""The REST API, ``/api/v1``: one blueprint per resource, nested under ``bp``."""
from __future__ import annotations

from flask import Blueprint

from .. import auth
from . import access, audit, cases, collections, custody, entities, items, originals, pages, search, spec, status

bp = Blueprint("api", __name__, url_prefix="/api/v1")
for _resource in (items, pages, originals, custody, collections, entities, search, status, spec, access, audit, cases):
    bp.register_blueprint(_resource.bp)
bp.record_once(lambda state: auth.init_app(state.app))  # the gate every request of the app passes
from . import inquiries, stats  # noqa: E402  (family inquiries, public statistics)

for _resource in (inquiries, stats):
    bp.register_blueprint(_resource.bp)
