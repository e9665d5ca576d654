"""Engine, sessions and migrations.

SQLite (WAL) by default, PostgreSQL by URL. Functions elsewhere take a ``Session`` and never commit; the
caller owns the transaction (``with db.sessions.begin() as session:``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from .settings import Settings

MIGRATIONS = Path(__file__).with_name("migrations")


@dataclass
class Database:
    engine: Engine
    #: for work that writes: on SQLite the transaction takes the write lock when it begins
    sessions: sessionmaker[Session]
    #: for reading only: never takes the write lock, so readers do not queue behind an ingest
    reader: sessionmaker[Session]

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()


def connect(settings: Settings, *, upgrade: bool = False) -> Database:
    """Open the database; with ``upgrade`` apply pending migrations first (``serve``/``ingest`` do)."""
    url = settings.database_url
    if url.startswith("sqlite"):
        settings.ensure_home()
        engine = create_engine(url, connect_args={"timeout": 60})
        _sqlite_pragmas(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    db = Database(engine, sessionmaker(engine, expire_on_commit=False),
                  sessionmaker(engine.execution_options(svidok_readonly=True), expire_on_commit=False))
    if upgrade:
        upgrade_schema(db)
    from .keys import install_column_key, load_keyring

    install_column_key(engine, load_keyring(settings))  # encrypted columns (Page.text) need it
    return db


def _sqlite_pragmas(engine: Engine) -> None:
    # pysqlite's own transaction handling starts transactions lazily and upgrades read locks to write locks,
    # which deadlocks two writers under WAL. Take the write lock when the transaction starts instead, and
    # wait for it (busy_timeout) rather than fail.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        readonly = conn.get_execution_options().get("svidok_readonly")
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = db.engine
    return cfg


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def upgrade_schema(db: Database) -> None:
    if current_revision(db) != head_revision():
        command.upgrade(alembic_config(db), "head")
