"""Turn the marked-up fixture texts in tests/nlp/data/*.txt into the JSONL format of nlp.evaluate."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from nlp_markup import parse_markup  # noqa: E402

DATA = Path(__file__).parent / "data"


def convert(source: Path, lang: str) -> Path:
    """Write source.jsonl next to source; one document per non-comment paragraph."""
    blocks = [b.strip() for b in source.read_text(encoding="utf-8").split("\n\n")]
    rows = []
    for number, block in enumerate(b for b in blocks if b and not b.startswith("#")):
        text, entities = parse_markup(block)
        rows.append({"id": f"{source.stem}/{number}", "lang": lang, "text": text,
                     "entities": [[s, e, label] for s, e, label, _ in entities]})
    target = source.with_suffix(".jsonl")
    target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return target


if __name__ == "__main__":
    for name in ("en-echr-fictional.txt", "en-echr-durations.txt"):
        print(convert(DATA / name, "en"))
