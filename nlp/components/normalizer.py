"""The last component of every pipeline: map labels, normalise each entity and turn it into a Mention."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.components.spans import rule_info
from nlp.dates import normalize_date
from nlp.gazetteer import find_place
from nlp.language import detect_language
from nlp.mentions import LABELS, Mention
from nlp.morph import normalize_phrase

if not Doc.has_extension("svidok_mentions"):
    Doc.set_extension("svidok_mentions", default=None)

DATA = Path(__file__).parent.parent / "data"
# forms of address that are not part of a person's name ("Mr Taras Bondar" -> "Taras Bondar")
TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "sir", "lady", "judge", "professor", "prof", "pan", "pani",
                    "пан", "пані", "господин", "госпожа", "гражданин", "громадянин"})
_TITLE_PREFIX = re.compile(r"^(?:(?:" + "|".join(sorted(TITLES, key=len, reverse=True)) + r")\.?\s+)+", re.IGNORECASE)


_LETTERS = re.compile(r"[^\W\d_]{2,}")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _capitalised(name: str) -> str:
    """"Ivan KOVALENKO" -> "Ivan Kovalenko": capitals in a name are a list's way to write the surname."""
    return _LETTERS.sub(lambda m: m.group().capitalize() if m.group().isupper() else m.group(), name)


@lru_cache(maxsize=100_000)
def _name_language(name: str, pipeline_lang: str) -> str:
    return detect_language(name, default=pipeline_lang) if _CYRILLIC.search(name) else "en"


@lru_cache(maxsize=None)
def precision_table() -> dict[str, dict[str, float]]:
    """Measured precision per source and label (nlp/data/precision.json), used as mention confidence."""
    return json.loads((DATA / "precision.json").read_text(encoding="utf-8"))["precision"]


class Normalizer:
    """Map model labels to ours, drop the rest, and store doc._.svidok_mentions."""

    def __init__(self, lang: str, model_source: str, label_map: dict[str, str], org_names: list[str] = (),
                 period_outside: list[str] = ()):
        self.lang = lang
        self.model_source = model_source
        self.label_map = label_map
        #: lemmatised, lower-case names that are organisations whatever the model says ("евросоюз": the EU is
        #: an organisation in factRuEval, where slovnet calls it a place)
        self.org_names = frozenset(org_names)
        #: abbreviations whose period a LOCATION ending in them leaves out, as the annotators mostly did
        #: ("Донецька обл." -> the mention "Донецька обл"): the tokenizer keeps "обл." one token, so the model
        #: cannot end a span before that period itself. Offsets and text change; normalized and key do not
        self.period_outside = frozenset(word.lower() for word in period_outside)

    def __call__(self, doc: Doc) -> Doc:
        info = rule_info(doc)
        table = precision_table()
        mentions = []
        for entity in doc.ents:
            label = entity.label_ if entity.label_ in LABELS else self.label_map.get(entity.label_)
            if label is None:
                continue
            if label == "LOCATION" and self.org_names \
                    and self._phrase(" ".join(entity.text.split())).lower() in self.org_names:
                label = "ORG"
            rule = info.get((entity.start_char, entity.end_char))
            source = rule[0] if rule else self.model_source
            # a DATE without a value ("six weeks", "the next day", "at 5 a.m.") stays a mention: the annotation
            # conventions count durations and times (TAB's DATETIME, ner-uk's DATE), and a detention's length is
            # evidence; timelines and case chronologies read only mentions with a value
            normalized, key = self.normalize(entity, label, rule[1] if rule else None)
            confidence = table.get(source, {}).get(label, table["_default"]["any"])
            end = entity.end_char
            if label == "LOCATION" and len(entity) > 1 and entity[-1].lower_ in self.period_outside:
                end -= 1
            mentions.append(Mention(entity.start_char, end, label, doc.text[entity.start_char:end], normalized,
                                    source, confidence, key))
        doc._.svidok_mentions = mentions
        return doc

    def normalize(self, entity: Span, label: str, rule_value: str | None) -> tuple[str | None, str | None]:
        """(normalized, key) of one entity; see nlp.mentions.Mention for what each label gets.

        Keys are only what nlp alone knows (a GeoNames id, a facility id, an ISO date). Matching names across
        scripts and cases is the resolver's job (ingest/entities.py, with archive_schema's name_key), so
        PERSON, ORG and places outside the gazetteer get no key here."""
        text = " ".join(entity.text.split())
        if label == "FACILITY":
            return rule_value, rule_value
        if label == "DATE":
            value = rule_value if rule_value is not None else self._pattern_value(entity)
            if value is None:
                value = normalize_date(text, self.lang)
            return value, value
        if label == "PERSON":
            bare = _TITLE_PREFIX.sub("", text) or text
            # the name's own language: "Коваленка Івана Петровича" in an English subject line or Russian text is
            # read by the Ukrainian dictionary
            lang = _name_language(bare, self.lang)
            normalized = normalize_phrase(bare, lang, names=True) if lang in ("uk", "ru") else _capitalised(bare)
            return normalized, None
        if label == "LOCATION":
            place = find_place(text, self.lang)
            if place is not None:
                return place.name, f"geonames:{place.geonameid}"
        return self._phrase(text), None

    def _phrase(self, text: str) -> str:
        """A span's words lemmatised (uk, ru) or as written: the normalized form of an ORG or unknown place."""
        return normalize_phrase(text, self.lang) if self.lang in ("uk", "ru") else text

    @staticmethod
    def _pattern_value(entity: Span) -> str | None:
        """The value the date patterns gave a span overlapping this model DATE, if any."""
        for start, end, value in entity.doc._.svidok_dates or ():
            if start < entity.end_char and entity.start_char < end and value is not None:
                return value
        return None


@Language.factory(
    "svidok_normalizer",
    assigns=["doc._.svidok_mentions"],
    requires=["doc.ents"],
    default_config={"lang": "uk", "model_source": "", "label_map": {}, "org_names": [], "period_outside": []},
)
def make_normalizer(nlp: Language, name: str, lang: str, model_source: str, label_map: dict[str, str],
                    org_names: list[str], period_outside: list[str]) -> Normalizer:
    return Normalizer(lang, model_source, label_map, org_names, period_outside)
