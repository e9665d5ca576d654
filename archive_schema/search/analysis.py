"""Search linguistics: tokens, lemmas and cross-script name keys for uk, ru and en.

Both backends index what this module computes, so the embedded index and Elasticsearch agree exactly.
Every word position of a page yields exactly one token in each of two parallel streams:

* ``terms``: the lemma (Ukrainian/Russian via pymorphy3) or English Snowball stem, lowercased;
* ``keys``: :func:`name_key` of that lemma, a script-independent consonant skeleton so that
  ``Коваленко``, ``Коваленка``, ``Kovalenko`` and ``Kowalenko`` share one key.

One token per position keeps phrases exact on both engines. After its words, the lemma stream carries
each pair of adjacent function words as one token (:func:`function_grams`). A query word is expanded to
every lemma its dictionaries allow (:func:`query_forms`), which always contains the one a page chose for
the same surface form, so a page never misses a query for the very word it contains.
"""
from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import repeat
from operator import is_not, itemgetter

import pymorphy3
import Stemmer

#: a word: letters/digits, with inner apostrophes (Ukrainian м'ясо, English Kovalenko's).
#: Underscores are blanked before matching (same length, so spans hold): \w is faster than [^\W_].
WORD_RE = re.compile(r"\w+(?:['’ʼ`]\w+)*")
#: a word hyphenated across a line end and continued in lower case ("Гри-\nценко", "deten-\ntion"): one
#: word. A capital after the break ("Івано-\nФранківськ") is a compound, which stays two words as in-line.
_BREAK = r"[-\u00ad][ \t]*\r?\n[ \t]*(?=[^\W\d_])(?![A-ZА-ЯЁІЇЄҐ])"
LINE_BREAK_HYPHEN = re.compile(r"(?<=\w)" + _BREAK)
#: the same words with their spans kept, for tokenize (highlights); a soft hyphen inside a word joins too
_JOINED_WORD_RE = re.compile(r"\w+(?:(?:['’ʼ`\u00ad]|" + _BREAK + r")\w+)*")
SOFT_HYPHEN = "\u00ad"
APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "ё": "е", "Ё": "Е"})
CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
UKRAINIAN_ONLY = frozenset("іїєґ")
RUSSIAN_ONLY = frozenset("ыэъё")
#: Latin letters OCR and typists put into Cyrillic words ("Kовaленко")
HOMOGLYPHS = str.maketrans("aceiopxyk", "асеіорхук")
#: "No. 2", "№ 2", "nr 2": the number sign is dropped before a number so "SIZO No. 2" = "СІЗО №2"
NUMBER_SIGNS = frozenset({"no", "nr", "n", "номер", "н"})

#: function words of en, uk and ru as typed (articles, prepositions, conjunctions, particles, pronouns,
#: auxiliaries). They are in most pages of their language, so a phrase's name-key variant leaves their
#: positions open (plan.py): reading their keys' positions was most of a common phrase's cost, and a
#: function word has no transliteration worth matching. The lemma variant still requires them exactly.
FUNCTION_WORDS = frozenset("""
a an the of and or but nor to in on at by for with from into onto upon as than that this these those
is are was were be been being am has have had do does did would shall should could might
must not no he she it they we you i me him her them us his its their our your my who whom whose which
what there here then so if
і й та а але чи або що як не ні ж же б би в у на з із зі зо до від од по за під над про для при без
через між біля коло серед після перед крізь поза задля він вона воно вони ми ви я мене мені його її їх
їм нам вам нас вас це цей ця ці той та те ті був була було були є бути буде будуть який яка яке які
де коли тому також так ще вже
и да или но что чтобы как не ни же бы б в во на с со из к ко от до по за под над о об обо про для при
без через между около после перед он она оно они мы вы я меня мне его ее её их им нам вам нас вас это
этот эта эти тот та то те был была было были есть быть будет будут который которая которое которые где
когда тоже также так еще уже
""".split())

_morph_lock = threading.Lock()


def _new_lock_after_fork() -> None:
    # bulk writes fork analysis workers (embedded.py): a lock held by another thread at that moment
    # would never be released in the child
    global _morph_lock
    _morph_lock = threading.Lock()


os.register_at_fork(after_in_child=_new_lock_after_fork)
_morphs: dict[str, pymorphy3.MorphAnalyzer] = {}
_english = Stemmer.Stemmer("english")
_first, _second = itemgetter(0), itemgetter(1)
_has_words = partial(is_not, None)  # a chunk's part of the key stream (None: the chunk has no words)
_word_cache: dict[str | None, dict[str, tuple[str, str]]] = {}
#: per language: a whitespace-separated chunk of text ("Коваленка,") -> (its lowercased words' lemmas
#: joined by spaces, their keys joined by spaces, its kind), (None, None, NO_WORDS) for a chunk without
#: words. No word spans whitespace, so a text's streams are its chunks' joined; chunks with a number
#: sign depend on the next chunk and are never stored. Chunks follow the words' Zipf curve, so a warm
#: cache answers almost every one. One lookup gives all three (each further table costs a probe per
#: chunk). The kind is what function_grams needs to know: FUNCTION (a function word), JOINED (several
#: words, one of them a function word: "будь-який" gives "будь який"), else 0; and NO_WORDS, which
#: lets a text whose every chunk has words skip filtering them out (most pages: no chunk lacks words).
_chunk_streams: dict[str | None, dict[str, tuple[str | None, str | None, int]]] = {}
FUNCTION, JOINED, NO_WORDS = 1, 2, 3
_NO_WORDS = bytes([NO_WORDS])
MAX_CACHED = 1_000_000  # entries per language and cache: bounded memory on a pathological vocabulary


def _morph(lang: str) -> pymorphy3.MorphAnalyzer:
    with _morph_lock:
        if lang not in _morphs:
            _morphs[lang] = pymorphy3.MorphAnalyzer(lang=lang)
        return _morphs[lang]


@dataclass(frozen=True)
class Token:
    """One word of a text: its span in the original, its lemma and its name key."""

    start: int
    end: int
    lemma: str
    key: str


def _skipped(words: list[str], i: int) -> bool:
    return words[i] in NUMBER_SIGNS and i + 1 < len(words) and words[i + 1].isdigit()


def analyse_words(words: list[str], language: str | None) -> list[tuple[str, str] | None]:
    """(lemma, key) per lowercased word (None: skipped), through a plain dict per language.

    This is the indexing hot loop: the lookups run in C (map), Python only handles cache misses
    and the rare number sign.
    """
    cache = _word_cache.setdefault(language, {})
    pairs = list(map(cache.get, words))
    if None in pairs:
        if len(cache) > MAX_CACHED:
            cache.clear()
        for i, pair in enumerate(pairs):
            if pair is None:
                pairs[i] = cache[words[i]] = analyse_word(words[i], language)
    if not NUMBER_SIGNS.isdisjoint(words):
        for i in range(len(words)):
            if _skipped(words, i):
                pairs[i] = None
    return pairs


def tokenize(text: str, language: str | None = None) -> list[Token]:
    """Split text into words and analyse each (one token per word position), keeping spans."""
    text = text.replace("_", " ")
    if _may_hyphenate(text):
        matches = list(_JOINED_WORD_RE.finditer(text))
        words = [_dehyphenate(m.group()).lower() for m in matches]
    else:
        matches = list(WORD_RE.finditer(text))
        words = [m.group().lower() for m in matches]
    pairs = analyse_words(words, language)
    return [Token(m.start(), m.end(), *pair) for m, pair in zip(matches, pairs) if pair]


def analyse_text(text: str, language: str | None = None, *, grams: bool = False) -> tuple[str, str]:
    """The two whitespace-joined token streams (terms, keys) an index stores for a text.

    With grams, the lemma stream is followed by its function-word pairs (:func:`function_grams`).
    """
    if _may_hyphenate(text):
        text = _dehyphenate(text)
    chunks = text.split()
    streams_of = _chunk_streams.get(language)
    if streams_of is not None and chunks:
        # the indexing hot path: every chunk seen before, joined straight from the cache in C
        try:
            chunk_terms, chunk_keys, chunk_kinds = zip(*map(streams_of.__getitem__, chunks))
        except KeyError:
            pass  # an unseen chunk: analyse the text word by word, and remember its chunks
        else:
            kinds = bytes(chunk_kinds)
            if _NO_WORDS in kinds:
                # a chunk without words stores None: filter(None) drops it by a truth test, no
                # call (a lemma is never empty; a key may be, "ь", and keeps its place as
                # word-by-word does), and the kinds are those of the chunks with words
                chunk_terms = tuple(filter(None, chunk_terms))
                chunk_keys = filter(_has_words, chunk_keys)
                kinds = kinds.replace(_NO_WORDS, b"")
            terms = " ".join(chunk_terms)
            if grams:
                terms += function_grams(chunk_terms, kinds)
            return terms, " ".join(chunk_keys)
    terms, keys = _analyse_words_of(text.lower(), language)
    _remember_chunks(chunks, language)
    return (terms + function_grams(terms.split(" ")) if grams and terms else terms), keys


_SPACED_BREAK = re.compile(r"-[ \t]+\r?\n")


def _may_hyphenate(text: str) -> bool:
    """Whether LINE_BREAK_HYPHEN or a soft hyphen can occur at all (a fast test; most pages: no)."""
    return (SOFT_HYPHEN in text or "-\n" in text or "-\r\n" in text
            or ("-" in text and _SPACED_BREAK.search(text) is not None))


def _dehyphenate(text: str) -> str:
    """Line-end hyphenation undone and soft hyphens dropped (as tokenize reads the text)."""
    return LINE_BREAK_HYPHEN.sub("", text).replace(SOFT_HYPHEN, "")


def _analyse_words_of(lowered: str, language: str | None) -> tuple[str, str]:
    words = WORD_RE.findall(lowered.replace("_", " ") if "_" in lowered else lowered)
    pairs = analyse_words(words, language)
    if None in pairs:
        pairs = [p for p in pairs if p]
    return " ".join(map(_first, pairs)), " ".join(map(_second, pairs))


def _remember_chunks(chunks: list[str], language: str | None) -> None:
    streams_of = _chunk_streams.setdefault(language, {})
    if len(streams_of) > MAX_CACHED:
        streams_of.clear()
    for chunk in set(chunks).difference(streams_of):
        words = WORD_RE.findall(chunk.lower().replace("_", " "))
        if not words:
            streams_of[chunk] = (None, None, NO_WORDS)
        elif NUMBER_SIGNS.isdisjoint(words):
            pairs = analyse_words(words, language)  # every word cached by now
            lemmas = list(map(_first, pairs))
            if len(lemmas) > 1:
                kind = 0 if function_lemmas().isdisjoint(lemmas) else JOINED
            else:
                kind = FUNCTION if lemmas[0] in function_lemmas() else 0
            streams_of[chunk] = (" ".join(lemmas), " ".join(map(_second, pairs)), kind)


def _cyrillic_lang(word: str, hint: str | None) -> list[str]:
    """The dictionaries that may own a Cyrillic word, most likely first."""
    letters = set(word)
    if letters & UKRAINIAN_ONLY:
        return ["uk"]
    if letters & RUSSIAN_ONLY:
        return ["ru"]
    return ["ru", "uk"] if hint == "ru" else ["uk", "ru"]


def _normalise_word(word: str) -> str:
    word = word.translate(APOSTROPHES)
    if CYRILLIC_RE.search(word) and not word.isascii():
        word = word.translate(HOMOGLYPHS)
    return word


@lru_cache(maxsize=500_000)
def analyse_word(word: str, language: str | None = None) -> tuple[str, str]:
    """(lemma, name key) a page stores for one lowercased word."""
    word = _normalise_word(word)
    if word.isdigit():
        return word, word
    if CYRILLIC_RE.search(word):
        langs = _cyrillic_lang(word, language)
        owner = next((lang for lang in langs if _morph(lang).word_is_known(word)), langs[0])
        lemma = _best_parse(_morph(owner).parse(word)).normal_form.translate(APOSTROPHES)
        return lemma, _word_key(lemma)
    if word.endswith("'s"):
        word = word[:-2]
    return _english.stemWord(word), _word_key(word)


def _best_parse(parses: list) -> object:
    """The parse a page stores: dictionary order, but place names before rare given/surnames.

    The Ukrainian dictionary has no frequencies, so "Харкові" would otherwise become the surname
    "Харко" and "Києві" the name "Кий".
    """
    def rank(parse) -> int:
        grammemes = parse.tag.grammemes
        if "Geox" in grammemes:
            return 0
        return 2 if grammemes & {"Name", "Surn", "Patr"} else 1

    return min(parses, key=rank) if parses[0].score == parses[-1].score else parses[0]


@lru_cache(maxsize=100_000)
def query_forms(word: str) -> tuple[frozenset[str], frozenset[str]]:
    """Every lemma and name key a query word may match, whatever the language of the page."""
    word = _normalise_word(word.lower())
    if word.isdigit():
        return frozenset({word}), frozenset({word})
    lemmas = {analyse_word(word, lang)[0] for lang in ("uk", "ru", "en")}
    if CYRILLIC_RE.search(word):
        langs = _cyrillic_lang(word, None)
        known = [lang for lang in langs if _morph(lang).word_is_known(word)] or langs
        for lang in known:
            lemmas.update(p.normal_form.translate(APOSTROPHES) for p in _morph(lang).parse(word))
    keys = {name_key(lemma) for lemma in lemmas} | {name_key(word)}
    return frozenset(lemmas), frozenset(k for k in keys if k)


@lru_cache(maxsize=1)
def function_lemmas() -> frozenset[str]:
    """The lemmas FUNCTION_WORDS take on pages of any language."""
    return frozenset(analyse_word(word, lang)[0] for word in FUNCTION_WORDS for lang in (None, "uk", "ru"))


GRAM_JOIN = "+"


@lru_cache(maxsize=1)
def _function_pairs() -> dict[tuple[str, str], str]:
    return {(a, b): a + GRAM_JOIN + b for a in function_lemmas() for b in function_lemmas()}


@lru_cache(maxsize=1)
def _function_kinds() -> dict[str, int]:
    """The kind (see _chunk_streams) of each function-word lemma (read only)."""
    return dict.fromkeys(function_lemmas(), FUNCTION)


def function_grams(lemmas: Sequence[str], found: bytes | None = None) -> str:
    """Each two adjacent function-word lemmas as one token ("the+and"), to follow a page's lemma stream.

    A phrase of two function words is then one term lookup instead of reading their positions in most
    pages of a language (plan.py): Lucene's common grams, kept to function-word pairs so indexing pays
    little. lemmas are words, or with found (each one's kind, see _chunk_streams) cached chunk strings,
    which may hold several. Returns "" or the tokens with a leading space; no query word can contain
    GRAM_JOIN.
    """
    kinds = _function_kinds()
    if found is None:  # plain words: no joined chunk strings to know
        found = bytes(map(kinds.get, lemmas, repeat(0)))
    at = found.rfind(JOINED)
    if at >= 0:
        lemmas = list(lemmas)
        while at >= 0:  # rare: split such a chunk's words in, from the end so positions hold
            words = lemmas[at].split(" ")
            lemmas[at:at + 1] = words
            found = found[:at] + bytes(map(kinds.get, words, repeat(0))) + found[at + 1:]
            at = found.rfind(JOINED, 0, at)
    pairs = _function_pairs()
    grams = []
    at = found.find(b"\x01\x01")
    while at >= 0:
        grams.append(pairs[lemmas[at], lemmas[at + 1]])
        at = found.find(b"\x01\x01", at + 1)
    return " " + " ".join(grams) if grams else ""


# --- transliteration key ------------------------------------------------------------------------

#: Cyrillic to one Latin spelling; every national system's variants are folded afterwards anyway
CYRILLIC_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ye", "ё": "yo",
    "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "'": "",
}
_CYRILLIC_TABLE = str.maketrans(CYRILLIC_TO_LATIN)

#: spellings of one sound across KMU 2010, GOST, BGN/PCGN, ICAO, Polish, German, Czech and French
#: habits, longest first. Upper-case letters are sound classes, so they never clash with Latin input.
LATIN_FOLDS = [
    ("schtsch", "SC"), ("shtch", "SC"), ("shch", "SC"), ("szcz", "SC"), ("sch", "S"), ("tsch", "C"),
    ("tch", "C"), ("zh", "Z"), ("zs", "Z"), ("ž", "Z"), ("ż", "Z"), ("ź", "Z"), ("sh", "S"),
    ("sz", "S"), ("š", "S"), ("ś", "S"), ("ch", "C"), ("cz", "C"), ("č", "C"), ("ć", "C"),
    ("kh", "H"), ("gh", "H"), ("h", "H"), ("g", "H"), ("ts", "T"), ("tz", "T"), ("ck", "k"),
    ("c", "T"), ("x", "ks"), ("q", "k"), ("w", "v"), ("ph", "f"), ("ł", "l"),
    ("a", "A"), ("o", "A"), ("e", "I"), ("i", "I"), ("y", "I"), ("j", "I"), ("u", "U"),
]
_FOLD_RE = re.compile("|".join(re.escape(src) for src, _ in LATIN_FOLDS))
_FOLDS = dict(LATIN_FOLDS)
_VOWEL_CLASSES = frozenset("AIU")


@lru_cache(maxsize=200_000)
def _word_key(word: str) -> str:
    latin = word.lower().translate(APOSTROPHES).translate(_CYRILLIC_TABLE)
    # keep č/š/ž for the folds, strip every other diacritic (ó, ü, é …)
    latin = "".join(
        ch if ch in "čšžżźśćł" else unicodedata.normalize("NFKD", ch)[0] for ch in latin
    )
    folded = _FOLD_RE.sub(lambda m: _FOLDS[m.group()], latin)
    out: list[str] = []
    seen_vowel = False
    for ch in folded:
        if ch in _VOWEL_CLASSES:
            # only the first vowel survives: case endings, akanye and the Ukrainian i/o
            # alternation (Харків/Харьков, Київ/Киев) live in the others
            if seen_vowel:
                continue
            seen_vowel = True
        elif not ch.isalnum():
            continue
        if out and out[-1] == ch:
            continue
        out.append(ch)
    return "".join(out)


def name_key(text: str) -> str:
    """Script-independent key of a name: ``name_key("Коваленко") == name_key("Kowalenko")``.

    Several words give several keys joined by a space, in order. Latin input may follow any common
    romanisation of Ukrainian or Russian; Cyrillic input should be a lemma (nominative) for case
    forms to meet, e.g. ``name_key("Харків") == name_key("Харьков") == name_key("Kharkiv")``.
    """
    words = WORD_RE.findall(text.replace("_", " "))
    return " ".join(filter(None, map(_word_key, words)))


#: given names that Ukrainian and Russian spell with other consonants or first vowels than ``name_key`` folds, each
#: group one name (Микола is Николай); the key of a person's name gives each group its first spelling's key, and a
#: romanisation follows its script (Mykola, Nikolai). Names the keys already join (Олександр, Александр) are not here.
SAME_GIVEN_NAME = (
    ("Микола", "Николай"), ("Микита", "Никита"), ("Володимир", "Владимир"), ("Костянтин", "Константин"),
    ("Пилип", "Филипп"), ("Йосип", "Иосиф", "Осип"), ("Юхим", "Ефим"), ("Гнат", "Ігнат", "Игнат"),
    ("Панас", "Опанас", "Афанасий"), ("Омелян", "Емельян"), ("Хома", "Фома"), ("Трохим", "Трофим"),
    ("Овсій", "Евсей"), ("Ничипір", "Никифор"), ("Яким", "Аким"), ("Лаврін", "Лаврентій", "Лаврентий"),
    ("Олена", "Елена"), ("Тетяна", "Татьяна"), ("Катерина", "Екатерина"), ("Ганна", "Анна"), ("Надія", "Надежда"),
    ("Христина", "Кристина"), ("Дарина", "Дарья"), ("Явдоха", "Євдокія", "Евдокия"),
    ("Горпина", "Агрипина", "Агриппина"), ("Мотря", "Матрена"), ("Параска", "Прасковья"),
)


#: patronymics whose keys differ in the same way, each group one father's name (Миколайович is Николаевич)
SAME_PATRONYMIC = (
    ("Миколайович", "Николаевич"), ("Миколаївна", "Николаевна"),
    ("Якович", "Яковлевич"), ("Яківна", "Яковлевна"),
    ("Костянтинович", "Константинович"), ("Костянтинівна", "Константиновна"),
    ("Пилипович", "Филиппович"), ("Пилипівна", "Филипповна"),
    ("Йосипович", "Иосифович", "Осипович"), ("Йосипівна", "Иосифовна", "Осиповна"),
    ("Юхимович", "Ефимович"), ("Юхимівна", "Ефимовна"),
    ("Гнатович", "Ігнатович", "Игнатьевич"), ("Гнатівна", "Ігнатівна", "Игнатьевна"),
    ("Панасович", "Опанасович", "Афанасьевич"), ("Панасівна", "Опанасівна", "Афанасьевна"),
    ("Омелянович", "Емельянович"), ("Омелянівна", "Емельяновна"),
    ("Хомівна", "Фоминична"), ("Іллівна", "Ильинична"),
)


@lru_cache(maxsize=1)
def _same_name_keys() -> dict[str, str]:
    return {name_key(spelling): name_key(group[0]) for group in (*SAME_GIVEN_NAME, *SAME_PATRONYMIC)
            for spelling in group}


def same_name_key(key: str) -> str:
    """The key that stands for all spellings of one given name or patronymic (``SAME_GIVEN_NAME``,
    ``SAME_PATRONYMIC``) for the ``name_key`` of one word; any other key as it is."""
    return _same_name_keys().get(key, key)


def person_name_key(word_keys: Iterable[str]) -> str:
    """The key of a personal name from the ``name_key`` of each of its words (the caller leaves out what does not
    count, such as patronymics and initials): sorted, so word order does not matter, with the spellings of one
    given name in ``SAME_GIVEN_NAME`` made one. ``person_name_key([name_key("Микола"), name_key("Коваленко")])
    == person_name_key(["kAvlnk", name_key("Nikolai")])``."""
    return " ".join(sorted(same_name_key(key) for keys in word_keys for key in keys.split()))
