"""Bundles exported from the fictional case in conftest: pages, stamps, bookmarks, index, verify, anonymity."""
from __future__ import annotations

import csv
import json
import zipfile

import pikepdf
import pytest

from ingest.bundle import ExportError, export_bundle, stamps, verify_bundle

from .conftest import PSEUDONYM, SECRET_CONTACT, SECRET_NAMES


@pytest.fixture(scope="module", params=["echr", "icc"])
def exported(request, case_fixture, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param) / f"{request.param}.zip"
    result = export_bundle(case_fixture.ctx, case_fixture.case_id, request.param, out, actor="test")
    folder = out.parent / "unzipped"
    with zipfile.ZipFile(out) as archive:
        archive.extractall(folder)
    return request.param, result, folder


def _manifest(folder):
    return json.loads((folder / "manifest.json").read_text("utf-8"))


def test_bundle_holds_every_exhibit_page_once_in_one_sequence(exported):
    forum, result, folder = exported
    manifest = _manifest(folder)
    with pikepdf.open(folder / "bundle.pdf") as pdf:
        assert len(pdf.pages) == manifest["bundle_pages"] == result.pages
    assert len(manifest["exhibits"]) >= 12
    expected = manifest["front_matter_pages"][1]
    for exhibit in manifest["exhibits"]:
        assert exhibit["bundle_pages"][0] == expected + 1
        expected = exhibit["bundle_pages"][1]
        if exhibit["media_type"] == "application/pdf":  # PDFs are copied page for page
            first, last = exhibit["pages"]
            assert exhibit["bundle_pages"][1] - exhibit["bundle_pages"][0] == last - first
    assert expected == manifest["bundle_pages"]
    kinds = {e["media_type"].split("/")[0] + ("/pdf" if e["media_type"].endswith("pdf") else "")
             for e in manifest["exhibits"]}
    assert {"application/pdf", "application", "image"} <= kinds  # PDF, DOCX and images mixed


def test_every_page_is_stamped_with_its_exhibit_and_bundle_page(exported):
    _forum, _result, folder = exported
    manifest = _manifest(folder)
    owner = {n: e["number"] for e in manifest["exhibits"]
             for n in range(e["bundle_pages"][0], e["bundle_pages"][1] + 1)}
    found = list(stamps(folder / "bundle.pdf"))
    assert len(found) == manifest["bundle_pages"]
    for page, stamp in enumerate(found, start=1):
        assert stamp == (owner.get(page), page, manifest["bundle_pages"]), page
    # marked with the most restrictive classification of its exhibits (the fixture's items are confidential)
    from pdfminer.high_level import extract_text

    last = extract_text(str(folder / "bundle.pdf"), page_numbers=[manifest["bundle_pages"] - 1])
    assert f"Bundle page {manifest['bundle_pages']} of {manifest['bundle_pages']} | CONFIDENTIAL" in last


def test_bookmarks_point_at_each_exhibits_first_page(exported):
    _forum, _result, folder = exported
    firsts = {e["number"]: e["bundle_pages"][0] for e in _manifest(folder)["exhibits"]}
    seen = {}
    with pikepdf.open(folder / "bundle.pdf") as pdf, pdf.open_outline() as outline:
        for item in outline.root:
            if item.title.startswith("Exhibit "):
                number = item.title.split()[1].rstrip(":")
                seen[number] = pikepdf.Page(item.destination[0]).index + 1
    assert seen == firsts


def test_index_gives_the_pages_where_the_exhibits_really_are(exported):
    from pdfminer.high_level import extract_text

    forum, _result, folder = exported
    manifest = _manifest(folder)
    with (folder / "index.csv").open(encoding="utf-8", newline="") as fp:
        rows = list(csv.DictReader(fp))
    stamp_of = {n: s for n, s in enumerate(stamps(folder / "bundle.pdf"), start=1)}
    for row in rows:
        first, last = int(row["bundle_first"]), int(row["bundle_last"])
        assert stamp_of[first][0] == row["number"] == stamp_of[last][0]
        assert first == 1 or stamp_of[first - 1][0] != row["number"]
    # the printed index (front matter) says the same
    front = extract_text(str(folder / "bundle.pdf"), page_numbers=range(manifest["front_matter_pages"][1]))
    for row in rows:
        span = row["bundle_first"] if row["bundle_first"] == row["bundle_last"] else \
            f"{row['bundle_first']}-{row['bundle_last']}"
        assert any(row["number"] in line and line.rstrip().endswith(span) for line in front.splitlines()) or \
            span in front
    if forum == "echr":  # chronological, undated last
        dates = [r["date"] for r in rows]
        assert [d for d in dates if d] == sorted(d for d in dates if d) and dates[-1] == ""


def test_bundle_verifies_and_its_hash_is_in_the_audit_chain(exported, case_fixture):
    from archive_schema.audit import events_for

    _forum, result, folder = exported
    assert verify_bundle(result.path) == []
    assert (folder / "manifest.sha256").read_text().split()[0] == result.manifest_sha256
    with case_fixture.ctx.db.reader() as session:
        events = [e for e in events_for(session, "case", case_fixture.case_id) if e.action == "case.export"]
    assert any(json.loads(e.details)["manifest_sha256"] == result.manifest_sha256 for e in events)


def test_one_changed_byte_fails_verify(exported, tmp_path):
    _forum, result, _folder = exported
    data = bytearray(result.path.read_bytes())
    with zipfile.ZipFile(result.path) as archive:
        info = archive.getinfo("bundle.pdf")
    offset = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
    data[offset] ^= 0x01
    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(bytes(data))
    assert verify_bundle(tampered)


def test_an_edited_manifest_fails_verify(exported, tmp_path):
    _forum, result, folder = exported
    manifest = _manifest(folder)
    manifest["exhibits"][0]["source_sha256"] = "0" * 64
    tampered = tmp_path / "edited.zip"
    with zipfile.ZipFile(result.path) as source, zipfile.ZipFile(tampered, "w") as out:
        for name in source.namelist():
            body = json.dumps(manifest).encode() if name == "manifest.json" else source.read(name)
            out.writestr(name, body)
    assert any("manifest.sha256" in p for p in verify_bundle(tampered))


def _pdf_layers(path) -> dict[str, str]:
    """Every place a PDF can carry words besides its page text: document info, XMP, bookmarks, and every string
    and every decoded non-image stream of every object (content streams, annotations, form fields …)."""
    layers: dict[str, list[str]] = {"docinfo": [], "xmp": [], "bookmarks": [], "strings": [], "streams": []}
    with pikepdf.open(path) as pdf:
        layers["docinfo"] = [f"{k}={v}" for k, v in pdf.docinfo.items()]
        with pdf.open_metadata() as xmp:
            layers["xmp"] = [f"{k}={v}" for k, v in xmp.items()]
        with pdf.open_outline() as outline:
            stack = list(outline.root)
            while stack:
                item = stack.pop()
                layers["bookmarks"].append(item.title)
                stack.extend(item.children)
        seen: set = set()

        def walk(obj, depth=0):
            if depth > 30:
                return
            if isinstance(obj, pikepdf.String):
                layers["strings"].append(str(obj))
            elif isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                if obj.is_indirect:
                    if obj.objgen in seen:
                        return
                    seen.add(obj.objgen)
                if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") != pikepdf.Name.Image:
                    try:
                        layers["streams"].append(obj.read_bytes().decode("latin-1"))
                    except pikepdf.PdfError:
                        layers["streams"].append(obj.read_raw_bytes().decode("latin-1"))
                for key in obj.keys():
                    if key not in ("/Parent", "/P"):
                        walk(obj[key], depth + 1)
            elif isinstance(obj, pikepdf.Array):
                for value in obj:
                    walk(value, depth + 1)

        walk(pdf.trailer)
    assert layers["bookmarks"] and layers["docinfo"] and layers["streams"]
    return {name: "\n".join(values) for name, values in layers.items()}


def test_anonymous_witness_is_named_nowhere_in_the_bundle(exported):
    """Must show 2: every text layer and metadata field: pdfminer.six over bundle.pdf, its document info, XMP,
    bookmarks and every string and stream of every object, the raw bytes, and every JSON/CSV file: none of
    the witness's real names (all scripts, case forms), her contact, internal notes or camera metadata."""
    from pdfminer.high_level import extract_text

    _forum, _result, folder = exported
    texts = {"bundle.pdf (text)": extract_text(str(folder / "bundle.pdf")),
             "bundle.pdf (bytes)": (folder / "bundle.pdf").read_bytes().decode("latin-1")}
    texts.update({f"bundle.pdf ({name})": text for name, text in _pdf_layers(folder / "bundle.pdf").items()})
    for name in ("index.csv", "chronology.json", "manifest.json", "manifest.sha256"):
        texts[name] = (folder / name).read_text("utf-8")
    assert PSEUDONYM in texts["bundle.pdf (text)"] and PSEUDONYM in texts["chronology.json"]
    assert PSEUDONYM in texts["bundle.pdf (bookmarks)"]  # the description naming her, as replaced
    for where, text in texts.items():
        folded = text.casefold()
        for secret in [*SECRET_NAMES, SECRET_CONTACT, "INTERNAL-NOTE", "FictionalCam"]:
            assert secret.casefold() not in folded, f"{secret!r} in {where}"


def test_an_exhibit_naming_an_anonymous_person_blocks_the_export(case_fixture, tmp_path):
    from archive_schema import cases

    ctx = case_fixture.ctx
    with ctx.db.sessions.begin() as session:
        other = cases.create_case(session, forum="icc", title="Detentions at a checkpoint", reference="SV-2")
        cases.add_person(session, other.id, "Андрій Мельник", "victim", anonymous=True, pseudonym="Victim V-1",
                         other_names=["Andrii Melnyk"])
        cases.add_exhibit(session, other.id, case_fixture.items["transfer_order.pdf"], pages=(1, 1))
        other_id = other.id
    with pytest.raises(ExportError) as failure:
        export_bundle(ctx, other_id, "icc", tmp_path / "blocked.zip")
    assert "Victim V-1" in str(failure.value) and "Мельник" not in str(failure.value)
    assert not (tmp_path / "blocked.zip").exists()


def test_bundle_commands_export_and_verify(case_fixture, tmp_path):
    from click.testing import CliRunner

    from search_api.cli import cli

    def svidok(*args):
        return CliRunner().invoke(cli, list(args), env={"SVIDOK_HOME": str(case_fixture.home)})

    out = tmp_path / "cli.zip"
    exported = svidok("case", "export", case_fixture.case_id, "--forum", "echr", "-o", str(out))
    assert exported.exit_code == 0, exported.output
    assert "outside the Court's jurisdiction" in exported.stderr
    assert svidok("bundle", "verify", str(out)).exit_code == 0
    out.write_bytes(out.read_bytes()[:-40] + bytes(40))
    failed = svidok("bundle", "verify", str(out))
    assert failed.exit_code == 1 and "not as exported" in failed.stderr
    shown = svidok("case", "show", case_fixture.case_id, "--json")
    assert shown.exit_code == 0, shown.output
    assert len(json.loads(shown.stdout)["exhibits"]) >= 12


def test_the_cover_names_parties_only_where_the_forum_has_them(exported):
    """An ECHR application has applicants and a respondent State; an ICC Article 15 communication has neither."""
    from pdfminer.high_level import extract_text

    forum, _, folder = exported
    cover = extract_text(str(folder / "bundle.pdf"), page_numbers=[0])
    assert "Reference" in cover and "Classification" in cover
    if forum == "echr":
        assert "Applicant(s)" in cover and "Respondent State" in cover
    else:
        assert "Applicant" not in cover and "Respondent State" not in cover
        assert "Article 15" in cover
