"""Search benchmark: synthetic uk/ru/en pages with Zipf-distributed vocabulary.

    .venv/bin/python bench/search.py                       # 100k pages, embedded + Elasticsearch (osmem)
    .venv/bin/python bench/search.py --pages 1000000 --no-elasticsearch
    .venv/bin/python bench/search.py --pages 100000 --no-elasticsearch --from-postgresql

Prints indexing pages/s, index size on disk and p50/p95/p99 latency per query kind (term, phrase,
fuzzy, filtered+faceted, cross-script). Vocabulary: inflected forms from the pymorphy3 uk/ru
dictionaries, a fixed English word list, and generated surnames/places in their case forms.

By default the index is built by the backend's rebuild from pages held in memory: analysis and indexing
only. With --from-postgresql the pages are first stored in a fresh PostgreSQL database (items of 8 pages,
encrypted page text, a person mentioned on each page, as ingest leaves them) and the index is built as
`svidok reindex` builds it (sync.reindex): reading SQL included. Only indexing is timed then: items of one
language with their first page's metadata make another corpus for the query mix.
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from array import array
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import date, timedelta
from itertools import islice
from pathlib import Path

import numpy as np
import pymorphy3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive_schema.search import Access, EntityRef, PageDoc, Query, open_search  # noqa: E402
from archive_schema.search.sync import reindex  # noqa: E402
from bench.machine import describe  # noqa: E402

ENGLISH = ("the of and to in was were he she they detained by soldiers at checkpoint taken prison "
           "camp colony interrogation beaten released exchange family mother father son daughter "
           "village city region occupied forces basement held without charge lawyer court sentence "
           "years testimony witness saw heard night morning bus transferred filtration documents "
           "phone passport missing relatives searched returned wounded medical treatment denied "
           "cell guards food water cold winter spring summer autumn letter list prisoners war").split()
SURNAMES = ("Коваленко Петренко Шевченко Бондаренко Ткаченко Кравченко Олійник Мельник Шевчук "
            "Ковальчук Ткачук Савченко Руденко Марченко Левченко Гнатюк Щербина Мороз Лисенко").split()
TRANSLIT = {"Коваленко": "Kovalenko", "Петренко": "Petrenko", "Шевченко": "Shevchenko",
            "Бондаренко": "Bondarenko", "Мельник": "Melnyk", "Ковальчук": "Kovalchuk",
            "Савченко": "Savchenko", "Щербина": "Shcherbyna", "Гнатюк": "Hnatiuk"}
LANGS = ("uk", "ru", "en")
START = date(2022, 2, 24)


def vocabulary(lang: str, size: int, rng: random.Random) -> list[str]:
    if lang == "en":
        words = list(ENGLISH)
        words += ["".join(rng.choice("bcdfghklmnprstvw") + rng.choice("aeiou") for _ in range(3))
                  for _ in range(size - len(words))]
        return words
    morph = pymorphy3.MorphAnalyzer(lang=lang)
    known = list(islice(morph.dictionary.iter_known_words(), 0, size * 40, 40))
    rng.shuffle(known)
    return [w for w, *_ in known][:size]


def surname_forms(name: str) -> list[str]:
    """A Ukrainian surname in a few grammatical cases (nominative, genitive, dative, instrumental)."""
    if name.endswith("о"):
        return [name, name[:-1] + "а", name[:-1] + "ові", name + "м"]
    if name.endswith("а"):
        return [name, name[:-1] + "и", name[:-1] + "і", name[:-1] + "ою"]
    return [name, name + "а", name + "ові", name + "ом"]


def corpus(pages: int, seed: int = 7) -> Iterator[PageDoc]:
    """Deterministic synthetic pages: Zipf vocabulary per language plus surnames as entities."""
    return (page_doc(*spec) for spec in _page_specs(pages, seed))


def _page_specs(pages: int, seed: int) -> Iterator[tuple[int, str, int, int]]:
    """(number, text, surname index, day) of each page: all a page holds that its number does not give."""
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    vocab = {lang: vocabulary(lang, 30_000, rng) for lang in LANGS}
    weights = 1 / np.arange(1, 30_001) ** 1.07
    cumulative = np.cumsum(weights) / weights.sum()
    for i in range(pages):
        words_for = vocab[LANGS[i % 3]]
        n = int(np_rng.integers(120, 280))
        picks = np.searchsorted(cumulative, np_rng.random(n))
        words = [words_for[j] for j in picks]
        stem = int(np_rng.integers(0, len(SURNAMES)))
        name = rng.choice(surname_forms(SURNAMES[stem]))
        words.insert(int(np_rng.integers(0, n)), name)
        yield i, " ".join(words), stem, int(np_rng.integers(0, 900))


def page_doc(i: int, text: str, stem: int, day: int) -> PageDoc:
    surname, when = SURNAMES[stem], START + timedelta(days=day)
    return PageDoc(
        page_id=f"p{i}", item_id=f"i{i // 8}", page_number=i % 8 + 1, text=text,
        title=f"Item {i // 8}", collection=f"c{i % 20}", doc_type=("testimony", "letter", "list")[i % 3],
        language=LANGS[i % 3], date_start=when, date_end=when,
        classification=("public", "confidential")[i % 4 == 0],
        entities=(EntityRef(f"per-{surname}", "person", surname),),
    )


class PackedCorpus:
    """A corpus held as one UTF-8 buffer and three number arrays, whose PageDocs are made as they are read.

    A rebuild from SQL (sync.reindex) streams its pages and holds none of them. Held as a million PageDoc
    objects (as this benchmark did before 2026-12-03, and still does with --held-pages), they made glibc's
    malloc slower for every page after them: 150,000 pages fed at 4,945 pages/s with the rest of the million
    held, against 7,021 with it freed, same code, same hour; perf put _int_malloc at 28 % and 10 % of the
    feeding thread's samples. A page read here costs its decoding and a PageDoc, as a streamed rebuild pays
    for each row it reads.
    """

    def __init__(self, pages: int, seed: int = 7):
        self.texts, self.ends = bytearray(), array("Q")
        self.stems, self.days = array("B"), array("H")
        for i, text, stem, day in _page_specs(pages, seed):
            self.texts += text.encode()
            self.ends.append(len(self.texts))
            self.stems.append(stem)
            self.days.append(day)

    def __iter__(self) -> Iterator[PageDoc]:
        view, start = memoryview(self.texts), 0
        for i, (end, stem, day) in enumerate(zip(self.ends, self.stems, self.days)):
            yield page_doc(i, str(view[start:end], "utf-8"), stem, day)
            start = end


@contextmanager
def postgresql_archive(pages: int, home: Path) -> Iterator[object]:
    """A fresh PostgreSQL database holding the corpus as ingest would (dropped afterwards): its Database."""
    from sqlalchemy import insert, text

    from archive_schema.db import connect
    from archive_schema.models import Collection, Entity, EntityName, EvidenceItem, Mention, Page
    from archive_schema.settings import Settings
    from bench.postgres import fresh_database

    url, drop = fresh_database()
    db = None
    try:
        settings = Settings.from_env({"SVIDOK_HOME": str(home), "SVIDOK_DATABASE_URL": url})
        db = connect(settings, upgrade=True)
        started = time.perf_counter()
        with db.sessions.begin() as session:
            session.execute(insert(Collection), [{"id": f"c{k}", "name": f"c{k}"} for k in range(20)])
            session.execute(insert(Entity), [{"id": f"per-{n}", "kind": "person", "name": n, "key": n}
                                             for n in SURNAMES])
            session.execute(insert(EntityName), [{"entity_id": f"per-{n}", "name": form, "key": n}
                                                 for n in SURNAMES for form in surname_forms(n)])
        rows: dict[type, list[dict]] = {EvidenceItem: [], Page: [], Mention: []}
        for i, text_, stem, day in _page_specs(pages, 7):
            # an item is 8 pages of one language (analysis as for the generated corpus), its metadata its
            # first page's
            doc, lang, j = page_doc(i, text_, stem, day), i % 3, i // 3
            item_id, number = f"i{lang}-{j // 8}", j % 8 + 1
            if number == 1:
                rows[EvidenceItem].append({
                    "id": item_id, "sha256": f"{i:064x}", "filename": f"{item_id}.pdf", "size": len(text_),
                    "page_count": min(8, len(range(lang, pages, 3)) - j), "languages": [doc.language],
                    "doc_type": doc.doc_type, "title": doc.title, "doc_date_start": doc.date_start,
                    "doc_date_end": doc.date_end, "collection_id": doc.collection,
                    "classification": doc.classification, "state": "processed"})
            rows[Page].append({"id": doc.page_id, "item_id": item_id, "number": number, "text": text_})
            rows[Mention].append({"item_id": item_id, "page_id": doc.page_id, "page_number": number, "start": 0,
                                  "end": 1, "label": "PERSON", "text": SURNAMES[stem], "source": "bench",
                                  "confidence": 1.0, "entity_id": doc.entities[0].id})
            if len(rows[Page]) >= 8_000 or i == pages - 1:
                with db.sessions.begin() as session:
                    for model, batch in rows.items():
                        if batch:
                            session.execute(insert(model), batch)
                        batch.clear()
        with db.engine.begin() as conn:  # as a database in use has, and svidok restore makes before reindexing
            conn.execute(text("ANALYZE"))
        print(f"{pages:,} pages stored in PostgreSQL and analysed in {time.perf_counter() - started:.0f} s",
              flush=True)
        yield db
    finally:
        if db is not None:
            db.dispose()
        drop()


def query_mix(rng: random.Random) -> dict[str, list[Query]]:
    everything = Access.everything()
    uk, en = vocabulary("uk", 30_000, random.Random(7)), ENGLISH
    names = list(TRANSLIT)
    mix = {
        "term": [Query.parse(rng.choice(uk[20:3000]), access=everything) for _ in range(40)],
        "phrase": [Query.parse(f'"{rng.choice(en[:30])} {rng.choice(en[:30])}"', access=everything)
                   for _ in range(40)],
        "fuzzy": [Query.parse(_typo(rng.choice(names), rng) + "~", access=everything) for _ in range(40)],
        "filtered+faceted": [Query.parse(f"{rng.choice(names)} lang:uk date:2022-03..2023-06",
                                         access=Access.public(),
                                         facets=("person", "doc_type", "collection", "month"))
                             for _ in range(40)],
        "cross-script": [Query.parse(TRANSLIT[rng.choice(names)], access=everything) for _ in range(40)],
    }
    return mix


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def run(backend, pages: int, label: str, directory: Path | None, *, held: bool = False,
        db=None) -> None:
    """Index the corpus (from db with sync.reindex when given, else the corpus generated first, so the
    figure is analysis + indexing only), then time the query mix."""
    docs = None if db is not None else list(corpus(pages)) if held else PackedCorpus(pages)
    source = (" (from PostgreSQL, as svidok reindex)" if db is not None
              else " (pages held as PageDoc objects)" if held else "")
    print(f"\n{label}, host before indexing: {describe()}{source}", flush=True)
    # held pages: a rebuild from SQL streams its pages; held here, a million of them would make every
    # full pass of the cyclic garbage collector during indexing walk them all
    gc.freeze()
    started = time.perf_counter()
    written = reindex(db, backend) if db is not None else backend.rebuild(docs)
    backend.refresh()
    elapsed = time.perf_counter() - started
    # a search server does not hold the corpus: millions of live objects would make the cyclic
    # garbage collector's full passes (hundreds of ms at 1M pages) land inside query timings
    del docs
    gc.unfreeze()
    gc.collect()
    size = sum(f.stat().st_size for f in directory.rglob("*") if f.is_file()) if directory else None
    print(f"\n== {label}: {written:,} pages indexed in {elapsed:.1f} s = {written / elapsed:,.0f} pages/s"
          + (f", index {size / 1e6:,.0f} MB on disk" if size else "") + _load())
    if db is not None:  # items of one language: another corpus for the query mix than the other runs'
        print(f"{label}, host after indexing: {describe()} (queries are timed without --from-postgresql)")
        return
    rng = random.Random(11)
    for kind, queries in query_mix(rng).items():
        for q in queries[:5]:
            backend.search(q)  # warm caches
        timings, totals = [], []
        for _ in range(3):
            for q in queries:
                t = time.perf_counter()
                totals.append(backend.search(q).total_pages)
                timings.append((time.perf_counter() - t) * 1000)
        p = np.percentile(timings, [50, 95, 99])
        print(f"{kind:>17}: p50 {p[0]:6.1f} ms  p95 {p[1]:6.1f} ms  p99 {p[2]:6.1f} ms"
              f"  (median hits {statistics.median(totals):,.0f}){_load()}")
    print(f"{label}, host after the queries: {describe()}", flush=True)


def _load() -> str:
    """The machine's load average: figures from a busy machine are not comparable."""
    return "  [load {:.2f} {:.2f} {:.2f}]".format(*os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--es-pages", type=int, default=100_000)
    parser.add_argument("--no-elasticsearch", action="store_true")
    parser.add_argument("--no-embedded", action="store_true")
    parser.add_argument("--held-pages", action="store_true",
                        help="hold the corpus as PageDoc objects, as before 2026-12-03 (slower: see PackedCorpus)")
    parser.add_argument("--from-postgresql", action="store_true",
                        help="store the pages in a fresh PostgreSQL database first and index them as svidok "
                             "reindex does (admin URL: $SVIDOK_TEST_POSTGRES, default local postgres)")
    parser.add_argument("--writer-threads", type=int, default=None,
                        help="tantivy indexing threads (default: the backend's choice; 0: tantivy's own)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_embedded:
            options = {} if args.writer_threads is None else {"writer_threads": args.writer_threads}
            backend = open_search(None, Path(tmp), **options)
            with (postgresql_archive(args.pages, Path(tmp) / "home") if args.from_postgresql
                  else nullcontext()) as db:
                run(backend, args.pages, "embedded (tantivy)", Path(tmp) / "index", held=args.held_pages, db=db)
            backend.close()
        if not args.no_elasticsearch:
            from osmem_server import OsmemServer

            from bench.osmem_node import PlainJsonNode  # osmem refuses compatible-with media types

            with OsmemServer.start(addr="127.0.0.1:0", japanese=False) as server:
                backend = open_search(server.url, Path(tmp), node_class=PlainJsonNode,
                                      request_timeout=120)
                with (postgresql_archive(args.es_pages, Path(tmp) / "home-es") if args.from_postgresql
                      else nullcontext()) as db:
                    run(backend, args.es_pages, "elasticsearch API (osmem-server, in memory)", None,
                        held=args.held_pages, db=db)
                backend.close()


if __name__ == "__main__":
    main()
