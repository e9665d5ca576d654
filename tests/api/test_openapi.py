"""The OpenAPI document covers every route, is valid OpenAPI 3.1, and real answers match its schemas."""
from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from ingest.metadata import FIELDS
from search_api.api.schemas import UploadForm
from tests.fixtures import files

from .helpers import upload, uploaded

SKIP_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule)


def test_every_api_route_and_method_is_in_the_document(app, spec):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")]
    assert len(rules) >= 9
    for rule in rules:
        path = _openapi_path(rule.rule)
        assert path in spec["paths"], f"{rule.rule} is missing from openapi.json (add @operation to its view)"
        for method in rule.methods - SKIP_METHODS:
            operation = spec["paths"][path].get(method.lower())
            assert operation, f"{method} {rule.rule} is missing from openapi.json"
            assert operation["summary"] and operation["responses"]
            declared = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
            assert declared == set(rule.arguments), rule.rule


def test_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_every_reference_resolves(spec):
    schemas = spec["components"]["schemas"]

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                assert node["$ref"].startswith("#/components/schemas/")
                assert node["$ref"].rsplit("/", 1)[1] in schemas, node["$ref"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    assert "$defs" not in str(spec)  # lifted into components


def test_upload_form_fields_are_the_sidecar_fields():
    assert set(UploadForm.model_fields) == {"file", *FIELDS}


def test_list_parameters_and_enums_come_from_the_vocabulary(spec):
    params = {p["name"]: p for p in spec["paths"]["/api/v1/items"]["get"]["parameters"]}
    assert set(params) == {"page", "size", "collection", "doc_type", "state", "classification"}
    doc_type = spec["components"]["schemas"]["DocType"]["enum"]
    assert "testimony" in doc_type and "court_decision" in doc_type
    assert params["size"]["schema"]["maximum"] == 200


def _validator(spec, path: str, method: str, status: int) -> Draft202012Validator:
    content = spec["paths"][path][method]["responses"][str(status)]["content"]
    schema = next(iter(content.values()))["schema"]
    return Draft202012Validator({**schema, "components": spec["components"]})


def test_real_answers_match_the_documented_schemas(client, spec, tmp_path):
    archive = files.zip_archive(tmp_path, {"a.txt": b"fictional member"})
    response = upload(client, (archive.read_bytes(), "batch.zip"), date="2022-03-01..2022-06-30",
                      collection="Spec check")
    _validator(spec, "/api/v1/items", "post", 201).validate(response.get_json())
    (entry,) = response.get_json()["items"]
    item_path = "/api/v1/items/{item_id}"
    checks = [
        ("/api/v1/items", "/api/v1/items", 200),
        (entry["url"], item_path, 200),
        (f"{entry['url']}/custody", item_path + "/custody", 200),
        ("/api/v1/collections", "/api/v1/collections", 200),
        ("/api/v1/status", "/api/v1/status", 200),
        ("/api/v1/items?doc_type=nope", "/api/v1/items", 400),
        ("/api/v1/items/missing", item_path, 404),
    ]
    (member,) = uploaded(client, (b"fictional member", "again.txt"))
    checks += [(f"/api/v1/items/{member['id']}/pages", item_path + "/pages", 200),
               (f"/api/v1/items/{member['id']}/pages/1", item_path + "/pages/{number}", 200)]
    for url, path, status in checks:
        answer = client.get(url)
        assert answer.status_code == status, url
        _validator(spec, path, "get", status).validate(answer.get_json())


def test_every_view_that_reads_a_json_body_declares_it(app):
    """The document describes each JSON body the API reads, so clients and the fuzzer see what to send."""
    import inspect
    import re

    from search_api.openapi import PREFIX

    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX):
            continue
        view = app.view_functions[rule.endpoint]
        read = re.findall(r"json_body\((\w+)\)", inspect.getsource(view))
        declared = getattr(getattr(view, "openapi", None), "body", None)
        assert read == ([declared.__name__] if declared else []), rule.rule
        checked += bool(read)
    assert checked >= 18
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    token = spec["paths"]["/api/v1/tokens"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert token == {"$ref": "#/components/schemas/TokenIn"}
    assert "name" in spec["components"]["schemas"]["TokenIn"]["properties"]
