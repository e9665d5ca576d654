"""The person registry import: de-duplication across scripts, per-row errors, hostile files; property-based."""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from sqlalchemy import func, select

from archive_schema.db import connect
from archive_schema.inquiries import PersonStatus, RegistryPerson
from ingest import registry
from ingest.registry import RegistryFileError, import_registry, match_persons

HEADER = ["name", "status", "birth_date", "status_date", "place", "region"]


@pytest.fixture
def db(settings):
    database = connect(settings, upgrade=True)
    yield database
    database.dispose()


def write_csv(path: Path, rows: list[list[str]], header=HEADER, encoding="utf-8") -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def run(db, path: Path, source: str = "List A"):
    with db.sessions.begin() as session:
        return import_registry(session, path, source=source)


def persons(db) -> list[RegistryPerson]:
    with db.reader() as session:
        return list(session.scalars(select(RegistryPerson).order_by(RegistryPerson.name)))


def test_the_same_person_in_two_scripts_and_two_lists_is_one_person(db, tmp_path):
    run(db, write_csv(tmp_path / "a.csv", [
        ["Коваленко Іван Петрович", "civilian detainee", "1980-02-03", "2022-03-14", "СІЗО-2", "Kherson"],
        ["Бондаренко Олена", "deported_child", "2012-07-01", "2022-09-01", "", "Kharkiv"]]))
    report = run(db, write_csv(tmp_path / "b.csv", [
        ["Ivan Kovalenko", "POW", "03.02.1980", "2022-05-01", "Olenivka", "Donetsk"],
        ["Kovalenko Ivan", "pow", "1975-01-01", "2022-05-01", "", ""]]), source="List B")
    assert (report.added, report.updated) == (1, 1)  # same name, other date of birth: another person
    ivan = [p for p in persons(db) if p.birth_date == dt.date(1980, 2, 3)]
    assert len(ivan) == 1 and ivan[0].status == "pow" and ivan[0].place == "Olenivka"
    assert ivan[0].sources == ["List A", "List B"] and ivan[0].name == "Коваленко Іван Петрович"
    again = run(db, tmp_path / "b.csv", source="List B")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)  # importing again changes nothing
    with db.reader() as session:
        found = match_persons(session, "Коваленко Иван", dt.date(1980, 2, 3))
        assert [(kind, how) for kind, how, _ in found] == [("registry", "name and date of birth")]


def test_a_row_is_linked_to_the_person_of_its_patronymic_never_to_a_namesake(db, tmp_path):
    from archive_schema.models import Entity
    from ingest.entities import patronymic_key, person_key

    names = ("Руденко Олександр Іванович", "Руденко Олександр Сергійович", "Мельник Ганна Петрівна")
    with db.sessions.begin() as session:
        people = [Entity(kind="person", key=person_key(n), name=n, properties={"patronymic_key": patronymic_key(n)})
                  for n in names]
        session.add_all(people)
        session.flush()
        ids = [p.id for p in people]
    run(db, write_csv(tmp_path / "a.csv", [
        ["Rudenko Oleksandr Serhiyovych", "pow", "1990-01-01", "", "", ""],  # the second, in Latin script
        ["Руденко Олександр", "pow", "1991-01-01", "", "", ""],  # which of the two? none
        ["Мельник Ганна Іванівна", "civilian detainee", "", "", "", ""],  # one Ганна Мельник, another father
        ["Мельник Ганна", "civilian detainee", "1970-01-01", "", "", ""]]))  # the only Ганна Мельник
    linked = {(p.name, p.entity_id) for p in persons(db)}
    assert linked == {("Rudenko Oleksandr Serhiyovych", ids[1]), ("Руденко Олександр", None),
                      ("Мельник Ганна Іванівна", None), ("Мельник Ганна", ids[2])}


def test_undated_namesakes_with_different_patronymics_are_two_people(db, tmp_path):
    run(db, write_csv(tmp_path / "a.csv", [["Руденко Олександр Іванович", "pow", "", "", "", ""]]))
    report = run(db, write_csv(tmp_path / "b.csv", [
        ["Руденко Александр Сергеевич", "civilian detainee", "", "", "", ""],  # another father: another man
        ["Rudenko Oleksandr Ivanovych", "released", "", "2023-01-01", "", ""]]), source="List B")  # the first
    assert (report.added, report.updated) == (1, 1)
    assert {(p.name, p.status) for p in persons(db)} == {("Руденко Олександр Іванович", "released"),
                                                        ("Руденко Александр Сергеевич", "civilian_detainee")}
    with db.reader() as session:  # a family asking after Олександр Іванович is not shown his namesake
        assert [p.name for _, _, p in match_persons(session, "Руденко Олександр Іванович")] == [
            "Руденко Олександр Іванович"]
        assert len(match_persons(session, "Олександр Руденко")) == 2  # without a patronymic: both


def test_a_brother_and_a_sister_of_one_name_are_two_people(db, tmp_path):
    report = run(db, write_csv(tmp_path / "a.csv", [["Kovalenko Oleksandr", "deported child", "", "", "", ""],
                                                    ["Kovalenko Oleksandra", "deported child", "", "", "", ""]]))
    assert (report.added, report.possible_duplicates) == (2, [])
    report = run(db, write_csv(tmp_path / "b.csv", [["Коваленко Олександра Іванівна", "released", "", "2023-05-01",
                                                     "", ""]]), source="List B")
    assert (report.added, report.updated) == (0, 1)  # her, not her brother
    assert {(p.name, p.status) for p in persons(db)} == {("Kovalenko Oleksandr", "deported_child"),
                                                        ("Kovalenko Oleksandra", "released")}
    with db.reader() as session:  # a family asking after her is not shown him
        assert [p.name for _, _, p in match_persons(session, "Oleksandra Kovalenko")] == ["Kovalenko Oleksandra"]
        assert len(match_persons(session, "Олександра Коваленко")) == 2  # may be a man in the genitive: both


def test_an_older_status_does_not_overwrite_a_newer_one(db, tmp_path):
    run(db, write_csv(tmp_path / "new.csv", [["Ivan Kovalenko", "released", "1980-02-03", "2023-01-10", "", ""]]))
    run(db, write_csv(tmp_path / "old.csv", [["Іван Коваленко", "pow", "1980-02-03", "2022-05-01", "", ""]]),
        source="Old list")
    (ivan,) = persons(db)
    assert ivan.status == "released" and ivan.sources == ["List A", "Old list"]


def test_undated_namesakes_are_reported_not_merged_blindly(db, tmp_path):
    run(db, write_csv(tmp_path / "a.csv", [["Petro Shevchenko", "missing", "1990-01-01", "", "", ""],
                                           ["Petro Shevchenko", "missing", "1991-01-01", "", "", ""]]))
    report = run(db, write_csv(tmp_path / "b.csv", [["Петро Шевченко", "missing", "", "", "", ""]]))
    assert report.added == 1 and report.possible_duplicates == [2]


def test_each_bad_row_is_named_and_the_rest_imported(db, tmp_path):
    report = run(db, write_csv(tmp_path / "a.csv", [
        ["Good Person", "missing", "", "", "", ""],
        ["", "missing", "", "", "", ""],
        ['=HYPERLINK("http://evil")', "pow", "", "", "", ""],
        ["Name Ok", "alien", "", "", "", ""],
        ["Other Ok", "pow", "2999-01-01", "32.13.2022", "", ""],
        ["1234", "pow", "", "", "", ""]]))
    assert report.added == 1
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "name"), (4, "name"), (5, "status"), (6, "birth_date"), (6, "status_date"), (7, "name")]
    assert "formula" in str(report.errors[1])


@pytest.mark.parametrize("make, message", [
    (lambda p: write_csv(p, [["x", "pow"]], header=["person", "when"]), "missing: status"),
    (lambda p: p.write_bytes(b""), "empty"),
    (lambda p: p.write_bytes(b"\xff\xfe\x00\xd8"), "UTF"),  # a broken UTF-16 file
    (lambda p: p.with_suffix(".pdf").write_bytes(b"%PDF") and p.with_suffix(".pdf"), ".csv or .xlsx"),
])
def test_files_that_cannot_be_imported_import_nothing(db, tmp_path, make, message):
    made = make(tmp_path / "list.csv")
    path = made if isinstance(made, Path) else tmp_path / "list.csv"
    with pytest.raises(RegistryFileError, match=message):
        run(db, path)
    assert persons(db) == []


def test_windows_1251_and_semicolons_are_read(db, tmp_path):
    path = tmp_path / "cp.csv"
    path.write_bytes("ПІБ;статус;дата_народження\nШевченко Тарас;pow;1985-03-09\n".encode("cp1251"))
    report = run(db, path)
    assert report.encoding == "windows-1251" and report.added == 1
    assert persons(db)[0].name == "Шевченко Тарас"


def test_xlsx_formulas_are_never_run_and_dates_are_read(db, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Name", "Status", "Birth date", "Status date", "Region"])
    sheet.append(["Olena Bondarenko", "deported_child", dt.date(2012, 7, 1), dt.datetime(2022, 9, 1), "Kharkiv"])
    sheet.append(["=1+1", "pow", None, None, None])  # a formula with no cached value: an empty name
    sheet.append(['=WEBSERVICE("http://evil")', "pow", None, None, None])
    path = tmp_path / "list.xlsx"
    book.save(path)
    report = run(db, path)
    assert report.added == 1 and {e.row for e in report.errors} == {3, 4}
    (olena,) = persons(db)
    assert (olena.birth_date, olena.status_date, olena.region) == (dt.date(2012, 7, 1), dt.date(2022, 9, 1),
                                                                  "Kharkiv")


def test_huge_files_and_zip_bombs_are_refused_before_reading(db, tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "MAX_FILE_SIZE", 1000)
    with pytest.raises(RegistryFileError, match="limit"):
        run(db, write_csv(tmp_path / "big.csv", [["Name Person", "pow", "", "", "", ""]] * 100))
    monkeypatch.setattr(registry, "MAX_FILE_SIZE", 50 * 1024 * 1024)
    monkeypatch.setattr(registry, "MAX_UNPACKED", 100_000)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * 1_000_000)
    with pytest.raises(RegistryFileError, match="unpacks"):
        run(db, bomb)
    monkeypatch.setattr(registry, "MAX_ROWS", 3)
    with pytest.raises(RegistryFileError, match="more than 3 rows"):
        run(db, write_csv(tmp_path / "rows.csv", [[f"Person Number{i}", "pow", "", "", "", ""]
                                                  for i in "abcde"]))
    not_xlsx = tmp_path / "fake.xlsx"
    not_xlsx.write_bytes(b"name,status\n")
    with pytest.raises(RegistryFileError, match="not an XLSX"):
        run(db, not_xlsx)
    assert persons(db) == []


# --- properties ---------------------------------------------------------------------------------------------------

cells = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
statuses = st.sampled_from([s.value for s in PersonStatus] + ["POW", "prisoner of war", "", "nonsense"])
dates = st.one_of(st.just(""), st.dates(dt.date(1890, 1, 1), dt.date(2030, 1, 1)).map(dt.date.isoformat), cells)
rows = st.lists(st.tuples(cells, statuses, dates, dates, cells, cells).map(list), max_size=15)


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows)
def test_any_rows_are_imported_or_reported_and_a_reimport_adds_nobody(db, tmp_path, rows):
    path = write_csv(tmp_path / "p.csv", rows)
    report = run(db, path)
    nonblank = sum(1 for r in rows if any(c.strip() for c in r))
    bad_rows = {e.row for e in report.errors}
    assert report.added + report.updated + report.unchanged + len(bad_rows) == nonblank
    with db.reader() as session:
        before = session.scalar(select(func.count()).select_from(RegistryPerson))
    again = run(db, path)
    assert again.added == 0 and {e.row for e in again.errors} == bad_rows
    with db.reader() as session:
        assert session.scalar(select(func.count()).select_from(RegistryPerson)) == before
        for person in session.scalars(select(RegistryPerson)):
            assert person.status in {s.value for s in PersonStatus} and person.name.strip()
            assert not person.name.startswith(("=", "+", "-", "@"))


@hsettings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_the_reader(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("bytes") / "x.csv"
    path.write_bytes(data)
    try:
        rows, _ = registry.read_rows(path)
        for number, record in rows:
            registry.check_row(number, record, "src")
    except RegistryFileError:
        pass


def test_import_match_and_statistics_on_postgresql(postgres_url, tmp_path):
    from search_api.api.stats import registry_tables

    from archive_schema.settings import Settings

    database = connect(Settings.from_env({"SVIDOK_HOME": str(tmp_path / "pg"), "SVIDOK_DATABASE_URL": postgres_url}),
                       upgrade=True)
    try:
        run(database, write_csv(tmp_path / "a.csv", [
            ["Коваленко Іван", "pow", "1980-02-03", "2022-03-14", "Olenivka", "Donetsk"],
            ["Ivan Kovalenko", "pow", "1980-02-03", "2022-04-02", "Taganrog", "Donetsk"],
            ["Olena Bondarenko", "deported_child", "", "2022-09-01", "", "Kharkiv"]]))
        with database.reader() as session:
            assert registry_tables(session) == {"by_category": {"pow": 1, "deported_child": 1},
                                                "by_region": {"Donetsk": 1, "Kharkiv": 1},
                                                "by_month": {"2022-04": 1, "2022-09": 1}}
            assert [kind for kind, _, _ in match_persons(session, "Коваленко Иван")] == ["registry"]
    finally:
        database.dispose()
