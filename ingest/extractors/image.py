"""Images: recognised by their signature, stored, and marked ``needs_ocr`` (no text until OCR runs).

One registered class per format, so each item gets its own media type from ``choose``.
"""
from __future__ import annotations

from . import Extractor, register

#: ISO-BMFF brands that mean HEIF/HEIC (phone photos)
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}


class ImageExtractor(Extractor):
    needs_ocr = True
    default_doc_type = "photo"


@register
class JpegExtractor(ImageExtractor):
    media_types = ("image/jpeg",)
    extensions = ("jpg", "jpeg", "jpe", "jfif")

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head.startswith(b"\xff\xd8\xff")


@register
class PngExtractor(ImageExtractor):
    media_types = ("image/png",)
    extensions = ("png",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head.startswith(b"\x89PNG\r\n\x1a\n")


@register
class TiffExtractor(ImageExtractor):
    media_types = ("image/tiff",)
    extensions = ("tif", "tiff")

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")  # classic and BigTIFF


@register
class GifExtractor(ImageExtractor):
    media_types = ("image/gif",)
    extensions = ("gif",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head[:6] in (b"GIF87a", b"GIF89a")


@register
class BmpExtractor(ImageExtractor):
    media_types = ("image/bmp",)
    extensions = ("bmp", "dib")

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        # "BM" alone starts ordinary words; the four reserved bytes after the file size are zero in a bitmap
        return head.startswith(b"BM") and len(head) >= 26 and head[6:10] == b"\x00\x00\x00\x00"


@register
class WebpExtractor(ImageExtractor):
    media_types = ("image/webp",)
    extensions = ("webp",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head.startswith(b"RIFF") and head[8:12] == b"WEBP"


@register
class HeicExtractor(ImageExtractor):
    media_types = ("image/heic",)
    extensions = ("heic", "heif")

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS
