"""Shapes of what the API takes and answers, as pydantic models.

Views parse query strings with these models and build their answers from them, and ``search_api.openapi``
builds the OpenAPI document from the same models: the document cannot drift from the code.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from archive_schema.vocab import Classification, DatePrecision, DocType, ItemState, StageState


def _no_control_characters(value: str | None) -> str | None:
    if value is not None and any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("must not contain control characters")
    return value


# --- queries ------------------------------------------------------------------------------------------------

class Query(BaseModel):
    """Query strings: unknown parameters are an error, so a typo (``doctype=``) never silently matches all."""
    model_config = ConfigDict(extra="forbid")


class ItemListQuery(Query):
    page: int = Field(1, ge=1, le=1_000_000, description="1-based page of results")
    size: int = Field(50, ge=1, le=200, description="items per page")
    collection: str | None = Field(None, max_length=200, description="collection name (exact)")
    doc_type: DocType | None = None
    state: ItemState | None = None
    classification: Classification | None = None

    @field_validator("collection")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        return _no_control_characters(value)


class PageListQuery(Query):
    offset: int = Field(0, ge=0, le=1_000_000_000, description="pages to skip")
    limit: int = Field(20, ge=1, le=100, description="pages to return")


# --- upload form --------------------------------------------------------------------------------------------

class UploadForm(BaseModel):
    """``multipart/form-data``: one or more ``file`` parts; the metadata fields apply to every file.

    The fields are those of a metadata sidecar (``ingest.metadata.FIELDS``) and are validated by the same
    code (``ItemMeta``), so the CLI and the API accept exactly the same values.
    """
    file: list[bytes] = Field(json_schema_extra={"items": {"type": "string", "format": "binary",
                                                           "contentMediaType": "application/octet-stream"}},
                              description="the files, each with its original filename")
    title: str | None = Field(None, max_length=1000)
    doc_type: DocType | None = None
    date: str | None = Field(None, description="YYYY, YYYY-MM, YYYY-MM-DD or START..END",
                             examples=["2022-03", "2022-03-01..2022-06-30"])
    language: str | None = Field(None, description="ISO 639 codes, comma-separated", examples=["uk,ru"])
    collection: str | None = Field(None, max_length=1000, description="created when new")
    classification: Classification | None = Field(None, description="confidential when not given")
    source: str | None = Field(None, max_length=1000)
    consent_ref: str | None = Field(None, max_length=1000)


# --- answers ------------------------------------------------------------------------------------------------

class DocDateOut(BaseModel):
    start: dt.date
    end: dt.date
    precision: DatePrecision


class StageOut(BaseModel):
    stage: str
    version: str
    state: StageState
    error: str | None
    attempts: int


class LinkOut(BaseModel):
    id: str = Field(description="the other item")
    relation: str = Field(description="attachment, member")
    name: str = Field(description="the child's name inside the parent")


class LinksOut(BaseModel):
    parents: list[LinkOut]
    children: list[LinkOut]


class NearDuplicateOut(BaseModel):
    id: str = Field(description="another item whose photo looks the same")
    distance: int = Field(description="bits (of 64) in which the perceptual hashes differ; 0 = same picture")


class ItemOut(BaseModel):
    id: str
    sha256: str
    filename: str
    title: str
    media_type: str
    size: int
    page_count: int | None
    languages: list[str]
    doc_type: str
    date: DocDateOut | None = Field(description="the document's own date, not the receipt's")
    source: str
    collection: str | None
    classification: Classification
    state: ItemState
    error: str | None
    received_at: dt.datetime
    stages: list[StageOut]
    links: LinksOut
    properties: dict[str, Any]
    near_duplicates: list[NearDuplicateOut] = Field(
        default_factory=list, description="images only, in the one-item answer: near-duplicate photos, closest first")


class ItemListOut(BaseModel):
    items: list[ItemOut]
    total: int
    page: int
    size: int


class UploadedItem(BaseModel):
    id: str
    filename: str
    sha256: str
    duplicate: bool = Field(description="these bytes were already stored: same item, one more receipt")
    state: ItemState
    url: str


class UploadFailure(BaseModel):
    filename: str
    reason: str


class UploadOut(BaseModel):
    items: list[UploadedItem]
    ok: int = Field(description="files stored as new items")
    duplicate: int = Field(description="files whose bytes were already stored")
    failed: list[UploadFailure]


class PageOut(BaseModel):
    item_id: str
    number: int = Field(description="1-based, as in the file")
    text: str
    ocr_confidence: float | None


class PageListOut(BaseModel):
    item_id: str
    total: int
    offset: int
    limit: int
    pages: list[PageOut]


class CustodyEventOut(BaseModel):
    seq: int = Field(description="position in the audit chain")
    id: str
    at: str = Field(description="ISO 8601, UTC")
    actor: str
    action: str = Field(description="item.receive, item.download, item.process …")
    outcome: str
    details: dict[str, Any]
    hash: str
    prev_hash: str


class CustodyOut(BaseModel):
    item_id: str
    events: list[CustodyEventOut]


class CollectionOut(BaseModel):
    id: str
    name: str
    description: str
    created_at: dt.datetime
    item_count: int


class CollectionListOut(BaseModel):
    collections: list[CollectionOut]


class StatusOut(BaseModel):
    items: dict[str, int] = Field(description="items per state (every state listed)")
    total: int
    stages: dict[str, dict[str, int]] = Field(description="stage runs per stage and state")
    outbox_pending: int = Field(description="promised work not yet handed to a worker")


class OpenAPIOut(BaseModel):
    """An OpenAPI 3.1 document."""
    model_config = ConfigDict(extra="allow")
    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]


class ProblemError(BaseModel):
    field: str
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details."""
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[ProblemError] | None = Field(None, description="each bad field (400 only)")
