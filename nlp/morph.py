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
            return _nominative(parse)
    return parses[0].normal_form


def _nominative(parse) -> str:
    """The parse's word in the nominative singular, keeping its gender (the normal form when it cannot be)."""
    inflected = parse.inflect({"nomn", "sing"})
    return inflected.word if inflected else parse.normal_form


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


@lru_cache(maxsize=100_000)
def normalize_phrase(text: str, lang: str, names: bool = False) -> str:
    """Lemmatise each word of a span, keeping punctuation, numbers and capitalisation. A personal name's words
    are read in the one case and gender they share (see ``name_reading``)."""
    matches = list(_WORD.finditer(text))
    if names:
        reading = name_reading(tuple(m.group() for m in matches), lang)
        lemmas_ = [name_in_reading(m.group(), lang, reading) for m in matches]
    else:
        lemmas_ = [lemma(m.group(), lang) for m in matches]
    out, last = [], 0
    for match, word_lemma in zip(matches, lemmas_):
        out.append(text[last:match.start()])
        out.append(_title(word_lemma, match.group(), names))
        last = match.end()
    out.append(text[last:])
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _name_parses(word: str, lang: str) -> list:
    """The readings of one word of a personal name: as a name, surname or patronymic when the dictionary has one;
    else as a noun or adjective (a surname it does not know, "Верболоза"; "Щасного"), animate first. Singular."""
    parses = [p for p in analyser(lang).parse(word) if p.tag.number != "plur"]
    named = [p for p in parses if p.tag.grammemes & set(NAME_TAGS)]
    return named or sorted((p for p in parses if p.tag.POS in ("NOUN", "ADJF")),
                           key=lambda p: "anim" not in p.tag.grammemes)


def _fits(parse, case: str, gender: str) -> bool:
    """The parse is of this case and gender; a surname of common gender (Fixd, ms-f) fits either."""
    grammemes = parse.tag.grammemes
    return parse.tag.case == case and (parse.tag.gender == gender or bool(grammemes & {"Fixd", "ms-f"}))


@lru_cache(maxsize=100_000)
def name_reading(words: tuple[str, ...], lang: str) -> tuple[str, str] | None:
    """The (case, gender) that most words of one personal name can be read in: "Ганну Петрівну Мельник" is a
    woman in the accusative, so "Ганну" is not the dative of a surname "Ганн"; "Олександра Івановича" a man in
    the genitive, "Олександра Іванівна" a woman. Ties go to the likelier parses (the Russian dictionary knows
    how often each is seen: "Дмитрия" is rarely a woman's name), then to the nominative (lists and headings name
    people in it), then to the dictionary's order; None without a dictionary or a name-tagged word."""
    if lang not in ("uk", "ru"):
        return None
    parses = [_name_parses(word, lang) for word in words]
    readings = _reading_counts(parses)
    if not readings:
        return None

    def rank(reading: tuple[str, str]) -> tuple:
        fitting = [next((p for p in word if _fits(p, *reading)), None) for word in parses]
        found = [p for p in fitting if p is not None]
        return (-readings[reading], -round(sum(p.score for p in found), 6), reading[0] != "nomn",
                reading[0] == "voct", sum(word.index(p) for word, p in zip(parses, fitting) if p is not None))

    return min(readings, key=rank)


@lru_cache(maxsize=100_000)
def name_genders(words: tuple[str, ...], lang: str) -> frozenset[str]:
    """The genders ("masc", "femn") of the readings in which most words of one personal name agree, in any case:
    "Олександр Коваленко" masc; "Олександра Іванівна" femn; "Олександра Коваленко" either (a woman, or a man in
    the genitive: "Коваленко" does not decline); empty without a dictionary or a name-tagged word."""
    if lang not in ("uk", "ru"):
        return frozenset()
    counts = _reading_counts([_name_parses(word, lang) for word in words])
    most = max(counts.values(), default=0)
    return frozenset(gender for (_, gender), count in counts.items() if count == most)


def _reading_counts(parses: list[list]) -> dict[tuple[str, str], int]:
    """For each (case, gender) some word of a name can be read in, how many of its words can, in the order the
    readings first appear."""
    counts: dict[tuple[str, str], int] = {}
    for word in parses:
        for reading in dict.fromkeys((p.tag.case, g) for p in word for g in ("masc", "femn")
                                     if p.tag.case and _fits(p, p.tag.case, g)):
            counts[reading] = counts.get(reading, 0) + 1
    return counts


def name_in_reading(word: str, lang: str, reading: tuple[str, str] | None) -> str:
    """One word of a personal name in the nominative, read in the name's case and gender when it can be."""
    if reading is not None:
        parses = _name_parses(word, lang)
        for parse in parses:
            if _fits(parse, *reading):
                return _nominative(parse)
        if reading[0] == "nomn" and not analyser(lang).word_is_known(word.lower()):
            return word.lower()  # a word the dictionary does not know, in a name read in the nominative: as written
    return name_lemma(word, lang)
