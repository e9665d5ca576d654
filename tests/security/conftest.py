"""A small archive for the access tests, built once: one item per classification inside a case and one outside,
and one user per role, each once as a member of the case and once not.

Text is extracted but not analysed (``SVIDOK_STAGES=extract``): these tests are about who sees what.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from archive_schema import cases, policy
from archive_schema.accounts import Role
from search_api import create_app
from tests.api.helpers import client_for, make_user, uploaded
from tests.conftest import make_settings

CLASSIFICATIONS = ("public", "confidential", "under_seal")
ROLES = tuple(r.value for r in Role)
#: every kind of actor: anonymous, and each role outside and inside the case
ACTORS = ("anonymous", *ROLES, *(f"{r}-member" for r in ROLES))


def expected_to_see(actor: str, classification: str, in_case: bool) -> bool:
    """The issue's matrix, written out here independently of ``archive_schema.policy``."""
    if actor == "anonymous":
        return classification == "public"  # published material: listed, read and downloaded without signing in
    role, member = actor.removesuffix("-member"), actor.endswith("-member")
    if role == "admin":
        return True
    if member and in_case:
        return True  # every exhibit of one's own case, under_seal ones included
    if classification == "public":
        return True
    return classification == "confidential" and role in ("archivist", "investigator")


@dataclass
class World:
    app: object
    home: Path
    case_id: str
    exhibit_id: str
    #: (classification, in_case) -> item id
    items: dict[tuple[str, bool], str]
    clients: dict[str, object] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


def security_app(home: Path):
    return create_app(make_settings(home, SVIDOK_STAGES="extract"), processing="inline")


@pytest.fixture(scope="package")
def world(tmp_path_factory) -> World:
    home = tmp_path_factory.mktemp("security") / "home"
    app = security_app(home)
    admin = client_for(app, "root", "admin")
    items = {}
    for classification in CLASSIFICATIONS:
        for in_case in (True, False):
            text = f"Fictional statement {classification} {'in' if in_case else 'outside'} the case.\n".encode()
            (entry,) = uploaded(admin, (text, f"{classification}-{in_case}.txt"), classification=classification,
                                title=f"{classification} {in_case}")
            items[(classification, in_case)] = entry["id"]
    with policy.acting_as(policy.operator()), app.extensions["svidok"].db.sessions.begin() as session:
        case = cases.create_case(session, forum="echr", title="Fictional v. Nowhere")
        exhibits = [cases.add_exhibit(session, case.id, items[(c, True)]) for c in CLASSIFICATIONS]
        case_id, exhibit_id = case.id, exhibits[0].id
    from ingest.pipeline import index_pending

    index_pending(app.extensions["svidok"])  # exhibits are indexed with their case, as the API and CLI do
    world = World(app, home, case_id, exhibit_id, items)
    world.clients["anonymous"] = app.test_client()
    for role in ROLES:
        world.tokens[role] = make_user(app, role, role)
        world.tokens[f"{role}-member"] = make_user(app, f"{role}-member", role, cases={case_id: "lead"})
    for name, token in world.tokens.items():
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        world.clients[name] = client
    yield world
    app.extensions["svidok"].close()


@pytest.fixture
def fresh_app(tmp_path):
    """An empty archive of one's own, for tests that change accounts, the throttle or the audit chain."""
    app = security_app(tmp_path / "home")
    yield app
    app.extensions["svidok"].close()


_CSRF_INPUT = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


def csrf_for(client) -> str | None:
    """The CSRF token of the client's session: from the session endpoint, or the sign-in form for visitors."""
    response = client.get("/api/v1/session")
    if response.status_code == 200:
        return response.get_json()["csrf_token"]
    page = client.get("/sign-in")
    found = _CSRF_INPUT.search(page.get_data(as_text=True))
    return found.group(1) if found else None
