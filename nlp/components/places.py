"""Places from the GeoNames gazetteer that the model missed or mislabelled, as LOCATION entities."""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import get_lang_class

from nlp.components.spans import preceded, rule_info
from nlp.gazetteer import find_place
from nlp.morph import name_tags

_UPPER = "A-ZА-ЯЁІЇЄҐ"
_LOWER = "a-zа-яёіїєґ'ʼ’"
# one or two capitalised words (Nova Kakhovka, Нова Каховка), or X-on-Y (Rostov-on-Don, Ростов-на-Дону)
_CANDIDATE = re.compile(
    rf"(?<![\w-])[{_UPPER}][{_LOWER}]{{2,}}(?:-(?:on|upon|na|на)-[{_UPPER}][{_LOWER}]+|-[{_UPPER}][{_LOWER}]+)?"
    rf"(?:\s+[{_UPPER}][{_LOWER}]{{2,}})?(?![\w-])"
)


# what may stand between a sentence's end (or the text's start) and its first word: spaces, an opening quote or bracket
_SENTENCE_OPENING = re.compile(r"(?:^|[.!?:;]|\n)[\s\"'«“„(\[]*$")

# up to four capitalised words after a name ("F-type Prison", "Regional Court")
_CAPITALISED_RUN = re.compile(rf"(?:[ \t]+[{_UPPER}][\w'’-]*){{1,4}}")

# a preposition of place or direction right before a word ("до Курська", "у Львові")
_PLACE_PREPOSITION = re.compile(r"(?<![\w-])(?:в|у|до|з|із|зі|під|біля|через|від|по|на)\s+$", re.IGNORECASE)


class PlaceRuler:
    """Mark capitalised words the place gazetteer knows: add them where no entity is (when `add`), and
    relabel a model entity with exactly that span when its label is in `relabel` (labels the model gives
    place names by mistake: en_core_web_sm often says ORG or PRODUCT for Ukrainian towns) and the
    dictionary does not know its words as personal names."""

    def __init__(self, lang: str, min_population: int, relabel: list[str], add: bool, names_after_preposition: int = 0,
                 institution_words: list[str] = ()):
        self.lang = lang
        # a town right before capitalised words holding one of these ("Edirne F-type Prison") is part of that
        # institution's name, so it is not added as a place of its own
        self.institution_words = frozenset(institution_words)
        self.min_population = min_population
        self.relabel = frozenset(relabel)
        self.add = add
        # relabel even a word the dictionary knows as a name when a preposition of place precedes it and the town
        # has at least this many people ("до Курська"; in ner-uk's training 80 % of the seed-13 split such words
        # after a preposition are a LOCATION 72 times and a PERSON never); 0 turns this off
        self.names_after_preposition = names_after_preposition

    def _candidates(self, doc: Doc, text: str) -> list[Span]:
        spans = []
        stop_words = _stop_words(self.lang)
        for match in _CANDIDATE.finditer(text):
            words = match.group().split()
            for length in ([len(match.group()), len(words[0])] if len(words) > 1 else [len(match.group())]):
                start, end = match.start(), match.start() + length
                if length == len(words[0]) and words[0].lower() in stop_words:
                    continue  # a function word is never a place, though GeoNames' alternate names hold "From", "She"
                place = find_place(text[start:end], self.lang)
                if place is None:
                    continue
                # two capitalised words naming a place are evidence enough whatever its size; one word needs a town
                # of min_population. Once the whole names a place, its first word alone ("Hola" of "Hola Prystan",
                # a Kenyan town) is not tried
                if length > len(words[0]) or place.population >= self.min_population:
                    span = doc.char_span(start, end, label="LOCATION")
                    if span is not None:
                        spans.append(span)
                break
        return spans

    def _names_institution(self, text: str, end: int) -> bool:
        run = _CAPITALISED_RUN.match(text, end) if self.institution_words else None
        return run is not None and any(word.lower() in self.institution_words for word in run.group().split())

    def _is_personal_name(self, entity: Span) -> bool:
        # in Ukrainian and Russian the dictionary knows first names and surnames: "Марією" stays a person
        return any(name_tags(token.text, self.lang) & {"Name", "Surn", "Patr"} for token in entity)

    def _town_after_preposition(self, text: str, span: Span) -> bool:
        if not self.names_after_preposition or len(span) != 1:
            return False
        place = find_place(span.text, self.lang)
        return place is not None and place.population >= self.names_after_preposition \
            and preceded(text, span.start_char, _PLACE_PREPOSITION, 8)

    def __call__(self, doc: Doc) -> Doc:
        owner = {}
        for entity in doc.ents:
            for i in range(entity.start, entity.end):
                owner[i] = entity
        ents = {(e.start, e.end): e for e in doc.ents}
        info = rule_info(doc)
        text = doc.text  # built from the tokens on every access: read once
        for span in self._candidates(doc, text):
            touched = {owner[i] for i in range(span.start, span.end) if i in owner}
            if not touched and self.add and not (" " not in span.text and _starts_sentence(text, span.start_char)) \
                    and not self._names_institution(text, span.end_char):
                # added on capitalisation alone, so not the first word of a sentence, which every word may be
                # ("Most detainees …", "Police officers …": Most and Police are towns)
                ents[(span.start, span.end)] = span
                for i in range(span.start, span.end):
                    owner[i] = span
                info[(span.start_char, span.end_char)] = ("rule:places", None)
            elif len(touched) == 1:
                entity = touched.pop()
                if (entity.start, entity.end) == (span.start, span.end) and entity.label_ in self.relabel \
                        and (not self._is_personal_name(entity) or self._town_after_preposition(text, span)):
                    ents[(span.start, span.end)] = span
                    info[(span.start_char, span.end_char)] = ("rule:places", None)
        doc.ents = sorted(ents.values(), key=lambda s: s.start)
        return doc


def _starts_sentence(text: str, start: int) -> bool:
    # pos/endpos rather than preceded()'s slice: "^" must mean the text's start, not the window's
    return _SENTENCE_OPENING.search(text, max(0, start - 12), start) is not None


@lru_cache(maxsize=None)
def _stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop words of the language (pronouns, prepositions, auxiliaries …)."""
    return frozenset(get_lang_class(lang).Defaults.stop_words)


@Language.factory("svidok_places", assigns=["doc.ents"],
                  default_config={"lang": "en", "min_population": 15000, "relabel": [], "add": True,
                                  "names_after_preposition": 0, "institution_words": []})
def make_place_ruler(nlp: Language, name: str, lang: str, min_population: int, relabel: list[str],
                     add: bool, names_after_preposition: int, institution_words: list[str]) -> PlaceRuler:
    return PlaceRuler(lang, min_population, relabel, add, names_after_preposition, institution_words)
