"""The committed Ukrainian NER model: size, licence, and train_uk's choice between the split and all data."""

from __future__ import annotations

from pathlib import Path

import pytest
import srsly

from nlp import train_uk

MODEL = Path(train_uk.__file__).parent / "models" / "uk_ner"


def test_committed_model_stays_under_30_mb():
    size = sum(p.stat().st_size for p in MODEL.rglob("*") if p.is_file())
    assert size < 30 * 1024 * 1024


def test_committed_model_carries_the_data_licence():
    assert srsly.read_json(MODEL / "meta.json")["license"] == "CC BY-NC-SA 4.0"


def test_all_data_cannot_be_combined_with_a_held_out_split(tmp_path):
    with pytest.raises(SystemExit):
        train_uk.main(["--data", str(tmp_path / "x.jsonl"), "--out", str(tmp_path / "m"), "--all",
                       "--heldout", str(tmp_path / "h.jsonl")])
