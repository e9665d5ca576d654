"""Cross-script keys for names, so a resolver can merge Коваленка Івана, Иван Коваленко and Ivan Kovalenko."""

from __future__ import annotations

import re
import unicodedata

# One Latin skeleton for Ukrainian and Russian spellings alike: letters that differ between the two
# languages' official romanisations (г/h/g, и/y/i, е/є/э/ye) collapse to the same key, and English
# spellings are folded the same way. The key is for matching, never for display.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "є": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "iu", "я": "ia", "'": "", "ʼ": "", "’": "",
}
_LATIN_FOLDS = [
    (re.compile(r"(?<![sczk])h"), "g"),  # Ukrainian г is romanised h, Russian г is g (sh/ch/kh/zh stay)
    (re.compile(r"y(?=[aeiou])"), "i"),  # yu/ya/ye -> iu/ia/e
    (re.compile(r"ie"), "e"),
    (re.compile(r"y"), "i"),
    (re.compile(r"(.)\1"), r"\1"),  # doubled letters (Anna/Ana) are spelling noise for matching
]
TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "sir", "lady", "judge", "professor", "prof", "pan", "pani",
                    "пан", "пані", "господин", "госпожа", "гражданин", "громадянин"})
_PATRONYMIC = re.compile(r"(ovich|evich|ovych|evych|ich|ovna|evna|ivna|yivna|ichna|inichna)$")


def transliterate(text: str) -> str:
    """Lower-case Latin form of Cyrillic text (Latin text passes through, lower-cased, accents removed)."""
    lowered = text.lower()
    out = "".join(_CYRILLIC.get(ch, ch) for ch in lowered)
    return unicodedata.normalize("NFKD", out).encode("ascii", "ignore").decode("ascii")


def skeleton(word: str) -> str:
    """The matching key of one word."""
    key = transliterate(word)
    key = re.sub(r"[^a-z]", "", key)
    for pattern, replacement in _LATIN_FOLDS:
        key = pattern.sub(replacement, key)
    return key


def name_key(normalized_name: str) -> str:
    """Key of a personal name in the nominative: word skeletons without patronymics or initials, sorted."""
    words = [skeleton(w) for w in re.split(r"[\s.]+", normalized_name) if w and w.lower() not in TITLES]
    words = [w for w in words if len(w) > 1 and not (len(w) > 5 and _PATRONYMIC.search(w))]
    return " ".join(sorted(words))


def phrase_key(normalized: str) -> str:
    """Key of any other name (organisation, unknown place): word skeletons in order."""
    return " ".join(w for w in (skeleton(w) for w in normalized.split()) if w)
