"""svidok entity …, reprocess and eval-nlp: human output and ``--json``."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from archive_schema.models import AuditEvent, Mention
from search_api.cli import cli

from .conftest import MovedModel, entity_of, moved


@pytest.fixture
def run(home):
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(cli, list(args), env={"SVIDOK_HOME": str(home), "USER": "tester"},
                               catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result
    return invoke


def _json(result):
    return json.loads(result.output)


def test_reading_commands(run, archive):
    ivan, facility = entity_of(archive, "Ivan Kovalenko"), entity_of(archive, "SIZO-2")
    listed = _json(run("entity", "list", "--kind", "person", "--q", "Коваленко", "--json"))
    assert ivan in {e["id"] for e in listed["entities"]} and {e["kind"] for e in listed["entities"]} == {"person"}
    assert f"{ivan}  person" in run("entity", "list").output

    shown = _json(run("entity", "show", ivan, "--json"))
    assert shown["id"] == ivan and "Иван Коваленко" in shown["names"]
    assert "names:" in run("entity", "show", ivan).output

    documents = _json(run("entity", "documents", ivan, "--json"))
    assert documents["total"] == 3
    listing = run("entity", "documents", ivan).output
    assert "uk_kovalenko.txt" in listing
    assert {m["id"] for d in documents["documents"] for m in d["occurrences"]} <= set(listing.split())

    together = _json(run("entity", "cooccur", ivan, "--scope", "item", "--json"))
    assert together["scope"] == "item" and facility in {c["entity"]["id"] for c in together["cooccurring"]}
    assert "pages" in run("entity", "cooccur", ivan).output

    events = _json(run("entity", "timeline", ivan, "--json"))["events"]
    assert [e["date"] for e in events][:2] == ["2022-03-14", "2022-04"]
    assert "2022-04-03" in run("entity", "timeline", ivan).output

    pages = _json(run("entity", "pair", ivan, facility, "--json"))["pages"]
    assert len(pages) == 3
    assert "SIZO-2" in run("entity", "pair", ivan, facility).output

    missing = run("entity", "show", "missing", ok=False)
    assert "no entity missing" in missing.output


def test_decisions_and_reprocess(run, archive):
    ivan, vania = entity_of(archive, "Ivan Kovalenko"), entity_of(archive, "Vania Kovalenko")
    with archive.db.reader() as session:
        russian = session.scalar(select(Mention.id).where(Mention.text == "Иван Коваленко"))

    kept = _json(run("entity", "merge", ivan, vania, "--json"))
    assert kept["id"] == ivan and vania in kept["merged_from"]
    new = _json(run("entity", "split", ivan, russian, "--name", "Иван Коваленко (другой)", "--json"))
    assert new["name"] == "Иван Коваленко (другой)" and new["mentions"] == 1
    assert "Іван Коваленко" in run("entity", "rename", ivan, "Іван Коваленко").output
    refused = run("entity", "merge", ivan, vania, ok=False)
    assert "already merged" in refused.output

    done = _json(run("reprocess", "--stage", "nlp", "--collection", "south", "--json"))
    assert done == {"stage": "nlp", "collection": "south", "items": 2, "lost_pins": 0}
    assert "for 4 items" in run("reprocess", "--stage", "nlp").output
    assert "unknown or disabled stage" in run("reprocess", "--stage", "index", ok=False).output

    assert entity_of(archive, "Vania Kovalenko") == ivan
    assert entity_of(archive, "Иван Коваленко") == new["id"]
    pins = run("entity", "pins").output
    assert "'Иван Коваленко' -> Иван Коваленко (другой)" in pins and "1 pins: 1 exact, 0 moved, 0 lost" in pins
    assert _json(run("entity", "pins", "--state", "lost", "--json"))["pins"] == []
    assert "'gone' is not one of" in run("entity", "pins", "--state", "gone", ok=False).output
    (carried,) = _json(run("entity", "pins", "--json"))["pins"]
    assert "merge the entities" in run("entity", "withdraw", carried["id"], ok=False).output
    shown = _json(run("entity", "show", ivan, "--json"))
    assert shown["name"] == "Іван Коваленко" and [d["action"] for d in shown["decisions"]] == \
        ["merge", "split", "rename"]
    with archive.db.reader() as session:
        actors = set(session.scalars(select(AuditEvent.actor).where(AuditEvent.action.like("entity.%"))))
    assert actors == {"cli:tester"}
    assert "intact" in run("audit", "verify").output


def test_reprocess_tells_of_split_decisions_no_mention_carries(run, archive, monkeypatch):
    ivan = entity_of(archive, "Ivan Kovalenko")
    with archive.db.reader() as session:
        english = session.scalar(select(Mention.id).where(Mention.text == "Ivan Kovalenko"))
    new = _json(run("entity", "split", ivan, english, "--name", "Ivan K. (2)", "--json"))["id"]
    MovedModel(monkeypatch, lambda m: [moved(m, 5, "ORG") if m.text == "Ivan Kovalenko" else m])

    done = run("reprocess", "--stage", "nlp")
    assert "1 split decisions are carried by no mention now" in done.output
    lost = run("entity", "pins", "--state", "lost").output
    assert "lost   " in lost and f"'Ivan Kovalenko' -> Ivan K. (2) (person {new})" in lost
    assert "Ivan Kovalenko was transferred to SIZO-2" in lost  # the text around it, to decide again
    assert _json(run("reprocess", "--stage", "nlp", "--json"))["lost_pins"] == 1

    (pin,) = _json(run("entity", "pins", "--state", "lost", "--json"))["pins"]
    assert pin["id"] in lost  # the id to withdraw it by
    withdrawn = _json(run("entity", "withdraw", pin["id"], "--json"))
    assert withdrawn["id"] == new and withdrawn["decisions"][-1]["action"] == "withdraw"
    assert "0 pins" in run("entity", "pins").output
    assert f"no split decision {pin['id']}" in run("entity", "withdraw", pin["id"], ok=False).output


def test_eval_nlp_prints_figures_per_label(run, tmp_path):
    text = "Ivan Kovalenko was transferred to SIZO-2 in Taganrog on 3 April 2022."
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "fictional/0", "lang": "en", "text": text,
                                "entities": [[0, 14, "PERSON"], [44, 52, "LOCATION"], [56, 68, "DATE"]]}) + "\n",
                    encoding="utf-8")
    report = _json(run("eval-nlp", str(gold), "--facility-as", "ignore", "--json"))[str(gold)]["en"]
    assert report["documents"] == 1
    assert set(report["exact"]) == {"PERSON", "LOCATION", "DATE"}
    assert report["overlap"]["PERSON"]["gold"] == 1
    assert "PERSON" in run("eval-nlp", str(gold)).output


def test_commands_are_registered_when_run_as_a_module(home):
    result = subprocess.run([sys.executable, "-m", "search_api.cli", "entity", "--help"], capture_output=True,
                            text=True, env={"SVIDOK_HOME": str(home), "PATH": "/usr/bin:/bin",
                                            "PYTHONPATH": "."}, check=False)
    assert result.returncode == 0, result.stderr
    assert "timeline" in result.stdout and "merge" in result.stdout
