"""Pages call the REST API's view functions, so both answer the same (filters, access, validation)."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from flask import request
from werkzeug.datastructures import ImmutableMultiDict

from ..errors import Invalid


def call(view: Callable[..., Any], args: Mapping[str, str] | None = None, *positional: Any) -> Any:
    """Run an API view with these query parameters instead of the page's own; its answer as a dict."""
    saved = request.args
    request.args = ImmutableMultiDict(dict(args or {}))
    try:
        answer = view(*positional)
    finally:
        request.args = saved
    return answer[0] if isinstance(answer, tuple) else answer


def call_json(view: Callable[..., Any], payload: Mapping[str, Any], *positional: Any) -> Any:
    """Run an API view that reads a JSON body with ``payload`` as that body (a page posts a form)."""
    request.get_json = lambda *args, **kwargs: dict(payload)  # this request only; the class keeps its method
    try:
        answer = view(*positional)
    finally:
        del request.get_json
    return answer[0] if isinstance(answer, tuple) else answer


def listing(view: Callable[..., Any], allowed: tuple[str, ...], key: str) -> tuple[dict[str, str], dict, list]:
    """A list page: the page's non-empty ``allowed`` query parameters, the API view's answer for them, and
    the fields it refused (then an empty answer, so the page shows the form with what was wrong)."""
    args = {k: v for k, v in request.args.items() if k in allowed and v.strip()}
    try:
        return args, call(view, args), []
    except Invalid as exc:
        return args, {key: [], "total": 0, "page": 1, "size": 50}, exc.errors
