"""HTML: the text a reader sees (scripts and styles dropped), streamed through lxml's parser.

The file is decoded chunk by chunk and fed to an lxml target parser, which hands us start/end/data events and
never builds a tree: a 200 MB saved web page costs no more memory than a small one. (BeautifulSoup would build
the whole tree; the same lxml/libxml2 parser does the work underneath either way.)
Charset: a BOM, else ``<meta charset>`` / ``http-equiv`` in the first 8 KiB (decoded leniently, as browsers do),
else the text module's detection (UTF-8, then CP1251/KOI8-U/KOI8-R/CP866). Properties: ``encoding``, ``title``.
"""
from __future__ import annotations

import codecs
import re
from typing import Iterable, Iterator

from lxml import etree

from . import ExtractionError, Extractor, Source, register
from ._paging import paginate
from .text import decode_chunks, detect_encoding

_SNIFF = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE | re.DOTALL)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
#: elements whose content a reader never sees
_HIDDEN = {"script", "style", "template", "head"}
#: elements that start a new line
_BLOCKS = {"address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details", "dialog", "div",
           "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
           "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tr", "ul"}
_CELLS = {"td", "th"}
_SPACES = re.compile(r"\s+")


@register
class HtmlExtractor(Extractor):
    media_types = ("text/html",)
    extensions = ("html", "htm", "xhtml")

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        for bom, encoding in _BOMS:
            if head.startswith(bom):
                head = head[len(bom):].decode(encoding, errors="ignore").encode("utf-8")
                break
        return bool(_SNIFF.match(head[:1024]))

    def pages(self, source: Source) -> Iterator[str]:
        encoding, errors = _charset(source)
        source.properties["encoding"] = encoding
        found: dict[str, str] = {}
        yield from paginate(html_chunks(decode_chunks(source.path, encoding, errors), found))
        if found.get("title"):
            source.properties["title"] = found["title"]


def html_to_text(markup: str) -> str:
    """The visible text of an HTML string (an e-mail body, say)."""
    return "".join(html_chunks([markup], {}))


def html_chunks(markup: Iterable[str], found: dict[str, str]) -> Iterator[str]:
    """Visible text, tidied line by line, as the markup streams in; the first ``<title>`` goes into ``found``."""
    target = _VisibleText()
    parser = etree.HTMLParser(target=target)
    fed = False
    try:
        for chunk in markup:
            if chunk:
                parser.feed(chunk)
                fed = True
            yield from target.drain()
        if fed:
            parser.close()
    except etree.LxmlError as exc:
        raise ExtractionError(f"damaged HTML: {exc}") from exc
    yield from target.drain(final=True)
    if target.title.strip():
        found["title"] = _SPACES.sub(" ", target.title).strip()


class _VisibleText:
    """lxml parser target: collects visible text, with line breaks at block elements and tabs between cells."""

    def __init__(self) -> None:
        self.title = ""
        self._hidden = 0
        self._pre = 0
        self._in_title = False
        self._out: list[str] = []
        self._line = ""  # the unfinished last line, held back until its end is known

    def start(self, tag: str, attrib) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in _HIDDEN:
            self._hidden += 1
        if tag == "pre":
            self._pre += 1
        if tag in _BLOCKS:
            self._out.append("\n")

    def end(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _HIDDEN:
            self._hidden = max(self._hidden - 1, 0)
        if tag == "pre":
            self._pre = max(self._pre - 1, 0)
        if tag in _BLOCKS:
            self._out.append("\n")
        elif tag in _CELLS:
            self._out.append("\t")

    def data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._hidden:
            self._out.append(data if self._pre else _SPACES.sub(" ", data))

    def comment(self, text: str) -> None:
        pass

    def close(self) -> None:
        return None

    def drain(self, final: bool = False) -> Iterator[str]:
        """Complete lines so far, each stripped; blank lines dropped (every block is a line of its own)."""
        text = self._line + "".join(self._out)
        self._out.clear()
        lines = text.split("\n")
        self._line = "" if final else lines.pop()
        kept = [line + "\n" for line in (raw.strip(" \t").replace("\x00", "") for raw in lines) if line]
        if kept:
            yield "".join(kept)


def _charset(source: Source) -> tuple[str, str]:
    """The encoding and the decoding error policy: lenient for a declared charset, strict for a guessed one."""
    for bom, encoding in _BOMS:
        if source.head.startswith(bom):
            return encoding, "replace"
    match = _META_CHARSET.search(source.head)
    if match:
        try:
            encoding = codecs.lookup(match.group(1).decode("ascii")).name
        except LookupError:
            encoding = None
        if encoding and not encoding.startswith(("utf-16", "utf-32")):  # a page that could say so is 8-bit
            return encoding, "replace"
    return detect_encoding(source.path), "strict"
