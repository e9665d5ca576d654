"""The rule parts of nlp: facility gazetteer, dates, language detection."""

from __future__ import annotations

import pytest

import nlp
from nlp.dates import find_dates, normalize_date, precision
from nlp.facilities import find_facilities
from nlp.language import detect_language, language_segments

TAGANROG = "ru-rostov-taganrog-sizo-2"
OLENIVKA = "ua-donetsk-olenivka-vk-120"


@pytest.mark.parametrize("text", ["Тримали в СІЗО №2 у Таганрозі.", "Держали в СИЗО-2 в Таганроге.",
                                  "Held in SIZO-2 in Taganrog.", "Тримали в СІЗО № 2 м. Таганрога.",
                                  "Held in pre-trial detention centre No. 2 in Taganrog."])
def test_numbered_sizo_with_its_town_is_one_facility_in_every_script(text):
    [match] = find_facilities(text)
    assert match.id == TAGANROG
    assert "2" in text[match.start:match.end]


@pytest.mark.parametrize("text", ["СІЗО №2", "СИЗО-2", "SIZO-2", "СИЗО № 2"])
def test_numbered_sizo_without_a_town_gets_a_generic_id(text):
    assert [m.id for m in find_facilities(f"Його тримали в {text}.")] == ["sizo-2"]


@pytest.mark.parametrize("text", ["Оленівка", "в Оленівці", "з Оленівки", "в Еленовке", "Еленовка", "из Еленовки",
                                  "Olenivka", "колонія в Оленівці"])
def test_olenivka_in_any_case_and_script(text):
    assert [m.id for m in find_facilities(text)] == [OLENIVKA]


def test_colony_numbers_and_regions():
    assert [m.id for m in find_facilities("в ИК-1 Тульской области")] == ["ru-tula-donskoy-ik-1"]
    assert [m.id for m in find_facilities("у ВК-77")] == ["colony-77"]
    assert find_facilities("ИК без номера") == []


@pytest.mark.parametrize("text,facility", [
    ("Його перевезли в СИЗО-2 в Новозыбкове.", "ru-bryansk-novozybkov-sizo-2"),
    ("He was held in SIZO-2 in Vyazma.", "ru-smolensk-vyazma-sizo-2"),
    ("Её этапировали в ИК-9 в Валуйках.", "ru-belgorod-valuyki-ik-9"),
    ("Мешканців психоневрологічного інтернату в Олешках вивезли.", "ua-kherson-oleshky-pni"),
    ("Дітей з Херсонського обласного будинку дитини вивезли до Сімферополя.", "ua-kherson-kherson-children-home"),
    ("Детей отправили в лагерь «Лучистый».", "ua-crimea-yevpatoria-luchisty-camp"),
    ("Полонених утримували у Владимирському централі.", "ru-vladimir-vladimir-central"),
])
def test_a_designation_with_its_town_or_a_name_picks_the_facility(text, facility):
    assert [m.id for m in find_facilities(text)] == [facility]


def test_a_town_with_several_facilities_of_a_kind_keeps_a_generic_id():
    # Simferopol has three SIZOs in the gazetteer and Moscow many outside it: "which one" is for a person to say
    assert [m.id for m in find_facilities("тримали в СІЗО в Сімферополі")] == ["sizo@simferopol"]
    assert [m.id for m in find_facilities("держали в СИЗО в Москве")] == ["sizo"]
    assert [m.id for m in find_facilities("в СИЗО «Лефортово»")] == ["ru-moscow-lefortovo-sizo"]


def test_izolyatsia_is_a_proper_name_only():
    assert [m.id for m in find_facilities("в Ізоляції")] == ["ua-donetsk-izolyatsia"]
    assert find_facilities("суворої ізоляції") == []


def test_generic_institutions_are_typed():
    [home] = find_facilities("дітей вивезли з дитячого будинку")
    assert home.type == "children_institution"
    [hospital] = find_facilities("his mother was placed in a psychiatric hospital")
    assert hospital.type == "psychiatric"


@pytest.mark.parametrize("lang,text,value", [
    ("uk", "14 березня 2022 року", "2022-03-14"),
    ("uk", "у березні 2022 р.", "2022-03"),
    ("uk", "в 2023 році", "2023"),
    ("uk", "з 14 по 20 березня 2022", "2022-03-14/2022-03-20"),
    ("uk", "з 30 березня по 2 квітня 2022 року", "2022-03-30/2022-04-02"),
    ("uk", "03.04.2022", "2022-04-03"),
    ("ru", "14 марта 2022 года", "2022-03-14"),
    ("ru", "в марте 2022 г.", "2022-03"),
    ("ru", "с 5 по 12 мая 2022 года", "2022-05-05/2022-05-12"),
    ("en", "on 14 March 2022", "2022-03-14"),
    ("en", "on March 15, 2022", "2022-03-15"),
    ("en", "from 14 to 20 March 2022", "2022-03-14/2022-03-20"),
    ("en", "between 1 May 2022 and 3 June 2022", "2022-05-01/2022-06-03"),
])
def test_dates_are_found_and_normalised_with_precision(lang, text, value):
    [match] = find_dates(text, lang)
    assert match.value == value


MONTHS = {"en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                 "November", "December"],
          "uk": ["січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня",
                 "листопада", "грудня"],
          "ru": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
                 "ноября", "декабря"]}


@pytest.mark.parametrize("lang", MONTHS)
def test_every_month_keeps_day_and_month_precision(lang):
    # "October" holds "to", a range word: the date was once read as a range "3 Oc" to "ber 2018", i.e. "2018"
    for number, month in enumerate(MONTHS[lang], 1):
        assert [m.value for m in find_dates(f"3 {month} 2018", lang)] == [f"2018-{number:02d}-03"]
        assert normalize_date(f"3 {month} 2018", lang) == f"2018-{number:02d}-03"
        assert [m.value for m in find_dates(f"з 2 по 15 {month} 2019" if lang == "uk" else
                                            f"с 2 по 15 {month} 2019" if lang == "ru" else
                                            f"from 2 to 15 {month} 2019", lang)] == \
            [f"2019-{number:02d}-02/2019-{number:02d}-15"]


def test_a_month_and_year_the_model_finds_keep_month_precision():
    assert normalize_date("October 2022", "en") == "2022-10"
    assert normalize_date("жовтні 2022 року", "uk") == "2022-10"


def test_a_date_without_year_takes_the_previous_year_or_none():
    assert [m.value for m in find_dates("14 березня 2022 року, а 1 квітня", "uk")] == ["2022-03-14", "2022-04-01"]
    assert [m.value for m in find_dates("1 квітня", "uk")] == [None]


def test_dateparser_normalises_what_the_model_finds_but_never_guesses_a_year():
    assert normalize_date("the 14th of March 2022", "en") == "2022-03-14"
    assert normalize_date("three years", "en") is None
    assert normalize_date("the next day", "en") is None


def test_durations_and_times_are_date_mentions_without_a_value():
    text = ("He was held for six weeks. At 5 a.m. on 3 October 2018 he was questioned for two hours, "
            "and the same day he was moved.")
    dates = {m.text: m.normalized for m in nlp.analyse(text, "en").mentions if m.label == "DATE"}
    assert dates.get("3 October 2018") == "2018-10-03"
    assert dates.get("six weeks", "missing") is None and dates.get("two hours", "missing") is None
    assert any("5 a.m." in t for t in dates) and any("same day" in t for t in dates)


def test_precision_is_read_from_the_shape():
    assert [precision(v) for v in ("2022-03-14", "2022-03", "2022", "2022-03-14/2022-03-20")] == \
        ["day", "month", "year", "range"]


@pytest.mark.parametrize("text,lang", [
    ("Мене затримали біля Херсона і тримали у підвалі.", "uk"),
    ("Меня задержали возле Херсона и держали в подвале.", "ru"),
    ("I was detained near Kherson.", "en"),
    ("Марина сказала, що вони поїхали", "uk"),
    ("Мама сказала, что они уехали", "ru"),
])
def test_language_of_a_paragraph(text, lang):
    assert detect_language(text) == lang


def test_segments_cover_the_text_and_group_paragraphs():
    text = "Мене затримали.\n\nЇх теж.\n\nМеня задержали, что они уехали.\n\nAnd me."
    segments = language_segments(text)
    assert [s[2] for s in segments] == ["uk", "ru", "en"]
    assert segments[0][0] == 0 and segments[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(segments, segments[1:]))




def _uk_doc(text, ents):
    import spacy

    doc = spacy.blank("uk").make_doc(text)
    doc.ents = [doc.char_span(text.index(s), text.index(s) + len(s), label=label) for s, label in ents]
    return doc


def test_uk_addresses_take_the_street_word_and_house_number():
    from nlp.components.uk_spans import UkrainianSpans

    text = "Його тримали на вул. Садовій, 12 у Херсоні, потім у підвалі на Липовому провулку."
    doc = UkrainianSpans(streets=True, institutions=True)(_uk_doc(text, [("Садовій", "PERSON"), ("Херсоні", "LOCATION")]))
    assert [(e.text, e.label_) for e in doc.ents] == [("вул. Садовій, 12", "LOCATION"), ("Херсоні", "LOCATION"),
                                                    ("Липовому провулку", "LOCATION")]


def test_uk_place_inside_an_institution_name_is_not_a_location_of_its_own():
    from nlp.components.uk_spans import UkrainianSpans

    text = "Рішення апеляційного суду Херсонської області оскаржили в Херсоні."
    doc = UkrainianSpans(streets=True, institutions=True)(
        _uk_doc(text, [("Херсонської області", "LOCATION"), ("Херсоні", "LOCATION")]))
    assert [e.text for e in doc.ents] == ["Херсоні"]


def _uk_spans(text, ents, **options):
    from nlp.components.uk_spans import UkrainianSpans

    doc = UkrainianSpans(streets=True, institutions=True, **options)(_uk_doc(text, ents))
    return [(e.text, e.label_) for e in doc.ents]


def test_uk_landmark_takes_its_place_noun_and_wins_over_the_models_person_or_org():
    text = "Полонених везли повз Чорний ліс, а потім уздовж Північного моря до Високого замку."
    assert _uk_spans(text, [("Чорний", "PERSON"), ("Північного моря", "ORG")]) == [
        ("Чорний ліс", "LOCATION"), ("Північного моря", "LOCATION"), ("Високого замку", "LOCATION")]
    # switched off, the model's entities stay as they were
    assert _uk_spans(text, [("Чорний", "PERSON")], landmarks=False) == [("Чорний", "PERSON")]


def test_uk_landmark_rule_leaves_sentence_starts_institutions_and_longer_entities_alone():
    text = ("Залізничний вокзал закрили. Рішення суду Херсонської області оскаржили. "
            "Директор ТОВ «Срібна затока» мовчав.")
    assert _uk_spans(text, [("ТОВ «Срібна затока»", "ORG")]) == [("ТОВ «Срібна затока»", "ORG")]


def test_uk_coordinated_regions_before_one_plural_noun_are_one_location():
    text = "Обстріли тривали в Донецькій та Луганській областях і в Херсонському, Бериславському районах."
    assert _uk_spans(text, [("Донецькій", "LOCATION"), ("Луганській областях", "LOCATION")]) == [
        ("Донецькій та Луганській областях", "LOCATION"), ("Херсонському, Бериславському районах", "LOCATION")]
    # a town and its region are two places, even with a comma between them
    assert _uk_spans("Він родом з Новоазовська, Донецької області.", []) == [("Донецької області", "LOCATION")]


def test_uk_settlement_and_river_words_mark_the_name_after_them():
    text = "Його затримали в с. Нова Ивинка Степового району, біля річки Сухої, і вивезли до м. Бердянськ."
    assert _uk_spans(text, [("Сухої", "PERSON")]) == [
        ("Нова Ивинка", "LOCATION"), ("Степового району", "LOCATION"), ("Сухої", "LOCATION"),
        ("Бердянськ", "LOCATION")]
    # square metres are not a town, and a court's town stays inside the court's name
    assert _uk_spans("Квартира площею 44 кв. м. Суддя Окружного суду м. Харкова мовчав.",
                     [("Окружного суду м. Харкова", "ORG")]) == [("Окружного суду м. Харкова", "ORG")]
