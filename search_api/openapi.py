"""The OpenAPI 3.1 document, built from the routes and the pydantic models the views themselves use.

A view declares what it takes and answers with ``@operation(...)`` (its docstring is the summary and
description). ``build_spec`` walks ``app.url_map``: every ``/api/v1`` route appears with its path and query
parameters, request body, answers and problem answers; every model's schema, with its ``$defs``, is lifted into
``components/schemas``. A route without ``@operation`` is left out, and ``tests/api/test_openapi.py`` fails.
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Callable

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from werkzeug.http import HTTP_STATUS_CODES

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
#: a streamed download: the bytes of an original, whatever their type
BINARY = "binary"

#: path parameters by name: how the views validate them, said once for the document
PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "item_id": {"description": "an item's opaque id",
                "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}},
    "number": {"description": "page number, 1-based, as in the file",
               "schema": {"type": "integer", "minimum": 1}},
}
_RULE_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Operation:
    responses: dict[int, type[BaseModel] | str]
    query: type[BaseModel] | None = None
    form: type[BaseModel] | None = None
    problems: tuple[int, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)  # response headers: name -> description
    body: type[BaseModel] | None = None  # the JSON request body (read with api.common.json_body)


def operation(*, responses: dict[int, type[BaseModel] | str], query: type[BaseModel] | None = None,
              form: type[BaseModel] | None = None, body: type[BaseModel] | None = None,
              problems: tuple[int, ...] = (), headers: dict[str, str] | None = None) -> Callable:
    """Declare what a view takes and answers; ``build_spec`` reads it."""
    def decorate(view: Callable) -> Callable:
        view.openapi = Operation(responses, query, form, tuple(problems), headers or {}, body)
        return view
    return decorate


def spec(app: Flask) -> dict[str, Any]:
    """The app's document, built once."""
    cached = app.extensions.get("svidok.openapi")
    if cached is None:
        cached = app.extensions["svidok.openapi"] = build_spec(app)
    return cached


def build_spec(app: Flask) -> dict[str, Any]:
    from .api.schemas import Problem  # the views import this module: import their package lazily

    routes = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(PREFIX):
            continue
        view = app.view_functions[rule.endpoint]
        op = getattr(view, "openapi", None)
        if op is not None:
            routes.append((rule, view, op))

    models: list[tuple[type[BaseModel], str]] = [(Problem, "serialization")]
    for _rule, _view, op in routes:
        models += [(m, "serialization") for m in op.responses.values() if not isinstance(m, str)]
        models += [(m, "validation") for m in (op.query, op.form, op.body) if m is not None]
    refs, top = models_json_schema(list(dict.fromkeys(models)), ref_template=REF)
    schemas = top.get("$defs", {})

    def ref(model: type[BaseModel], mode: str) -> dict[str, str]:
        return {"$ref": refs[(model, mode)]["$ref"]}

    paths: dict[str, dict[str, Any]] = {}
    for rule, view, op in routes:
        path = _RULE_ARGUMENT.sub(lambda m: "{" + m["name"] + "}", rule.rule)
        summary, _, description = (inspect.getdoc(view) or rule.endpoint).partition("\n")
        body: dict[str, Any] = {
            "operationId": rule.endpoint,
            "tags": [rule.endpoint.split(".")[-2]],
            "summary": summary.strip(),
            "parameters": _path_parameters(rule.rule) + _query_parameters(op, refs, schemas),
            "responses": _responses(op, ref),
        }
        if description.strip():
            body["description"] = description.strip()
        if op.form is not None:
            body["requestBody"] = {"required": True, "content": {"multipart/form-data": {
                "schema": ref(op.form, "validation"),
                "encoding": {"file": {"contentType": "*/*"}}}}}
        if op.body is not None:
            body["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": ref(op.body, "validation")}}}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = body
    return {
        "openapi": "3.1.0",
        "info": {"title": "svidok API", "version": _version(),
                 "description": "Evidence archive: upload originals, follow their processing, read their "
                                "text, download them byte for byte. Errors are RFC 9457 problem details."},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    out = []
    for match in _RULE_ARGUMENT.finditer(rule):
        name = match["name"]
        known = PATH_PARAMETERS.get(name) or {
            "schema": {"type": "integer"} if match["converter"] == "int" else {"type": "string"}}
        out.append({"name": name, "in": "path", "required": True, **known})
    return out


def _query_parameters(op: Operation, refs: dict, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    if op.query is None:
        return []
    name = refs[(op.query, "validation")]["$ref"].rsplit("/", 1)[-1]
    model_schema = schemas[name]
    required = set(model_schema.get("required", ()))
    out = []
    for param, prop in model_schema.get("properties", {}).items():
        schema = {k: v for k, v in prop.items() if k not in ("description", "title")}
        entry = {"name": param, "in": "query", "required": param in required, "schema": schema}
        if "description" in prop:
            entry["description"] = prop["description"]
        out.append(entry)
    return out


def _responses(op: Operation, ref: Callable[[type[BaseModel], str], dict]) -> dict[str, Any]:
    from .api.schemas import Problem

    out: dict[str, Any] = {}
    for status, model in op.responses.items():
        entry: dict[str, Any] = {"description": HTTP_STATUS_CODES.get(status, "")}
        if model == BINARY:
            entry["content"] = {"*/*": {"schema": {"type": "string", "contentMediaType":
                                                   "application/octet-stream"}}}
        else:
            entry["content"] = {"application/json": {"schema": ref(model, "serialization")}}
        if op.headers:
            entry["headers"] = {name: {"description": text, "schema": {"type": "string"}}
                                for name, text in op.headers.items()}
        out[str(status)] = entry
    problem = {"content": {"application/problem+json": {"schema": ref(Problem, "serialization")}}}
    for status in op.problems:
        out[str(status)] = {"description": HTTP_STATUS_CODES.get(status, ""), **problem}
    out["default"] = {"description": "any other error (problem details)", **problem}
    return out


def _version() -> str:
    try:
        return metadata.version("svidok")
    except metadata.PackageNotFoundError:  # running from a checkout that is not installed
        return "0+checkout"
