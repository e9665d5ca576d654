"""The five must-show scenarios, each as the user would do it in the browser."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import shoot, sign_in


def test_investigator_finds_latin_name_on_cyrillic_page(page, site):
    sign_in(page, site, "investigator")
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Search words, names or places").fill("Kovalenko")
    page.get_by_role("button", name="Search", exact=True).click()
    hit = page.locator("article.hit").filter(has_text="Свідчення про затримання в Зеленому Гаю")
    expect(hit).to_be_visible()
    expect(hit.locator(".snippet mark").first).to_be_visible()
    shoot(page, "search-en")
    hit.get_by_role("link", name="page 3").click()
    expect(page).to_have_url(re.compile(rf"/items/{site.items['testimony']}\?page=3"))
    expect(page.locator("#text-h")).to_have_attribute("data-page", "3")
    expect(page.locator(".page-text .text")).to_contain_text("Коваленка")
    image = page.locator(".page-image img")
    expect(image).to_be_visible()
    assert page.evaluate("img => img.complete && img.naturalWidth > 100", image.element_handle())
    shoot(page, "item-en")
