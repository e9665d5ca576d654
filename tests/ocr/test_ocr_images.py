"""Photos as evidence: EXIF/GPS kept in the record, near-duplicates found across uploads (library, CLI, API),
HEIC read, and broken or hostile images failing with a reason while the rest of the batch goes on."""
from __future__ import annotations

import hashlib
import struct
import zlib

import pytest
from click.testing import CliRunner
from PIL import Image
from sqlalchemy import select

from archive_schema import policy
from archive_schema.models import EvidenceItem
from archive_schema.settings import Settings
from archive_schema.vocab import ItemState
from ingest.images import similar

from .conftest import EN, encoded, exif_with_gps, photo, strip


def forged_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb's promise)."""
    data = bytearray(encoded(Image.new("L", (1, 1), 255), "PNG"))
    ihdr = data.index(b"IHDR")
    struct.pack_into(">II", data, ihdr + 4, width, height)
    struct.pack_into(">I", data, ihdr + 17, zlib.crc32(bytes(data[ihdr:ihdr + 17])))
    return bytes(data)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    from ingest.bulk import ingest_paths
    from ingest.pipeline import Context
    from tests.conftest import make_settings

    root = tmp_path_factory.mktemp("photos")
    folder = root / "in"
    folder.mkdir()
    original = photo(1)
    good = encoded(original, "JPEG", quality=90, exif=exif_with_gps())
    files = {
        "original.jpg": good,
        "resized-recompressed.jpg": encoded(original.resize((300, 225)), "JPEG", quality=55),
        "from-phone.heic": encoded(original, "HEIF", exif=exif_with_gps().tobytes()),
        "different.png": encoded(photo(2), "PNG"),
        "scan.png": encoded(strip(EN[0]), "PNG"),
        "truncated.jpg": good[: len(good) // 2],
        "bomb.png": forged_png(100_000, 100_000),
        "note.txt": "A note that has nothing to do with the photos.".encode(),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    home = root / "home"
    ctx = Context.open(make_settings(home, SVIDOK_STAGES="extract,ocr"))
    summary = ingest_paths(ctx, [folder])
    with ctx.db.reader() as session:
        items = {item.filename: item for item in session.scalars(select(EvidenceItem))}
        session.expunge_all()
    yield ctx, home, files, items, summary
    ctx.close()


def test_exif_and_gps_are_kept_in_the_item_record(photos):
    ctx, _, _, items, _ = photos
    for name in ("original.jpg", "from-phone.heic"):
        props = items[name].properties
        assert items[name].state == ItemState.processed.value, items[name].error
        assert props["exif"]["Make"] == "FictiCam" and props["exif"]["DateTimeOriginal"] == "2022:03:14 09:30:00"
        assert props["gps"]["latitude"] == pytest.approx(47.11) and props["gps"]["longitude"] == pytest.approx(37.55)
        assert props["gps"]["tags"]["GPSLatitudeRef"] == "N"
        assert len(props["phash"]) == 16
    assert "gps" not in items["resized-recompressed.jpg"].properties  # none was written: none is invented


def test_near_duplicates_are_found_across_uploads_and_others_are_not(photos):
    ctx, _, _, items, _ = photos
    with ctx.db.reader() as session, policy.acting_as(policy.operator()):
        found = similar(session, items["original.jpg"].id)
        assert similar(session, items["different.png"].id) == []
        assert similar(session, items["note.txt"].id) == []  # not an image: no hash, no neighbours
    assert {f["filename"] for f in found} == {"resized-recompressed.jpg", "from-phone.heic"}
    with ctx.db.reader() as session:  # the photos are confidential (the default): a viewer, or nobody, meets none
        with policy.acting_as(policy.Actor("viewer-tester", "viewer")):
            assert similar(session, items["original.jpg"].id) == []
        assert similar(session, items["original.jpg"].id) == []
    assert all(0 <= f["distance"] <= 8 for f in found)


def test_images_similar_command(photos):
    from search_api.cli import cli  # the whole command tree: the policy guard decides who acts

    _, home, _, items, _ = photos
    runner = CliRunner()
    env = {"SVIDOK_HOME": str(home)}
    result = runner.invoke(cli, ["images", "similar", items["original.jpg"].id], env=env)
    assert result.exit_code == 0, result.output
    assert "resized-recompressed.jpg" in result.output and "different.png" not in result.output
    result = runner.invoke(cli, ["images", "similar", items["different.png"].id, "--json"], env=env)
    assert result.exit_code == 0 and result.output.strip() == "[]"
    result = runner.invoke(cli, ["images", "similar", items["note.txt"].id], env=env)
    assert result.exit_code != 0 and "has no perceptual hash" in result.output


def test_item_answer_lists_near_duplicates_and_pages_show_ocr_confidence(photos):
    from search_api import create_app
    from tests.api.helpers import client_for

    _, home, _, items, _ = photos
    app = create_app(Settings.from_env({"SVIDOK_HOME": str(home), "SVIDOK_STAGES": "extract,ocr"}),
                     processing="inline")
    try:
        client = client_for(app, "ocr-tester", "admin")
        body = client.get(f"/api/v1/items/{items['original.jpg'].id}").get_json()
        assert {n["id"] for n in body["near_duplicates"]} == {items["resized-recompressed.jpg"].id,
                                                               items["from-phone.heic"].id}
        assert body["properties"]["gps"]["latitude"] == pytest.approx(47.11)
        assert client.get(f"/api/v1/items/{items['note.txt'].id}").get_json()["near_duplicates"] == []
        page = client.get(f"/api/v1/items/{items['scan.png'].id}/pages/1").get_json()
        assert "Verity" in page["text"] and 0.5 < page["ocr_confidence"] <= 1
        listed = client.get(f"/api/v1/items/{items['scan.png'].id}/pages").get_json()
        assert listed["pages"][0]["ocr_confidence"] == page["ocr_confidence"]
    finally:
        app.extensions["svidok"].close()


def test_broken_and_hostile_images_fail_with_a_reason_and_the_batch_goes_on(photos):
    ctx, _, files, items, summary = photos
    assert items["truncated.jpg"].state == ItemState.failed.value
    assert items["truncated.jpg"].error.startswith("damaged image: "), items["truncated.jpg"].error
    assert "truncated" in items["truncated.jpg"].error
    assert items["bomb.png"].state == ItemState.failed.value
    assert items["bomb.png"].error.startswith("image too large: "), items["bomb.png"].error
    assert {f for f, item in items.items() if item.state == ItemState.failed.value} == {"truncated.jpg", "bomb.png"}
    for name in ("truncated.jpg", "bomb.png"):  # the originals are kept, byte for byte
        with ctx.blobs.open(hashlib.sha256(files[name]).hexdigest()) as fh:
            assert fh.read() == files[name]


def test_near_duplicates_and_gps_on_each_database(settings, tmp_path):
    """The hash lookup reads the JSON record in SQL: the same answer on SQLite and PostgreSQL."""
    from ingest.bulk import ingest_paths
    from ingest.pipeline import Context

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(encoded(photo(5), "JPEG", exif=exif_with_gps()))
    (folder / "b.png").write_bytes(encoded(photo(5).resize((200, 150)), "PNG"))
    (folder / "c.png").write_bytes(encoded(photo(6), "PNG"))
    ctx = Context.open(settings.with_(stages=("extract", "ocr")))
    try:
        ingest_paths(ctx, [folder])
        with ctx.db.reader() as session, policy.acting_as(policy.operator()):
            ids = {item.filename: item.id for item in session.scalars(select(EvidenceItem))}
            assert [f["filename"] for f in similar(session, ids["a.jpg"])] == ["b.png"]
            assert session.get(EvidenceItem, ids["a.jpg"]).properties["gps"]["longitude"] == pytest.approx(37.55)
    finally:
        ctx.close()


def test_near_duplicates_the_caller_may_not_see_are_not_listed(photos):
    """A viewer sees a public photo but not its confidential near-duplicates: they are left out, not hinted at."""
    from search_api import create_app
    from tests.api.helpers import client_for

    ctx, home, _, items, _ = photos
    original, heic = items["original.jpg"].id, items["from-phone.heic"].id

    def classify(item_id, value):
        with ctx.db.sessions.begin() as session:
            session.get(EvidenceItem, item_id).classification = value

    app = create_app(Settings.from_env({"SVIDOK_HOME": str(home), "SVIDOK_STAGES": "extract,ocr"}),
                     processing="inline")
    classify(original, "public")
    classify(heic, "public")
    try:
        viewer = client_for(app, "ocr-viewer", "viewer")
        body = viewer.get(f"/api/v1/items/{original}").get_json()
        assert [n["id"] for n in body["near_duplicates"]] == [heic]  # the resized copy is confidential
        admin = client_for(app, "ocr-admin", "admin")
        assert len(admin.get(f"/api/v1/items/{original}").get_json()["near_duplicates"]) == 2
    finally:
        classify(original, "confidential")
        classify(heic, "confidential")
        app.extensions["svidok"].close()
