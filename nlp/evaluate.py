"""Precision, recall and F1 per label and language on annotated JSONL (the format of shared/data/ner).

    python -m nlp.evaluate FILE.jsonl [--detect] [--facility-as LOCATION|ORG|ignore]

Two matchings are reported: exact (same start, end and label) and overlap (same label, spans share at
least one character; each gold span matches at most one prediction). Only labels the gold file annotates
for a language are scored (factRuEval has no DATE, so Russian DATE predictions are not counted as errors).

FACILITY is not a label of the gold data. Its mentions are counted as LOCATION by default, because the
gold corpora annotate the places in facility names ("в Оленівці") as LOCATION; `--facility-as ORG` suits
corpora that annotate prisons as organisations (TAB), `ignore` drops them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import nlp
from nlp.corpus import AnnotatedDocument, read_documents

MATCHINGS = ("exact", "overlap")


@dataclass
class Counts:
    """True positives, false positives and false negatives of one label."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    """counts[lang][matching][label]; documents per language."""

    counts: dict[str, dict[str, dict[str, Counts]]] = field(default_factory=dict)
    documents: dict[str, int] = field(default_factory=dict)

    def format(self) -> str:
        """The report as a plain-text table."""
        lines = []
        for lang in sorted(self.counts):
            lines.append(f"{lang}: {self.documents[lang]} documents")
            lines.append(f"  {'label':<10} {'match':<8} {'P':>6} {'R':>6} {'F1':>6} {'gold':>6} {'pred':>6}")
            for label in sorted(self.counts[lang]["exact"]):
                for matching in MATCHINGS:
                    c = self.counts[lang][matching][label]
                    lines.append(f"  {label:<10} {matching:<8} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} "
                                 f"{c.tp + c.fn:6d} {c.tp + c.fp:6d}")
        return "\n".join(lines)


def _match(gold: list[tuple[int, int, str]], predicted: list[tuple[int, int, str]], label: str, overlap: bool) -> Counts:
    gold_spans = [(s, e) for s, e, l in gold if l == label]
    predicted_spans = [(s, e) for s, e, l in predicted if l == label]
    if not overlap:
        hits = len(set(gold_spans) & set(predicted_spans))
        return Counts(hits, len(predicted_spans) - hits, len(gold_spans) - hits)
    used = [False] * len(gold_spans)
    tp = 0
    for start, end in predicted_spans:
        for i, (gold_start, gold_end) in enumerate(gold_spans):
            if not used[i] and start < gold_end and gold_start < end:
                used[i] = True
                tp += 1
                break
    return Counts(tp, len(predicted_spans) - tp, len(gold_spans) - tp)


def evaluate(path: str | Path, detect: bool = False, facility_as: str = "LOCATION") -> Report:
    """Run nlp.analyse_many over the file's texts and compare with its entities."""
    documents = list(read_documents(path))
    report = Report()
    by_lang: dict[str, list[AnnotatedDocument]] = {}
    for document in documents:
        by_lang.setdefault(document.lang, []).append(document)
    for lang, docs in by_lang.items():
        analyses = nlp.analyse_many((d.text for d in docs), lang=None if detect else lang)
        gold_labels = sorted({label for d in docs for _, _, label in d.entities})
        counts = {m: {label: Counts() for label in gold_labels} for m in MATCHINGS}
        for document, analysis in zip(docs, analyses):
            predicted = list(_predicted(analysis.mentions, facility_as))
            for matching in MATCHINGS:
                for label in gold_labels:
                    c = _match(document.entities, predicted, label, overlap=matching == "overlap")
                    total = counts[matching][label]
                    total.tp, total.fp, total.fn = total.tp + c.tp, total.fp + c.fp, total.fn + c.fn
        report.counts[lang] = counts
        report.documents[lang] = len(docs)
    return report


def _predicted(mentions: Iterable[nlp.Mention], facility_as: str) -> Iterable[tuple[int, int, str]]:
    for mention in mentions:
        label = mention.label
        if label == "FACILITY":
            if facility_as == "ignore":
                continue
            label = facility_as
        yield mention.start, mention.end, label


def main(argv: list[str] | None = None) -> int:
    """Print the per-label report of each file given."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--detect", action="store_true", help="detect language per paragraph instead of using 'lang'")
    parser.add_argument("--facility-as", choices=["LOCATION", "ORG", "ignore"], default="LOCATION")
    args = parser.parse_args(argv)
    for path in args.files:
        print(f"== {path}")
        print(evaluate(path, detect=args.detect, facility_as=args.facility_as).format())
    return 0


if __name__ == "__main__":
    sys.exit(main())
