"""Throughput of nlp.analyse per language, on generated fictional testimony text.

    python bench/nlp.py [--pages 200] [--words-per-page 300]

Prints words/s for uk, ru and en (language given, batched through analyse_many / nlp.pipe) and for
mixed pages with per-paragraph detection, plus pages/s of analyse_pages, the call ingest's NLP stage
makes. Models are loaded and warmed up before timing, as a worker would have them. Single process:
divide by nothing, this is per core.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nlp  # noqa: E402

SENTENCES = {
    "uk": [
        "{name} затримали {date} на блокпосту біля міста {town}.",
        "Спочатку його тримали в СІЗО №{n} у Таганрозі, потім перевезли до Оленівки.",
        "Родина нічого не знала про нього до {date}, коли зателефонував інший полонений.",
        "У камері було дванадцять людей, їм давали воду раз на день і не випускали на прогулянку.",
        "{name} розповів, що допити тривали по кілька годин і що його били.",
    ],
    "ru": [
        "{name} задержали {date} на блокпосту возле города {town}.",
        "Сначала его держали в СИЗО-{n} в Таганроге, потом перевезли в Еленовку.",
        "Семья ничего не знала о нём до {date}, когда позвонил другой пленный.",
        "В камере было двенадцать человек, воду давали раз в день и не выводили на прогулку.",
        "{name} рассказал, что допросы длились по несколько часов и что его били.",
    ],
    "en": [
        "Mr {name} was detained on {date} at a checkpoint near {town}.",
        "He was first held in SIZO-{n} in Taganrog and later transferred to Olenivka.",
        "His family had no news of him until {date}, when another prisoner telephoned them.",
        "Twelve people were kept in the cell; they were given water once a day and were not allowed outside.",
        "The applicant stated that the interrogations lasted several hours and that he had been beaten.",
    ],
}
NAMES = {
    "uk": ["Івана Коваленка", "Олену Бондар", "Тараса Мельника", "Андрія Савчука"],
    "ru": ["Ивана Коваленко", "Елену Бондарь", "Тараса Мельника", "Андрея Савчука"],
    "en": ["Ivan Kovalenko", "Olena Bondar", "Taras Melnyk", "Andriy Savchuk"],
}
DATES = {"uk": ["14 березня 2022 року", "3 квітня 2022 р."], "ru": ["14 марта 2022 года", "3 апреля 2022 г."],
         "en": ["14 March 2022", "3 April 2022"]}
TOWNS = {"uk": ["Херсон", "Мелітополь"], "ru": ["Херсон", "Мелитополь"], "en": ["Kherson", "Melitopol"]}


def make_page(lang: str, words: int, rng: random.Random) -> str:
    """A fictional page of about `words` words, paragraphs of three sentences."""
    sentences, count = [], 0
    while count < words:
        sentence = rng.choice(SENTENCES[lang]).format(name=rng.choice(NAMES[lang]), date=rng.choice(DATES[lang]),
                                                      town=rng.choice(TOWNS[lang]), n=rng.randint(1, 5))
        sentences.append(sentence)
        count += len(sentence.split())
    return "\n\n".join(" ".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3))


def measure(pages: list[str], lang: str | None) -> tuple[float, float]:
    """(words/s, pages/s) of analyse_many over pages."""
    words = sum(len(p.split()) for p in pages)
    start = time.perf_counter()
    for _ in nlp.analyse_many(pages, lang=lang):
        pass
    elapsed = time.perf_counter() - start
    return words / elapsed, len(pages) / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--words-per-page", type=int, default=300)
    args = parser.parse_args(argv)
    rng = random.Random(1)
    corpora = {lang: [make_page(lang, args.words_per_page, rng) for _ in range(args.pages)] for lang in SENTENCES}
    for lang, pages in corpora.items():
        list(nlp.analyse_many(pages[:5], lang=lang))  # load models and fill caches, as a warm worker has them
    for lang, pages in corpora.items():
        words_per_second, _ = measure(pages, lang)
        print(f"{lang}: {words_per_second:8.0f} words/s  (lang given, {args.pages} pages)")
    mixed = [rng.choice(list(corpora.values()))[i] for i in range(args.pages)]
    words_per_second, pages_per_second = measure(mixed, None)
    print(f"mixed: {words_per_second:8.0f} words/s, {pages_per_second:6.1f} pages/s  (per-paragraph detection, "
          f"analyse_pages as ingest calls it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
