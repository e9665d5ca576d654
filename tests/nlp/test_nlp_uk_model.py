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


@pytest.mark.parametrize("bad", [["--fold", "5"], ["--fold", "-1"], ["--fold", "0", "--folds", "1"],
                                 ["--fold", "0", "--all"]])
def test_a_fold_outside_the_folds_is_refused(tmp_path, bad):
    with pytest.raises(SystemExit):
        train_uk.main(["--data", str(tmp_path / "x.jsonl"), "--out", str(tmp_path / "m"), *bad])


def test_folds_hold_out_every_document_exactly_once():
    from nlp.corpus import AnnotatedDocument, fold_documents

    documents = [AnnotatedDocument(id=f"doc/{i}", lang="uk", text="Київ", entities=[]) for i in range(23)]
    held = [fold_documents(reversed(documents), k, 5)[1] for k in range(5)]
    ids = [d.id for part in held for d in part]
    assert sorted(ids) == sorted(d.id for d in documents)  # disjoint, and every document once
    assert {len(part) for part in held} == {4, 5}
    kept, again = fold_documents(documents, 2, 5)
    assert [d.id for d in again] == [d.id for d in held[2]]  # the same ids and seed, the same fold
    assert not {d.id for d in kept} & {d.id for d in again} and len(kept) + len(again) == 23
    assert [d.id for d in fold_documents(documents, 2, 5, seed=14)[1]] != [d.id for d in again]
    with pytest.raises(ValueError):
        fold_documents(documents, 5, 5)
