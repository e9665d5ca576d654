"""Ukrainian span conventions the NER model gets wrong, fixed by rules after it (measured; nlp/models/README.md).

The corpus the model learns from (lang-uk/ner-uk) annotates, consistently across its documents:
- an address with its abbreviated street word and house number as one LOCATION: "вул. Садова, 12",
  "просп. Миру 5", "пров. Тихий, 3-5" (the span starts at the abbreviation in 97 of 100 cases, and a
  following house number is inside it in all); likewise a name followed by its street word:
  "Садовій вулиці", "Липовий провулок, 4" (22 of 23);
- a place named inside an institution's name as part of that ORG, not a LOCATION of its own: "апеляційного
  суду Херсонської області", "ДПІ у Шевченківському районі" (a capitalised word right after such an
  institution word starts or continues an ORG 234 times in the corpus, a LOCATION 24 times).
- a named landmark as a capitalised adjective with its place noun: "Чорне море", "Високого замку",
  "Центральний парк", "Херсонську губернію", not at a sentence start (the model often gives the adjective
  alone as PERSON or the pair as ORG);
- coordinated regions before one plural noun as one LOCATION: "Донецької і Луганської областей",
  "Херсонського та Бериславського районів" (5 of 6 in the 80 % of documents behind the reported split);
- after a settlement or river word only the name: "у с. Іванівка", "в місті Херсоні", "річки Інгулець",
  with an adjective that is part of the name ("с. Нова Іванівка"), not the region after it.
Together these three `landmarks` rules propose 281 spans in those documents: 209 are exactly a gold LOCATION,
53 lie inside a longer gold ORG or LOCATION (the rule yields when the model finds that entity), 19 are wrong.
The model learns these only loosely (it cuts off numbers, runs on into the next word) and often tags the
place inside an institution's name alone. `streets` and `landmarks` replace overlapping PERSON/LOCATION
entities (and an ORG lying inside the phrase) with the phrase; `institutions` drops a LOCATION that directly
follows an institution word, and no landmark span is made there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.components.spans import preceded, rule_info
from nlp.gazetteer import geo_names_pattern, is_common_noun
from nlp.morph import analyser, name_cases, name_tags

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

# the same institution words, capitalised or not, with what may stand between them and the place: acronyms,
# "України", a town ("ГУ ДСНС України у Львівській області", "районного суду м. Маріуполя Донецької області",
# "Прокуратура Приморського району"); in the training 80 % of the seed-13 split this finds 101 places inside a
# gold ORG where INSTITUTION_BEFORE finds 77, and no more gold LOCATIONs (11 for both)
_INSTITUTION_WORDS = INSTITUTION_BEFORE.pattern[len(r"(?<!\w)(?:"):INSTITUTION_BEFORE.pattern.index(r")\s+(?:(?:у|в|м\.)\s+)*$")]
INSTITUTION_CHAIN_BEFORE = re.compile(
    r"(?<!\w)(?i:" + _INSTITUTION_WORDS + r")(?:\s+(?:України|м\.\s*[А-ЯІЇЄҐ][\w'’-]+|міста\s+[А-ЯІЇЄҐ][\w'’-]+"
    r"|[А-ЯІЇЄҐ]{2,}))*\s+(?:(?:у|в|м\.)\s+)*$"
)

# lemmas of the nouns that make a capitalised adjective before them a place name ("Північне море")
PLACE_NOUNS = frozenset("""
    море озеро ставок лиман затока острів півострів річка ліс гай пуща гора пагорб долина яр балка хребет
    перевал печера урочище поле пустир край слобода хутір передмістя губернія повіт район область округ
    шлях дорога алея парк сквер замок вокзал міст узвіз ринок двір цвинтар кладовище площа майдан
    провулок бульвар проспект набережна вулиця канал
""".split())
_ADMIN_PLURAL = r"(?:област(?:ей|ях|ями|і)|район(?:ів|ах|ами|и)|округ(?:ів|ах|ами|и)|повіт(?:ів|ах|ами|и)|губерні(?:й|ях|ями|ї))"
_CAPITAL_WORD = rf"[{_U}][{_L}]+(?:-\s?[{_U}][{_L}]+)?"
COORDINATED_REGIONS = re.compile(
    rf"(?<![\w-]){_CAPITAL_WORD}(?:\s*,\s*{_CAPITAL_WORD})*(\s*,|\s(?:та|і|й))\s+{_CAPITAL_WORD}"
    rf"(?:\s+та\s+ін\s*\.)?\s+({_ADMIN_PLURAL})(?![\w-])"
)
# a lookahead, so that overlapping candidates are all tried ("Ивинка Степового району", then "Степового району")
ADJECTIVE_NOUN = re.compile(rf"(?=(?<![\w-])((?:{_CAPITAL_WORD}\s+)?{_CAPITAL_WORD})\s+([{_L}]+)(?![\w-]))")
# a settlement or river word before a name: the name alone is the LOCATION ("у с. Рашків", "річки Орілі")
NAMED_AFTER_KIND = re.compile(
    rf"(?<![\w-])(?<!кв\.\s)(?<!кв\s)(?<!куб\s)(?<!/)(?:(?:м|с|смт)[^\S\n]?\.[^\S\n]*|(?:смт|сел(?:о|а|і|ом|ище|ища|ищі|ищем)|міст(?:о|а|і|ом)"
    rf"|річк(?:а|и|у|і|ою)|рік(?:а|и|у|ою))\s+)"
    rf"({_CAPITAL_WORD})(?:\s+({_CAPITAL_WORD}))?(?![\w-])"
)
# likewise after a word for a mountain, lake, island or tract ("гори Бужора", "озера Пісочне", "в урочищі Жовті
# Води"): in the documents neither split holds out the name is the gold LOCATION in 7 of 10, inside a longer one in
# the rest
FEATURE_AFTER_KIND = re.compile(
    rf"(?<![\w-])(?:гор(?:а|и|і|у|ою)|озер(?:о|а|і|ом)|остр(?:ів|ова|ові|овом)|урочищ(?:е|а|і|ем)"
    rf"|пагорб(?:а|і|у|ом)?)\s+"
    rf"({_CAPITAL_WORD})(?:\s+({_CAPITAL_WORD}))?(?![\w-])"
)
# a park, square or beach word before its name: the corpus takes the word into the LOCATION, and a house number
# after it ("парку Горького", "площі Ринок, 5", "майдану Свободи": 6 of 6 in the training 80 % of the seed-13
# split; "урочище" is left out, its name stands alone in 3 of 4 there)
SQUARE_NAME = re.compile(
    rf"(?<![\w-])(?:парк(?:у|ом|і)?|сквер(?:у|ом|і)?|площ(?:а|і|у|ею)|майдан(?:у|ом|і)?|пляж(?:у|ем|і)?)"
    rf"\s+(?:ім\.\s*(?:[{_U}]\.\s*)*{_CAPITAL_WORD}|{_CAPITAL_WORD}(?:\s+{_CAPITAL_WORD})?){_NUMBER}(?![\w-])"
)
# the state in the name of a legal act or symbol is not annotated ("Кримінального кодексу України", "Закону
# України", "Державного Герба України": 20 of 20 in the training 80 % of the seed-13 split, while
# "законодавства України" is a LOCATION 5 of 5, so that word is left out)
ACT_BEFORE = re.compile(r"(?<![\w-])(?i:кодекс|закон(?!одав)|конституці|указ|постанов|герб)[\w'’]*\s+$")
ACT_CONTEXT = 30  # characters before a place searched for ACT_BEFORE
# a place name alone in quotes names a firm, newspaper, airport or club: ORG in 73 of 80 such spans in the
# training 80 % of the seed-13 split ("фірма «Київ»", "аеропорт «Бориспіль»")
_QUOTE_OPEN = re.compile(r"[«“„\"]")
_QUOTE_CLOSE = re.compile(r"\s*[»”\"]")
# surname, first name and patronymic in one case are one PERSON ("Коваленка Івана Петровича": 24 of 27 such
# triples in the training 80 % of the seed-13 split, the rest inside an ORG such as "ФОП ..."); the model sometimes
# cuts off or mislabels the surname at a sentence start
_NAME_WORD = r"[А-ЯІЇЄҐ][а-яіїєґ'ʼ’]+(?:-[А-ЯІЇЄҐ][а-яіїєґ'ʼ’]+)?"
FULL_NAME = re.compile(rf"(?<![\w'ʼ’-])({_NAME_WORD})\s+({_NAME_WORD})\s+({_NAME_WORD})(?![\w'ʼ’-])")
SENTENCE_END = re.compile(r"(?:^|[.!?…:;—–]|\n)\s*$")
# strictly a sentence start: not after a dash or colon ("у 1918 — Латвійська держава")
SENTENCE_START = re.compile(r"(?:^|[.!?…]|\n)\s*$")

# the names listed after a street word are streets too ("ремонт вулиць: Садова, Миру, Героїв Праці", "вул. Горького,
# Лісова та Соборна", "б-р Шевченка, 30 років Перемоги"): in the documents that neither the seed-13 nor the seed-29
# split holds out these spans are a gold LOCATION exactly 23 times of 26 (the other 3 overlap one). The first name,
# right after a singular street word, is the streets rule's; after the plural it stands alone ("вулиць Садова")
_LIST_NAME = (rf"(?:(?:б-р|бульв?\.|просп?\.|пр\.|пров\.|пл\.|вул\.)\s*)?(?:[{_U}]\.\s*)?"
              rf"(?:\d+\s+[{_L}]{{4,}}\s+)?[{_U}][{_L}-]+(?:\s+[{_U}][{_L}-]+)?")
# a house number, not a number that begins the next name ("30 років Перемоги")
_LIST_NUMBER = rf"(?:,?\s*\d+(?!\d)(?:\s*[-/]\s*\d+(?!\d))?(?:-?[{_L}](?![{_L}]))?(?!\s+[{_L}]{{3,}}))?"
STREET_LIST = re.compile(
    rf"(?<![\w-])(вулиц(?:і|ь|ях|ями|ю|я|ею)|вул\s?\.)\s*:?\s*({_LIST_NAME}){_LIST_NUMBER}"
    rf"((?:\s*(?:,|\sта|\sі|\sй)\s+{_LIST_NAME}{_LIST_NUMBER})*)"
)
_LIST_ITEM = re.compile(rf"(?<=[\s,])({_LIST_NAME}){_LIST_NUMBER}")
# a capitalised adjective (or two) with a word for a state is the state's name: "Російській імперії", "Радянського
# Союзу", "Сполучене королівство", "Автономної Республіки Крим" (a LOCATION 6 times of 7 in the documents neither
# split holds out; the seventh is inside an ORG, which keeps it when the model finds it)
STATE_NOUNS = frozenset("імперія королівство князівство республіка держава ханство царство федерація союз емірат"
                        .split())
# a lookahead, so that the word after a candidate noun is a candidate too ("Арабських Еміратах")
# (the stems only pre-select: the lemma decides)
STATE_NOUN = re.compile(rf"(?=(?<![\w-])((?i:імпер|королівст|князівст|республі|держав|ханст|царст|федерац|союз|емірат)"
                        rf"[{_L}]*)(?:\s+([{_U}][{_L}]+))?(?![\w-]))")
_ADJECTIVES_BEFORE = re.compile(rf"((?:{_CAPITAL_WORD}\s+){{0,1}}{_CAPITAL_WORD})\s+$")
# a capitalised noun alone after a preposition of place is a place when the dictionary gives it no first-name or
# patronymic reading, no adjective reading and more than a common-noun reading (is_common_noun): after "в/у" it must
# be able to stand in the locative ("в Куровичах", "у Бучі"; an unknown word must end like one), after
# "до/з/від/біля/через/під/на/по" it must be a known word without a surname reading either ("до Боярки"). In the
# documents neither split holds out 248 of the 253 spans it proposes are exactly a gold LOCATION. It only adds what the
# model left out and relabels a PERSON or ORG of exactly that span
PREPOSITION_NAME = re.compile(
    rf"(?<![\w-])(?i:(в|у)|(до|з|із|зі|від|біля|поблизу|неподалік|через|під|на|по))[^\S\n]+"
    rf"([{_U}][{_L}]+(?:-[{_U}][{_L}]+)?)(?![\w'ʼ’-])(?![^\S\n]*[{_U}«»\"“”])"
)
# a place in brackets right after a firm's quoted name is where the firm is registered: "ТОВ «Бета» (Мальта)",
# "«Дельта Лімітед» (Віргінські острови)" (11 of 12 in the documents neither split holds out; a Latin name there is
# the firm's own, 3 of 3 ORG, so only Cyrillic is read)
PARENTHESISED_PLACE = re.compile(
    r"[»\"]\s*\(\s*([А-ЯІЇЄҐ][а-яіїєґ'ʼ’-]+(?:\s+[А-ЯІЇЄҐ]?[а-яіїєґ'ʼ’-]+){0,2})\s*\)"
)


@lru_cache(maxsize=100_000)
def _adjective_forms(word: str) -> frozenset[tuple[str | None, ...]]:
    """(case, gender, number) of the word's readings as an adjective (empty when it cannot be one)."""
    return frozenset((p.tag.case, p.tag.gender, p.tag.number) for p in analyser("uk").parse(word) if p.tag.POS == "ADJF")


def _agreeing_adjectives(words: list[str]) -> bool:
    """True when every word can be an adjective and all can share case, gender and number ("Великого
    Чапельського", not "Стольне Менського")."""
    cases = None
    for word in words:
        word_cases = _adjective_forms(word)
        cases = word_cases if cases is None else cases & word_cases
        if not cases:
            return False
    return True


def _locations(doc: Doc, offsets: Iterable[tuple[int, int]], alignment_mode: str = "expand") -> list[Span]:
    """LOCATION spans over the character ranges (start, end) that can be aligned to tokens."""
    spans = (doc.char_span(start, end, label="LOCATION", alignment_mode=alignment_mode) for start, end in offsets)
    return [span for span in spans if span is not None]


@lru_cache(maxsize=100_000)
def _place_after_preposition(word: str, locative: bool) -> bool:
    tags = name_tags(word, "uk")
    if tags & {"Name", "Patr"} or (not locative and "Surn" in tags) or is_common_noun(word):
        return False
    parses = analyser("uk").parse(word)
    if any(p.tag.POS == "ADJF" for p in parses):
        return False
    if not analyser("uk").word_is_known(word.lower()):
        return locative and re.search(r"(?:і|ї|ах|ях)$", word) is not None
    return not locative or any(p.tag.case == "loct" for p in parses)


@lru_cache(maxsize=100_000)
def _state_lemma(word: str) -> str:
    return analyser("uk").parse(word.lower())[0].normal_form


@lru_cache(maxsize=100_000)
def _is_place_noun(word: str) -> bool:
    if word == "площею":  # "у Луганську площею 53 кв. м": an area, not a square
        return False
    parses = analyser("uk").parse(word)
    return bool(parses) and parses[0].tag.POS == "NOUN" and parses[0].normal_form in PLACE_NOUNS


def _keeps(entity: Span, span: Span, source: str) -> bool:
    """Whether an overlapping entity wins over a rule's span: an ORG, facility or date that holds an address
    keeps it; a landmark phrase also yields to any entity reaching beyond it, and takes over an ORG inside it
    (the model's "Північне море" ORG)."""
    if source in ("rule:streets", "rule:street_lists"):
        return entity.label_ not in ("PERSON", "LOCATION")
    if source == "rule:prepositions":  # only what the model left out or called PERSON/ORG with exactly this span
        return entity.start != span.start or entity.end != span.end or entity.label_ not in ("PERSON", "ORG")
    if source == "rule:parenthesised":
        return entity.start < span.start or entity.end > span.end or entity.label_ in ("FACILITY", "DATE")
    beyond = entity.start < span.start or entity.end > span.end
    return beyond or entity.label_ in ("FACILITY", "DATE")


_PREVIOUS_WORD = re.compile(rf"([{_U}][{_L}]+(?:-[{_U}]?[{_L}]+)?)\s+$")


class UkrainianSpans:
    """Address spans and institution-internal places, as the corpus annotates them."""

    def __init__(self, streets: bool, institutions: bool, landmarks: bool = True, geo_names: bool = False,
                 geo_add: bool = False, common_nouns: bool = False, institution_chain: bool = False,
                 square_names: bool = False, act_names: bool = False, quoted_places: bool = False,
                 full_names: bool = False, street_lists: bool = False, state_names: bool = False,
                 parenthesised_places: bool = False, preposition_places: bool = False, feature_names: bool = False):
        self.feature_names = feature_names
        self.preposition_places = preposition_places
        self.streets = streets
        self.street_lists = street_lists
        self.state_names = state_names
        self.parenthesised_places = parenthesised_places
        self.institutions = institutions
        self.landmarks = landmarks
        self.geo_names = geo_names
        self.geo_add = geo_add
        self.common_nouns = common_nouns
        self.square_names = square_names
        self.act_names = act_names
        self.quoted_places = quoted_places
        self.full_names = full_names
        self.institution_before = INSTITUTION_CHAIN_BEFORE if institution_chain else INSTITUTION_BEFORE
        self.context = 60 if institution_chain else 40

    def _after_institution(self, text: str, start: int) -> bool:
        """Whether an institution word stands just before start: a place there is the institution's (an ORG)."""
        return preceded(text, start, self.institution_before, self.context)

    def _square_spans(self, doc: Doc, text: str) -> list[Span]:
        return _locations(doc, (m.span() for m in SQUARE_NAME.finditer(text)
                                if not self._after_institution(text, m.start())))

    def _apply_full_names(self, doc: Doc, text: str, ents: list[Span], info: dict) -> list[Span]:
        for match in FULL_NAME.finditer(text):
            surname, name, patronymic = match.groups()
            if not (name_cases(surname, "uk", "Surn") & name_cases(name, "uk", "Name")
                    & name_cases(patronymic, "uk", "Patr")):
                continue
            span = doc.char_span(match.start(), match.end(), label="PERSON")
            if span is None:
                continue
            overlapping = [e for e in ents if e.start < span.end and span.start < e.end]
            if any(e.start < span.start or e.end > span.end or e.label_ not in ("PERSON", "LOCATION") for e in overlapping):
                continue  # an ORG ("ФОП Коваленко Іван Петрович") or a longer entity keeps it
            if len(overlapping) == 1 and (overlapping[0].start, overlapping[0].end, overlapping[0].label_) == \
                    (span.start, span.end, "PERSON"):
                continue
            ents = [e for e in ents if e not in overlapping] + [span]
            info.pop((span.start_char, span.end_char), None)
        return ents

    def _geo_spans(self, doc: Doc, text: str) -> list[tuple[Span, bool]]:
        """Names of data/uk_geo_names.json as LOCATION, with a capitalised agreeing adjective before them
        ("Західної України", "Південного Бугу"); each with whether it may be added where the model found nothing
        (not after another capitalised word, where it ends a title: "Закону України", "Герба України"). A name in
        quotes is left alone: there it names a newspaper, a cinema or a battalion."""
        found = []
        for match in geo_names_pattern().finditer(text):
            start, end = match.span()
            if self._after_institution(text, start):
                continue
            line = text[text.rfind("\n", 0, start) + 1:start]
            if line.count("«") > line.count("»") or line.count("\"") % 2 == 1 or line.count("“") > line.count("”"):
                continue  # a name in quotes names a newspaper, a cinema, a battalion: an ORG
            if self.act_names and preceded(text, start, ACT_BEFORE, ACT_CONTEXT):
                continue
            addable = True
            previous = _PREVIOUS_WORD.search(text[max(0, start - 40):start])
            if previous and not SENTENCE_END.search(text[max(0, start - 40):start - len(previous.group())]):
                if _adjective_forms(previous.group(1)):
                    start -= len(previous.group())
                else:
                    addable = False
            span = doc.char_span(start, end, label="LOCATION", alignment_mode="expand")
            if span is not None:
                found.append((span, addable))
        return found

    def _apply_geo_names(self, doc: Doc, text: str, ents: list[Span], info: dict) -> list[Span]:
        for span, addable in self._geo_spans(doc, text):
            overlapping = [e for e in ents if e.start < span.end and span.start < e.end]
            if not overlapping:
                if not (self.geo_add and addable):
                    continue
            elif any(e.start < span.start or e.end > span.end or e.label_ in ("FACILITY", "DATE") for e in overlapping):
                continue  # an entity reaching beyond the name ("Міністерства оборони України") keeps it
            elif len(overlapping) == 1 and (overlapping[0].start, overlapping[0].end) == (span.start, span.end) \
                    and overlapping[0].label_ == "LOCATION":
                continue
            ents = [e for e in ents if e not in overlapping] + [span]
            info[(span.start_char, span.end_char)] = ("rule:geo_names", None)
        return ents

    def _street_spans(self, doc: Doc, text: str) -> list[Span]:
        return _locations(doc, (m.span() for pattern in (STREET_ABBREVIATED, STREET_AFTER_NAME)
                                for m in pattern.finditer(text)))

    def _street_list_spans(self, doc: Doc, text: str) -> list[Span]:
        return _locations(doc, self._street_list_items(text))

    @staticmethod
    def _street_list_items(text: str) -> Iterator[tuple[int, int]]:
        for match in STREET_LIST.finditer(text):
            if match.group(1) in ("вулиць", "вулицях", "вулицями"):
                yield match.span(2)  # after the plural the first name stands alone ("вулиць Садова та Миру")
            offset = match.start(3)
            for item in _LIST_ITEM.finditer(match.group(3)):
                yield offset + item.start(), offset + item.end()

    def _state_spans(self, doc: Doc, text: str) -> list[Span]:
        return _locations(doc, self._state_names(text))

    def _state_names(self, text: str) -> Iterator[tuple[int, int]]:
        for match in STATE_NOUN.finditer(text):
            noun = match.group(1)
            if len(noun) < 4 or _state_lemma(noun) not in STATE_NOUNS:
                continue
            window = max(0, match.start() - 60)
            before = _ADJECTIVES_BEFORE.search(text[window:match.start()])
            if before is None:
                continue
            # the capitalised adjectives right before the noun ("Дельта Сполучене королівство": only "Сполучене")
            words = list(re.finditer(_CAPITAL_WORD, before.group(1)))
            while words and not _agreeing_adjectives([w.group() for w in words]):
                words = words[1:]
            if not words:
                continue
            start = window + before.start(1) + words[0].start()
            if noun[0].islower() and SENTENCE_START.search(text[max(0, start - 3):start]):
                continue  # "Раніше держава ...": a capital at a sentence start makes no name
            end = match.end(1)
            if match.group(2) and noun[0].isupper() and not _adjective_forms(match.group(2)):
                end = match.end(2)  # "Автономної Республіки Крим"
            if not self._after_institution(text, start):
                yield start, end

    def _preposition_spans(self, doc: Doc, text: str) -> list[Span]:
        # strict alignment: a name that is not whole tokens is left to the model
        return _locations(doc, (m.span(3) for m in PREPOSITION_NAME.finditer(text)
                                if _place_after_preposition(m.group(3), locative=m.group(1) is not None)
                                and not self._after_institution(text, m.start())), alignment_mode="strict")

    def _parenthesised_spans(self, doc: Doc, text: str) -> list[Span]:
        return _locations(doc, (m.span(1) for m in PARENTHESISED_PLACE.finditer(text)))

    def _landmark_spans(self, doc: Doc, text: str) -> list[Span]:
        spans = []
        for match in COORDINATED_REGIONS.finditer(text):
            # "з Бердянська, Запорізької області" is a town and its region: a bare comma lists regions only
            # before an unambiguous plural ("областях", "районів")
            if match.group(1).strip() == "," and match.group(2) == "області":
                continue
            if all(_adjective_forms(w) for w in re.findall(_CAPITAL_WORD, match.group())):
                spans.append((match.start(), match.end()))
        for match in ADJECTIVE_NOUN.finditer(text):
            # a capitalised adjective at a sentence start is just a capital letter ("Залізничний вокзал ...")
            if SENTENCE_END.search(text[max(0, match.start(1) - 3):match.start(1)]):
                continue
            if _is_place_noun(match.group(2)) and _agreeing_adjectives(match.group(1).split()):
                spans.append((match.start(1), match.end(2)))
        kinds = (NAMED_AFTER_KIND, FEATURE_AFTER_KIND) if self.feature_names else (NAMED_AFTER_KIND,)
        for match in (m for pattern in kinds for m in pattern.finditer(text)):
            end = match.end(1)
            # "с. Нова Іванівка": an adjective before the name belongs to it, a region after it does not
            if match.group(2) and _agreeing_adjectives([match.group(1)]) and not _agreeing_adjectives([match.group(2)]):
                end = match.end(2)
            spans.append((match.start(1), end))
        found: list[Span] = []
        # longest first: a coordination holds the adjective-noun pairs inside it
        for start, end in sorted(spans, key=lambda se: se[0] - se[1]):
            if self._after_institution(text, start) \
                    or any(s.start_char < end and start < s.end_char for s in found):
                continue
            span = doc.char_span(start, end, label="LOCATION", alignment_mode="expand")
            if span is not None:
                found.append(span)
        return sorted(found, key=lambda s: s.start)

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text  # built from the tokens on every access: read once, handed to every rule
        ents = list(doc.ents)
        info = rule_info(doc)

        if self.institutions:
            ents = [e for e in ents if not (e.label_ == "LOCATION" and self._after_institution(text, e.start_char))]
        if self.common_nouns:
            ents = [e for e in ents if not (e.label_ == "LOCATION" and len(e) == 1 and is_common_noun(e.text))]
        if self.act_names:
            ents = [e for e in ents if not (e.label_ == "LOCATION" and preceded(text, e.start_char, ACT_BEFORE, ACT_CONTEXT))]
        if self.quoted_places:
            ents = [Span(doc, e.start, e.end, label="ORG") if e.label_ == "LOCATION" and _in_quotes(text, e) else e
                    for e in ents]
        if self.full_names:
            ents = self._apply_full_names(doc, text, ents, info)
        if self.geo_names:
            ents = self._apply_geo_names(doc, text, ents, info)
        for enabled, source, spans in ((self.streets, "rule:streets", self._street_spans),
                                       (self.square_names, "rule:squares", self._square_spans),
                                       (self.landmarks, "rule:landmarks", self._landmark_spans),
                                       (self.street_lists, "rule:street_lists", self._street_list_spans),
                                       (self.state_names, "rule:states", self._state_spans),
                                       (self.parenthesised_places, "rule:parenthesised", self._parenthesised_spans),
                                       (self.preposition_places, "rule:prepositions", self._preposition_spans)):
            if not enabled:
                continue
            for span in spans(doc, text):
                overlapping = [e for e in ents if e.start < span.end and span.start < e.end]
                if any(_keeps(e, span, source) for e in overlapping):
                    continue
                ents = [e for e in ents if e not in overlapping] + [span]
                info[(span.start_char, span.end_char)] = (source, None)
        doc.ents = sorted(ents, key=lambda s: s.start)
        return doc


def _in_quotes(text: str, entity: Span) -> bool:
    """The entity stands alone between quotes (reading back over whitespace only, not the whole text before it)."""
    start = entity.start_char
    while start > 0 and text[start - 1].isspace():
        start -= 1
    return start > 0 and _QUOTE_OPEN.match(text[start - 1]) is not None \
        and _QUOTE_CLOSE.match(text, entity.end_char) is not None


@Language.factory("svidok_uk_spans", assigns=["doc.ents"], requires=["doc.ents"],
                  default_config={"streets": True, "institutions": True, "landmarks": True, "geo_names": False,
                                  "geo_add": False, "common_nouns": False, "institution_chain": False,
                                  "square_names": False, "act_names": False, "quoted_places": False,
                                  "full_names": False, "street_lists": False, "state_names": False,
                                  "parenthesised_places": False, "preposition_places": False, "feature_names": False})
def make_uk_spans(nlp: Language, name: str, streets: bool, institutions: bool, landmarks: bool, geo_names: bool,
                  geo_add: bool, common_nouns: bool, institution_chain: bool, square_names: bool, act_names: bool,
                  quoted_places: bool, full_names: bool, street_lists: bool, state_names: bool,
                  parenthesised_places: bool, preposition_places: bool, feature_names: bool) -> UkrainianSpans:
    return UkrainianSpans(streets, institutions, landmarks, geo_names, geo_add, common_nouns, institution_chain,
                          square_names, act_names, quoted_places, full_names, street_lists, state_names,
                          parenthesised_places, preposition_places, feature_names)
