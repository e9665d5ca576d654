"""Scans through the normal ingest path: OCR'd, searchable by page, confidence stored, text layer derived and
linked, the original untouched, and OCR not redone when the item is processed again."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from archive_schema.models import EvidenceItem, ItemLink, Page
from archive_schema.search import Access, Query
from archive_schema.vocab import ItemState
from ingest import ocr
from ingest.pipeline import reprocess, process

from .conftest import MIXED_TYPED


def item_for(ctx, path):
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    with ctx.db.reader() as session:
        item = session.scalar(select(EvidenceItem).where(EvidenceItem.sha256 == sha))
        session.expunge(item)
        return item


def pages_of(ctx, item_id):
    with ctx.db.reader() as session:
        return [(p.number, p.text, p.ocr_confidence)
                for p in session.scalars(select(Page).where(Page.item_id == item_id).order_by(Page.number))]


def hits(ctx, q):
    ctx.search.refresh()
    results = ctx.search.search(Query.parse(q, access=Access.everything()))
    return {(hit.item_id, page.page_number) for hit in results.items for page in hit.pages}


@pytest.mark.parametrize("lang, word, page", [("uk", "Ткачук", 1), ("uk", "Марченко", 2),
                                              ("ru", "Белоусова", 1), ("ru", "изолятор", 2),
                                              ("en", "Verity", 1)])
def test_ocr_pages_of_each_language_are_found_by_search_on_their_page(scanned, lang, word, page):
    ctx, paths = scanned
    item = item_for(ctx, paths[lang])
    assert item.state == ItemState.processed.value, item.error
    assert (item.id, page) in hits(ctx, word)


def test_only_the_pages_without_a_text_layer_are_ocr_read(scanned):
    ctx, paths = scanned
    item = item_for(ctx, paths["mixed"])
    (_, typed, typed_confidence), (_, scanned_text, confidence) = pages_of(ctx, item.id)
    assert typed.split() == MIXED_TYPED.split() and typed_confidence is None  # the text layer, as it was
    assert "Zorin" in scanned_text and confidence > 0.5
    assert item.properties["ocr"]["pages"] == 1
    assert (item.id, 2) in hits(ctx, "Zorin") and (item.id, 1) not in hits(ctx, "Zorin")


def test_each_ocr_page_stores_its_confidence(scanned):
    ctx, paths = scanned
    for lang, expected in (("uk", 2), ("ru", 2), ("en", 1)):
        pages = pages_of(ctx, item_for(ctx, paths[lang]).id)
        assert [number for number, _, _ in pages] == list(range(1, expected + 1))
        for _, text, confidence in pages:
            assert text.strip() and confidence is not None and 0.5 < confidence <= 1.0, (lang, text, confidence)


def test_the_text_layer_is_a_derived_item_linked_to_the_unchanged_original(scanned):
    ctx, paths = scanned
    for path in paths.values():
        item = item_for(ctx, path)
        with ctx.db.reader() as session:
            [link] = session.scalars(select(ItemLink).where(ItemLink.parent_id == item.id,
                                                            ItemLink.relation == "ocr"))
            layer = session.get(EvidenceItem, link.child_id)
            assert layer.derived_from_id == item.id
            assert layer.media_type == ocr.LAYER_MEDIA_TYPE and layer.classification == item.classification
            assert item.properties["ocr"]["layer"] == layer.id
            layer_sha = layer.sha256
        with ctx.blobs.open(item.sha256) as fh:
            assert fh.read() == path.read_bytes()  # the original, byte for byte
        with ctx.blobs.open(layer_sha) as fh:
            body = ocr.read_layer(fh.read())
        assert body["source_sha256"] == item.sha256
        stored = {number: text for number, text, confidence in pages_of(ctx, item.id) if confidence is not None}
        assert {p["number"]: p["text"] for p in body["pages"]} == stored
        assert all(p["words"] for p in body["pages"])  # every word with its box and confidence


def test_reprocessing_reuses_the_text_layer_and_does_not_run_tesseract_again(scanned, monkeypatch):
    ctx, paths = scanned
    calls = []
    real = ocr.recognise

    def spy(image, langs=ocr.DEFAULT_LANGS):
        calls.append(langs)
        return real(image, langs)

    monkeypatch.setattr(ocr, "recognise", spy)
    ids = [item_for(ctx, path).id for path in paths.values()]
    before = {item_id: pages_of(ctx, item_id) for item_id in ids}
    assert reprocess(ctx, "extract", lambda item_id: process(ctx, item_id), item_ids=ids) == len(paths)
    assert calls == []
    assert {item_id: pages_of(ctx, item_id) for item_id in ids} == before
    assert all(item_for(ctx, path).state == ItemState.processed.value for path in paths.values())
    assert (ids[0], 1) in hits(ctx, "Ткачук")

    # a new OCR version is a new engine: the layer no longer matches and Tesseract reads the page again
    monkeypatch.setitem(ocr_stages(), "ocr", "test-2")
    reprocess(ctx, "extract", lambda item_id: process(ctx, item_id), item_ids=[ids[2]])
    assert len(calls) == 1  # the JPEG's one page
    with ctx.db.reader() as session:
        links = session.scalars(select(ItemLink).where(ItemLink.parent_id == ids[2], ItemLink.relation == "ocr"))
        assert len(list(links)) == 2  # the old layer stays: derived items are never changed or dropped


def ocr_stages():
    from archive_schema.vocab import STAGES

    return STAGES
