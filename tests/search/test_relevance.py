"""The relevance fixture (relevance.yaml): every query finds what it must, on both backends."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from archive_schema.search import Access, EntityRef, Grant, PageDoc, Query

from .conftest import BACKENDS, make_backend

FIXTURE = yaml.safe_load((Path(__file__).parent / "relevance.yaml").read_text(encoding="utf-8"))


def corpus() -> list[PageDoc]:
    return [
        PageDoc(
            page_id=p["id"], item_id=p["item"], page_number=p["n"], text=p["text"],
            title=f"Item {p['item']}", collection=p["coll"], doc_type=p["type"], language=p["lang"],
            date_start=p.get("date"), date_end=p.get("date"), classification=p["cls"],
            case_ids=tuple(p.get("cases", ())),
            entities=tuple(EntityRef(*e) for e in p["entities"]),
        )
        for p in FIXTURE["pages"]
    ]


def access_for(spec: str) -> Access:
    if spec == "all":
        return Access.everything()
    if spec.startswith("case:"):
        case = spec.removeprefix("case:")
        return Access((Grant(frozenset({"public"})), Grant(frozenset({"confidential"}), frozenset({case}))))
    return Access.public()


@pytest.fixture(scope="module", params=BACKENDS)
def indexed(request, tmp_path_factory, elasticsearch_url):
    backend = make_backend(request.param, tmp_path_factory.mktemp("relevance"), elasticsearch_url)
    backend.index(corpus())
    backend.refresh()
    yield backend
    backend.close()


def found_pages(backend, q: str, access: Access) -> set[str]:
    results = backend.search(Query.parse(q, access=access, size=100, pages_per_item=50))
    return {page.page_id for item in results.items for page in item.pages}


def test_fixture_is_large_enough():
    assert len(FIXTURE["queries"]) >= 60
    assert all(isinstance(p.get("date", date.today()), date) for p in FIXTURE["pages"])


@pytest.mark.parametrize("case", FIXTURE["queries"], ids=lambda c: f"{c['q']}|{c.get('access', 'public')}")
def test_query_finds_expected_pages(indexed, case):
    found = found_pages(indexed, case["q"], access_for(case.get("access", "public")))
    expected = set(case.get("expect", ()))
    assert expected <= found, f"missing {sorted(expected - found)}; found {sorted(found)}"
    assert not found & set(case.get("exclude", ())), f"must not find {sorted(found & set(case['exclude']))}"
    if case.get("exact"):
        assert found == expected
