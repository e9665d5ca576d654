"""Names as lists and official forms write them: the surname in capitals, then the given name and patronymic.

Lists of detainees, prisoners of war and deported people, court records and official letters write
"КОВАЛЕНКО Іван Петрович, 1987 р.н.", "КОВАЛЕНКО Иван Петрович, 1987 г.р.", the whole name in capitals
("ШЕВЧЕНКО ОЛЕНА ВАСИЛІВНА"), or, as signatures do, the given name first ("Ольга МЕЛЬНИК"). The models were
trained on running text, where these forms are rare: they read the capitalised surname as an ORG, or leave it out
and keep "Іван Петрович" alone, and the person is lost to resolution. A span is made when the dictionary
(pymorphy3) agrees:

- the capitalised word is a surname to it (after the given name in any case: a woman's "Мельник" does not
  decline), or a word of four letters or more it does not know (most surnames; shorter ones are mostly acronyms,
  "СБУ", "ГУР"), never a known common word ("СПИСОК Іван", "ЗАЯВА Олени Петрівни" are not people);
- the next word is a given name the dictionary knows (not one it guesses from the ending: "МАКО Холдінг"), and
  a third word, if any, a patronymic in the same case;
- all in capitals needs the patronymic: three words, so a heading in capitals is not taken for a name;
- with initials ("КОВАЛЕНКО І.П."), the capitalised word of at least three letters must be a surname to the
  dictionary or unknown to it, and no name in title case may follow (an office's acronym before a person).

The span replaces what the model found inside it (an ORG "КОВАЛЕНКО", a PERSON "Іван Петрович") and a PERSON
it ran on past the name, but not an ORG or place reaching beyond it ("ФОП КОВАЛЕНКО Іван Петрович" stays an
ORG) nor a facility or a date.
"""
from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.components.spans import rule_info
from nlp.morph import is_known, name_cases

_UPPER = "А-ЯІЇЄҐЁ"
_LOWER = "а-яіїєґёыэъ"
_APOSTROPHE = "'ʼ’"
CAPS_WORD = rf"[{_UPPER}][{_UPPER}{_APOSTROPHE}]+(?:-[{_UPPER}][{_UPPER}{_APOSTROPHE}]+)?"
TITLE_WORD = rf"[{_UPPER}][{_LOWER}{_APOSTROPHE}]+(?:-[{_UPPER}][{_LOWER}{_APOSTROPHE}]+)?"
_EDGE_BEFORE = rf"(?<![\w{_APOSTROPHE}-])"
_EDGE_AFTER = rf"(?![\w{_APOSTROPHE}-])"
#: a capitalised surname, then a given name and perhaps a patronymic, on one line
SURNAME_FIRST = re.compile(rf"{_EDGE_BEFORE}({CAPS_WORD})[ \t]+({TITLE_WORD})(?:[ \t]+({TITLE_WORD}))?{_EDGE_AFTER}")
#: a given name, perhaps a patronymic, then the surname in capitals ("Ользі МЕЛЬНИК", "Іван Петрович КОВАЛЕНКО"),
#: as signatures and official letters write it
GIVEN_FIRST = re.compile(rf"{_EDGE_BEFORE}({TITLE_WORD})(?:[ \t]+({TITLE_WORD}))?[ \t]+({CAPS_WORD}){_EDGE_AFTER}")
#: all three in capitals
ALL_CAPS = re.compile(rf"{_EDGE_BEFORE}({CAPS_WORD})[ \t]+({CAPS_WORD})[ \t]+({CAPS_WORD}){_EDGE_AFTER}")
#: a capitalised surname and initials ("КОВАЛЕНКО І.П.", "ШЕВЧЕНКО О. В."), not before a name in title case
#: ("ГУНП І. П. Коваленко" is an office's acronym before a person)
INITIALS = re.compile(rf"{_EDGE_BEFORE}({CAPS_WORD})[ \t]+([{_UPPER}]\.(?:[ \t]?[{_UPPER}]\.)?)(?![ \t]*{TITLE_WORD})")
SOURCE = "rule:list_names"


def _person(surname: str, name: str, patronymic: str | None, lang: str, given_first: bool = False) -> bool:
    if not is_known(name, lang):  # a guess from the ending: "МАКО Холдінг" is a firm
        return False
    cases = name_cases(name, lang, "Name")
    if patronymic is not None:
        cases &= name_cases(patronymic, lang, "Patr")
    if not cases:
        return False
    surname_cases = name_cases(surname, lang, "Surn")
    if surname_cases:
        # after the given name, a surname in capitals need not agree: the dictionary declines "Мельник" as a man's
        # surname, but a woman's does not decline ("Ользі МЕЛЬНИК")
        return given_first or bool(surname_cases & cases)
    # an unknown word of three letters beside a name is more often an office's acronym ("Андрій ГУР", "СБУ Андрій")
    # than a surname
    return not is_known(surname, lang) and len(surname) >= 4


def _at_every_word(pattern: re.Pattern, text: str):
    """Matches starting at every position, not only after the previous match: "СВІДОК КОВАЛЕНКО ІВАН ПЕТРОВИЧ"
    first matches a heading word the dictionary refuses, and the name starts inside that match."""
    match = pattern.search(text)
    while match is not None:
        yield match
        match = pattern.search(text, match.start() + 1)


class ListNames:
    def __init__(self, lang: str):
        if lang not in ("uk", "ru"):
            raise ValueError(f"svidok_list_names reads Ukrainian and Russian names, not {lang!r}")
        self.lang = lang

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        spans = []
        for pattern, needs_patronymic in ((SURNAME_FIRST, False), (ALL_CAPS, True), (GIVEN_FIRST, False)):
            for match in _at_every_word(pattern, text):
                if pattern is GIVEN_FIRST:
                    name, patronymic, surname = match.groups()
                else:
                    surname, name, patronymic = match.groups()
                # a third capitalised word that is no patronymic makes it no list entry: "ОГХК Генадій Корбан" is
                # an organisation's acronym before a name (news text), where a list has a comma or a date
                if needs_patronymic and patronymic is None or not _person(surname, name, patronymic, self.lang,
                                                                          given_first=pattern is GIVEN_FIRST):
                    continue
                span = doc.char_span(match.start(), match.end(), label="PERSON")
                if span is not None:
                    spans.append(span)
        for match in _at_every_word(INITIALS, text):
            surname = match.group(1)
            if len(surname) >= 3 and (name_cases(surname, self.lang, "Surn") or not is_known(surname, self.lang)):
                span = doc.char_span(match.start(), match.end(), label="PERSON")
                if span is not None:
                    spans.append(span)
        if not spans:
            return doc
        ents = list(doc.ents)
        info = rule_info(doc)
        for span in spans:
            overlapping = [e for e in ents if e.start < span.end and span.start < e.end]
            if any((e.start < span.start or e.end > span.end) and e.label_ != "PERSON" or e.label_ in ("FACILITY", "DATE")
                   for e in overlapping):
                continue  # an ORG or place reaching beyond the name keeps it; a person the model ran on does not
            ents = [e for e in ents if e not in overlapping] + [span]
            for e in overlapping:
                info.pop((e.start_char, e.end_char), None)
            info[(span.start_char, span.end_char)] = (SOURCE, None)
        doc.ents = sorted(ents, key=lambda e: e.start)
        return doc


@Language.factory("svidok_list_names", assigns=["doc.ents"], default_config={"lang": "uk"})
def make_list_names(nlp: Language, name: str, lang: str) -> ListNames:
    return ListNames(lang)
