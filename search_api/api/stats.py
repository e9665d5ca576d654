"""Public statistics of the person registry: counts by status category, region and month, anonymised.

Three one-way tables, each over the registry persons for whom that value is known. No totals are published.

Small cells: a count from 1 to 4 is shown as ``"<5"`` (a count of 0 is not shown at all). Differencing: the
three tables count the same people, so a table shown in full would give their total, and that total minus the
visible cells of another table would give back a suppressed cell. So as soon as any cell anywhere is under 5:

- every table also withholds one cell of 5 or more, shown as ``"suppressed"``, chosen by a hash of its label
  (not by its count, so its place in the order says nothing about its size), and
- a table with cells under 5 and none of 5 or more is not published at all (its sum would be at most 4 per
  cell, which bounds everything).

Then in every published table a small cell can be traded against the withheld cell (and the unknown total) so
no small cell has one value consistent with what is shown; ``tests/inquiries/test_stats.py`` checks this by
brute force over generated tables. When no cell is under 5, every count is exact.
"""
from __future__ import annotations

import hashlib
from typing import Union

from flask import Blueprint
from pydantic import BaseModel, Field
from sqlalchemy import String, func, select

from archive_schema import policy
from archive_schema.inquiries import RegistryPerson

from ..auth import requires
from ..openapi import operation
from .context import get_session

bp = Blueprint("stats", __name__)

THRESHOLD = 5
SMALL = "<5"
WITHHELD = "suppressed"

Count = Union[int, str]
NOTE = (f'Counts of 1 to 4 are shown as "{SMALL}". When any count is, each table also withholds one count of 5 '
        f'or more ("{WITHHELD}") and a table with only small counts is left out; no totals are given. So small '
        "counts cannot be worked out by subtraction. Persons whose category, region or month is unknown are not "
        "counted in that table.")


class Cell(BaseModel):
    value: str = Field(description="the category, region or month (YYYY-MM)")
    count: Count = Field(description=f'a whole number, "{SMALL}" for 1 to 4, or "{WITHHELD}" (5 or more, '
                                     'withheld so that small cells cannot be worked out by subtraction)')


class StatsOut(BaseModel):
    by_category: list[Cell]
    by_region: list[Cell]
    by_month: list[Cell]
    threshold: int = THRESHOLD
    note: str


def suppress(tables: dict[str, dict[str, int]]) -> dict[str, list[tuple[str, Count]]]:
    """Small cells as "<5"; if there is any, each table withholds one cell of 5 or more too (see above)."""
    any_small = any(0 < n < THRESHOLD for table in tables.values() for n in table.values())
    out = {}
    for name, table in tables.items():
        cells = {value: n for value, n in table.items() if n > 0}
        withheld = None
        if any_small:
            large = sorted(value for value, n in cells.items() if n >= THRESHOLD)
            if not large:
                if any(n < THRESHOLD for n in cells.values()):
                    out[name] = []  # only small cells: not published
                    continue
            else:
                withheld = min(large, key=lambda v: hashlib.sha256(v.encode()).hexdigest())
        out[name] = [(value, SMALL if n < THRESHOLD else WITHHELD if value == withheld else n)
                     for value, n in sorted(cells.items())]
    return out


def registry_tables(session) -> dict[str, dict[str, int]]:
    month = func.substr(func.cast(RegistryPerson.status_date, String()), 1, 7)
    tables = {}
    for name, column in (("by_category", RegistryPerson.status), ("by_region", RegistryPerson.region),
                         ("by_month", month)):
        rows = session.execute(select(column, func.count()).where(column.is_not(None), column != "")
                               .group_by(column)).all()
        tables[name] = {str(value): n for value, n in rows}
    return tables


@bp.get("/stats")
@requires(policy.PUBLIC)
@operation(responses={200: StatsOut})
def public_stats():
    """Anonymised counts of the person registry by category, region and month, small cells suppressed."""
    shown = suppress(registry_tables(get_session()))
    return StatsOut(**{name: [Cell(value=v, count=c) for v, c in cells] for name, cells in shown.items()},
                    note=NOTE).model_dump(mode="json"), 200, {
        "Cache-Control": "public, max-age=300"}
