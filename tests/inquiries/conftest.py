"""Fixtures: an app on an empty archive with an organisation key (cheap passphrase hashing, for speed)."""
from __future__ import annotations

import pytest

from archive_schema import accounts, inquiries
from archive_schema.settings import Settings
from search_api import create_app

PASSPHRASE = "staff passphrase for tests"


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings.from_env({"SVIDOK_HOME": str(tmp_path / "home")})


@pytest.fixture
def app(settings):
    app = create_app(settings, processing="inline", config={"TESTING": True})
    with app.extensions["svidok"].db.sessions.begin() as session:
        inquiries.create_key(session, PASSPHRASE, opslimit=1, memlimit=8192)
    yield app
    app.extensions["svidok"].close()


@pytest.fixture
def public(app):
    return app.test_client()


def staff_client(app, role: str = "admin"):
    with app.extensions["svidok"].db.sessions.begin() as session:
        user = accounts.create_user(session, f"staff-{role}", role, None)
        _row, token = accounts.create_token(session, user, "tests")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def staff(app):
    return staff_client(app)


INQUIRY = {"relative_name": "Коваленко Іван Петрович", "category": "civilian_detainee", "birth_date": "1980-02-03",
           "last_known_place": "СІЗО-2, Таганрог", "circumstances": "Затриманий на блокпосту біля Василівки",
           "contact_preference": "email", "contact": "relative@example.org"}


def file(public, **changes) -> str:
    response = public.post("/api/v1/inquiries", json={**INQUIRY, **changes})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["access_code"]
