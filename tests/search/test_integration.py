"""The index as the rest of svidok uses it: filled through the outbox by ingest, searched through the API and
the CLI, rebuilt by reindex, and complete after a crash between the database commit and the index write."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from search_api import create_app
from tests.api.helpers import client_for
from tests.conftest import make_settings

TEXTS = {
    "uk.txt": "Свідчення. Мого чоловіка Коваленка Івана Петровича затримали 14 березня 2022 року в Мелітополі.\f"
              "Його тримали в СІЗО №2 у Таганрозі до травня.",
    "ru.txt": "Показания. Иван Коваленко содержался в СИЗО-2 города Таганрог с апреля 2022 года.",
    "en.txt": "Statement. Ivan Kovalenko was moved to Olenivka in July 2022.",
    "other.txt": "Лист. Петро Шевчук пише з колонії про посилки.",
}


def corpus(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in TEXTS.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def cli(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "SVIDOK_HOME": str(home)}
    proc = subprocess.run([sys.executable, "-m", "search_api.cli", *args], env=env, capture_output=True, text=True,
                          timeout=600)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_api_search_finds_a_latin_name_on_cyrillic_pages_with_page_numbers(tmp_path):
    home = tmp_path / "home"
    cli(home, "ingest", str(corpus(tmp_path / "in")))
    app = create_app(make_settings(home), processing="inline")
    client = client_for(app)
    body = client.get("/api/v1/search", query_string={"q": "Kovalenko", "facets": "person,facility"}).get_json()
    found = {hit["title"] or hit["item_id"]: [p["number"] for p in hit["pages"]] for hit in body["items"]}
    assert body["total_items"] == 3  # uk, ru and en: the Cyrillic pages answer the Latin spelling
    assert any(hit["language"] == "uk" and [p["number"] for p in hit["pages"]] == [1] for hit in body["items"]), found
    assert all("<mark>" in p["snippet"] for hit in body["items"] for p in hit["pages"])
    facilities = [b["label"] for b in body["facets"]["facility"]]
    assert facilities, body["facets"]
    # the second page of the Ukrainian testimony is where the facility is: facility: finds page 2
    body = client.get("/api/v1/search", query_string={"q": "facility:SIZO-2 Таганрог"}).get_json()
    pages = {(hit["language"], p["number"]) for hit in body["items"] for p in hit["pages"]}
    assert ("uk", 2) in pages, pages


@pytest.mark.parametrize("params", [{"q": '"unclosed'}, {"q": "a AND (b"}, {"facets": "shoe"}, {"size": "0"},
                                    {"sort": "random"}, {"date_from": "yesterday"}, {"q": "x" * 3000},
                                    {"q": "date:2022-13-45"}])
def test_malformed_searches_are_400_problems(tmp_path, params):
    app = create_app(make_settings(tmp_path / "home"), processing="inline")
    response = client_for(app).get("/api/v1/search", query_string=params)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"]


def test_cli_search_reindex_and_check(tmp_path):
    home = tmp_path / "home"
    cli(home, "ingest", str(corpus(tmp_path / "in")))
    found = json.loads(cli(home, "search", "Коваленко", "--json").stdout)
    assert found["total_items"] == 3
    assert json.loads(cli(home, "index", "check", "--json").stdout)["clean"] is True
    assert "index rebuilt: 5 pages" in cli(home, "reindex").stdout
    assert json.loads(cli(home, "search", "Шевчук", "--json").stdout)["total_items"] == 1


def test_index_check_names_an_index_an_older_svidok_built_until_reindex(tmp_path):
    home = tmp_path / "home"
    cli(home, "ingest", str(corpus(tmp_path / "in")))
    index = home / "index"
    current = (index / "CURRENT").read_text().strip()
    (index / current).rename(index / "g1-1")  # as schema version 1 named its generations
    (index / "CURRENT").write_text("g1-1")
    stale = cli(home, "index", "check", check=False)
    assert stale.returncode == 1
    assert "index g1-1 was built by an older svidok: run `svidok reindex`" in stale.stdout
    assert "g1-1" in stale.stderr and "svidok reindex" in stale.stderr  # the warning on opening it
    assert json.loads(cli(home, "search", "Коваленко", "--json").stdout)["total_items"] == 3  # still served
    cli(home, "reindex")
    renewed = json.loads(cli(home, "index", "check", "--json").stdout)
    assert renewed["outdated"] == [] and renewed["clean"] is True


CRASH = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    import archive_schema.search.sync as sync
    import ingest.pipeline as pipeline

    def die(*args, **kwargs):  # the database has committed; the index write never happens
        os.kill(os.getpid(), signal.SIGKILL)

    pipeline.sync_index = die
    from archive_schema.settings import Settings
    from ingest.bulk import ingest_paths
    ctx = pipeline.Context.open(Settings.from_env())
    ingest_paths(ctx, [Path(sys.argv[1])])
""")


def test_a_kill_between_commit_and_index_write_is_completed_from_the_outbox(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "SVIDOK_HOME": str(home)}
    killed = subprocess.run([sys.executable, "-c", CRASH, str(corpus(tmp_path / "in"))], env=env,
                            capture_output=True, text=True, timeout=600)
    assert killed.returncode == -9, killed.stderr
    drift = json.loads(cli(home, "index", "check", "--json", check=False).stdout)
    assert drift["clean"] is False and drift["missing_count"] == 5 and drift["pending"] == 4
    # any later run delivers what the outbox promised: here the next ingest (of nothing new)
    (tmp_path / "empty").mkdir()
    cli(home, "ingest", str(tmp_path / "empty"))
    drift = json.loads(cli(home, "index", "check", "--json").stdout)
    assert drift == {**drift, "clean": True, "missing_count": 0, "extra_count": 0, "pending": 0}
    assert json.loads(cli(home, "search", "Olenivka", "--json").stdout)["total_items"] == 1
