"""The package's one image sniffer and one thumbnailer: image bytes in, PNG bytes out.

* :func:`image_mime` tells PNG from JPEG by the first bytes;
* :func:`normalise` is the one pixel rule (orientation, 16-bit and float samples to
  8 bit, CMYK and palettes to RGB, transparency flattened on white, no metadata),
  shared by the upload preparation (:mod:`patsnap_pandas.api.images`) and the thumbnails;
* :func:`thumbnail_png` makes the PNG thumbnails that the thumbnail store, the reports
  and the panel show; :func:`placeholder_png` the "no image" square.

It stands on the ground floor: the store, the query-image preparation and the frame's
grids and charts all use it. Pillow and numpy load on the first image, not with this module.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .errors import ImageInputError

if TYPE_CHECKING:  # Pillow loads on first use
    from PIL import Image

__all__ = ["IMAGE_SIGNATURES", "image_mime", "normalise", "encode", "thumbnail_png", "thumbnail_png_or_none",
           "placeholder_png", "url_scheme", "whole_images_only"]


JPEG_QUALITY = 90


_PNG_COMPRESS_LEVEL = 6


_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]+):")


def normalise(im: Image.Image) -> tuple[Image.Image, bool]:
    """Orientation and pixel normalisation -> (image in mode 1, L or RGB, had_alpha).

    Examples
    --------
    >>> from PIL import Image
    >>> im, had_alpha = normalise(Image.new("RGBA", (4, 4), (255, 0, 0, 0)))
    >>> im.mode, had_alpha, im.getpixel((0, 0))
    ('RGB', True, (255, 255, 255))
    """
    import numpy as np
    from PIL import Image, ImageOps

    im = ImageOps.exif_transpose(im)  # always a new image: the caller's is never changed
    mode = im.mode
    if mode.startswith("I;16") or mode == "I":
        a = np.asarray(im)
        if mode == "I":
            a = np.clip(a, 0, 65535)
        im = Image.fromarray((a.astype(np.uint32) >> 8).astype(np.uint8))
    elif mode == "F":
        a = np.nan_to_num(np.asarray(im, dtype=np.float64))
        scale = 255.0 if a.size and a.min() >= 0 and a.max() <= 1 else 1.0
        im = Image.fromarray(np.clip(np.rint(a * scale), 0, 255).astype(np.uint8))
    had_alpha = im.mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in im.info
    if had_alpha:
        gray = im.mode in ("1", "L", "LA", "La", "I;16", "I", "F")
        rgba = im.convert("RGBA")
        flat = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
        im = flat.convert("L" if gray else "RGB")
    elif im.mode not in ("1", "L", "RGB"):
        im = im.convert("RGB")  # P, CMYK, YCbCr, LAB, HSV, ...
    im.info = {}
    return im, had_alpha


@contextmanager
def whole_images_only() -> Iterator[None]:
    """Pillow refuses a truncated image while this runs, whatever another library set process-wide.

    WeasyPrint, imported to write a PDF, sets ``ImageFile.LOAD_TRUNCATED_IMAGES``; a corrupt query
    image must still be an error, not a half-grey picture sent to a billed search.

    Examples
    --------
    >>> from PIL import ImageFile
    >>> with whole_images_only():
    ...     ImageFile.LOAD_TRUNCATED_IMAGES
    False
    """
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before


def encode(im: Image.Image, fmt: str, quality: int = JPEG_QUALITY) -> bytes:
    """``im`` as PNG or JPEG bytes, written the one way the package writes them (no metadata).

    Examples
    --------
    >>> from PIL import Image
    >>> image_mime(encode(Image.new("L", (8, 8)), "PNG")), image_mime(encode(Image.new("RGB", (8, 8)), "JPEG"))
    ('image/png', 'image/jpeg')
    """
    buf = io.BytesIO()
    if fmt == "PNG":
        im.save(buf, "PNG", compress_level=_PNG_COMPRESS_LEVEL)
    else:
        im.save(buf, "JPEG", quality=quality, subsampling="4:2:0", optimize=False, progressive=False)
    return buf.getvalue()


def url_scheme(text: str) -> str | None:
    """The scheme of a URL-looking string (``C:\\x`` is a path, not a URL).

    Examples
    --------
    >>> url_scheme("HTTPS://example.com/a.png"), url_scheme("C:\\\\x.png"), url_scheme("chair.png")
    ('https', None, None)
    """
    m = _URL_SCHEME.match(text.strip())
    return m.group(1).lower() if m else None


#: The file signatures of the two formats PatSnap's upload takes and the package shows.
IMAGE_SIGNATURES: dict[str, bytes] = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}


def image_mime(data: bytes) -> str | None:
    """``"image/png"`` or ``"image/jpeg"`` by the first bytes of ``data``; None for anything else.

    Examples
    --------
    >>> from patsnap_pandas import samples
    >>> image_mime(open(samples.image("armchair"), "rb").read()), image_mime(b"GIF89a...")
    ('image/png', None)
    """
    for mime, signature in IMAGE_SIGNATURES.items():
        if data.startswith(signature):
            return mime
    return None


def thumbnail_png(data: bytes, size: int) -> bytes:
    """A PNG thumbnail of image bytes: at most ``size`` px on its long side, never enlarged.

    EXIF orientation applied; pixels normalised as for upload (transparency flattened on
    white, 16-bit and float samples to 8 bit, CMYK and palettes to RGB); no metadata, so no
    DPI tag (Excel shows it at exactly its pixel size). JPEGs are decoded at reduced scale.

    Raises
    ------
    ImageInputError
        The bytes are not an image Pillow reads, or too large to decode safely; ``.reason``
        says which in a few words.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> from patsnap_pandas import samples
    >>> png = thumbnail_png(open(samples.image("armchair"), "rb").read(), 64)
    >>> image_mime(png), max(Image.open(io.BytesIO(png)).size)
    ('image/png', 64)
    """
    from PIL import Image

    try:
        opened = Image.open(io.BytesIO(data))
        opened.draft("RGB", (size, size))  # JPEG: decode at reduced scale
        opened.load()
        im, _ = normalise(opened)
        if im.mode == "1":
            im = im.convert("L")
        im.thumbnail((size, size), Image.Resampling.LANCZOS)
        return encode(im, "PNG")
    except Image.DecompressionBombError:
        reason, allowed = "image too large to decode safely", "an image within Pillow's size limit"
    except Exception as exc:  # not an image, corrupt
        reason, allowed = f"not a readable image ({type(exc).__name__})", "the bytes of a PNG, JPEG, TIFF... image"
    error = ImageInputError(f"data=<{len(data)} bytes>: {reason}; expected {allowed}")
    error.reason = reason
    raise error


def thumbnail_png_or_none(data: bytes, size: int) -> bytes | None:
    """:func:`thumbnail_png`, or None when the bytes are not a readable image.

    Examples
    --------
    >>> thumbnail_png_or_none(b"not an image", 64) is None
    True
    """
    try:
        return thumbnail_png(data, size)
    except ImageInputError:
        return None


def placeholder_png(size: int) -> bytes:
    """A light-grey square PNG with a cross, ``size`` pixels wide: "no image".

    Examples
    --------
    >>> image_mime(placeholder_png(32))
    'image/png'
    """
    from PIL import Image, ImageDraw

    im = Image.new("L", (size, size), 238)
    draw = ImageDraw.Draw(im)
    m = size // 4
    draw.rectangle((0, 0, size - 1, size - 1), outline=200)
    draw.line((m, m, size - m, size - m), fill=170, width=max(1, size // 64))
    draw.line((m, size - m, size - m, m), fill=170, width=max(1, size // 64))
    return encode(im, "PNG")
