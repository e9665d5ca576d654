"""Family inquiries over the API: filing one and following it with the access code, without an account.

The access code travels only in request bodies (never in a URL, so never in an access log or a browser
history). Nothing about the requester is kept: these paths are left out of the access logs (werkzeug's and
gunicorn's, see ``PrivateAccessLog``), their audit events name no inquiry and no requester, and the inquiry's
contents are sealed before they reach the database (``archive_schema.inquiries``).

Guessing codes: every code has 130 secret bits, ten wrong codes lock an inquiry for 15 minutes, and wrong codes
from anyone are limited to ``FAILURE_LIMIT`` a minute per server process (answered 429 with ``Retry-After``),
since the slow hash that checks a code also costs the server.

Staff list inquiries (status and dates only: the contents need the private key, which the server does not hold;
read them with ``svidok inquiry show``) and post status updates and messages, sealed to the family's key.
"""
from __future__ import annotations

import collections
import logging
import threading
import time
from datetime import date

from flask import Blueprint, current_app, request
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound, RequestEntityTooLarge, ServiceUnavailable, TooManyRequests

from archive_schema import inquiries, policy
from archive_schema.inquiries import ContactPreference, Inquiry, InquiryMessage, InquiryStatus

from ..auth import requires
from ..errors import Invalid
from ..openapi import operation
from .access import current_actor
from .common import Body, json_body, parse_query
from .context import get_session, pipeline_context

bp = Blueprint("inquiries", __name__)
log = logging.getLogger(__name__)

PATH = "/inquiries"
#: one inquiry is a few paragraphs; anything larger is refused before it is parsed
MAX_BODY = 32 * 1024
FAILURE_LIMIT = 30


# --- models -----------------------------------------------------------------------------------------------------

class InquiryIn(Body):
    relative_name: str = Field(min_length=1, max_length=300, description="the relative's name, in any script")
    category: inquiries.PersonStatus = Field(description="what happened, as far as the family knows: "
                                             + ", ".join(c.value for c in inquiries.INQUIRY_CATEGORIES))
    birth_date: date | None = None
    last_known_place: str = Field("", max_length=500, description="place or detention facility")
    circumstances: str = Field("", max_length=5000)
    contact_preference: ContactPreference = ContactPreference.code_only
    contact: str = Field("", max_length=300, description="where staff may reach the family, if they wish")

    @field_validator("category")
    @classmethod
    def _family_category(cls, value: inquiries.PersonStatus) -> inquiries.PersonStatus:
        if value not in inquiries.INQUIRY_CATEGORIES:
            raise ValueError(f"choose one of {', '.join(c.value for c in inquiries.INQUIRY_CATEGORIES)}")
        return value

    @field_validator("relative_name")
    @classmethod
    def _has_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("write the relative's name")
        return value.strip()


class FiledOut(BaseModel):
    access_code: str = Field(description="shown once: the only way to follow the inquiry; it is not stored")
    status: str
    filed_on: date


class CodeIn(Body):
    access_code: str = Field(max_length=100)


class FamilyMessageIn(CodeIn):
    text: str = Field(min_length=1, max_length=5000)


class MessageOut(BaseModel):
    seq: int
    author: str
    status: str | None
    text: str
    on: date


class StatusOut(BaseModel):
    status: str
    filed_on: date
    updated_on: date
    messages: list[MessageOut]


class StaffInquiryOut(BaseModel):
    id: str
    status: str
    filed_on: date
    updated_on: date
    messages: int


class StaffListOut(BaseModel):
    total: int
    inquiries: list[StaffInquiryOut]


class StaffListQuery(BaseModel):
    model_config = {"extra": "forbid"}
    status: InquiryStatus | None = None
    page: int = Field(1, ge=1, le=100_000)
    size: int = Field(50, ge=1, le=500)


class UpdateIn(Body):
    status: InquiryStatus | None = None
    message: str = Field("", max_length=5000)


class UpdateOut(BaseModel):
    seq: int
    status: str


# --- guessing limit ---------------------------------------------------------------------------------------------

class FailureLimit:
    """Wrong access codes per minute in this process, from anyone (nothing about the sender is kept)."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self.times: collections.deque[float] = collections.deque()
        self.lock = threading.Lock()

    def _trim(self, now: float) -> None:
        while self.times and self.times[0] <= now - 60:
            self.times.popleft()

    def check(self) -> None:
        with self.lock:
            now = time.monotonic()
            self._trim(now)
            if len(self.times) >= self.per_minute:
                raise _too_many(int(self.times[0] + 60 - now) + 1)

    def fail(self) -> None:
        with self.lock:
            self.times.append(time.monotonic())


def _too_many(retry_after: int) -> TooManyRequests:
    return TooManyRequests("Too many wrong access codes; try again later.", retry_after=retry_after)


def _limit() -> FailureLimit:
    return current_app.extensions.setdefault("svidok.inquiry_failures", FailureLimit(
        current_app.config.get("SVIDOK_INQUIRY_FAILURES_PER_MINUTE", FAILURE_LIMIT)))


def _small_body() -> None:
    if request.content_length is None and request.headers.get("Transfer-Encoding"):
        raise Invalid([{"field": "(body)", "detail": "send a Content-Length"}])
    if (request.content_length or 0) > MAX_BODY:
        raise RequestEntityTooLarge(f"An inquiry request may carry at most {MAX_BODY:,} bytes.")


# --- public -----------------------------------------------------------------------------------------------------

@bp.post(PATH)
@requires(policy.PUBLIC)
@operation(body=InquiryIn, responses={201: FiledOut}, problems=(400, 413, 503))
def file_inquiry():
    """File an inquiry about a relative (JSON). Answers the access code: once; it cannot be shown again."""
    _small_body()
    body = json_body(InquiryIn)
    contents = inquiries.Contents(
        relative_name=body.relative_name, category=body.category.value,
        birth_date=body.birth_date.isoformat() if body.birth_date else None,
        last_known_place=body.last_known_place.strip(), circumstances=body.circumstances.strip(),
        contact_preference=body.contact_preference.value,
        contact=body.contact.strip() if body.contact_preference != ContactPreference.code_only else "")
    try:
        with pipeline_context().db.sessions.begin() as writer:
            inquiry, code = inquiries.file_inquiry(writer, contents)
            filed = FiledOut(access_code=code, status=inquiry.status, filed_on=inquiry.created_on)
    except inquiries.InquiryKeyError:
        log.error("an inquiry was refused: no organisation key (svidok inquiry keygen)")
        raise ServiceUnavailable("Inquiries cannot be received at the moment. Please try again later.") from None
    return filed.model_dump(mode="json"), 201, {"Cache-Control": "no-store"}


def _verified(writer, code: str):
    """The inquiry and family key for ``code``; 400 / 404 / 429 problems otherwise."""
    limit = _limit()
    limit.check()
    try:
        return inquiries.verify_code(writer, code)
    except inquiries.BadCode as exc:
        raise Invalid([{"field": "access_code", "detail": str(exc)}]) from None
    except inquiries.InquiryUnavailable as exc:
        if exc.retry_after:
            raise _too_many(exc.retry_after) from None
        limit.fail()
        raise NotFound(str(exc)) from None


def _with_code(code: str, work):
    """Run ``work(writer, inquiry, family_key)``; wrong codes are counted (committed) even when refused."""
    failure = None
    with pipeline_context().db.sessions.begin() as writer:
        try:
            inquiry, family = _verified(writer, code)
        except (NotFound, TooManyRequests) as exc:
            failure = exc
        else:
            return work(writer, inquiry, family)
    raise failure


def _status(writer, inquiry: Inquiry, family):
    shown = inquiries.messages(writer, inquiry, family, staff=False)
    return StatusOut(status=inquiry.status, filed_on=inquiry.created_on, updated_on=inquiry.updated_on,
                     messages=[MessageOut(seq=m.seq, author=m.author, status=m.status, text=m.text, on=m.on)
                               for m in shown]).model_dump(mode="json")


@bp.post(f"{PATH}/status")
@requires(policy.PUBLIC)
@operation(body=CodeIn, responses={200: StatusOut}, problems=(400, 404, 413, 429))
def inquiry_status():
    """The status of an inquiry and the messages about it (JSON ``{"access_code": …}``)."""
    _small_body()
    return _with_code(json_body(CodeIn).access_code, _status), 200, {"Cache-Control": "no-store"}


@bp.post(f"{PATH}/messages")
@requires(policy.PUBLIC)
@operation(body=FamilyMessageIn, responses={201: MessageOut}, problems=(400, 404, 413, 429))
def family_message():
    """Add a message from the family (JSON ``{"access_code": …, "text": …}``); sealed like the inquiry."""
    _small_body()
    body = json_body(FamilyMessageIn)
    text = body.text.strip()

    def post(writer, inquiry, family):
        message = inquiries.post_update(writer, inquiry, author="family", text=text)
        return MessageOut(seq=message.seq, author="family", status=None, text=text,
                          on=message.created_on).model_dump(mode="json")

    return _with_code(body.access_code, post), 201, {"Cache-Control": "no-store"}


# --- staff ------------------------------------------------------------------------------------------------------

@bp.get(f"{PATH}")
@requires(policy.INQUIRY_READ)
@operation(responses={200: StaffListOut}, query=StaffListQuery, problems=(400, 401, 403))
def list_inquiries():
    """Inquiries by status, newest first: dates and status only (contents: ``svidok inquiry show``)."""
    query = parse_query(StaffListQuery)
    session = get_session()
    where = [Inquiry.status == query.status.value] if query.status else []
    total = session.scalar(select(func.count()).select_from(Inquiry).where(*where))
    counts = (select(InquiryMessage.inquiry_id, func.count().label("n")).group_by(InquiryMessage.inquiry_id)
              .subquery())
    rows = session.execute(select(Inquiry, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.inquiry_id == Inquiry.id)
                           .where(*where).order_by(Inquiry.created_on.desc(), Inquiry.id.desc())
                           .offset((query.page - 1) * query.size).limit(query.size)).all()
    return StaffListOut(total=total, inquiries=[
        StaffInquiryOut(id=i.id, status=i.status, filed_on=i.created_on, updated_on=i.updated_on, messages=n)
        for i, n in rows]).model_dump(mode="json")


@bp.post(f"{PATH}/<inquiry_id>/updates")
@requires(policy.INQUIRY_ANSWER)
@operation(body=UpdateIn, responses={201: UpdateOut}, problems=(400, 401, 403, 404, 413))
def post_update(inquiry_id: str):
    """Set the status and/or send the family a message (JSON ``{"status": …, "message": …}``); the message is
    sealed to the family's key and the organisation's, never stored readable."""
    _small_body()
    body = json_body(UpdateIn)
    if body.status is None and not body.message.strip():
        raise Invalid([{"field": "(body)", "detail": "give a status, a message, or both"}])
    with pipeline_context().db.sessions.begin() as writer:
        inquiry = writer.get(Inquiry, inquiry_id) if len(inquiry_id) <= 64 else None
        if inquiry is None:
            raise NotFound(f"No inquiry with id {inquiry_id}.")
        message = inquiries.post_update(writer, inquiry, author="staff", text=body.message.strip(),
                                        status=body.status.value if body.status else None, actor=current_actor())
        out = UpdateOut(seq=message.seq, status=inquiry.status)
    return out.model_dump(mode="json"), 201


# --- logs -------------------------------------------------------------------------------------------------------

PRIVATE_PATHS = ("/api/v1/inquiries", "/inquiry")


class DropPrivatePaths(logging.Filter):
    """Drop access-log records of the inquiry paths (they would carry the requester's address)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record we cannot format is not ours to judge
            return True
        return not any(f" {path}" in message for path in PRIVATE_PATHS)


def keep_requesters_out_of_logs() -> None:
    """Install the filter on werkzeug's request log and gunicorn's access log (idempotent)."""
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropPrivatePaths) for f in logger.filters):
            logger.addFilter(DropPrivatePaths())


bp.record_once(lambda state: keep_requesters_out_of_logs())
