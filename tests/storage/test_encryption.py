"""Encryption at rest: blobs (AES-256-GCM chunks under a data key per blob) and page text (a column key), both
wrapped by the master key; rotation; and what a copy of the database and the blobs shows without the keys."""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import sqlite3
import subprocess
import sys

import boto3
import pytest
from sqlalchemy import select, text

from archive_schema import inquiries, keys
from archive_schema.blobs import (ENC_CHUNK, HEADER_SIZE, BlobCorrupt, LocalBlobStore, S3BlobStore, open_blobs)
from archive_schema.db import connect
from archive_schema.models import Page
from ingest.pipeline import Context, receive, process
from tests.conftest import make_settings


def _s3(endpoint, tmp_path, keyring):
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
    bucket = f"svidok-{os.urandom(4).hex()}"
    client.create_bucket(Bucket=bucket)
    return S3BlobStore(bucket, "originals", tmp_path / "spool", client=client, keyring=keyring)


@pytest.fixture(params=["local", "s3"])
def make_store(request, tmp_path):
    """A factory: the same bucket/folder opened with a given keyring."""
    if request.param == "local":
        return lambda keyring: LocalBlobStore(tmp_path / "blobs", keyring=keyring, spool_dir=tmp_path / "spool")
    first = {}

    def make(keyring):
        if not first:
            first["store"] = _s3(request.getfixturevalue("s3_endpoint"), tmp_path, keyring)
            return first["store"]
        s = first["store"]
        return S3BlobStore(s.bucket, s.prefix, tmp_path / "spool", client=s.client, keyring=keyring)
    return make


def _stored_bytes(store, sha256: str) -> bytes:
    if isinstance(store, LocalBlobStore):
        return store.path(sha256).read_bytes()
    return store.client.get_object(Bucket=store.bucket, Key=store.key(sha256))["Body"].read()


SECRET_TEXT = "Свідок бачив, як конвой вивіз затриманих уночі. " * 50


@pytest.mark.parametrize("size", [0, 1, ENC_CHUNK - 1, ENC_CHUNK, ENC_CHUNK + 1, 2 * ENC_CHUNK + 5])
def test_encrypted_round_trip_is_byte_exact_and_named_by_the_plaintext(make_store, size):
    store = make_store(keys.Keyring(os.urandom(32)))
    data = (SECRET_TEXT.encode() * (size // len(SECRET_TEXT.encode()) + 1))[:size]
    stored = store.put(io.BytesIO(data))
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == size
    with store.open(stored.sha256) as fh:
        assert fh.read() == data
    assert store.size(stored.sha256) == size
    raw = _stored_bytes(store, stored.sha256)
    assert raw.startswith(b"SVDKBLB\x01") and len(raw) > size
    if size > 64:
        assert data[:64] not in raw
    with store.local_file(stored.sha256) as path:
        assert path.read_bytes() == data
    assert store.key_id_of(stored.sha256) == store.keyring.current_id.hex()


def test_blobs_stored_in_plain_still_read(make_store):
    plain = make_store(None)
    old = plain.put(io.BytesIO(b"stored before encryption"))
    store = make_store(keys.Keyring(os.urandom(32)))
    with store.open(old.sha256) as fh:
        assert fh.read() == b"stored before encryption"
    assert store.size(old.sha256) == len(b"stored before encryption") and store.key_id_of(old.sha256) is None
    new = store.put(io.BytesIO(b"stored after"))
    assert store.key_id_of(new.sha256) is not None


def test_rotation_rewraps_the_key_and_leaves_the_chunks_alone(make_store):
    old = keys.Keyring(os.urandom(32))
    store = make_store(old)
    data = os.urandom(ENC_CHUNK + 100)
    sha256 = store.put(io.BytesIO(data)).sha256
    before = _stored_bytes(store, sha256)
    new = keys.Keyring(os.urandom(32), [old.current])
    assert store.rewrap(sha256, new) is True
    assert store.rewrap(sha256, new) is False  # already under the new key
    after = _stored_bytes(store, sha256)
    assert after[HEADER_SIZE:] == before[HEADER_SIZE:] and after[:HEADER_SIZE] != before[:HEADER_SIZE]
    with make_store(keys.Keyring(new.current)).open(sha256) as fh:
        assert fh.read() == data
    with pytest.raises(BlobCorrupt, match="not configured"):
        make_store(keys.Keyring(old.current)).open(sha256)


def test_tampering_truncation_and_moved_headers_are_detected(tmp_path):
    ring = keys.Keyring(os.urandom(32))
    store = LocalBlobStore(tmp_path / "b", keyring=ring)
    a = store.put(io.BytesIO(os.urandom(2 * ENC_CHUNK + 10))).sha256
    b = store.put(io.BytesIO(b"another original")).sha256

    def rewrite(sha256, content):
        path = store.path(sha256)
        os.chmod(path, 0o640)
        path.write_bytes(content)

    original = store.path(a).read_bytes()
    rewrite(a, original[:-(ENC_CHUNK + 16)] if len(original) > ENC_CHUNK + 16 else original[:-1])  # last chunk gone
    with pytest.raises(BlobCorrupt):
        store.open(a).read()
    flipped = bytearray(original)
    flipped[HEADER_SIZE + 5] ^= 1
    rewrite(a, bytes(flipped))
    with pytest.raises(BlobCorrupt):
        store.open(a).read()
    rewrite(a, original)
    # b's header (its wrapped data key) put on a: it does not open, because the key is bound to b's hash
    rewrite(a, store.path(b).read_bytes()[:HEADER_SIZE] + original[HEADER_SIZE:])
    with pytest.raises(BlobCorrupt, match="does not open"):
        store.open(a)


def test_open_blobs_makes_a_private_key_file_once(tmp_path):
    settings = make_settings(tmp_path / "home")
    store = open_blobs(settings)
    key_file = settings.home / "keys" / "master.key"
    assert key_file.stat().st_mode & 0o777 == 0o600 and key_file.parent.stat().st_mode & 0o777 == 0o700
    assert open_blobs(settings).keyring.current == store.keyring.current  # the same key the next time
    from_env = make_settings(tmp_path / "h2", SVIDOK_MASTER_KEY=keys.format_key(b"k" * 32))
    assert open_blobs(from_env).keyring.current == b"k" * 32
    assert not (tmp_path / "h2" / "keys" / "master.key").exists()
    hexed = make_settings(tmp_path / "h3", SVIDOK_MASTER_KEY=(b"\x01" * 32).hex())
    assert open_blobs(hexed).keyring.current == b"\x01" * 32
    with pytest.raises(keys.KeyProblem, match="256-bit key"):
        open_blobs(make_settings(tmp_path / "h4", SVIDOK_MASTER_KEY="too short"))
    with pytest.raises(keys.KeyProblem, match="does not exist"):
        open_blobs(make_settings(tmp_path / "h5", SVIDOK_MASTER_KEY_FILE=str(tmp_path / "missing.key")))


# --- the archive as a whole -------------------------------------------------------------------------------------

DOC_PHRASE = "the guards moved everyone to the basement after the inspection"
RELATIVE = "Zorianna Quillfeather"
CONTACT = "quill-family-4417@example.org"
CIRCUMSTANCES = "taken from the bakery on the corner at dawn"


def _file_inquiry(ctx):
    with ctx.db.sessions.begin() as session:
        inquiries.create_key(session, "a long staff passphrase", opslimit=1, memlimit=8192)
        _, code = inquiries.file_inquiry(session, inquiries.Contents(
            relative_name=RELATIVE, category="missing", birth_date="1971-06-02", last_known_place="Novoazovsk",
            circumstances=CIRCUMSTANCES, contact_preference="email", contact=CONTACT))
        inquiry, _ = inquiries.verify_code(session, code)
        inquiries.post_update(session, inquiry, author="staff", text=f"We found {RELATIVE} on a list",
                              status="information")
    return code


@pytest.fixture
def extract_only(tmp_path):
    """An archive that extracts text but skips NLP (not what these tests are about, and slow to load)."""
    return make_settings(tmp_path / "home", SVIDOK_STAGES="extract")


def test_a_copy_of_the_database_and_blobs_without_the_keys_reveals_no_text(extract_only, tmp_path):
    """Must show 3: copy svidok.db and the blob folder, not the keys: no inquiry text, no requester detail and no
    document text can be read from them, neither as bytes nor through the application with another key."""
    ctx = Context.open(extract_only)
    body = (f"Statement of a witness.\n{DOC_PHRASE}.\n" * 20).encode()
    received = receive(ctx, io.BytesIO(body), "statement-17.txt")
    process(ctx, received.item_id)
    code = _file_inquiry(ctx)
    with ctx.db.reader() as session:  # the archive itself reads everything
        assert DOC_PHRASE in session.scalar(select(Page.text).where(Page.item_id == received.item_id))
    ctx.close()

    copy = tmp_path / "stolen"
    copy.mkdir()
    with sqlite3.connect(extract_only.home / "svidok.db") as source, \
            sqlite3.connect(copy / "svidok.db") as target:
        source.backup(target)  # a consistent copy (the WAL included)
    for name in os.listdir(extract_only.home):
        if name.startswith("svidok.db"):
            shutil.copy(extract_only.home / name, copy / f"raw-{name}")  # and the files as they lie
    shutil.copytree(extract_only.home / "blobs", copy / "blobs")
    assert not list(copy.rglob("*.key"))

    secrets_ = [DOC_PHRASE, "Statement of a witness", RELATIVE, "Quillfeather", CONTACT, CIRCUMSTANCES, "bakery",
                "We found", code, code.replace("-", "")]
    everything = b"".join(p.read_bytes() for p in copy.rglob("*") if p.is_file())
    for secret in secrets_:
        for encoding in ("utf-8", "utf-16-le"):
            assert secret.encode(encoding) not in everything, secret
    assert DOC_PHRASE.encode() not in zlib_inflated(everything)

    # through the application, with the key a new home makes for itself: nothing opens
    thief = make_settings(tmp_path / "thief", SVIDOK_DATABASE_URL=f"sqlite:///{copy / 'svidok.db'}",
                          SVIDOK_BLOB_URL=f"file://{copy / 'blobs'}")
    with pytest.raises(keys.KeyProblem):
        connect(thief)  # the column key is wrapped by a master key the thief does not have
    with pytest.raises(BlobCorrupt):
        open_blobs(thief).open(received.sha256).read()
    raw = sqlite3.connect(copy / "svidok.db")
    stored_text = raw.execute("SELECT text FROM page").fetchone()[0]
    assert stored_text.startswith(keys.COLUMN_PREFIX) and DOC_PHRASE not in stored_text
    assert raw.execute("SELECT count(*) FROM inquiry").fetchone()[0] == 1
    details = [row[0] for row in raw.execute("SELECT details FROM audit_event WHERE action = 'inquiry.create'")]
    assert details == ["{}"]  # the audit event of a new inquiry holds nothing about the requester
    assert raw.execute("SELECT object_id FROM audit_event WHERE action = 'inquiry.create'").fetchone()[0] == ""
    raw.close()


def zlib_inflated(data: bytes) -> bytes:
    """Any zlib streams inside (a PDF's, say), inflated: text must not hide there either."""
    import zlib

    out, start = [], 0
    while (start := data.find(b"\x78", start)) != -1:
        try:
            out.append(zlib.decompressobj().decompress(data[start:start + 1_000_000]))
        except zlib.error:
            pass
        start += 1
        if len(out) > 2000:
            break
    return b"".join(out)


def test_keys_rotate_command_rewraps_everything_and_retires_the_old_key(extract_only):
    sqlite_settings = extract_only
    ctx = Context.open(sqlite_settings)
    received = receive(ctx, io.BytesIO(f"Page one. {DOC_PHRASE}.".encode()), "a.txt")
    process(ctx, received.item_id)
    blob_before = ctx.blobs.path(received.sha256).read_bytes()
    ctx.close()
    old_key = keys.read_key_file(sqlite_settings.home / "keys" / "master.key")
    env = {**os.environ, "SVIDOK_HOME": str(sqlite_settings.home)}
    env.pop("SVIDOK_MASTER_KEY", None)
    run = subprocess.run([sys.executable, "-m", "search_api.cli", "keys", "rotate"], env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    new_key = keys.read_key_file(sqlite_settings.home / "keys" / "master.key")
    assert new_key != old_key
    retired = sqlite_settings.home / "keys" / "retired" / f"{keys.key_id(old_key).hex()}.key"
    assert keys.read_key_file(retired) == old_key and retired.stat().st_mode & 0o777 == 0o600
    ctx = Context.open(sqlite_settings)  # only the new key now
    try:
        assert ctx.blobs.path(received.sha256).read_bytes()[HEADER_SIZE:] == blob_before[HEADER_SIZE:]
        with ctx.blobs.open(received.sha256) as fh:
            assert DOC_PHRASE.encode() in fh.read()
        with ctx.db.reader() as session:
            assert DOC_PHRASE in session.scalar(select(Page.text))
            assert session.execute(text("SELECT count(*) FROM audit_event WHERE action = 'keys.rotate'")).scalar() == 1
    finally:
        ctx.close()
    with pytest.raises(BlobCorrupt):  # the old key alone opens nothing any more
        LocalBlobStore(sqlite_settings.home / "blobs", keyring=keys.Keyring(old_key)).open(received.sha256)
