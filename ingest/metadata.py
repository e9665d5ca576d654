"""Sidecar metadata: what the archivist knows about a file that the file does not say.

A sidecar is ``metadata.csv`` or ``metadata.json`` next to the files (or any CSV/JSON given with ``--meta``):
one row per file, keyed by ``path`` relative to the sidecar's folder, with the columns
``title, doc_type, date, language, collection, classification, source, consent_ref``. The API's upload form
takes the same fields. A bad value is an error naming the row and the column; that file fails, the rest go on.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
from dataclasses import dataclass, field, fields
from pathlib import Path, PurePosixPath
from typing import Any, Mapping

from archive_schema.vocab import Classification, DatePrecision, DocType, choices

SIDECAR_NAMES = ("metadata.csv", "metadata.json")
FIELDS = ("title", "doc_type", "date", "language", "collection", "classification", "source", "consent_ref")
_LANG = re.compile(r"^[a-z]{2,3}$")


class MetadataError(ValueError):
    pass


@dataclass(frozen=True)
class DocDate:
    start: dt.date
    end: dt.date
    precision: str

    @classmethod
    def parse(cls, raw: str) -> "DocDate":
        """``2022``, ``2022-03``, ``2022-03-14`` or a range ``2022-03-01..2022-06-30``."""
        raw = raw.strip()
        if ".." in raw:
            a, b = raw.split("..", 1)
            start, end = cls.parse(a), cls.parse(b)
            if end.end < start.start:
                raise MetadataError(f"date range {raw!r} ends before it starts")
            return cls(start.start, end.end, DatePrecision.range.value)
        try:
            if re.fullmatch(r"\d{4}", raw):
                year = int(raw)
                return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), DatePrecision.year.value)
            if re.fullmatch(r"\d{4}-\d{2}", raw):
                first = dt.date.fromisoformat(raw + "-01")
                nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
                return cls(first, nxt - dt.timedelta(days=1), DatePrecision.month.value)
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
                day = dt.date.fromisoformat(raw)
                return cls(day, day, DatePrecision.day.value)
        except ValueError:
            pass
        raise MetadataError(f"date {raw!r} is not YYYY, YYYY-MM, YYYY-MM-DD or START..END")

    def __str__(self) -> str:
        if self.precision == "day":
            return self.start.isoformat()
        if self.precision == "month":
            return self.start.isoformat()[:7]
        if self.precision == "year":
            return str(self.start.year)
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


@dataclass(frozen=True)
class ItemMeta:
    title: str | None = None
    doc_type: str | None = None
    date: DocDate | None = None
    language: tuple[str, ...] = ()
    collection: str | None = None
    classification: str | None = None
    source: str | None = None
    consent_ref: str | None = None

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any], where: str = "") -> "ItemMeta":
        prefix = f"{where}: " if where else ""
        unknown = set(row) - set(FIELDS) - {"path", "filename"}
        if unknown:
            raise MetadataError(f"{prefix}unknown column(s) {', '.join(sorted(unknown))}; "
                                f"known: path, {', '.join(FIELDS)}")
        values: dict[str, Any] = {}
        for name in FIELDS:
            raw = row.get(name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            if not isinstance(raw, str):
                raw = str(raw) if name != "language" or not isinstance(raw, list) else ",".join(map(str, raw))
            raw = raw.strip()
            if len(raw) > 1000:
                raise MetadataError(f"{prefix}{name} is longer than 1,000 characters")
            try:
                values[name] = _convert(name, raw)
            except MetadataError as exc:
                raise MetadataError(f"{prefix}{exc}") from None
        return cls(**values)

    def merged_over(self, base: "ItemMeta") -> "ItemMeta":
        """These values where set, ``base``'s elsewhere."""
        return ItemMeta(**{f.name: getattr(self, f.name) or getattr(base, f.name) for f in fields(self)})

    def as_dict(self) -> dict[str, Any]:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value:
                out[f.name] = str(value) if f.name == "date" else (list(value) if f.name == "language" else value)
        return out


def _convert(name: str, raw: str) -> Any:
    if name == "doc_type":
        if raw not in DocType.__members__:
            raise MetadataError(f"doc_type {raw!r} is not one of {choices(DocType)}")
        return raw
    if name == "classification":
        if raw not in Classification.__members__:
            raise MetadataError(f"classification {raw!r} is not one of {choices(Classification)}")
        return raw
    if name == "date":
        return DocDate.parse(raw)
    if name == "language":
        langs = tuple(part.strip().lower() for part in raw.split(",") if part.strip())
        bad = [lang for lang in langs if not _LANG.match(lang)]
        if bad:
            raise MetadataError(f"language {', '.join(bad)!r} is not an ISO 639 code such as uk, ru, en")
        return langs
    if "\x00" in raw:
        raise MetadataError(f"{name} contains a NUL character")
    return raw


@dataclass
class Sidecar:
    """Rows of one sidecar, by normalised relative path. Bad rows are kept as errors for their file."""
    folder: Path
    rows: dict[str, ItemMeta] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def lookup(self, path: Path) -> ItemMeta | str | None:
        """The row for ``path`` (an ItemMeta), its error (a str), or None."""
        try:
            rel = path.resolve().relative_to(self.folder.resolve()).as_posix()
        except ValueError:
            rel = path.name
        for key in (rel, path.name):
            if key in self.errors:
                return self.errors[key]
            if key in self.rows:
                return self.rows[key]
        return None


def load_sidecar(path: Path) -> Sidecar:
    """Read a CSV or JSON sidecar. A file that cannot be read at all is a MetadataError."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MetadataError(f"cannot read metadata file {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MetadataError(f"metadata file {path.name} is not UTF-8 (byte {exc.start})") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MetadataError(f"metadata file {path.name}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
        if isinstance(data, dict):
            data = [dict(v, path=k) if isinstance(v, dict) else v for k, v in data.items()]
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise MetadataError(f"metadata file {path.name}: expected a list of objects")
        rows = data
        where = "item {n}"
    elif path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        if not reader.fieldnames or not ({"path", "filename"} & set(reader.fieldnames)):
            raise MetadataError(f"metadata file {path.name}: needs a 'path' column")
        rows = list(reader)
        where = "row {n}"
    else:
        raise MetadataError(f"metadata file {path.name}: must be .csv or .json")
    sidecar = Sidecar(path.parent)
    for n, row in enumerate(rows, start=2 if where.startswith("row") else 1):
        key = str(row.get("path") or row.get("filename") or "").strip()
        if not key:
            raise MetadataError(f"metadata file {path.name}, {where.format(n=n)}: no path")
        key = PurePosixPath(key.replace("\\", "/")).as_posix()
        try:
            sidecar.rows[key] = ItemMeta.from_mapping({k: v for k, v in row.items() if k is not None},
                                                      f"{path.name}, {where.format(n=n)}")
        except MetadataError as exc:
            sidecar.errors[key] = f"metadata: {exc}"
    return sidecar
