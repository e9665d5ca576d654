"""Bulk import: files, folders and ZIPs with their sidecar metadata, with progress and a summary.

Each file is received (stored + custody event) and then processed: inline by default, or by Celery workers
(``queue=True``). A bad file fails with a reason and the batch goes on. Symbolic links and special files are
never followed or read: a link could pull anything on the machine into the archive.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import select

from archive_schema import audit
from archive_schema.models import EvidenceItem, ItemLink
from archive_schema.vocab import ItemState

from .metadata import SIDECAR_NAMES, ItemMeta, Sidecar, load_sidecar
from .pipeline import Context, ReceiveError, deliver, index_pending, process, receive, recover


#: inline ingest writes the search index after this many files (and at the end)
INDEX_EVERY = 100


@dataclass
class Summary:
    ok: int = 0
    duplicate: int = 0
    needs_ocr: int = 0
    queued: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"ok": self.ok, "duplicate": self.duplicate, "failed": self.failed, "needs_ocr": self.needs_ocr,
                "queued": self.queued}

    def fail(self, path: str, reason: str) -> None:
        self.failed.append({"path": path, "reason": reason})


@dataclass(frozen=True)
class Candidate:
    path: Path
    display: str
    sidecar: Sidecar | None
    problem: str | None = None  # set when the path cannot be read at all


def walk(paths: list[Path], meta_file: Path | None = None) -> Iterator[Candidate]:
    """Every file to ingest under ``paths``, with the sidecar that describes it. Links are not followed."""
    explicit = load_sidecar(meta_file) if meta_file else None
    for root in paths:
        display_root = str(root)
        if root.is_symlink():
            yield Candidate(root, display_root, None, "symbolic link: not followed")
        elif root.is_dir():
            yield from _walk_dir(root, explicit)
        elif root.is_file():
            side = explicit or _sidecar_in(root.parent)
            if root.name in SIDECAR_NAMES and side is not None and side.folder == root.parent:
                continue
            yield Candidate(root, display_root, side)
        elif not root.exists():
            yield Candidate(root, display_root, None, "no such file or folder")
        else:
            yield Candidate(root, display_root, None, "not a regular file")


def _walk_dir(root: Path, explicit: Sidecar | None) -> Iterator[Candidate]:
    read: dict[Path, Sidecar | None] = {}  # each sidecar parsed once per walk, however many folders it covers
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        dirs.sort()
        side = explicit or _sidecar_in(here, read) or _inherited(here, root, read)
        for name in sorted(files + [d for d in dirs if (here / d).is_symlink()]):
            path = here / name
            if name in SIDECAR_NAMES and explicit is None:
                continue
            if path.is_symlink():
                yield Candidate(path, str(path), None, "symbolic link: not followed")
            elif not path.is_file():
                yield Candidate(path, str(path), None, "not a regular file")
            else:
                yield Candidate(path, str(path), side)
        dirs[:] = [d for d in dirs if not (here / d).is_symlink()]


def _sidecar_in(folder: Path, read: dict[Path, Sidecar | None] | None = None) -> Sidecar | None:
    if read is not None:
        if folder not in read:
            read[folder] = _sidecar_in(folder)
        return read[folder]
    for name in SIDECAR_NAMES:
        candidate = folder / name
        if candidate.is_file() and not candidate.is_symlink():
            return load_sidecar(candidate)
    return None


def _inherited(folder: Path, root: Path, read: dict[Path, Sidecar | None]) -> Sidecar | None:
    """A sidecar in a parent folder (up to the root given) describes files below it by relative path."""
    current = folder
    while current != root and root in current.parents:
        current = current.parent
        found = _sidecar_in(current, read)
        if found:
            return found
    return None


def ingest_paths(ctx: Context, paths: list[Path], *, collection: str | None = None, meta_file: Path | None = None,
                 actor: str = "cli", queue: Callable[[str], object] | None = None,
                 progress: Callable[[int, int, str], None] | None = None) -> Summary:
    """Receive and process everything under ``paths``. ``queue`` sends work to Celery instead of running it."""
    summary = Summary()
    dispatch = queue or (lambda item_id: process(ctx, item_id))
    recover(ctx, dispatch)  # finish what an interrupted run promised
    candidates = list(walk(paths, meta_file))
    defaults = ItemMeta(collection=collection)
    with ctx.db.sessions.begin() as session:
        audit.record(session, "ingest.start", actor=actor, details={"paths": [str(p) for p in paths],
                                                                     "files": len(candidates)})
    for n, cand in enumerate(candidates, start=1):
        if progress:
            progress(n, len(candidates), cand.display)
        if cand.problem:
            summary.fail(cand.display, cand.problem)
            continue
        row = cand.sidecar.lookup(cand.path) if cand.sidecar else None
        if isinstance(row, str):
            summary.fail(cand.display, row)
            continue
        meta = (row or ItemMeta()).merged_over(defaults)
        try:
            with cand.path.open("rb") as stream:
                received = receive(ctx, stream, cand.path.name, meta, actor=actor, via="ingest")
        except ReceiveError as exc:
            summary.fail(cand.display, str(exc))
            continue
        except OSError as exc:
            summary.fail(cand.display, f"cannot read the file: {exc.strerror or exc}")
            continue
        deliver(ctx, dispatch)
        if received.duplicate:
            summary.duplicate += 1
            dispatch(received.item_id)  # an earlier run may have stopped before finishing it
        _tally(ctx, summary, received.item_id, cand.display, counted=received.duplicate, queued=queue is not None)
        if queue is None and n % INDEX_EVERY == 0:
            index_pending(ctx)  # searchable as the batch goes, in index commits of a useful size
    if queue is None:
        index_pending(ctx)
    with ctx.db.sessions.begin() as session:
        audit.record(session, "ingest.end", actor=actor, details={**summary.as_json(),
                                                                   "failed": len(summary.failed)})
    return summary


def _tally(ctx: Context, summary: Summary, item_id: str, display: str, *, counted: bool, queued: bool,
           depth: int = 0) -> None:
    with ctx.db.reader() as session:
        item = session.get(EvidenceItem, item_id)
        children = session.execute(select(ItemLink.child_id, ItemLink.name).where(ItemLink.parent_id == item_id)
                                   ).all()
        state, error, props = item.state, item.error, dict(item.properties or {})
    summary.items.append(item_id)
    if not counted:
        if queued and state in (ItemState.received.value, ItemState.processing.value):
            summary.queued += 1
        elif state == ItemState.failed.value:
            summary.fail(display, error or "failed")
        else:
            summary.ok += 1
            summary.needs_ocr += state == ItemState.needs_ocr.value
    for rejected in props.get("rejected_members", []):
        summary.fail(f"{display}!{rejected['name']}", rejected["reason"])
    if depth < 5:
        for child_id, name in children:
            _tally(ctx, summary, child_id, f"{display}!{name}", counted=counted, queued=queued, depth=depth + 1)
