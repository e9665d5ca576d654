"""Compile a Query into a small tree of engine primitives that every backend maps one to one.

Analysis happens here, once, so both engines receive the same tokens and agree on what matches.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice, product

from archive_schema.search.analysis import (
    FUNCTION_WORDS, GRAM_JOIN, function_lemmas, name_key, query_forms, tokenize,
)
from archive_schema.search.model import day_number
from archive_schema.search.query import (
    ENTITY_LABELS, Access, And, DateRange, FieldMatch, Fuzzy, Node, Not, Or, Phrase, Prefix, Query,
    Word,
)

#: alternatives per word multiply in a phrase; beyond this many combinations the rarer are dropped
MAX_PHRASE_VARIANTS = 16
LEMMA_BOOST = 2.0  # the same lemma outranks a transliteration-key match
KEYWORD_FIELDS = {"doc_type": "doc_type", "language": "language", "collection": "collection",
                  "case": "case_ids", "item": "item_id"}


@dataclass(frozen=True)
class Terms:
    """Any of these exact tokens in a field."""

    field: str
    values: tuple[str, ...]
    boost: float = 1.0


#: a phrase position any token may fill (a function word in a name-key phrase)
GAP = "_"


@dataclass(frozen=True)
class PhraseTokens:
    """These tokens at consecutive positions (within slop); a GAP token is a position left open."""

    field: str
    tokens: tuple[str, ...]
    slop: int = 0


@dataclass(frozen=True)
class FuzzyToken:
    field: str
    value: str
    distance: int


@dataclass(frozen=True)
class PrefixToken:
    field: str
    value: str


@dataclass(frozen=True)
class IntRange:
    field: str
    gte: int | None = None
    lte: int | None = None


@dataclass(frozen=True)
class MatchAll:
    pass


@dataclass(frozen=True)
class MatchNone:
    pass


@dataclass(frozen=True)
class Bool:
    """must: all, scored; filter: all, unscored; should: at least one if no must/filter; must_not."""

    must: tuple = ()
    should: tuple = ()
    must_not: tuple = ()
    filter: tuple = ()


Clause = Terms | PhraseTokens | FuzzyToken | PrefixToken | IntRange | MatchAll | MatchNone | Bool


@dataclass
class Highlights:
    """What the snippet marker looks for: the positive words of the query."""

    lemmas: set[str] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    fuzzy: list[tuple[str, int]] = field(default_factory=list)
    fuzzy_keys: list[tuple[str, int]] = field(default_factory=list)
    checked: dict = field(default_factory=dict)  # per language: word -> marked, for this query


def plan(query: Query) -> tuple[Clause, Highlights]:
    """The engine-neutral clause for a query (text AND filters AND access) and its highlights."""
    highlights = Highlights()
    text = _node(query.text, highlights) if query.text is not None else MatchAll()
    filters = [access_clause(query.access)]
    for field_name, values in (("collection", query.collections), ("doc_type", query.doc_types),
                               ("language", query.languages), ("case_ids", query.case_ids),
                               ("entity_ids", query.entity_ids), ("item_id", query.item_ids)):
        if values:
            filters.append(Terms(field_name, tuple(values)))
    if query.date_from or query.date_to:
        filters.append(_date_clause(DateRange(query.date_from, query.date_to)))
    return Bool(must=(text,), filter=tuple(filters)), highlights


def access_clause(access: Access) -> Clause:
    """Visible pages: any grant's classifications (within its cases, when it names cases)."""
    grants = []
    for grant in access.grants:
        parts = [Terms("classification", tuple(sorted(grant.classifications)))]
        if grant.case_ids is not None:
            parts.append(Terms("case_ids", tuple(sorted(grant.case_ids)) or ("\x00none",)))
        grants.append(Bool(filter=tuple(parts)))
    if not grants:
        return MatchNone()
    return Bool(should=tuple(grants))


def _node(node: Node, hl: Highlights) -> Clause:
    if isinstance(node, And):
        positive = tuple(_node(c, hl) for c in node.children if not isinstance(c, Not))
        negative = tuple(_node(c.child, Highlights()) for c in node.children if isinstance(c, Not))
        return Bool(must=positive or (MatchAll(),), must_not=negative)
    if isinstance(node, Or):
        return Bool(should=tuple(_node(c, hl) for c in node.children))
    if isinstance(node, Not):
        return Bool(must=(MatchAll(),), must_not=(_node(node.child, Highlights()),))
    if isinstance(node, Word):
        return _text(node.text, 0, hl)
    if isinstance(node, Phrase):
        return _text(node.text, node.slop, hl)
    if isinstance(node, Prefix):
        return _prefix(node.text, hl)
    if isinstance(node, Fuzzy):
        return _fuzzy(node, hl)
    if isinstance(node, FieldMatch):
        return _field(node)
    if isinstance(node, DateRange):
        return _date_clause(node)
    raise TypeError(f"not a query node: {node!r}")


def _text(text: str, slop: int, hl: Highlights) -> Clause:
    tokens = tokenize(text)
    if not tokens:
        return MatchAll()
    forms = [query_forms(text[t.start:t.end]) for t in tokens]
    for lemmas, keys in forms:
        hl.lemmas |= lemmas
        hl.keys |= keys
    if len(forms) == 1:
        lemmas, keys = forms[0]
        return Bool(should=(Terms("terms", tuple(sorted(lemmas)), LEMMA_BOOST),
                            Terms("keys", tuple(sorted(keys)))))
    # the page's own choice of lemma for each surface form first, so capping keeps it
    lemma_lists = [_first(t.lemma, f[0]) for t, f in zip(tokens, forms)]
    phrases, grams = [], []
    for combo in islice(product(*lemma_lists), MAX_PHRASE_VARIANTS):
        if len(combo) == 2 and not slop and function_lemmas().issuperset(combo):
            grams.append(GRAM_JOIN.join(combo))  # the page's token for exactly this pair
        else:
            phrases.append(PhraseTokens("terms", combo, slop))
    if grams:
        phrases.insert(0, Terms("terms", tuple(grams)))
    # the cross-script variant leaves function words open: they have no transliteration worth
    # matching, and their keys' positions, in most pages, were most of a phrase's cost. With fewer
    # than two other words it would be no phrase at all, and the lemma variant stands alone.
    key_lists = [[GAP] if text[t.start:t.end].lower() in FUNCTION_WORDS else _first(t.key, f[1])
                 for t, f in zip(tokens, forms)]
    while key_lists and key_lists[-1] == [GAP]:
        key_lists.pop()
    while key_lists and key_lists[0] == [GAP]:
        key_lists.pop(0)
    if len(key_lists) - key_lists.count([GAP]) >= 2:
        phrases += [PhraseTokens("keys", combo, slop)
                    for combo in islice(product(*key_lists), MAX_PHRASE_VARIANTS)]
    return Bool(should=tuple(phrases))


def _first(preferred: str, alternatives: frozenset[str]) -> list[str]:
    return [preferred] + sorted(alternatives - {preferred})


def _prefix(text: str, hl: Highlights) -> Clause:
    value = text.lower().replace("’", "'")
    hl.prefixes.add(value)
    clauses = [PrefixToken("terms", value)]
    key = name_key(value).replace(" ", "")
    if len(key) >= 3:
        clauses.append(PrefixToken("keys", key))
        hl.prefixes.add(key)
    return Bool(should=tuple(clauses))


def _fuzzy(node: Fuzzy, hl: Highlights) -> Clause:
    word = node.text.lower()
    distance = node.distance if node.distance is not None else (1 if len(word) <= 5 else 2)
    lemmas, keys = query_forms(word)
    values = {word, *lemmas}
    clauses = [FuzzyToken("terms", v, distance) for v in sorted(values)]
    clauses += [FuzzyToken("keys", k, 1) for k in sorted(keys) if len(k) >= 5]
    hl.fuzzy += [(v, distance) for v in sorted(values)]
    hl.fuzzy_keys += [(k, 1) for k in sorted(keys) if len(k) >= 5]
    return Bool(should=tuple(clauses))


def _field(node: FieldMatch) -> Clause:
    if node.field in KEYWORD_FIELDS:
        return Terms(KEYWORD_FIELDS[node.field], (node.value,))
    assert node.field in ENTITY_LABELS
    words = []
    for token in tokenize(node.value):
        lemmas, keys = query_forms(node.value[token.start:token.end])
        words.append(Bool(should=(
            Terms("entity_terms", tuple(sorted(f"{node.field}/{x}" for x in lemmas)), LEMMA_BOOST),
            Terms("entity_keys", tuple(sorted(f"{node.field}/{x}" for x in keys))),
        )))
    by_name = Bool(must=tuple(words)) if words else MatchNone()
    return Bool(should=(by_name, Terms("entity_ids", (node.value,))))


def _date_clause(node: DateRange) -> Clause:
    parts = []
    if node.end:
        parts.append(IntRange("date_start", lte=day_number(node.end)))
    if node.start:
        parts.append(IntRange("date_end", gte=day_number(node.start)))
    return Bool(filter=tuple(parts))

