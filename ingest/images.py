"""Photos and scans as evidence: open them safely, keep their EXIF/GPS, find near-duplicates.

* ``open_image`` refuses a decompression bomb (more pixels than Pillow's ``Image.MAX_IMAGE_PIXELS``) before any
  pixel is decoded, and a damaged or truncated file with the reason ("damaged image: image file is truncated").
* ``facts`` is what the item's record keeps (``EvidenceItem.properties``): size, format, frames, every EXIF tag
  by name, GPS as decimal degrees plus the raw tags, and the perceptual hash (``phash``, 64 bits as 16 hex
  digits). EXIF and GPS are evidence (where and when a photo was taken) and stay in the archive record; the
  bundle export strips them from the files it writes.
* ``similar`` lists the other images whose perceptual hash is within ``MAX_DISTANCE`` bits (Hamming distance):
  the same photo resized, recompressed or lightly cropped, uploaded again by someone else.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Iterator

import imagehash
import pillow_heif
from PIL import ExifTags, Image, ImageOps, ImageSequence, TiffImagePlugin, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive_schema import policy
from archive_schema.models import EvidenceItem

pillow_heif.register_heif_opener()  # HEIC/HEIF photos (iPhones) open like any other image

#: two photos whose perceptual hashes differ in at most this many of 64 bits are near-duplicates
MAX_DISTANCE = 8
#: a longer EXIF value (a maker note, a thumbnail) is kept as its length only
MAX_EXIF_VALUE = 1024
PHASH = "phash"


class ImageError(Exception):
    """The image cannot be read safely; the message says why."""


def open_image(path: Path) -> Image.Image:
    """The image, header read and checked: refuses bombs and files Pillow cannot identify."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(f"image too large: {exc}") from None
    except UnidentifiedImageError:
        raise ImageError("damaged image: Pillow cannot identify the format from its contents") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageError(f"damaged image: {exc}") from None
    check_size(image.size)
    return image


def check_size(size: tuple[int, int]) -> None:
    width, height = size
    limit = Image.MAX_IMAGE_PIXELS
    if limit and width * height > limit:
        raise ImageError(f"image too large: {width:,} x {height:,} = {width * height:,} pixels; the limit is "
                         f"{limit:,} (a guard against decompression bombs); the original is stored")


def frames(image: Image.Image) -> Iterator[Image.Image]:
    """Each frame (TIFF page) decoded and turned upright as the camera meant it; one frame in memory at a time."""
    for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
        check_size(frame.size)
        try:
            frame.load()
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise ImageError(f"damaged image: frame {number}: {exc}") from None
        yield ImageOps.exif_transpose(frame) or frame


def facts(image: Image.Image, first_frame: Image.Image) -> dict[str, Any]:
    """What the item's record keeps about the image (``first_frame`` decoded, for the perceptual hash)."""
    found: dict[str, Any] = {
        "image": {"format": image.format, "width": image.size[0], "height": image.size[1],
                  "mode": image.mode, "frames": getattr(image, "n_frames", 1)},
        PHASH: str(imagehash.phash(first_frame.convert("L"))),
    }
    exif = image.getexif()
    tags = {**_named(exif, ExifTags.TAGS)}
    for ifd in (ExifTags.IFD.Exif, ExifTags.IFD.Interop):
        tags.update(_named(exif.get_ifd(ifd), ExifTags.TAGS))
    tags = {k: v for k, v in tags.items() if k not in ("ExifOffset", "GPSInfo", "InteropOffset")}
    if tags:
        found["exif"] = tags
    gps = _named(exif.get_ifd(ExifTags.IFD.GPSInfo), ExifTags.GPSTAGS)
    if gps:
        found["gps"] = {**_decimal_position(gps), "tags": gps}
    return found


def _named(tags: dict[int, Any], names: dict[int, str]) -> dict[str, Any]:
    return {names.get(tag, f"tag_{tag}"): _plain(value) for tag, value in tags.items()}


def _plain(value: Any) -> Any:
    """An EXIF value as JSON can hold it."""
    if isinstance(value, TiffImagePlugin.IFDRational):
        return float(value) if value.denominator else None
    if isinstance(value, bytes):
        if len(value) > MAX_EXIF_VALUE:
            return f"<{len(value):,} bytes>"
        text = value.rstrip(b"\x00")
        return text.decode("ascii") if text.isascii() and text.decode("ascii").isprintable() else value.hex()
    if isinstance(value, str):
        value = value.replace("\x00", "")
        return value if len(value) <= MAX_EXIF_VALUE else f"<{len(value):,} characters>"
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value[:64]]
    if isinstance(value, (int, float)) or value is None:
        return value
    return str(value)[:MAX_EXIF_VALUE]


def _decimal_position(gps: dict[str, Any]) -> dict[str, float]:
    """Latitude/longitude (and altitude) in decimal degrees from the EXIF degree/minute/second triples."""
    position: dict[str, float] = {}
    for name, ref, negative in (("latitude", "GPSLatitudeRef", "S"), ("longitude", "GPSLongitudeRef", "W")):
        dms = gps.get(f"GPS{name.capitalize()}")
        if isinstance(dms, list) and len(dms) == 3 and all(isinstance(v, (int, float)) for v in dms):
            degrees = dms[0] + dms[1] / 60 + dms[2] / 3600
            position[name] = round(-degrees if gps.get(ref) == negative else degrees, 7)
    altitude = gps.get("GPSAltitude")
    if isinstance(altitude, (int, float)):
        position["altitude"] = -altitude if gps.get("GPSAltitudeRef") in (1, b"\x01", "\x01") else altitude
    return position


def distance(a: str, b: str) -> int:
    """Bits that differ between two perceptual hashes (hex)."""
    return imagehash.hex_to_hash(a) - imagehash.hex_to_hash(b)


def similar(session: Session, item_id: str, max_distance: int = MAX_DISTANCE) -> list[dict[str, Any]]:
    """Other items whose photo is a near-duplicate of this one's and that the current actor may see (the policy's
    filter, in the query), closest first: id, filename, distance."""
    item = session.get(EvidenceItem, item_id)
    mine = (item.properties or {}).get(PHASH) if item else None
    if not mine:
        return []
    found = []
    phash = EvidenceItem.properties[PHASH].as_string()
    rows = session.execute(select(EvidenceItem.id, EvidenceItem.filename, phash)
                           .where(phash.is_not(None), EvidenceItem.id != item_id,
                                  policy.item_id_visible(policy.current(), EvidenceItem.id)))
    for other_id, filename, other in rows:
        try:
            bits = distance(mine, other)
        except ValueError:  # not a hash we wrote
            continue
        if bits <= max_distance:
            found.append({"id": other_id, "filename": filename, "distance": int(bits)})
    return sorted(found, key=lambda f: (f["distance"], f["id"]))
