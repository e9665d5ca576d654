"""Read annotated NER documents (the JSONL format of shared/data/ner) and split them reproducibly."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

# the held-out share and seed behind every Ukrainian figure we report; change both or neither
HELDOUT_SHARE = 0.2
SPLIT_SEED = 13


@dataclass
class AnnotatedDocument:
    """One document: text plus gold entities as (start, end, label), end exclusive."""

    id: str
    lang: str
    text: str
    entities: list[tuple[int, int, str]] = field(default_factory=list)


def read_documents(path: str | Path) -> Iterator[AnnotatedDocument]:
    """Yield the documents of a JSONL file, one JSON object a line."""
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from exc
            yield AnnotatedDocument(
                id=row["id"],
                lang=row.get("lang", ""),
                text=row["text"],
                entities=[(int(s), int(e), str(label)) for s, e, label in row.get("entities", [])],
            )


def write_documents(documents: Iterable[AnnotatedDocument], path: str | Path) -> None:
    """Write documents back as JSONL (used for the held-out file, which stays outside the repository)."""
    with open(path, "w", encoding="utf-8") as out:
        for doc in documents:
            row = {"id": doc.id, "lang": doc.lang, "text": doc.text, "entities": [list(e) for e in doc.entities]}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def split_documents(
    documents: Iterable[AnnotatedDocument], share: float = HELDOUT_SHARE, seed: int = SPLIT_SEED
) -> tuple[list[AnnotatedDocument], list[AnnotatedDocument]]:
    """Split by whole document into (kept, held_out); the same ids and seed always give the same split."""
    ordered = sorted(documents, key=lambda d: d.id)
    ids = [d.id for d in ordered]
    random.Random(seed).shuffle(ids)
    held_ids = set(ids[: round(len(ids) * share)])
    kept = [d for d in ordered if d.id not in held_ids]
    held = [d for d in ordered if d.id in held_ids]
    return kept, held


def fold_documents(
    documents: Iterable[AnnotatedDocument], fold: int, folds: int = 5, seed: int = SPLIT_SEED
) -> tuple[list[AnnotatedDocument], list[AnnotatedDocument]]:
    """Fold ``fold`` (0-based) of ``folds``, by whole document, as (kept, held_out).

    The folds' held-out parts are disjoint and together hold every document once, so the held-out scores of
    all folds, pooled, measure a setup on the whole corpus rather than on one fifth of it.
    """
    if not 0 <= fold < folds:
        raise ValueError(f"fold must be 0 to {folds - 1}")
    ordered = sorted(documents, key=lambda d: d.id)
    ids = [d.id for d in ordered]
    random.Random(seed).shuffle(ids)
    held_ids = set(ids[fold::folds])
    return [d for d in ordered if d.id not in held_ids], [d for d in ordered if d.id in held_ids]


# the corpus splits punctuation off with spaces ("В . І . Вернадським", "Києва ,"); real testimony does not
_SPACE_BEFORE = re.compile(r" (?=[.,:;!?)\]»%])")
_SPACE_AFTER = re.compile(r"(?<=[(\[«]) ")


def detokenize(doc: AnnotatedDocument) -> AnnotatedDocument:
    """Remove the corpus's spaces around punctuation, moving entity offsets along, to train on running text."""
    drop = sorted({m.start() for m in _SPACE_BEFORE.finditer(doc.text)} | {m.start() for m in _SPACE_AFTER.finditer(doc.text)})
    if not drop:
        return doc
    dropped = set(drop)
    # shift[i] = how many characters before offset i are removed
    shift = [0] * (len(doc.text) + 1)
    removed = 0
    for i in range(len(doc.text) + 1):
        shift[i] = removed
        if i in dropped:
            removed += 1
    text = "".join(ch for i, ch in enumerate(doc.text) if i not in dropped)
    entities = []
    for start, end, label in doc.entities:
        new_start, new_end = start - shift[start], end - shift[end]
        # a dropped space at the very end of a span is not part of it
        if new_end > new_start:
            entities.append((new_start, new_end, label))
    return AnnotatedDocument(doc.id + "#detok", doc.lang, text, entities)
