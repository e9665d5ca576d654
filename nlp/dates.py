"""Find dates in Ukrainian, Russian and English text and normalise them to ISO 8601 with a precision.

Normalised values are strings whose shape carries the precision (see nlp.mentions.Mention):
"2022-03-14" day, "2022-03" month, "2022" year, "2022-03-14/2022-03-20" range (ISO 8601 interval, each
end at its own precision). A date written without a year ("1 квітня") takes the year of the closest earlier
dated mention in the same text; with none, its value is None: we never guess the current year.

Our regular expressions find the spans and know which parts were written; dateparser (languages set
explicitly, absolute dates only, so nothing is resolved against today) normalises spans the expressions
did not write themselves, such as the English model's DATE entities ("March 14, 2022", "the 14th of March 2022").
dateparser needs no network: its language data ship in the package.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

# month stems: every case form of the month name starts with one (березень/березня/березні, март/марта/марте)
_MONTH_STEMS = {
    "uk": ["січ", "лют", "берез", "квіт", "трав", "черв", "лип", "серп", "верес", "жовт", "листопад", "груд"],
    "ru": ["январ", "феврал", "март", "апрел", "ма[йяе]", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр"],
    "en": ["jan(?:uary)?", "feb(?:ruary)?", "mar(?:ch)?", "apr(?:il)?", "may", "june?", "july?", "aug(?:ust)?",
           "sep(?:t(?:ember)?)?", "oct(?:ober)?", "nov(?:ember)?", "dec(?:ember)?"],
}
_MONTH_RE = {
    lang: re.compile("|".join(f"(?P<m{i + 1}>{stem})" for i, stem in enumerate(stems)), re.IGNORECASE)
    for lang, stems in _MONTH_STEMS.items()
}
_MONTH_WORD = {
    "uk": r"(?:січ|лют|берез|квіт|трав|черв|лип|серп|верес|жовт|листопад|груд)[а-яіїє]{0,4}",
    "ru": r"(?:январ|феврал|март|апрел|ма[йяе]|июн|июл|август|сентябр|октябр|ноябр|декабр)[а-я]{0,3}",
    "en": r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?",
}
_YEAR_WORD = {
    "uk": r"(?:\s*(?:року|рік|році|р\.|р(?!\w)))?",
    "ru": r"(?:\s*(?:года|году|год|г\.|г(?!\w)))?",
    "en": r"",
}
# range words are whole words: "October" holds "to"
_RANGE_JOIN = {
    "uk": r"\s*(?:[-–—]|\b(?:по|до)\b)\s*",
    "ru": r"\s*(?:[-–—]|\b(?:по|до)\b)\s*",
    "en": r"\s*(?:[-–—]|\b(?:to|until|and)\b)\s*",
}
_RANGE_OPEN = {"uk": r"(?:\b(?:з|із|від)\s+)?", "ru": r"(?:\b(?:с|со|от)\s+)?", "en": r"(?:\b(?:from|between)\s+)?"}


def _patterns(lang: str) -> re.Pattern:
    month, year_word, join, opener = _MONTH_WORD[lang], _YEAR_WORD[lang], _RANGE_JOIN[lang], _RANGE_OPEN[lang]
    day = r"(?:[012]?\d|3[01])(?:st|nd|rd|th)?"
    year = r"(?:1[89]\d\d|20\d\d)"
    day_month_year = rf"{day}\s+{month}(?:,?\s+{year}{year_word})?"
    month_day_year = rf"{month}\s+{day}(?:,\s*|\s+){year}" if lang == "en" else r"(?!x)x"
    month_year = rf"{month}\s+{year}{year_word}"
    numeric = rf"(?:[0-3]?\d[./][01]?\d[./](?:{year}|\d\d)(?!\d){year_word}|{year}-[01]\d-[0-3]\d)"
    year_only = rf"{year}{year_word}" if lang != "en" else rf"(?<=\bin\s){year}"
    single = f"(?:{numeric}|{month_day_year}|{day_month_year}|{month_year}|{year_only})"
    ranges = (
        rf"{opener}{day}{join}{day_month_year}"  # 14-20 березня 2022, з 14 по 20 березня 2022
        rf"|{opener}{day}\s+{month}{join}{day_month_year}"  # з 14 березня по 2 квітня 2022
        rf"|{opener}{single}{join}{single}"
    )
    return re.compile(rf"(?<!\w)(?:{ranges}|{single})(?!\w)", re.IGNORECASE)


_PATTERNS = {lang: _patterns(lang) for lang in _MONTH_STEMS}
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_DAY_FIRST = re.compile(r"(?<![\d.])([012]?\d|3[01])(?:st|nd|rd|th)?(?!\d)")


@dataclass(frozen=True)
class DateMatch:
    """A date found by find_dates: text[start:end] means `value` (None when no year could be given)."""

    start: int
    end: int
    value: str | None


def _month(text: str, lang: str) -> int | None:
    match = _MONTH_RE[lang].search(text)
    if match is None:
        return None
    return next(int(name[1:]) for name, group in match.groupdict().items() if group)


def _iso(year: int | None, month: int | None = None, day: int | None = None) -> str | None:
    if year is None:
        return None
    try:
        if day is not None and month is not None:
            return dt.date(year, month, day).isoformat()
    except ValueError:
        return None
    if month is not None:
        return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None
    return f"{year:04d}"


def _one_date(text: str, lang: str, default_year: int | None) -> tuple[str | None, int | None]:
    """Normalise one written date (not a range); return (value, year used)."""
    numeric = re.search(r"(\d{1,2})[./](\d{1,2})[./](\d{2,4})", text) or re.search(r"(\d{4})-(\d\d)-(\d\d)", text)
    if numeric:
        a, b, c = (int(g) for g in numeric.groups())
        if a > 999:  # ISO order
            return _iso(a, b, c), a
        year = c + 2000 if c < 100 and c <= 40 else (c + 1900 if c < 100 else c)
        return _iso(year, b, a), year
    year_match = _YEAR.search(text)
    year = int(year_match.group()) if year_match else default_year
    month = _month(text, lang)
    rest = text[: year_match.start()] + text[year_match.end():] if year_match else text
    day_match = _DAY_FIRST.search(rest) if month else None
    day = int(day_match.group(1)) if day_match else None
    return _iso(year, month, day), year


def normalize_written_date(text: str, lang: str, default_year: int | None = None) -> str | None:
    """ISO value of a date span found by our patterns, ranges included."""
    parts = re.split(_RANGE_JOIN[lang], re.sub(_RANGE_OPEN[lang], "", text, count=1, flags=re.IGNORECASE), maxsplit=1,
                     flags=re.IGNORECASE)
    if len(parts) == 2 and _YEAR.fullmatch(parts[0].strip()) is None or (len(parts) == 2 and _YEAR.search(parts[1])):
        first, second = parts
        end, end_year = _one_date(second, lang, default_year)
        if end is None:
            return None
        # "14-20 березня 2022": the first end borrows the month and year it leaves out
        if not _MONTH_RE[lang].search(first) and not re.search(r"[./-]\d", first):
            first = f"{first} {second.split(maxsplit=1)[1] if ' ' in second.strip() else ''}"
        elif not _YEAR.search(first):
            first = f"{first} {end_year}"
        start, _ = _one_date(first, lang, end_year)
        if start is None or start == end:
            return end
        return f"{start}/{end}"
    value, _ = _one_date(text, lang, default_year)
    return value


def find_dates(text: str, lang: str) -> list[DateMatch]:
    """Every date written in `text`, in order; year-less dates take the previous dated mention's year."""
    found = []
    last_year = None
    for match in _PATTERNS[lang].finditer(text):
        written = match.group()
        value = normalize_written_date(written, lang, last_year)
        if value:
            last_year = int(value[:4])
        found.append(DateMatch(match.start(), match.end(), value))
    return found


@lru_cache(maxsize=None)
def _parser(lang: str):
    try:
        from dateparser.date import DateDataParser
    except ImportError as exc:
        raise ImportError("nlp needs dateparser: pip install dateparser") from exc
    return DateDataParser(
        languages=[lang],
        settings={
            "PREFER_DAY_OF_MONTH": "first",
            "DATE_ORDER": "DMY",
            # absolute dates only: "the next day" or "three years" must not become today's date
            "PARSERS": ["timestamp", "custom-formats", "absolute-time"],
            "STRICT_PARSING": False,
        },
    )


@lru_cache(maxsize=50_000)
def normalize_date(text: str, lang: str) -> str | None:
    """ISO value of any date-like span: our patterns first, then dateparser; None unless a year is written."""
    pattern_match = _PATTERNS[lang].search(text)
    if pattern_match and pattern_match.end() - pattern_match.start() >= len(text.strip()) * 0.6:
        return normalize_written_date(pattern_match.group(), lang)
    if not _YEAR.search(text):
        return None
    data = _parser(lang).get_date_data(text)
    if data.date_obj is None:
        return None
    year = data.date_obj.year
    if str(year) not in text:
        return None
    if data.period == "year":
        return f"{year:04d}"
    if data.period == "month":
        return f"{year:04d}-{data.date_obj.month:02d}"
    return data.date_obj.date().isoformat()


def precision(value: str) -> str:
    """'day', 'month', 'year' or 'range' of a normalised date value."""
    if "/" in value:
        return "range"
    return {10: "day", 7: "month", 4: "year"}[len(value)]
