"""What is checked before a case is exported: the warnings a lawyer sees, and the names an export must hide.

``NameMatcher`` finds an anonymous person's real name in any script and most case forms (``Олена Петренко``,
``Олени Петренко``, ``Olena Petrenko``, ``ПЕТРЕНКО``) through the search index's name keys, so the exporter can
replace it by the pseudonym in everything it writes, and flag exhibits whose own pages name the person.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive_schema.cases import FOUR_MONTHS_FROM, RUSSIA_CUTOFF, RUSSIA_NAMES, get_case, ordered_exhibits
from archive_schema.models import Case, CasePerson, EntityName, Exhibit, Mention, Page
from archive_schema.search.analysis import name_key

#: a word's key may carry this many letters more than the name's (Коваленком -> kAvlnkm against kAvlnk)
_ENDING_SLACK = 2
#: a name word this distinctive is enough alone (surnames); shorter keys (Олена -> Aln) only next to another
_DISTINCT = 5
#: a hyphen ending a line inside a word: "-" or a soft hyphen before the line break, or the single mark
#: pdfium's text puts in place of both (U+FFFE; U+0002 in older versions)
_HYPHEN_BREAK = r"(?:[-\u00ad][ \t]*\r?\n[ \t]*|[\ufffe\x02][ \t]*(?:\r?\n[ \t]*)?)"
#: a word, across a line end where it was hyphenated ("Гри-\nценко")
_WORD = re.compile(r"\w+(?:(?:['’ʼ`-]|" + _HYPHEN_BREAK + r")\w+)*")
_LINE_BREAK_HYPHEN = re.compile(_HYPHEN_BREAK)


@dataclass(frozen=True)
class Warning:
    code: str  # russia_jurisdiction, time_limit, undated_exhibit, unreviewed_exhibit, names_anonymous
    message: str
    exhibit: str | None = None  # the exhibit number concerned
    blocking: bool = False  # the export refuses while it holds


class NameMatcher:
    """Finds the real names of a case's anonymous persons in text, and replaces them by their pseudonyms."""

    def __init__(self, session: Session, persons: list[CasePerson]):
        self.words: list[tuple[set[str], CasePerson]] = []
        for person in persons:
            if not person.anonymous:
                continue
            names = [person.name, *person.other_names]
            if person.entity_id:
                names += session.scalars(select(EntityName.name).where(EntityName.entity_id == person.entity_id))
            keys = {k for name in names for k in name_key(name).split() if k}
            if keys:
                self.words.append((keys, person))

    def _person_of(self, word: str) -> CasePerson | None:
        key = name_key(word).replace(" ", "")
        if not key:
            return None
        for keys, person in self.words:
            for name in keys:
                if key == name or (len(name) >= _DISTINCT - 1 and key.startswith(name)
                                   and len(key) - len(name) <= _ENDING_SLACK):
                    return person
        return None

    def find(self, text: str) -> list[tuple[int, int, CasePerson]]:
        """Spans of ``text`` naming an anonymous person: runs of name words with a surname-like word or two."""
        spans: list[tuple[int, int, CasePerson]] = []
        run: list[tuple[re.Match, CasePerson]] = []

        def close() -> None:
            if run and (len(run) > 1 or len(name_key(run[0][0].group()).replace(" ", "")) >= _DISTINCT):
                spans.append((run[0][0].start(), run[-1][0].end(), run[0][1]))
            run.clear()

        for match in _WORD.finditer(text):
            word = _LINE_BREAK_HYPHEN.sub("", match.group())
            person = self._person_of(word)
            if person is None and "-" in word:
                # a double-barrelled name ("Гриценко-Коваль") is hers if either part is: over-redacting is safe
                person = next(filter(None, map(self._person_of, word.split("-"))), None)
            adjacent = run and text[run[-1][0].end():match.start()].strip(" \t\r\n.,") == "" and run[-1][1] is person
            if person is None or (run and not adjacent):
                close()
            if person is not None:
                run.append((match, person))
        close()
        return spans

    def redact(self, text: str) -> str:
        """``text`` with every anonymous person's name replaced by their pseudonym."""
        if not self.words or not text:
            return text
        out, last = [], 0
        for start, end, person in self.find(text):
            out += [text[last:start], person.pseudonym]
            last = end
        return "".join(out) + text[last:]


def exhibits_naming_anonymous(session: Session, case: Case, matcher: NameMatcher) -> list[tuple[Exhibit, int, str]]:
    """(exhibit, page, pseudonym) for each exhibit page that names an anonymous person, by its text or by a
    mention resolved to the person's entity: such pages may not be exported until a redacted derivative exists."""
    found = []
    entity_of = {p.entity_id: p for p in case.persons if p.anonymous and p.entity_id}
    for exhibit in case.exhibits:
        pages = session.execute(select(Page.id, Page.number, Page.text).where(
            Page.item_id == exhibit.item_id, Page.number.between(exhibit.page_start, exhibit.page_end))
            .order_by(Page.number))
        for page_id, number, text in pages:
            spans = matcher.find(text or "")
            if spans:
                found.append((exhibit, number, spans[0][2].pseudonym))
                continue
            if entity_of:
                entity = session.scalar(select(Mention.entity_id).where(
                    Mention.page_id == page_id, Mention.entity_id.in_(list(entity_of))).limit(1))
                if entity:
                    found.append((exhibit, number, entity_of[entity].pseudonym))
    return found


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _period_end(start: dt.date, end: dt.date | None, precision: str) -> dt.date:
    if end:
        return end
    if precision == "year":
        return dt.date(start.year, 12, 31)
    if precision == "month":
        return _add_months(start.replace(day=1), 1) - dt.timedelta(days=1)
    return start


def _number_order(number: str) -> tuple[int, str]:
    digits = re.findall(r"\d+", number)
    return (int(digits[-1]) if digits else 0, number)


def case_warnings(session: Session, case_id: str, forum: str | None = None, *,
                  today: dt.date | None = None) -> list[Warning]:
    """Everything a lawyer should see before exporting the case for ``forum`` (the case's own by default)."""
    case = get_case(session, case_id)
    forum = forum or case.forum
    today = today or dt.date.today()
    warnings: list[Warning] = []
    if forum == "echr" and case.respondent_state.strip().lower() in RUSSIA_NAMES:
        for entry in case.chronology:
            end = _period_end(entry.date_start, entry.date_end, entry.precision)
            if entry.date_start > RUSSIA_CUTOFF:
                warnings.append(Warning("russia_jurisdiction", f"fact of {entry.date_start.isoformat()} is after "
                                        "16 September 2022: outside the Court's jurisdiction over Russia"))
            elif end > RUSSIA_CUTOFF:
                warnings.append(Warning("russia_jurisdiction", f"fact of {entry.date_start.isoformat()} "
                                        f"({entry.precision}) may reach past 16 September 2022: the Court is "
                                        "competent for Russia's acts only until then"))
    if forum == "echr" and case.final_domestic_decision:
        decided = case.final_domestic_decision
        months = 4 if decided >= FOUR_MONTHS_FROM else 6
        deadline = _add_months(decided, months)
        state = "has passed" if deadline < today else f"{(deadline - today).days} days left"
        warnings.append(Warning("time_limit", f"{months}-month time limit from the final domestic decision of "
                                f"{decided.isoformat()}: lodge by {deadline.isoformat()} ({state})"))
    if forum == "echr":
        listed = [e.number for e in ordered_exhibits(case, forum)]
        if listed != sorted(listed, key=_number_order):
            warnings.append(Warning("numbering", "exhibit numbers do not follow the chronological list ("
                                    + ", ".join(listed) + "): renumber them before filing"))
    for exhibit in case.exhibits:
        if exhibit.date is None:
            warnings.append(Warning("undated_exhibit", f"exhibit {exhibit.number} has no date", exhibit.number))
        if not exhibit.reviewed:
            warnings.append(Warning("unreviewed_exhibit", f"exhibit {exhibit.number}: pages {exhibit.page_start}-"
                                    f"{exhibit.page_end} never reviewed", exhibit.number))
    matcher = NameMatcher(session, case.persons)
    for exhibit, page, pseudonym in exhibits_naming_anonymous(session, case, matcher):
        warnings.append(Warning("names_anonymous", f"exhibit {exhibit.number} page {page} names the person "
                                f"known as {pseudonym}: redact it before export", exhibit.number, blocking=True))
    return warnings
