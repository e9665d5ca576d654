"""nlp/data/facilities.json: every entry cited and well formed, and every alias found as the facility it names."""
from __future__ import annotations

import json
import re

import pytest

from nlp.facilities import find_facilities
from nlp.gazetteer import DATA

RAW = json.loads((DATA / "facilities.json").read_text(encoding="utf-8"))
ENTRIES = RAW["facilities"]
#: words a text uses for any facility or place: an alias made of them alone would tag every such mention
GENERIC = re.compile(r"^(?:сізо|сизо|sizo|колонія|колония|colony|prison|в'язниця|тюрьма|табір|лагерь|camp|"
                     r"дитячий будинок|детский дом|children's home|orphanage|психіатрична лікарня|"
                     r"психиатрическая больница|psychiatric hospital)$", re.IGNORECASE)


#: facilities that testimonies name by their town alone ("they took him to Olenivka")
TOWN_IS_ITS_NAME = {"ua-donetsk-olenivka-vk-120"}


def _aliases(entry) -> list[str]:
    return [alias for names in entry["aliases"].values() for alias in names]


def test_every_entry_is_well_formed_and_cited():
    ids = [entry["id"] for entry in ENTRIES]
    assert len(ids) == len(set(ids)), "facility ids must be unique"
    for entry in ENTRIES:
        assert re.fullmatch(r"[a-z]{2}(?:-[a-z0-9]+)+", entry["id"]), entry["id"]
        assert entry["type"] in RAW["types"], entry["id"]
        assert set(entry["official_name"]) >= {"uk", "en"} and all(entry["official_name"].values()), entry["id"]
        assert entry["country"] in {"UA", "RU"} and isinstance(entry["occupied_territory"], bool), entry["id"]
        assert entry["sources"] and all(source.strip() for source in entry["sources"]), entry["id"]
        assert entry["coordinates"] is None or (len(entry["coordinates"]) == 2 and
                                                -90 <= entry["coordinates"][0] <= 90), entry["id"]
        towns = {town.lower() for town in entry["town_aliases"]} | {t.lower() for t in entry["town"].values()}
        for alias in _aliases(entry):
            assert alias.strip() == alias and alias, entry["id"]
            # a town's name alone would make every mention of the town a facility
            assert alias.lower() not in towns or entry["id"] in TOWN_IS_ITS_NAME, (entry["id"], alias)
            assert not GENERIC.match(alias), (entry["id"], alias)


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry["id"] for entry in ENTRIES])
def test_every_alias_is_found_as_its_facility(entry):
    for alias in [*_aliases(entry), *entry["official_name"].values()]:
        found = [(m.id, text[m.start:m.end]) for text in [f"Його тримали: {alias}, довго."]
                 for m in find_facilities(text)]
        assert (entry["id"], alias) in found, (alias, found)
