"""pymorphy3 lemmas for Ukrainian and Russian: one analyser per language per process."""

from __future__ import annotations

import re
from functools import lru_cache

try:
    import pymorphy3
except ImportError as exc:  # pragma: no cover - exercised only on a broken install
    raise ImportError("nlp needs pymorphy3 with its dictionaries: pip install pymorphy3 pymorphy3-dicts-uk pymorphy3-dicts-ru") from exc

NAME_TAGS = ("Name", "Surn", "Patr")
_WORD = re.compile(r"[^\W\d_]+(?:[-'ʼ’][^\W\d_]+)*")


@lru_cache(maxsize=None)
def analyser(lang: str) -> "pymorphy3.MorphAnalyzer":
    """The pymorphy3 analyser for 'uk' or 'ru', loaded once."""
    return pymorphy3.MorphAnalyzer(lang=lang)


@lru_cache(maxsize=200_000)
def lemma(word: str, lang: str) -> str:
    """The most likely normal form of one word, lower case; the word itself for languages without a dictionary."""
    if lang not in ("uk", "ru"):
        return word.lower()
    return analyser(lang).parse(word)[0].normal_form


@lru_cache(maxsize=200_000)
def lemmas(word: str, lang: str) -> tuple[str, ...]:
    """Every normal form the dictionary offers, geographical-name parses (Geox) first: Києві -> київ, кий."""
    if lang not in ("uk", "ru"):
        return (word.lower(),)
    parses = sorted(analyser(lang).parse(word), key=lambda p: "Geox" not in p.tag.grammemes)
    return tuple(dict.fromkeys(p.normal_form for p in parses))


@lru_cache(maxsize=200_000)
def name_lemma(word: str, lang: str) -> str:
    """A personal-name word in the nominative, keeping its gender ("Коваленка" -> "коваленко", "Ивановой" -> "иванова")."""
    if lang not in ("uk", "ru"):
        return word
    parses = analyser(lang).parse(word)
    # a vocative reading last: "Петро" is also the vocative of the rare "Петра", read first by the dictionary
    for parse in sorted(parses, key=lambda p: p.tag.case == "voct"):
        if parse.tag.grammemes & set(NAME_TAGS):
            inflected = parse.inflect({"nomn", "sing"})
            return inflected.word if inflected else parse.normal_form
    return parses[0].normal_form


@lru_cache(maxsize=200_000)
def name_tags(word: str, lang: str) -> frozenset[str]:
    """Which of Name/Surn/Patr/Geox the dictionary gives any parse of the word."""
    if lang not in ("uk", "ru"):
        return frozenset()
    found = set()
    for parse in analyser(lang).parse(word):
        found.update(parse.tag.grammemes & {*NAME_TAGS, "Geox"})
    return frozenset(found)


@lru_cache(maxsize=200_000)
def name_cases(word: str, lang: str, grammeme: str) -> frozenset[str]:
    """The cases in which the dictionary reads the word as a Name, Surn or Patr (empty: never, or no dictionary)."""
    if lang not in ("uk", "ru"):
        return frozenset()
    return frozenset(p.tag.case for p in analyser(lang).parse(word) if grammeme in p.tag.grammemes)


@lru_cache(maxsize=100_000)
def unnamed_pos(word: str, lang: str) -> str | None:
    """The part of speech the dictionary reads first for a word it knows and never reads as a personal name or a
    place (no Name, Surn, Patr or Geox parse): "Затримали" -> "VERB", "Лист" -> "NOUN"; else None ("Мельник",
    "Купала", an unknown word)."""
    if lang not in ("uk", "ru") or not analyser(lang).word_is_known(word.lower()):
        return None
    parses = analyser(lang).parse(word)
    if any(p.tag.grammemes & {*NAME_TAGS, "Geox"} for p in parses):
        return None
    return parses[0].tag.POS


def is_known(word: str, lang: str) -> bool:
    """True when the word is in the language's dictionary (not guessed from its ending)."""
    return analyser(lang).word_is_known(word.lower())


def _title(word: str, original: str, names: bool = False) -> str:
    """Restore capitalisation: keep all-caps acronyms, otherwise capitalise each hyphen part as the original.

    In a name, capitals are a list's way of writing the surname ("КОВАЛЕНКО Іван"), not an acronym."""
    if original.isupper() and len(original) > 1 and not names:
        return word.upper()
    if original[:1].isupper():
        return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))
    return word


def normalize_phrase(text: str, lang: str, names: bool = False) -> str:
    """Lemmatise each word of a span, keeping punctuation, numbers and capitalisation."""
    convert = name_lemma if names else lemma
    out, last = [], 0
    for match in _WORD.finditer(text):
        out.append(text[last:match.start()])
        word = match.group()
        out.append(_title(convert(word, lang), word, names))
        last = match.end()
    out.append(text[last:])
    return re.sub(r"\s+", " ", "".join(out)).strip()
