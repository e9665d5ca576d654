"""Natasha's slovnet NER (Russian news model, shipped inside the natasha package) as a spaCy component."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans

LABELS = {"PER": "PERSON", "LOC": "LOCATION", "ORG": "ORG"}


@lru_cache(maxsize=None)
def _tagger():
    try:
        from natasha import NewsEmbedding, NewsNERTagger
    except ImportError as exc:
        raise ImportError("the Russian pipeline needs natasha (and slovnet): pip install natasha slovnet") from exc
    return NewsNERTagger(NewsEmbedding())


class NatashaNER:
    """Set doc.ents from slovnet's spans (PER/LOC/ORG -> PERSON/LOCATION/ORG); batches in pipe()."""

    def __init__(self, batch_size: int):
        self.batch_size = batch_size

    def _set(self, doc: Doc, markup) -> Doc:
        spans, text = [], doc.text  # doc.text joins every token anew on each access
        for span in markup.spans:
            for start, stop in _pieces(text, span.start, span.stop):
                entity = doc.char_span(start, stop, label=LABELS[span.type], alignment_mode="expand")
                if entity is not None:
                    spans.append(entity)
        doc.ents = filter_spans(spans)
        return doc

    def __call__(self, doc: Doc) -> Doc:
        if _blank(doc):
            return doc
        return self._set(doc, _tagger()(doc.text))

    def pipe(self, docs: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        size = batch_size or self.batch_size
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= size:
                yield from self._flush(batch)
                batch = []
        yield from self._flush(batch)

    def _flush(self, batch: list[Doc]) -> Iterator[Doc]:
        # slovnet fails on a text without tokens (an empty or blank page): tag only the others, keep the order
        texts = [d.text for d in batch if not _blank(d)]
        markups = iter(_tagger().map(texts)) if texts else iter(())
        for doc in batch:
            yield doc if _blank(doc) else self._set(doc, next(markups))


#: what no name contains: a list bullet or a blank line (slovnet runs "Уганда • Замбия" together as one place)
_NOT_IN_A_NAME = re.compile(r"\s*(?:[•·▪]|\n\s*\n)\s*")
#: a name followed by its original or another form in brackets: "Джоэл Саймон (Joel Simon)"
_BRACKETED = re.compile(r"(?P<name>[^()]*\S)\s*\((?P<other>[^()]+)\)")


def _pieces(text: str, start: int, stop: int) -> list[tuple[int, int]]:
    """The names in slovnet's span text[start:stop]: cut at bullets and blank lines, and a name and its bracketed
    form ("Ши Тао (Shi Tao)") are two mentions, as factRuEval marks them; a dangling bracket is dropped."""
    pieces, begin = [], start
    for cut in _NOT_IN_A_NAME.finditer(text, start, stop):
        pieces.append((begin, cut.start()))
        begin = cut.end()
    pieces.append((begin, stop))
    names = []
    for a, b in pieces:
        bracketed = _BRACKETED.fullmatch(text, a, b)
        if bracketed:
            names += [bracketed.span("name"), bracketed.span("other")]
            continue
        while b > a and text[b - 1] in " \t\n(":  # "Бернс (" : the bracket opens what follows
            b -= 1
        names.append((a, b))
    return [(a, b) for a, b in names if text[a:b].strip(" \t\n.,;:()")]


def _blank(doc: Doc) -> bool:
    """No word, number or sign to tag: empty, whitespace, control or format characters only."""
    return not any(ch.isprintable() and not ch.isspace() for ch in doc.text)


@Language.factory("svidok_natasha_ner", assigns=["doc.ents"], default_config={"batch_size": 32})
def make_natasha_ner(nlp: Language, name: str, batch_size: int) -> NatashaNER:
    return NatashaNER(batch_size)
