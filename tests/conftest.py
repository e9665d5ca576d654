"""Shared fixtures. Storage fixtures run against SQLite and the real PostgreSQL server on 127.0.0.1:5432.

PostgreSQL is required, not optional: a missing server fails these tests (set SVIDOK_TEST_POSTGRES to another
server's admin URL to use it).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from archive_schema.settings import Settings

PG_ADMIN = os.environ.get("SVIDOK_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def make_settings(home: Path, **env: str) -> Settings:
    return Settings.from_env({"SVIDOK_HOME": str(home), **env})


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"svidok_test_{secrets.token_hex(6)}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - environment problem, reported plainly
        pytest.fail(f"PostgreSQL at {PG_ADMIN} is needed for the storage tests: {exc}")
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path) -> Settings:
    """Settings for an empty archive on each database the code supports."""
    env = {}
    if request.param == "postgresql":
        env["SVIDOK_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    return make_settings(tmp_path / "home", **env)


@pytest.fixture
def sqlite_settings(tmp_path) -> Settings:
    return make_settings(tmp_path / "home")


@pytest.fixture
def ctx(settings):
    from ingest.pipeline import Context

    context = Context.open(settings)
    yield context
    context.close()
