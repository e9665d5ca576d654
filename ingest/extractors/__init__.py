"""Extractors: one class per media type, registered in one table.

An extractor turns a stored original into pages of text (yielded one at a time, so memory stays bounded) and,
for containers (ZIP, e-mail), into child files that are received as items of their own. ``choose`` sniffs the
content: what the bytes are beats what the name says.

A new file type is one module here with one ``@register``-ed class.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Iterator

from archive_schema.settings import Settings

SNIFF_BYTES = 8192


class ExtractionError(Exception):
    """A reason an archivist can act on ("encrypted PDF: needs the password"). The item fails; the batch goes on."""


@dataclass
class Child:
    """A file found inside another (an e-mail attachment, a ZIP member)."""
    name: str
    open: Any  # () -> binary stream
    relation: str  # "attachment" | "member"


@dataclass
class Source:
    """What an extractor gets: the original's bytes on disk plus what we know about it."""
    path: Path
    filename: str
    size: int
    head: bytes  # the first SNIFF_BYTES bytes
    settings: Settings
    properties: dict[str, Any] = field(default_factory=dict)  # the extractor records what it learns here

    @property
    def extension(self) -> str:
        return Path(self.filename).suffix.lower().lstrip(".")


class Extractor:
    media_types: ClassVar[tuple[str, ...]] = ()
    extensions: ClassVar[tuple[str, ...]] = ()
    #: the item's doc_type when the sidecar gives none
    default_doc_type: ClassVar[str] = "other"
    #: True for formats whose text comes only from OCR (images): they end as ``needs_ocr``
    needs_ocr: ClassVar[bool] = False

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        """True when the first bytes prove the format. Override for formats with a signature."""
        return False

    @classmethod
    def score(cls, source: Source) -> int:
        if cls.sniff(source.head):
            return 10
        if source.extension in cls.extensions:
            return 5
        return 0

    def pages(self, source: Source) -> Iterator[str]:
        """Yield the text of each page, in order; page 1 first."""
        return iter(())

    def children(self, source: Source) -> Iterator[Child]:
        return iter(())

    @property
    def media_type(self) -> str:
        return self.media_types[0] if self.media_types else "application/octet-stream"


REGISTRY: list[type[Extractor]] = []


def register(cls: type[Extractor]) -> type[Extractor]:
    REGISTRY.append(cls)
    return cls


def choose(source: Source) -> Extractor:
    """The best-scoring extractor, or ExtractionError("empty file (0 bytes)" / "format not supported")."""
    if source.size == 0:
        raise ExtractionError("empty file (0 bytes)")
    _load_builtin()
    scored = sorted(((cls.score(source), i, cls) for i, cls in enumerate(REGISTRY)), key=lambda t: (-t[0], t[1]))
    if not scored or scored[0][0] <= 0:
        raise ExtractionError(f"format not supported (name {source.filename!r}, first bytes "
                              f"{source.head[:8]!r})")
    return scored[0][2]()


def media_type_of(source: Source) -> str:
    try:
        return choose(source).media_type
    except ExtractionError:
        return "application/octet-stream"


_loaded = False


def _load_builtin() -> None:
    global _loaded
    if not _loaded:
        from . import archive, docx, email, html, image, ocr_layer, pdf, text  # noqa: F401  (each registers itself)
        _loaded = True
