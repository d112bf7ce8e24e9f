"""Query-image preparation for upload (P010).

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

The pixel rule and the encoder are :mod:`patsnap_pandas.imaging`'s, shared with the
thumbnails (:mod:`patsnap_pandas.store.thumbnails` holds the store of hit images).

Pillow and numpy load on the first image prepared, not with this module.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .._validate import check_flag, megabytes, shorten
from ..codes import UPLOAD_MAX_BYTES
from ..errors import ImageInputError
from ..imaging import JPEG_QUALITY, encode, normalise, url_scheme, whole_images_only

if TYPE_CHECKING:  # Pillow and numpy load on first use (a script that never prepares an image skips them)
    import numpy as np
    from PIL import Image

__all__ = [
    "ImageSizeWarning",
    "PreparedImage",
    "prepare_image",
    "query_label",
    "warn_notes",
]

ALLOWED_IMAGES = (
    "an http(s) URL, a path to an image file, image bytes, a binary file object, "
    "a PIL image, or a numpy array (uint8, uint16, bool or float in [0, 1]; "
    "shape HxW, HxWx3 or HxWx4)"
)

_JPEG_RETRY_QUALITIES = (80, 70)
_MAX_PALETTE_COLOURS = 256
_MIN_SIDE = 16


def _input_error(problem: str, value: Any, parameter: str = "image",
                 allowed: str = ALLOWED_IMAGES) -> ImageInputError:
    """An :class:`~patsnap_pandas.errors.ImageInputError` naming the parameter, value and what is allowed."""
    shown = shorten(value)
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
    check_flag(warn, "warn")
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
    import numpy as np
    from PIL import Image

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
        file_name = _file_object_name(image)
        if file_name:
            return file_name
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
    import numpy as np
    from PIL import Image

    if isinstance(image, (str, os.PathLike)):
        data = _read_path(image)
        return _decode(data, image), len(data), Path(image).name
    if isinstance(image, (bytes, bytearray, memoryview)):
        data = bytes(image)
        return _decode(data, image), len(data), _bytes_label(data)
    if isinstance(image, Image.Image):
        try:
            with whole_images_only():
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


def _read_path(image: str | os.PathLike[str]) -> bytes:
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
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise _input_error("is empty (0 bytes)", shown)
    head = data[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in head:
        raise _input_error("is an SVG drawing; export it as PNG first", shown)
    try:
        im = Image.open(io.BytesIO(data))
        with whole_images_only():
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
    import numpy as np
    from PIL import Image

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


def _choose_format(im: Image.Image, had_alpha: bool) -> str:
    if im.mode in ("1", "L") or had_alpha:
        return "PNG"
    return "PNG" if im.getcolors(_MAX_PALETTE_COLOURS) is not None else "JPEG"


def _prepare_loaded(src: Image.Image, raw_size: int | None, label: str) -> PreparedImage:
    from PIL import Image

    try:
        im, had_alpha = normalise(src)
    except ImageInputError:
        raise
    except Exception as exc:  # e.g. broken EXIF data, an exotic mode Pillow cannot convert
        raise _input_error(f"cannot be converted ({_reason(exc)})", src) from None
    fmt = _choose_format(im, had_alpha)
    quality = JPEG_QUALITY
    data = encode(im, fmt, quality)
    first = (len(data), im.size)
    limit = UPLOAD_MAX_BYTES
    actions: list[str] = []
    if len(data) > limit and fmt == "JPEG":
        for quality in _JPEG_RETRY_QUALITIES:
            data = encode(im, fmt, quality)
            if len(data) <= limit:
                break
        actions.append(f"recompressed as JPEG quality {quality}")
    while len(data) > limit:
        factor = max(0.5, min(0.9, 0.95 * math.sqrt(limit / len(data))))
        w, h = max(1, round(im.width * factor)), max(1, round(im.height * factor))
        if min(w, h) < _MIN_SIDE:
            raise _input_error(f"cannot be made smaller than {megabytes(limit)} for upload", label)
        if im.mode == "1":
            im = im.convert("L")
        im = im.resize((w, h), Image.Resampling.LANCZOS)
        data = encode(im, fmt, quality)
        if not actions or not actions[-1].startswith("downscaled"):
            actions.append("downscaled")
    if actions or (raw_size or 0) > limit:
        original = raw_size if raw_size is not None and raw_size > limit else first[0]
        how = " and ".join(actions) or "recompressed as " + (
            f"JPEG quality {quality}" if fmt == "JPEG" else "PNG")
        notes: tuple[str, ...] = (f"image {label!r} was {megabytes(original)} ({first[1][0]}x{first[1][1]} px), over the "
                 f"{megabytes(limit)} upload limit: {how}, now {megabytes(len(data))} ({im.width}x{im.height} px "
                 f"{fmt})",)
    else:
        notes = ()
    digest = hashlib.sha256(data).hexdigest()
    ext, mime = ("png", "image/png") if fmt == "PNG" else ("jpg", "image/jpeg")
    return PreparedImage(data=data, filename=f"{digest[:16]}.{ext}", mime=mime, sha256=digest,
                         label=label, width=im.width, height=im.height, notes=notes)


# --- small helpers ---------------------------------------------------------------


def _is_url_text(image: Any) -> bool:
    """A string with a URL scheme, unless it names an existing file (``a:b.png`` is legal on POSIX)."""
    if not isinstance(image, str):
        return False
    scheme = url_scheme(image)
    if scheme is None:
        return False
    return scheme in ("http", "https") or not os.path.isfile(image)


def _check_url(url: str) -> str:
    scheme = url_scheme(url)
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


# --- the one sniffer and the one thumbnailer of the package ---------------------------------------
