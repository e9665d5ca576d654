"""A fresh PostgreSQL database for one benchmark run, on the local server (or $SVIDOK_TEST_POSTGRES's)."""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable

PG_ADMIN = os.environ.get("SVIDOK_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def fresh_database() -> tuple[str, Callable[[], None]]:
    """(URL of a new empty database, function dropping it afterwards)."""
    from sqlalchemy import create_engine, text

    name = f"svidok_bench_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", drop
