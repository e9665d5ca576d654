"""Content-addressed, immutable storage of originals.

A blob's name is the SHA-256 of the exact bytes received. Writes stream (a large upload is never held in memory
whole) and are atomic: bytes go to a temporary file first and appear under their hash only when complete, so no
partial blob is ever visible. ``open_blobs`` picks the store by URL: ``file:///dir`` (default) or
``s3://bucket/prefix`` (boto3; endpoint from ``AWS_ENDPOINT_URL`` for S3-compatible servers such as MinIO).
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, Protocol
from urllib.parse import urlparse

CHUNK = 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BlobError(Exception):
    """Base for blob store errors."""


class BlobNotFound(BlobError):
    pass


class BlobTooLarge(BlobError):
    def __init__(self, limit: int):
        super().__init__(f"larger than the limit of {limit:,} bytes")
        self.limit = limit


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    created: bool  # False when these bytes were already stored


def check_sha256(sha256: str) -> str:
    if not _SHA256.match(sha256 or ""):
        raise BlobNotFound(f"not a SHA-256 hex digest: {sha256!r}")
    return sha256


class BlobStore(Protocol):
    def put(self, stream: BinaryIO, max_size: int | None = None) -> StoredBlob: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def exists(self, sha256: str) -> bool: ...
    def size(self, sha256: str) -> int: ...
    def __iter__(self) -> Iterator[str]: ...


def copy_hashing(src: BinaryIO, dst: BinaryIO, max_size: int | None) -> tuple[str, int]:
    """Copy in chunks, hashing as we go; refuse beyond ``max_size`` without reading it all."""
    digest, size = hashlib.sha256(), 0
    while chunk := src.read(CHUNK):
        size += len(chunk)
        if max_size is not None and size > max_size:
            raise BlobTooLarge(max_size)
        digest.update(chunk)
        dst.write(chunk)
    return digest.hexdigest(), size


class LocalBlobStore:
    """Blobs as files ``root/ab/cd/abcd…``; temporary files in ``root/tmp``, named after the writing process."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.tmp = self.root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        check_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: BinaryIO, max_size: int | None = None) -> StoredBlob:
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix=f"{os.getpid()}-", suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                sha256, size = copy_hashing(stream, out, max_size)
                out.flush()
                os.fsync(out.fileno())
            final = self.path(sha256)
            if final.exists():
                return StoredBlob(sha256, size, created=False)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp, 0o440)
            os.replace(tmp, final)  # atomic on one filesystem
            _fsync_dir(final.parent)
            return StoredBlob(sha256, size, created=True)
        finally:
            tmp.unlink(missing_ok=True)

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path(sha256).open("rb")
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def exists(self, sha256: str) -> bool:
        try:
            return self.path(sha256).is_file()
        except BlobNotFound:
            return False

    def size(self, sha256: str) -> int:
        try:
            return self.path(sha256).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def __iter__(self) -> Iterator[str]:
        for path in self.root.glob("??/??/*"):
            if _SHA256.match(path.name):
                yield path.name

    def sweep_temporary(self) -> int:
        """Remove temporary files left by writers that died (their process no longer exists)."""
        removed = 0
        for part in self.tmp.glob("*.part"):
            pid = part.name.split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                part.unlink(missing_ok=True)
                removed += 1
        return removed


class S3BlobStore:
    """Blobs as objects ``prefix/ab/abcd…`` in an S3-compatible bucket.

    The hash is only known after reading the whole stream, so bytes are spooled to a local temporary file first
    (in ``spool_dir``), then uploaded (multipart for large files); an S3 object is invisible until complete.
    """

    def __init__(self, bucket: str, prefix: str, spool_dir: Path, client=None):
        import boto3

        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.spool_dir = Path(spool_dir)
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        self.client = client or boto3.client("s3")

    def key(self, sha256: str) -> str:
        check_sha256(sha256)
        return "/".join(p for p in (self.prefix, sha256[:2], sha256) if p)

    def put(self, stream: BinaryIO, max_size: int | None = None) -> StoredBlob:
        with tempfile.TemporaryFile(dir=self.spool_dir) as spool:
            sha256, size = copy_hashing(stream, spool, max_size)
            if self.exists(sha256):
                return StoredBlob(sha256, size, created=False)
            spool.seek(0)
            self.client.upload_fileobj(spool, self.bucket, self.key(sha256),
                                       ExtraArgs={"Metadata": {"sha256": sha256}})
            return StoredBlob(sha256, size, created=True)

    def open(self, sha256: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise BlobNotFound(sha256) from None
            raise

    def exists(self, sha256: str) -> bool:
        try:
            self.size(sha256)
            return True
        except BlobNotFound:
            return False

    def size(self, sha256: str) -> int:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))["ContentLength"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise BlobNotFound(sha256) from None
            raise

    def __iter__(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}/" if self.prefix else "")
        for page in pages:
            for obj in page.get("Contents", []):
                name = obj["Key"].rsplit("/", 1)[-1]
                if _SHA256.match(name):
                    yield name

    def sweep_temporary(self) -> int:
        return 0  # spooled files are anonymous temporary files: the OS removes them with their process


def open_blobs(settings) -> LocalBlobStore | S3BlobStore:
    url = urlparse(settings.blob_url)
    if url.scheme == "file":
        return LocalBlobStore(Path(url.path))
    if url.scheme == "s3":
        if not url.netloc:
            raise ValueError(f"SVIDOK_BLOB_URL needs a bucket: s3://bucket/prefix, not {settings.blob_url!r}")
        return S3BlobStore(url.netloc, url.path, settings.home / "spool")
    raise ValueError(f"SVIDOK_BLOB_URL scheme must be file:// or s3://, not {settings.blob_url!r}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


