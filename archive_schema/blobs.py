"""Content-addressed, immutable storage of originals.

A blob's name is the SHA-256 of the exact bytes received. Writes stream (a large upload is never held in memory
whole) and are atomic: bytes go to a temporary file first and appear under their hash only when complete, so no
partial blob is ever visible. ``open_blobs`` picks the store by URL: ``file:///dir`` (default) or
``s3://bucket/prefix`` (boto3; endpoint from ``AWS_ENDPOINT_URL`` for S3-compatible servers such as MinIO).

Encryption at rest (both stores, when given a ``Keyring``): a blob is written as a header and the original in
AES-256-GCM chunks under a random data key of its own. The blob's name stays the SHA-256 of the *plaintext*
original, and reading gives back the plaintext, byte for byte. Blobs without the header (stores written before
encryption) are read as they are. Format, version 1::

    header  (88 bytes)  "SVDKBLB" 0x01 | chunk size (u32 BE) | nonce prefix (8 random bytes)
                        | the data key wrapped by the master key (keys.WRAPPED_BYTES; the blob's sha256 is its
                        associated data, so a header copied onto another blob does not open)
    chunks              AES-256-GCM of each ``chunk size`` bytes of the original (the last may be shorter, and
                        is empty for an empty file), nonce = prefix | chunk number (u32 BE); associated data =
                        the first 20 header bytes | chunk number | 1 for the last chunk else 0, so chunks cannot
                        be reordered, dropped or cut off unnoticed

Only the wrapped key changes when the master key is rotated (``rewrap``): on a directory it is rewritten in
place, 68 bytes at a fixed offset; S3 objects cannot be changed in place, so the object is copied with the new
header and the same encrypted chunks (streamed; nothing is decrypted).
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, Protocol
from urllib.parse import urlparse

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .keys import KEY_BYTES, KEY_ID_BYTES, WRAPPED_BYTES, Keyring, load_keyring

CHUNK = 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BlobError(Exception):
    """Base for blob store errors."""


class BlobNotFound(BlobError):
    pass


class BlobCorrupt(BlobError):
    """An encrypted blob does not decrypt: tampered, truncated, or its key is wrong."""


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


# --- the encrypted format ---------------------------------------------------------------------------------------

MAGIC = b"SVDKBLB\x01"
ENC_CHUNK = 1024 * 1024
_FIXED = struct.Struct(">8sI8s")  # magic+version, chunk size, nonce prefix: authenticated with every chunk
HEADER_SIZE = _FIXED.size + WRAPPED_BYTES
TAG = 16


def encrypted_size(plain_size: int, chunk: int = ENC_CHUNK) -> int:
    chunks = max(1, -(-plain_size // chunk))
    return HEADER_SIZE + plain_size + TAG * chunks


def plain_size(stored_size: int, chunk: int = ENC_CHUNK) -> int:
    body = stored_size - HEADER_SIZE
    full, rest = divmod(body, chunk + TAG)
    if rest == 0 and full:
        return full * chunk
    if rest < TAG:
        raise BlobCorrupt("encrypted blob has an impossible length (truncated?)")
    return full * chunk + rest - TAG


def _chunk_aad(fixed: bytes, n: int, last: bool) -> bytes:
    return fixed + struct.pack(">IB", n, last)


class EncryptingWriter:
    """Takes plaintext through ``write`` and writes the header placeholder and the encrypted chunks to ``out``;
    ``finish(sha256)`` writes the chunk still held and then the real header (``out`` must be seekable)."""

    def __init__(self, out: BinaryIO, keyring: Keyring, chunk: int = ENC_CHUNK):
        self.out, self.keyring, self.chunk = out, keyring, chunk
        self.data_key = os.urandom(KEY_BYTES)
        self.aead = AESGCM(self.data_key)
        self.prefix = os.urandom(8)
        self.fixed = _FIXED.pack(MAGIC, chunk, self.prefix)
        self.pending = bytearray()
        self.n = 0
        out.write(b"\0" * HEADER_SIZE)

    def _seal(self, data: bytes, last: bool) -> None:
        nonce = self.prefix + struct.pack(">I", self.n)
        self.out.write(self.aead.encrypt(nonce, data, _chunk_aad(self.fixed, self.n, last)))
        self.n += 1

    def write(self, data: bytes) -> int:
        self.pending += data
        while len(self.pending) > self.chunk:  # keep at least one chunk back: the last one is sealed as last
            self._seal(bytes(self.pending[:self.chunk]), False)
            del self.pending[:self.chunk]
        return len(data)

    def finish(self, sha256: str) -> None:
        self._seal(bytes(self.pending), True)
        self.pending.clear()
        self.out.seek(0)
        self.out.write(self.fixed + self.keyring.wrap(self.data_key, sha256.encode()))
        self.out.seek(0, io.SEEK_END)


class DecryptingReader(io.RawIOBase):
    """The plaintext of an encrypted blob, chunk by chunk; raises ``BlobCorrupt`` on any tampering."""

    def __init__(self, raw: BinaryIO, header: bytes, keyring: Keyring, sha256: str):
        self.raw = raw
        self.fixed = header[:_FIXED.size]
        _, self.chunk, self.prefix = _FIXED.unpack(self.fixed)
        if not 0 < self.chunk <= 64 * 1024 * 1024:
            raise BlobCorrupt(f"blob {sha256}: bad chunk size in its header")
        self.aead = AESGCM(unwrap_header(keyring, header, sha256))
        self.n, self.buffer, self.carry, self.done = 0, b"", b"", False
        self.sha256 = sha256

    def readable(self) -> bool:
        return True

    def _next(self) -> None:
        want = self.chunk + TAG
        block = self.carry + _read_exactly(self.raw, want + 1 - len(self.carry))
        block, self.carry = block[:want], block[want:]  # one byte beyond the chunk: is this the last one?
        last = not self.carry
        nonce = self.prefix + struct.pack(">I", self.n)
        try:
            self.buffer = self.aead.decrypt(nonce, block, _chunk_aad(self.fixed, self.n, last))
        except InvalidTag:
            raise BlobCorrupt(f"blob {self.sha256}: chunk {self.n} does not decrypt (tampered or truncated)") from None
        self.n += 1
        self.done = last

    def readinto(self, buf) -> int:
        while not self.buffer and not self.done:
            self._next()
        n = min(len(buf), len(self.buffer))
        buf[:n] = self.buffer[:n]
        self.buffer = self.buffer[n:]
        return n

    def close(self) -> None:
        try:
            self.raw.close()
        finally:
            super().close()


def _read_exactly(raw: BinaryIO, n: int) -> bytes:
    parts, got = [], 0
    while got < n:
        part = raw.read(n - got)
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)


class _Prefixed(io.RawIOBase):
    """``head`` then the rest of ``raw``: bytes read to look at a header, put back in front."""

    def __init__(self, head: bytes, raw: BinaryIO):
        self.head, self.raw = head, raw

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        if self.head:
            n = min(len(buf), len(self.head))
            buf[:n], self.head = self.head[:n], self.head[n:]
            return n
        data = self.raw.read(len(buf))
        buf[:len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self.raw.close()
        finally:
            super().close()


def _decrypting(raw: BinaryIO, header: bytes, keyring: Keyring | None, sha256: str) -> DecryptingReader:
    try:
        return DecryptingReader(raw, header, keyring, sha256)
    except BaseException:
        raw.close()  # the key did not open: do not leak the file or connection
        raise


def _rewrapped_key(header: bytes, sha256: str, keyring: Keyring) -> bytes | None:
    """The blob's data key wrapped under the keyring's current master key, or None when there is nothing to do
    (a plain blob, or one already under the current key)."""
    if not _is_encrypted(header):
        return None
    return keyring.rewrap(header[_FIXED.size:], sha256.encode())


def _is_encrypted(header: bytes) -> bool:
    return len(header) == HEADER_SIZE and header.startswith(MAGIC)


def _chunk_of(header: bytes) -> int:
    return _FIXED.unpack(header[:_FIXED.size])[1]


def unwrap_header(keyring: Keyring | None, header: bytes, sha256: str) -> bytes:
    if keyring is None:
        raise BlobCorrupt(f"blob {sha256} is encrypted and no master key is configured")
    from .keys import KeyProblem

    try:
        return keyring.unwrap(header[_FIXED.size:HEADER_SIZE], sha256.encode())
    except KeyProblem as exc:
        raise BlobCorrupt(f"blob {sha256}: {exc}") from None


def header_key_id(header: bytes) -> str | None:
    """The id of the master key that wraps this blob's data key; None for a blob stored in plain."""
    if len(header) < HEADER_SIZE or not header.startswith(MAGIC):
        return None
    return header[_FIXED.size:_FIXED.size + KEY_ID_BYTES].hex()


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

    def __init__(self, root: Path, keyring: Keyring | None = None, spool_dir: Path | None = None):
        self.root = Path(root)
        self.tmp = self.root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        #: new blobs are encrypted when there is a keyring; blobs stored in plain are read either way
        self.keyring = keyring
        self.spool_dir = Path(spool_dir) if spool_dir else self.tmp

    def path(self, sha256: str) -> Path:
        check_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: BinaryIO, max_size: int | None = None) -> StoredBlob:
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix=f"{os.getpid()}-", suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "w+b") as out:
                sha256, size = _write(stream, out, max_size, self.keyring)
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

    def _header(self, sha256: str) -> bytes:
        try:
            with self.path(sha256).open("rb") as fh:
                return _read_exactly(fh, HEADER_SIZE)
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def open(self, sha256: str) -> BinaryIO:
        try:
            fh = self.path(sha256).open("rb")
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None
        header = _read_exactly(fh, HEADER_SIZE)
        if _is_encrypted(header):
            return _decrypting(fh, header, self.keyring, sha256)
        fh.seek(0)
        return fh

    def exists(self, sha256: str) -> bool:
        try:
            return self.path(sha256).is_file()
        except BlobNotFound:
            return False

    def size(self, sha256: str) -> int:
        try:
            stored = self.path(sha256).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None
        header = self._header(sha256)
        return plain_size(stored, _chunk_of(header)) if _is_encrypted(header) else stored

    def key_id_of(self, sha256: str) -> str | None:
        """The master key id this blob needs (None: stored in plain)."""
        return header_key_id(self._header(sha256))

    def rewrap(self, sha256: str, keyring: Keyring) -> bool:
        """Rewrap the blob's data key under ``keyring``'s current master key, in place; True if it changed."""
        new = _rewrapped_key(self._header(sha256), sha256, keyring)
        if new is None:
            return False
        path = self.path(sha256)
        os.chmod(path, 0o640)
        try:
            with path.open("r+b") as fh:
                fh.seek(_FIXED.size)
                fh.write(new)
                fh.flush()
                os.fsync(fh.fileno())
        finally:
            os.chmod(path, 0o440)
        return True

    @contextlib.contextmanager
    def local_file(self, sha256: str) -> Iterator[Path]:
        """The original as a plain local file: in place when stored in plain, else decrypted into the spool
        folder for as long as the ``with`` lasts."""
        if not _is_encrypted(self._header(sha256)):
            yield self.path(sha256)
            return
        with _spooled(self.open(sha256), self.spool_dir) as path:
            yield path

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

    def __init__(self, bucket: str, prefix: str, spool_dir: Path, client=None, keyring: Keyring | None = None):
        import boto3

        self.keyring = keyring
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.spool_dir = Path(spool_dir)
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        self.client = client or boto3.client("s3")

    def key(self, sha256: str) -> str:
        check_sha256(sha256)
        return "/".join(p for p in (self.prefix, sha256[:2], sha256) if p)

    def put(self, stream: BinaryIO, max_size: int | None = None) -> StoredBlob:
        with tempfile.TemporaryFile(dir=self.spool_dir) as spool:
            sha256, size = _write(stream, spool, max_size, self.keyring)
            if self.exists(sha256):
                return StoredBlob(sha256, size, created=False)
            spool.seek(0)
            self.client.upload_fileobj(spool, self.bucket, self.key(sha256),
                                       ExtraArgs={"Metadata": {"sha256": sha256, "plain-size": str(size)}})
            return StoredBlob(sha256, size, created=True)

    def _get(self, sha256: str, range_: str | None = None):
        from botocore.exceptions import ClientError

        args = {"Range": range_} if range_ else {}
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(sha256), **args)["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise BlobNotFound(sha256) from None
            raise

    def _header(self, sha256: str) -> bytes:
        with self._get(sha256, f"bytes=0-{HEADER_SIZE - 1}") as body:
            return body.read()

    def open(self, sha256: str) -> BinaryIO:
        body = self._get(sha256)
        header = _read_exactly(body, HEADER_SIZE)
        if _is_encrypted(header):
            return _decrypting(body, header, self.keyring, sha256)
        return io.BufferedReader(_Prefixed(header, body), CHUNK)

    def key_id_of(self, sha256: str) -> str | None:
        return header_key_id(self._header(sha256))

    def rewrap(self, sha256: str, keyring: Keyring) -> bool:
        """S3 objects cannot change in place: copy the object with the new header and the same encrypted chunks
        (streamed through, never decrypted); the new object replaces the old one atomically."""
        header = self._header(sha256)
        new = _rewrapped_key(header, sha256, keyring)
        if new is None:
            return False
        head = self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        with self._get(sha256, f"bytes={HEADER_SIZE}-") as rest:
            self.client.upload_fileobj(io.BufferedReader(_Prefixed(header[:_FIXED.size] + new, rest), CHUNK),
                                       self.bucket, self.key(sha256), ExtraArgs={"Metadata": head.get("Metadata", {})})
        return True

    @contextlib.contextmanager
    def local_file(self, sha256: str) -> Iterator[Path]:
        with _spooled(self.open(sha256), self.spool_dir) as path:
            yield path

    def exists(self, sha256: str) -> bool:
        try:
            self.size(sha256)
            return True
        except BlobNotFound:
            return False

    def size(self, sha256: str) -> int:
        from botocore.exceptions import ClientError

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise BlobNotFound(sha256) from None
            raise
        known = head.get("Metadata", {}).get("plain-size", "")
        if known.isdigit():
            return int(known)
        stored = head["ContentLength"]
        if stored < HEADER_SIZE:
            return stored
        header = self._header(sha256)
        return plain_size(stored, _chunk_of(header)) if _is_encrypted(header) else stored

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


def _write(stream: BinaryIO, out: BinaryIO, max_size: int | None, keyring: Keyring | None) -> tuple[str, int]:
    """Copy ``stream`` into ``out`` (encrypted when there is a keyring), hashing the plaintext."""
    if keyring is None:
        return copy_hashing(stream, out, max_size)
    writer = EncryptingWriter(out, keyring)
    sha256, size = copy_hashing(stream, writer, max_size)
    writer.finish(sha256)
    return sha256, size


@contextlib.contextmanager
def _spooled(stream: BinaryIO, spool_dir: Path) -> Iterator[Path]:
    spool_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=spool_dir, prefix=f"{os.getpid()}-", suffix=".part") as tmp, stream:
        while chunk := stream.read(CHUNK):
            tmp.write(chunk)
        tmp.flush()
        yield Path(tmp.name)


def open_blobs(settings) -> LocalBlobStore | S3BlobStore:
    """The store per ``SVIDOK_BLOB_URL``, encrypting new blobs under the configured master key."""
    url = urlparse(settings.blob_url)
    if url.scheme not in ("file", "s3"):
        raise ValueError(f"SVIDOK_BLOB_URL scheme must be file:// or s3://, not {settings.blob_url!r}")
    if url.scheme == "s3" and not url.netloc:
        raise ValueError(f"SVIDOK_BLOB_URL needs a bucket: s3://bucket/prefix, not {settings.blob_url!r}")
    keyring = load_keyring(settings)
    if url.scheme == "file":
        return LocalBlobStore(Path(url.path), keyring=keyring, spool_dir=settings.home / "spool")
    return S3BlobStore(url.netloc, url.path, settings.home / "spool", keyring=keyring)


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


