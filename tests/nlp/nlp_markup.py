"""Fixture markup: '[Mr Ivan Petrenko](PERSON) was held in [Kursk](LOCATION)' -> plain text and entity offsets."""

from __future__ import annotations

import re

_ENTITY = re.compile(r"\[([^\]]+)\]\(([A-Z]+)(?::([^)]*))?\)")


def parse_markup(marked: str) -> tuple[str, list[tuple[int, int, str, str | None]]]:
    """Plain text and (start, end, label, expected normalized or None) for each marked span."""
    plain, entities, last = [], [], 0
    length = 0
    for match in _ENTITY.finditer(marked):
        before = marked[last:match.start()]
        plain.append(before)
        length += len(before)
        surface = match.group(1)
        entities.append((length, length + len(surface), match.group(2), match.group(3)))
        plain.append(surface)
        length += len(surface)
        last = match.end()
    plain.append(marked[last:])
    return "".join(plain), entities
