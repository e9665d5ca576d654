"""What analysis returns: mentions found in a text, with their language segments."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LABELS = ("PERSON", "LOCATION", "FACILITY", "DATE", "ORG")

#: the ending of an East Slavic patronymic, in Cyrillic or in the common romanisations: Петрович, Іванівна,
#: Сергеевич, Petrovych, Ivanovna …
PATRONYMIC = re.compile(r"(?:ович|евич|євич|йович|ьович|овна|евна|івна|ївна|ична|ovych|ovich|evich|ievich|"
                        r"yovych|ovna|evna|ivna|yivna|ichna)$", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    """A span of text naming a person, place, facility, date or organisation.

    `start`/`end` are Python str offsets into the analysed text, end exclusive.
    `normalized` is a string in every case:
      PERSON, ORG: the lemma, each word in the nominative ("Коваленко Іван Петрович");
      LOCATION: the GeoNames English name when the place is in the gazetteer ("Kherson"), else the lemma;
      FACILITY: the facility id from nlp/data/facilities.json, or a generic id such as "sizo-2" when the
        number is known but not the place;
      DATE: ISO 8601 with its precision carried by its shape: "2022-03-14" (day), "2022-03" (month),
        "2022" (year), "2022-03-14/2022-03-20" (range); None when a date-like span cannot be placed in time.
    `key` is an identifier only nlp knows: "geonames:<id>" for a place in the gazetteer, the facility id, the
    ISO date; None for PERSON, ORG and unknown places (the resolver in ingest keys names across scripts and
    cases itself, with archive_schema.search.analysis.name_key).
    `confidence` is the measured precision of `source` for that label on held-out data (nlp/data/precision.json).
    """

    start: int
    end: int
    label: str
    text: str
    normalized: str | None
    source: str
    confidence: float
    key: str | None = None


@dataclass(frozen=True)
class Segment:
    """A run of paragraphs in one language: text[start:end] was analysed with that language's pipeline."""

    start: int
    end: int
    language: str


@dataclass(frozen=True)
class Analysis:
    """The result of nlp.analyse: the text's main language (most characters) and its mentions, in order."""

    language: str
    mentions: list[Mention] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
