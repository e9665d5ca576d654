"""The embedded backend: a tantivy index on disk, no server needed.

Layout: ``ROOT/CURRENT`` names the live generation directory ``ROOT/g-<time>``; ``rebuild`` writes a
new generation and swaps CURRENT atomically (os.replace), so readers never see a half-built index.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import string
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from itertools import chain, islice
from pathlib import Path

import tantivy
from tantivy import Occur
from tantivy import Query as T

from archive_schema.search.backend import (
    STALE_INDEX, STORED_FIELDS, Hit, facet_buckets, group_hits, item_hits,
)
from archive_schema.search.model import PageDoc, Results
from archive_schema.search.plan import (
    GAP, Bool, Clause, FuzzyToken, IntRange, MatchAll, MatchNone, PhraseTokens, PrefixToken, Terms,
    plan,
)
from archive_schema.search.query import ENTITY_LABELS, Query, SearchError

log = logging.getLogger(__name__)
#: 2: the lemma stream carries function-word pairs (analysis.function_grams), which phrases of two
#: function words look up; pages indexed by version 1 lack them
SCHEMA_VERSION = "2"
KEYWORDS = ("page_id", "item_id", "title", "collection", "doc_type", "language", "classification",
            "month", *(f"facet_{label}" for label in ENTITY_LABELS))
INTEGERS = ("item_hash", "page_number", "date_start", "date_end")
FACET_FIELDS = {**{label: f"facet_{label}" for label in ENTITY_LABELS}, "doc_type": "doc_type",
                "language": "language", "collection": "collection", "month": "month"}
MONTH_BUCKETS = 1200  # a century of months: the histogram is never cut
ITEMS_AGGREGATION = "\x1fitems"  # names no facet can have
PAGES_AGGREGATION = "\x1fpages"
#: a write of at least this many pages analyses them in worker processes (analysis is pure Python,
#: so one process cannot use a second core); smaller writes are not worth starting the workers
PARALLEL_PAGES = 4_000
CHUNK_PAGES = 200  # pages per task sent to a worker
AGGREGATION_THREADS = 4  # concurrent searches' counting passes; tantivy runs them outside the GIL


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in KEYWORDS:
        builder.add_text_field(name, stored=True, fast=True, tokenizer_name="raw")
    for name in ("case_ids", "entity_ids"):
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    for name in INTEGERS:
        builder.add_integer_field(name, stored=True, indexed=True, fast=True)
    # the token streams are analysed in Python (analysis.py): split on spaces only
    builder.add_text_field("terms", tokenizer_name="whitespace", index_option="position")
    builder.add_text_field("keys", tokenizer_name="whitespace", index_option="position")
    builder.add_text_field("entity_terms", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("entity_keys", tokenizer_name="whitespace", index_option="freq")
    builder.add_bytes_field("text", stored=True)
    return builder.build()


class EmbeddedBackend:
    """SearchBackend on a tantivy index under root."""

    def __init__(self, root: Path, *, writer_heap: int = 1_000_000_000, writer_threads: int | None = None,
                 analysis_workers: int | None = None):
        self.root = Path(root)
        self.writer_heap = writer_heap
        #: tantivy's indexing threads (0: tantivy's choice, one per core). On two cores the feeding
        #: thread fills one, and a single writer thread on the other was faster than two (a million
        #: pages on an idle machine: 6,210 against 5,442 pages/s)
        self.writer_threads = _default_writer_threads() if writer_threads is None else writer_threads
        #: processes analysing pages for bulk writes (0: in this process). By default only with
        #: four or more cores: on two, tantivy's writer threads and the feeding thread already use
        #: both, and a busy 2-core machine measured ~20% slower with workers (pickling, and every
        #: worker meeting the vocabulary cold) than without
        self.analysis_workers = (_default_workers() if analysis_workers is None
                                 else analysis_workers)
        self.schema = build_schema()
        self.root.mkdir(parents=True, exist_ok=True)
        self._generation = self._current() or self._new_generation()
        if self.outdated():
            log.warning(STALE_INDEX, self.root / self._generation, SCHEMA_VERSION)
        self._index = self._open(self._generation)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0
        self._pool_lock = threading.Lock()

    # --- generations -------------------------------------------------------------------------

    def _current(self) -> str | None:
        pointer = self.root / "CURRENT"
        if not pointer.exists():
            return None
        name = pointer.read_text().strip()
        return name if (self.root / name).is_dir() else None

    def _new_generation(self) -> str:
        name = f"g{SCHEMA_VERSION}-{time.time_ns()}"
        (self.root / name).mkdir()
        if self._current() is None:
            self._point_to(name)
        return name

    def _point_to(self, name: str) -> None:
        tmp = self.root / "CURRENT.tmp"
        tmp.write_text(name)
        os.replace(tmp, self.root / "CURRENT")

    def _open(self, name: str) -> tantivy.Index:
        return tantivy.Index(self.schema, path=str(self.root / name), reuse=True)

    # --- writes ------------------------------------------------------------------------------

    def _write(self, index: tantivy.Index, pages: Iterable[PageDoc], *, upsert: bool,
               replace_items: Iterable[str] = ()) -> int:
        analysed = _analysed(pages, self.analysis_workers)  # before the writer starts its threads
        try:
            try:
                writer = index.writer(self.writer_heap, self.writer_threads)
            except ValueError as exc:
                raise SearchError(f"the index is locked by another writer: {exc}") from exc
            for item_id in replace_items:
                writer.delete_documents_by_term("item_id", item_id)
            written = 0
            for page, fields in analysed:
                fields["text"] = page.text.encode()
                if upsert:
                    writer.delete_documents_by_term("page_id", page.page_id)
                # absent values and empty lists add nothing (and cost a conversion each)
                writer.add_document(tantivy.Document(**{k: v for k, v in fields.items()
                                                        if v is not None and v != []}))
                written += 1
        finally:
            analysed.close()
        writer.commit()
        writer.wait_merging_threads()
        return written

    def index(self, pages: Iterable[PageDoc]) -> int:
        written = self._write(self._index, pages, upsert=True)
        self._index.reload()
        return written

    def replace(self, item_ids: Iterable[str], pages: Iterable[PageDoc]) -> int:
        written = self._write(self._index, pages, upsert=False, replace_items=list(item_ids))
        self._index.reload()
        return written

    def delete(self, page_ids: Iterable[str] = (), item_id: str | None = None) -> None:
        writer = self._index.writer(self.writer_heap, self.writer_threads)
        for page_id in page_ids:
            writer.delete_documents_by_term("page_id", page_id)
        if item_id is not None:
            writer.delete_documents_by_term("item_id", item_id)
        writer.commit()
        writer.wait_merging_threads()
        self._index.reload()

    def rebuild(self, pages: Iterable[PageDoc]) -> int:
        old = self._generation
        name = self._new_generation()
        index = self._open(name)
        written = self._write(index, pages, upsert=False)
        self._point_to(name)
        self._index, self._generation = index, name
        self._index.reload()
        shutil.rmtree(self.root / old)
        return written

    def clear(self) -> None:
        self.rebuild(())

    def refresh(self) -> None:
        current = self._current()
        if current and current != self._generation:
            self._index, self._generation = self._open(current), current
        self._index.reload()

    def _aggregator(self) -> ThreadPoolExecutor:
        # a forked child (a prefork worker) inherits the pool but not its threads: work queued
        # there would wait forever, so each process makes its own; the lock keeps concurrent first
        # searches (a threaded server) from making two
        if self._pool_pid != os.getpid() and self._pool is not None:
            # a new process: the lock may have been copied while a parent thread held it
            self._pool_lock, self._pool = threading.Lock(), None
        with self._pool_lock:
            if self._pool is None or self._pool_pid != os.getpid():
                self._pool = ThreadPoolExecutor(AGGREGATION_THREADS, thread_name_prefix="svidok-aggregate")
                self._pool_pid = os.getpid()
            return self._pool

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown()
                self._pool = None
        del self._index

    # --- reads -------------------------------------------------------------------------------

    def count(self) -> int:
        return self._index.searcher().num_docs

    def outdated(self) -> list[str]:
        return [] if self._generation.startswith(f"g{SCHEMA_VERSION}-") else [self._generation]

    def ids(self) -> Iterator[str]:
        searcher = self._index.searcher()
        total = searcher.num_docs
        if not total:
            return
        for _, address in searcher.search(T.all_query(), limit=total, count=False).hits:
            yield searcher.doc(address)["page_id"][0]

    def search(self, query: Query) -> Results:
        started = time.perf_counter()
        clause, highlights = plan(query)
        compiled = self._compile(clause)
        searcher = self._index.searcher()
        # the counts and facets are a second pass over the matches: it runs on another core while
        # this thread collects the top hits (tantivy releases the GIL in both)
        aggregation = self._aggregator().submit(self._aggregate, searcher, compiled, query)
        # count=False lets tantivy skip blocks that cannot reach the top hits (block-max WAND);
        # the exact page count comes from the aggregation pass the item count needs anyway
        if query.sort == "relevance":
            result = searcher.search(compiled, limit=query.window, count=False)
        else:
            order = tantivy.Order.Asc if query.sort == "date" else tantivy.Order.Desc
            result = searcher.search(compiled, limit=query.window, count=False,
                                     order_by_field="date_start", order=order)
        addresses = [address for _, address in result.hits]
        item_keys = searcher.fast_field_values("item_hash", addresses) if addresses else []
        hits = [Hit(i, key, float(score) if query.sort == "relevance" else 0.0)
                for i, ((score, _), key) in enumerate(zip(result.hits, item_keys))]
        groups = group_hits(hits, query)
        stored = {}
        for group in groups:
            for hit in group[:query.pages_per_item] + group[:1]:
                stored[hit.ref] = self._stored(searcher.doc(addresses[hit.ref]))
        total_pages, total_items, facets = aggregation.result()
        return Results(
            total_pages=total_pages,
            total_items=total_items,
            items=item_hits(groups, stored, query, highlights),
            facets=facets,
            took_ms=(time.perf_counter() - started) * 1000,
        )

    @staticmethod
    def _stored(document: tantivy.Document) -> dict:
        values = document.to_dict()
        out = {name: (values.get(name) or [None])[0] for name in STORED_FIELDS}
        out["text"] = bytes(out["text"] or b"").decode()
        return out

    def _aggregate(self, searcher, compiled, query: Query) -> tuple[int, int, dict]:
        """(pages, distinct items, facets) of all matches, in one pass over them.

        Every page has exactly one page_number, so its value count is the number of matching pages.
        """
        aggregations = {
            name: {"terms": {"field": FACET_FIELDS[name],
                             "size": MONTH_BUCKETS if name == "month" else query.facet_size}}
            for name in query.facets
        }
        aggregations[PAGES_AGGREGATION] = {"value_count": {"field": "page_number"}}
        # the item's hash rather than its id: a number column, ~40% faster than the string one
        aggregations[ITEMS_AGGREGATION] = {"cardinality": {"field": "item_hash"}}
        answer = searcher.aggregate(compiled, aggregations)
        facets = {
            name: facet_buckets(name, ((b["key"], b["doc_count"]) for b in answer[name]["buckets"]
                                       if b["key"] != ""))
            for name in query.facets
        }
        pages = int(answer[PAGES_AGGREGATION]["value"] or 0)
        return pages, round(answer[ITEMS_AGGREGATION]["value"] or 0) if pages else 0, facets

    # --- compile -----------------------------------------------------------------------------

    def _compile(self, clause: Clause) -> T:
        schema = self.schema
        if isinstance(clause, Terms):
            if clause.field in INTEGERS:
                raise SearchError(f"Terms on integer field {clause.field}")
            if len(clause.values) == 1:
                query = T.term_query(schema, clause.field, clause.values[0])
            else:
                query = T.term_set_query(schema, clause.field, list(clause.values))
            return T.boost_query(query, clause.boost) if clause.boost != 1.0 else query
        if isinstance(clause, PhraseTokens):
            words = [(i, token) for i, token in enumerate(clause.tokens) if token != GAP]
            return T.phrase_query(schema, clause.field, words, clause.slop)
        if isinstance(clause, FuzzyToken):
            return T.fuzzy_term_query(schema, clause.field, clause.value, clause.distance, True)
        if isinstance(clause, PrefixToken):
            return T.regex_query(schema, clause.field, _regex_escape(clause.value) + ".*")
        if isinstance(clause, IntRange):
            return T.range_query(schema, clause.field, tantivy.FieldType.Integer,
                                 clause.gte, clause.lte)
        if isinstance(clause, MatchAll):
            return T.all_query()
        if isinstance(clause, MatchNone):
            return T.empty_query()
        if isinstance(clause, Bool):
            parts = [(Occur.Must, self._compile(c)) for c in clause.must]
            parts += [(Occur.Must, T.const_score_query(self._compile(c), 0.0)) for c in clause.filter]
            parts += [(Occur.MustNot, self._compile(c)) for c in clause.must_not]
            shoulds = [(Occur.Should, self._compile(c)) for c in clause.should]
            if shoulds and parts:
                # ES semantics: with must/filter present, should only scores
                parts.append((Occur.Should, T.boolean_query(shoulds)))
            elif shoulds:
                parts = shoulds
            if not parts:
                return T.all_query()
            if all(occur == Occur.MustNot for occur, _ in parts):
                parts.append((Occur.Must, T.all_query()))
            return T.boolean_query(parts)
        raise TypeError(f"not a clause: {clause!r}")


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _default_workers() -> int:
    cores = _cores()
    return min(cores - 1, 8) if cores >= 4 else 0


def _default_writer_threads() -> int:
    return 1 if _cores() <= 2 else 0


def _analysed(pages: Iterable[PageDoc], workers: int):
    """(page, page.fields() without "text") in order; large writes analysed by worker processes.

    Call before opening the index writer: the workers are forked at once, while this process runs
    no tantivy threads (a fork would copy them mid-flight), and inherit its warm analysis caches.
    A bounded number of chunks is in flight, so memory stays flat however many pages come.
    """
    pages = iter(pages)
    head = list(islice(pages, PARALLEL_PAGES))
    if workers < 1 or len(head) < PARALLEL_PAGES or "fork" not in multiprocessing.get_all_start_methods():
        return ((page, _fields(page)) for page in chain(head, pages))
    source = chain(head, pages)
    chunks = iter(lambda: list(islice(source, CHUNK_PAGES)), [])
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    in_flight: deque = deque()
    try:
        for chunk in islice(chunks, 2 * workers):  # the first submits fork every worker, now
            in_flight.append((chunk, pool.submit(_fields_of, chunk)))
    except BaseException:
        pool.shutdown(cancel_futures=True)
        raise
    return _Collected(_collect(pool, chunks, in_flight, 3 * workers), pool)


class _Collected:
    """The workers' results in order; close() stops the workers even if iteration never began."""

    def __init__(self, results: Iterator[tuple[PageDoc, dict]], pool: ProcessPoolExecutor):
        self.results, self.pool = results, pool

    def __iter__(self) -> Iterator[tuple[PageDoc, dict]]:
        return self.results

    def close(self) -> None:
        self.results.close()
        self.pool.shutdown(cancel_futures=True)


def _collect(pool: ProcessPoolExecutor, chunks: Iterator[list[PageDoc]], in_flight: deque,
             depth: int) -> Iterator[tuple[PageDoc, dict]]:
    try:
        for chunk in chunks:
            in_flight.append((chunk, pool.submit(_fields_of, chunk)))
            if len(in_flight) >= depth:
                chunk, future = in_flight.popleft()
                yield from zip(chunk, future.result())
        while in_flight:
            chunk, future = in_flight.popleft()
            yield from zip(chunk, future.result())
    finally:
        pool.shutdown(cancel_futures=True)


def _fields(page: PageDoc) -> dict:
    fields = page.fields()
    del fields["text"]
    return fields


def _fields_of(pages: list[PageDoc]) -> list[dict]:
    """Worker side of _analysed: the analysed fields (the text stays with the caller)."""
    return [_fields(page) for page in pages]


def _regex_escape(text: str) -> str:
    # the engine's (Rust) regex syntax refuses escapes of anything but ASCII punctuation ("\\£" is an error)
    return "".join("\\" + ch if ch in string.punctuation else ch for ch in text)
