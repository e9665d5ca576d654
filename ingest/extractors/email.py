"""E-mail (.eml): page 1 is the header block and the body; attachments become items of their own.

The body is the text/plain part, else the HTML part as visible text. Every other leaf part with a file name, an
``attachment`` disposition or a non-text type (inline images too) is a child with relation "attachment"; a
forwarded message (message/rfc822) is a child ``.eml``. Attachment names are cut to their last path component.
Properties: ``from``, ``to``, ``cc``, ``subject``, ``date`` (ISO 8601 when it parses), ``message_id``,
``in_reply_to``, ``attachments`` (count).
"""
from __future__ import annotations

import io
import mimetypes
import re
from email import policy
from email.errors import MessageError
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import PurePosixPath
from typing import Iterator

from . import Child, ExtractionError, Extractor, Source, register
from ._paging import paginate
from .html import html_to_text

_HEADER_LINE = re.compile(rb"^(From |[A-Za-z][A-Za-z0-9-]{1,40}:)")
_KEY_HEADERS = re.compile(rb"^(from|date|subject|message-id|received|mime-version|to):", re.IGNORECASE | re.MULTILINE)
_SHOWN = (("From", "from"), ("To", "to"), ("Cc", "cc"), ("Date", "date"), ("Subject", "subject"))
_RECORDED = _SHOWN + (("Message-ID", "message_id"), ("In-Reply-To", "in_reply_to"))
#: the stdlib parser is lenient, but reading a malformed header or payload can still raise these
_EMAIL_ERRORS = (MessageError, ValueError, TypeError, IndexError, LookupError, AttributeError, UnicodeError)
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")


@register
class EmailExtractor(Extractor):
    media_types = ("message/rfc822",)
    extensions = ("eml",)
    default_doc_type = "letter"

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        # a header line first, and at least two of the headers every message has
        return bool(_HEADER_LINE.match(head)) and len(set(m.lower() for m in _KEY_HEADERS.findall(head))) >= 2

    def pages(self, source: Source) -> Iterator[str]:
        message = _parse(source)
        headers = {key: _header(message, name) for name, key in _RECORDED}
        source.properties.update({key: value for key, value in headers.items() if value})
        if headers["date"]:
            source.properties["date"] = _iso_date(headers["date"])
        block = "".join(f"{name}: {headers[key]}\n" for name, key in _SHOWN if headers[key])
        yield from paginate([block, "\n", _body(message)])

    def children(self, source: Source) -> Iterator[Child]:
        message = _parse(source)
        body = _body_part(message)
        count = 0
        for part in _leaves(message):
            if part is body or not _is_attachment(part):
                continue
            count += 1
            yield Child(_child_name(part, count), _opener(part), "attachment")
        source.properties["attachments"] = count


def _parse(source: Source) -> EmailMessage:
    with source.path.open("rb") as fp:
        try:
            return BytesParser(policy=policy.default).parse(fp)
        except _EMAIL_ERRORS as exc:
            raise ExtractionError(f"damaged e-mail: {exc}") from exc


def _header(message: Message, name: str) -> str:
    """A header as text; the raw value when the structured parser chokes on it."""
    try:
        value = message.get(name)
        return " ".join(str(value).split()) if value is not None else ""
    except _EMAIL_ERRORS:
        for raw_name, raw_value in message.raw_items():
            if raw_name.lower() == name.lower():
                return " ".join(str(raw_value).split())
        return ""


def _iso_date(value: str) -> str:
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return value


def _body_part(message: EmailMessage) -> Message | None:
    try:
        return message.get_body(preferencelist=("plain", "html"))
    except _EMAIL_ERRORS:
        return None


def _body(message: EmailMessage) -> str:
    part = _body_part(message)
    if part is None:
        return ""
    text = _text_of(part)
    return html_to_text(text) if part.get_content_subtype() == "html" else text


def _text_of(part: Message) -> str:
    """A text part decoded by its charset (lenient: an unknown charset falls back to UTF-8)."""
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset, errors="replace")
    except LookupError:
        text = payload.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\x00", "")


def _leaves(message: Message) -> Iterator[Message]:
    """Leaf parts in order; a forwarded message counts as one leaf (its own parts are its business)."""
    if message.get_content_type() == "message/rfc822" or not message.is_multipart():
        yield message
        return
    payload = message.get_payload()
    for part in payload if isinstance(payload, list) else ():
        if isinstance(part, Message):
            yield from _leaves(part)


def _is_attachment(part: Message) -> bool:
    if part.get_content_type() == "message/rfc822":
        return True
    if part.get_filename() or part.get_content_disposition() == "attachment":
        return True
    return part.get_content_maintype() not in ("text", "multipart")


def _child_name(part: Message, number: int) -> str:
    try:
        name = part.get_filename() or ""
    except _EMAIL_ERRORS:
        name = ""
    name = _UNSAFE_NAME.sub("", PurePosixPath(name.replace("\\", "/")).name)
    if name in ("", ".", ".."):
        if part.get_content_type() == "message/rfc822":
            return f"message-{number}.eml"
        extension = mimetypes.guess_extension(part.get_content_type()) or ".bin"
        return f"attachment-{number}{extension}"
    return name


def _opener(part: Message):
    def open_attachment() -> io.BytesIO:
        try:
            if part.get_content_type() == "message/rfc822":
                inner = part.get_payload()
                inner = inner[0] if isinstance(inner, list) and inner else inner
                if isinstance(inner, Message):
                    return io.BytesIO(inner.as_bytes(policy=policy.default.clone(refold_source="none")))
            return io.BytesIO(part.get_payload(decode=True) or b"")
        except _EMAIL_ERRORS as exc:
            raise ExtractionError(f"damaged attachment: {exc}") from exc
    return open_attachment
