"""The facility gazetteer as a spaCy component: FACILITY entities with their facility id."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from nlp.components.spans import add_entities, rule_info
from nlp.facilities import find_facilities


class FacilityRuler:
    """Mark facility mentions (nlp.facilities), replacing overlapping model entities: the gazetteer is surer."""

    def __init__(self, gazetteer: str):
        self.gazetteer = gazetteer

    def __call__(self, doc: Doc) -> Doc:
        spans, ids = [], {}
        for match in find_facilities(doc.text, self.gazetteer):
            span = doc.char_span(match.start, match.end, label="FACILITY", alignment_mode="expand")
            if span is not None:
                spans.append(span)
                ids[(span.start_char, span.end_char)] = match.id
        info = rule_info(doc)
        for span in add_entities(doc, spans, override=True):
            info[(span.start_char, span.end_char)] = ("rule:facilities", ids[(span.start_char, span.end_char)])
        return doc


@Language.factory("svidok_facilities", assigns=["doc.ents"], default_config={"gazetteer": "facilities"})
def make_facility_ruler(nlp: Language, name: str, gazetteer: str) -> FacilityRuler:
    return FacilityRuler(gazetteer)
