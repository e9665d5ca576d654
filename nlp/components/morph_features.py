"""Dictionary and gazetteer cues as a token feature for the Ukrainian NER model.

The model is trained on ~170,000 words: too few to learn that "Коваленка" is a surname or "Тисмениці" a
town from the letters alone. pymorphy3's Ukrainian dictionary knows first names, surnames and patronymics
(Name/Surn/Patr), and the GeoNames gazetteer knows places; we write both into token.tag_ (the blank
Ukrainian pipeline has no tagger, so the attribute is free) and the model's tok2vec embeds TAG alongside
NORM/PREFIX/SUFFIX/SHAPE. The component runs before tok2vec in training (an annotating component) and at
run time alike, so the feature is the same in both.
"""

from __future__ import annotations

from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc

from nlp.gazetteer import geo_names_pattern, is_common_noun, place_index
from nlp.morph import analyser, lemma

_NAME_GRAMMEMES = ("Name", "Surn", "Patr")


@lru_cache(maxsize=300_000)
def word_feature(word: str, lang: str, extended: bool = False) -> str:
    """'POS|case|name grammemes|geo' of one word, e.g. 'NOUN|gent|Surn|' or 'NOUN|loct||geo'.

    `extended` (a model trained with it must run with it) also flags the names of data/uk_geo_names.json as
    geo, and a capitalised word the dictionary knows only as a common noun as 'cn' ("Євангеліє")."""
    if not word[:1].isalpha():
        return "PUNCT" if not word[:1].isdigit() else "NUM"
    parses = analyser(lang).parse(word)
    first = parses[0].tag
    names = sorted({g for p in parses for g in _NAME_GRAMMEMES if g in p.tag.grammemes})
    geo = ""
    if word[0].isupper():
        index = place_index()
        if word.lower() in index or any(p.normal_form in index for p in parses[:3]):
            geo = "geo"
        elif extended and lang == "uk":
            if geo_names_pattern().fullmatch(word):
                geo = "geo"
            elif is_common_noun(word):
                geo = "cn"
    return f"{first.POS or 'X'}|{first.case or ''}|{'+'.join(names)}|{geo}"


def word_lemma(word: str, lang: str) -> str:
    """The dictionary form pymorphy3 reads first for a word ("Херсоні" -> "херсон"); other tokens lowercased."""
    return lemma(word, lang) if word[:1].isalpha() else word.lower()


class MorphFeatures:
    """Set token.tag_ to word_feature(token.text), and with `lemmas` token.lemma_ to word_lemma(token.text).

    A model whose tok2vec embeds LEMMA shares what it learns of "Херсон" with "Херсона", "Херсоні" and
    "Херсоном", which NORM (the lowercased form) keeps apart; such a model must run with lemmas on."""

    def __init__(self, lang: str, extended: bool = False, lemmas: bool = False):
        self.lang = lang
        self.extended = extended
        self.lemmas = lemmas

    def __call__(self, doc: Doc) -> Doc:
        for token in doc:
            if not token.is_space:
                token.tag_ = word_feature(token.text, self.lang, self.extended)
                if self.lemmas:
                    token.lemma_ = word_lemma(token.text, self.lang)
        return doc


@Language.factory("svidok_morph_features", assigns=["token.tag", "token.lemma"],
                  default_config={"lang": "uk", "extended": False, "lemmas": False})
def make_morph_features(nlp: Language, name: str, lang: str, extended: bool, lemmas: bool) -> MorphFeatures:
    return MorphFeatures(lang, extended, lemmas)
