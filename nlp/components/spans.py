"""Helpers shared by the rule components: put spans into doc.ents and remember where they came from."""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span

# (start_char, end_char) -> (source, normalized) for entities a rule component set
if not Doc.has_extension("svidok_rules"):
    Doc.set_extension("svidok_rules", default=None)


def rule_info(doc: Doc) -> dict[tuple[int, int], tuple[str, str | None]]:
    """The doc's rule-provenance table, created on first use."""
    if doc._.svidok_rules is None:
        doc._.svidok_rules = {}
    return doc._.svidok_rules


def preceded(text: str, start: int, pattern: re.Pattern, width: int) -> bool:
    """Whether pattern (anchored at its end) matches in the width characters before start."""
    return pattern.search(text[max(0, start - width):start]) is not None


def add_entities(doc: Doc, spans: list[Span], override: bool) -> list[Span]:
    """Put spans into doc.ents; with override they replace overlapping entities, else they fill gaps only.

    Returns the spans that were added.
    """
    taken = [False] * len(doc)
    kept_old = list(doc.ents)
    added = []
    if override:
        for span in spans:
            if any(taken[span.start:span.end]):
                continue
            for i in range(span.start, span.end):
                taken[i] = True
            added.append(span)
        kept_old = [e for e in kept_old if not any(taken[e.start:e.end])]
    else:
        for entity in kept_old:
            for i in range(entity.start, entity.end):
                taken[i] = True
        for span in spans:
            if any(taken[span.start:span.end]):
                continue
            for i in range(span.start, span.end):
                taken[i] = True
            added.append(span)
    doc.ents = sorted(kept_old + added, key=lambda s: s.start)
    return added
