"""Which language a paragraph is in: uk, ru or en.

Testimonies mix Ukrainian and Russian, often paragraph by paragraph, so we decide per paragraph
(blank-line separated) and analyse runs of same-language paragraphs together.

The decision, in order:
1. Latin letters outnumber Cyrillic ones: "en".
2. Letters only one of the two alphabets has: і ї є ґ (Ukrainian) against ы э ъ ё (Russian). These are frequent
   (і alone is about 5 % of Ukrainian letters; ы about 2 % of Russian), so a paragraph of a few words
   almost always carries one; the side with more such letters wins when it has at least twice the other's.
3. Otherwise (short or ambiguous paragraphs, surzhyk), the share of words each pymorphy3 dictionary knows.
4. No cue at all (digits, a lone name): the previous paragraph's language, or `default`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from nlp.morph import is_known

LANGUAGES = ("uk", "ru", "en")
_UK_ONLY = set("іїєґІЇЄҐ")
_RU_ONLY = set("ыэъёЫЭЪЁ")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
_CYRILLIC_WORD = re.compile(r"[а-яёіїєґА-ЯЁІЇЄҐʼ'’-]{2,}")


def detect_language(text: str, default: str = "uk") -> str:
    """Guess the language of one paragraph (see the module docstring for the rule)."""
    latin = cyrillic = uk = ru = 0
    for ch in text:
        if "a" <= ch <= "z" or "A" <= ch <= "Z":
            latin += 1
        elif "\u0400" <= ch <= "\u04ff":
            cyrillic += 1
            if ch in _UK_ONLY:
                uk += 1
            elif ch in _RU_ONLY:
                ru += 1
    if latin == 0 and cyrillic == 0:
        return default
    if latin > cyrillic:
        return "en"
    if uk >= 2 * ru and uk > 0:
        return "uk"
    if ru >= 2 * uk and ru > 0:
        return "ru"
    words = _CYRILLIC_WORD.findall(text)[:60]
    if not words:
        return default
    uk_hits = sum(is_known(w, "uk") for w in words)
    ru_hits = sum(is_known(w, "ru") for w in words)
    if uk_hits == ru_hits:
        return default if default in ("uk", "ru") else "uk"
    return "uk" if uk_hits > ru_hits else "ru"


def paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each blank-line separated paragraph; the separators belong to no paragraph."""
    start = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        if match.start() > start:
            yield start, match.start()
        start = match.end()
    if start < len(text):
        yield start, len(text)


def language_segments(text: str, default: str = "uk") -> list[tuple[int, int, str]]:
    """Runs of consecutive paragraphs in the same language, as (start, end, language), covering all text."""
    runs: list[list] = []
    previous = default
    for start, end in paragraphs(text):
        lang = detect_language(text[start:end], default=previous)
        if runs and runs[-1][2] == lang:
            runs[-1][1] = end
        else:
            runs.append([start, end, lang])
        previous = lang
    if not runs:
        return [(0, len(text), default)]
    # stretch runs over the separators between them so every offset belongs to one run
    runs[0][0] = 0
    for before, after in zip(runs, runs[1:]):
        before[1] = after[0]
    runs[-1][1] = len(text)
    return [tuple(run) for run in runs]
