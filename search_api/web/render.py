"""Page images drawn from the original, and page text with its entity mentions highlighted."""
from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Iterable

from flask import url_for
from markupsafe import Markup, escape

from archive_schema.models import EvidenceItem, Mention

#: 1.5 x 72 dpi: readable beside the text, a few hundred KB per page
SCALE = 1.5
SPOOL_IN_MEMORY = 32 * 1024 * 1024
CHUNK = 1024 * 1024
#: pdfium is not thread-safe: one rendering at a time
_pdfium = threading.Lock()


def can_render(item: EvidenceItem) -> bool:
    return item.media_type == "application/pdf" and bool(item.page_count)


def page_png(blobs, sha256: str, number: int, spool: Path) -> bytes:
    """Page ``number`` of the original as PNG. PDFium needs to seek: a stream that cannot (decrypted, or from
    S3) is copied to a temporary file inside ``SVIDOK_HOME`` first (in memory up to 32 MiB)."""
    import pypdfium2 as pdfium

    with contextlib.ExitStack() as stack:
        stream = stack.enter_context(blobs.open(sha256))
        if not (hasattr(stream, "seekable") and stream.seekable()):
            spool.mkdir(parents=True, exist_ok=True)
            copy = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, dir=spool))
            shutil.copyfileobj(stream, copy, CHUNK)
            copy.seek(0)
            stream = copy
        stack.enter_context(_pdfium)
        document = pdfium.PdfDocument(stream)
        try:
            page = document[number - 1]
            image = page.render(scale=SCALE).to_pil()
            page.close()
        finally:
            document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def highlighted(text: str, mentions: Iterable[Mention]) -> Markup:
    """The page text, escaped, with each mention wrapped in a ``<mark>`` (linked to its entity when resolved).

    Overlapping mentions keep the first one (they are sorted by start).
    """
    parts, at = [], 0
    for m in mentions:
        if m.start < at or m.end > len(text) or m.start >= m.end:
            continue
        parts.append(escape(text[at:m.start]))
        inner = escape(text[m.start:m.end])
        label = escape(m.label.lower())
        if m.entity_id:
            inner = Markup('<a href="{}">{}</a>').format(url_for("web.entity", entity_id=m.entity_id), inner)
        parts.append(Markup('<mark class="ent ent-{}" title="{}">{}</mark>').format(label, label, inner))
        at = m.end
    parts.append(escape(text[at:]))
    return Markup("").join(parts)
