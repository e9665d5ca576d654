"""svidok backup / svidok restore: a round trip on SQLite and PostgreSQL gives the same search results and the
same audit chain; a changed byte, a non-empty target or a missing key is refused before anything is written."""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from search_api.cli import cli
from tests.deploy.conftest import empty_postgres

QUERIES = ["Коваленко", "Kovalenko", "Marchuk OR Марчук", '"колонії строгого"', "Оленівка"]


def svidok(env: dict[str, str], *args: str):
    result = CliRunner(env=env).invoke(cli, list(args), catch_exceptions=False)
    return result


def searches(env) -> dict:
    out = {}
    for query in QUERIES:
        result = svidok(env, "search", query, "--json", "--facet", "doc_type", "--facet", "language")
        assert result.exit_code == 0, result.output
        found = json.loads(result.output)
        found.pop("took_ms")
        out[query] = found
    return out


def link_first_item_to_the_last(env) -> None:
    from sqlalchemy import select, update

    from archive_schema.db import connect
    from archive_schema.models import EvidenceItem
    from archive_schema.settings import Settings

    database = connect(Settings.from_env(env))
    try:
        with database.sessions.begin() as session:
            ids = list(session.scalars(select(EvidenceItem.id).order_by(EvidenceItem.id)))
            session.execute(update(EvidenceItem).where(EvidenceItem.id == ids[0]).values(derived_from_id=ids[-1]))
    finally:
        database.dispose()


def derived_from(env) -> dict[str, str | None]:
    from sqlalchemy import select

    from archive_schema.db import connect
    from archive_schema.models import EvidenceItem
    from archive_schema.settings import Settings

    database = connect(Settings.from_env(env))
    try:
        with database.reader() as session:
            return dict(session.execute(select(EvidenceItem.id, EvidenceItem.derived_from_id)).all())
    finally:
        database.dispose()


def audit_rows(env) -> list[tuple]:
    from sqlalchemy import select

    from archive_schema.db import connect
    from archive_schema.models import AuditEvent
    from archive_schema.settings import Settings

    database = connect(Settings.from_env(env))
    try:
        with database.reader() as session:
            return [tuple(row) for row in session.execute(
                select(AuditEvent.seq, AuditEvent.action, AuditEvent.object_id, AuditEvent.at, AuditEvent.hash)
                .order_by(AuditEvent.seq))]
    finally:
        database.dispose()


def analysed_tables(env) -> set[str]:
    """The tables the database's query planner has statistics for (ANALYZE has run on them)."""
    from sqlalchemy import create_engine, text

    from archive_schema.settings import Settings

    url = Settings.from_env(env).database_url
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if url.startswith("sqlite"):
                return set(conn.execute(text("SELECT tbl FROM sqlite_stat1")).scalars())
            return set(conn.execute(text("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL "
                                         "OR last_autoanalyze IS NOT NULL")).scalars())
    finally:
        engine.dispose()


@contextlib.contextmanager
def database_url(kind: str):
    if kind == "sqlite":
        yield None
    else:
        with empty_postgres() as url:
            yield url


def make_env(home: Path, url: str | None, **more: str) -> dict[str, str]:
    env = {"SVIDOK_HOME": str(home), "SVIDOK_STAGES": "extract", **more}  # NLP models would add ~30 s
    if url:
        env["SVIDOK_DATABASE_URL"] = url
    return env


@pytest.fixture(params=["sqlite", "postgresql"])
def archive(request, tmp_path, corpus):
    """An archive with the fictional corpus ingested; yields (env, backup path)."""
    with database_url(request.param) as url:
        env = make_env(tmp_path / "home", url)
        ingested = svidok(env, "ingest", str(corpus), "--collection", "letters")
        assert ingested.exit_code == 0, ingested.output
        yield env, tmp_path


def test_round_trip_gives_identical_search_results_and_audit_chain(archive, request):
    env, tmp = archive
    link_first_item_to_the_last(env)  # a row referring to a later row of its own table must restore too
    before = searches(env)
    assert before["Коваленко"]["total_items"] >= 2  # the test means something: the query finds the letters
    made = svidok(env, "backup", str(tmp / "backup"))
    assert made.exit_code == 0, made.output
    manifest = json.loads((tmp / "backup" / "manifest.json").read_text("utf-8"))
    assert manifest["database"]["tables"]["evidence_item"] == 4 and manifest["blobs"]["count"] == 4
    # every file of the backup is listed with its hash; no key material is among them
    files = {p.relative_to(tmp / "backup").as_posix() for p in (tmp / "backup").rglob("*") if p.is_file()}
    assert files - {"manifest.json", "manifest.sha256"} == set(manifest["files"])
    key_file = Path(env["SVIDOK_HOME"]) / "keys" / "master.key"
    key = key_file.read_bytes()
    assert all(key.strip() not in (tmp / "backup" / f).read_bytes() for f in manifest["files"])
    assert manifest["encryption"]["key_ids"], "the blobs are encrypted, so the backup names the key it needs"
    source_audit = audit_rows(env)

    with database_url(request.node.callspec.params["archive"]) as url:
        target = make_env(tmp / "restored", url, SVIDOK_MASTER_KEY_FILE=str(key_file))  # the key, kept apart
        # in a process of its own, as an operator runs it: nothing of the source archive is loaded in it
        restored = subprocess.run([sys.executable, "-m", "search_api.cli", "restore", str(tmp / "backup")],
                                  env={**os.environ, **target}, capture_output=True, text=True, timeout=300)
        assert restored.returncode == 0, restored.stderr[-3000:]
        assert "search index rebuilt" in restored.stdout
        assert searches(target) == before
        assert derived_from(target) == derived_from(env)
        # the chain as it was, plus one event recording the restore; and it verifies
        after = audit_rows(target)
        assert after[:len(source_audit)] == source_audit
        assert [a[1] for a in after[len(source_audit):]] == ["backup.restore"]
        verified = svidok(target, "audit", "verify")
        assert verified.exit_code == 0, verified.output
        # the loaded rows have planner statistics before anything reads them
        assert {"page", "evidence_item"} <= analysed_tables(target)
        # originals read back byte for byte through the restored store (encrypted blobs, the configured key)
        from archive_schema.blobs import open_blobs
        from archive_schema.settings import Settings

        store = open_blobs(Settings.from_env(target))
        for sha256 in store:
            with store.open(sha256) as fh:
                assert hashlib.sha256(fh.read()).hexdigest() == sha256
        # a second restore into the now non-empty archive is refused
        again = svidok(target, "restore", str(tmp / "backup"))
        assert again.exit_code == 1 and "restore refused" in again.output and "empty home" in again.output
        shutil.rmtree(Path(target["SVIDOK_HOME"]) / "index")
        again = svidok(target, "restore", str(tmp / "backup"))
        assert again.exit_code == 1 and "is not empty (table" in again.output


@pytest.fixture
def sqlite_backup(tmp_path, corpus):
    env = make_env(tmp_path / "home", None, SVIDOK_STAGES="extract")
    assert svidok(env, "ingest", str(corpus)).exit_code == 0
    assert svidok(env, "backup", str(tmp_path / "backup")).exit_code == 0
    return env, tmp_path / "backup"


@pytest.mark.parametrize("victim", ["blob", "database", "manifest"])
def test_one_changed_byte_is_refused_and_nothing_is_restored(sqlite_backup, tmp_path, victim):
    env, backup = sqlite_backup
    if victim == "blob":
        path = next(p for p in (backup / "blobs").rglob("*") if p.is_file())
    elif victim == "database":
        path = backup / "database" / "svidok.db"
    else:
        path = backup / "manifest.json"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    target = make_env(tmp_path / "restored", None,
                      SVIDOK_MASTER_KEY_FILE=str(Path(env["SVIDOK_HOME"]) / "keys" / "master.key"))
    result = svidok(target, "restore", str(backup))
    assert result.exit_code == 1
    assert "restore refused" in result.output
    if victim == "manifest":
        assert "manifest.json does not match manifest.sha256" in result.output
    else:
        assert f"{path.relative_to(backup).as_posix()} does not match its SHA-256" in result.output
    assert not (tmp_path / "restored" / "svidok.db").exists() and not (tmp_path / "restored" / "blobs").exists()


def test_restore_without_the_master_key_is_refused(sqlite_backup, tmp_path):
    _, backup = sqlite_backup
    result = svidok(make_env(tmp_path / "restored", None), "restore", str(backup))
    assert result.exit_code == 1
    assert "needs master key" in result.output and "none is configured" in result.output
    other = tmp_path / "other.key"
    other.write_text("a" * 64 + "\n")
    other.chmod(0o600)
    result = svidok(make_env(tmp_path / "restored", None, SVIDOK_MASTER_KEY_FILE=str(other)), "restore", str(backup))
    assert result.exit_code == 1 and "needs master key" in result.output


def test_backup_into_an_existing_folder_is_refused_and_extra_files_are_noticed(sqlite_backup, tmp_path):
    env, backup = sqlite_backup
    result = svidok(env, "backup", str(backup))
    assert result.exit_code == 1 and "not an empty folder" in result.output
    (backup / "blobs" / "stray.bin").write_bytes(b"not from the archive")
    target = make_env(tmp_path / "restored", None,
                      SVIDOK_MASTER_KEY_FILE=str(Path(env["SVIDOK_HOME"]) / "keys" / "master.key"))
    result = svidok(target, "restore", str(backup))
    assert result.exit_code == 1 and "not in the manifest" in result.output
