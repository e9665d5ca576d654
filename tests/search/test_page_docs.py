"""What a rebuild or a sync reads from SQL for the index: every indexable page with its item's metadata, its
entities with their other names, and the cases holding the item, on SQLite and PostgreSQL, whatever the batching."""
from __future__ import annotations

import datetime as dt

import pytest

from archive_schema.models import Case, Collection, Entity, EntityName, EvidenceItem, Exhibit, Mention, Page
from archive_schema.search import sync
from archive_schema.search.model import EntityRef, PageDoc

DAY = dt.date(2022, 3, 14)
ALIASES = [f"Коваленко-{n:02}" for n in range(sync.MAX_ALIASES + 5)]  # more than an index carries


def _item(item_id: str, state: str, pages: int, **extra) -> dict:
    return {"id": item_id, "sha256": item_id.ljust(64, "0"), "filename": f"{item_id}.pdf", "size": 1,
            "page_count": pages, "state": state, **extra}


def _mention(item_id: str, page_number: int, entity_id: str) -> Mention:
    return Mention(item_id=item_id, page_id=f"{item_id}-p{page_number}", page_number=page_number, start=0, end=1,
                   label="PERSON", text="x", source="test", confidence=1.0, entity_id=entity_id)


@pytest.fixture
def archive(ctx):
    """Items a1 (3 pages, in two cases), a2 (7 pages, Russian, no collection), a3 (not yet processed), a4 (failed,
    one page), with a person of many names, a place and an organisation mentioned on their pages."""
    with ctx.db.sessions.begin() as session:
        session.add(Collection(id="col", name="Melitopol 2022"))
        session.add_all([Entity(id="e-person", kind="person", name="Коваленко", key="k"),
                         Entity(id="e-place", kind="place", name="Таганрог", key="t"),
                         Entity(id="e-org", kind="org", name="ФСИН", key="f")])
        session.flush()
        session.add_all([EntityName(entity_id="e-person", name=name, key="k") for name in ["Коваленко", *ALIASES]])
        session.add_all([EntityName(entity_id="e-place", name=name, key="t") for name in ["Taganrog", "Таганрог"]])
        items = [
            _item("a1", "processed", 3, languages=["uk", "ru"], doc_type="testimony", title="Свідчення",
                  doc_date_start=DAY, collection_id="col", classification="public"),
            _item("a2", "needs_ocr", 7, languages=["ru"], doc_type="letter", doc_date_end=DAY),
            _item("a3", "received", 2),
            _item("a4", "failed", 1, languages=[]),
        ]
        session.add_all([EvidenceItem(**item) for item in items])
        session.flush()
        for item in items:
            session.add_all([Page(id=f"{item['id']}-p{n}", item_id=item["id"], number=n, text=f"{item['id']} page {n}")
                             for n in range(item["page_count"], 0, -1)])  # stored out of order
        session.flush()
        session.add_all([_mention("a1", 1, "e-person"), _mention("a1", 1, "e-person"), _mention("a1", 1, "e-place"),
                         _mention("a1", 3, "e-org"), _mention("a2", 6, "e-person"), _mention("a3", 1, "e-place")])
        session.add_all([Case(id="case-b", forum="echr", title="B"), Case(id="case-a", forum="icc", title="A")])
        session.flush()
        session.add_all([Exhibit(case_id=case, item_id="a1", number=str(n), page_start=1, page_end=1)
                         for n, case in enumerate(["case-b", "case-a", "case-b"])])
    return ctx


def _expected() -> list[PageDoc]:
    person = EntityRef("e-person", "person", "Коваленко", tuple(ALIASES[:sync.MAX_ALIASES]))
    place = EntityRef("e-place", "place", "Таганрог", ("Taganrog",))
    org = EntityRef("e-org", "organisation", "ФСИН")
    a1 = {1: (person, place), 2: (), 3: (org,)}
    docs = [PageDoc(page_id=f"a1-p{n}", item_id="a1", page_number=n, text=f"a1 page {n}", title="Свідчення",
                    collection="Melitopol 2022", doc_type="testimony", language="uk", date_start=DAY,
                    classification="public", case_ids=("case-a", "case-b"), entities=a1[n]) for n in (1, 2, 3)]
    docs += [PageDoc(page_id=f"a2-p{n}", item_id="a2", page_number=n, text=f"a2 page {n}", doc_type="letter",
                     language="ru", date_end=DAY, classification="confidential",
                     entities=(person,) if n == 6 else ()) for n in range(1, 8)]
    docs.append(PageDoc(page_id="a4-p1", item_id="a4", page_number=1, text="a4 page 1", doc_type="other",
                        classification="confidential"))
    return docs


BATCHES = [pytest.param({}, id="default batches"),
           pytest.param({"PAGE_BATCH": 2, "ITEM_BATCH": 1, "GROUP_PAGES": 1}, id="one item, two pages a query"),
           pytest.param({"PAGE_BATCH": 3, "ITEM_BATCH": 3, "GROUP_PAGES": 4}, id="batches cutting items")]


@pytest.mark.parametrize("batches", BATCHES)
def test_every_indexable_page_with_its_metadata_entities_and_cases(archive, monkeypatch, batches):
    for name, value in batches.items():
        monkeypatch.setattr(sync, name, value)
    with archive.db.reader() as session:
        docs = list(sync.page_docs(session))
    expected = _expected()
    assert [d.page_id for d in docs] == [d.page_id for d in expected]  # by item, then page number; a3 waits
    assert docs == expected


@pytest.mark.parametrize("batches", BATCHES)
def test_the_items_asked_for_once_each_and_only_if_indexable(archive, monkeypatch, batches):
    for name, value in batches.items():
        monkeypatch.setattr(sync, name, value)
    with archive.db.reader() as session:
        docs = list(sync.page_docs(session, ["a4", "a3", "a1", "a4", "missing"]))
    assert sorted(docs, key=lambda d: d.page_id) == [d for d in _expected() if d.item_id in ("a1", "a4")]
    assert [d.page_number for d in docs if d.item_id == "a1"] == [1, 2, 3]
