"""Every main page in Ukrainian and English: screenshots to look at, labels on every control, the language
switch, the browser's language as the default, and dates written the way each language writes them."""
from __future__ import annotations

from playwright.sync_api import expect

from archive_schema import cases

from .conftest import SCREENSHOTS, shoot, sign_in

UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea, button'))
  .filter(el => el.type !== 'hidden')
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
  .map(el => el.outerHTML.slice(0, 120))"""
NAV = {"en": ("Search", "Documents"), "uk": ("Пошук", "Документи")}


def _case(site) -> str:
    with site.ctx.db.sessions.begin() as session:
        found = cases.create_case(session, forum="icc", title="Screenshots: deportation of children",
                                  reference="SHOT-1")
        cases.add_member(session, found.id, "admin", "lead")
        cases.add_exhibit(session, found.id, site.items["testimony"], pages=(3, 3))
        return found.id


def test_each_main_page_in_both_languages(page, site):
    case_id = _case(site)
    public = {"home": "/", "inquiry": "/inquiry", "inquiry-status": "/inquiry/status", "statistics": "/statistics",
              "sign-in": "/sign-in"}
    staff = {"overview": "/overview", "upload": "/upload", "items": "/items",
             "item": f"/items/{site.items['testimony']}?page=3", "search": "/search?q=Коваленко",
             "search-help": "/search", "entities": "/entities", "cases": "/cases", "case": f"/cases/{case_id}",
             "admin": "/admin"}
    saved = []
    for lang in ("uk", "en"):
        page.context.clear_cookies()
        page.goto(site.url + "/")
        page.locator(f".langs a[hreflang={lang}]").click()  # the switch, as a user would use it
        expect(page.locator("html")).to_have_attribute("lang", lang)
        for name, path in public.items():
            page.goto(site.url + path)
            expect(page.locator("html")).to_have_attribute("lang", lang)
            assert page.evaluate(UNLABELLED) == [], f"{name}: controls without a label"
            saved.append(shoot(page, f"{name}-{lang}"))
        sign_in_as_admin(page, site, lang)
        entity = page.goto(site.url + "/entities?kind=person&q=Коваленко")  # named with his mother
        assert entity.ok
        with page.expect_navigation() as opened:
            page.locator("table.list tbody a").first.click()
        assert opened.value.ok, f"entity page: {opened.value.status}"
        expect(page.locator("table.list.compact")).to_be_visible()  # the people named with them
        saved.append(shoot(page, f"entity-{lang}"))
        assert page.evaluate(UNLABELLED) == []
        for name, path in staff.items():
            response = page.goto(site.url + path)
            assert response.ok, f"{path}: {response.status}"
            expect(page.locator("html")).to_have_attribute("lang", lang)
            nav = page.get_by_role("navigation", name="Головне меню" if lang == "uk" else "Main")
            for label in NAV[lang]:
                expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
            assert page.evaluate(UNLABELLED) == [], f"{name}: controls without a label"
            saved.append(shoot(page, f"{name}-{lang}"))
    print(f"\n{len(saved)} screenshots in {SCREENSHOTS}")


def sign_in_as_admin(page, site, lang):
    if lang == "en":
        sign_in(page, site, "admin")
        return
    from .conftest import PASSWORD

    page.goto(f"{site.url}/sign-in")
    page.get_by_label("Ім’я користувача").fill("admin")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Увійти").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


def test_browser_language_is_the_default_and_dates_follow_it(browser, site):
    from urllib.parse import urlsplit

    from .conftest import PASSWORD

    for locale, lang, date in (("uk-UA", "uk", "20 бер. 2022 р."), ("ru-RU", "ru", "20 мар. 2022 г."),
                               ("de-DE", "en", None)):
        context = browser.new_context(locale=locale)
        requests = []
        context.on("request", lambda r: requests.append(r.url))
        page = context.new_page()
        try:
            page.goto(site.url + "/")
            expect(page.locator("html")).to_have_attribute("lang", lang)  # German is not offered: English
            if date:
                page.goto(site.url + "/sign-in")
                form = page.locator("form[action='/sign-in']")
                form.locator("input[name=username]").fill("investigator")
                form.locator("input[name=password]").fill(PASSWORD)
                form.locator("button").click()
                page.wait_for_url(lambda url: "/sign-in" not in url)
                page.goto(f"{site.url}/items/{site.items['testimony']}")
                expect(page.locator("dl.meta")).to_contain_text(date)
        finally:
            context.close()
        assert all(urlsplit(u).hostname == "127.0.0.1" for u in requests)
