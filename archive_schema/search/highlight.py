"""Snippets with <mark>ed matches, computed from the stored page text with the index's analysis.

Done in Python rather than by either engine, because the engines only see pre-analysed tokens and
because both backends must return the same snippet for the same page.
"""
from __future__ import annotations

from html import escape
from itertools import accumulate, islice
from operator import sub

from archive_schema.search.analysis import WORD_RE, analyse_words
from archive_schema.search.plan import Highlights

SNIPPET_WORDS = 32  # words around the densest cluster of matches


def _is_match(lemma: str, key: str, lower: str, hl: Highlights, fuzzy: dict, fuzzy_keys: dict) -> bool:
    if lemma in hl.lemmas or key in hl.keys:
        return True
    if hl.prefixes and any(lemma.startswith(p) or lower.startswith(p) or key.startswith(p)
                           for p in hl.prefixes):
        return True
    return (_fuzzy_match(lemma, fuzzy) or (lower != lemma and _fuzzy_match(lower, fuzzy))
            or _fuzzy_match(key, fuzzy_keys))


def _by_length(values: list[tuple[str, int]]) -> dict[int, list[tuple[str, frozenset, int]]]:
    """Fuzzy values by the lengths of the words they can match (others are never compared)."""
    index: dict[int, list] = {}
    for value, distance in values:
        for length in range(max(0, len(value) - distance), len(value) + distance + 1):
            index.setdefault(length, []).append((value, frozenset(value), distance))
    return index


def _fuzzy_match(word: str, by_length: dict[int, list[tuple[str, frozenset, int]]]) -> bool:
    candidates = by_length.get(len(word))
    if not candidates:
        return False
    letters = set(word)
    for value, value_letters, distance in candidates:
        # each edit changes the set of letters by at most two: a cheap way to rule most words out
        if (len(letters.symmetric_difference(value_letters)) <= 2 * distance
                and _within(word, value, distance)):
            return True
    return False


def snippet(text: str, hl: Highlights, language: str | None = None) -> str:
    """HTML-escaped excerpt of text around its matches, each wrapped in <mark>…</mark>."""
    spaced = text.replace("_", " ") if "_" in text else text
    words = WORD_RE.findall(spaced.lower())
    if not words:
        return escape(text[:200])
    # one verdict per distinct word and language for the whole query: pages share most words
    memo = hl.checked.setdefault(language, {})
    todo = list(set(words).difference(memo))
    if todo:
        pairs = analyse_words(todo, language)
        if hl.prefixes or hl.fuzzy or hl.fuzzy_keys:
            fuzzy, fuzzy_keys = _by_length(hl.fuzzy), _by_length(hl.fuzzy_keys)
            for word, pair in zip(todo, pairs):
                memo[word] = pair is not None and _is_match(pair[0], pair[1], word, hl, fuzzy, fuzzy_keys)
        else:  # exact lemmas and keys only: the common case, kept short
            lemmas, keys = hl.lemmas, hl.keys
            for word, pair in zip(todo, pairs):
                memo[word] = pair is not None and (pair[0] in lemmas or pair[1] in keys)
    marked = list(map(memo.__getitem__, words))
    # the first window of SNIPPET_WORDS words (ending at word i) with the most matches, by prefix sums
    sums = list(accumulate(marked, initial=0))
    counts = list(map(sub, sums[1:], [0] * SNIPPET_WORDS + sums[1:-SNIPPET_WORDS]))
    best = max(0, max(range(len(counts)), key=counts.__getitem__) - SNIPPET_WORDS + 1) if counts else 0
    # start a few words before the first match in the best window, so it reads in context
    window_end = min(len(words), best + SNIPPET_WORDS)
    first = next((i for i in range(best, window_end) if marked[i]), best)
    lead = max(0, first - 4)
    last = min(len(words), lead + SNIPPET_WORDS) - 1
    # spans only of the words shown (a page's words and its lowercased words are the same matches)
    matches = list(islice(WORD_RE.finditer(spaced), lead, last + 1))
    if not matches:  # lowercasing changed the words (never seen): no marks rather than wrong ones
        return escape(text[:200])
    begin, end = matches[0].start(), matches[-1].end()
    parts = ["…" if begin > 0 else ""]
    cursor = begin
    for match, mark in zip(matches, marked[lead:last + 1]):
        if mark:
            parts.append(escape(text[cursor:match.start()]))
            parts.append(f"<mark>{escape(text[match.start():match.end()])}</mark>")
            cursor = match.end()
    parts.append(escape(text[cursor:end]))
    parts.append("…" if text[end:].strip(" .,;:!?)»\"'\n") else escape(text[end:].rstrip()))
    return "".join(parts)


def _within(a: str, b: str, distance: int) -> bool:
    """Damerau-Levenshtein (optimal string alignment) distance of a and b is at most distance."""
    if abs(len(a) - len(b)) > distance:
        return False
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > distance:
            return False
        previous2, previous = previous, current
    return previous[-1] <= distance
