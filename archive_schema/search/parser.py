"""The user query language, parsed with luqum (Lucene syntax) into our AST.

    Коваленко Харків            both words (any case form, any script)
    "Іван Коваленко"            phrase; "Іван Коваленко"~2 allows two words between
    Kovalenko OR Kowalczyk      either; parentheses group
    -Мелітополь, NOT x          exclude
    Kova*                       prefix
    Kovalenko~, Kovalenko~2     typo-tolerant (edit distance 1 or 2)
    person: place: facility: organisation:   an entity on the page, by name (any script)
    type:testimony lang:uk collection:NAME case:ID
    date:2022-03-01..2022-06-30  date:2022-03  date:..2022-06  date:[2022-01-01 TO 2022-02-01]
"""
from __future__ import annotations

import calendar
import re
import threading
from datetime import date

from luqum import tree
from luqum.exceptions import ParseError
from luqum.parser import parser as lucene_parser

from archive_schema.search.analysis import NUMBER_SIGNS
from archive_schema.search.query import (
    ENTITY_LABELS, And, DateRange, FieldMatch, Fuzzy, Node, Not, Or, Phrase, Prefix,
    QuerySyntaxError, Word,
)

#: query-language field names to index fields
FIELDS = {
    **{label: label for label in ENTITY_LABELS},
    "org": "organisation",
    "type": "doc_type",
    "lang": "language",
    "collection": "collection",
    "case": "case",
    "item": "item",
}
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
# ply's LR parser keeps state on the parser object: one parse at a time
_parse_lock = threading.Lock()


def parse_query(text: str) -> Node | None:
    """Parse the query language; None for an empty query. Raises only QuerySyntaxError."""
    if not text or not text.strip():
        return None
    try:
        with _parse_lock:
            parsed = lucene_parser.parse(text)
    except ParseError as exc:
        raise QuerySyntaxError(f"cannot read the query: {exc}") from exc
    except (ValueError, ArithmeticError) as exc:
        # luqum's tree builders convert boosts and distances (2^. , a~x) and raise these directly
        raise QuerySyntaxError(f"cannot read the query near a ^ or ~ number: {exc}") from exc
    except RecursionError as exc:
        raise QuerySyntaxError("the query is nested too deeply") from exc
    try:
        return _convert(parsed)
    except RecursionError as exc:
        raise QuerySyntaxError("the query is nested too deeply") from exc


def _convert(node: tree.Item) -> Node | None:
    if isinstance(node, (tree.AndOperation, tree.UnknownOperation)):
        return _combine(And, node.children)
    if isinstance(node, tree.OrOperation):
        return _combine(Or, node.children)
    if isinstance(node, (tree.Not, tree.Prohibit)):
        child = _convert(node.children[0])
        return Not(child) if child is not None else None
    if isinstance(node, (tree.Group, tree.Plus, tree.Boost, tree.FieldGroup)):
        return _convert(node.children[0])
    if isinstance(node, tree.SearchField):
        return _field(node.name, node.expr)
    if isinstance(node, tree.Phrase):
        return Phrase(_unquote(node.value))
    if isinstance(node, tree.Proximity):
        return Phrase(_unquote(node.term.value), slop=_int(node.degree, "~"))
    if isinstance(node, tree.Fuzzy):
        if isinstance(node.term, tree.Phrase):
            return Phrase(_unquote(node.term.value), slop=_int(node.degree, "~"))
        degree = None if node.degree == 0.5 else _int(node.degree, "~")
        if degree is not None and degree not in (0, 1, 2):
            raise QuerySyntaxError(f"a typo distance is 0, 1 or 2, not {node.degree}")
        return Fuzzy(node.term.value, degree)
    if isinstance(node, tree.Word):
        return _word(node.value)
    if isinstance(node, tree.Range):
        raise QuerySyntaxError("a range [a TO b] is only allowed after date:")
    raise QuerySyntaxError(f"unsupported query syntax: {node}")


def _combine(kind: type, children) -> Node | None:
    converted = tuple(c for c in (_convert(child) for child in children) if c is not None)
    if not converted:
        return None
    return converted[0] if len(converted) == 1 else kind(converted)


def _word(value: str) -> Node | None:
    if value.lower().rstrip(".") in NUMBER_SIGNS or value == "№":
        return None  # "SIZO No. 2": the number sign is not indexed either
    if "?" in value or "*" in value.rstrip("*"):
        raise QuerySyntaxError(f"only a trailing * is supported, as in Kova*: {value!r}")
    if value.endswith("*"):
        stem = value.rstrip("*")
        if len(stem) < 2:
            raise QuerySyntaxError("a prefix needs at least two letters before *")
        return Prefix(stem)
    return Word(value)


def _field(name: str, expr: tree.Item) -> Node:
    if name == "date":
        return _date_range(expr)
    if name not in FIELDS:
        known = ", ".join(sorted({*FIELDS, "date"}))
        raise QuerySyntaxError(f"unknown field {name}:, known fields: {known}")
    if isinstance(expr, tree.Phrase):
        value = _unquote(expr.value)
    elif isinstance(expr, tree.Word):
        value = expr.value
    elif isinstance(expr, tree.FieldGroup):
        inner = expr.children[0]
        if isinstance(inner, (tree.OrOperation, tree.AndOperation, tree.UnknownOperation)):
            kind = Or if isinstance(inner, tree.OrOperation) else And
            return kind(tuple(_field(name, child) for child in inner.children))
        return _field(name, inner)
    else:
        raise QuerySyntaxError(f"{name}: takes a word or a \"quoted value\"")
    return FieldMatch(FIELDS[name], value)


def _date_range(expr: tree.Item) -> DateRange:
    if isinstance(expr, tree.Range):
        low, high = str(expr.low), str(expr.high)
        start = None if low == "*" else _date(low, end=False)
        end = None if high == "*" else _date(high, end=True)
    elif isinstance(expr, tree.Word) and ".." in expr.value:
        low, _, high = expr.value.partition("..")
        start = _date(low, end=False) if low else None
        end = _date(high, end=True) if high else None
    elif isinstance(expr, tree.Word):
        start, end = _date(expr.value, end=False), _date(expr.value, end=True)
    else:
        raise QuerySyntaxError("date: takes 2022, 2022-03, 2022-03-01 or a range a..b")
    if start is None and end is None:
        raise QuerySyntaxError("a date range needs at least one end")
    if start and end and start > end:
        raise QuerySyntaxError(f"the date range ends ({end}) before it starts ({start})")
    return DateRange(start, end)


def _date(text: str, *, end: bool) -> date:
    """A day; a year or month stands for its first day (start) or last day (end)."""
    match = DATE_RE.match(text.strip())
    if not match:
        raise QuerySyntaxError(f"not a date: {text!r} (write 2022, 2022-03 or 2022-03-01)")
    year, month, day = int(match[1]), match[2], match[3]
    try:
        if month is None:
            return date(year, 12, 31) if end else date(year, 1, 1)
        if day is None:
            last = calendar.monthrange(year, int(month))[1]
            return date(year, int(month), last if end else 1)
        return date(year, int(month), int(day))
    except (ValueError, calendar.IllegalMonthError) as exc:
        raise QuerySyntaxError(f"not a date: {text!r} ({exc})") from exc


def _unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def _int(value, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise QuerySyntaxError(f"{what} needs a whole number, not {value!r}") from exc
