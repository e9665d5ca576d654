"""The audit chain: append-only, each event hashed together with the previous event's hash.

``hash = sha256(prev_hash + canonical_json(event fields))``. Editing, deleting or reordering any event breaks
every hash after it; ``verify_chain`` names the first event that does not hold. Appends are serialised (a
PostgreSQL advisory lock; on SQLite every write transaction already holds the database's write lock), so two
writers never fork the chain.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterator

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .ids import new_id
from .models import AuditEvent

GENESIS = "0" * 64
_LOCK_KEY = 0x5D1D0C  # advisory lock id for the chain head (PostgreSQL)
SYSTEM = "system"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(fields)).encode("utf-8")).hexdigest()


def _fields(event: AuditEvent) -> dict[str, Any]:
    return {"seq": event.seq, "id": event.id, "at": event.at, "actor": event.actor, "action": event.action,
            "object_type": event.object_type, "object_id": event.object_id, "outcome": event.outcome,
            "details": event.details}


def record(session: Session, action: str, *, actor: str = SYSTEM, object_type: str = "", object_id: str = "",
           outcome: str = "ok", details: dict[str, Any] | None = None) -> AuditEvent:
    """Append one event in the caller's transaction (it is part of what the caller commits)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    head = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS)
    event = AuditEvent(seq=seq, id=new_id(), at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds"),
                       actor=actor, action=action, object_type=object_type, object_id=str(object_id),
                       outcome=outcome, details=canonical_json(details or {}), prev_hash=prev_hash)
    event.hash = _digest(prev_hash, _fields(event))
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    event_id: str
    reason: str

    def __str__(self) -> str:
        return f"event #{self.seq} ({self.event_id}): {self.reason}"


def iter_chain(session: Session, batch: int = 5000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq)
                               .limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify_chain(session: Session) -> tuple[int, ChainBreak | None]:
    """Walk the chain from the start. Returns (events checked, first break or None)."""
    prev_hash, expected_seq, count = GENESIS, 1, 0
    for event in iter_chain(session):
        if event.seq != expected_seq:
            return count, ChainBreak(event.seq, event.id, f"sequence gap: expected #{expected_seq} "
                                                           "(an event was deleted or renumbered)")
        if event.prev_hash != prev_hash:
            return count, ChainBreak(event.seq, event.id, "does not link to the previous event's hash "
                                                           "(events deleted, inserted or reordered)")
        if _digest(event.prev_hash, _fields(event)) != event.hash:
            return count, ChainBreak(event.seq, event.id, "content does not match its hash (the event was edited)")
        prev_hash, expected_seq, count = event.hash, expected_seq + 1, count + 1
    return count, None


def events_for(session: Session, object_type: str, object_id: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.object_type == object_type,
                                                         AuditEvent.object_id == object_id)
                                .order_by(AuditEvent.seq)))


# --- anchoring: the chain's head written somewhere the database's owner cannot quietly rewrite ------------------

@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str

    def line(self) -> str:
        return canonical_json({"seq": self.seq, "hash": self.hash, "at": self.at})


def head(session: Session) -> Anchor | None:
    """The newest event, as an anchor (None while the chain is empty)."""
    row = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    if row is None:
        return None
    return Anchor(row[0], row[1], dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))


def read_anchors(lines: Iterator[str]) -> list[Anchor]:
    """Anchors from an anchor file's lines (one JSON object each); a damaged line is an error, not skipped."""
    anchors = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
            anchors.append(Anchor(int(value["seq"]), str(value["hash"]), str(value.get("at", ""))))
        except (ValueError, KeyError, TypeError):
            raise ValueError(f"anchor line {number} is not an anchor: {raw.strip()[:80]!r}") from None
    return anchors


def check_anchors(session: Session, anchors: list[Anchor]) -> list[str]:
    """What no longer holds: an anchored event whose hash changed, or a chain now shorter than an anchor. A chain
    rewritten wholesale (every hash recomputed) still verifies on its own; against its anchors it does not."""
    problems = []
    for anchor in anchors:
        found = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == anchor.seq))
        if found is None:
            problems.append(f"anchored event #{anchor.seq} (anchored {anchor.at}) is missing: the chain was cut")
        elif found != anchor.hash:
            problems.append(f"event #{anchor.seq} no longer has the hash anchored {anchor.at}: the chain was "
                            "rewritten")
    return problems
