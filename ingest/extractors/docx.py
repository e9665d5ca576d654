"""Word (.docx): paragraphs and tables in document order, pages split at explicit page breaks.

A DOCX is a ZIP, so it passes the same bomb check as any archive before python-docx opens it. Page breaks are
``<w:br w:type="page"/>`` and ``pageBreakBefore`` (Word's own "last rendered" markers depend on the printer and
are ignored); a long stretch without one is split further by the paging helper. Table rows become lines with
cells separated by tabs. Properties: ``title``, ``author``, ``created``, ``modified`` (ISO 8601).
"""
from __future__ import annotations

from typing import Iterator

import docx
from docx.opc.exceptions import OpcError
from lxml import etree

from . import ExtractionError, Extractor, Source, register
from ._paging import paginate
from .archive import ZIP_ERRORS, ZIP_SIGNATURES, open_zip

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: an encrypted .docx is not a ZIP but an OLE2 compound file holding the encrypted package
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: what python-docx lets through from zipfile and lxml on a damaged file, besides its own OpcError
_DOCX_ERRORS = ZIP_ERRORS + (OpcError, KeyError, TypeError, AttributeError, RuntimeError, etree.LxmlError)


@register
class DocxExtractor(Extractor):
    media_types = (MEDIA_TYPE,)
    extensions = ("docx",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head.startswith(ZIP_SIGNATURES) and b"word/" in head

    @classmethod
    def score(cls, source: Source) -> int:
        # a DOCX is also a ZIP: outbid the archive extractor whenever the content or the name says Word
        if source.head.startswith(ZIP_SIGNATURES) and (b"word/" in source.head or source.extension == "docx"):
            return 11
        return super().score(source)

    def pages(self, source: Source) -> Iterator[str]:
        if source.head.startswith(OLE2_SIGNATURE):
            raise ExtractionError("encrypted Word document: needs the password (or an old .doc renamed .docx)")
        open_zip(source.path, source.size, source.settings).close()  # a bomb fails before python-docx inflates it
        try:
            document = docx.Document(str(source.path))
            source.properties.update(_core_properties(document))
            body = document.element.body
        except _DOCX_ERRORS as exc:
            raise ExtractionError(f"not a readable Word document: {exc}") from exc
        yield from paginate(_body_text(body))


def _core_properties(document) -> dict[str, str]:
    core = document.core_properties
    found = {"title": core.title, "author": core.author,
             "created": core.created.isoformat() if core.created else None,
             "modified": core.modified.isoformat() if core.modified else None}
    return {key: value for key, value in found.items() if value}


def _body_text(body) -> Iterator[str]:
    """Text chunks in document order; ``\\f`` where an explicit page break is."""
    for element in body.iterchildren():
        if element.tag == _W + "p":
            yield _paragraph(element)
        elif element.tag == _W + "tbl":
            yield from _table(element)
        elif element.tag == _W + "sdt":  # a content control wraps ordinary paragraphs and tables
            content = element.find(_W + "sdtContent")
            if content is not None:
                yield from _body_text(content)


def _table(table) -> Iterator[str]:
    for row in table.iter(_W + "tr"):
        if row.getparent() is not None and _enclosing_table(row) is not table:
            continue  # a nested table's rows are read inside their cell
        cells = [" ".join(_paragraph(p).strip() for p in cell.iter(_W + "p")).strip()
                 for cell in row.iterchildren(_W + "tc")]
        yield "\t".join(cells) + "\n"


def _enclosing_table(element):
    parent = element.getparent()
    while parent is not None and parent.tag != _W + "tbl":
        parent = parent.getparent()
    return parent


def _paragraph(paragraph) -> str:
    parts = []
    properties = paragraph.find(_W + "pPr")
    if properties is not None:
        before = properties.find(_W + "pageBreakBefore")
        if before is not None and before.get(_W + "val", "true") not in ("0", "false", "off"):
            parts.append("\f")
    for element in paragraph.iter(_W + "t", _W + "tab", _W + "br", _W + "cr", _W + "noBreakHyphen"):
        tag = element.tag
        if tag == _W + "t":
            parts.append(element.text or "")
        elif tag == _W + "tab":
            if element.getparent().tag != _W + "tabs":  # tab stops in paragraph properties are not text
                parts.append("\t")
        elif tag == _W + "br":
            parts.append("\f" if element.get(_W + "type") == "page" else "\n")
        elif tag == _W + "cr":
            parts.append("\n")
        else:
            parts.append("-")
    if not parts or parts[-1] != "\f":  # a paragraph holding only a page break must not open page 2 with a blank line
        parts.append("\n")
    return "".join(parts)
