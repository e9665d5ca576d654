"""An OCR text layer (``ingest.ocr``): a derived item that records how a scan's text was read.

It has no pages of its own: its text is on the original's pages, where search finds it under the original's
page numbers. Its properties summarise it (engine, languages, pages, mean confidence).
"""
from __future__ import annotations

from typing import Iterator

from ..ocr import LAYER_MEDIA_TYPE, LAYER_SIGNATURE, read_layer
from . import ExtractionError, Extractor, Source, register


@register
class OcrLayerExtractor(Extractor):
    media_types = (LAYER_MEDIA_TYPE,)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head.startswith(LAYER_SIGNATURE)

    def pages(self, source: Source) -> Iterator[str]:
        try:
            body = read_layer(source.path.read_bytes())
        except ValueError as exc:
            raise ExtractionError(str(exc)) from None
        confidences = [p["confidence"] for p in body["pages"] if isinstance(p.get("confidence"), (int, float))]
        source.properties["ocr_layer"] = {
            "source_sha256": body.get("source_sha256"), "engine": body.get("engine"),
            "languages": body.get("languages"), "pages": len(body["pages"]),
            "mean_confidence": round(sum(confidences) / len(confidences), 3) if confidences else None}
        return iter(())
