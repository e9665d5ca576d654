"""OCR bench: character error rate per language on the fictional scanned corpus, and pages/s.

    nice -n 10 .venv/bin/python bench/ocr.py [--threads N] [--variants clean,noisy] [--modes mixed,known]

For each language (uk, ru, en) the pages of ``ingest.scan_corpus.PAGES`` are typed on A4 at 300 dpi
(``render_page``); *clean* is that image, *noisy* is it "scanned" (``degrade``: up to 1 degree of skew,
grain, speckle, a slight blur). Each image is read by ``ingest.ocr.recognise`` through the same thread pool the
``ocr`` stage uses (``recognise_all``), with Tesseract's languages either *mixed* (``ukr+rus+eng``, what the
pipeline uses when an item's language is unknown) or *known* (the page's own language, from metadata).

CER = Levenshtein distance (rapidfuzz) between the OCR text and the truth, both with whitespace runs collapsed
to one space (line breaks are layout, not characters), divided by the truth's length; summed over the pages of
a row. Goal: CER <= 3 % on clean 300 dpi scans. pages/s is wall-clock through the pool; "cpu s/page" is the
Tesseract subprocesses' user CPU time per page (steady on a shared machine). Nothing is asserted: this prints
figures.
"""
from __future__ import annotations

import argparse
import random
import resource
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# bench/ingest.py beside this script would shadow the ``ingest`` package: drop the script's own folder
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from rapidfuzz.distance import Levenshtein  # noqa: E402

from ingest import ocr, scan_corpus  # noqa: E402

GOAL = 0.03


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=ocr.workers(), help="OCR threads (default: cores)")
    parser.add_argument("--variants", default="clean,noisy")
    parser.add_argument("--modes", default="mixed,known")
    parser.add_argument("--languages", default="uk,ru,en")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"tesseract {ocr.tesseract_version()}, {args.threads} thread(s), A4 at {scan_corpus.DPI} dpi")
    print(f"{'lang':<5}{'scan':<7}{'tesseract langs':<17}{'pages':>6}{'chars':>7}{'CER':>8}{'conf':>7}"
          f"{'pages/s':>9}{'cpu s/page':>11}  goal")
    total_pages, total_seconds, total_cpu = 0, 0.0, 0.0
    for variant in args.variants.split(","):
        for lang in args.languages.split(","):
            truths = scan_corpus.PAGES[lang]
            rng = random.Random(args.seed)
            images = [scan_corpus.render_page(text) for text in truths]
            if variant == "noisy":
                images = [scan_corpus.degrade(image, rng) for image in images]
            for mode in args.modes.split(","):
                langs = ocr.DEFAULT_LANGS if mode == "mixed" else ocr.languages_for([lang])
                cpu = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
                started = time.perf_counter()
                pages = dict(ocr.recognise_all(iter(enumerate(images, start=1)), langs, threads=args.threads))
                seconds = time.perf_counter() - started
                cpu = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - cpu
                errors = chars = 0
                for number, truth in enumerate(truths, start=1):
                    expected = normalise(truth)
                    errors += Levenshtein.distance(normalise(pages[number].text), expected)
                    chars += len(expected)
                confidences = [p.confidence for p in pages.values() if p.confidence is not None]
                cer = errors / chars
                goal = ("ok" if cer <= GOAL else "MISSED") if variant == "clean" else "-"
                print(f"{lang:<5}{variant:<7}{langs:<17}{len(truths):>6}{chars:>7}{cer:>8.2%}"
                      f"{sum(confidences) / len(confidences):>7.3f}{len(truths) / seconds:>9.2f}{cpu / len(truths):>11.2f}  {goal}")
                total_pages += len(truths)
                total_seconds += seconds
                total_cpu += cpu
    print(f"all: {total_pages} pages in {total_seconds:.1f} s = {total_pages / total_seconds:.2f} pages/s "
          f"with {args.threads} thread(s); Tesseract CPU {total_cpu / total_pages:.2f} s/page (wall time depends on "
          f"what else runs; CPU time does not)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
