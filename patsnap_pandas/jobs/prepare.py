"""Query images prepared once: any input to the JPG or PNG that is uploaded, memoised by content.

Preparing a photo (EXIF, format, at most 4 MB: :func:`patsnap_pandas.api.images.prepare_image`)
takes a few hundred milliseconds; a search repeated with the same image skips it, so a cached
search is answered in milliseconds. The memo is keyed by a digest of what ``prepare_image``
would read, bounded by entries and bytes; what preparing changed is warned on every call.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
from PIL import Image

from ..api import images

__all__: list[str] = []


class _PreparedMemo:
    """Content digest of a query input -> its PreparedImage (whose ``notes`` say what preparing changed).

    Re-running a search with the same image skips decoding and re-encoding it (a photo
    takes a few hundred ms), so a cached search is answered in milliseconds. Bounded
    by entries and bytes; least recently used first out.
    """

    def __init__(self, max_entries: int = 32, max_bytes: int = 64 * 2**20) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._items: OrderedDict[str, images.PreparedImage] = OrderedDict()
        self._bytes = 0  # total len(data) of the entries
        self._lock = threading.Lock()

    def get(self, key: str) -> images.PreparedImage | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: str, prepared: images.PreparedImage) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old.data)
            self._items[key] = prepared
            self._bytes += len(prepared.data)
            while self._items and (len(self._items) > self.max_entries or self._bytes > self.max_bytes):
                self._bytes -= len(self._items.popitem(last=False)[1].data)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


_PREPARED = _PreparedMemo()
# Modes whose pixels (tobytes) plus size, orientation and transparency say everything.
_PLAIN_MODES = frozenset({"1", "L", "LA", "RGB", "RGBA", "I", "I;16", "F"})


def _content_key(image: Any) -> str | None:
    """A digest of what ``prepare_image`` would read, or None when it cannot be had cheaply."""
    try:
        return _digest(image)
    except Exception:  # noqa: BLE001 - e.g. a lazily opened, corrupt PIL image: prepare_image explains it
        return None


def _digest(image: Any) -> str | None:
    h = hashlib.sha256()
    if isinstance(image, (bytes, bytearray, memoryview)):
        h.update(b"bytes\0")
        h.update(image)
    elif isinstance(image, (str, os.PathLike)):
        try:
            path = os.path.expanduser(os.fspath(image))  # as prepare_image reads it
            if not os.path.isfile(path):
                return None  # prepare_image says what is wrong with it
            with open(path, "rb") as f:
                data = f.read()
        except (OSError, TypeError, ValueError):
            return None
        h.update(b"bytes\0")
        h.update(data)
    elif isinstance(image, np.ndarray):
        h.update(f"array\0{image.dtype.str}\0{image.shape}\0".encode())
        h.update(np.ascontiguousarray(image).tobytes())
    elif isinstance(image, Image.Image):
        if image.mode not in _PLAIN_MODES:
            return None
        try:
            orientation = image.getexif().get(0x0112)
        except Exception:  # noqa: BLE001 - unreadable EXIF: no memo, prepare_image decides
            return None
        h.update(f"pil\0{image.mode}\0{image.size}\0{orientation}\0{image.info.get('transparency')!r}\0".encode())
        h.update(image.tobytes())
    else:
        return None  # file objects are read once: nothing to key on without consuming them
    return h.hexdigest()


def _prepare(image: Any, label: str | None) -> str | images.PreparedImage:
    """``images.prepare_image`` with a memo keyed by content; its notes are warned on every call.

    The notes travel in ``PreparedImage.notes`` (no warning capture, which is not thread-safe)
    and are warned at the caller of ``search_designs``.
    """
    key = _content_key(image)  # None for URLs (not files): nothing to memoise
    memo = _PREPARED.get(key) if key is not None else None
    prepared: str | images.PreparedImage
    if memo is not None:
        prepared = dataclasses.replace(memo, label=images.query_label(image, label))
    else:
        prepared = images.prepare_image(image, label=label, warn=False)
        if key is not None and isinstance(prepared, images.PreparedImage):
            _PREPARED.put(key, prepared)
    images.warn_notes(prepared, stacklevel=3)
    return prepared
