"""Find detention facilities in text: numbered designations (SIZO-2, СІЗО №2, ИК-1, VK-120) and named ones.

Matching is the same in every language (testimonies mix scripts), on the raw text:
- a designation plus a number, then a facility town within the next few words ("СИЗО-2 в Таганроге",
  "SIZO-2 in Taganrog", "СІЗО №2 м. Таганрога") names the gazetteer's facility; without a known town the id
  is generic ("sizo-2", "colony-1"), which a resolver can still group;
- a named alias in any case form ("в Оленівці", "в Еленовке", "Olenivka");
- psychiatric hospitals and children's institutions by their common names, with a town when one follows.
The mention covers the designation only; the town stays a LOCATION mention of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from nlp.gazetteer import Facility, load_facilities, phrase_pattern

_NUMBER = r"\s*(?:[-–]\s*|№\s*|[Nn]o\.?\s*|N\s*|#\s*)?(?P<number>\d{1,3})(?!\d)"
_KINDS = {
    "sizo": r"СІЗО|СИЗО|SIZO|слідч\w*\s+ізолятор\w*|следственн\w*\s+изолятор\w*|pre-?trial\s+detention\s+(?:centre|center|facility)",
    "penal_colony": r"ВК|ИК|ІК|IK|VK|ВТК|виправн\w*\s+колоні\w*|исправительн\w*\s+колони\w*|(?:correctional|penal)\s+colony",
}
_GENERIC = {
    "psychiatric": r"психіатричн\w*\s+(?:лікарн|закла)\w*|психоневрологічн\w*\s+(?:інтернат|диспансер)\w*|"
                   r"психиатрическ\w*\s+(?:больниц|лечебниц)\w*|психоневрологическ\w*\s+(?:интернат|диспансер)\w*|"
                   r"psychiatric\s+(?:hospital|clinic|facility)",
    "children_institution": r"дитяч\w*\s+будин\w*|будин\w*\s+дитини|школ\w*-інтернат\w*|дитяч\w*\s+притул\w*|"
                            r"детск\w*\s+(?:дом|приют)\w*|дом\w*\s+ребенка|школ\w*-интернат\w*|"
                            r"children's\s+home|orphanage|boarding\s+school",
}
_TOWN_GAP = r"[\s,]*(?:(?:у|в|во|в\s+м\.|у\s+м\.|м\.|г\.|міста|города|in|at|near|the\s+city\s+of)\s*)?"


@dataclass(frozen=True)
class FacilityMatch:
    """text[start:end] names facility `id` (a gazetteer id or a generic "<type>-<number>")."""

    start: int
    end: int
    id: str
    type: str


@lru_cache(maxsize=None)
def _compiled(gazetteer: str):
    facilities = load_facilities(gazetteer)
    towns = {}
    for facility in facilities:
        for town in facility.town_aliases:
            towns.setdefault(town, facility.town_en)
    town_names = sorted(towns, key=len, reverse=True)
    town_re = re.compile("|".join(f"(?P<t{i}>{phrase_pattern(t)})" for i, t in enumerate(town_names)))
    town_of_group = {f"t{i}": towns[t] for i, t in enumerate(town_names)}
    numbered = re.compile(
        "|".join(rf"(?P<{kind}>(?<!\w)(?:{words}))(?:{_NUMBER})?(?!\w)" for kind, words in _KINDS.items())
        .replace("(?P<number>", "(?P<number_", 1).replace("(?P<number>", "(?P<number_2>")
        .replace("(?P<number_", "(?P<number_1>", 1)
    )
    # one pattern per facility, and a page is scanned once for any alias: the scan's alternatives all begin with
    # their alias's first character, so re skips to candidate positions in C; there only the facilities whose
    # aliases begin with that character are tried (50 scans, one per facility, cost Russian a sixth of its speed)
    by_first: dict[str, list[tuple[Facility, re.Pattern]]] = {}
    every_alias: set[str] = set()
    for facility in facilities:
        aliases = sorted(facility.aliases, key=len, reverse=True)
        patterns = [phrase_pattern(alias) for alias in aliases]
        every_alias.update(patterns)
        pattern = re.compile("(?:" + "|".join(patterns) + r")(?!\w)")
        for first in dict.fromkeys(alias[0] for alias in aliases):
            by_first.setdefault(first, []).append((facility, pattern))
    scan = re.compile("|".join(sorted(every_alias))) if every_alias else None
    named = (scan, by_first)
    generic = re.compile("|".join(f"(?P<{kind}>(?<!\\w)(?:{words}))" for kind, words in _GENERIC.items()), re.IGNORECASE)
    return facilities, town_re, town_of_group, numbered, named, generic


def _town_after(text: str, end: int, town_re: re.Pattern, town_of_group: dict[str, str]) -> str | None:
    gap = re.compile(_TOWN_GAP, re.IGNORECASE).match(text, end)
    match = town_re.match(text, gap.end() if gap else end)
    if match is None:
        return None
    return town_of_group[match.lastgroup]


def _resolve(facilities, kind: str, number: int | None, town: str | None) -> str:
    for facility in facilities:
        if facility.type == kind and facility.number == number and town and facility.town_en == town:
            return facility.id
    if number is None and town:
        # "СІЗО в Херсоні": the town's only facility of that type, if the gazetteer has exactly one
        candidates = [f for f in facilities if f.type == kind and f.town_en == town]
        if len(candidates) == 1:
            return candidates[0].id
    base = {"sizo": "sizo", "penal_colony": "colony"}.get(kind, kind.replace("_", "-"))
    generic = f"{base}-{number}" if number is not None else base
    return f"{generic}@{town.lower()}" if town else generic


def find_facilities(text: str, gazetteer: str = "facilities") -> list[FacilityMatch]:
    """Facility mentions in text, in order, not overlapping (longer and named matches win)."""
    facilities, town_re, town_of_group, numbered, (scan, by_first), generic = _compiled(gazetteer)
    found: list[FacilityMatch] = []
    at = 0
    while scan is not None and (hit := scan.search(text, at)) is not None:
        start = at = hit.start()
        at += 1
        if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            continue  # inside a word
        best: tuple[Facility, int] | None = None
        for facility, pattern in by_first.get(text[start], ()):
            match = pattern.match(text, start)
            if match is not None and (best is None or match.end() > best[1]):
                best = (facility, match.end())
        if best is not None:
            found.append(FacilityMatch(start, best[1], best[0].id, best[0].type))
    for match in numbered.finditer(text):
        kind = "sizo" if match.group("sizo") else "penal_colony"
        number_text = match.group("number_1") or match.group("number_2")
        word = match.group(kind)
        if number_text is None and len(word) <= 4 and kind == "penal_colony":
            continue  # a bare "ИК"/"VK" without a number is too ambiguous
        number = int(number_text) if number_text else None
        town = _town_after(text, match.end(), town_re, town_of_group)
        found.append(FacilityMatch(match.start(), match.end(), _resolve(facilities, kind, number, town), kind))
    for match in generic.finditer(text):
        kind = match.lastgroup
        town = _town_after(text, match.end(), town_re, town_of_group)
        found.append(FacilityMatch(match.start(), match.end(), _resolve(facilities, kind, None, town), kind))
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[FacilityMatch] = []
    for match in found:
        if kept and match.start < kept[-1].end:
            continue
        kept.append(match)
    return kept
