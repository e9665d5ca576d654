"""Train the Ukrainian NER model committed in nlp/models/uk_ner.

    python -m nlp.train_uk --data ../shared/data/ner/uk-train.jsonl --out nlp/models/uk_ner

By default every document is used (the shipped model). `--heldout FILE` (or `--split-seed N`) instead splits
by document (nlp.corpus.split_documents: 20 % held out, seed 13 unless given) and writes the held-out part,
never trained on, to FILE for nlp.evaluate: that is how a setup is chosen before the all-data model is
trained. `--fold K` (0-based, of `--folds N`, default 5) holds out the K-th of N disjoint parts instead
(nlp.corpus.fold_documents), so that N models score every document once. Of the documents kept, 10 % is the dev
set spaCy picks the best checkpoint on. Half of the training documents are also added with the corpus's spaces around punctuation removed, so the model sees running text
as well as the corpus's tokenised form. `--pretrain-epochs N` first pretrains the tok2vec on the raw text of those
training documents (pipelines/uk_ner_pretrain.cfg) and starts training from it. The data are CC BY-NC-SA 4.0
(lang-uk/ner-uk); the model carries that licence.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
from pathlib import Path

import spacy
import srsly
from spacy.tokens import DocBin
from spacy.training import Example

import nlp.components  # noqa: F401  (registers svidok_morph_features, used in the training config)

from nlp.corpus import (SPLIT_SEED, AnnotatedDocument, detokenize, fold_documents, read_documents, split_documents,
                         write_documents)

CONFIG = Path(__file__).parent / "pipelines" / "uk_ner_train.cfg"
PRETRAIN_CONFIG = Path(__file__).parent / "pipelines" / "uk_ner_pretrain.cfg"
#: lines of raw text for pretraining are cut at this many words (spaCy's JSONL reader drops longer ones)
PRETRAIN_LINE_WORDS = 300
#: raise with every retrained model: mentions carry "svidok_uk_ner VERSION" as their source (uk.cfg, precision.json)
MODEL_VERSION = "1.1.0"
LABELS = ("PERSON", "LOCATION", "ORG", "DATE")
#: off: 3 epochs over five folds left LOCATION at 0.797 against 0.799 (nlp/models/README.md)
PRETRAIN_EPOCHS = 0
DEV_SHARE = 0.1


def to_docbin(documents: list[AnnotatedDocument], nlp) -> tuple[DocBin, int]:
    """Tokenise with the Ukrainian tokenizer and attach gold entities; return the bin and spans lost."""
    docbin = DocBin(store_user_data=False)
    lost = 0
    for document in documents:
        doc = nlp.make_doc(document.text)
        spans = []
        for start, end, label in document.entities:
            if label not in LABELS:
                continue
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
            if span is None:
                lost += 1
                continue
            spans.append(span)
        doc.ents = spacy.util.filter_spans(spans)
        lost += len(spans) - len(doc.ents)
        docbin.add(doc)
    return docbin, lost


def raw_text_lines(documents: list[AnnotatedDocument]) -> list[str]:
    """The documents' text as lines of at most PRETRAIN_LINE_WORDS words, for pretraining."""
    lines = []
    for document in documents:
        for paragraph in document.text.splitlines():
            words = paragraph.split()
            for start in range(0, len(words), PRETRAIN_LINE_WORDS):
                lines.append(" ".join(words[start:start + PRETRAIN_LINE_WORDS]))
    return [line for line in lines if line]


@spacy.registry.readers("svidok.morph_raw_text.v1")
def morph_raw_text(path: Path | None = None):
    """Read {"text": ...} lines into docs with svidok_morph_features applied, as the tok2vec sees them in training.

    `path` is unset when training proper resolves the pretraining section it carries along."""

    def read(nlp):
        features = nlp.get_pipe("svidok_morph_features")
        for record in srsly.read_jsonl(path):
            doc = features(nlp.make_doc(record["text"]))
            yield Example(doc, doc)

    return read


def pretraining_config(train_config: Path):
    """The training config with the [pretraining] section of PRETRAIN_CONFIG merged in."""
    return spacy.util.load_config(train_config, interpolate=False).merge(
        spacy.util.load_config(PRETRAIN_CONFIG, interpolate=False))


def pretrain_tok2vec(lines: list[str], train_config: Path, work_dir: Path, epochs: int) -> Path:
    """Pretrain the training config's tok2vec on `lines`; return the weights of its last epoch."""
    from spacy.training.pretrain import pretrain

    raw = work_dir / "raw_text.jsonl"
    srsly.write_jsonl(raw, ({"text": line} for line in lines))
    config = pretraining_config(train_config)
    config["paths"]["raw_text"] = str(raw)
    config["pretraining"]["max_epochs"] = epochs
    # spaCy's pretrain() wants the config filled (tokenizer, defaults) and interpolated, as `spacy pretrain` has it
    config = spacy.util.load_model_from_config(config, auto_fill=True).config.interpolate()
    output = work_dir / "pretrain"
    output.mkdir(parents=True, exist_ok=True)
    pretrain(config, output, silent=False, skip_last=True)
    return output / f"model{epochs - 1}.bin"


def forget_training_paths(model_dir: Path) -> None:
    """Drop what only training read from the saved config: the pretraining section (its reader lives here, not
    in the runtime) and the paths of this machine's work folder."""
    path = model_dir / "config.cfg"
    config = spacy.util.load_config(path, interpolate=False)
    config.pop("pretraining", None)
    config["corpora"].pop("pretrain", None)
    config["paths"].pop("raw_text", None)
    config["paths"]["init_tok2vec"] = None
    config.to_disk(path)


def prune_strings(model_dir: Path) -> None:
    """Keep only label strings in the saved vocab: the model reads hashes, and the corpus's word list has
    no place in our repository."""
    strings_path = model_dir / "vocab" / "strings.json"
    kept = [s for s in srsly.read_json(strings_path) if s in LABELS or s.startswith(("B-", "I-", "L-", "U-"))]
    srsly.write_json(strings_path, kept)


def main(argv: list[str] | None = None) -> int:
    """Split, convert, train and copy the best model to --out."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, type=Path, help="uk-train.jsonl")
    parser.add_argument("--out", required=True, type=Path, help="model directory to (re)write")
    parser.add_argument("--heldout", type=Path,
                        help="hold out 20 %% of the documents and write them here (keep it outside the repo)")
    parser.add_argument("--workdir", type=Path, help="keep converted data and checkpoints here (default: a temporary folder)")
    parser.add_argument("--config", type=Path, default=CONFIG, help="training config (default: pipelines/uk_ner_train.cfg)")
    parser.add_argument("--max-epochs", type=int, default=None, help="override training.max_epochs")
    parser.add_argument("--split-seed", type=int, default=None,
                        help=f"hold out 20 %% with this seed ({SPLIT_SEED} is the reported split; others confirm a change)")
    parser.add_argument("--fold", type=int, default=None,
                        help="hold out this part (0-based) of --folds disjoint parts, seeded by --split-seed")
    parser.add_argument("--folds", type=int, default=5, help="how many parts --fold cuts the documents into")
    parser.add_argument("--pretrain-epochs", type=int, default=PRETRAIN_EPOCHS,
                        help=f"pretrain the tok2vec on the training text first, this many epochs (0: no; default {PRETRAIN_EPOCHS})")
    parser.add_argument("--all", action="store_true",
                        help="hold nothing out (the default, kept for explicitness): train on every document")
    args = parser.parse_args(argv)

    split = args.heldout is not None or args.split_seed is not None or args.fold is not None
    if split and args.all:
        parser.error("--all trains on every document; it cannot be combined with --heldout, --split-seed or --fold")
    if args.fold is not None and not (args.folds >= 2 and 0 <= args.fold < args.folds):
        parser.error(f"--fold must be 0 to {args.folds - 1}, and --folds at least 2")
    split_seed = SPLIT_SEED if args.split_seed is None else args.split_seed
    documents = list(read_documents(args.data))
    if args.fold is not None:
        kept, held = fold_documents(documents, args.fold, args.folds, seed=split_seed)
        trained_on = f"fold {args.fold} of {args.folds} held out (seed {split_seed})"
    elif split:
        kept, held = split_documents(documents, seed=split_seed)
        trained_on = f"80 % by document (split seed {split_seed})"
    else:
        kept, held, trained_on = documents, [], "all documents"
    if args.heldout:
        write_documents(held, args.heldout)
    train, dev = split_documents(kept, share=DEV_SHARE, seed=7)
    rng = random.Random(13)
    train = train + [detokenize(d) for d in train if rng.random() < 0.5]
    print(f"documents: {len(train)} train (incl. detokenised copies), {len(dev)} dev, {len(held)} held out")

    blank = spacy.blank("uk")
    overrides = {}
    if args.max_epochs is not None:
        overrides["training.max_epochs"] = args.max_epochs
    with tempfile.TemporaryDirectory() as work:
        work_dir = args.workdir or Path(work)
        work_dir.mkdir(parents=True, exist_ok=True)
        for name, docs in (("train", train), ("dev", dev)):
            docbin, lost = to_docbin(docs, blank)
            docbin.to_disk(work_dir / f"{name}.spacy")
            print(f"{name}: {len(docs)} docs, {lost} entities not alignable to tokens")
        from spacy.cli.train import train as spacy_train

        config_path = args.config
        if args.pretrain_epochs > 0:
            weights = pretrain_tok2vec(raw_text_lines(train), args.config, work_dir, args.pretrain_epochs)
            # spaCy finds the layer to load the weights into through the [pretraining] section
            config_path = work_dir / "train_pretrained.cfg"
            pretraining_config(args.config).to_disk(config_path)
            overrides["paths.init_tok2vec"] = str(weights)
        overrides.update({"paths.train": str(work_dir / "train.spacy"), "paths.dev": str(work_dir / "dev.spacy")})
        spacy_train(config_path, work_dir / "output", overrides=overrides)
        best = work_dir / "output" / "model-best"
        nlp = spacy.load(best)
        nlp.meta.update(
            {
                "name": "svidok_uk_ner",
                "version": MODEL_VERSION,
                "license": "CC BY-NC-SA 4.0",
                "sources": [{"name": "lang-uk/ner-uk v2.0 (BRUK, Nashi Groshi), dev list, "
                             + trained_on,
                             "license": "CC BY-NC-SA 4.0"}],
                "description": "Ukrainian NER (PERSON, LOCATION, ORG, DATE) for svidok; see nlp/models/README.md",
            }
        )
        if args.pretrain_epochs > 0:
            nlp.meta["description"] += f"; tok2vec pretrained {args.pretrain_epochs} epochs on the training text"
        if args.out.exists():
            shutil.rmtree(args.out)
        nlp.to_disk(args.out)
    forget_training_paths(args.out)
    prune_strings(args.out)
    print(f"model written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
