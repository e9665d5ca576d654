"""Fixtures for the deployment tests: a small fictional corpus and a second empty PostgreSQL database."""
from __future__ import annotations

import contextlib
import secrets
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_ADMIN

#: fictional letters and decisions (invented people and places; public-record facility names only)
LETTERS = {
    "letter-uk.txt": "Лист від Коваленка Івана Петровича, затриманого 14.03.2022 у Мелітополі. "
                     "Його перевезли до СІЗО-2 у Таганрозі.\fДруга сторінка: Коваленко просить передати ліки.",
    "decision-ru.txt": "Решение суда по делу Коваленко Ивана Петровича от 2 июня 2023 года. "
                       "Приговорён к 12 годам колонии строгого режима.",
    "statement-en.txt": "Statement of Olena Marchuk about her brother Taras Marchuk, detained in Olenivka "
                        "in April 2022.\fPage two: Taras was later moved to an unknown facility.",
    "list.txt": "Список: Марчук Тарас; Коваленко Іван; Бондар Степан (Оленівка).",
}


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in LETTERS.items():
        (folder / name).write_text(body, encoding="utf-8")
    return folder


@contextlib.contextmanager
def empty_postgres():
    """Another fresh PostgreSQL database (the conftest fixture gives one per test), dropped afterwards."""
    name = f"svidok_test_{secrets.token_hex(6)}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def corpus(tmp_path) -> Path:
    return write_corpus(tmp_path / "corpus")
