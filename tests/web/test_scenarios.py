"""The five must-show scenarios, each as the user would do it in the browser."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import shoot, sign_in


def test_investigator_finds_latin_name_on_cyrillic_page(page, site):
    sign_in(page, site, "investigator")
    page.goto(f"{site.url}/overview")
    page.keyboard.press("Tab")  # keyboard only from here to the page: the skip link comes first
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.get_by_role("link", name="Search", exact=True).focus()
    page.keyboard.press("Enter")
    query = page.get_by_label("Search words, names or places")
    expect(query).to_be_focused()  # the search page puts the cursor in the query box: type at once
    page.keyboard.type("Kovalenko")
    page.keyboard.press("Enter")
    hit = page.locator("article.hit").filter(has_text="Свідчення про затримання в Зеленому Гаю")
    expect(hit).to_be_visible()
    expect(hit.locator(".snippet mark").first).to_be_visible()
    shoot(page, "search-en")
    hit.get_by_role("link", name="page 3").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/items/{site.items['testimony']}\?page=3"))
    expect(page.locator("#text-h")).to_have_attribute("data-page", "3")
    expect(page.locator("dl.meta")).to_contain_text("Mar 20, 2022")  # the document's date, as English writes it
    expect(page.locator(".page-text .text")).to_contain_text("Коваленка")
    image = page.locator(".page-image img")
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 100", arg=image.element_handle())
    shoot(page, "item-en")


def test_archivist_uploads_files_and_sees_them_processed(page, site, tmp_path):
    from tests.fixtures import files

    first = files.pdf(tmp_path, ["Statement of a fictional witness, Petro Bondar, about the filtration camp."],
                      name="bondar-statement.pdf")
    second = files.text(tmp_path, "Лист родини про зниклого батька, Олега Руденка.", name="letter.txt")
    broken = files.truncated_pdf(tmp_path, name="broken.pdf")
    sign_in(page, site, "archivist")
    page.get_by_role("link", name="Upload", exact=True).click()
    page.get_by_label("Files").set_input_files([first, second, broken])
    page.get_by_label("Type of document").select_option("testimony")
    page.get_by_label("Collection").fill("Browser test batch")
    shoot(page, "upload-en")
    page.get_by_role("button", name="Upload", exact=True).click()
    rows = page.locator("#outcomes tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#outcomes-section")).to_have_attribute("data-done", "true")
    expect(rows.filter(has_text="bondar-statement.pdf")).to_contain_text("ready")
    expect(rows.filter(has_text="letter.txt")).to_contain_text("ready")
    expect(rows.filter(has_text="broken.pdf")).to_contain_text("failed")
    shoot(page, "upload-done-en")

    folder = tmp_path / "batch-2024"
    (folder / "sub").mkdir(parents=True)
    files.text(folder, "Лист перший про табір у Таганрозі.", name="one.txt")
    files.text(folder / "sub", "Лист другий про СІЗО-2.", name="two.txt")
    page.get_by_label("or a whole folder").set_input_files(folder)
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(rows).to_have_count(5)
    expect(rows.filter(has_text="batch-2024/sub/two.txt")).to_contain_text("ready")
    expect(rows.filter(has_text="batch-2024/one.txt")).to_contain_text("ready")

    page.get_by_role("link", name="Overview", exact=True).click()
    expect(page.locator("section").filter(has_text="Recent uploads")).to_contain_text("bondar-statement.pdf")
    expect(page.locator("section").filter(has_text="Failures")).to_contain_text("broken.pdf")
    shoot(page, "overview-en")
    page.get_by_role("link", name="Documents", exact=True).click()
    page.get_by_label("Collection").fill("Browser test batch")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.list tbody tr")).to_have_count(5)
    page.get_by_role("link", name="bondar-statement.pdf").click()
    expect(page.locator(".page-text .text")).to_contain_text("Petro Bondar")


def test_upload_without_javascript_shows_each_outcome(browser, site, tmp_path):
    from urllib.parse import urlsplit

    from tests.fixtures import files

    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    requests = []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    try:
        sign_in(page, site, "archivist")
        page.goto(f"{site.url}/upload")
        page.get_by_label("Files").set_input_files([files.text(tmp_path, "Без JavaScript: лист.", name="nojs.txt")])
        page.get_by_role("button", name="Upload", exact=True).click()
        expect(page.locator("#outcomes tbody tr").filter(has_text="nojs.txt")).to_contain_text("ready")
    finally:
        context.close()
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in requests)


def test_viewer_cannot_open_a_confidential_item(page, site):
    sign_in(page, site, "viewer")
    page.get_by_role("link", name="Documents", exact=True).click()
    expect(page.get_by_role("link", name="Свідчення про затримання в Зеленому Гаю")).to_be_visible()
    expect(page.get_by_text("Medical record (confidential)")).to_have_count(0)
    response = page.goto(f"{site.url}/items/{site.items['medical']}")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.locator("main")).to_contain_text("your role does not let you open it")
    expect(page.locator("main")).not_to_contain_text("Hrytsenko")
    shoot(page, "denied-en")
    for path in (f"/items/{site.items['medical']}/pages/1.png", f"/items/{site.items['medical']}/download"):
        assert page.goto(site.url + path).status == 404
    page.goto(f"{site.url}/search?q=Hrytsenko")
    expect(page.locator("article.hit")).to_have_count(0)
    # an investigator (who may see confidential documents) opens it
    page.context.clear_cookies()
    sign_in(page, site, "investigator")
    page.goto(f"{site.url}/items/{site.items['medical']}")
    expect(page.locator(".page-text .text")).to_contain_text("Hrytsenko")


def test_lawyer_builds_a_case_and_downloads_the_bundle(page, site, tmp_path):
    sign_in(page, site, "lawyer")
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_label("Title").fill("Kovalenko v. Russia")
    page.get_by_label("Court or body").select_option("echr")
    page.get_by_label("Respondent state").fill("Russia")
    page.get_by_label("Your file reference").fill("KOV-1")
    page.get_by_role("button", name="Create the case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kovalenko v. Russia")
    case_url = page.url

    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Search words, names or places").fill("Коваленко")
    page.get_by_role("button", name="Search", exact=True).click()
    hit = page.locator("article.hit").first
    expect(hit.get_by_label("pages")).to_have_value("3")
    hit.get_by_label("pages").fill("2-3")
    hit.get_by_role("button", name="Add").click()
    expect(hit.locator(".added")).to_have_text("Added to the case as exhibit 1.")  # in place, by htmx
    page.goto(f"{site.url}/search?q=Зелений")
    page.locator("article.hit").first.get_by_role("button", name="Add").click()
    expect(page.locator("article.hit").first.locator(".added")).to_contain_text("exhibit 2")

    page.goto(case_url)
    rows = page.locator("table.exhibits tbody tr")
    expect(rows).to_have_count(2)
    first = rows.nth(0)
    first.get_by_label("Description").fill("Testimony on the detention of A. Kovalenko")
    first.get_by_role("button", name="Save").click()
    expect(rows.nth(0)).to_contain_text("2–3")
    rows.nth(1).get_by_role("button", name=re.compile("up$")).click()
    expect(rows.nth(1).get_by_label("Description")).to_have_value("Testimony on the detention of A. Kovalenko")

    page.get_by_label("Date of the fact").fill("2022-03-14")
    page.get_by_label("What happened").fill("A. Kovalenko is detained near the school.")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#c-h + table")).to_contain_text("A. Kovalenko is detained")
    review = page.get_by_role("button", name="Mark as reviewed")
    for remaining in range(review.count(), 0, -1):
        review.first.click()
        expect(review).to_have_count(remaining - 1)
    page.get_by_role("button", name="Renumber the exhibits in bundle order").click()
    expect(page.locator(".flash")).to_contain_text("numbered in bundle order")
    expect(page.locator("table.exhibits tbody tr td:first-child strong")).to_have_text(["1", "2"])
    shoot(page, "case-en")

    with page.expect_download() as download:
        page.get_by_role("button", name="Make and download the court bundle").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    from ingest.bundle import verify_bundle

    assert saved.name == "KOV-1-echr-bundle.zip"
    assert verify_bundle(saved) == []


def test_family_files_an_inquiry_and_sees_a_status_update(page, site):
    from archive_schema import inquiries

    page.goto(site.url + "/")
    page.get_by_role("link", name="Ask about a relative").first.click()
    shoot(page, "inquiry-en")
    page.get_by_label("Their full name").fill("Андрій Коваленко")
    page.get_by_label("What happened, as far as you know").select_option("civilian_detainee")
    page.get_by_label("Date of birth (if you know it)").fill("1990-05-02")
    page.get_by_label("Where they were last known to be").fill("Зелений Гай")
    page.get_by_role("button", name="Send the inquiry").click()
    code = page.locator("#access-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){7}", code)
    shoot(page, "inquiry-code-en")

    page.context.clear_cookies()  # a new visit, days later
    page.goto(site.url + "/inquiry/status")
    page.get_by_label("Access code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Show the status").click()
    expect(page.locator("#inquiry-status")).to_contain_text("received")

    with site.ctx.db.sessions.begin() as session:  # staff answer, through the Python API
        inquiry, _ = inquiries.verify_code(session, code)
        inquiries.post_update(session, inquiry, author="staff", status="information",
                              text="We found a document that names your relative. Please contact us.")

    page.goto(site.url + "/inquiry/status")
    page.get_by_label("Access code").fill(code)
    page.get_by_role("button", name="Show the status").click()
    expect(page.locator("#inquiry-status")).to_contain_text("we have information for you")
    expect(page.locator("ol.messages")).to_contain_text("We found a document that names your relative")
    shoot(page, "inquiry-status-en")

    page.goto(site.url + "/inquiry/status")
    page.get_by_label("Access code").fill("AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA")
    page.get_by_role("button", name="Show the status").click()
    expect(page.get_by_role("alert")).to_contain_text("could not find an inquiry")
