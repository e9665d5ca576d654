"""Sidecar metadata: what the archivist knows about the files, validated row by row."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import select

from archive_schema.db import connect
from archive_schema.models import EvidenceItem
from ingest.metadata import DocDate, ItemMeta, MetadataError, load_sidecar
from tests.conftest import make_settings


@pytest.mark.parametrize("raw, start, end, precision", [
    ("2022", "2022-01-01", "2022-12-31", "year"),
    ("2022-02", "2022-02-01", "2022-02-28", "month"),
    ("2024-02", "2024-02-01", "2024-02-29", "month"),
    ("2022-03-14", "2022-03-14", "2022-03-14", "day"),
    ("2022-03-01..2022-06-30", "2022-03-01", "2022-06-30", "range"),
    ("2022..2023-06", "2022-01-01", "2023-06-30", "range"),
])
def test_document_dates_keep_their_precision(raw, start, end, precision):
    date = DocDate.parse(raw)
    assert (date.start.isoformat(), date.end.isoformat(), date.precision) == (start, end, precision)
    assert DocDate.parse(str(date)) == date  # round trip


@pytest.mark.parametrize("raw", ["14.03.2022", "2022-13", "2022-02-30", "2023..2022", "March 2022", "", "20222"])
def test_bad_dates_say_what_is_expected(raw):
    with pytest.raises(MetadataError, match="YYYY|ends before"):
        DocDate.parse(raw)


def test_values_are_checked_against_the_vocabularies():
    with pytest.raises(MetadataError, match="doc_type 'affidavit' is not one of testimony"):
        ItemMeta.from_mapping({"doc_type": "affidavit"})
    with pytest.raises(MetadataError, match="classification 'secret'"):
        ItemMeta.from_mapping({"classification": "secret"})
    with pytest.raises(MetadataError, match="language"):
        ItemMeta.from_mapping({"language": "ukrainian"})
    with pytest.raises(MetadataError, match="unknown column"):
        ItemMeta.from_mapping({"titel": "typo"})
    meta = ItemMeta.from_mapping({"title": " Лист ", "language": "uk, ru", "date": "2022-03"})
    assert (meta.title, meta.language, meta.date.precision) == ("Лист", ("uk", "ru"), "month")


def ingest(home, *args):
    env = {**os.environ, "SVIDOK_HOME": str(home), "SVIDOK_STAGES": "extract"}
    return subprocess.run([sys.executable, "-m", "search_api.cli", "ingest", *map(str, args), "--json"], env=env,
                          capture_output=True, text=True, timeout=300)


def items_by_name(home):
    database = connect(make_settings(home))
    with database.reader() as session:
        found = {i.filename: i for i in session.scalars(select(EvidenceItem))}
        for item in found.values():
            _ = item.collection  # load before the session closes
    database.dispose()
    return found


def test_a_sidecar_beside_the_files_describes_them_and_a_bad_row_fails_only_its_file(tmp_path):
    box = tmp_path / "box"
    (box / "letters").mkdir(parents=True)
    (box / "letters" / "a.txt").write_text("Лист з колонії.", "utf-8")
    (box / "b.txt").write_text("Свідчення.", "utf-8")
    (box / "c.txt").write_text("Без опису.", "utf-8")
    (box / "metadata.csv").write_text(
        "path,title,doc_type,date,language,collection,classification,source\n"
        "letters/a.txt,Лист А.,letter,2022-05,uk,Листи,public,Fictional NGO\n"
        "b.txt,Свідчення Б.,affidavit,2022,uk,,,\n", "utf-8")
    result = ingest(tmp_path / "home", box, "--collection", "intake")
    summary = json.loads(result.stdout.splitlines()[-1])
    assert result.returncode == 1
    assert summary["ok"] == 2
    assert [f["path"].endswith("b.txt") for f in summary["failed"]] == [True]
    assert "metadata.csv, row 3: doc_type 'affidavit'" in summary["failed"][0]["reason"]
    items = items_by_name(tmp_path / "home")
    assert "metadata.csv" not in items  # the sidecar is not evidence
    a = items["a.txt"]
    assert (a.title, a.doc_type, a.classification, a.source, a.languages) == \
        ("Лист А.", "letter", "public", "Fictional NGO", ["uk"])
    assert (a.doc_date_start, a.doc_date_end, a.doc_date_precision) == \
        (dt.date(2022, 5, 1), dt.date(2022, 5, 31), "month")
    assert a.collection.name == "Листи"  # the row's collection wins over --collection
    c = items["c.txt"]
    assert (c.collection.name, c.classification) == ("intake", "confidential")  # no row: defaults, deny by default


def test_an_explicit_json_sidecar_and_unreadable_sidecars(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x.txt").write_text("Текст.", "utf-8")
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps([{"path": "x.txt", "title": "Ікс", "doc_type": "testimony"}]), "utf-8")
    # paths in --meta are relative to the sidecar's folder; here the file is found by its name
    assert ingest(tmp_path / "home", tmp_path / "in", "--meta", meta).returncode == 0
    assert items_by_name(tmp_path / "home")["x.txt"].title == "Ікс"
    for content, expected in ((b"[{", "invalid JSON"), (b"\xff\xfe\x00", "not UTF-8"), (b'{"a": 1}', "expected")):
        meta.write_bytes(content)
        result = ingest(tmp_path / "home2", tmp_path / "in", "--meta", meta)
        assert result.returncode == 1 and expected in result.stderr, result.stderr


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["title", "doc_type", "date", "language", "collection", "classification",
                                        "source", "consent_ref", "bogus"]),
                       st.one_of(st.text(max_size=40), st.integers(), st.none(), st.lists(st.text(max_size=5)))))
def test_any_row_is_accepted_or_refused_with_a_metadata_error(row):
    try:
        meta = ItemMeta.from_mapping(row)
    except MetadataError as exc:
        assert str(exc)
    else:
        assert meta.doc_type in (None, "testimony", "court_decision", "indictment", "medical_record", "letter",
                                 "list", "photo", "video", "audio", "email", "archive", "other")
