"""Fixtures for the API: a fresh app per test on an empty SVIDOK_HOME, processing uploads inline.

``client`` acts as a signed-in admin (an API token); ``anonymous`` sends no credentials.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from archive_schema.settings import Settings
from search_api import create_app

from .helpers import client_for


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def app(home):
    app = create_app(Settings.from_env({"SVIDOK_HOME": str(home)}), processing="inline")
    yield app
    app.extensions["svidok"].close()


@pytest.fixture
def client(app):
    return client_for(app, "admin-tester", "admin")


@pytest.fixture
def anonymous(app):
    return app.test_client()
