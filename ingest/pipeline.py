"""The ingest pipeline: receive -> store blob + custody event -> extract pages (-> later stages).

Every stage run is keyed by (sha256, stage, version) in ``stage_run``: running it again is a no-op, and a run
left ``running`` by a process that died is taken over. Work is promised through the outbox in the same
transaction as the data, and delivered after commit, so a crash at any point loses nothing: the next run
(``svidok ingest`` again, ``svidok worker``, or ``recover``) finishes it.
"""
from __future__ import annotations

import contextlib
import functools
import datetime as dt
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive_schema import audit
from archive_schema.blobs import BlobTooLarge, LocalBlobStore, S3BlobStore, open_blobs
from archive_schema.db import Database, connect
from archive_schema.models import Collection, EvidenceItem, ItemLink, Outbox, Page, StageRun, utcnow
from archive_schema.search.query import SearchError
from archive_schema.search.sync import INDEXED_STATES, request_index
from archive_schema.search.sync import sync as sync_index
from archive_schema.settings import Settings
from archive_schema.vocab import STAGES, DocType, ItemState, StageState

from .extractors import SNIFF_BYTES, ExtractionError, Source, choose
from .metadata import ItemMeta

log = logging.getLogger(__name__)

#: a ZIP in an e-mail in a ZIP … is expanded this many levels deep, no further
MAX_DEPTH = 4
#: a stage ``running`` for longer than this on another host is presumed dead and taken over
STALE_AFTER = dt.timedelta(hours=2)
PAGE_BATCH = 200


class ReceiveError(Exception):
    """The file could not be stored at all (too large, unreadable). Nothing was kept."""


@dataclass
class Context:
    """What the pipeline needs, opened once per process from settings."""
    settings: Settings
    db: Database
    blobs: LocalBlobStore | S3BlobStore

    @classmethod
    def open(cls, settings: Settings, *, upgrade: bool = True) -> "Context":
        settings.ensure_home()
        return cls(settings, connect(settings, upgrade=upgrade), open_blobs(settings))

    @functools.cached_property
    def search(self):
        """The search backend for these settings, opened on first use."""
        from archive_schema.search.backend import open_search

        return open_search(self.settings.search_url, self.settings.home)

    def close(self) -> None:
        if "search" in self.__dict__:
            self.search.close()
        self.db.dispose()

    @contextlib.contextmanager
    def local_copy(self, sha256: str) -> Iterator[Path]:
        """The original as a plain local file: in place when stored in plain, else decrypted/spooled."""
        with self.blobs.local_file(sha256) as path:
            yield path


@dataclass(frozen=True)
class Received:
    item_id: str
    sha256: str
    duplicate: bool


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- receive ------------------------------------------------------------------------------------------------

def receive(ctx: Context, stream: BinaryIO, filename: str, meta: ItemMeta | None = None, *, actor: str = "system",
            via: str = "cli", parent: tuple[str, str, str] | None = None) -> Received:
    """Store the bytes, create (or find) the item, record the receipt. ``parent`` = (item id, relation, name)."""
    meta = meta or ItemMeta()
    try:
        blob = ctx.blobs.put(stream, max_size=ctx.settings.max_file_size)
    except BlobTooLarge as exc:
        raise ReceiveError(f"too large: {exc}; not stored (SVIDOK_MAX_FILE_SIZE)") from None
    except OSError as exc:
        raise ReceiveError(f"cannot read the file: {exc.strerror or exc}") from None
    for attempt in range(3):  # a concurrent receipt of the same bytes may win the unique sha256
        try:
            with ctx.db.sessions.begin() as session:
                return _record_receipt(session, blob.sha256, blob.size, filename, meta, actor, via, parent)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _record_receipt(session: Session, sha256: str, size: int, filename: str, meta: ItemMeta, actor: str,
                    via: str, parent: tuple[str, str, str] | None) -> Received:
    item = session.scalar(select(EvidenceItem).where(EvidenceItem.sha256 == sha256))
    duplicate = item is not None
    if item is None:
        item = EvidenceItem(sha256=sha256, filename=_clean_name(filename), size=size, state=ItemState.received.value)
        apply_meta(session, item, meta)
        session.add(item)
        session.flush()
        session.add(Outbox(topic="stage", key=item.id, payload={}))
    if parent:
        parent_id, relation, name = parent
        exists = session.scalar(select(ItemLink.id).where(ItemLink.parent_id == parent_id,
                                                          ItemLink.child_id == item.id,
                                                          ItemLink.relation == relation))
        if not exists:
            session.add(ItemLink(parent_id=parent_id, child_id=item.id, relation=relation, name=name[:1024]))
    audit.record(session, "item.receive", actor=actor, object_type="item", object_id=item.id,
                 details={"filename": filename, "sha256": sha256, "size": size, "via": via,
                          "duplicate": duplicate, "parent": parent[0] if parent else None})
    return Received(item.id, sha256, duplicate)


def apply_meta(session: Session, item: EvidenceItem, meta: ItemMeta) -> None:
    if meta.title:
        item.title = meta.title
    if meta.doc_type:
        item.doc_type = meta.doc_type
    if meta.date:
        item.doc_date_start, item.doc_date_end = meta.date.start, meta.date.end
        item.doc_date_precision = meta.date.precision
    if meta.language:
        item.languages = list(meta.language)
    if meta.classification:
        item.classification = meta.classification
    if meta.source:
        item.source = meta.source
    if meta.consent_ref:
        item.consent_ref = meta.consent_ref
    if meta.collection:
        item.collection_id = collection_id(session, meta.collection)


def collection_id(session: Session, name: str) -> str:
    found = session.scalar(select(Collection.id).where(Collection.name == name))
    if found:
        return found
    coll = Collection(name=name)
    session.add(coll)
    session.flush()
    return coll.id


def _clean_name(name: str) -> str:
    name = name.replace("\x00", "").strip() or "unnamed"
    return name[-1024:]


# --- stages -------------------------------------------------------------------------------------------------

def claim_stage(session: Session, item: EvidenceItem, stage: str, version: str) -> StageRun | None:
    """Take the stage for this process, or None when it is done or another live process holds it."""
    run = session.scalar(select(StageRun).where(StageRun.sha256 == item.sha256, StageRun.stage == stage,
                                                StageRun.version == version))
    if run is None:
        run = StageRun(item_id=item.id, sha256=item.sha256, stage=stage, version=version)
        session.add(run)
    elif run.state in (StageState.done.value, StageState.failed.value):
        return None
    elif run.state == StageState.running.value and not _holder_dead(run):
        return None
    run.state, run.worker, run.error = StageState.running.value, worker_name(), None
    run.attempts = (run.attempts or 0) + 1
    run.started_at = utcnow()
    if item.state != ItemState.needs_ocr.value or stage == "extract":  # waiting for OCR is kept until OCR
        item.state = ItemState.processing.value
    session.flush()
    return run


def begin_stage(session: Session, item_id: str, stage: str, version: str, stages: tuple[str, ...], *,
                skip_failed: bool = True) -> tuple[EvidenceItem, StageRun] | None:
    """The item and its claimed stage run, or None when there is nothing to do here: the item is gone (or has
    failed, with ``skip_failed``), or the stage is done or held by a live process (the item's state is then
    settled from its stage runs)."""
    item = session.get(EvidenceItem, item_id)
    if item is None or (skip_failed and item.state == ItemState.failed.value):
        return None
    run = claim_stage(session, item, stage, version)
    if run is None:
        settle_item_state(session, item, stages)
        return None
    return item, run


def _holder_dead(run: StageRun) -> bool:
    host, _, pid = (run.worker or "").rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        if int(pid) == os.getpid():
            return True  # our own earlier attempt (e.g. a retried task)
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    started = run.started_at
    if started is not None and started.tzinfo is None:
        started = started.replace(tzinfo=dt.timezone.utc)
    return started is None or utcnow() - started > STALE_AFTER


def process(ctx: Context, item_id: str) -> str:
    """Run every enabled stage for one item, in order. Returns the item's state."""
    functions = stage_functions()
    for stage in ctx.settings.stages:
        functions[stage](ctx, item_id, STAGES[stage])
    with ctx.db.reader() as session:
        item = session.get(EvidenceItem, item_id)
        return item.state if item else "missing"


def run_extract(ctx: Context, item_id: str, version: str) -> None:
    with ctx.db.sessions.begin() as session:
        claimed = begin_stage(session, item_id, "extract", version, ctx.settings.stages, skip_failed=False)
        if claimed is None:
            return
        item, run = claimed
        run_id, sha256, filename, size = run.id, item.sha256, item.filename, item.size
    try:
        with ctx.local_copy(sha256) as path:
            _extract(ctx, item_id, run_id, Source(path, filename, size, _head(path), ctx.settings))
    except ExtractionError as exc:
        fail_stage(ctx, item_id, run_id, str(exc))
    except Exception as exc:  # a bug or a library crash: the item fails, the batch goes on, the log has it
        log.exception("extracting %s (%s) failed", filename, item_id)
        fail_stage(ctx, item_id, run_id, f"internal error while extracting ({type(exc).__name__}: {exc})"[:2000])


def _head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(SNIFF_BYTES)


def _extract(ctx: Context, item_id: str, run_id: str, source: Source) -> None:
    settings = ctx.settings
    if source.size == 0:
        raise ExtractionError("empty file (0 bytes)")
    if source.size > settings.max_extract_size:
        raise ExtractionError(f"too large to extract text ({source.size:,} bytes; the limit is "
                              f"{settings.max_extract_size:,}, SVIDOK_MAX_EXTRACT_SIZE); the original is stored")
    extractor = choose(source)
    with ctx.db.sessions.begin() as session:
        session.execute(delete(Page).where(Page.item_id == item_id))  # a crashed attempt's leftovers
        count = with_text = 0
        truncated = False
        for text in extractor.pages(source):
            count += 1
            if count > settings.max_pages:
                raise ExtractionError(f"more than {settings.max_pages:,} pages (SVIDOK_MAX_PAGES)")
            text, cut = clean_page_text(text, settings.max_page_chars)
            truncated |= cut
            with_text += bool(text.strip())
            session.add(Page(item_id=item_id, number=count, text=text))
            if count % PAGE_BATCH == 0:
                session.flush()
                session.expunge_all()
        # containers list their members now: a bomb fails the whole item, rejected names go in properties
        children = list(extractor.children(source)) if _depth(session, item_id) < MAX_DEPTH else []
        item = session.get(EvidenceItem, item_id)
        props = dict(item.properties or {})
        props.update(source.properties)
        if truncated:
            props["truncated_pages"] = True
        item.properties = props
        item.media_type = extractor.media_type
        item.page_count = count
        if item.doc_type == DocType.other.value and extractor.default_doc_type != DocType.other.value:
            item.doc_type = extractor.default_doc_type
        needs_ocr = extractor.needs_ocr or (count > 0 and with_text == 0)
        item.state = ItemState.needs_ocr.value if needs_ocr else ItemState.processing.value
        item.error = None
    for child in children:
        try:
            with child.open() as stream:
                received = receive(ctx, stream, child.name, ItemMeta(), via="extract",
                                   parent=(item_id, child.relation, child.name))
        except (ReceiveError, ExtractionError, OSError, RuntimeError, ValueError) as exc:
            _note_rejected(ctx, item_id, child.name, str(exc))
            continue
        _inherit_meta(ctx, item_id, received)
    with ctx.db.sessions.begin() as session:
        run = session.get(StageRun, run_id)
        run.state, run.finished_at = StageState.done.value, utcnow()
        settle_item_state(session, session.get(EvidenceItem, item_id), ctx.settings.stages)


def clean_page_text(text: str, limit: int) -> tuple[str, bool]:
    """Make text storable everywhere (no NUL, no lone surrogates) and cut it at ``limit`` characters."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    if len(text) > limit:
        return text[:limit], True
    return text, False


def _depth(session: Session, item_id: str) -> int:
    depth, current = 0, item_id
    while depth <= MAX_DEPTH:
        parent = session.scalar(select(ItemLink.parent_id).where(ItemLink.child_id == current).limit(1))
        if parent is None:
            break
        depth, current = depth + 1, parent
    return depth


def _inherit_meta(ctx: Context, parent_id: str, received: Received) -> None:
    """A new member inherits its container's collection and classification (never a looser one)."""
    if received.duplicate:
        return
    with ctx.db.sessions.begin() as session:
        parent = session.get(EvidenceItem, parent_id)
        child = session.get(EvidenceItem, received.item_id)
        child.collection_id = parent.collection_id
        child.classification = parent.classification
        child.source = parent.source


def _note_rejected(ctx: Context, item_id: str, name: str, reason: str) -> None:
    with ctx.db.sessions.begin() as session:
        item = session.get(EvidenceItem, item_id)
        props = dict(item.properties or {})
        props["rejected_members"] = [*props.get("rejected_members", []), {"name": name, "reason": reason}]
        item.properties = props


def fail_stage(ctx: Context, item_id: str, run_id: str, reason: str) -> None:
    with ctx.db.sessions.begin() as session:
        run = session.get(StageRun, run_id)
        run.state, run.error, run.finished_at = StageState.failed.value, reason, utcnow()
        item = session.get(EvidenceItem, item_id)
        item.state, item.error = ItemState.failed.value, reason
        request_index_once(session, item_id)
        audit.record(session, "item.process", object_type="item", object_id=item_id, outcome="failed",
                     details={"stage": run.stage, "reason": reason})


def settle_item_state(session: Session, item: EvidenceItem, stages: tuple[str, ...]) -> None:
    """An item's state follows from its stage runs for the current versions of the enabled stages."""
    runs = {r.stage: r for r in session.scalars(select(StageRun).where(StageRun.sha256 == item.sha256))
            if STAGES.get(r.stage) == r.version}
    failed = [r for r in runs.values() if r.state == StageState.failed.value]
    if failed:
        item.state, item.error = ItemState.failed.value, failed[0].error
    elif all(s in runs and runs[s].state == StageState.done.value for s in stages):
        if item.state != ItemState.needs_ocr.value:
            item.state = ItemState.processed.value
    elif any(r.state == StageState.running.value for r in runs.values()):
        item.state = ItemState.processing.value
    if item.state in INDEXED_STATES:
        request_index_once(session, item.id)


def request_index_once(session: Session, item_id: str) -> None:
    """Promise an index write for the item unless one is already waiting."""
    waiting = session.scalar(select(Outbox.id).where(Outbox.topic == "index", Outbox.key == item_id,
                                                     Outbox.delivered_at.is_(None)).limit(1))
    if waiting is None:
        request_index(session, item_id)


def index_pending(ctx: Context) -> int:
    """Deliver promised index writes. Another process holding the embedded index's writer lock is not an
    error: the promises stay in the outbox for the next call (that process, or the next ingest, writes them)."""
    try:
        return sync_index(ctx.db, ctx.search)
    except SearchError as exc:
        log.info("index not written now (%s); the outbox keeps the work", exc)
        return 0


def stage_functions() -> dict[str, Callable[[Context, str, str], None]]:
    from .entities import run_nlp  # imported late: the NLP and OCR stages build on this module
    from .ocr import run_ocr

    return {"extract": run_extract, "ocr": run_ocr, "nlp": run_nlp}


# --- delivery of promised work --------------------------------------------------------------------------------

def pending_stage_work(ctx: Context, limit: int = 500) -> list[tuple[int, str]]:
    with ctx.db.reader() as session:
        rows = session.execute(select(Outbox.id, Outbox.key).where(Outbox.topic == "stage",
                                                                   Outbox.delivered_at.is_(None))
                               .order_by(Outbox.id).limit(limit)).all()
        return [(row[0], row[1]) for row in rows]


def mark_delivered(ctx: Context, outbox_id: int) -> None:
    with ctx.db.sessions.begin() as session:
        session.execute(update(Outbox).where(Outbox.id == outbox_id).values(delivered_at=utcnow()))


def deliver(ctx: Context, dispatch: Callable[[str], object]) -> int:
    """Hand every undelivered stage promise to ``dispatch`` (run inline, or send to the broker)."""
    done = 0
    while batch := pending_stage_work(ctx):
        for outbox_id, item_id in batch:
            dispatch(item_id)
            mark_delivered(ctx, outbox_id)
            done += 1
    return done


def recover(ctx: Context, dispatch: Callable[[str], object]) -> int:
    """After a crash: finish promised work, and re-run stages whose holder died."""
    if hasattr(ctx.blobs, "sweep_temporary"):
        ctx.blobs.sweep_temporary()
    with ctx.db.reader() as session:
        stale = [run.item_id for run in session.scalars(select(StageRun).where(
            StageRun.state == StageState.running.value)) if _holder_dead(run)]
        stuck = list(session.scalars(select(EvidenceItem.id).where(
            EvidenceItem.state.in_([ItemState.received.value, ItemState.processing.value]))))
    count = deliver(ctx, dispatch)
    for item_id in dict.fromkeys(stale + stuck):
        dispatch(item_id)
        count += 1
    return count


def reprocess(ctx: Context, stage: str, dispatch: Callable[[str], object], *, collection: str | None = None,
              item_ids: list[str] | None = None, actor: str = "cli") -> int:
    """Run ``stage`` (and the stages after it) again for the chosen items; people's decisions (pins, merges,
    names) survive because they are stored apart from what the machine derives."""
    from archive_schema.models import Collection

    if stage not in ctx.settings.stages:
        raise ValueError(f"unknown or disabled stage {stage!r}; stages: {', '.join(ctx.settings.stages)}")
    redo = ctx.settings.stages[ctx.settings.stages.index(stage):]
    with ctx.db.sessions.begin() as session:
        query = select(EvidenceItem).where(EvidenceItem.state != ItemState.failed.value) if stage != "extract" \
            else select(EvidenceItem)
        if collection:
            query = query.join(Collection, EvidenceItem.collection_id == Collection.id).where(
                Collection.name == collection)
        if item_ids is not None:
            query = query.where(EvidenceItem.id.in_(item_ids))
        items = list(session.scalars(query))
        if "nlp" in redo:
            from .entities import rekey_persons

            if changed := rekey_persons(session):  # a new version's name rules: people keep their entities
                log.info("reprocess: %d person keys recomputed", changed)
        for item in items:
            session.execute(delete(StageRun).where(StageRun.sha256 == item.sha256, StageRun.stage.in_(redo)))
            if item.state != ItemState.needs_ocr.value or stage == "extract":
                item.state = ItemState.processing.value
            item.error = None
            session.add(Outbox(topic="stage", key=item.id, payload={"reprocess": stage}))
        audit.record(session, "pipeline.reprocess", actor=actor,
                     details={"stage": stage, "collection": collection, "items": len(items)})
    deliver(ctx, dispatch)
    return len(items)
