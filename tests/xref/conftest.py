"""Fixtures: the fictional corpus ingested once (extract + NLP), then copied for each test that changes it."""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from archive_schema import policy
from archive_schema.models import Mention
from archive_schema.settings import Settings
from ingest.bulk import ingest_paths
from ingest.pipeline import Context
from search_api import create_app

from tests.api.helpers import client_for

from . import corpus


def home_settings(home: Path) -> Settings:
    return Settings.from_env({"SVIDOK_HOME": str(home)})


def ingest_corpus(ctx: Context, folder: Path, names: list[str] | None = None) -> None:
    """Ingest the corpus (or the named files), each collection under its name."""
    paths = corpus.write(folder)
    for collection in ("south", "north"):
        chosen = [p for name, p in paths.items() if p.parent.name == collection and (names is None or name in names)]
        if chosen:
            summary = ingest_paths(ctx, chosen, collection=collection)
            assert not summary.failed, summary.failed


def ingest_text(ctx: Context, folder: Path, name: str, text: str, collection: str = "south") -> None:
    """One more fictional document, written to ``folder/collection/name`` and ingested into that collection."""
    path = folder / collection / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    assert not ingest_paths(ctx, [path], collection=collection).failed


def reprocess_nlp(ctx: Context, collection: str | None = None) -> int:
    """Run the NLP stage again over every item (of the collection), as ``svidok reprocess --stage nlp`` does."""
    from ingest.pipeline import process, reprocess

    return reprocess(ctx, "nlp", lambda item_id: process(ctx, item_id), collection=collection, actor="test")


@pytest.fixture(scope="session")
def template_home(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("xref")
    home = root / "home"
    ctx = Context.open(home_settings(home))
    try:
        ingest_corpus(ctx, root / "corpus")
    finally:
        ctx.close()
    return home


@pytest.fixture
def home(template_home, tmp_path) -> Path:
    """A private copy of the ingested archive."""
    return Path(shutil.copytree(template_home, tmp_path / "home"))


@pytest.fixture
def archive(home):
    ctx = Context.open(home_settings(home))
    yield ctx
    ctx.close()


@pytest.fixture
def app(home):
    app = create_app(home_settings(home), processing="inline")
    yield app
    app.extensions["svidok"].close()


@pytest.fixture
def client(app):
    return client_for(app, "admin-tester", "admin")


@pytest.fixture(autouse=True)
def operator():
    """Queries called directly act as the local operator (who sees everything), as ``svidok`` commands do."""
    with policy.acting_as(policy.operator()) as actor:
        yield actor


def entity_of(ctx: Context, surface: str) -> str:
    """The entity the mention written ``surface`` is linked to (the first such mention)."""
    with ctx.db.reader() as session:
        found = session.scalar(select(Mention.entity_id).where(Mention.text == surface).order_by(Mention.id).limit(1))
    assert found, f"no linked mention {surface!r}"
    return found


def pages_found(ctx: Context, query=None, **options) -> set[tuple[str, int]]:
    """(item id, page number) of the pages a search finds (a Query, or Query options), once the index has every
    promise."""
    from archive_schema.search import Access, Query
    from archive_schema.search.sync import sync

    sync(ctx.db, ctx.search)
    ctx.search.refresh()
    results = ctx.search.search(query or Query(access=Access.everything(), size=50, **options))
    return {(item.item_id, page.page_number) for item in results.items for page in item.pages}


def pages_of_entity(ctx: Context, entity_id: str) -> set[tuple[str, int]]:
    """The pages a search for the entity finds."""
    return pages_found(ctx, entity_ids=(entity_id,))


class MovedModel:
    """Another model on reprocessing: ``change(mention) -> list of mentions`` rewrites each mention nlp finds."""

    def __init__(self, monkeypatch, change):
        import nlp

        real = nlp.analyse_many

        def analyse_many(texts, *args, **kwargs):
            for analysis in real(texts, *args, **kwargs):
                yield dataclasses.replace(analysis, mentions=[m for found in analysis.mentions for m in change(found)])

        monkeypatch.setattr(nlp, "analyse_many", analyse_many)


def moved(mention, drop: int = 0, label: str | None = None):
    """The mention with its first ``drop`` characters cut off (and another label)."""
    return dataclasses.replace(mention, start=mention.start + drop, text=mention.text[drop:],
                               normalized=(mention.normalized or mention.text)[drop:], label=label or mention.label)
