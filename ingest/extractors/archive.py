"""ZIP: members become items of their own (relation "member"), expanded safely.

Policy, decided here once:

* The whole ZIP fails, before anything is decompressed, when it is damaged, has more than ``max_zip_entries``
  entries (read from the end record, before the central directory is loaded), when any entry's declared
  uncompressed/compressed ratio is above ``max_compression_ratio``, when the declared sizes add up to more than
  ``max_unpacked_size``, or when entries overlap (the compressed sizes add up to more than the file): all of
  these are "ZIP bomb: ..." or "damaged ZIP: ...".
* A member that cannot be expanded safely is not extracted and the rest go on. It is listed in
  ``properties["rejected_members"]`` as ``{"name": ..., "reason": ...}`` (filled before the first member is
  yielded) so the pipeline can report it as a failed path ``archive.zip!name``. Reasons: absolute path, drive
  letter, ``..`` component, control character in the name, not a regular file (symbolic links are never
  followed), encrypted, unsupported compression method.
* Members are never written anywhere by us: ``Child.open()`` returns a stream that decompresses on read and stops
  with "ZIP bomb: ..." if an entry yields more bytes than its header declared (headers can lie). Directory
  entries are skipped. Nested ZIPs are members like any other; the pipeline limits the depth.
"""
from __future__ import annotations

import io
import lzma
import re
import stat
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Iterator

from archive_schema.settings import Settings

from . import Child, ExtractionError, Extractor, Source, register

ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
#: what zipfile raises on a damaged archive or member, besides BadZipFile
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError, struct.error,
              NotImplementedError, OverflowError)
_END_RECORD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_END_RECORD = b"PK\x06\x06"
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SUPPORTED_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


@register
class ZipExtractor(Extractor):
    media_types = ("application/zip",)
    extensions = ("zip",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head.startswith(ZIP_SIGNATURES)

    def children(self, source: Source) -> Iterator[Child]:
        archive = open_zip(source.path, source.size, source.settings)
        accepted: list[tuple[str, zipfile.ZipInfo]] = []
        rejected: list[dict[str, str]] = []
        for info in archive.infolist():
            if info.is_dir():
                continue
            name, reason = check_member(info)
            if reason:
                rejected.append({"name": info.filename, "reason": reason})
            else:
                accepted.append((name, info))
        source.properties["rejected_members"] = rejected
        source.properties["members"] = len(accepted)
        # the ZipFile stays open as long as a Child's opener is referenced, so children may be opened late
        for name, info in accepted:
            yield Child(name, _opener(archive, info), "member")


def open_zip(path: Path, size: int, settings: Settings) -> zipfile.ZipFile:
    """Open a ZIP after checking it is no bomb; ExtractionError says why not."""
    entries = declared_entries(path)
    if entries is not None and entries > settings.max_zip_entries:
        raise ExtractionError(f"ZIP has {entries:,} entries (limit {settings.max_zip_entries:,})")
    try:
        archive = zipfile.ZipFile(path)
    except ZIP_ERRORS as exc:
        raise ExtractionError(f"damaged ZIP: {exc}") from exc
    try:
        check_bomb(archive.infolist(), size, settings)
    except ExtractionError:
        archive.close()
        raise
    return archive


def check_bomb(infos: list[zipfile.ZipInfo], size: int, settings: Settings) -> None:
    """Refuse a ZIP on its declared sizes, before anything is decompressed."""
    if len(infos) > settings.max_zip_entries:
        raise ExtractionError(f"ZIP has {len(infos):,} entries (limit {settings.max_zip_entries:,})")
    unpacked = packed = 0
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > settings.max_compression_ratio:
            raise ExtractionError(f"ZIP bomb: entry {info.filename} expands {ratio:,.0f} times "
                                  f"(limit {settings.max_compression_ratio:,})")
        unpacked += info.file_size
        packed += info.compress_size
    if unpacked > settings.max_unpacked_size:
        raise ExtractionError(f"ZIP bomb: entries expand to {_human(unpacked)} "
                              f"(limit {_human(settings.max_unpacked_size)})")
    if packed > size:
        # a non-recursive bomb points many entries at the same compressed bytes
        raise ExtractionError(f"ZIP bomb: entries overlap ({_human(packed)} of compressed data "
                              f"in a {_human(size)} file)")


def check_member(info: zipfile.ZipInfo) -> tuple[str, str | None]:
    """The member's safe relative name, and the reason it must not be extracted (None when it may)."""
    raw = info.filename
    if _CONTROL.search(raw):
        return raw, "control character in the name"
    name = raw.replace("\\", "/")  # Windows tools write backslashes; judge them as separators
    if name.startswith("/"):
        return raw, "absolute path"
    if _DRIVE.match(name):
        return raw, "drive letter in the path"
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        return raw, "'..' in the path (it would land outside the archive)"
    if not parts:
        return raw, "empty name"
    kind = stat.S_IFMT(info.external_attr >> 16)  # Unix file type; 0 when the tool recorded none
    if info.create_system == 3 and kind and kind != stat.S_IFREG:
        return raw, "symbolic link (not followed)" if kind == stat.S_IFLNK else "not a regular file"
    if info.flag_bits & 0x1:
        return raw, "encrypted member: needs the password"
    if info.compress_type not in _SUPPORTED_METHODS:
        return raw, f"unsupported compression method {info.compress_type}"
    return "/".join(parts), None


def declared_entries(path: Path) -> int | None:
    """The entry count in the end record (ZIP64 aware), read without loading the central directory."""
    with path.open("rb") as fp:
        fp.seek(0, io.SEEK_END)
        size = fp.tell()
        tail_size = min(size, 22 + 65535 + 20)
        fp.seek(size - tail_size)
        tail = fp.read(tail_size)
        at = tail.rfind(_END_RECORD)
        if at == -1 or len(tail) - at < 22:
            return None
        entries = struct.unpack("<H", tail[at + 10:at + 12])[0]
        locator = at - 20
        if entries == 0xFFFF and locator >= 0 and tail[locator:locator + 4] == _ZIP64_LOCATOR:
            record_offset = struct.unpack("<Q", tail[locator + 8:locator + 16])[0]
            fp.seek(record_offset)
            record = fp.read(56)
            if len(record) == 56 and record.startswith(_ZIP64_END_RECORD):
                entries = struct.unpack("<Q", record[32:40])[0]
    return entries


def _opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    def open_member() -> io.BufferedReader:
        try:
            stream = archive.open(info)
        except ZIP_ERRORS as exc:
            raise ExtractionError(f"damaged ZIP member {info.filename}: {exc}") from exc
        return io.BufferedReader(MemberStream(stream, info.filename, info.file_size))
    return open_member


class MemberStream(io.RawIOBase):
    """A member's bytes, counted: more than the header declared is a bomb; zipfile errors become reasons."""

    def __init__(self, stream: io.IOBase, name: str, declared: int):
        self._stream = stream
        self._name = name
        self._declared = declared
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self._stream.read(len(buffer))
        except ZIP_ERRORS as exc:
            raise ExtractionError(f"damaged ZIP member {self._name}: {exc}") from exc
        self._read += len(data)
        if self._read > self._declared:
            raise ExtractionError(f"ZIP bomb: member {self._name} expands past its declared "
                                  f"{_human(self._declared)}")
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()


def _human(size: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} GiB"
