"""Cut a stream of text into pages: at form feeds, and long pages again at line ends.

Formats without fixed pages (TXT, HTML, DOCX, e-mail) still need pages: a hit is cited by page, and a page must
stay small enough to index and show. The text arrives in chunks and leaves page by page, so a 200 MB text file
never sits in memory whole.
"""
from __future__ import annotations

from typing import Iterable, Iterator

#: a page longer than this is cut at the last line end before it (or the last space, or hard at the limit)
PAGE_CHARS = 10_000

FORM_FEED = "\f"


def paginate(chunks: Iterable[str], page_chars: int = PAGE_CHARS) -> Iterator[str]:
    """Yield pages from text chunks: ``\\f`` ends a page; a longer page is split near ``page_chars``.

    Always yields at least one page (a document with no text still has a page 1). A form feed at the very end
    (as text exported from PDFs ends) does not open an empty last page.
    """
    buffer = ""
    yielded = False
    for chunk in chunks:
        if not chunk:
            continue
        buffer += chunk
        while True:
            cut = buffer.find(FORM_FEED, 0, page_chars + 1)
            if cut != -1:
                yield buffer[:cut]
                yielded = True
                buffer = buffer[cut + 1:]
                continue
            if len(buffer) > page_chars:
                cut = _split_point(buffer, page_chars)
                yield buffer[:cut]
                yielded = True
                buffer = buffer[cut:]
                continue
            break
    if buffer or not yielded:
        yield buffer


def _split_point(text: str, limit: int) -> int:
    """Where to cut ``text`` so the first part is at most ``limit`` chars: after a newline, else a space."""
    cut = text.rfind("\n", 0, limit)
    if cut > limit // 2:
        return cut + 1
    cut = text.rfind(" ", 0, limit)
    if cut > limit // 2:
        return cut + 1
    return limit
