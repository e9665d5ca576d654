"""Browser tests: Debian's Chromium driven by Playwright against a live server on 127.0.0.1.

One server for the session (loading the language pipelines once), with the embedded defaults under a fresh
``SVIDOK_HOME`` and processing inline, seeded through the Python API with users of every role, a Ukrainian
testimony naming Коваленко on its third page, a confidential document and the inquiry key. Each test gets a
fresh browser context (no cookies) whose every request is recorded; ``page`` fails the test when any of them
went to a host other than 127.0.0.1.

Screenshots go to ``$SVIDOK_SCREENSHOTS`` (default ``var/screenshots`` in the working tree, ignored by git).
"""
from __future__ import annotations

import datetime as dt
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import nacl.pwhash
import pytest
from werkzeug.serving import make_server

from archive_schema import accounts, inquiries
from archive_schema.settings import Settings
from ingest import pipeline
from ingest.metadata import ItemMeta
from search_api import create_app
from tests.fixtures import files

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "correct horse battery"
ROLES = ("admin", "archivist", "investigator", "lawyer", "viewer")
SCREENSHOTS = Path(os.environ.get("SVIDOK_SCREENSHOTS", Path(__file__).resolve().parents[2] / "var" / "screenshots"))

#: a fictional testimony in Ukrainian: the name appears (in two case forms) on page 3 only
TESTIMONY_UK = [
    "Свідчення про затримання. Сторінка перша: загальні відомості про події у селі Зелений Гай навесні 2022 року.",
    "Друга сторінка. Люди розповідали про блокпости, перевірки документів і про нестачу їжі та ліків.",
    "Третя сторінка. 14 березня 2022 року Андрія Коваленка затримали біля школи. Мати, Марія Коваленко, "
    "шукала його в комендатурі, але їй нічого не сказали.",
    "Четверта сторінка. Свідок просить зберегти її ім'я в таємниці.",
]
CONFIDENTIAL_EN = ["Medical record of a fictional detainee, Ostap Hrytsenko. Confidential: health details."]


@dataclass
class Site:
    url: str
    app: object
    items: dict[str, str] = field(default_factory=dict)

    @property
    def ctx(self):
        return self.app.extensions["svidok"]


def _seed(ctx, tmp: Path) -> dict[str, str]:
    items = {}
    for key, pages, meta in (
            ("testimony", TESTIMONY_UK, {"title": "Свідчення про затримання в Зеленому Гаю", "doc_type": "testimony",
                                         "classification": "public", "date": "2022-03-20", "language": "uk"}),
            ("medical", CONFIDENTIAL_EN, {"title": "Medical record (confidential)", "doc_type": "medical_record",
                                          "classification": "confidential", "language": "en"})):
        path = files.pdf(tmp, pages, name=f"{key}.pdf")
        with path.open("rb") as stream:
            received = pipeline.receive(ctx, stream, path.name, ItemMeta.from_mapping(meta), via="test")
        pipeline.process(ctx, received.item_id)
        items[key] = received.item_id
    pipeline.index_pending(ctx)
    with ctx.db.sessions.begin() as session:
        for role in ROLES:
            accounts.create_user(session, role, role, PASSWORD, display_name=f"Test {role}")
        inquiries.create_key(session, "inquiry passphrase for tests", opslimit=nacl.pwhash.argon2id.OPSLIMIT_MIN,
                             memlimit=nacl.pwhash.argon2id.MEMLIMIT_MIN)
        for n, (status, region, month) in enumerate([("civilian_detainee", "Kharkiv oblast", "2022-03")] * 9
                                                    + [("pow", "Donetsk oblast", "2022-05")] * 6
                                                    + [("deported_child", "Kherson oblast", "2022-09")] * 2):
            session.add(inquiries.RegistryPerson(name=f"Fictional person {n}", name_key=f"fictional person {n}",
                                                 status=status, region=region,
                                                 status_date=dt.date.fromisoformat(month + "-15")))
    return items


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    home = tmp_path_factory.mktemp("web") / "home"
    app = create_app(Settings.from_env({"SVIDOK_HOME": str(home)}), processing="inline",
                     config={"SVIDOK_COOKIE_SECURE": False})
    items = _seed(app.extensions["svidok"], tmp_path_factory.mktemp("seed"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(f"http://127.0.0.1:{server.server_port}", app, items)
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["svidok"].close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, site):
    """A page in a fresh context (English unless a test switches), failing the test on any off-host request."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(20_000)
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    tab = context.new_page()
    tab.requests = requests
    yield tab
    context.close()
    assert requests, "the test made no request at all"
    off_host = [u for u in requests if urlsplit(u).hostname != "127.0.0.1"]
    assert not off_host, f"requests left 127.0.0.1: {off_host}"


def sign_in(page, site: Site, username: str) -> None:
    page.goto(f"{site.url}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


def shoot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
