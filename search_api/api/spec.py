"""The OpenAPI document of this API."""
from __future__ import annotations

from flask import Blueprint, current_app

from archive_schema import policy

from ..auth import requires
from ..openapi import operation, spec
from .schemas import OpenAPIOut

bp = Blueprint("spec", __name__)


@bp.get("/openapi.json")
@requires(policy.SPEC_READ)
@operation(responses={200: OpenAPIOut})
def openapi_document():
    """This API described as OpenAPI 3.1, built from the code's own models."""
    return spec(current_app._get_current_object())
