"""Ukrainian span rules of svidok_uk_spans that need no model: geographical names, capitalised common nouns,
places after an institution; and the normaliser's span end after "обл." (fictional sentences only)."""

from __future__ import annotations

import spacy

from nlp.components.normalizer import Normalizer
from nlp.components.uk_spans import UkrainianSpans
from nlp.gazetteer import geo_names_pattern


def _doc(text, ents):
    """A blank Ukrainian doc with the given (text, label) entities, each at its first occurrence."""
    doc = spacy.blank("uk").make_doc(text)
    doc.ents = [doc.char_span(text.index(s), text.index(s) + len(s), label=label) for s, label in ents]
    return doc


def _spans(text, ents, **options):
    doc = UkrainianSpans(streets=True, institutions=True, **options)(_doc(text, ents))
    return [(e.text, e.label_) for e in doc.ents]


def test_geo_names_match_case_forms_by_stem_and_a_closed_set_of_endings():
    pattern = geo_names_pattern()
    for word in ("Дністра", "Бузі", "Карпатах", "Галичини", "Київщині", "Донця", "Європою", "Австро-Угорщини"):
        assert pattern.fullmatch(word), word
    for word in ("Бугай", "Європейський", "дністра", "Карпатський"):
        assert not pattern.fullmatch(word), word


def test_geo_names_relabel_the_models_person_or_org_and_take_an_adjective_before_them():
    text = "Колону погнали за Дністер, потім через Карпати до Західної України."
    ents = [("Дністер", "PERSON"), ("Карпати", "ORG"), ("України", "LOCATION")]
    assert _spans(text, ents, geo_names=True) == [("Дністер", "LOCATION"), ("Карпати", "LOCATION"),
                                                   ("Західної України", "LOCATION")]
    assert _spans(text, ents) == ents  # the switch is off by default


def test_geo_names_are_added_only_where_no_title_or_quote_holds_them():
    text = "Родина виїхала до Канади. Згідно із Законом України вони мали право. Газета « Волинь » мовчала."
    assert _spans(text, [], geo_names=True, geo_add=True) == [("Канади", "LOCATION")]
    assert _spans(text, [], geo_names=True) == []
    # an entity reaching beyond the name keeps it
    text = "Лист від Міністерства оборони України прийшов у березні."
    assert _spans(text, [("Міністерства оборони України", "ORG")], geo_names=True, geo_add=True) == [
        ("Міністерства оборони України", "ORG")]


def test_a_capitalised_common_noun_alone_is_not_a_location():
    text = "Він читав Євангеліє в Погулянці, біля Церкви, а потім поїхав у Микитинці на Захід."
    ents = [("Євангеліє", "LOCATION"), ("Церкви", "LOCATION"), ("Микитинці", "LOCATION"), ("Захід", "LOCATION")]
    assert _spans(text, ents, common_nouns=True) == [("Микитинці", "LOCATION"), ("Захід", "LOCATION")]
    assert _spans(text, ents) == ents


def test_a_place_right_after_an_institution_word_is_dropped():
    text = "Заяву подали до СБУ у Чернігівській області вчора."
    ents = [("СБУ", "ORG"), ("Чернігівській області", "LOCATION")]
    # the institutions rule (on by default) drops the place after an institution word
    assert _spans(text, ents) == [("СБУ", "ORG")]


def test_a_place_after_an_institution_with_acronyms_or_a_town_between_stays_out_when_chained():
    text = "Рішення районного суду м. Сонячна Донецької області оскаржило ГУ ДСНС України у Волинській області."
    ents = [("Донецької області", "LOCATION"), ("Волинській області", "LOCATION")]
    assert _spans(text, ents, institution_chain=True) == []
    assert _spans(text, ents) == ents


def test_a_park_or_square_word_joins_the_name_after_it():
    text = "Мітинг був у сквері Каштанів, потім на площі Ринок, 5 біля Стрия."
    assert _spans(text, [("Каштанів", "PERSON")], square_names=True) == [
        ("сквері Каштанів", "LOCATION"), ("площі Ринок, 5", "LOCATION")]
    assert _spans(text, [("Каштанів", "PERSON")]) == [("Каштанів", "PERSON")]


def test_geo_names_accept_every_spelling_of_the_apostrophe():
    assert all(geo_names_pattern().fullmatch(w) for w in ("Прип'яті", "Прип’яті", "Припʼяті"))


def test_the_state_in_a_legal_act_name_is_not_a_location():
    text = "За статтею Кримінального кодексу України і за вимогами законодавства України."
    ents = [("України", "LOCATION")]
    doc_ents = _spans(text, [], act_names=True, geo_names=True, geo_add=True)
    assert doc_ents == [("України", "LOCATION")]
    assert text.rindex("України") == text.index(doc_ents[0][0], text.index("законодавства"))
    assert _spans("Порушення Закону України.", ents, act_names=True) == []


def test_a_place_name_alone_in_quotes_is_an_org():
    text = "Фірма «Сонячне» орендувала землю в Сонячному."
    ents = [("Сонячне", "LOCATION"), ("Сонячному", "LOCATION")]
    assert _spans(text, ents, quoted_places=True) == [("Сонячне", "ORG"), ("Сонячному", "LOCATION")]
    assert _spans(text, ents) == ents


def test_extended_model_features_flag_listed_geo_names_and_common_nouns_only_when_asked():
    from nlp.components.morph_features import word_feature

    assert word_feature("Дністра", "uk", True).endswith("|geo")
    assert word_feature("Євангеліє", "uk", True).endswith("|cn")
    assert word_feature("Петренка", "uk", True) == word_feature("Петренка", "uk")
    # the default (what a model trained without the extension reads) is unchanged
    assert word_feature("Дністра", "uk").endswith("|") and word_feature("Євангеліє", "uk").endswith("|")


def test_surname_name_and_patronymic_in_one_case_are_one_person():
    text = "Коваленка Івана Петровича тримали в підвалі; ФОП Бондар Олег Ігорович мовчав."
    ents = [("Коваленка", "LOCATION"), ("Івана Петровича", "PERSON"), ("ФОП Бондар Олег Ігорович", "ORG")]
    assert _spans(text, ents, full_names=True) == [("Коваленка Івана Петровича", "PERSON"),
                                                   ("ФОП Бондар Олег Ігорович", "ORG")]
    assert _spans(text, ents) == ents


def test_uk_town_known_as_a_surname_is_a_place_after_a_preposition():
    import spacy

    from nlp.components.places import PlaceRuler

    text = "Його вивезли до Курська. Курська не відповіла."
    doc = spacy.blank("uk").make_doc(text)
    doc.ents = [doc.char_span(16, 23, label="PERSON"), doc.char_span(25, 32, label="PERSON")]
    ruler = PlaceRuler("uk", 1000, ["PERSON"], add=False, names_after_preposition=100000)
    assert [(e.text, e.label_) for e in ruler(doc).ents] == [("Курська", "LOCATION"), ("Курська", "PERSON")]


def test_the_names_listed_after_a_street_word_are_streets():
    text = ("Ремонтуватимуть вулиці Садову, Івана Франка та Б. Хмельницького, а також вулиць: Лісова, "
            "б-р Шевченка, 30 років Перемоги і Миру, 12.")
    ents = [("Івана Франка", "PERSON"), ("Б. Хмельницького", "PERSON")]
    assert _spans(text, ents, street_lists=True) == [
        ("Івана Франка", "LOCATION"), ("Б. Хмельницького", "LOCATION"), ("Лісова", "LOCATION"),
        ("б-р Шевченка", "LOCATION"), ("30 років Перемоги", "LOCATION"), ("Миру, 12", "LOCATION")]
    assert _spans(text, ents) == ents
    # a number followed by a word is not a house number, nor is a preposition a street
    assert _spans("Жила на вул. Садова, 7 у Сонячному.", [], street_lists=True) == [("вул. Садова, 7", "LOCATION")]


def test_a_capitalised_adjective_with_a_word_for_a_state_is_the_states_name():
    text = ("Він служив Радянському Союзу, жив в Автономній Республіці Крим, потім в Об'єднаних Арабських Еміратах. "
            "Раніше держава платила.")
    ents = [("Радянському Союзу", "PERSON"), ("Автономній Республіці Крим", "ORG")]
    assert _spans(text, ents, state_names=True) == [
        ("Радянському Союзу", "LOCATION"), ("Автономній Республіці Крим", "LOCATION"),
        ("Об'єднаних Арабських Еміратах", "LOCATION")]
    assert _spans(text, ents) == ents


def test_a_place_in_brackets_after_a_firms_name_is_where_it_is_registered():
    text = "Фірми «Дельта Лімітед» (Віргінські острови) і «Гамма» (Gamma Limited) та «Бета» (Мальта)."
    ents = [("Віргінські острови", "ORG"), ("Gamma Limited", "ORG")]
    assert _spans(text, ents, parenthesised_places=True) == [
        ("Віргінські острови", "LOCATION"), ("Gamma Limited", "ORG"), ("Мальта", "LOCATION")]


def test_a_capitalised_noun_after_a_preposition_of_place_is_a_place_unless_it_can_be_a_name():
    text = "Їх вивезли в Куровичах до Боярки, а у Петра була хата; до Петренка прийшли з Долини."
    ents = [("Куровичах", "PERSON"), ("Петра", "PERSON"), ("Петренка", "PERSON")]
    assert _spans(text, ents, preposition_places=True) == [
        ("Куровичах", "LOCATION"), ("Боярки", "LOCATION"), ("Петра", "PERSON"), ("Петренка", "PERSON"),
        ("Долини", "LOCATION")]
    assert _spans(text, ents) == ents


def test_after_a_mountain_lake_or_tract_word_the_name_is_the_place():
    text = "Табір стояв біля гори Сонячна, над озером Тихе, в урочищі Сиві Кручі."
    assert _spans(text, [("Сонячна", "PERSON")], feature_names=True) == [
        ("Сонячна", "LOCATION"), ("Тихе", "LOCATION"), ("Сиві Кручі", "LOCATION")]
    assert _spans(text, [("Сонячна", "PERSON")]) == [("Сонячна", "PERSON")]


def _mentions(text, ents, **options):
    doc = Normalizer("uk", "test", {}, **options)(_doc(text, ents))
    return [(m.text, m.label, text[m.start:m.end]) for m in doc._.svidok_mentions]


def test_a_region_written_obl_ends_before_the_period_as_ner_uk_marks_it():
    text = "Його вивезли в с. Степове, Донецька обл. Потім — Донецька обл.: Обл. Оленівка."
    ents = [("Степове", "LOCATION"), ("Донецька обл.", "LOCATION")]
    assert _mentions(text, ents, period_outside=["обл."]) == [("Степове", "LOCATION", "Степове"),
                                                               ("Донецька обл", "LOCATION", "Донецька обл")]
    # off by default (ru and en pipelines); other labels and "обл." alone keep their period
    assert _mentions(text, ents)[1] == ("Донецька обл.", "LOCATION", "Донецька обл.")
    assert _mentions(text, [("Донецька обл.", "ORG")], period_outside=["обл."]) == [
        ("Донецька обл.", "ORG", "Донецька обл.")]
    assert _mentions(text, [("Обл.", "LOCATION")], period_outside=["обл."]) == [("Обл.", "LOCATION", "Обл.")]
