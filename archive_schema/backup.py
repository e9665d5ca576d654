"""Backups: a consistent snapshot of the database and the blobs, verified by hashes on restore.

A backup is a folder::

    manifest.json          what is in it: schema revision, database format, row counts, blob count, the
                           encryption key ids it needs, and the SHA-256 and size of every other file
    manifest.sha256        the SHA-256 of manifest.json (so the manifest itself cannot be changed unnoticed)
    database/svidok.db     SQLite: a copy made with SQLite's online backup API (one consistent snapshot), or
    database/<table>.jsonl PostgreSQL: every row of every table, read in ONE repeatable-read, read-only
                           transaction (one snapshot), one JSON array per row, tables in foreign-key order
    blobs/ab/<sha256>      every blob as stored (encrypted bytes stay encrypted)

Keys are never part of a backup: the manifest only names the key ids the blobs need.

Consistency: the database is snapshotted first, then the blobs are copied. Blobs are immutable and written
before the row that names them commits, so every blob the snapshot refers to exists when the copy runs (this is
checked); blobs stored after the snapshot may be copied too and are harmless.

The PostgreSQL dump is done in Python rather than by ``pg_dump``: the client must not be older than the server
(Debian bookworm's pg_dump 15 refuses a PostgreSQL 16/17 server), and rows in JSON restore into either database.

Restore refuses a database that holds rows, a blob store that holds blobs, and a home with a search index or a
SQLite database in it; it verifies every hash before writing anything, loads the rows into a database upgraded
to the backup's schema revision, upgrades it to the current one, copies the blobs, and leaves the search index
to be rebuilt from SQL, which ``restore`` does last.
"""
from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import MetaData, Table, bindparam, create_engine, func, select, text

from . import audit
from .blobs import CHUNK, LocalBlobStore, S3BlobStore, open_blobs
from .db import Database, alembic_config, connect, current_revision, head_revision, upgrade_schema
from .keys import KEY_ID_BYTES, KeyProblem, install_column_key, key_id, load_keyring
from .models import EvidenceItem
from .search.backend import open_search
from .search.sync import reindex
from .settings import Settings

FORMAT = "svidok-backup"
VERSION = 1
MANIFEST, MANIFEST_HASH = "manifest.json", "manifest.sha256"
SQLITE_FILE = "database/svidok.db"
SKIP_TABLES = {"alembic_version"}  # written by `db upgrade` on restore
BATCH = 1000
#: (table, column names, rows) per table, in foreign-key order
RowSource = Iterator[tuple[str, list[str], Iterator[list[Any]]]]
DATA_KEY_TABLE = "data_key"  # master-key-wrapped data keys (archive_schema.keys)


class BackupError(Exception):
    """A backup that cannot be made, or a backup (or target) that restore refuses; the message says why."""


@dataclass
class Report:
    path: Path
    tables: dict[str, int] = field(default_factory=dict)
    blobs: int = 0
    files: int = 0
    bytes: int = 0
    key_ids: list[str] = field(default_factory=list)
    indexed_pages: int | None = None


# --- hashing ----------------------------------------------------------------------------------------------------

def _sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# --- row values in JSON -----------------------------------------------------------------------------------------

def _encode(value: Any) -> Any:
    """A column value as JSON; values JSON has no type for are tagged (and dicts/lists too, so no tag is forged)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, (dict, list)):
        return {"$json": value}
    return str(value)  # UUID and the like: their text form is what the column stores


_DECODE: dict[str, Callable[[Any], Any]] = {
    "$datetime": dt.datetime.fromisoformat, "$date": dt.date.fromisoformat,
    "$bytes": lambda v: base64.b64decode(v), "$decimal": decimal.Decimal, "$json": lambda v: v,
}


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        (tag, inner), = value.items()
        return _DECODE[tag](inner)
    return value


# --- blobs as stored --------------------------------------------------------------------------------------------

def _blob_reader(store, sha256: str):
    """The blob's bytes exactly as the store holds them (ciphertext when encrypted)."""
    if isinstance(store, LocalBlobStore):
        return store.path(sha256).open("rb")
    if isinstance(store, S3BlobStore):
        return store.client.get_object(Bucket=store.bucket, Key=store.key(sha256))["Body"]
    raise BackupError(f"cannot back up blobs from {type(store).__name__}")


def _blob_write(store, sha256: str, source: Path) -> None:
    """Put the stored bytes back under their name, as they were (no re-hashing, no re-encryption)."""
    if isinstance(store, LocalBlobStore):
        final = store.path(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=store.tmp, prefix=f"{os.getpid()}-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                shutil.copyfileobj(src, out, CHUNK)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o440)
            os.replace(tmp, final)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return
    if isinstance(store, S3BlobStore):
        with source.open("rb") as src:
            store.client.upload_fileobj(src, store.bucket, store.key(sha256),
                                        ExtraArgs={"Metadata": {"sha256": sha256}})
        return
    raise BackupError(f"cannot restore blobs into {type(store).__name__}")


def _key_ids(store, names: Iterable[str], rows: RowSource) -> list[str]:
    """The master key ids the backup needs: those wrapping the blobs' data keys and the database's data keys."""
    ids = {k for k in (store.key_id_of(n) for n in names) if k}
    for table, columns, values in rows:
        if table == DATA_KEY_TABLE:
            at = columns.index("wrapped")
            ids |= {bytes(row[at])[:KEY_ID_BYTES].hex() for row in values}
    return sorted(ids)


def _check_keys(settings: Settings, needed: list[str]) -> None:
    """Refuse before writing anything when the master keys the backup needs are not configured."""
    if not needed:
        return
    try:
        keyring = load_keyring(settings, create=False)
    except KeyProblem as exc:
        raise BackupError(f"the backup needs master key {', '.join(needed)} and none is configured ({exc}); set "
                          "SVIDOK_MASTER_KEY or SVIDOK_MASTER_KEY_FILE, or put the key file in the new home") from None
    have = {key_id(k).hex() for k in (keyring.current, *keyring.others)}
    if missing := [k for k in needed if k not in have]:
        raise BackupError(f"the backup needs master key {', '.join(missing)}, but the configured key is "
                          f"{keyring.current_id.hex()}; configure the key the backup was made under")


# --- backup -----------------------------------------------------------------------------------------------------

def backup(settings: Settings, dest: Path, *, actor: str = audit.SYSTEM) -> Report:
    """Write a backup of the archive described by ``settings`` into ``dest`` (which must not exist or be empty).

    The backup is built in a temporary folder beside ``dest`` and renamed into place when complete, so a
    folder named ``dest`` is always a whole backup.
    """
    dest = Path(dest).resolve()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} exists and is not an empty folder; choose a new path")
    database = connect(settings, upgrade=True)
    store = open_blobs(settings)
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    try:
        with database.sessions.begin() as session:  # the backup is part of the record it copies
            audit.record(session, "backup.create", actor=actor, object_type="archive",
                         details={"path": str(dest)})
        report = Report(dest)
        revision = current_revision(database)
        if database.is_sqlite:
            db_format, item_hashes = "sqlite", _dump_sqlite(database, work, report)
        else:
            db_format, item_hashes = "jsonl", _dump_rows(database, work, report)
        names = _copy_blobs(store, work / "blobs", report)
        missing = item_hashes - set(names)
        if missing:
            raise BackupError(f"{len(missing)} blob(s) named by the database are not in the blob store, "
                              f"e.g. {sorted(missing)[0]}; the archive is damaged (no backup written)")
        if db_format == "sqlite":
            snapshot = _open_snapshot(work / SQLITE_FILE)
            try:
                report.key_ids = _key_ids(store, names, _rows_from_sqlite(snapshot))
            finally:
                snapshot.dispose()
        else:
            report.key_ids = _key_ids(store, names, _rows_from_jsonl(work / "database"))
        files = {}
        for path in sorted(p for p in work.rglob("*") if p.is_file()):
            sha256, size = _sha256_file(path)
            files[path.relative_to(work).as_posix()] = {"sha256": sha256, "size": size}
            report.files += 1
            report.bytes += size
        manifest = {
            "format": FORMAT, "version": VERSION,
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "schema_revision": revision,
            "database": {"dialect": database.engine.dialect.name, "format": db_format, "tables": report.tables},
            "blobs": {"count": report.blobs, "store": settings.blob_url.split(":", 1)[0]},
            "encryption": {"key_ids": report.key_ids},
            "files": files,
        }
        body = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False).encode("utf-8")
        (work / MANIFEST).write_bytes(body)
        (work / MANIFEST_HASH).write_text(hashlib.sha256(body).hexdigest() + "\n", encoding="ascii")
        if dest.exists():
            dest.rmdir()
        os.replace(work, dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        database.dispose()
    return report


def _dump_sqlite(database: Database, work: Path, report: Report) -> set[str]:
    target = work / SQLITE_FILE
    target.parent.mkdir(parents=True)
    source_path = database.engine.url.database
    src = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=60)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # one consistent snapshot, even while others write
        dst.execute("PRAGMA journal_mode=DELETE")  # a single file: reading it later leaves no -wal/-shm beside it
    finally:
        src.close()
        dst.close()
    snapshot = _open_snapshot(target)
    try:
        meta = MetaData()
        meta.reflect(snapshot)
        with snapshot.connect() as conn:
            for table in meta.sorted_tables:
                if table.name not in SKIP_TABLES:
                    report.tables[table.name] = conn.scalar(select(func.count()).select_from(table))
            return set(conn.scalars(select(meta.tables[EvidenceItem.__tablename__].c.sha256)))
    finally:
        snapshot.dispose()


def _open_snapshot(path: Path):
    """A backup's SQLite file, read-only and immutable: opening it writes nothing beside it."""
    return create_engine(f"sqlite:///file:{path}?mode=ro&immutable=1&uri=true")


def _dump_rows(database: Database, work: Path, report: Report) -> set[str]:
    folder = work / "database"
    folder.mkdir(parents=True)
    item_hashes: set[str] = set()
    meta = MetaData()
    with database.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        conn.execute(text("SET TRANSACTION READ ONLY"))
        meta.reflect(conn)  # inside the snapshot: tables as they are in it
        columns = {}
        for table in meta.sorted_tables:
            if table.name in SKIP_TABLES:
                continue
            names = [c.name for c in table.columns]
            columns[table.name] = names
            count = 0
            order = list(table.primary_key.columns) or list(table.columns)
            result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(
                select(table).order_by(*order))
            with (folder / f"{table.name}.jsonl").open("w", encoding="utf-8") as out:
                for row in result:
                    out.write(json.dumps([_encode(v) for v in row], ensure_ascii=False) + "\n")
                    count += 1
                    if table.name == EvidenceItem.__tablename__:
                        item_hashes.add(row._mapping["sha256"])
            report.tables[table.name] = count
        conn.rollback()
    (folder / "columns.json").write_text(json.dumps(columns, indent=1), encoding="utf-8")
    return item_hashes


def _copy_blobs(store, folder: Path, report: Report) -> list[str]:
    names = []
    for sha256 in store:
        target = folder / sha256[:2] / sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        with _blob_reader(store, sha256) as src, target.open("wb") as out:
            while chunk := src.read(CHUNK):
                out.write(chunk)
        names.append(sha256)
        report.blobs += 1
    return names


# --- verify -----------------------------------------------------------------------------------------------------

def verify(path: Path) -> dict:
    """Check the manifest's own hash and every file against the manifest; return the manifest or raise."""
    path = Path(path)
    if not (path / MANIFEST).is_file():
        raise BackupError(f"{path} is not a svidok backup (no {MANIFEST})")
    body = (path / MANIFEST).read_bytes()
    try:
        expected = (path / MANIFEST_HASH).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        raise BackupError(f"{path}: {MANIFEST_HASH} is missing or unreadable") from None
    if hashlib.sha256(body).hexdigest() != expected:
        raise BackupError(f"{path}: {MANIFEST} does not match {MANIFEST_HASH} (the manifest was changed)")
    try:
        manifest = json.loads(body)
    except ValueError:
        raise BackupError(f"{path}: {MANIFEST} is not valid JSON") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(f"{path}: not a {FORMAT} version {VERSION} backup")
    listed = manifest["files"]
    present = {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()} - {MANIFEST, MANIFEST_HASH}
    if missing := sorted(set(listed) - present):
        raise BackupError(f"{path}: {len(missing)} file(s) listed in the manifest are missing, e.g. {missing[0]}")
    if extra := sorted(present - set(listed)):
        raise BackupError(f"{path}: {len(extra)} file(s) not in the manifest, e.g. {extra[0]}")
    for name in sorted(listed):
        sha256, size = _sha256_file(path / name)
        if (sha256, size) != (listed[name]["sha256"], listed[name]["size"]):
            raise BackupError(f"{path}: {name} does not match its SHA-256 in the manifest (corrupted or changed); "
                              "nothing was restored")
    return manifest


# --- restore ----------------------------------------------------------------------------------------------------

def restore(settings: Settings, path: Path, *, actor: str = audit.SYSTEM) -> Report:
    """Restore the backup at ``path`` into the empty archive ``settings`` describe, and rebuild its search index."""
    path = Path(path).resolve()
    manifest = verify(path)
    revision = manifest["schema_revision"]
    _check_revision_known(revision)
    _check_keys(settings, manifest["encryption"]["key_ids"])
    _check_home_empty(settings)
    database = connect(settings)
    try:
        _check_database_empty(database)
        store = open_blobs(settings)
        if next(iter(store), None) is not None:
            raise BackupError(f"the blob store {settings.blob_url} already holds blobs; restore needs an empty one")
        report = Report(path, tables=dict(manifest["database"]["tables"]),
                        key_ids=list(manifest["encryption"]["key_ids"]))
        if manifest["database"]["format"] == "sqlite" and database.is_sqlite:
            _restore_sqlite_file(database, path / SQLITE_FILE)
        elif manifest["database"]["format"] == "sqlite":
            snapshot = _open_snapshot(path / SQLITE_FILE)
            try:
                _load_rows(database, revision, _rows_from_sqlite(snapshot))
            finally:
                snapshot.dispose()
        else:
            _load_rows(database, revision, _rows_from_jsonl(path / "database"))
        upgrade_schema(database)
        _analyze(database)
        # the restored database's column key (wrapped in its data_key table) is the one to read and write with
        install_column_key(database.engine, load_keyring(settings))
        for name in manifest["files"]:
            if name.startswith("blobs/"):
                _blob_write(store, name.rsplit("/", 1)[-1], path / name)
                report.blobs += 1
        with database.sessions.begin() as session:
            audit.record(session, "backup.restore", actor=actor, object_type="archive",
                         details={"path": str(path), "created_at": manifest["created_at"]})
        backend = open_search(settings.search_url, settings.home)
        try:
            report.indexed_pages = reindex(database, backend)
        finally:
            backend.close()
    finally:
        database.dispose()
    return report


def _analyze(database: Database) -> None:
    """Planner statistics for the rows just loaded, before anything reads them.

    PostgreSQL gathers them on its own only a while after a bulk load; until then it guesses, and the rebuild's
    reads of the mentions of a group of items (sync.page_docs) scanned the whole table each time: at a million
    pages, 2,939 pages/s read before ANALYZE, 10,314 after.
    """
    with database.engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def _check_revision_known(revision: str | None) -> None:
    from alembic.script import ScriptDirectory

    from .db import MIGRATIONS

    if revision is None:
        raise BackupError("the backup has no schema revision")
    try:
        ScriptDirectory(str(MIGRATIONS)).get_revision(revision)
    except Exception:
        raise BackupError(f"the backup is at schema revision {revision}, which this version of svidok does not "
                          f"know (newest: {head_revision()}); restore it with a newer svidok") from None


def _check_home_empty(settings: Settings) -> None:
    home = settings.home
    index = home / "index"
    if index.exists() and any(index.iterdir()):
        raise BackupError(f"{home} already has a search index ({index}); restore into an empty home")
    if settings.database_url.startswith("sqlite"):
        db_file = Path(settings.database_url.split("///", 1)[1])
        if db_file.exists() and db_file.stat().st_size:
            probe = create_engine(f"sqlite:///{db_file}")
            try:
                _check_database_empty(Database(probe, None, None))  # type: ignore[arg-type]
            finally:
                probe.dispose()


def _check_database_empty(database: Database) -> None:
    meta = MetaData()
    meta.reflect(database.engine)
    with database.engine.connect() as conn:
        for table in meta.sorted_tables:
            if table.name in SKIP_TABLES:
                continue
            if conn.scalar(select(func.count()).select_from(table)):
                raise BackupError(f"the database {database.engine.url.render_as_string(hide_password=True)} "
                                  f"is not empty (table {table.name} has rows); restore needs an empty one")


def _restore_sqlite_file(database: Database, source: Path) -> None:
    target = database.engine.url.database
    database.engine.dispose()
    src = sqlite3.connect(f"file:{source}?mode=ro&immutable=1", uri=True)
    dst = sqlite3.connect(target, timeout=60)
    try:
        src.backup(dst)  # replaces the whole target database, WAL included
    finally:
        src.close()
        dst.close()


def _rows_from_sqlite(engine) -> RowSource:
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            if table.name not in SKIP_TABLES:
                yield table.name, [c.name for c in table.columns], (list(r) for r in conn.execute(select(table)))


def _rows_from_jsonl(folder: Path) -> RowSource:
    columns = json.loads((folder / "columns.json").read_text(encoding="utf-8"))
    for name, names in columns.items():  # written in foreign-key order
        def rows(file=folder / f"{name}.jsonl"):
            with file.open(encoding="utf-8") as fh:
                for line in fh:
                    yield [_decode(v) for v in json.loads(line)]
        yield name, names, rows()


def _load_rows(database: Database, revision: str, source: RowSource) -> None:
    """Insert every row into a database upgraded to ``revision``, in foreign-key order, in one transaction.

    A column referring to its own table (an item derived from another, an entity merged into another) is
    written in a second pass, so the order of rows within a table does not matter.
    """
    command.upgrade(alembic_config(database), revision)
    meta = MetaData()
    meta.reflect(database.engine)
    with database.engine.begin() as conn:
        for name, names, rows in source:
            if name not in meta.tables:
                raise BackupError(f"table {name} of the backup does not exist at revision {revision}")
            table: Table = meta.tables[name]
            self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
            later: list[dict[str, Any]] = []
            batch: list[dict[str, Any]] = []
            for row in rows:
                values = dict(zip(names, row))
                if any(values.get(c) is not None for c in self_refs):
                    later.append({c: values[c] for c in [*(k.name for k in table.primary_key), *self_refs]})
                    values.update({c: None for c in self_refs})
                batch.append(values)
                if len(batch) >= BATCH:
                    conn.execute(table.insert(), batch)
                    batch = []
            if batch:
                conn.execute(table.insert(), batch)
            if later:
                pk = [k.name for k in table.primary_key]
                stmt = table.update().where(*(table.c[k] == bindparam(f"pk_{k}") for k in pk)).values(
                    {c: bindparam(f"v_{c}") for c in self_refs})
                conn.execute(stmt, [{**{f"pk_{k}": r[k] for k in pk}, **{f"v_{c}": r[c] for c in self_refs}}
                                    for r in later])
        if database.engine.dialect.name == "postgresql":
            _reset_sequences(conn, meta)


def _reset_sequences(conn, meta: MetaData) -> None:
    """Explicit ids were inserted: move each serial/identity sequence past the largest one."""
    for table in meta.sorted_tables:
        for column in table.primary_key.columns:
            seq = conn.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name})
            if seq:
                conn.execute(text(f'SELECT setval(:s, COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) '
                                  "+ 1, false)"), {"s": seq})


__all__ = ["BackupError", "Report", "backup", "restore", "verify"]
