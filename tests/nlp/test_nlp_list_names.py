"""Lists and official forms write the surname in capitals: "КОВАЛЕНКО Іван Петрович, 1987 р.н." is one person."""
from __future__ import annotations

import pytest

import nlp

# fictional lists, in the form detainee and deportation lists take
LIST_UK = ("Список осіб, затриманих у с. Зелений Гай:\n"
           "1. КОВАЛЕНКО Іван Петрович, 1987 р.н., м. Херсон\n"
           "2. ШЕВЧЕНКО Олена Василівна, 1990 р.н., м. Мелітополь\n"
           "3. МЕЛЬНИК Петро, 1979 р.н.\n"
           "4. ОЛІЙНИК-ГРИЦЕНКО Марія Іванівна, 2009 р.н. (дитина)\n")
LIST_UK_CAPS = "СПИСОК ЗАТРИМАНИХ\n1. КОВАЛЕНКО ІВАН ПЕТРОВИЧ, 1987 Р.Н.\n2. СВІДОК ШЕВЧЕНКО ОЛЕНА ВАСИЛІВНА\n"
LIST_RU = ("Список задержанных:\n1. КОВАЛЕНКО Иван Петрович, 1987 г.р., г. Херсон\n"
           "2. ШЕВЧЕНКО Елена Васильевна, 1990 г.р.\nПрошу сообщить о судьбе КОВАЛЕНКО Ивана Петровича.\n")


def _people(text: str, lang: str) -> list[tuple[str, str]]:
    return [(m.text, m.normalized) for m in nlp.analyse(text, lang).mentions if m.label == "PERSON"]


def test_a_ukrainian_list_gives_each_person_whole_with_the_surname_in_its_usual_case():
    assert _people(LIST_UK, "uk") == [
        ("КОВАЛЕНКО Іван Петрович", "Коваленко Іван Петрович"),
        ("ШЕВЧЕНКО Олена Василівна", "Шевченко Олена Василівна"),
        ("МЕЛЬНИК Петро", "Мельник Петро"),
        ("ОЛІЙНИК-ГРИЦЕНКО Марія Іванівна", "Олійник-Гриценко Марія Іванівна"),
    ]


def test_a_list_all_in_capitals_needs_the_patronymic_and_skips_heading_words():
    assert _people(LIST_UK_CAPS, "uk") == [
        ("КОВАЛЕНКО ІВАН ПЕТРОВИЧ", "Коваленко Іван Петрович"),
        ("ШЕВЧЕНКО ОЛЕНА ВАСИЛІВНА", "Шевченко Олена Василівна"),
    ]


def test_a_russian_list_and_a_request_naming_the_person_in_the_genitive():
    assert _people(LIST_RU, "ru") == [
        ("КОВАЛЕНКО Иван Петрович", "Коваленко Иван Петрович"),
        ("ШЕВЧЕНКО Елена Васильевна", "Шевченко Елена Васильевна"),
        ("КОВАЛЕНКО Ивана Петровича", "Коваленко Иван Петрович"),
    ]


@pytest.mark.parametrize("lang, text", [("uk", "1. КОВАЛЕНКО І.П., 1987 р.н.\n2. ШЕВЧЕНКО О. В., 1990 р.н."),
                                        ("ru", "1. КОВАЛЕНКО И.П., 1987 г.р.\n2. ШЕВЧЕНКО О. В., 1990 г.р.")])
def test_a_surname_in_capitals_with_initials(lang, text):
    initial = "І" if lang == "uk" else "И"
    assert _people(text, lang) == [(f"КОВАЛЕНКО {initial}.П.", f"Коваленко {initial}.П."),
                                   ("ШЕВЧЕНКО О. В.", "Шевченко О. В.")]
    office = _people("Протокол склав інспектор ГУНП І. П. Коваленко.", "uk")
    assert all(not name.startswith("ГУНП") for name, _ in office)


def test_an_acronym_before_a_name_and_surname_is_no_list_entry():
    people = _people("Його куратором називав голова ДФС Микола Гордієнко.", "uk")
    assert all(not text.startswith("ДФС") for text, _ in people)


@pytest.mark.parametrize("text", [
    "ЗАЯВА Олени Петрівни про зникнення сина.",  # a document's title word, then a name
    "СПИСОК Іван склав сам.",
    "СІЗО Олена не бачила.",
])
def test_a_known_common_word_in_capitals_is_not_a_surname(text):
    assert all(not m.text.startswith(text.split()[0]) for m in nlp.analyse(text, "uk").mentions
               if m.label == "PERSON")


def test_the_vocative_reading_of_a_given_name_does_not_win():
    assert _people("Учора Петро Мельник приїхав до Херсона.", "uk") == [("Петро Мельник", "Петро Мельник")]


@pytest.mark.parametrize("lang, text, person, normalized", [
    # signatures and letters write the given name first and the surname in capitals
    ("uk", "З повагою,\nначальник відділу Олена ШЕВЧЕНКО", "Олена ШЕВЧЕНКО", "Олена Шевченко"),
    ("uk", "Зателефонував Олені Петрівні БОНДАР щодо сина.", "Олені Петрівні БОНДАР", "Олена Петрівна Бондар"),
    # a woman's surname in -ник does not decline, where the dictionary's declines
    ("uk", "Ользі МЕЛЬНИК передали лист.", "Ользі МЕЛЬНИК", "Ольга Мельник"),
    ("ru", "Директор Иван КОВАЛЕНКО сообщил о переводе.", "Иван КОВАЛЕНКО", "Иван Коваленко"),
])
def test_a_given_name_then_the_surname_in_capitals(lang, text, person, normalized):
    assert (person, normalized) in _people(text, lang)


@pytest.mark.parametrize("lang, text, acronym", [
    ("ru", "Запрос направил в СБУ Андрей ГУР.", "ГУР"),  # an office's acronym beside a name, either side
    ("ru", "Запрос направил в СБУ Андрей ГУР.", "СБУ"),
])
def test_an_acronym_in_capitals_beside_a_name_is_no_surname(lang, text, acronym):
    assert all(acronym not in name for name, _ in _people(text, lang))
