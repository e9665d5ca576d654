"""Redaction: a derived item with the boxes burnt in; the original untouched; the export accepts the derivative."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile

import pytest
from sqlalchemy import select

from archive_schema import cases
from archive_schema.models import EvidenceItem, ItemLink
from ingest.bundle import ExportError, export_bundle, verify_bundle
from ingest.cases import case_warnings
from ingest.redact import Box, RedactionError, parse_box, redact_exhibit
from tests.fixtures import files

#: the victim made anonymous here is named in the fixture's exhibits in these forms (and in Latin script)
FORMS = ["Андрій Мельник", "Андрія Мельника", "Мельник", "Мельника", "МЕЛЬНИК", "Andrii Melnyk", "Melnyk"]
PSEUDONYM = "Victim V-9"


def _blob_sha256(ctx, sha256: str) -> str:
    with ctx.local_copy(sha256) as path:
        return hashlib.sha256(path.read_bytes()).hexdigest()


def _text(ctx, sha256: str) -> str:
    from pdfminer.high_level import extract_text

    with ctx.local_copy(sha256) as path:
        return extract_text(str(path))


def _named(text: str) -> list[str]:
    folded = text.casefold()
    return [form for form in FORMS if form.casefold() in folded]


@pytest.fixture(scope="module")
def victim_case(case_fixture, tmp_path_factory):
    """An ICC case in which the driver of the fixture (named in several exhibits) is anonymous."""
    from ingest.bulk import ingest_paths

    ctx = case_fixture.ctx
    extra = tmp_path_factory.mktemp("extra")
    files.text(extra, "Записка адвоката.\nАндрій Мельник розповів про допити у СІЗО-2.", name="lawyer_note.txt")
    ingest_paths(ctx, [extra])
    with ctx.db.reader() as session:
        note_id = session.scalar(select(EvidenceItem.id).where(EvidenceItem.filename == "lawyer_note.txt"))
    items = {**case_fixture.items, "lawyer_note.txt": note_id}
    with ctx.db.sessions.begin() as session:
        case = cases.create_case(session, forum="icc", title="Detentions at Zelenyi Hai", reference="SV-RED",
                                 exhibit_prefix="R")
        cases.add_person(session, case.id, "Андрій Мельник", "victim", anonymous=True, pseudonym=PSEUDONYM,
                         other_names=["Andrii Melnyk"])
        numbers = {}
        for name in ("transfer_order.pdf", "detention_record.pdf", "medical_note.pdf", "lawyer_note.txt",
                     "cell_photo.png"):
            numbers[name] = cases.add_exhibit(session, case.id, items[name]).number
        cases.add_chronology_entry(session, case.id, dt.date(2022, 4, 2), "Андрія Мельника перевели до СІЗО-2.")
        case_id = case.id
    return ctx, case_id, items, numbers


def test_auto_redaction_makes_a_derivative_the_export_accepts(victim_case, tmp_path):
    ctx, case_id, items, numbers = victim_case
    with ctx.db.reader() as session:
        flagged = sorted({w.exhibit for w in case_warnings(session, case_id) if w.blocking})
        originals = {i.id: (i.sha256, i.page_count, i.state) for i in session.scalars(select(EvidenceItem))}
    assert flagged == sorted([numbers["transfer_order.pdf"], numbers["detention_record.pdf"],
                              numbers["lawyer_note.txt"]])
    with pytest.raises(ExportError):
        export_bundle(ctx, case_id, "icc", tmp_path / "blocked.zip")

    done = {number: redact_exhibit(ctx, case_id, number, auto=True, actor="test") for number in flagged}

    with ctx.db.reader() as session:
        assert not [w for w in case_warnings(session, case_id) if w.blocking]
        for number, redaction in done.items():
            original_sha, _count, _state = originals[redaction.original_id]
            # the original: same row, same bytes
            assert _blob_sha256(ctx, original_sha) == original_sha == redaction.original_sha256
            assert redaction.item_id not in originals and redaction.sha256 != original_sha
            derived = session.get(EvidenceItem, redaction.item_id)
            assert derived.derived_from_id == redaction.original_id and derived.redaction_state == "redacted"
            assert derived.properties["redaction_of"]["sha256"] == original_sha
            assert session.scalar(select(ItemLink.id).where(ItemLink.parent_id == redaction.original_id,
                                                            ItemLink.child_id == derived.id,
                                                            ItemLink.relation == "redaction"))
            # no form of the name in any text layer of the derivative, as pdfminer.six reads it
            assert _named(_text(ctx, derived.sha256)) == [], number
        unchanged = {i.id: (i.sha256, i.page_count, i.state) for i in session.scalars(
            select(EvidenceItem).where(EvidenceItem.id.in_(list(originals))))}
    assert unchanged == originals

    # pages without a name keep their text layer; the PDF exhibit keeps its page count and range
    transfer = done[numbers["transfer_order.pdf"]]
    assert transfer.pages == (1, 3) and {b.page for b in transfer.boxes} == {1}
    assert "Signed by the duty officer" in _text(ctx, transfer.sha256)

    out = tmp_path / "redacted.zip"
    export_bundle(ctx, case_id, "icc", out, actor="test")
    assert verify_bundle(out) == []
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        archive.extract("bundle.pdf", tmp_path)
    by_number = {e["number"]: e for e in manifest["exhibits"]}
    for number, redaction in done.items():
        assert by_number[number]["item_id"] == redaction.item_id
        assert by_number[number]["redaction_of"] == {"item_id": redaction.original_id,
                                                     "sha256": redaction.original_sha256}
    from pdfminer.high_level import extract_text

    bundle_text = extract_text(str(tmp_path / "bundle.pdf"))
    assert _named(bundle_text) == [] and PSEUDONYM in bundle_text


def test_a_box_is_burnt_in_and_nothing_of_the_page_survives_as_text(case_fixture):
    import pypdfium2 as pdfium

    ctx = case_fixture.ctx
    with ctx.db.sessions.begin() as session:
        case = cases.create_case(session, forum="echr", title="Fictional v. Russia")
        number = cases.add_exhibit(session, case.id, case_fixture.items["court_decision.pdf"], pages=(2, 3)).number
        case_id = case.id
    box = parse_box("3:50,700,400,842")  # the top of page 3, where the text is
    done = redact_exhibit(ctx, case_id, number, boxes=[box], actor="test")
    assert done.pages == (2, 3)
    with ctx.local_copy(done.sha256) as path:
        document = pdfium.PdfDocument(str(path))
        assert len(document) == 4
        page = document[2]
        textpage = page.get_textpage()
        assert textpage.count_chars() == 0  # the redacted page is a picture
        image = page.render(scale=1).to_pil().convert("L")
        width, height = image.size
        assert image.getpixel((int(width * 0.3), int(height * 0.05))) < 10  # inside the box: black
        assert image.getpixel((int(width * 0.5), int(height * 0.6))) > 245  # outside: paper
        assert "Мотивировочная" in document[1].get_textpage().get_text_range()  # page 2 kept as it was
        textpage.close()
        page.close()
        document.close()
    # the same redaction again gives the same bytes: the stored item is found, not duplicated
    again = redact_exhibit(ctx, case_id, number, boxes=[box], actor="test")
    assert again.duplicate and again.item_id == done.item_id


@pytest.mark.parametrize("spec", ["", "3", "0:1,2,3,4", "1:1,2,1,4", "x:1,2,3,4", "1:1,2,3", "1:a,b,c,d"])
def test_malformed_boxes_are_refused(spec):
    with pytest.raises(RedactionError):
        parse_box(spec)


def test_impossible_redactions_are_refused_and_store_nothing(case_fixture, victim_case):
    ctx = case_fixture.ctx
    _ctx, case_id, _items, numbers = victim_case
    with ctx.db.reader() as session:
        before = session.scalar(select(EvidenceItem.id).order_by(EvidenceItem.id.desc()).limit(1))
    attempts = [
        dict(exhibit=numbers["medical_note.pdf"]),  # neither boxes nor auto
        dict(exhibit=numbers["medical_note.pdf"], boxes=[Box(9, 1, 1, 50, 50)]),  # past the last page
        dict(exhibit=numbers["medical_note.pdf"], auto=True),  # names nobody: nothing to redact
        dict(exhibit=numbers["cell_photo.png"], boxes=[Box(1, 1, 1, 50, 50)]),  # points on a non-PDF
        dict(exhibit="R-99", auto=True),
    ]
    for attempt in attempts:
        with pytest.raises(cases.CaseError):
            redact_exhibit(ctx, case_id, attempt.pop("exhibit"), **attempt)
    with ctx.db.reader() as session:
        assert session.scalar(select(EvidenceItem.id).order_by(EvidenceItem.id.desc()).limit(1)) == before


def test_redact_and_renumber_commands(case_fixture):
    from click.testing import CliRunner

    from search_api.cli import cli

    def svidok(*args):
        return CliRunner().invoke(cli, list(args), env={"SVIDOK_HOME": str(case_fixture.home)}, catch_exceptions=False)

    created = svidok("case", "create", "--forum", "echr", "--title", "Fictional v. Russia", "--prefix", "A")
    assert created.exit_code == 0, created.output
    case_id = created.stdout.strip()
    names = ["release_statement.pdf", *[n for n in case_fixture.items if n.endswith(".pdf")]][:6]
    for n, name in enumerate(names * 2):  # twelve exhibits, added newest first: numbers past 9 to reorder
        added = svidok("case", "add-exhibit", case_id, case_fixture.items[name], "--date", f"2022-01-{20 - n}")
        assert added.exit_code == 0, added.output
    renumbered = svidok("case", "renumber", case_id, "--forum", "echr")
    assert renumbered.exit_code == 0, renumbered.output
    assert "A-12 -> A-1" in renumbered.stdout and "A-1 -> A-12" in renumbered.stdout
    shown = json.loads(svidok("case", "show", case_id, "--json").stdout)
    assert [e["number"] for e in shown["exhibits"]] == [f"A-{n}" for n in range(1, 13)]
    dates = [e["date"] for e in shown["exhibits"]]
    assert dates == sorted(dates)
    assert not any(w["code"] == "numbering" for w in shown["warnings"])

    refused = svidok("case", "add-person", case_id, "Fictional Name", "--role", "witness", "--anonymous")
    assert refused.exit_code != 0 and "pseudonym" in refused.output
    assert svidok("case", "add-person", case_id, "Fictional Name", "--role", "witness", "--anonymous",
                  "--pseudonym", "W-3", "--other-name", "Фіктивне Ім'я").exit_code == 0
    assert svidok("case", "add-member", case_id, "lawyer7", "--role", "lawyer").exit_code == 0
    assert svidok("case", "add-member", case_id, "lawyer8", "--role", "boss").exit_code != 0

    bad = svidok("case", "redact", case_id, "A-1", "--box", "1:1,2,3")
    assert bad.exit_code != 0 and "PAGE:x0,y0,x1,y1" in bad.output
    boxed = svidok("case", "redact", case_id, "A-1", "--box", "1:50,780,500,842")
    assert boxed.exit_code == 0, boxed.output
    assert "original" in boxed.stdout and "kept" in boxed.stdout


def test_auto_boxes_cover_both_halves_of_a_name_hyphenated_across_lines(tmp_path):
    """pdfium reads "Гри-" and "ценко" on two lines; the proposal boxes both (a box per line)."""
    from fpdf import FPDF

    from archive_schema.models import CasePerson
    from ingest.bundle import FONT
    from ingest.cases import NameMatcher
    from ingest.redact import propose_boxes

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_font("DejaVu", size=14)
    pdf.cell(0, 10, "Свідчила Оксана Гри-", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 10, "ценко про СІЗО-2.", new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "hyphenated.pdf"
    pdf.output(str(path))
    witness = CasePerson(name="Оксана Гриценко", other_names=[], anonymous=True, pseudonym="W-7", role="witness")
    boxes = propose_boxes(path, NameMatcher(None, [witness]))
    tops = sorted({round(box.y1) for box in boxes}, reverse=True)
    assert len(tops) == 2, boxes  # one run on each line: "Оксана Гри-" and "ценко"
