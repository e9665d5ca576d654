"""nlp.evaluate: counts, both matchings, and the command line."""

from __future__ import annotations

import json
from pathlib import Path

from nlp.evaluate import Counts, _match, evaluate, main


def test_exact_and_overlap_matching():
    gold = [(0, 16, "PERSON"), (30, 37, "LOCATION")]
    predicted = [(3, 16, "PERSON"), (30, 37, "LOCATION"), (40, 45, "LOCATION")]
    exact = _match(gold, predicted, "PERSON", overlap=False)
    assert (exact.tp, exact.fp, exact.fn) == (0, 1, 1)
    overlap = _match(gold, predicted, "PERSON", overlap=True)
    assert (overlap.tp, overlap.fp, overlap.fn) == (1, 0, 0)
    location = _match(gold, predicted, "LOCATION", overlap=False)
    assert (location.precision, location.recall) == (0.5, 1.0)


def test_f1_of_nothing_is_zero():
    assert Counts().f1 == 0.0


def write(tmp_path, rows):
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_evaluate_scores_a_file_per_language_and_label(tmp_path):
    text = "Mr Ivan Petrenko was detained in Kherson on 14 March 2022."
    path = write(tmp_path, [{"id": "a", "lang": "en", "text": text,
                             "entities": [[0, 16, "PERSON"], [33, 40, "LOCATION"], [44, 57, "DATE"]]}])
    report = evaluate(path)
    assert set(report.counts["en"]["exact"]) == {"PERSON", "LOCATION", "DATE"}
    for label in ("PERSON", "LOCATION", "DATE"):
        assert report.counts["en"]["overlap"][label].f1 == 1.0
    assert report.documents == {"en": 1}


def test_facility_counts_as_location_unless_told(tmp_path):
    text = "Його тримали в Оленівці."
    path = write(tmp_path, [{"id": "a", "lang": "uk", "text": text, "entities": [[15, 23, "LOCATION"]]}])
    assert evaluate(path).counts["uk"]["exact"]["LOCATION"].tp == 1
    assert evaluate(path, facility_as="ignore").counts["uk"]["exact"]["LOCATION"].tp == 0


def test_command_line_prints_a_table(tmp_path, capsys):
    path = write(tmp_path, [{"id": "a", "lang": "ru", "text": "Иван Коваленко живёт в Москве.",
                             "entities": [[0, 14, "PERSON"], [23, 29, "LOCATION"]]}])
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "ru: 1 documents" in out and "PERSON" in out and "overlap" in out


DATA = Path(__file__).parent / "data"


def test_english_echr_fixtures_meet_the_english_goals():
    """Issue #9's English goals (overlap F1; prisons are ORG as in TAB) on both fictional ECHR-style files.

    en-echr-durations.jsonl was annotated by TAB's guidelines before the pipeline read it: its DATEs include
    durations and times, which a pipeline keeping calendar dates only scores 0.70 on."""
    for name in ("en-echr-fictional.jsonl", "en-echr-durations.jsonl"):
        overlap = evaluate(DATA / name, facility_as="ORG").counts["en"]["overlap"]
        assert overlap["PERSON"].f1 >= 0.80, name
        assert overlap["LOCATION"].f1 >= 0.65, name
        assert overlap["DATE"].f1 >= 0.90, name
