"""A verb opening a sentence is no part of the name after it: "Затримали Коваленка Івана Петровича" (fictional)."""

from __future__ import annotations

import pytest
import spacy

import nlp
from nlp.components.name_edges import SOURCE, NameEdges
from nlp.components.spans import rule_info


def _run(text, ents, lang="uk", join=True):
    doc = spacy.blank(lang).make_doc(text)
    doc.ents = [doc.char_span(text.index(s), text.index(s) + len(s), label=label) for s, label in ents]
    doc = NameEdges(lang, join)(doc)
    return doc, [(e.text, e.label_) for e in doc.ents]


def test_a_leading_verb_leaves_the_person():
    doc, ents = _run("Затримали Коваленка Івана Петровича.", [("Затримали Коваленка Івана Петровича", "PERSON")])
    assert ents == [("Коваленка Івана Петровича", "PERSON")]
    assert list(rule_info(doc).values()) == [(SOURCE, None)]


def test_the_piece_the_model_cut_off_joins_the_name_again():
    text = "Побили Петренка Олега в підвалі."
    assert _run(text, [("Побили Петренка", "PERSON"), ("Олега", "PERSON")])[1] == [("Петренка Олега", "PERSON")]
    assert _run(text, [("Побили Петренка", "PERSON"), ("Олега", "PERSON")], join=False)[1] == \
        [("Петренка", "PERSON"), ("Олега", "PERSON")]


def test_names_side_by_side_that_no_verb_opened_stay_apart():
    text = "Свідками були Мельник Петро Ганна Ткаченко."
    ents = [("Мельник Петро", "PERSON"), ("Ганна Ткаченко", "PERSON")]
    assert _run(text, ents)[1] == ents


def test_a_list_row_gives_the_name_without_the_date_and_place_after_it():
    text = "1. Руденко Дмитро 14.02.2008 Маріуполь"
    assert _run(text, [("Руденко Дмитро 14.02.2008 Маріуполь", "PERSON")])[1] == [("Руденко Дмитро", "PERSON")]


def test_the_line_with_the_number_is_no_part_of_the_name():
    """An OCR'd parcel receipt: the addressee, then the prison on the next line."""
    text = "Передача для: Коваленко И. П.\nФКУ СИЗО-2 г. Таганрог"
    assert _run(text, [("Коваленко И. П.\nФКУ СИЗО-2 г. Таганрог", "PERSON")], lang="ru")[1] == [
        ("Коваленко И. П.", "PERSON")]
    people = [m.text for m in nlp.analyse(text, lang="ru").mentions if m.label == "PERSON"]
    assert people == ["Коваленко И. П."]


def test_russian_keeps_a_leading_word_the_dictionary_reads_as_no_name():
    """ru.cfg applies the number edge only: pymorphy reads "Франк" as no name, natasha knows better."""
    doc = spacy.blank("ru").make_doc("Франк Де Блекере приехал.")
    doc.ents = [doc.char_span(0, 16, label="PERSON")]
    assert [e.text for e in NameEdges("ru", leading=False)(doc).ents] == ["Франк Де Блекере"]
    assert [e.text for e in NameEdges("ru")(doc).ents] == ["Де Блекере"]


def test_a_heading_word_before_a_whole_name_leaves_it():
    text = "Лист Ткачук Андрій Миколайович написав сам."
    assert _run(text, [("Лист Ткачук Андрій Миколайович", "PERSON")])[1] == [("Ткачук Андрій Миколайович", "PERSON")]
    # before a single name the noun may be a title the name needs, and common-noun surnames are surnames
    assert _run("Папа Франциск приїхав.", [("Папа Франциск", "PERSON")])[1] == [("Папа Франциск", "PERSON")]
    assert _run("Мельник Петро Іванович.", [("Мельник Петро Іванович", "PERSON")])[1] == \
        [("Мельник Петро Іванович", "PERSON")]


@pytest.mark.parametrize("text, ents", [
    ("Купала Іван не прийшов.", [("Купала Іван", "PERSON")]),  # a verb form that is also a surname
    ("Затримали Херсон і область.", [("Затримали Херсон", "ORG")]),  # only people are trimmed
    ("Затримали.", [("Затримали", "PERSON")]),  # nothing would be left
])
def test_a_word_that_may_be_a_name_other_labels_and_one_word_spans_stay(text, ents):
    assert _run(text, ents)[1] == ents


def test_only_ukrainian_and_russian():
    with pytest.raises(ValueError):
        NameEdges("en")


@pytest.mark.parametrize("text, person", [
    ("Затримали Коваленка Івана Петровича.", "Коваленка Івана Петровича"),
    ("Побили Петренка Олега в СІЗО.", "Петренка Олега"),
    ("Відвезли Ткаченка Андрія до Курська.", "Ткаченка Андрія"),
    ("Допитували Мельника Петра три дні.", "Мельника Петра"),
])
def test_testimony_sentences_opening_with_the_verb(text, person):
    assert [m.text for m in nlp.analyse(text, "uk").mentions if m.label == "PERSON"] == [person]
