"""Interface languages: the user's pick (a cookie), else the browser's Accept-Language, else English.

Catalogues live in ``translations/<lang>/LC_MESSAGES/messages.po``; the compiled ``.mo`` files are committed
next to them (``tests/web/test_i18n.py`` fails when a ``.mo`` is older than its ``.po``), so an installed
wheel needs no build step. Dates and numbers are formatted by Babel for the chosen language.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Flask, request
from flask_babel import Babel, format_date, format_datetime, format_decimal, get_locale

TRANSLATIONS = Path(__file__).parent / "translations"
#: code -> the language's own name, in the order the switch shows them
LANGUAGES = {"uk": "Українська", "en": "English", "ru": "Русский"}
DEFAULT = "en"
COOKIE = "svidok_lang"
COOKIE_AGE = 365 * 24 * 3600


def select_locale() -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT


def current_language() -> str:
    return str(get_locale() or DEFAULT)


def number(value: int | float | None) -> str:
    return "" if value is None else format_decimal(value)


def date(value: dt.date | dt.datetime | str | None, style: str = "medium") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value, style)


def month(value: str) -> str:
    """``2022-03`` as the language names a month of a year (``бер. 2022``, ``Mar 2022``)."""
    try:
        return format_date(dt.date.fromisoformat(value + "-01"), "LLL y")
    except (TypeError, ValueError):
        return value


def moment(value: dt.datetime | str | None) -> str:
    """A point in time, in UTC (stored times are UTC; the archive spans countries)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return format_datetime(value, "medium") + " UTC"


def filesize(size: int | None) -> str:
    if size is None:
        return ""
    units = ("B", "KB", "MB", "GB", "TB")
    value, unit = float(size), 0
    while value >= 1024 and unit < len(units) - 1:
        value, unit = value / 1024, unit + 1
    return f"{format_decimal(round(value, 1) if unit else int(value))} {units[unit]}"


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, timezone_selector=lambda: "UTC",
          default_translation_directories=str(TRANSLATIONS))
    app.jinja_env.filters.update(number=number, date=date, month=month, moment=moment, filesize=filesize)
    from .labels import GLOBALS

    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_language=current_language, **GLOBALS)
