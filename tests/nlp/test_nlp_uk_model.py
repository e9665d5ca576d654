"""The committed Ukrainian NER model: size, licence, and train_uk's choice between the split and all data."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
import srsly

from nlp import train_uk
from nlp.components.morph_features import MorphFeatures
from nlp.components.normalizer import precision_table
from nlp.pipelines import PIPELINES

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


def test_the_pipeline_gives_the_model_the_features_it_was_trained_on():
    # a model trained on lemmas or the extended TAG and run without them degrades silently
    trained = spacy.util.load_config(train_uk.CONFIG, interpolate=False)["components"]["svidok_morph_features"]
    running = spacy.util.load_config(PIPELINES["uk"], interpolate=False)["components"]["svidok_morph_features"]
    assert {k: running.get(k, False) for k in ("extended", "lemmas")} == \
        {k: trained.get(k, False) for k in ("extended", "lemmas")}
    committed = spacy.util.load_config(MODEL / "config.cfg", interpolate=False)
    attrs = committed["components"]["tok2vec"]["model"]["embed"]["attrs"]
    assert ("LEMMA" in attrs) == bool(running.get("lemmas"))


def test_mentions_name_the_committed_models_version_and_find_its_precision():
    meta = srsly.read_json(MODEL / "meta.json")
    assert meta["version"] == train_uk.MODEL_VERSION
    source = spacy.util.load_config(PIPELINES["uk"], interpolate=False)["components"]["svidok_normalizer"]["model_source"]
    assert source == f"{meta['name']} {meta['version']}"
    assert source in precision_table()


def test_morph_features_give_each_case_form_of_a_name_its_lemma():
    doc = MorphFeatures("uk", extended=True, lemmas=True)(spacy.blank("uk")("Затримали в Херсоні, везли з Херсона."))
    assert [t.lemma_ for t in doc if t.text.startswith("Херсон")] == ["херсон", "херсон"]
    assert [t.lemma_ for t in doc if t.is_punct] == [",", "."]
    untouched = MorphFeatures("uk", extended=True)(spacy.blank("uk")("в Херсоні"))
    assert [t.lemma_ for t in untouched] == ["", ""]


def _fictional_corpus(path: Path) -> None:
    """Twelve short fictional documents in the corpus's JSONL format."""
    from nlp.corpus import AnnotatedDocument, write_documents

    people = ["Іван Коваленко", "Олена Мельник", "Петро Шевчук", "Ганна Бойко"]
    places = ["Херсоні", "Мелітополі", "Бердянську"]
    documents = []
    for i in range(12):
        person, place = people[i % 4], places[i % 3]
        text = f"{person} мешкав у {place} до весни , а потім виїхав до родичів ."
        documents.append(AnnotatedDocument(f"fiction/{i}", "uk", text, [
            (0, len(person), "PERSON"), (text.index(place), text.index(place) + len(place), "LOCATION")]))
    write_documents(documents, path)


def test_pretraining_gives_a_model_that_runs_without_the_training_machine(tmp_path):
    # make model pretrains the tok2vec first; what it saves must load where neither the raw text, the work folder
    # nor train_uk's pretraining reader exists
    _fictional_corpus(tmp_path / "corpus.jsonl")
    work = tmp_path / "work"
    assert train_uk.main(["--data", str(tmp_path / "corpus.jsonl"), "--out", str(tmp_path / "model"),
                          "--workdir", str(work), "--pretrain-epochs", "1", "--max-epochs", "1"]) == 0
    assert (work / "pretrain" / "model0.bin").stat().st_size > 0
    raw = [row["text"] for row in srsly.read_jsonl(work / "raw_text.jsonl")]
    assert raw and all(len(line.split()) <= train_uk.PRETRAIN_LINE_WORDS for line in raw)
    saved = spacy.util.load_config(tmp_path / "model" / "config.cfg", interpolate=False)
    assert "pretraining" not in saved and "pretrain" not in saved["corpora"]
    assert saved["paths"]["init_tok2vec"] is None and "raw_text" not in saved["paths"]
    assert "pretrained 1 epochs" in srsly.read_json(tmp_path / "model" / "meta.json")["description"]
    model = spacy.load(tmp_path / "model")
    assert model.pipe_names == ["svidok_morph_features", "tok2vec", "ner"]
    model("Іван Коваленко мешкав у Херсоні .")  # runs; one epoch teaches it nothing worth asserting


def test_pretraining_cuts_long_paragraphs_into_lines_the_reader_keeps():
    from nlp.corpus import AnnotatedDocument

    long = " ".join(["слово"] * (train_uk.PRETRAIN_LINE_WORDS * 2 + 7))
    lines = train_uk.raw_text_lines([AnnotatedDocument("a", "uk", f"Перший рядок .\n\n{long}", [])])
    assert [len(line.split()) for line in lines] == [3, train_uk.PRETRAIN_LINE_WORDS, train_uk.PRETRAIN_LINE_WORDS, 7]
