"""Words hyphenated across line ends are read joined, Latin look-alikes in Cyrillic words as Cyrillic, and every
mention still points into the original text."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nlp
from nlp.reading import HOMOGLYPHS, read

# fictional: a testimony typeset with line-end hyphenation, and the same words unbroken
BROKEN = ("Мого чоловіка, Івана Петровича Кова-\nленка, затримали 14 березня 2022 року в Хер-\n  соні і перевезли "
          "до Івано-\nФранківська.")
WHOLE = "Мого чоловіка, Івана Петровича Коваленка, затримали 14 березня 2022 року в Херсоні і перевезли до " \
        "Івано-Франківська."


def _found(text: str, lang: str | None = None) -> list[tuple[str, str, str | None]]:
    analysis = nlp.analyse(text, lang)
    for m in analysis.mentions:
        assert text[m.start:m.end] == m.text
    return [(m.label, m.text, m.normalized) for m in analysis.mentions]


def test_a_name_and_a_place_broken_at_a_line_end_are_found_whole():
    assert _found(BROKEN) == [
        ("PERSON", "Івана Петровича Кова-\nленка", "Іван Петрович Коваленко"),
        ("DATE", "14 березня 2022 року", "2022-03-14"),
        ("LOCATION", "Хер-\n  соні", "Kherson"),
        ("LOCATION", "Івано-\nФранківська", "Ivano-Frankivsk"),  # a compound keeps its hyphen
    ]
    # the same normalised mentions as the unbroken text
    assert [(label, value) for label, _, value in _found(BROKEN)] == \
        [(label, value) for label, _, value in _found(WHOLE)]


@pytest.mark.parametrize("text, lang, expected", [
    ("Иван Кова-\r\nленко содержался в Таганроге.", "ru", ("PERSON", "Иван Кова-\r\nленко", "Иван Коваленко")),
    ("Ivan Kova\u00adlenko was held in Taganrog.", "en", ("PERSON", "Ivan Kova\u00adlenko", "Ivan Kovalenko")),
    ("Ivan Kovalenko was held in Tagan\u00ad\nrog.", "en", ("LOCATION", "Tagan\u00ad\nrog", "Taganrog")),
])
def test_other_breaks_soft_hyphens_and_windows_line_ends(text, lang, expected):
    assert expected in _found(text, lang)


def test_a_hyphen_before_a_number_or_a_new_line_of_text_is_not_a_break():
    for text in ("Список-\n1. Коваленко", "Ось що сталося -\nнас забрали", "СІЗО-\n2"):
        assert read(text)[0] == text


def test_the_reading_joins_what_search_joins():
    """nlp and search read the same words from a page (they may not import each other: layers)."""
    from archive_schema.search.analysis import _dehyphenate

    for text in (BROKEN, "Гри-\nценко, Tagan\u00ad\nrog, Ко\u00adваленко, deten- \n tion, Івано-\nФранківськ"):
        assert read(text)[0].replace("-\n", "-").split() == _dehyphenate(text).replace("-\n", "-").split()


def test_latin_look_alikes_inside_cyrillic_words_are_read_as_cyrillic():
    # OCR's "Kовaленкa" (Latin K, a), "Херсонi" (Latin i), "CИЗО-2" (Latin C)
    assert _found("Мого чоловіка, Івана Петровича Kовaленкa, затримали в Херсонi.", "uk") == [
        ("PERSON", "Івана Петровича Kовaленкa", "Іван Петрович Коваленко"),
        ("LOCATION", "Херсонi", "Kherson"),
    ]
    assert ("FACILITY", "CИЗО-2", "ru-rostov-taganrog-sizo-2") in _found("Иван Коваленко был в CИЗО-2 в Таганроге.", "ru")


def test_words_in_latin_letters_are_left_alone():
    for text in ("Ivan Kovalenko was held in Taganrog.", "Kovalenkо", "ECHR v. Росія"):  # the 2nd ends in a Cyrillic о
        assert read(text)[0] is text  # the same object: nlp then keeps the mentions as found


def test_a_huge_run_of_letters_is_read_in_one_pass():
    """A broken extraction can give one "word" of a million letters; reading it must stay linear (a pattern that
    looked ahead for both scripts at every position took quadratic time here)."""
    run = "ж" * 1_000_000
    assert read(run + "x " + run)[0] == run + "х " + run  # the Latin x read as its Cyrillic twin
    assert read("К" * 500_000 + "-\n" + "о" * 500_000)[0] == "К" * 500_000 + "о" * 500_000


def test_the_look_alikes_are_those_search_folds():
    """Search folds its look-alike letters (lowercased) the same way; the layers keep the two tables apart."""
    from archive_schema.search.analysis import HOMOGLYPHS as SEARCH

    for latin, cyrillic in SEARCH.items():
        assert HOMOGLYPHS[latin] == cyrillic


LETTERS = st.sampled_from(list("абвгґдеєжзиіїйклмнопрстуфхцчшщьюяАБВГІЇЄKovalenk") + [" ", ",", "-", "\n", "\u00ad"])


@settings(max_examples=300, deadline=None)
@given(st.lists(LETTERS, max_size=80).map("".join))
def test_every_character_of_the_reading_maps_back_to_the_same_character(text):
    reading, where = read(text)
    for i, ch in enumerate(reading):  # the same character, or the Cyrillic twin of a Latin look-alike
        assert text[where.start(i)] == ch or text[where.start(i)].translate(HOMOGLYPHS) == ch
    assert where.end(len(reading)) <= len(text)
    for i in range(len(reading)):  # an exclusive end maps to just past the character before it
        assert where.end(i + 1) == where.start(i) + 1
