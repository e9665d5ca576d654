"""Bulk writes on the embedded index analyse pages in worker processes; nothing they return may differ."""
from __future__ import annotations

import dataclasses

import pytest

from archive_schema.search import Access, Query, open_search
from archive_schema.search import embedded

from .test_relevance import corpus

QUERIES = ("Коваленка", "Kowalenko", '"СІЗО №2"', "Харкова~", "ковал*", "person:Коваленко",
           "Харків -Оленівка", "")


@pytest.mark.parametrize("write", ["rebuild", "index", "replace"])
def test_pages_analysed_by_workers_index_exactly_like_in_process(tmp_path, monkeypatch, write):
    monkeypatch.setattr(embedded, "PARALLEL_PAGES", 4)
    monkeypatch.setattr(embedded, "CHUNK_PAGES", 3)
    pools = []

    class CountedPool(embedded.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            pools.append(self)

    monkeypatch.setattr(embedded, "ProcessPoolExecutor", CountedPool)
    pages = list(corpus())
    assert len(pages) > embedded.PARALLEL_PAGES
    results = []
    for workers in (0, 2):
        # one writer thread: document order, so the order of tied hits, is the order written
        backend = open_search(None, tmp_path / f"w{workers}", analysis_workers=workers, writer_threads=1)
        if write == "replace":
            assert backend.replace(sorted({p.item_id for p in pages}), iter(pages)) == len(pages)
        else:
            assert getattr(backend, write)(iter(pages)) == len(pages)
        backend.refresh()
        answers = []
        for q in QUERIES:
            found = backend.search(Query.parse(q, access=Access.everything(), pages_per_item=50,
                                               facets=("person", "place", "doc_type", "month")))
            answers.append({**dataclasses.asdict(found), "took_ms": None})
        results.append((sorted(backend.ids()), answers))
        backend.close()
    assert len(pools) == 1  # workers=2 went through the pool, workers=0 did not
    assert results[0] == results[1]


def test_a_forked_process_searches_with_the_backend_its_parent_opened(tmp_path):
    """Counting runs in a thread pool; a prefork worker inherits the pool but not its threads."""
    import multiprocessing

    backend = open_search(None, tmp_path / "forked")
    backend.rebuild(list(corpus()))
    backend.refresh()
    query = Query.parse("Коваленка", access=Access.everything())
    expected = backend.search(query).total_pages
    assert expected > 0  # the parent's search started the pool's threads

    def child(conn):
        conn.send(backend.search(query).total_pages)

    parent_end, child_end = multiprocessing.Pipe()
    process = multiprocessing.get_context("fork").Process(target=child, args=(child_end,))
    process.start()
    process.join(timeout=60)
    alive = process.is_alive()
    if alive:
        process.kill()
    assert not alive, "the forked search hung"
    assert parent_end.recv() == expected
    backend.close()
