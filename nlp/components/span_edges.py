"""English span edges in the ECHR convention: titles belong to names, determiners do not belong to places."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "sir", "lady", "judge", "professor", "prof", "lord", "dame"})
DETERMINERS = frozenset({"the"})
# pronouns the small English model sometimes tags as places or people at a sentence start
PRONOUNS = frozenset({"he", "she", "it", "they", "we", "i", "you", "his", "her", "their", "its"})


def _titled_names(doc: Doc) -> list[Span]:
    """"Mr Taras Bondar": a title and the capitalised words after it, whatever the model made of them."""
    spans = []
    i = 0
    while i < len(doc):
        if doc[i].lower_.rstrip(".") in TITLES and doc[i].text[:1].isupper():
            end = i + 1
            if end < len(doc) and doc[end].text == ".":
                end += 1
            first = end
            while end < len(doc) and end - first < 4 and doc[end].is_title and doc[end].is_alpha:
                end += 1
            if end > first:
                spans.append(Span(doc, i, end, label="PERSON"))
                i = end
                continue
        i += 1
    return spans


@Language.component("svidok_span_edges", assigns=["doc.ents"], requires=["doc.ents"])
def fix_span_edges(doc: Doc) -> Doc:
    """Titled names are PERSON ("Mr Ivan Petrenko", title included); strip a leading "the"; drop lone pronouns."""
    titled = _titled_names(doc)
    covered = {i for span in titled for i in range(span.start, span.end)}
    ents = list(titled)
    for entity in doc.ents:
        if any(i in covered for i in range(entity.start, entity.end)):
            continue
        start, end = entity.start, entity.end
        if entity.label_ != "PERSON" and doc[start].lower_ in DETERMINERS and end - start > 1:
            start += 1
        if end - start == 1 and doc[start].lower_ in PRONOUNS:
            continue
        ents.append(entity if (start, end) == (entity.start, entity.end) else Span(doc, start, end, label=entity.label_))
    doc.ents = sorted(ents, key=lambda span: span.start)
    return doc


#: how a judgment names its own institutions and the parties by role: "the Court", "the Government" are not names
ROLE_NAMES = frozenset({"court", "government", "commission", "convention", "chamber", "grand chamber", "registry",
                        "registrar", "state", "respondent state", "parties"})
_PLACE_LABELS = frozenset({"GPE", "LOC", "LOCATION"})


@Language.component("svidok_echr_roles", assigns=["doc.ents"], requires=["doc.ents"])
def echr_roles(doc: Doc) -> Doc:
    """ECHR annotation (TAB) in English: a state an application is brought against is an ORG ("an application
    against the Republic of Turkey", "against Ukraine and Russia"), and a role ("the Court", "the Government") is
    no entity. Runs after the place rules, which would otherwise make the respondent state a place again."""
    ents = []
    respondent_end = None  # token index where the last respondent state ended
    for entity in doc.ents:
        if entity.label_ == "ORG" and entity.text.lower() in ROLE_NAMES:
            continue
        if entity.label_ in _PLACE_LABELS:
            before = entity.start
            if before > 0 and doc[before - 1].lower_ == "the":
                before -= 1
            previous = doc[before - 1].lower_ if before > 0 else ""
            if previous == "against" or (previous in ("and", ",") and respondent_end == before - 1):
                entity = Span(doc, entity.start, entity.end, label="ORG")
                respondent_end = entity.end
        ents.append(entity)
    doc.ents = ents
    return doc
