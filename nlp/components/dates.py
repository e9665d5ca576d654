"""Dates as a spaCy component: DATE entities found by nlp.dates, normalised to ISO."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from nlp.components.spans import add_entities, rule_info
from nlp.dates import find_dates


class DateRuler:
    """Add the dates our patterns find.

    With `override`, a pattern date replaces overlapping model entities (used where the model has no DATE
    label, or where patterns measured better); otherwise it only fills gaps and the model's DATE spans are
    normalised later by the normalizer.
    """

    def __init__(self, lang: str, override: bool):
        self.lang = lang
        self.override = override

    def __call__(self, doc: Doc) -> Doc:
        spans, values = [], {}
        for match in find_dates(doc.text, self.lang):
            span = doc.char_span(match.start, match.end, label="DATE", alignment_mode="expand")
            if span is not None:
                spans.append(span)
                values[(span.start_char, span.end_char)] = match.value
        info = rule_info(doc)
        for span in add_entities(doc, spans, override=self.override):
            info[(span.start_char, span.end_char)] = ("rule:dates", values[(span.start_char, span.end_char)])
        return doc


@Language.factory("svidok_dates", assigns=["doc.ents"], default_config={"lang": "uk", "override": False})
def make_date_ruler(nlp: Language, name: str, lang: str, override: bool) -> DateRuler:
    return DateRuler(lang, override)
