"""Build the spaCy pipeline of a language from its config in this folder, once per process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

HERE = Path(__file__).parent
MODELS = HERE.parent / "models"
PIPELINES = {"uk": HERE / "uk.cfg", "ru": HERE / "ru.cfg", "en": HERE / "en.cfg"}


@lru_cache(maxsize=None)
def load_pipeline(lang: str) -> "Language":
    """The pipeline for 'uk', 'ru' or 'en'; models come from installed packages or nlp/models, never the network.
    spaCy is imported here, on first use: importing nlp (for its vocabulary and its Mention) costs nothing."""
    import spacy

    import nlp.components  # noqa: F401  (registers our factories before any config is read)

    if lang not in PIPELINES:
        raise ValueError(f"no pipeline for language {lang!r}; have {', '.join(PIPELINES)}")
    config = spacy.util.load_config(PIPELINES[lang], overrides={"paths.uk_ner": str(MODELS / "uk_ner")},
                                    interpolate=False)
    return spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
