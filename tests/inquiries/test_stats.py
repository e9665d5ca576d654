"""Public statistics: counts by category, region and month; small cells "<5"; nothing recoverable by subtraction."""
from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given, settings as hsettings, strategies as st

from archive_schema.inquiries import RegistryPerson
from search_api.api.stats import SMALL, WITHHELD, suppress


def add_people(app, spec: list[tuple[str, str, str, int]]) -> None:
    """(status, region, YYYY-MM, how many)"""
    with app.extensions["svidok"].db.sessions.begin() as session:
        n = 0
        for status, region, month, count in spec:
            for _ in range(count):
                n += 1
                session.add(RegistryPerson(name=f"Person {n}", name_key=f"prsn {n}", status=status, region=region,
                                           status_date=dt.date.fromisoformat(f"{month}-15"), sources=["test"]))


def test_counts_are_public_and_small_cells_suppressed(app, public):
    add_people(app, [("pow", "Donetsk", "2022-03", 12), ("civilian_detainee", "Kherson", "2022-03", 7),
                     ("deported_child", "Kherson", "2022-04", 2)])
    response = public.get("/api/v1/stats")  # anonymous
    assert response.status_code == 200
    body = response.get_json()
    cells = {name: {c["value"]: c["count"] for c in body[name]} for name in ("by_category", "by_region", "by_month")}
    assert cells["by_category"] == {"pow": 12, "civilian_detainee": WITHHELD, "deported_child": SMALL}
    assert cells["by_region"] == {"Donetsk": 12, "Kherson": WITHHELD}  # 9: withheld, or Kherson - 7 = 2
    assert cells["by_month"] == {"2022-03": WITHHELD, "2022-04": SMALL}
    assert "total" not in str(body).lower().replace("totals are given", "")


def test_a_table_of_only_small_cells_is_left_out(app, public):
    add_people(app, [("pow", "Donetsk", "2022-03", 1), ("pow", "Kherson", "2022-03", 1),
                     ("pow", "Luhansk", "2022-03", 1), ("pow", "Sumy", "2022-03", 1)])
    body = public.get("/api/v1/stats").get_json()  # regions 1+1+1+1 with pow = 4 would give each region away
    assert body["by_region"] == [] and body["by_category"] == [] and body["by_month"] == []


def test_without_small_cells_every_count_is_exact(app, public):
    add_people(app, [("pow", "Donetsk", "2022-03", 6), ("missing", "Kherson", "2022-04", 5)])
    body = public.get("/api/v1/stats").get_json()
    assert {c["value"]: c["count"] for c in body["by_category"]} == {"pow": 6, "missing": 5}


def _recoverable(tables, shown) -> bool:
    """Can a "<5" cell be worked out exactly from what is shown, given that every table counts the same people?

    Brute force over every assignment of the hidden cells (1..4 for "<5", 5..max for withheld) that keeps the
    three tables' sums equal: a small cell is recovered when it has one value in all of them."""
    hidden = [(name, value, 1, 4) if count == SMALL else (name, value, 5, 14)
              for name, cells in shown.items() for value, count in cells if isinstance(count, str)]
    visible = {name: sum(c for _, c in cells if isinstance(c, int)) for name, cells in shown.items()}
    values: dict[tuple[str, str], set[int]] = {(n, v): set() for n, v, lo, _ in hidden if lo == 1}
    for combo in itertools.product(*(range(lo, hi + 1) for _, _, lo, hi in hidden)):
        sums = dict(visible)
        for (name, _, _, _), x in zip(hidden, combo):
            sums[name] += x
        if len(set(sums.values())) == 1:
            for (name, value, lo, _), x in zip(hidden, combo):
                if lo == 1:
                    values[(name, value)].add(x)
    return any(len(v) == 1 for v in values.values())


@hsettings(max_examples=60, deadline=None)
@given(people=st.lists(st.tuples(st.sampled_from("pqr"), st.sampled_from("uvwxyz")), min_size=1, max_size=40))
def test_no_small_cell_can_be_recovered_by_subtraction(people):
    by_first = {k: sum(1 for p in people if p[0] == k) for k in "pqr"}
    by_second = {k: sum(1 for p in people if p[1] == k) for k in "uvwxyz"}
    tables = {"first": by_first, "second": by_second}
    shown = suppress(tables)
    for name, cells in shown.items():
        for value, count in cells:
            true = tables[name][value]
            assert count == true or (count == SMALL and 0 < true < 5) or (count == WITHHELD and true >= 5)
        assert cells or not tables[name] or all(n < 5 for n in tables[name].values())
    if sum(1 for cells in shown.values() for _, c in cells if c == SMALL):
        assert not _recoverable(tables, shown)
