"""English span edges in the ECHR convention: titles belong to names, determiners do not belong to places, and a
surname in capitals closes the name before it ("Mr Ivan KOVALENKO", as judgments' annexes and lists write it)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from nlp.gazetteer import place_index
from nlp.mentions import PATRONYMIC

TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "sir", "lady", "judge", "professor", "prof", "lord", "dame"})
DETERMINERS = frozenset({"the"})
# pronouns the small English model sometimes tags as places or people at a sentence start
PRONOUNS = frozenset({"he", "she", "it", "they", "we", "i", "you", "his", "her", "their", "its"})
#: punctuation the model sometimes runs a name on into ("Ivan KOVALENKO -")
TRAILING = frozenset({"-", "–", "—", ",", ";", ":"})
VOWELS = frozenset("aeiouy")
#: words in capitals that end no name: "IVAN KOVALENKO AND OTHERS v. UKRAINE"
NOT_SURNAMES = frozenset({"and", "or", "of", "the", "v", "vs", "others", "case", "see", "no", "nos"})


def _caps_surname(token: Token) -> bool:
    """A word in capitals that may be the surname closing a name: letters only, four or more with a vowel (not an
    acronym: "SBU", "FSB", "NKVD"), not a function word, not the very name of a place ("UKRAINE", "KHERSON";
    "SHEVCHENKO" only leads to Shevchenkivskyi in the index, so it stays)."""
    if not (token.is_alpha and token.is_upper and len(token) >= 4) or token.lower_ in NOT_SURNAMES \
            or VOWELS.isdisjoint(token.lower_):
        return False
    place = place_index().get(token.lower_)
    return place is None or place.name.lower() != token.lower_


def _with_caps_surname(doc: Doc, start: int, end: int) -> int:
    """end, or more when the name doc[start:end] is in title case and a surname in capitals follows after a space."""
    if end < len(doc) and _caps_surname(doc[end]) and doc[end - 1].whitespace_ == " " \
            and all(t.is_title or t.text == "." for t in doc[start:end]):
        end += 1
        # a double surname: "KOVALENKO-SHEVCHENKO"
        while end + 1 < len(doc) and doc[end].text == "-" and not doc[end - 1].whitespace_ \
                and not doc[end].whitespace_ and _caps_surname(doc[end + 1]):
            end += 2
    return end


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
                end = _with_caps_surname(doc, i, end)
                spans.append(Span(doc, i, end, label="PERSON"))
                i = end
                continue
        i += 1
    return spans


#: what a patronymic-like word also names: "Ivanovycha Street", "Petrivska Square"
STREET_WORDS = frozenset({"street", "avenue", "square", "lane", "road", "boulevard", "prospekt", "highway"})


def _name_word(token: Token) -> bool:
    """Could be a word of a name: capitalised letters, not a function word, title, street or a date the model
    found ("Monday")."""
    return token.is_alpha and (token.is_title or _caps_surname(token)) and not token.is_stop \
        and token.lower_ not in NOT_SURNAMES and token.lower_ not in TITLES and token.lower_ not in STREET_WORDS \
        and token.ent_type_ not in ("DATE", "TIME", "CARDINAL", "ORDINAL")


def _patronymic_names(doc: Doc, covered: set[int]) -> list[Span]:
    """"Oleksandr Ivanovych Rudenko", "RUDENKO Oleksandr Ivanovych": a patronymic between a given name and a
    surname, or after both, makes three words one person, whatever the model made of them (it reads
    "Oleksandr" as a place)."""
    spans: list[Span] = []
    patronymics = [t.i for t in doc if t.is_alpha and len(t) > 5 and PATRONYMIC.search(t.text)]
    for i in sorted({start for p in patronymics for start in (p - 1, p - 2) if start >= 0}):
        words = doc[i:i + 3]
        if len(words) == 3 and not (spans and i < spans[-1].end) and not any(t.i in covered for t in words) \
                and all(t.whitespace_ == " " for t in words[:2]) and all(map(_name_word, words)):
            spans.append(Span(doc, i, i + 3, label="PERSON"))
    return spans


@Language.component("svidok_span_edges", assigns=["doc.ents"], requires=["doc.ents"])
def fix_span_edges(doc: Doc) -> Doc:
    """Titled names are PERSON ("Mr Ivan Petrenko", title included), and so are three name words with a patronymic;
    a surname in capitals joins the name before it; strip a leading "the" and a trailing dash or comma; drop lone
    pronouns."""
    ents = _titled_names(doc)
    covered = {i for span in ents for i in range(span.start, span.end)}
    ents += _patronymic_names(doc, covered)
    covered = {i for span in ents for i in range(span.start, span.end)}
    for entity in doc.ents:
        start, end = entity.start, entity.end
        if any(i in covered for i in range(start, end)):
            continue
        if entity.label_ == "PERSON":
            end = _with_caps_surname(doc, start, end)
        if entity.label_ != "PERSON" and doc[start].lower_ in DETERMINERS and end - start > 1:
            start += 1
        while end - start > 1 and doc[end - 1].text in TRAILING:
            end -= 1
        if end - start == 1 and doc[start].lower_ in PRONOUNS:
            continue
        ents.append(entity if (start, end) == (entity.start, entity.end) else Span(doc, start, end, label=entity.label_))
        covered.update(range(start, end))  # a surname taken in is no longer the model's ORG
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
