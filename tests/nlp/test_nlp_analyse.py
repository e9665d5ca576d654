"""nlp.analyse end to end on fictional testimonies: everything marked is found and normalised."""

from __future__ import annotations

import subprocess
import sys

import pytest

import nlp
from nlp.morph import normalize_phrase
from conftest import TESTIMONIES


def test_every_marked_mention_is_found_normalised(testimony):
    """PERSON: the nominative name, and no key (the resolver keys names); FACILITY, DATE: the key."""
    lang, text, expected = testimony
    analysis = nlp.analyse(text)
    assert analysis.language == lang
    found = {(m.start, m.end, m.label): m for m in analysis.mentions}
    for start, end, label, value in expected:
        mention = found.get((start, end, label))
        assert mention is not None, f"{label} {text[start:end]!r} not found; got {[(m.text, m.label) for m in analysis.mentions]}"
        if label == "PERSON":
            assert mention.normalized == value, f"{text[start:end]!r}: {mention.normalized!r}, expected {value!r}"
            assert mention.key is None
        else:
            assert mention.key == value, f"{text[start:end]!r}: key {mention.key!r}, expected {value!r}"


def test_mention_offsets_point_into_the_text(testimony):
    _, text, _ = testimony
    for mention in nlp.analyse(text).mentions:
        assert text[mention.start:mention.end] == mention.text
        assert mention.label in nlp.LABELS
        assert 0 < mention.confidence <= 1
        assert mention.source


def test_two_people_sharing_a_surname_keep_their_own_names():
    # keeping them apart as entities is the resolver's job (tests/xref: "same surname, another person")
    text = "Я бачила Івана Коваленка та Олену Коваленко."
    people = [m for m in nlp.analyse(text, lang="uk").mentions if m.label == "PERSON"]
    assert [m.normalized for m in people] == ["Іван Коваленко", "Олена Коваленко"]
    assert [m.key for m in people] == [None, None]


@pytest.mark.parametrize("text", ["", " ", "\n\n", " \t\n \n\n  ", "\f"])
def test_empty_and_blank_pages_give_no_mentions(text):
    # a scanned page without OCR text: the library must not raise, whatever language is asked for
    for lang in (None, "uk", "ru", "en"):
        analysis = nlp.analyse(text, lang=lang)
        assert analysis.mentions == []
    assert [a.mentions for a in nlp.analyse_pages(["", "Мене затримали в Херсоні.", "  "])][0::2] == [[], []]


def test_person_normalised_to_nominative_with_patronymic_kept():
    mention = next(m for m in nlp.analyse("Затримали Коваленка Івана Петровича.", lang="uk").mentions
                   if m.label == "PERSON")
    assert mention.normalized == "Коваленко Іван Петрович"


@pytest.mark.parametrize("name, lang, nominative", [
    # the words of one name share a case and a gender: a woman keeps her name and surname
    ("Ганну Петрівну Мельник", "uk", "Ганна Петрівна Мельник"),  # not the dative of a surname "Ганн"
    ("Олену Попову", "uk", "Олена Попова"),
    ("Валентина Карпенко", "uk", "Валентина Карпенко"),
    ("Олександри Іванівни", "uk", "Олександра Іванівна"),
    ("Олександра Івановича Руденка", "uk", "Олександр Іванович Руденко"),
    ("Петра Коваленка", "uk", "Петро Коваленко"),
    ("Сергієм Бондаренком", "uk", "Сергій Бондаренко"),
    ("Ивановой Марии Петровны", "ru", "Иванова Мария Петровна"),
    ("Дмитрия Медведева", "ru", "Дмитрий Медведев"),  # "Дмитрия" is also a rare woman's name
    ("Светлана Яковлева", "ru", "Светлана Яковлева"),
    # surnames the dictionary does not know as names are read as nouns or adjectives in the same case
    ("Верболоза Андрея Николаевича", "ru", "Верболоз Андрей Николаевич"),
    ("Яна Щасного", "uk", "Ян Щасний"),
    ("Эдуард Мишлен", "ru", "Эдуард Мишлен"),  # already in the nominative: as written
])
def test_a_name_is_read_in_the_case_and_gender_its_words_share(name, lang, nominative):
    assert normalize_phrase(name, lang, names=True) == nominative


def test_places_are_normalised_to_geonames_across_scripts():
    keys = set()
    for text, lang in (("Мене затримали в Херсоні.", "uk"), ("Меня задержали в Херсоне.", "ru"),
                       ("I was detained in Kherson.", "en")):
        place = next(m for m in nlp.analyse(text, lang=lang).mentions if m.label == "LOCATION")
        assert place.normalized == "Kherson"
        keys.add(place.key)
    assert keys == {"geonames:706448"}


def test_english_words_that_are_also_towns_are_not_places_at_a_sentence_start():
    # GeoNames holds towns (and alternate names) called Most, Police, Since, From and She
    text = ("Most detainees were beaten. Police officers arrived. Since then he has not been seen. "
            "From 2014 the applicant lived in Kherson. She was moved to Taganrog.")
    places = [m.text for m in nlp.analyse(text, lang="en").mentions if m.label == "LOCATION"]
    assert places == ["Kherson", "Taganrog"]


def test_a_small_town_of_two_words_is_one_place_not_its_first_word():
    # Hola Prystan has fewer people than one capitalised word needs; "Hola" alone is a town in Kenya
    text = "Armed men searched the applicant's house in Hola Prystan for two hours."
    places = [m.text for m in nlp.analyse(text, lang="en").mentions if m.label == "LOCATION"]
    assert places == ["Hola Prystan"]


def test_echr_respondent_states_are_organisations_and_roles_no_entities():
    # TAB marks the state an application is brought against as ORG and leaves "the Court" unmarked
    text = ("The case originated in an application against Ukraine and the Russian Federation lodged with the Court "
            "by Mr Taras Bondar, who lives in Kherson. He was held in Edirne F-type Prison.")
    found = [(m.label, m.text) for m in nlp.analyse(text, lang="en").mentions if m.label in ("ORG", "LOCATION")]
    assert ("ORG", "Ukraine") in found and ("ORG", "Russian Federation") in found
    assert ("LOCATION", "Kherson") in found
    assert not any(text_ == "Court" for _, text_ in found)
    assert ("LOCATION", "Edirne") not in found  # part of the prison's name


def test_russian_places_in_a_bulleted_list_are_one_each_and_the_eu_is_an_organisation():
    text = "Делегации прибыли из стран: Уганда • Замбия • Намибия. Санкции Евросоюза против Ирана продлили."
    found = [(m.label, m.text) for m in nlp.analyse(text, lang="ru").mentions]
    assert [t for label, t in found if label == "LOCATION"][:3] == ["Уганда", "Замбия", "Намибия"]
    assert ("ORG", "Евросоюза") in found and ("LOCATION", "Евросоюза") not in found


def test_russian_name_and_its_bracketed_latin_form_are_two_mentions():
    text = "Журналист Иван Коваленко (Ivan Kovalenko) был задержан в Херсоне."
    people = [m.text for m in nlp.analyse(text, lang="ru").mentions if m.label == "PERSON"]
    assert people == ["Иван Коваленко", "Ivan Kovalenko"]


def test_mixed_text_is_analysed_per_paragraph():
    text = "Мене затримали 14 березня 2022 року.\n\nЕго задержали 2 мая 2022 года.\n\nHe was freed on 3 June 2023."
    analysis = nlp.analyse(text)
    assert [s.language for s in analysis.segments] == ["uk", "ru", "en"]
    assert [m.normalized for m in analysis.mentions if m.label == "DATE"] == ["2022-03-14", "2022-05-02", "2023-06-03"]
    assert analysis.segments[0].start == 0 and analysis.segments[-1].end == len(text)


def test_analyse_many_gives_what_analyse_gives_one_by_one():
    texts = [text for _, text, _ in TESTIMONIES]
    assert list(nlp.analyse_many(texts, batch_size=3)) == [nlp.analyse(t) for t in texts]
    assert list(nlp.analyse_pages(iter(texts))) == [nlp.analyse(t) for t in texts]


def test_forcing_an_unknown_language_is_an_error():
    try:
        nlp.analyse("text", lang="de")
    except ValueError as exc:
        assert "de" in str(exc)
    else:
        raise AssertionError("analyse accepted a language it has no pipeline for")


def test_empty_text_has_no_mentions():
    assert nlp.analyse("").mentions == []


def test_nlp_imports_none_of_the_other_packages():
    code = ("import sys, nlp; nlp.analyse('Херсон', lang='uk'); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'archive_schema', 'ingest', 'search_api'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_our_factories_are_registered():
    from spacy.language import Language

    import nlp.components

    for name in nlp.components.FACTORIES:
        assert Language.has_factory(name) or name in Language.component_names()


@pytest.mark.parametrize("text, person, normalized", [
    # judgments' annexes and English lists write the surname in capitals after the given names
    ("The applicant, Mr Ivan KOVALENKO, was detained in Kherson.", "Mr Ivan KOVALENKO", "Ivan Kovalenko"),
    ("1. Ivan Petrovych KOVALENKO, born in 1987, lives in Kharkiv.", "Ivan Petrovych KOVALENKO",
     "Ivan Petrovych Kovalenko"),
    ("Ms Olena KOVALENKO-SHEVCHENKO lodged the application.", "Ms Olena KOVALENKO-SHEVCHENKO",
     "Olena Kovalenko-Shevchenko"),
])
def test_english_a_surname_in_capitals_closes_the_name(text, person, normalized):
    people = [(m.text, m.normalized) for m in nlp.analyse(text, "en").mentions if m.label == "PERSON"]
    assert people == [(person, normalized)]


@pytest.mark.parametrize("text, people", [
    # a patronymic between two name words, or after them, makes one person of the three
    ("Oleksandr Ivanovych Rudenko was seen in Olenivka.", ["Oleksandr Ivanovych Rudenko"]),
    ("1. RUDENKO Oleksandr Ivanovych, born in 1979, Kherson.", ["RUDENKO Oleksandr Ivanovych"]),
    ("Halyna Serhiivna Bondar wrote to the Ombudsman on 3 May 2022.", ["Halyna Serhiivna Bondar"]),
    ("On Monday Ivanovych Street was closed.", []),  # a day and a street are no one's name
])
def test_english_a_patronymic_holds_a_name_together(text, people):
    assert [m.text for m in nlp.analyse(text, "en").mentions if m.label == "PERSON"] == people


def test_a_cyrillic_name_in_an_english_line_is_read_in_its_own_language():
    text = "Subject: re Коваленка Івана Петровича / documents re Ivan Kovalenko"
    people = {m.text: m.normalized for m in nlp.analyse(text, "en").mentions if m.label == "PERSON"}
    assert people["Коваленка Івана Петровича"] == "Коваленко Іван Петрович"


def test_english_a_country_an_acronym_or_a_case_title_word_in_capitals_is_no_surname():
    mentions = nlp.analyse("Judge Petro HRYTSENKO AND OTHERS v. UKRAINE\nMr Taras Bondar UKRAINE\n"
                           "Mr Ivan Melnyk SBU officers came.", "en").mentions
    assert [m.text for m in mentions if m.label == "PERSON"] == ["Judge Petro HRYTSENKO", "Mr Taras Bondar",
                                                                  "Mr Ivan Melnyk"]
