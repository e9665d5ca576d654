"""Case records: exhibit numbers, exhibits from search hits, chronology suggestions, warnings; on both databases."""
from __future__ import annotations

import datetime as dt
import io

import pytest

from archive_schema import cases
from tests.fixtures import files


@pytest.fixture
def items(ctx, tmp_path):
    from ingest.bulk import ingest_paths

    files.pdf(tmp_path, ["Затримано 14 березня 2022 року.", "Переведено 2 квітня 2022 року.", "Кінець."],
              name="record.pdf")
    files.png(tmp_path, name="photo.png")
    ingest_paths(ctx, [tmp_path])
    from sqlalchemy import select

    from archive_schema.models import EvidenceItem

    with ctx.db.reader() as session:
        return {i.filename: i.id for i in session.scalars(select(EvidenceItem))}


def test_exhibit_numbers_are_stable_until_renumbered(ctx, items):
    with ctx.db.sessions.begin() as session:
        case = cases.create_case(session, forum="echr", title="Fictional v. Russia", exhibit_prefix="A")
        late = cases.add_exhibit(session, case.id, items["record.pdf"], pages=(3, 3), date=dt.date(2022, 5, 1))
        early = cases.add_exhibit(session, case.id, items["photo.png"], date=dt.date(2022, 3, 1))
        assert (late.number, early.number) == ("A-1", "A-2")
        assert [e.number for e in cases.ordered_exhibits(case, "echr")] == ["A-2", "A-1"]
        renumbered = cases.number_exhibits(session, case.id)
        assert renumbered == {early.id: "A-1", late.id: "A-2"}
        with pytest.raises(cases.CaseError):
            cases.add_exhibit(session, case.id, items["record.pdf"], pages=(2, 9))


def test_editing_and_moving_exhibits_keeps_numbers_and_asks_for_a_new_review(ctx, items):
    from archive_schema import audit

    with ctx.db.sessions.begin() as session:
        case = cases.create_case(session, forum="icc", title="Fictional communication")
        first = cases.add_exhibit(session, case.id, items["record.pdf"], pages=(1, 1))
        second = cases.add_exhibit(session, case.id, items["photo.png"])
        cases.mark_reviewed(session, first.id)
        cases.edit_exhibit(session, first.id, description="Transfer order", pages=(2, 3), date=dt.date(2022, 4, 2))
        assert (first.page_start, first.page_end, first.reviewed, first.number) == (2, 3, False, "1")
        with pytest.raises(cases.CaseError, match="outside"):
            cases.edit_exhibit(session, first.id, description="", pages=(2, 4), date=None)
        with pytest.raises(cases.CaseError):
            cases.edit_exhibit(session, "missing", description="", pages=(1, 1), date=None)
        cases.move_exhibit(session, second.id, -1)
        order = sorted(case.exhibits, key=lambda e: e.position)
        assert [e.id for e in order] == [second.id, first.id]
        assert (first.number, second.number) == ("1", "2")
        cases.move_exhibit(session, second.id, -1)  # already first: nothing moves
        assert [e.id for e in sorted(case.exhibits, key=lambda e: e.position)] == [second.id, first.id]
        case_id = case.id
    with ctx.db.reader() as session:
        actions = [e.action for e in audit.events_for(session, "case", case_id)]
    assert actions.count("case.exhibit.edit") == 1 and actions.count("case.exhibit.move") == 1


def test_an_exhibit_from_search_hits_spans_the_matching_pages(ctx, items):
    with ctx.db.sessions.begin() as session:
        case = cases.create_case(session, forum="icc", title="Fictional communication")
        [exhibit] = cases.add_exhibits_from_hits(session, case.id, [(items["record.pdf"], [3, 1])])
        assert (exhibit.page_start, exhibit.page_end, exhibit.number) == (1, 3, "1")


def test_chronology_is_suggested_from_dates_on_exhibit_pages(ctx, items):
    with ctx.db.sessions.begin() as session:
        case = cases.create_case(session, forum="echr", title="Fictional v. Russia")
        exhibit = cases.add_exhibit(session, case.id, items["record.pdf"], pages=(1, 2))
        suggestions = cases.suggest_chronology(session, case.id)
    assert [(s.date, s.refs[0][2]) for s in suggestions] == [("2022-03-14", 1), ("2022-04-02", 2)]
    assert all(s.refs[0][0] == exhibit.id for s in suggestions)


def test_warnings_before_an_echr_export(ctx, items):
    from ingest.cases import case_warnings

    with ctx.db.sessions.begin() as session:
        case = cases.create_case(session, forum="echr", title="Fictional v. Russia", respondent_state="Russian Federation",
                                 final_domestic_decision=dt.date(2022, 1, 20))
        cases.add_exhibit(session, case.id, items["photo.png"])
        cases.add_chronology_entry(session, case.id, dt.date(2022, 10, 1), "Transfer to a colony.")
        cases.add_chronology_entry(session, case.id, dt.date(2022, 9, 1), "Trial.", precision="month")
        warnings = case_warnings(session, case.id, today=dt.date(2022, 5, 1))
    codes = [w.code for w in warnings]
    assert codes.count("russia_jurisdiction") == 2  # one after the cut-off, one month straddling it
    [limit] = [w for w in warnings if w.code == "time_limit"]
    assert "6-month" in limit.message and "2022-07-20" in limit.message  # decided before 1 February 2022
    assert "undated_exhibit" in codes and "unreviewed_exhibit" in codes
    assert not any(w.blocking for w in warnings)


def test_an_anonymous_person_needs_a_pseudonym_and_a_known_provision(ctx):
    with ctx.db.sessions.begin() as session:
        case = cases.create_case(session, forum="icc", title="Fictional communication")
        with pytest.raises(cases.CaseError):
            cases.add_person(session, case.id, "Fictional Person", "witness", anonymous=True)
        with pytest.raises(cases.CaseError):
            cases.add_qualification(session, case.id, "rome:99", fact="x")
        assert cases.add_qualification(session, case.id, "rome:8(2)(a)(vii)", fact="Transfer.").code


def test_vocabulary_holds_the_provisions_named_in_the_issue():
    codes = set(cases.qualifications())
    assert {f"echr:{a}" for a in (2, 3, 5, 6, 8, 13, 34)} <= codes
    assert {"rome:7(1)(d)", "rome:7(1)(e)", "rome:7(1)(f)", "rome:7(1)(i)", "rome:8(2)(a)(i)", "rome:8(2)(a)(ii)",
            "rome:8(2)(a)(vi)", "rome:8(2)(a)(vii)", "rome:8(2)(b)(viii)", "rome:8(2)(b)(xxi)", "rome:6(e)"} <= codes
    assert any(c.startswith("gc3:") for c in codes) and any(c.startswith("gc4:") for c in codes)
