"""Places from the GeoNames gazetteer that the model missed, as LOCATION entities (only filling gaps)."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from nlp.components.spans import add_entities, rule_info
from nlp.gazetteer import find_place

# a capitalised word or two (Kryvyi Rih, Нова Каховка); sentence-initial words are checked like any other
_CANDIDATE = re.compile(r"(?<![\w-])[A-ZА-ЯЁІЇЄҐ][a-zа-яёіїєґ'ʼ’-]{2,}(?:\s+[A-ZА-ЯЁІЇЄҐ][a-zа-яёіїєґ'ʼ’-]{2,})?(?![\w-])")


class PlaceRuler:
    """Mark capitalised words the place gazetteer knows, where no entity is yet; skip names of people."""

    def __init__(self, lang: str, min_population: int):
        self.lang = lang
        self.min_population = min_population

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for match in _CANDIDATE.finditer(doc.text):
            for start, end in ((match.start(), match.end()), (match.start(), match.start() + len(match.group().split()[0]))):
                place = find_place(doc.text[start:end], self.lang)
                if place is not None and place.population >= self.min_population:
                    span = doc.char_span(start, end, label="LOCATION")
                    if span is not None:
                        spans.append(span)
                    break
        info = rule_info(doc)
        for span in add_entities(doc, spans, override=False):
            info[(span.start_char, span.end_char)] = ("rule:places", None)
        return doc


@Language.factory("svidok_places", assigns=["doc.ents"], default_config={"lang": "en", "min_population": 15000})
def make_place_ruler(nlp: Language, name: str, lang: str, min_population: int) -> PlaceRuler:
    return PlaceRuler(lang, min_population)
