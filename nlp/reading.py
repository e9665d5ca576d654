"""A page's text as its words were written: line-end hyphenation undone, soft hyphens dropped, Latin look-alikes
inside Cyrillic words made Cyrillic.

Scanned and typeset documents break words at line ends ("Івана Петровича Кова-\\nленка", "Хер-\\nсоні"); read
as they stand, the model finds "Івана Петровича" and loses the surname. ``read(text)`` gives the text the
pipelines analyse and a :class:`Reading` that maps its offsets back, so every mention still points into the
original (its ``text`` then shows the break; its ``normalized`` form is the joined word).

OCR and typists put Latin letters that look Cyrillic into Cyrillic words ("Kовaленкa", "Херсонi", "CИЗО-2");
each such letter is read as its Cyrillic twin (one character for one, so offsets hold), as search reads them,
when every Latin letter of the word has a twin. A word wholly in Latin letters is left alone.

What joins is what search joins (``archive_schema.search.analysis``, the same page seen by the index): a hyphen
or soft hyphen at a line end, with a letter continuing after it. A capital after a plain hyphen marks a
compound ("Івано-\\nФранківськ"): the hyphen stays and only the line break goes.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate

SOFT_HYPHEN = "\u00ad"
#: a hyphen (or soft hyphen) ending a line inside a word, the line break and its indentation; or a soft hyphen
_BREAK = re.compile(r"(?<=\w)(?P<mark>[-\u00ad])(?P<gap>[ \t]*\r?\n[ \t]*)(?=[^\W\d_])|\u00ad")


@dataclass(frozen=True)
class Reading:
    """Where characters were taken out: ``at[i]`` is the position in the reading after which ``removed``
    characters of the original are gone (cumulative: ``removed[i]`` counts every removal up to i)."""

    at: tuple[int, ...] = ()
    removed: tuple[int, ...] = ()

    def start(self, position: int) -> int:
        """The original offset of the reading's character at ``position``."""
        i = bisect_right(self.at, position)
        return position + (self.removed[i - 1] if i else 0)

    def end(self, position: int) -> int:
        """The original offset for an exclusive end: text taken out right at ``position`` stays outside."""
        i = bisect_left(self.at, position)
        return position + (self.removed[i - 1] if i else 0)


UNCHANGED = Reading()


#: Latin letters and the Cyrillic letters they are mistaken for
HOMOGLYPHS = str.maketrans("aceiopxykABCEHIKMOPTXY", "асеіорхукАВСЕНІКМОРТХУ")
_HOMOGLYPH_LETTERS = frozenset("aceiopxykABCEHIKMOPTXY")
#: a run of letters (a word, as far as scripts go); each is tested on its own, so the work stays linear in the
#: text however long a run is (a lookahead for both scripts at every position would not)
_LETTERS = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-zA-Z]")


def _cyrillic_twins(match: re.Match) -> str:
    word = match.group()
    if not (_LATIN.search(word) and _CYRILLIC.search(word)):
        return word
    latin = {ch for ch in word if "a" <= ch.lower() <= "z"}
    return word.translate(HOMOGLYPHS) if latin <= _HOMOGLYPH_LETTERS else word


def read(text: str) -> tuple[str, Reading]:
    """The text as nlp reads it (the very same object when nothing in it changes), and how to map offsets back."""
    if _LATIN.search(text) and _CYRILLIC.search(text):
        fixed = _LETTERS.sub(_cyrillic_twins, text)  # one for one: offsets hold
        text = text if fixed == text else fixed
    return _joined(text)


def _joined(text: str) -> tuple[str, Reading]:
    """Words joined across line ends and soft hyphens dropped, and how to map offsets back."""
    if SOFT_HYPHEN not in text and ("-" not in text or "\n" not in text):
        return text, UNCHANGED
    parts: list[str] = []
    at: list[int] = []
    lengths: list[int] = []
    last = kept = 0
    for match in _BREAK.finditer(text):
        start, end = match.span()
        if match.group("mark") == "-" and text[end].isupper():
            start = match.start("gap")  # a compound: keep its hyphen
        parts.append(text[last:start])
        kept += start - last
        at.append(kept)
        lengths.append(end - start)
        last = end
    if not at:
        return text, UNCHANGED
    parts.append(text[last:])
    return "".join(parts), Reading(tuple(at), tuple(accumulate(lengths)))
