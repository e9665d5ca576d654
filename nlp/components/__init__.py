"""spaCy components of svidok's pipelines; importing this package registers their factories."""

from nlp.components import dates, facilities, natasha_ner, normalizer, places  # noqa: F401  (registration)

FACTORIES = ("svidok_natasha_ner", "svidok_facilities", "svidok_dates", "svidok_places", "svidok_normalizer")
