"""spaCy components of svidok's pipelines; importing this package registers their factories."""

from nlp.components import morph_features, dates, facilities, list_names, name_edges, natasha_ner, normalizer, places, span_edges, uk_spans  # noqa: F401  (registration)

FACTORIES = ("svidok_morph_features", "svidok_natasha_ner", "svidok_facilities", "svidok_dates", "svidok_places", "svidok_span_edges", "svidok_echr_roles", "svidok_uk_spans", "svidok_list_names", "svidok_name_edges", "svidok_normalizer")
