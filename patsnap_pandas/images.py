"""Query-image preparation for upload (P010) and the thumbnail store of hit images.

:func:`prepare_image` turns whatever the user holds (a path, bytes, a file object,
a PIL image, a numpy array) into upload bytes PatSnap accepts: PNG or JPEG of at
most ``codes.UPLOAD_MAX_BYTES``. An http(s) URL is passed through unchanged.
Preparation is deterministic: the same pixels give the same bytes, whatever the
container, so the client's upload cache can reuse an earlier upload.

The conversion rule:

1. Decode (first frame of an animation), apply the EXIF orientation.
2. Normalise the pixels: 16-bit and 32-bit samples -> 8 bit (high byte; float
   images in [0, 1] scaled by 255); CMYK, YCbCr, LAB, HSV and palette images -> RGB;
   transparency flattened onto white (grayscale stays grayscale).
3. Choose the format: PNG for bilevel (kept 1-bit), grayscale, flattened-alpha
   images and colour images of at most 256 colours (line art, renderings, logos);
   JPEG (quality 90, 4:2:0) for every other colour image (photos).
4. Over the upload limit: JPEG is first recompressed (quality 80, 70), then the
   image is downscaled (Lanczos) step by step until it fits; a
   :class:`ImageSizeWarning` tells the original and final size.

Metadata (EXIF, ICC profile, comments, DPI) never reaches the output.

:class:`ThumbnailStore` downloads hit images concurrently, shrinks them to PNG
thumbnails and keeps them on disk keyed by patent id and the image URL without its
query string, so results served from the cache still show their thumbnails after
the signed image URLs expired.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import tempfile
import threading
import time
import warnings
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import numpy as np
import requests
from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from . import config
from ._version import __version__
from .codes import UPLOAD_MAX_BYTES
from .errors import ImageInputError, InvalidInputError
from .thumbnails import MAX_REDIRECTS, DiskIndex, FailedImages, check_image_url, origin_of

__all__ = [
    "ImageInputError",
    "ImageSizeWarning",
    "PreparedImage",
    "ThumbnailStore",
    "ThumbnailWarning",
    "prepare_image",
    "query_label",
    "warn_notes",
]

ALLOWED_IMAGES = (
    "an http(s) URL, a path to an image file, image bytes, a binary file object, "
    "a PIL image, or a numpy array (uint8, uint16, bool or float in [0, 1]; "
    "shape HxW, HxWx3 or HxWx4)"
)

JPEG_QUALITY = 90
_JPEG_RETRY_QUALITIES = (80, 70)
_PNG_COMPRESS_LEVEL = 6
_MAX_PALETTE_COLOURS = 256
_MIN_SIDE = 16
_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]+):")


def _input_error(problem: str, value: Any, parameter: str = "image",
                 allowed: str = ALLOWED_IMAGES) -> ImageInputError:
    """An :class:`~patsnap_pandas.errors.ImageInputError` naming the parameter, value and what is allowed."""
    shown = _shorten(value)
    exc = ImageInputError(f"{parameter}={shown}: {problem}. {parameter} must be {allowed}.")
    exc.parameter, exc.value, exc.allowed = parameter, shown, allowed
    return exc


class ImageSizeWarning(UserWarning):
    """An image was downscaled or recompressed to fit the upload limit.

    Examples
    --------
    A 3000 x 3000 px photo of noise does not fit in 4 MB even as a JPEG:

    >>> import warnings
    >>> import numpy as np
    >>> photo = np.random.default_rng(0).integers(0, 256, (3000, 3000, 3), dtype=np.uint8)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     prepared = prepare_image(photo)
    >>> caught[0].category.__name__, prepared.mime, len(prepared.data) <= 4096 * 1024
    ('ImageSizeWarning', 'image/jpeg', True)
    """


class ThumbnailWarning(UserWarning):
    """Some hit images could not be loaded (a summary: one warning per fetch).

    Examples
    --------
    >>> import warnings
    >>> store = ThumbnailStore("thumbnails")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     store.fetch([("p1", "http://127.0.0.1:9/gone.png")])   # a local address: never fetched
    [None]
    >>> caught[0].category.__name__, str(caught[0].message)
    ('ThumbnailWarning', '1 of 1 thumbnails could not be loaded: p1 http://127.0.0.1:9/gone.png: points to a local or private address (127.0.0.1)')
    """


@dataclass(frozen=True)
class PreparedImage:
    """Upload-ready bytes of a local query image.

    Attributes
    ----------
    data : bytes
        PNG or JPEG bytes, at most ``codes.UPLOAD_MAX_BYTES``.
    filename : str
        ``"<sha256[:16]>.png"`` or ``.jpg``: derived from the content only.
    mime : str
        ``"image/png"`` or ``"image/jpeg"``.
    sha256 : str
        Hex digest of ``data`` (the upload cache key).
    label : str
        The query's label (see :func:`query_label`).
    width, height : int
        Pixel size of the prepared image.
    notes : tuple of str
        What preparing changed that the caller should hear about (the
        :class:`ImageSizeWarning` text when the image was shrunk); not part of equality.

    Examples
    --------
    >>> from patsnap_pandas import samples
    >>> prepared = prepare_image(samples.image("armchair"))
    >>> prepared.mime, prepared.label, prepared.filename == prepared.sha256[:16] + ".png"
    ('image/png', 'armchair.png', True)
    >>> len(prepared) == len(prepared.data) <= 4096 * 1024
    True
    """

    data: bytes = field(repr=False)
    filename: str
    mime: str
    sha256: str
    label: str
    width: int
    height: int
    notes: tuple[str, ...] = field(default=(), compare=False)

    def __len__(self) -> int:
        return len(self.data)


# --- public functions ----------------------------------------------------------


def prepare_image(image: Any, *, label: str | None = None, warn: bool = True) -> str | PreparedImage:
    """Prepare a query image for search: pass a URL through, convert anything local.

    Parameters
    ----------
    image : str, path, bytes, binary file object, PIL.Image.Image or numpy.ndarray
        An http(s) URL (returned unchanged), a path to an image file, the bytes
        of an image file, a file object opened in binary mode (read from its
        current position), a PIL image, or a numpy array (uint8, uint16, bool or
        float in [0, 1]; HxW gray, HxWx3 RGB or HxWx4 RGBA).
    label : str, optional
        The query's label; default from :func:`query_label`.
    warn : bool, default True
        Give the :class:`ImageSizeWarning` when the image was shrunk. The note is kept
        in ``PreparedImage.notes`` either way (see :func:`warn_notes`).

    Returns
    -------
    str or PreparedImage
        The URL for URL input, else the upload bytes and their description.

    Raises
    ------
    ImageInputError
        For anything that is not a usable image (missing file, directory, corrupt
        or empty data, other URL schemes, unsupported array, decompression bomb).

    Warns
    -----
    ImageSizeWarning
        When the image had to be recompressed or downscaled to fit the upload limit.

    Examples
    --------
    >>> import numpy as np
    >>> p = prepare_image(np.zeros((64, 64), dtype=bool))
    >>> p.mime, p.width, p.label[:6]
    ('image/png', 64, 'image:')
    >>> prepare_image("https://example.com/chair.jpg")
    'https://example.com/chair.jpg'
    """
    if label is not None:
        label = _check_label(label)
    if _is_url_text(image):
        return _check_url(image)
    if not isinstance(warn, bool):
        raise InvalidInputError(f"warn={warn!r} is not valid: expected True or False.")
    im, raw_size, default_label = _load(image)
    prepared = _prepare_loaded(im, raw_size, encodable(label or default_label))
    if warn:
        warn_notes(prepared, stacklevel=2)
    return prepared


def warn_notes(prepared: str | PreparedImage, *, stacklevel: int = 2) -> None:
    """Give each of ``prepared.notes`` as an :class:`ImageSizeWarning` (nothing for a URL).

    For callers that prepared with ``warn=False`` (e.g. from a worker thread, or from
    a memo) and warn later, where the user's code called them. ``stacklevel`` counts as
    in :func:`warnings.warn`, from the caller of this function.

    Examples
    --------
    >>> import warnings
    >>> p = PreparedImage(data=b"", filename="x.png", mime="image/png", sha256="", label="x",
    ...                   width=1, height=1, notes=("image 'x' was shrunk",))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_notes(p)
    >>> str(caught[0].message)
    "image 'x' was shrunk"
    """
    for note in prepared.notes if isinstance(prepared, PreparedImage) else ():
        warnings.warn(ImageSizeWarning(note), stacklevel=stacklevel + 1)


def query_label(image: Any, label: str | None = None) -> str:
    """The label that names a query in frames and reports.

    ``label`` wins when given; else the file name for a path (or a named file
    object), the URL for a URL, ``"bytes:<sha8>"`` for bytes (first 8 hex
    digits of their SHA-256), ``"image:<sha8>"`` for a PIL image or numpy array
    (digest of mode, size and pixels).

    Examples
    --------
    >>> query_label("/data/chairs/chair-7.png"), query_label(b"x", label="mine")
    ('chair-7.png', 'mine')

    A file name that is not valid UTF-8 (``os.listdir`` gives it with surrogates) gets
    U+FFFD for the bytes it cannot show, so every frame, report and export can write it:

    >>> query_label(b"/data/caf\\xe9.png".decode("utf-8", "surrogateescape")) == "caf\\ufffd.png"
    True
    """
    return encodable(_query_label(image, label))


def encodable(text: str) -> str:
    """``text`` as valid Unicode: lone surrogates (undecodable file-name bytes) become U+FFFD.

    Examples
    --------
    >>> encodable("chair.png"), encodable("caf\\udce9.png") == "caf\\ufffd.png"
    ('chair.png', True)
    """
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        # surrogateescape restores the file name's raw bytes (others surrogates become "?")
        raw = b"".join(ch.encode("utf-8", "surrogateescape") if not 0xD800 <= ord(ch) <= 0xDFFF
                       or 0xDC80 <= ord(ch) <= 0xDCFF else b"?" for ch in text)
        return raw.decode("utf-8", "replace")


def _query_label(image: Any, label: str | None) -> str:
    if label is not None:
        return _check_label(label)
    if _is_url_text(image):
        return _check_url(image)
    if isinstance(image, (str, os.PathLike)):
        name = Path(image).name
        if not name:
            raise _input_error("is not a path to a file", image)
        return name
    if isinstance(image, (bytes, bytearray, memoryview)):
        return _bytes_label(bytes(image))
    if isinstance(image, Image.Image):
        return _pixels_label(image)
    if isinstance(image, np.ndarray):
        return _pixels_label(_array_to_image(image))
    if callable(getattr(image, "read", None)):
        name = _file_object_name(image)
        if name:
            return name
        if _seekable(image):
            pos = image.tell()
            try:
                data = image.read()
            finally:
                image.seek(pos)
            if isinstance(data, (bytes, bytearray)):
                return _bytes_label(bytes(data))
        raise _input_error("is a stream that cannot be read twice; pass label=", image)
    raise _input_error(f"has unsupported type {type(image).__name__}", image)


# --- loading -------------------------------------------------------------------


def _load(image: Any) -> tuple[Image.Image, int | None, str]:
    """Return (decoded image, size in bytes of the input when it was a file/bytes, label)."""
    if isinstance(image, (str, os.PathLike)):
        data = _read_path(image)
        return _decode(data, image), len(data), Path(image).name
    if isinstance(image, (bytes, bytearray, memoryview)):
        data = bytes(image)
        return _decode(data, image), len(data), _bytes_label(data)
    if isinstance(image, Image.Image):
        try:
            image.load()
        except Exception as exc:  # a lazily opened file that turns out corrupt
            raise _input_error(f"cannot be decoded ({_reason(exc)})", image) from None
        return image, None, _pixels_label(image)
    if isinstance(image, np.ndarray):
        im = _array_to_image(image)
        return im, None, _pixels_label(im)
    if callable(getattr(image, "read", None)):
        try:
            data = image.read()
        except Exception as exc:
            raise _input_error(f"cannot be read ({_reason(exc)})", image) from None
        if isinstance(data, str):
            raise _input_error("is a text-mode file; open it in binary mode ('rb')", image)
        if not isinstance(data, (bytes, bytearray)):
            raise _input_error(f"read() returned {type(data).__name__}, not bytes", image)
        data = bytes(data)
        return _decode(data, image), len(data), _file_object_name(image) or _bytes_label(data)
    raise _input_error(f"has unsupported type {type(image).__name__}", image)


def _read_path(image: str | os.PathLike) -> bytes:
    text = os.fspath(image)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if not text.strip():
        raise _input_error("is empty", image)
    path = Path(text).expanduser()
    if path.is_dir():
        raise _input_error("is a directory, not an image file", image)
    if not path.exists():
        raise _input_error("no such file", image)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _input_error(f"cannot be read ({exc.strerror or _reason(exc)})", image) from None


def _decode(data: bytes, shown: Any) -> Image.Image:
    if not data:
        raise _input_error("is empty (0 bytes)", shown)
    head = data[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in head:
        raise _input_error("is an SVG drawing; export it as PNG first", shown)
    try:
        im = Image.open(io.BytesIO(data))
        im.load()  # the first frame of an animation
    except Image.DecompressionBombError as exc:
        raise _input_error(
            f"is too large to decode safely ({exc}); this protects against decompression "
            "bombs: downscale the image first", shown) from None
    except UnidentifiedImageError:
        raise _input_error("is not an image file Pillow can read (e.g. PNG, JPEG, TIFF, "
                              "WEBP, BMP, GIF)", shown) from None
    except Exception as exc:  # truncated or corrupt data: Pillow raises OSError, SyntaxError, ...
        raise _input_error(f"is a corrupt or truncated image ({_reason(exc)})", shown) from None
    return im


def _array_to_image(a: np.ndarray) -> Image.Image:
    """A numpy array -> PIL image in mode 1, L, RGB or RGBA (8 bit)."""
    shape_ok = a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (1, 3, 4))
    if not shape_ok:
        raise _input_error(f"has shape {a.shape}; expected HxW, HxWx3 or HxWx4", a)
    if a.size == 0:
        raise _input_error("is empty", a)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.dtype == np.bool_:
        if a.ndim == 2:
            return Image.fromarray(np.ascontiguousarray(a)).convert("1")
        a = a.astype(np.uint8) * 255
    elif a.dtype == np.uint16:
        a = (a >> 8).astype(np.uint8)
    elif a.dtype.kind == "f":
        if not np.isfinite(a).all() or a.min() < 0 or a.max() > 1:
            raise _input_error("is a float array with values outside [0, 1]", a)
        a = np.rint(a * 255.0).astype(np.uint8)
    elif a.dtype != np.uint8:
        raise _input_error(f"has dtype {a.dtype}; allowed: uint8, uint16, bool, float in [0, 1]", a)
    return Image.fromarray(np.ascontiguousarray(a))  # L, RGB or RGBA from the shape


# --- conversion ----------------------------------------------------------------


def _normalise(im: Image.Image) -> tuple[Image.Image, bool]:
    """Orientation and pixel normalisation -> (image in mode 1, L or RGB, had_alpha)."""
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


def _choose_format(im: Image.Image, had_alpha: bool) -> str:
    if im.mode in ("1", "L") or had_alpha:
        return "PNG"
    return "PNG" if im.getcolors(_MAX_PALETTE_COLOURS) is not None else "JPEG"


def _encode(im: Image.Image, fmt: str, quality: int = JPEG_QUALITY) -> bytes:
    buf = io.BytesIO()
    if fmt == "PNG":
        im.save(buf, "PNG", compress_level=_PNG_COMPRESS_LEVEL)
    else:
        im.save(buf, "JPEG", quality=quality, subsampling="4:2:0", optimize=False, progressive=False)
    return buf.getvalue()


def _prepare_loaded(src: Image.Image, raw_size: int | None, label: str) -> PreparedImage:
    try:
        im, had_alpha = _normalise(src)
    except ImageInputError:
        raise
    except Exception as exc:  # e.g. broken EXIF data, an exotic mode Pillow cannot convert
        raise _input_error(f"cannot be converted ({_reason(exc)})", src) from None
    fmt = _choose_format(im, had_alpha)
    quality = JPEG_QUALITY
    data = _encode(im, fmt, quality)
    first = (len(data), im.size)
    limit = UPLOAD_MAX_BYTES
    actions: list[str] = []
    if len(data) > limit and fmt == "JPEG":
        for quality in _JPEG_RETRY_QUALITIES:
            data = _encode(im, fmt, quality)
            if len(data) <= limit:
                break
        actions.append(f"recompressed as JPEG quality {quality}")
    while len(data) > limit:
        factor = max(0.5, min(0.9, 0.95 * math.sqrt(limit / len(data))))
        w, h = max(1, round(im.width * factor)), max(1, round(im.height * factor))
        if min(w, h) < _MIN_SIDE:
            raise _input_error(f"cannot be made smaller than {_mb(limit)} for upload", label)
        if im.mode == "1":
            im = im.convert("L")
        im = im.resize((w, h), Image.Resampling.LANCZOS)
        data = _encode(im, fmt, quality)
        if not actions or not actions[-1].startswith("downscaled"):
            actions.append("downscaled")
    if actions or (raw_size or 0) > limit:
        original = raw_size if (raw_size or 0) > limit else first[0]
        how = " and ".join(actions) or "recompressed as " + (
            f"JPEG quality {quality}" if fmt == "JPEG" else "PNG")
        notes = (f"image {label!r} was {_mb(original)} ({first[1][0]}x{first[1][1]} px), over the "
                 f"{_mb(limit)} upload limit: {how}, now {_mb(len(data))} ({im.width}x{im.height} px "
                 f"{fmt})",)
    else:
        notes = ()
    digest = hashlib.sha256(data).hexdigest()
    ext, mime = ("png", "image/png") if fmt == "PNG" else ("jpg", "image/jpeg")
    return PreparedImage(data=data, filename=f"{digest[:16]}.{ext}", mime=mime, sha256=digest,
                         label=label, width=im.width, height=im.height, notes=notes)


# --- small helpers ---------------------------------------------------------------


def _url_scheme(text: str) -> str | None:
    """The scheme of a URL-looking string (``C:\\x`` is a path, not a URL)."""
    m = _URL_SCHEME.match(text.strip())
    return m.group(1).lower() if m else None


def _is_url_text(image: Any) -> bool:
    """A string with a URL scheme, unless it names an existing file (``a:b.png`` is legal on POSIX)."""
    if not isinstance(image, str):
        return False
    scheme = _url_scheme(image)
    if scheme is None:
        return False
    return scheme in ("http", "https") or not os.path.isfile(image)


def _check_url(url: str) -> str:
    scheme = _url_scheme(url)
    if scheme not in ("http", "https"):
        raise _input_error(f"uses the {scheme}: scheme; only http:// and https:// URLs are allowed", url)
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError as exc:
        raise _input_error(f"is not a valid URL ({exc})", url) from None
    if not host:
        raise _input_error("is a URL without a host", url)
    return url


def _check_label(label: Any) -> str:
    if not isinstance(label, str) or not label.strip():
        raise _input_error("is not a non-empty string", label, parameter="label",
                              allowed="a non-empty string naming the query")
    return label.strip()


def _bytes_label(data: bytes) -> str:
    return "bytes:" + hashlib.sha256(data).hexdigest()[:8]


def _pixels_label(im: Image.Image) -> str:
    h = hashlib.sha256(f"{im.mode}:{im.width}x{im.height}:".encode())
    h.update(im.tobytes())
    return "image:" + h.hexdigest()[:8]


def _file_object_name(f: Any) -> str | None:
    name = getattr(f, "name", None)
    if isinstance(name, (str, os.PathLike)):
        base = Path(name).name
        return base or None
    return None


def _seekable(f: Any) -> bool:
    try:
        return bool(f.seekable())
    except Exception:
        return False


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text[:120]}" if text else type(exc).__name__


def _shorten(value: Any, width: int = 80) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        return f"<{len(data)} bytes{' starting ' + repr(data[:8]) if data else ''}>"
    if isinstance(value, np.ndarray):
        return f"<numpy array shape={value.shape} dtype={value.dtype}>"
    if isinstance(value, Image.Image):
        return f"<PIL image mode={value.mode} size={value.width}x{value.height}>"
    if callable(getattr(value, "read", None)) and not isinstance(value, (str, os.PathLike)):
        name = getattr(value, "name", None)
        return f"<{type(value).__name__}{' ' + repr(name) if isinstance(name, str) else ''}>"
    text = repr(os.fspath(value) if isinstance(value, os.PathLike) else value)
    return text if len(text) <= width else text[: width - 20] + "..." + text[-17:]


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


# --- thumbnails --------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MAX_DOWNLOAD_BYTES = 16 * 2**20  # a design drawing is far smaller; more is not an image we want
#: Images that failed lately, shared by every store of the process (a report renders each several times).
_FAILED = FailedImages()
_TMP_PREFIX = ".tmp-"


class _StripAuthorization(requests.auth.AuthBase):
    """Session auth that removes credentials (and stops requests from reading ~/.netrc)."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers.pop("Authorization", None)
        r.headers.pop("Cookie", None)
        return r


class _ImageSession(requests.Session):
    """A session that never sends credentials, not even after a redirect."""

    def rebuild_auth(self, prepared_request, response):  # noqa: D401 - requests hook
        prepared_request.headers.pop("Authorization", None)


class _Failure(Exception):
    pass


class ThumbnailStore:
    """Hit-image thumbnails: fetched concurrently, kept on disk, size-capped (LRU).

    Thumbnails are keyed by patent id plus the image URL without its query string
    (signed URLs change only their query), plus the thumbnail size. A cached result
    keeps its thumbnails after the image URLs expired.

    Parameters
    ----------
    directory : str or path, optional
        Where thumbnails live; default ``config.cache_dir() / "thumbnails"``.
        Created on the first write.
    size : int, default 256
        Longest side of a thumbnail in pixels (smaller images are not enlarged).
    max_bytes : int, default 256 MiB
        Size cap of the directory; the least recently used files are evicted.
    max_workers : int, default 8
        Concurrent downloads (and connections in the pool).
    timeout : float, default 20
        Seconds per download (connect and read).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> from patsnap_pandas.search import load_thumbnails
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=10)
    >>> thumbs = load_thumbnails(df)            # one PNG per row, from the thumbnail store
    >>> store = ThumbnailStore("thumbnails", size=128)     # default folder: <cache dir>/thumbnails
    >>> pngs = store.load(zip(df["patent_id"], df["image_url"]))
    >>> len(pngs), all(png.startswith(b"\\x89PNG") for png in pngs)
    (10, True)
    >>> store.info()["files"]
    10
    >>> store.close(); client.close()
    """

    def __init__(self, directory: str | os.PathLike | None = None, *, size: int = 256,
                 max_bytes: int = 256 * 2**20, max_workers: int = 8, timeout: float = 20) -> None:
        self.size = _positive_int(size, "size", minimum=8)
        self.max_bytes = _positive_int(max_bytes, "max_bytes", minimum=1)
        self.max_workers = _positive_int(max_workers, "max_workers", minimum=1)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise InvalidInputError(f"timeout={timeout!r}: must be a number of seconds > 0")
        self.timeout = float(timeout)
        self.directory = (config.cache_dir() / "thumbnails" if directory is None
                          else Path(directory).expanduser())
        self._session: requests.Session | None = None
        self._lock = threading.Lock()
        self._placeholder: bytes | None = None
        self._index = DiskIndex(self.directory, self.max_bytes, suffix=".png", skip_prefix=_TMP_PREFIX)

    def __repr__(self) -> str:
        return (f"ThumbnailStore(directory={str(self.directory)!r}, size={self.size}, "
                f"max_bytes={self.max_bytes}, max_workers={self.max_workers})")

    # -- public -------------------------------------------------------------------

    def fetch(self, items: Iterable[tuple[str, str]]) -> list[bytes | None]:
        """PNG thumbnails for ``(patent_id, image_url)`` pairs (or a result frame's rows), in order.

        Cached thumbnails come from disk; the rest are downloaded concurrently.
        Where an image is missing or fails, the entry is None, and one
        :class:`ThumbnailWarning` summarises all failures of the call.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> df = search_designs(samples.image("armchair"), client=client, limit=10)
        >>> store = ThumbnailStore("thumbnails")
        >>> [len(png) > 0 for png in store.fetch(df.head(3))]   # a result frame's rows work too
        [True, True, True]
        >>> client.close()
        """
        return self._fetch(items, stacklevel=3)

    def load(self, items: Iterable[tuple[str, str]]) -> list[bytes]:
        """Like :meth:`fetch`, with :meth:`placeholder` where an image is missing or failed.

        Examples
        --------
        >>> import warnings
        >>> store = ThumbnailStore("thumbnails", size=64)
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     pngs = store.load([("p1", None)])      # no image URL: the placeholder, and a warning
        >>> pngs == [store.placeholder()], str(caught[0].message)
        (True, '1 of 1 thumbnails could not be loaded: p1 (no URL): no image URL')
        """
        return [data if data is not None else self.placeholder()
                for data in self._fetch(items, stacklevel=3)]

    def _fetch(self, items: Iterable[tuple[str, str]], stacklevel: int) -> list[bytes | None]:  # noqa: C901  (concurrent fetch and its failure bookkeeping)
        pairs = self._pairs(items)
        results: list[bytes | None] = [None] * len(pairs)
        failures: list[tuple[int, str, str, str]] = []  # (first index, patent id, image, why)
        pending: dict[str, tuple[str, str, list[int]]] = {}
        for i, (pid, url) in enumerate(pairs):
            if not _is_http_url(url):
                failures.append((i, pid, _identity(url) if isinstance(url, str) else "",
                                 "no image URL" if not url else "not an http(s) URL"))
                continue
            key = self.key(pid, url)
            if key in pending:
                pending[key][2].append(i)
                continue
            data = self._read(key)
            if data is not None:
                results[i] = data
            else:
                pending[key] = (pid, url, [i])
        for key in list(pending):
            pid, url, indices = pending[key]
            why = _FAILED.get(_identity(url)) or check_image_url(url)
            if why is not None:
                failures.append((indices[0], pid, _identity(url), why))
                del pending[key]
        if pending:
            session = self._get_session()
            workers = min(self.max_workers, len(pending))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="thumbnails") as pool:
                futures = {key: pool.submit(self._fetch_one, session, key, url)
                           for key, (pid, url, _) in pending.items()}
            write_errors = set()
            for key, future in futures.items():
                pid, url, indices = pending[key]
                try:
                    data, write_error = future.result()
                except _Failure as exc:
                    failures.append((indices[0], pid, _identity(url), str(exc)))
                    _FAILED.add(_identity(url), str(exc))  # not fetched again on every render
                    continue
                if write_error:
                    write_errors.add(write_error)
                for i in indices:
                    results[i] = data
            if write_errors:
                # A read-only or full disk costs the cache, not the thumbnails.
                warnings.warn(ThumbnailWarning(f"thumbnails not cached in {self.directory}: "
                                               + "; ".join(sorted(write_errors))), stacklevel=stacklevel)
        if failures:
            in_order = [failure[1:] for failure in sorted(failures, key=lambda failure: failure[0])]
            warnings.warn(ThumbnailWarning(_failure_summary(in_order, len(pairs))), stacklevel=stacklevel)
        return results

    def put(self, patent_id: str | None, image_url: str, data: bytes) -> bytes:
        """Store a thumbnail of image bytes already at hand under ``(patent_id, image_url)``.

        No download: :meth:`fetch` of the same pair (any query string) then reads it
        from disk, also after the URL expired. A disk that cannot be written to costs
        only the cache (the thumbnail is still returned).

        Parameters
        ----------
        patent_id : str or None
        image_url : str
            The URL the image is known by (its query string is not part of the key).
        data : bytes
            The image (any format Pillow reads).

        Returns
        -------
        bytes
            The PNG thumbnail.

        Examples
        --------
        >>> from patsnap_pandas import samples
        >>> store = ThumbnailStore("thumbnails", size=64)
        >>> png = store.put("", "https://img.example/query.png?Expires=1", open(samples.image("armchair"), "rb").read())
        >>> store.fetch([("", "https://img.example/query.png?Expires=2")]) == [png]   # no download
        True
        """
        if not isinstance(data, (bytes, bytearray)):
            raise InvalidInputError(f"data={_shorten(data)}: expected the image's bytes")
        try:
            thumbnail = self._thumbnail(bytes(data))
        except Image.DecompressionBombError:
            raise ImageInputError(f"data=<{len(data)} bytes>: image too large to decode safely; "
                                  "expected an image within Pillow's size limit") from None
        except Exception as exc:  # not an image, corrupt
            raise ImageInputError(f"data=<{len(data)} bytes>: not a readable image ({type(exc).__name__}); "
                                  "expected the bytes of a PNG, JPEG, TIFF... image") from None
        self._write(self.key(patent_id, image_url), thumbnail)
        return thumbnail

    def placeholder(self) -> bytes:
        """A light-grey square PNG with a cross, ``size`` pixels wide: "no image".

        Examples
        --------
        >>> import io
        >>> from PIL import Image
        >>> Image.open(io.BytesIO(ThumbnailStore("thumbnails", size=64).placeholder())).size
        (64, 64)
        """
        if self._placeholder is None:
            s = self.size
            im = Image.new("L", (s, s), 238)
            draw = ImageDraw.Draw(im)
            m = s // 4
            draw.rectangle((0, 0, s - 1, s - 1), outline=200)
            draw.line((m, m, s - m, s - m), fill=170, width=max(1, s // 64))
            draw.line((m, s - m, s - m, m), fill=170, width=max(1, s // 64))
            self._placeholder = _encode(im, "PNG")
        return self._placeholder

    def key(self, patent_id: str | None, image_url: str) -> str:
        """The cache key of a thumbnail: patent id + URL without query + size.

        Examples
        --------
        A signed URL that changed only its query string keeps its thumbnail:

        >>> store = ThumbnailStore("thumbnails")
        >>> store.key("p1", "https://img.example/p1/0.png?Expires=1&Signature=a") == \\
        ...     store.key("p1", "https://img.example/p1/0.png?Expires=2&Signature=b")
        True
        """
        pid = patent_id if isinstance(patent_id, str) else ""
        text = f"{pid}\n{_identity(image_url)}\n{self.size}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def path(self, patent_id: str | None, image_url: str) -> Path:
        """Where the thumbnail of ``(patent_id, image_url)`` is (or would be) stored.

        Examples
        --------
        >>> ThumbnailStore("thumbnails").path("p1", "https://img.example/p1/0.png").suffix
        '.png'
        """
        return self._file(self.key(patent_id, image_url))

    def _file(self, key: str) -> Path:
        return self.directory / f"{key}.png"

    def info(self) -> dict:
        """``{"directory", "files", "bytes", "max_bytes"}`` of the store.

        Examples
        --------
        >>> ThumbnailStore("thumbnails", max_bytes=2**20).info()
        {'directory': 'thumbnails', 'files': 0, 'bytes': 0, 'max_bytes': 1048576}
        """
        files = self._files()
        return {"directory": str(self.directory), "files": len(files),
                "bytes": sum(f[2] for f in files), "max_bytes": self.max_bytes}

    def clear(self) -> None:
        """Delete every stored thumbnail.

        Examples
        --------
        >>> store = ThumbnailStore("thumbnails")
        >>> store.clear()
        >>> store.info()["files"]
        0
        """
        for path, _, _ in self._files():
            _unlink(path)
        self._index.forget()

    def close(self) -> None:
        """Close the download session (its pooled connections); the store stays usable.

        Examples
        --------
        >>> with ThumbnailStore("thumbnails") as store:    # closed at the end of the block
        ...     store.size
        256
        """
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None

    def __enter__(self) -> ThumbnailStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------

    @staticmethod
    def _pairs(items: Iterable) -> list[tuple[Any, Any]]:
        columns = getattr(items, "columns", None)
        if columns is not None and "patent_id" in columns and "image_url" in columns:
            items = zip(items["patent_id"], items["image_url"], strict=True)  # a result frame
        if isinstance(items, (str, bytes)):
            raise InvalidInputError(f"items={_shorten(items)}: expected (patent_id, image_url) pairs")
        pairs = []
        for i, item in enumerate(items):
            try:
                pid, url = item
            except (TypeError, ValueError):
                raise InvalidInputError(
                    f"items[{i}]={_shorten(item)}: expected a (patent_id, image_url) pair") from None
            pairs.append((pid if isinstance(pid, str) else "", url if isinstance(url, str) else None))
        return pairs

    def _get_session(self) -> requests.Session:
        with self._lock:
            if self._session is None:
                s = _ImageSession()
                s.auth = _StripAuthorization()
                s.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
                s.headers.update({"User-Agent": f"patsnap-pandas/{__version__} (thumbnails)",
                                  "Accept": "image/png,image/jpeg,image/*;q=0.8"})
                retry = Retry(total=2, connect=2, read=1, status=2, backoff_factor=0.2,
                              status_forcelist=(500, 502, 503, 504), allowed_methods={"GET"},
                              raise_on_status=False)
                adapter = HTTPAdapter(pool_connections=self.max_workers,
                                      pool_maxsize=self.max_workers, max_retries=retry)
                s.mount("http://", adapter)
                s.mount("https://", adapter)
                self._session = s
            return self._session

    def _fetch_one(self, session: requests.Session, key: str, url: str) -> tuple[bytes, str | None]:
        try:
            body = self._download(session, url)
        except requests.RequestException as exc:
            raise _Failure(type(exc).__name__) from None
        try:
            data = self._thumbnail(bytes(body))
        except Image.DecompressionBombError:
            raise _Failure("image too large to decode safely") from None
        except Exception as exc:  # not an image, corrupt
            raise _Failure(f"not a readable image ({type(exc).__name__})") from None
        return data, self._write(key, data)

    def _download(self, session: requests.Session, url: str) -> bytearray:
        """The image's bytes; redirects are followed only to the same host, and only to allowed addresses."""
        first = origin_of(url)
        for _ in range(MAX_REDIRECTS + 1):
            with session.get(url, timeout=self.timeout, stream=True, allow_redirects=False) as r:
                if r.is_redirect:
                    target = urljoin(url, r.headers.get("Location", ""))
                    origin = origin_of(target)
                    if origin is None or first is None or origin[1] != first[1]:
                        raise _Failure(f"redirected to another host ({_identity(target)}): refused")
                    why = check_image_url(target)
                    if why is not None:
                        raise _Failure(f"redirected to {_identity(target)}, which {why}: refused")
                    url = target
                    continue
                if r.status_code != 200:
                    raise _Failure(f"HTTP {r.status_code}")
                declared = r.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > _MAX_DOWNLOAD_BYTES:
                    raise _Failure(f"larger than {_mb(_MAX_DOWNLOAD_BYTES)}")
                body = bytearray()
                for chunk in r.iter_content(1 << 16):
                    body += chunk
                    if len(body) > _MAX_DOWNLOAD_BYTES:
                        raise _Failure(f"larger than {_mb(_MAX_DOWNLOAD_BYTES)}")
                return body
        raise _Failure(f"more than {MAX_REDIRECTS} redirects")

    def _thumbnail(self, body: bytes) -> bytes:
        im = Image.open(io.BytesIO(body))
        im.draft("RGB", (self.size, self.size))  # JPEG: decode at reduced scale
        im.load()
        im, _ = _normalise(im)
        if im.mode == "1":
            im = im.convert("L")
        im.thumbnail((self.size, self.size), Image.Resampling.LANCZOS)
        return _encode(im, "PNG")

    def _read(self, key: str) -> bytes | None:
        path = self._file(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if not data.startswith(_PNG_SIGNATURE):
            return None
        try:
            os.utime(path)  # mark as recently used
        except OSError:
            pass
        return data

    def _write(self, key: str, data: bytes) -> str | None:
        """Store atomically (temp file + rename); return the error text when it could not."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=".png", dir=self.directory)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, self._file(key))
            except BaseException:
                _unlink(Path(tmp))
                raise
        except OSError as exc:
            return f"{type(exc).__name__}: {exc.strerror or exc}"
        self._index.added(len(data))  # O(1); a batch of old files goes only when the cap is passed
        return None

    def _files(self) -> list[tuple[Path, int, int]]:
        """(path, mtime_ns, size) of the stored thumbnails; stale temp files are removed."""
        out = []
        now = time.time()
        try:
            entries = list(os.scandir(self.directory))
        except OSError:
            return out
        for e in entries:
            try:
                st = e.stat()
            except OSError:
                continue
            if e.name.startswith(_TMP_PREFIX):
                if now - st.st_mtime > 3600:  # left over by a killed process
                    _unlink(Path(e.path))
                continue
            if e.name.endswith(".png") and e.is_file():
                out.append((Path(e.path), st.st_mtime_ns, st.st_size))
        return out


def _identity(url: str) -> str:
    """The image's identity: its URL without query string and fragment."""
    try:
        p = urlsplit(url.strip())
    except ValueError:
        return url
    return urlunsplit((p.scheme.lower(), p.netloc.lower(), p.path, "", ""))


def _is_http_url(url: Any) -> bool:
    return isinstance(url, str) and _url_scheme(url) in ("http", "https")


def _failure_summary(failures: list[tuple[str, str, str]], n: int) -> str:
    shown = "; ".join(f"{pid or '?'} {ident or '(no URL)'}: {why}" for pid, ident, why in failures[:3])
    more = f"; and {len(failures) - 3} more" if len(failures) > 3 else ""
    return f"{len(failures)} of {n} thumbnails could not be loaded: {shown}{more}"


def _positive_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InvalidInputError(f"{name}={value!r}: must be an integer >= {minimum}")
    return int(value)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
