"""A small fictional corpus: one family's story told in Ukrainian, Russian and English, and an unrelated case.

Every name, event and testimony here is invented; the facilities are public-record names.
"""
from __future__ import annotations

from pathlib import Path

FILLER_UK = "Я щодня чекала новин, писала листи і телефонувала знайомим, але ніхто нічого не знав. " * 5

#: file name -> (collection, pages)
DOCUMENTS: dict[str, tuple[str, list[str]]] = {
    "uk_kovalenko.txt": ("south", [
        "Мене звати Марія Коваленко. Мого чоловіка, Івана Петровича Коваленка, затримали 14 березня 2022 року "
        "в Херсоні і перевезли до СІЗО №2 у Таганрозі.",
        "Про Івана Коваленка я дізналася від адвоката. " + FILLER_UK + "Лист з прокуратури надійшов "
        "5 травня 2022 року.",
    ]),
    "ru_kovalenko.txt": ("south", [
        "Иван Коваленко содержался в СИЗО-2 города Таганрог с апреля 2022 года. Его жена Мария Коваленко "
        "писала в прокуратуру.",
    ]),
    "en_kovalenko.txt": ("north", [
        "Ivan Kovalenko was transferred to SIZO-2 in Taganrog on 3 April 2022. Vania Kovalenko, as his "
        "cellmates called him, was questioned there.",
    ]),
    "en_bondarenko.txt": ("north", [
        "Olena Bondarenko was detained in Melitopol on 20 May 2022 and held in Olenivka.",
    ]),
}


def write(folder: Path) -> dict[str, Path]:
    """Write each collection's files into its own subfolder; returns file name -> path."""
    paths = {}
    for name, (collection, pages) in DOCUMENTS.items():
        path = folder / collection / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\f".join(pages) + "\n", encoding="utf-8")
        paths[name] = path
    return paths
