"""The chunk cache behind analyse_text gives exactly what word-by-word analysis gives."""
from __future__ import annotations

import pytest

from archive_schema.search import analysis

TEXTS = [
    "Коваленка, (Петренко) — «Харків»! Коваленка",
    "SIZO No. 2 and СІЗО №2; no 3, nr 4 n\n5 номер 6",  # number signs depend on the next chunk
    "snake_case_word x_ _y __",
    "м'ясо м’ясо Kovalenko's Kowalenko",
    "Kовaленко KOВАЛЕНКО ь ъ — ,,, ...",
    "a  b\n\tc\u00a0d\u2003e",  # every kind of whitespace
    "",
]


@pytest.mark.parametrize("language", ["uk", "ru", "en", None])
def test_cached_chunks_give_the_word_by_word_streams(language):
    expected = [analysis._analyse_words_of(text.lower(), language) for text in TEXTS]
    cold = [analysis.analyse_text(text, language) for text in TEXTS]
    warm = [analysis.analyse_text(text, language) for text in TEXTS]  # now from the chunk cache
    mixed = analysis.analyse_text(" ".join(reversed(TEXTS)), language)
    assert cold == warm == expected
    assert mixed == analysis._analyse_words_of(" ".join(reversed(TEXTS)).lower(), language)
    assert warm[1][0].split().count("2") == 2 and "no" not in warm[1][0].split()


def test_function_word_pairs_follow_the_lemma_stream_as_single_tokens():
    from archive_schema.search.analysis import analyse_text

    assert analyse_text("The guards of the colony were there", "en", grams=True)[0] == \
        "the guard of the coloni were there of+the were+there"
    assert analyse_text("The guards of the colony", "en")[0] == "the guard of the coloni"
    assert analyse_text("Soldiers took documents", "en", grams=True)[0] == "soldier took document"
    assert analyse_text("він був", "uk", grams=True)[0] == "він бути він+бути"


@pytest.mark.parametrize("language", ["uk", "ru", "en", None])
def test_cached_chunks_give_the_same_function_word_pairs(language):
    """Pairs join lemmas across chunks and inside one ("to/the"), cold or from the cache."""
    # a chunk without words between two function words leaves them adjacent ("to — the")
    texts = TEXTS + ["taken to/the camp, and the of", "він/був і він, був на-на", "taken to — the camp"]
    expected = []
    for text in texts:
        terms, keys = analysis._analyse_words_of(text.lower(), language)
        expected.append((terms + analysis.function_grams(terms.split()), keys))
    cold = [analysis.analyse_text(text, language, grams=True) for text in texts]
    warm = [analysis.analyse_text(text, language, grams=True) for text in texts]
    assert cold == warm == expected
    assert "to+the" in warm[-3][0].split() and "the+of" in warm[-3][0].split()
    assert warm[-1][0].split()[-1] == "to+the"
