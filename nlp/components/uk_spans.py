"""Ukrainian span conventions the NER model gets wrong, fixed by rules after it (measured; nlp/models/README.md).

The corpus the model learns from (lang-uk/ner-uk) annotates, consistently across its documents:
- an address with its abbreviated street word and house number as one LOCATION: "вул. Садова, 12",
  "просп. Миру 5", "пров. Тихий, 3-5" (the span starts at the abbreviation in 97 of 100 cases, and a
  following house number is inside it in all); likewise a name followed by its street word:
  "Садовій вулиці", "Липовий провулок, 4" (22 of 23);
- a place named inside an institution's name as part of that ORG, not a LOCATION of its own: "апеляційного
  суду Херсонської області", "ДПІ у Шевченківському районі" (a capitalised word right after such an
  institution word starts or continues an ORG 234 times in the corpus, a LOCATION 24 times).
The model learns the first only loosely (it cuts off numbers, runs on into the next word) and often tags the
place inside an institution's name alone. `streets` replaces overlapping PERSON/LOCATION entities with the
address span; `institutions` drops a LOCATION that directly follows an institution word.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.components.spans import rule_info

_U = "A-ZА-ЯІЇЄҐ"
_L = "a-zа-яіїєґ'ʼ’"
_NAME = rf"(?:[{_U}]\.\s*|\d+-?[{_L}]*\s+)*[{_U}][{_L}]+(?:-[{_U}]?[{_L}]+)*"
_NUMBER = rf"(?:,?\s*(?:буд\.\s*)?\d+(?:\s*[-/]\s*\d+)?(?:-?[{_L}](?![{_L}]))?)?"
STREET_ABBREVIATED = re.compile(rf"(?<!\w)(?:вул|пров|просп|пл|бул|бульв)\.\s*{_NAME}(?:\s+{_NAME})?{_NUMBER}")
STREET_AFTER_NAME = re.compile(
    rf"(?<![\w-])[{_U}][{_L}-]*(?:ськ|цьк|зьк|ов|ев|єв|ин|їн|ів)[{_L}]{{1,4}}\s+"
    rf"(?:вулиц[{_L}]+|провул[{_L}]+|проспект[{_L}]*|площ[аіу]|бульвар[{_L}]*|але[яїює]|узвіз|узвоз[{_L}]*"
    rf"|набережн[{_L}]+|майдан[{_L}]*|шосе|сквер[{_L}]*){_NUMBER}(?!\w)"
)
INSTITUTION_BEFORE = re.compile(
    r"(?<!\w)(?:суд|суду|судом|суді|[А-Яа-яІіЇїЄє]*суд[уіом]?|палат[аиіуою]|рад[аиіуою]|облрад[аиіуою]|міськрад[аиіуою]"
    r"|райрад[аиіуою]|прокуратур[аиіуою]|управлінн[яюі]|департамент[уіа]?|адміністраці[яїює]|ДПІ|ГУ|УМВС|ГУМВС"
    r"|МВС|СБУ|ДФС|ДСНС|ОДА|РДА|інспекці[яїює]|відділ[уі]?)\s+(?:(?:у|в|м\.)\s+)*$"
)


class UkrainianSpans:
    """Address spans and institution-internal places, as the corpus annotates them."""

    def __init__(self, streets: bool, institutions: bool):
        self.streets = streets
        self.institutions = institutions

    def _street_spans(self, doc: Doc) -> list[Span]:
        spans = []
        for pattern in (STREET_ABBREVIATED, STREET_AFTER_NAME):
            for match in pattern.finditer(doc.text):
                span = doc.char_span(match.start(), match.end(), label="LOCATION", alignment_mode="expand")
                if span is not None:
                    spans.append(span)
        return spans

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        if self.institutions:
            ents = [e for e in ents if not (e.label_ == "LOCATION"
                                            and INSTITUTION_BEFORE.search(doc.text[max(0, e.start_char - 40):e.start_char]))]
        if self.streets:
            info = rule_info(doc)
            for span in self._street_spans(doc):
                overlapping = [e for e in ents if e.start < span.end and span.start < e.end]
                # an ORG, facility or date that holds the address keeps it
                if any(e.label_ not in ("PERSON", "LOCATION") for e in overlapping):
                    continue
                ents = [e for e in ents if e not in overlapping] + [span]
                info[(span.start_char, span.end_char)] = ("rule:streets", None)
        doc.ents = sorted(ents, key=lambda s: s.start)
        return doc


@Language.factory("svidok_uk_spans", assigns=["doc.ents"], requires=["doc.ents"],
                  default_config={"streets": True, "institutions": True})
def make_uk_spans(nlp: Language, name: str, streets: bool, institutions: bool) -> UkrainianSpans:
    return UkrainianSpans(streets, institutions)
