"""Snippets with <mark>ed matches, computed from the stored page text with the index's analysis.

Done in Python rather than by either engine, because the engines only see pre-analysed tokens and
because both backends must return the same snippet for the same page.
"""
from __future__ import annotations

from html import escape

from archive_schema.search.analysis import Token, tokenize
from archive_schema.search.plan import Highlights

SNIPPET_WORDS = 32  # words around the densest cluster of matches


def is_match(token: Token, surface: str, hl: Highlights) -> bool:
    if token.lemma in hl.lemmas or token.key in hl.keys:
        return True
    if hl.prefixes:
        lower = surface.lower()
        if any(token.lemma.startswith(p) or lower.startswith(p) or token.key.startswith(p)
               for p in hl.prefixes):
            return True
    if hl.fuzzy:
        return any(_fuzzy_match(word, hl) for word in (token.lemma, surface.lower(), token.key))
    return False


def _fuzzy_match(word: str, hl: Highlights) -> bool:
    """Whether word is within a fuzzy term's distance; memoised per query, words repeat a lot."""
    found = hl.checked.get(word)
    if found is None:
        letters = set(word)
        # each edit changes the set of letters by at most two: a cheap way to rule most words out
        found = hl.checked[word] = any(
            len(letters ^ set(value)) <= 2 * distance and _within(word, value, distance)
            for value, distance in hl.fuzzy)
    return found


def snippet(text: str, hl: Highlights, language: str | None = None) -> str:
    """HTML-escaped excerpt of text around its matches, each wrapped in <mark>…</mark>."""
    tokens = tokenize(text, language)
    if not tokens:
        return escape(text[:200])
    marked = [is_match(t, text[t.start:t.end], hl) for t in tokens]
    best, best_count, count = 0, -1, 0
    for i in range(len(tokens)):
        count += marked[i]
        if i >= SNIPPET_WORDS:
            count -= marked[i - SNIPPET_WORDS]
        start = max(0, i - SNIPPET_WORDS + 1)
        if count > best_count:
            best, best_count = start, count
    window = range(best, min(len(tokens), best + SNIPPET_WORDS))
    # start the window a few words before the first match, so it reads in context
    first = next((i for i in window if marked[i]), best)
    lead = max(0, first - 4)
    window = range(lead, min(len(tokens), lead + SNIPPET_WORDS))
    begin, end = tokens[window[0]].start, tokens[window[-1]].end
    parts = ["…" if begin > 0 else ""]
    cursor = begin
    for i in window:
        token = tokens[i]
        if marked[i]:
            parts.append(escape(text[cursor:token.start]))
            parts.append(f"<mark>{escape(text[token.start:token.end])}</mark>")
            cursor = token.end
    parts.append(escape(text[cursor:end]))
    parts.append("…" if end < len(text.rstrip()) else "")
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
