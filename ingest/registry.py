"""Person registry imports: lists of detainees (CSV or XLSX) into ``RegistryPerson``, de-duplicated.

Columns (header row, any order, case and spaces ignored; a few aliases accepted)::

    name          required  the person's full name, any script
    status        required  one of archive_schema.inquiries.PersonStatus (aliases: "POW", "prisoner of war" …)
    birth_date    optional  YYYY-MM-DD (or DD.MM.YYYY)
    status_date   optional  when the status began (detention, deportation …): what the statistics count by month
    place         optional  last known place or facility
    region        optional  what the statistics count by region
    source        optional  per row; else the ``--source`` of the import

A person already in the registry is recognised by the cross-script key of the name (``ingest.entities.
person_key``: Коваленко Іван = Ivan Kovalenko = Коваленко Иван) and the date of birth, and is updated, not
added again (two different patronymics are two people: ``ingest.entities.patronymic_key``): the newer status
wins, the source is added to the person's sources. Without a date of birth two people of the same name cannot
be told apart: such a row joins the one undated person of that name when there is exactly one, and is otherwise
added and reported as a possible duplicate.

Bad rows are reported one by one (row number, column, why) and skipped; the rest are imported. A file that
cannot be read at all (too large, not CSV/XLSX, no header, required columns missing) imports nothing.
Hostile input: files over ``MAX_FILE_SIZE``, more than ``MAX_ROWS`` rows, cells over ``MAX_CELL`` characters,
XLSX whose unpacked size is over ``MAX_UNPACKED`` (a ZIP bomb) are refused; spreadsheet formulas are never
evaluated (XLSX cached values only; a CSV cell starting with ``=`` ``+`` ``-`` ``@`` in a name is an error); a
CSV that is not UTF-8 is read as UTF-16 (with BOM) or Windows-1251 and the encoding is reported.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive_schema import audit
from archive_schema.inquiries import PersonStatus, RegistryPerson
from archive_schema.models import Entity

from .entities import contradict, gender_of, name_gender, patronymic_key, patronymic_of, person_key

MAX_FILE_SIZE = 50 * 1024 * 1024
MAX_UNPACKED = 200 * 1024 * 1024
MAX_ROWS = 200_000
MAX_CELL = 500
REQUIRED = ("name", "status")
COLUMNS = ("name", "status", "birth_date", "status_date", "place", "region", "source")
ALIASES = {
    "full_name": "name", "person": "name", "піб": "name", "фио": "name", "ім'я": "name",
    "category": "status", "status_category": "status", "статус": "status",
    "dob": "birth_date", "date_of_birth": "birth_date", "born": "birth_date", "дата_народження": "birth_date",
    "дата_рождения": "birth_date",
    "date": "status_date", "since": "status_date", "detained_on": "status_date", "date_of_detention": "status_date",
    "last_known_place": "place", "facility": "place", "location": "place", "місце": "place",
    "oblast": "region", "область": "region",
}
STATUS_ALIASES = {
    "civilian detainee": "civilian_detainee", "civilian": "civilian_detainee", "prisoner of war": "pow",
    "pow": "pow", "pows": "pow", "військовополонений": "pow", "военнопленный": "pow",
    "deported child": "deported_child", "deported convict": "deported_convict",
    "patient of a closed institution": "closed_institution_patient", "closed institution patient":
    "closed_institution_patient", "political prisoner": "ru_political_prisoner", "зниклий безвісти": "missing",
    "пропавший без вести": "missing",
}
FORMULA_START = ("=", "+", "-", "@")


class RegistryFileError(ValueError):
    """The file cannot be imported at all; nothing was imported."""


@dataclass
class RowError:
    row: int
    column: str
    detail: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.column}: {self.detail}"


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    possible_duplicates: list[int] = field(default_factory=list)  # row numbers
    encoding: str = ""

    def as_json(self) -> dict:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "errors": [e.__dict__ for e in self.errors], "possible_duplicates": self.possible_duplicates,
                "encoding": self.encoding}


@dataclass(frozen=True)
class Row:
    number: int
    name: str
    status: str
    birth_date: dt.date | None
    status_date: dt.date | None
    place: str
    region: str
    source: str


# --- reading ----------------------------------------------------------------------------------------------------

def read_rows(path: Path) -> tuple[Iterator[tuple[int, dict[str, str]]], str]:
    """(row number, {column: cell}) for every data row, and the encoding read (CSV) or "xlsx"."""
    size = path.stat().st_size
    if size > MAX_FILE_SIZE:
        raise RegistryFileError(f"{path.name} is {size:,} bytes; the limit is {MAX_FILE_SIZE:,}. Split the list.")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path), "xlsx"
    if suffix in (".csv", ".txt", ".tsv"):
        text, encoding = _decode(path.read_bytes())
        return _csv_rows(text), encoding
    raise RegistryFileError(f"{path.name}: a registry is a .csv or .xlsx file")


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise RegistryFileError("the file starts like UTF-16 text but is not; save it as UTF-8 CSV") from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251"), "windows-1251"
    except UnicodeDecodeError:
        raise RegistryFileError("the file is neither UTF-8, UTF-16 nor Windows-1251 text; save it as UTF-8 CSV") from None


def _header(cells: list[str]) -> list[str | None]:
    names = []
    for cell in cells:
        key = re.sub(r"[\s\-]+", "_", (cell or "").strip().lower())
        key = ALIASES.get(key, key)
        names.append(key if key in COLUMNS else None)
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        shown = ", ".join(repr(c) for c in cells if c) or "nothing"
        raise RegistryFileError(f"the header row must name the columns {', '.join(REQUIRED)} (missing: "
                                f"{', '.join(missing)}); found {shown[:300]}")
    return names


def _records(rows: Iterator[list]) -> Iterator[tuple[int, dict[str, str]]]:
    header = None
    for number, cells in enumerate(rows, start=1):
        cells = ["" if c is None else str(c) for c in cells]
        if header is None:
            if not any(c.strip() for c in cells):
                continue
            header = _header(cells)
            continue
        if number > MAX_ROWS + 1:
            raise RegistryFileError(f"more than {MAX_ROWS:,} rows; split the list")
        if not any(c.strip() for c in cells):
            continue
        yield number, {name: cells[i] if i < len(cells) else "" for i, name in enumerate(header) if name}
    if header is None:
        raise RegistryFileError("the file is empty: no header row")


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else "\t" if sample.count("\t") > sample.count(",") else ","
    csv.field_size_limit(MAX_CELL * 4)
    try:
        yield from _records(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise RegistryFileError(f"not a readable CSV file: {exc}") from None


def _xlsx_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    import openpyxl

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise RegistryFileError(f"{path.name} is not an XLSX workbook") from None
    if unpacked > MAX_UNPACKED:
        raise RegistryFileError(f"{path.name} unpacks to {unpacked:,} bytes (limit {MAX_UNPACKED:,}); refused")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)  # cached values: formulas not run
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise RegistryFileError(f"{path.name} is not a readable XLSX workbook: {exc}") from None
    try:
        sheet = book.worksheets[0]
        yield from _records(_xlsx_cells(row) for row in sheet.iter_rows(values_only=True))
    finally:
        book.close()


def _xlsx_cells(row: tuple) -> list[str]:
    out = []
    for value in row:
        if isinstance(value, dt.datetime):
            value = value.date().isoformat()
        elif isinstance(value, dt.date):
            value = value.isoformat()
        out.append("" if value is None else str(value))
    return out


# --- checking ---------------------------------------------------------------------------------------------------

def _date(raw: str) -> dt.date:
    raw = raw.strip()
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", raw)
    if match:
        day, month, year = map(int, match.groups())
        return dt.date(year, month, day)
    return dt.date.fromisoformat(raw[:10] if re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T].*)?", raw) else raw)


def check_row(number: int, cells: dict[str, str], default_source: str) -> tuple[Row | None, list[RowError]]:
    errors = []
    clean = {}
    for column in COLUMNS:
        value = " ".join((cells.get(column) or "").split())
        if len(value) > MAX_CELL:
            errors.append(RowError(number, column, f"longer than {MAX_CELL} characters"))
            value = ""
        clean[column] = value
    name = clean["name"]
    if not name:
        errors.append(RowError(number, "name", "empty"))
    elif name.startswith(FORMULA_START):
        errors.append(RowError(number, "name", "looks like a spreadsheet formula, not a name"))
    elif not any(ch.isalpha() for ch in name) or not person_key(name):
        errors.append(RowError(number, "name", "has no letters"))
    status = STATUS_ALIASES.get(clean["status"].lower(), clean["status"].lower().replace(" ", "_"))
    if status not in {s.value for s in PersonStatus}:
        errors.append(RowError(number, "status", f"{clean['status']!r} is not one of "
                                                  f"{', '.join(s.value for s in PersonStatus)}"))
    dates = {}
    for column in ("birth_date", "status_date"):
        if clean[column]:
            try:
                dates[column] = _date(clean[column])
            except ValueError:
                errors.append(RowError(number, column, f"{clean[column]!r} is not a date (YYYY-MM-DD)"))
                continue
            if not dt.date(1900, 1, 1) <= dates[column] <= dt.date.today():
                errors.append(RowError(number, column, f"{dates[column]} is outside 1900 to today"))
    if errors:
        return None, errors
    return Row(number, name, status, dates.get("birth_date"), dates.get("status_date"), clean["place"],
               clean["region"], clean["source"] or default_source), []


# --- importing --------------------------------------------------------------------------------------------------

def import_registry(session: Session, path: Path, *, source: str, actor: str = audit.SYSTEM) -> ImportReport:
    """Import one list in the caller's transaction. Raises ``RegistryFileError`` when nothing can be imported."""
    source = " ".join(source.split())
    if not source:
        raise RegistryFileError("say where the list comes from: --source")
    rows, encoding = read_rows(path)
    report = ImportReport(encoding=encoding)
    seen: dict[tuple[str, str, str, dt.date | None], RegistryPerson] = {}
    for number, cells in rows:
        row, errors = check_row(number, cells, source)
        if row is None:
            report.errors.extend(errors)
            continue
        _upsert(session, row, report, seen)
    audit.record(session, "registry.import", actor=actor, object_type="registry",
                 details={"file": path.name, "source": source, "added": report.added, "updated": report.updated,
                          "errors": len(report.errors)})
    return report


def _upsert(session: Session, row: Row, report: ImportReport,
            seen: dict[tuple[str, str, str, dt.date | None], RegistryPerson]) -> None:
    key, patronymic, gender = person_key(row.name), patronymic_key(row.name), name_gender(row.name)
    person = (seen.get((key, patronymic, gender, row.birth_date))
              or _existing(session, key, patronymic, gender, row, report))
    if person is None:
        person = RegistryPerson(name=row.name, name_key=key, birth_date=row.birth_date, status=row.status,
                                status_date=row.status_date, place=row.place, region=row.region,
                                sources=[row.source], entity_id=_entity_of(session, key, patronymic, gender))
        session.add(person)
        session.flush()
        report.added += 1
    else:
        changed = False
        if row.source not in (person.sources or []):
            person.sources = [*(person.sources or []), row.source]
            changed = True
        newer = row.status_date and (person.status_date is None or row.status_date >= person.status_date)
        if (newer or person.status_date is None and row.status_date is None) and (
                row.status, row.status_date, row.place or person.place, row.region or person.region) != (
                person.status, person.status_date, person.place, person.region):
            person.status, person.status_date = row.status, row.status_date
            person.place, person.region = row.place or person.place, row.region or person.region
            changed = True
        if changed:
            report.updated += 1
        else:
            report.unchanged += 1
    seen[(key, patronymic, gender, row.birth_date)] = person


def _existing(session: Session, key: str, patronymic: str, gender: str, row: Row,
              report: ImportReport) -> RegistryPerson | None:
    same = [p for p in session.scalars(select(RegistryPerson).where(RegistryPerson.name_key == key).limit(50))
            if not contradict(patronymic, patronymic_key(p.name)) and not contradict(gender, name_gender(p.name))]
    if row.birth_date is not None:
        return next((p for p in same if p.birth_date == row.birth_date), None)
    undated = [p for p in same if p.birth_date is None]
    if len(undated) == 1:
        return undated[0]
    if same:
        report.possible_duplicates.append(row.number)
    return None


def _entity_of(session: Session, key: str, patronymic: str, gender: str) -> str | None:
    """The person entity of this name (not of the other gender): the only one, unless its patronymic is another; of
    several, the only one of this patronymic."""
    found = [e for e in session.scalars(select(Entity).where(Entity.kind == "person", Entity.key == key,
                                                             Entity.merged_into_id.is_(None)).limit(20))
             if not contradict(gender, gender_of(e))]
    theirs = [patronymic_of(e) for e in found]
    if patronymic and theirs.count(patronymic) == 1:
        return found[theirs.index(patronymic)].id
    return found[0].id if len(found) == 1 and not contradict(patronymic, theirs[0]) else None


def match_persons(session: Session, name: str, birth_date: dt.date | None = None,
                  limit: int = 20) -> list[tuple[str, str, RegistryPerson | Entity]]:
    """Registry persons and person entities whose name matches ``name`` across scripts: ("registry"|"entity",
    how it matched, the row). A person with a different known date of birth or patronymic does not match."""
    key = person_key(name)
    if not key:
        return []
    words, patronymic, gender = set(key.split()), patronymic_key(name), name_gender(name)
    found: list[tuple[str, str, RegistryPerson | Entity]] = []
    for person in session.scalars(select(RegistryPerson).where(RegistryPerson.name_key == key).limit(limit)):
        if birth_date and person.birth_date and person.birth_date != birth_date:
            continue
        if contradict(patronymic, patronymic_key(person.name)) or contradict(gender, name_gender(person.name)):
            continue
        how = "name and date of birth" if birth_date and person.birth_date == birth_date else "name"
        found.append(("registry", how, person))
    for entity in session.scalars(select(Entity).where(Entity.kind == "person", Entity.key == key,
                                                       Entity.merged_into_id.is_(None)).limit(limit)):
        if not contradict(patronymic, patronymic_of(entity)) and not contradict(gender, gender_of(entity)):
            found.append(("entity", "name", entity))
    if not found and len(words) > 1:  # a surname and a given name: also people of the same surname
        for person in session.scalars(select(RegistryPerson).where(
                RegistryPerson.name_key.like(f"%{sorted(words, key=len)[-1]}%")).limit(limit)):
            if words & set(person.name_key.split()):
                found.append(("registry", "part of the name", person))
    return found[:limit]
