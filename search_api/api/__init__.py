"""The REST API, ``/api/v1``: one blueprint per resource, nested under ``bp``."""
from __future__ import annotations

from flask import Blueprint

from . import cases, collections, custody, entities, items, originals, pages, search, spec, status

bp = Blueprint("api", __name__, url_prefix="/api/v1")
for _resource in (items, pages, originals, custody, collections, entities, search, status, spec, cases):
    bp.register_blueprint(_resource.bp)
