"""Ukrainian and Russian name edges: a verb at the start of a sentence is no part of the name after it.

Testimonies open sentences with the verb: "Затримали Коваленка Івана Петровича", "Побили Петренка Олега",
"Задержали Коваленко Ивана". The models, trained on running text where a capitalised word before a surname is mostly a
given name, take the verb into the person ("Затримали Коваленка Івана Петровича") or cut the name in two ("Побили
Петренка" + "Олега"); either way the person cannot be resolved. A leading word the dictionary (pymorphy3) reads first
as a verb, adverb, conjunction, preposition, particle or pronoun, and never as a name, surname, patronymic or place,
leaves the span; with `join` a person the model then left in two adjacent pieces on one line becomes one.

Two more edges of the same kind: a name holds no number, so a list row ("Руденко Дмитро 14.02.2008 Маріуполь") gives
the name up to the first word with a digit (and up to the line break before it: "Коваленко И. П.\nФКУ СИЗО-2") and
leaves the date to the date rules; and a heading word the dictionary knows only as a common noun leaves a whole name
after it ("Лист Ткачук Андрій Миколайович"; two words at least must remain, so "Папа Франциск" keeps its title).
With `leading = false` only the number edge applies (ru.cfg).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from nlp.components.spans import rule_info
from nlp.morph import unnamed_pos

#: what a sentence-opening word that is no part of a name reads as: verbs, adverbs and function words
NOT_NAME_POS = frozenset({"VERB", "INFN", "GRND", "ADVB", "CONJ", "PREP", "PRCL", "NPRO", "PRED", "INTJ"})
SOURCE = "rule:name_edges"


class NameEdges:
    def __init__(self, lang: str, join: bool = False, leading: bool = True):
        if lang not in ("uk", "ru"):
            raise ValueError(f"svidok_name_edges reads Ukrainian and Russian, not {lang!r}")
        self.lang = lang
        self.join = join
        self.leading = leading

    def _pos(self, token: Token) -> str | None:
        return unnamed_pos(token.text, self.lang) if token.is_alpha else None

    def _edges(self, doc: Doc, entity: Span) -> tuple[int, int]:
        start = entity.start
        # a name holds no number: "Руденко Дмитро 14.02.2008 Маріуполь" is a list row, the date its own mention;
        # and the line with the number is none of the name ("Коваленко И. П.\nФКУ СИЗО-2 г. Таганрог")
        end = next((i for i in range(start + 1, entity.end) if any(c.isdigit() for c in doc[i].text)), entity.end)
        if end < entity.end:
            end = next((i for i in range(start + 1, end) if "\n" in doc[i - 1].whitespace_ or doc[i].is_space), end)
            while end - start > 1 and doc[end - 1].is_space:
                end -= 1
        if not self.leading:
            return start, end
        while start < end - 1 and self._pos(doc[start]) in NOT_NAME_POS:
            start += 1
        # a heading word before a whole name: "Лист Ткачук Андрій Миколайович" (not "Папа Франциск")
        if end - start >= 3 and self._pos(doc[start]) == "NOUN":
            start += 1
        return start, end

    def __call__(self, doc: Doc) -> Doc:
        info = rule_info(doc)
        ents, changed = [], False
        for entity in doc.ents:
            start, end = self._edges(doc, entity) if entity.label_ == "PERSON" else (entity.start, entity.end)
            if (start, end) != (entity.start, entity.end):
                info.pop((entity.start_char, entity.end_char), None)
                entity = Span(doc, start, end, label="PERSON")
                info[(entity.start_char, entity.end_char)] = (SOURCE, None)
                changed = True
            previous = ents[-1] if ents else None
            if (self.join and previous is not None and entity.label_ == previous.label_ == "PERSON"
                    and entity.start == previous.end and doc[previous.end - 1].whitespace_ == " "
                    and info.get((previous.start_char, previous.end_char), ("",))[0] == SOURCE):
                # only a piece this rule cut loose joins the rest: two names side by side stay two
                info.pop((previous.start_char, previous.end_char), None)
                info.pop((entity.start_char, entity.end_char), None)
                entity = Span(doc, previous.start, entity.end, label="PERSON")
                info[(entity.start_char, entity.end_char)] = (SOURCE, None)
                ents[-1] = entity
                continue
            ents.append(entity)
        if changed:
            doc.ents = ents
        return doc


@Language.factory("svidok_name_edges", assigns=["doc.ents"], requires=["doc.ents"],
                  default_config={"lang": "uk", "join": False, "leading": True})
def make_name_edges(nlp: Language, name: str, lang: str, join: bool, leading: bool) -> NameEdges:
    return NameEdges(lang, join, leading)
