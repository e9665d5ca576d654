"""The catalogues: every message translated in Ukrainian and Russian with the same placeholders, and each
committed .mo compiled from its .po (an installed wheel ships the .mo and has no build step)."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from search_api.web.i18n import LANGUAGES, TRANSLATIONS

PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")
CATALOGUES = [code for code in LANGUAGES if code != "en"]


def _po(code: str):
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=code)


@pytest.mark.parametrize("code", CATALOGUES)
def test_every_message_is_translated_with_its_placeholders(code):
    with (TRANSLATIONS / "messages.pot").open("rb") as fp:
        template = read_po(fp)
    catalogue = _po(code)
    for message in template:
        if not message.id:
            continue
        found = catalogue.get(message.id)
        assert found is not None and found.string, f"{code}: untranslated {message.id!r}"
        source = message.id if isinstance(message.id, str) else message.id[1]
        wanted = sorted(PLACEHOLDER.findall(source))
        for text in [found.string] if isinstance(found.string, str) else found.string:
            assert text and sorted(PLACEHOLDER.findall(text)) == wanted, f"{code}: {message.id!r} -> {text!r}"


@pytest.mark.parametrize("code", CATALOGUES)
def test_committed_mo_is_compiled_from_the_po(code):
    compiled = io.BytesIO()
    write_mo(compiled, _po(code))
    committed = Path(TRANSLATIONS / code / "LC_MESSAGES" / "messages.mo")
    with committed.open("rb") as fp:
        shipped = _messages(fp)
    compiled.seek(0)
    fresh = _messages(compiled)
    assert shipped == fresh, f"recompile {committed} (pybabel compile -d search_api/web/translations)"


def _messages(fp) -> dict:
    return {m.id if isinstance(m.id, str) else tuple(m.id): m.string if isinstance(m.string, str) else tuple(m.string)
            for m in read_mo(fp) if m.id}


def test_templates_use_no_message_missing_from_the_template_catalogue():
    """A string added to a template must be extracted (pybabel extract) before it can be translated."""
    from babel.messages.extract import extract_from_dir

    web = TRANSLATIONS.parent
    found = {m[2] if isinstance(m[2], str) else m[2][0]
             for m in extract_from_dir(str(web), method_map=[("**.py", "python"), ("templates/**.html", "jinja2")],
                                       keywords={"_": None, "_l": None, "lazy_gettext": None, "gettext": None,
                                                 "ngettext": (1, 2)})}
    with (TRANSLATIONS / "messages.pot").open("rb") as fp:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fp) if m.id}
    assert found - known == set()
