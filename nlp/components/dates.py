"""Dates as a spaCy component: DATE entities found by nlp.dates, normalised to ISO."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from nlp.components.spans import add_entities, rule_info
from nlp.dates import find_dates

if not Doc.has_extension("svidok_dates"):
    Doc.set_extension("svidok_dates", default=None)


class DateRuler:
    """Add the dates our patterns find.

    Where the model has no entity, a pattern date is added. Where it overlaps model entities, the model's
    span is kept (it follows the annotation convention it was trained on; the normalizer still gives it an
    ISO value), except when the pattern joins two or more model DATEs into one range ("з 14 по 20 березня
    2022", which a model reads as "14" and "20 березня 2022"). With `override` (for models without DATE,
    whose guesses on date words are wrong) a pattern date replaces whatever it overlaps.
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
        doc._.svidok_dates = [(s.start_char, s.end_char, values[(s.start_char, s.end_char)]) for s in spans]
        if not self.override:
            spans = [s for s in spans if _fills_gap_or_joins_dates(s, doc, values[(s.start_char, s.end_char)])]
        info = rule_info(doc)
        for span in add_entities(doc, spans, override=True):
            info[(span.start_char, span.end_char)] = ("rule:dates", values[(span.start_char, span.end_char)])
        return doc


def _fills_gap_or_joins_dates(span, doc: Doc, value: str | None) -> bool:
    overlapping = [e for e in doc.ents if e.start < span.end and span.start < e.end]
    is_range = value is not None and "/" in value
    return not overlapping or (is_range and all(e.label_ == "DATE" for e in overlapping))


@Language.factory("svidok_dates", assigns=["doc.ents"], default_config={"lang": "uk", "override": False})
def make_date_ruler(nlp: Language, name: str, lang: str, override: bool) -> DateRuler:
    return DateRuler(lang, override)
