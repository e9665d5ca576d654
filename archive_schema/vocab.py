"""Controlled vocabularies. Values are stored as these strings; labels are for people."""
from __future__ import annotations

from enum import StrEnum


class DocType(StrEnum):
    testimony = "testimony"
    court_decision = "court_decision"
    indictment = "indictment"
    medical_record = "medical_record"
    letter = "letter"
    list = "list"
    photo = "photo"
    video = "video"
    audio = "audio"
    email = "email"
    archive = "archive"
    other = "other"


class Classification(StrEnum):
    public = "public"
    confidential = "confidential"
    under_seal = "under_seal"


class DatePrecision(StrEnum):
    day = "day"
    month = "month"
    year = "year"
    range = "range"


class ItemState(StrEnum):
    received = "received"      # stored, waiting for processing
    processing = "processing"  # a stage is running
    processed = "processed"    # every stage done
    needs_ocr = "needs_ocr"    # stored, no text layer: waits for OCR (a later stage)
    failed = "failed"          # a stage failed; ``error`` says why; the original is kept


class StageState(StrEnum):
    pending = "pending"
    running = "running"
    done = "done"
    failed = "failed"


#: the pipeline stages in order, with the version of each: bump a version to make
#: ``svidok reprocess`` redo that stage for every item (runs are keyed by sha256, stage, version).
STAGES: dict[str, str] = {"extract": "1", "ocr": "1", "nlp": "1"}

DEFAULT_CLASSIFICATION = Classification.confidential  # deny by default


def choices(enum: type[StrEnum]) -> str:
    return ", ".join(e.value for e in enum)
