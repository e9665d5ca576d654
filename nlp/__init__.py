"""svidok's language layer: text in, language and mentions (PERSON, LOCATION, FACILITY, DATE, ORG) out.

Pure: no database, no network, no files written. Pipelines (nlp/pipelines/<lang>.cfg) are built on first
use and kept for the life of the process.

    >>> analysis = analyse("Мене затримали 14 березня 2022 року в Херсоні.")
    >>> analysis.language, [(m.label, m.normalized) for m in analysis.mentions]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

from nlp.language import LANGUAGES, detect_language, language_segments
from nlp.mentions import LABELS, Analysis, Mention, Segment
from nlp.pipelines import PIPELINES, load_pipeline
from nlp.reading import Reading, read

__all__ = ["LABELS", "LANGUAGES", "PIPELINES", "Analysis", "Mention", "Segment", "analyse", "analyse_many",
           "analyse_pages", "detect_language", "load_pipeline"]

BATCH_SIZE = 64


def analyse(text: str, lang: str | None = None) -> Analysis:
    """Language and mentions of one text; `lang` forces one language, otherwise each paragraph is detected."""
    return next(analyse_many([text], lang=lang))


def analyse_many(texts: Iterable[str], lang: str | None = None, batch_size: int = BATCH_SIZE) -> Iterator[Analysis]:
    """Analyse texts in order, running each language's pipeline with nlp.pipe over batches of segments."""
    chunk: list[str] = []
    for text in texts:
        chunk.append(text)
        if len(chunk) >= batch_size:
            yield from _analyse_chunk(chunk, lang, batch_size)
            chunk = []
    if chunk:
        yield from _analyse_chunk(chunk, lang, batch_size)


def analyse_pages(pages: Iterable[str], lang: str | None = None) -> Iterator[Analysis]:
    """For ingest: one Analysis per page, in order, pages streamed in batches (never all held at once)."""
    return analyse_many(pages, lang=lang)


def _analyse_chunk(originals: list[str], lang: str | None, batch_size: int) -> Iterator[Analysis]:
    if lang is not None and lang not in PIPELINES:
        raise ValueError(f"no pipeline for language {lang!r}; have {', '.join(PIPELINES)}")
    # words hyphenated across line ends are read joined, Latin look-alikes in Cyrillic words as Cyrillic;
    # offsets are mapped back to the originals below
    texts, readings = zip(*map(read, originals)) if originals else ((), ())
    segments = [[(0, len(t), lang)] if lang else language_segments(t) for t in texts]
    jobs: dict[str, list[tuple[int, int, int]]] = {}
    for number, text_segments in enumerate(segments):
        for start, end, segment_lang in text_segments:
            jobs.setdefault(segment_lang, []).append((number, start, end))
    found: dict[tuple[int, int], list[Mention]] = {}
    for segment_lang, where in jobs.items():
        pipeline = load_pipeline(segment_lang)
        docs = pipeline.pipe((texts[n][s:e] for n, s, e in where), batch_size=batch_size)
        for (number, start, _), doc in zip(where, docs):
            found[(number, start)] = [_shift(m, start) for m in doc._.svidok_mentions]
    for number, original in enumerate(originals):
        mentions = [m for start, _, _ in segments[number] for m in found[(number, start)]]
        sizes: dict[str, int] = {}
        for start, end, segment_lang in segments[number]:
            sizes[segment_lang] = sizes.get(segment_lang, 0) + end - start
        main = max(sizes, key=sizes.get)
        reading = readings[number]
        if texts[number] is not original:
            mentions = [_in_original(m, reading, original) for m in mentions]
        yield Analysis(main, mentions, [Segment(reading.start(s), reading.end(e), l) for s, e, l in segments[number]])


def _in_original(mention: Mention, reading: Reading, original: str) -> Mention:
    """The mention's span in the original, whose text shows any line break it crosses; normalized stays joined."""
    start, end = reading.start(mention.start), reading.end(mention.end)
    return dataclasses.replace(mention, start=start, end=end, text=original[start:end])


def _shift(mention: Mention, offset: int) -> Mention:
    if offset == 0:
        return mention
    return Mention(mention.start + offset, mention.end + offset, mention.label, mention.text, mention.normalized,
                   mention.source, mention.confidence, mention.key)
