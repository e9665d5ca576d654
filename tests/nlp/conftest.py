"""Fixtures for nlp tests: the fictional testimonies, parsed from their markup."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from nlp_markup import parse_markup  # noqa: E402

DATA = Path(__file__).parent / "data"


def load_testimonies() -> list[tuple[str, str, list[tuple[int, int, str, str | None]]]]:
    """(lang, text, expected entities) for each block of data/testimonies.txt."""
    blocks = DATA.joinpath("testimonies.txt").read_text(encoding="utf-8").split("\n\n")
    out = []
    for block in blocks:
        lines = [line for line in block.strip().splitlines() if not line.startswith("#")]
        if not lines:
            continue
        text, entities = parse_markup("\n".join(lines[1:]))
        out.append((lines[0].strip(), text, entities))
    return out


TESTIMONIES = load_testimonies()


@pytest.fixture(params=range(len(TESTIMONIES)), ids=[f"{t[0]}-{i}" for i, t in enumerate(TESTIMONIES)])
def testimony(request):
    return TESTIMONIES[request.param]
