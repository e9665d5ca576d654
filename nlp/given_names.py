"""Ukrainian and Russian given names in the nominative with their gender, from the pymorphy3 dictionaries.

The list tells entity resolution a brother from a sister: "Олександр Коваленко" and "Олександра Коваленко" differ
only in a vowel that a cross-script name key drops. Reading pymorphy3's whole dictionaries takes about 40 seconds,
so the list is written once to ``data/given_names.json`` by ``python -m nlp.given_names`` (run it again after
upgrading pymorphy3-dicts-uk or -ru) and read from there.
"""
from __future__ import annotations

import json
import re
import sys
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "given_names.json"
GENDERS = ("masc", "femn", "both")
_CYRILLIC = re.compile(r"[а-яёіїєґ]")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'"})
#: the Cyrillic letters each Latin spelling may stand for in the romanisations of Ukrainian and Russian names
#: (national, GOST, BGN/PCGN, ICAO, Polish and German habits); longest spellings are tried first
LATIN_TO_CYRILLIC = {
    "shch": ("щ",), "sch": ("ш", "щ"), "tsch": ("ч",), "zh": ("ж",), "kh": ("х",), "ts": ("ц", "тс"), "tz": ("ц",),
    "ch": ("ч", "х"), "sh": ("ш",), "sz": ("ш",), "cz": ("ч",),
    "yu": ("ю", "ью"), "iu": ("ю", "ію", "ью"), "ju": ("ю", "ью"),
    "ya": ("я", "ья", "ия"), "ia": ("я", "ія", "ия", "ья"), "ja": ("я", "ья"),
    "ye": ("є", "е", "ье"), "ie": ("є", "е", "іє", "ие"), "je": ("є", "е"), "yi": ("ї", "ий"),
    "yo": ("ё", "йо", "ьо"), "io": ("ё", "іо", "ьо"), "jo": ("ё", "йо"),
    "a": ("а",), "b": ("б",), "c": ("ц", "к"), "d": ("д",), "e": ("е", "є", "э"), "f": ("ф",), "g": ("г", "ґ"),
    "h": ("г", "х"), "i": ("і", "и", "ї", "й"), "j": ("й",), "k": ("к",), "l": ("л", "ль"), "m": ("м",),
    "n": ("н", "нь"), "o": ("о",), "p": ("п",), "q": ("к",), "r": ("р", "рь"), "s": ("с", "сь"), "t": ("т", "ть"),
    "u": ("у",), "v": ("в",), "w": ("в",), "x": ("кс",), "y": ("и", "й", "ы", "і"), "z": ("з",), "'": ("ь", "'", ""),
}
_SPELLINGS = sorted(LATIN_TO_CYRILLIC, key=len, reverse=True)


@lru_cache(maxsize=None)
def given_names() -> dict[str, str]:
    """Lower-case given name -> "masc", "femn" or "both" (Саша, Женя)."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return {name: gender for gender in GENDERS for name in data[gender]}


@lru_cache(maxsize=None)
def _prefixes() -> frozenset[str]:
    return frozenset(name[:end] for name in given_names() for end in range(len(name) + 1))


@lru_cache(maxsize=100_000)
def gender(word: str) -> str:
    """"masc" or "femn" when ``word`` is a given name of one gender in the nominative (Олександра, Oleksandra,
    Aleksandra: femn; Микола, Mykola: masc), else "" (not a given name, a name of either gender, another case).

    A Latin word is read back into every Cyrillic spelling its romanisation allows, and counts when those that are
    given names agree on the gender."""
    found = _genders(word)
    return found.pop() if len(found) == 1 and "both" not in found else ""


def is_given_name(word: str) -> bool:
    """``word`` is a given name in the nominative, of either gender, or a Latin spelling of one."""
    return bool(_genders(word))


def _genders(word: str) -> set[str]:
    """The genders ("masc", "femn", "both") of the given names ``word`` is, or (Latin) may romanise."""
    word = word.lower().translate(_APOSTROPHES)
    names = given_names()
    if _CYRILLIC.search(word):
        return {names[word]} if word in names else set()
    return {names[spelling] for spelling in _cyrillic_spellings(word)}


#: the endings of a patronymic in the nominative, and how the father's name ends before each: Іван-ович,
#: Петр(о)-ович, Сергі(й)-йович, Васил(ь)-ьович, Серге(й)-евич, Юрь(Юрий)-евич, Яков(л)-евич, Іван-івна,
#: Микола-ївна, Иван-овна, and the short forms Лук(а)-ич, Ілл(я)-іч, Яков/Яків-ич; Latin likewise
_PATRONYMIC_STEMS = {
    **dict.fromkeys(("ович", "йович", "ьович", "івна", "ївна", "овна", "ovych", "yovych", "ovich", "ivna", "yivna",
                     "ovna"), ("", "о", "а", "й", "ь", "o", "a", "i", "y", "ii", "iy")),
    **dict.fromkeys(("евич", "євич", "евна", "evich", "ievich", "evych", "ievych", "evna"),
                    ("", "й", "ь", "i", "y", "ii", "iy")),
    **dict.fromkeys(("ич", "іч", "ich", "ych"), ("", "а", "я", "a", "ia", "ya")),
    **dict.fromkeys(("ична", "ichna"), ("",)),
}
_PATRONYMIC_ENDINGS = sorted(_PATRONYMIC_STEMS, key=len, reverse=True)
_CLOSED_O = re.compile(r"о(?=[^аеєиіїоуюяь]+$)|o(?=[^aeiouy]+$)")  # Яков/Яків, Федор/Федір, Yakov/Yakiv


def _fathers(stem: str, ending: str) -> list[str]:
    """The given names a patronymic with this stem and ending may be made from."""
    cyrillic = bool(_CYRILLIC.search(stem))
    fathers = [stem + tail for tail in _PATRONYMIC_STEMS[ending] if not tail or bool(_CYRILLIC.search(tail)) == cyrillic]
    if stem.endswith(("ь", "'")):
        fathers.append(stem[:-1] + "ий")  # Юрьевич: Юрий
    if stem.endswith(("л", "l")) and ending in ("евич", "евна", "evich", "evna"):
        fathers.append(stem[:-1])  # Яковлевич: Яков
    if stem.endswith(("ин", "in")) and ending in ("ична", "ichna"):
        fathers += [stem[:-2] + "а", stem[:-2] + "я", stem[:-2] + "a", stem[:-2] + "ia"]  # Ильинична: Илья
    if ending in ("ич", "ich", "ych"):
        fathers.append(_CLOSED_O.sub("і" if cyrillic else "i", stem))  # Якович: Яків
    return fathers


@lru_cache(maxsize=100_000)
def is_patronymic(word: str) -> bool:
    """``word`` (in the nominative) is a patronymic: it ends as one and what comes before the ending is a given name
    (Іванович, Сергійович, Миколаївна, Сергеевич, Yuriievych, Лукич, Якович). "Ярошевич", "Янукович",
    "Andrukhovych" end as patronymics and are surnames: no given name "Ярош", "Янук" or "Andrukh" is known. A
    surname made from a given name ("Карпович", from Карпо) stays ambiguous: the caller reads it by its place in
    the name."""
    word = word.lower().translate(_APOSTROPHES)
    return any(word.endswith(ending) and len(word) >= len(ending) + 2
               and any(is_given_name(father) for father in _fathers(word[:-len(ending)], ending))
               for ending in _PATRONYMIC_ENDINGS)


def name_gender(words: tuple[str, ...]) -> str:
    """"masc" or "femn" when the words of one personal name, as written, can only be a man's or a woman's name:
    a Cyrillic name by the readings its words agree in (``nlp.morph.name_genders``), so "Олександра Коваленко",
    which may be a woman or a man in the genitive, tells nothing; a Latin one by its given names
    ("Oleksandra Kovalenko": femn). "" when it does not tell."""
    from nlp.language import detect_language
    from nlp.morph import name_genders

    cyrillic = tuple(word for word in words if _CYRILLIC.search(word.lower()))
    if cyrillic:
        found = set(name_genders(cyrillic, detect_language(" ".join(cyrillic), default="uk")))
    else:
        found = {gender(word) for word in words} - {""}
    return found.pop() if len(found) == 1 else ""


def _cyrillic_spellings(latin: str) -> set[str]:
    """The given names of the dictionaries that ``latin`` (lower case) may romanise."""
    names, prefixes, found = given_names(), _prefixes(), set()
    stack = [(0, "")]
    while stack:
        at, spelled = stack.pop()
        if at == len(latin):
            if spelled in names:
                found.add(spelled)
            continue
        for spelling in _SPELLINGS:
            if latin.startswith(spelling, at):
                for letters in LATIN_TO_CYRILLIC[spelling]:
                    if spelled + letters in prefixes:
                        stack.append((at + len(spelling), spelled + letters))
    return found


def from_dictionaries() -> dict[str, str]:
    """Every given name (grammeme Name) the uk and ru dictionaries hold in the nominative singular."""
    from nlp.morph import analyser

    found: dict[str, set[str]] = {}
    for lang in ("uk", "ru"):
        for word, tag, *_ in analyser(lang).dictionary.iter_known_words():
            grammemes = set(re.split(r"[ ,]", str(tag)))
            if "Name" in grammemes and "nomn" in grammemes and "plur" not in grammemes:
                genders = found.setdefault(word.lower(), set())
                genders.update(grammemes & {"masc", "femn"})
                if "ms-f" in grammemes:
                    genders.update(("masc", "femn"))
    return {word: "both" if len(genders) != 1 else genders.pop() for word, genders in found.items() if genders}


def main() -> None:
    import pymorphy3_dicts_ru
    import pymorphy3_dicts_uk

    names = from_dictionaries()
    data = {"_about": "Given names in the nominative singular by gender (both: Саша, Женя), read from "
                      f"pymorphy3-dicts-uk {pymorphy3_dicts_uk.__version__} and pymorphy3-dicts-ru "
                      f"{pymorphy3_dicts_ru.__version__} by `python -m nlp.given_names`."}
    for gender in GENDERS:
        data[gender] = sorted(word for word, its in names.items() if its == gender)
    DATA.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{len(names)} given names written to {DATA}", file=sys.stderr)


if __name__ == "__main__":
    main()
