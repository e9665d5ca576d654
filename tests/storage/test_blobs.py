"""The blob store: content addressing, streaming, atomic writes; on a directory and on S3 (moto, over HTTP)."""
from __future__ import annotations

import hashlib
import io
import os

import boto3
import pytest

from archive_schema.blobs import BlobNotFound, BlobTooLarge, LocalBlobStore, S3BlobStore, open_blobs
from tests.conftest import make_settings


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    endpoint = request.getfixturevalue("s3_endpoint")
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
    bucket = f"svidok-{os.urandom(4).hex()}"
    client.create_bucket(Bucket=bucket)
    return S3BlobStore(bucket, "archive/originals", tmp_path / "spool", client=client)


class Chunked(io.RawIOBase):
    """A stream of ``total`` pseudo-random bytes produced chunk by chunk, optionally failing part-way."""

    def __init__(self, total: int, fail_at: int | None = None):
        self.total, self.sent, self.fail_at = total, 0, fail_at
        self.digest = hashlib.sha256()

    def readable(self):
        return True

    def readinto(self, buf):
        if self.fail_at is not None and self.sent >= self.fail_at:
            raise OSError("connection reset by peer")
        n = min(len(buf), self.total - self.sent)
        data = hashlib.sha256(str(self.sent).encode()).digest() * (n // 32 + 1)
        buf[:n] = data[:n]
        self.digest.update(data[:n])
        self.sent += n
        return n


def test_round_trip_is_byte_exact_and_named_by_sha256(store):
    data = "Свідчення: затримано 14.03.2022, СІЗО №2".encode("utf-8") * 1000
    stored = store.put(io.BytesIO(data))
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size == len(data) and stored.created
    with store.open(stored.sha256) as fh:
        assert fh.read() == data
    assert store.size(stored.sha256) == len(data)
    assert list(store) == [stored.sha256]


def test_same_bytes_twice_is_one_blob(store):
    first = store.put(io.BytesIO(b"same bytes"))
    second = store.put(io.BytesIO(b"same bytes"))
    assert first.sha256 == second.sha256
    assert (first.created, second.created) == (True, False)
    assert list(store) == [first.sha256]


def test_large_stream_is_hashed_while_streaming(store):
    stream = Chunked(48 * 1024 * 1024 + 17)
    stored = store.put(io.BufferedReader(stream))
    assert stored.sha256 == stream.digest.hexdigest()
    assert store.size(stored.sha256) == stream.total


def test_a_write_that_fails_part_way_leaves_nothing_visible(store, tmp_path):
    with pytest.raises(OSError):
        store.put(io.BufferedReader(Chunked(8 * 1024 * 1024, fail_at=3 * 1024 * 1024)))
    assert list(store) == []
    if isinstance(store, LocalBlobStore):
        assert list(store.tmp.iterdir()) == []


def test_too_large_is_refused_without_storing(store):
    with pytest.raises(BlobTooLarge):
        store.put(io.BytesIO(b"x" * 5000), max_size=4096)
    assert list(store) == []


def test_missing_and_malformed_hashes(store):
    with pytest.raises(BlobNotFound):
        store.open("0" * 64)
    with pytest.raises(BlobNotFound):
        store.open("../../etc/passwd")
    assert not store.exists("zz")


def test_local_blobs_are_read_only_files(tmp_path):
    store = LocalBlobStore(tmp_path / "b")
    stored = store.put(io.BytesIO(b"evidence"))
    mode = store.path(stored.sha256).stat().st_mode & 0o777
    assert mode & 0o222 == 0


def test_sweep_removes_only_dead_writers_temporaries(tmp_path):
    store = LocalBlobStore(tmp_path / "b")
    dead = store.tmp / "999999999-abc.part"
    mine = store.tmp / f"{os.getpid()}-def.part"
    dead.write_bytes(b"half")
    mine.write_bytes(b"in progress")
    assert store.sweep_temporary() == 1
    assert not dead.exists() and mine.exists()


def test_open_blobs_by_url(tmp_path):
    assert isinstance(open_blobs(make_settings(tmp_path)), LocalBlobStore)
    with pytest.raises(ValueError, match="file:// or s3://"):
        open_blobs(make_settings(tmp_path, SVIDOK_BLOB_URL="ftp://x"))
    with pytest.raises(ValueError, match="needs a bucket"):
        open_blobs(make_settings(tmp_path, SVIDOK_BLOB_URL="s3:///prefix"))
