"""The byte total of a thumbnail folder, kept in a small file in it, and eviction past the cap.

:class:`DiskIndex` keeps the total in ``<folder>/.size`` under a file lock, so that opening the
store and each write cost the same with 1 000 or 100 000 thumbnails stored; the folder is
scanned only when the total passes the cap, and then eviction removes a batch, the least
recently used first, down to :data:`EVICT_TO` of the cap (not one file per write).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

__all__ = ["EVICT_TO", "DiskIndex"]

#: Eviction brings the store down to this share of its cap.
EVICT_TO = 0.8
_SIZE_FILE = ".size"  # a store folder's byte total (DiskIndex)
_SIZE_LOCK_TIMEOUT_S = 10.0


class DiskIndex:
    """The byte total of a store folder, kept in a small file in it, so that opening costs nothing.

    The total lives in ``<folder>/.size``, which every process writing the folder keeps up
    to date under a file lock (``.size.lock``): a write moves its file in, reads the total,
    adds its size and writes it back, all under the lock, so the first write of a new
    process costs the same with 1,000 or 100,000 thumbnails stored (the folder is never
    scanned to open it). The folder is scanned
    only when the total passes ``max_bytes``: the least recently used files are removed
    down to ``EVICT_TO * max_bytes``, and the total is set to what the scan found (this
    also corrects any drift, e.g. files deleted by hand), or when ``.size`` is missing
    (a folder written by an older version, or just cleared).

    Examples
    --------
    >>> from pathlib import Path
    >>> folder = Path("thumbs"); folder.mkdir()
    >>> index = DiskIndex(folder, max_bytes=250)
    >>> for i in range(5):
    ...     _ = (folder / f".tmp-{i}").write_bytes(b"x" * 100)
    ...     index.publish(folder / f".tmp-{i}", folder / f"{i}.png")
    >>> sorted(p.name for p in folder.iterdir() if p.suffix == ".png"), index.total, index.scans
    (['3.png', '4.png'], 200, 4)
    >>> DiskIndex(folder, max_bytes=250).stored()     # another process: read, not counted
    200
    """

    def __init__(self, folder: Path, max_bytes: int, suffix: str = ".png", skip_prefix: str = ".tmp-") -> None:
        self.folder, self.max_bytes = Path(folder), max_bytes
        self.suffix, self.skip_prefix = suffix, skip_prefix
        self._lock = threading.Lock()
        self.total: int | None = None  # the last total this process read or wrote
        self.scans = 0

    def publish(self, tmp: str | os.PathLike[str], target: Path) -> None:
        """Move the written file ``tmp`` to ``target`` and count it, in one step under the folder's lock.

        Another process's eviction scans the folder under the same lock, so it never finds a
        file whose bytes are not counted yet (counted then twice: the total drifted up by one
        thumbnail with three processes writing). An error moving the file is the caller's; a
        lock not had in time stores the file all the same, and the next scan counts again.

        Examples
        --------
        >>> from pathlib import Path
        >>> folder = Path("published"); folder.mkdir()
        >>> _ = (folder / ".tmp-a").write_bytes(b"x" * 7)
        >>> index = DiskIndex(folder, max_bytes=100)
        >>> index.publish(folder / ".tmp-a", folder / "a.png")
        >>> index.total, (folder / "a.png").stat().st_size
        (7, 7)
        """
        size = _size_of(Path(tmp))
        with self._lock:
            lock = self._file_lock()
            try:
                lock.acquire()
            except OSError:  # filelock's Timeout: stored uncounted
                os.replace(tmp, target)
                self.total = None
                return
            try:
                replaced = _size_of(target)
                os.replace(tmp, target)
                try:
                    self._count(size, replaced)
                except OSError:
                    self.total = None
            finally:
                lock.release()

    def _count(self, size: int, replaced: int) -> None:
        """Add ``size - replaced`` to the total (held: both locks); evict a batch past the cap."""
        total = self._read_total()
        total = sum(f[2] for f in self._scan()) if total is None else total + size - replaced
        if total > self.max_bytes:
            total = self._evict()
        self._write_total(total)
        self.total = total

    def stored(self) -> int | None:
        """The folder's byte total as kept in ``.size`` (None when there is none yet); no scan."""
        if not (self.folder / _SIZE_FILE).is_file():
            return None
        try:
            with self._lock, self._file_lock():
                return self._read_total()
        except OSError:
            return None

    def forget(self) -> None:
        """The folder was emptied: the next write counts again (a scan of what is there)."""
        self.total = None
        if not self.folder.is_dir():  # nothing to forget; and the lock must not create the folder
            return
        try:
            with self._lock, self._file_lock():
                _unlink(self.folder / _SIZE_FILE)
        except OSError:
            pass

    def _file_lock(self) -> Any:
        import filelock

        return filelock.FileLock(self.folder / (_SIZE_FILE + ".lock"), timeout=_SIZE_LOCK_TIMEOUT_S)

    def _read_total(self) -> int | None:
        try:
            text = (self.folder / _SIZE_FILE).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return int(text) if text.isdigit() else None  # a torn or damaged file: count again

    def _write_total(self, total: int) -> None:
        (self.folder / _SIZE_FILE).write_text(str(max(0, total)), encoding="ascii")

    def files(self) -> list[tuple[str, int, int]]:
        """(path, mtime_ns, size) of the stored files; temp files older than an hour are removed.

        Examples
        --------
        >>> from pathlib import Path
        >>> folder = Path("store"); folder.mkdir()
        >>> _ = (folder / "a.png").write_bytes(b"x" * 3)
        >>> [(Path(path).name, size) for path, _, size in DiskIndex(folder, max_bytes=10).files()]
        [('a.png', 3)]
        """
        out: list[tuple[str, int, int]] = []
        now = time.time()
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return out
        for entry in entries:
            try:
                st = entry.stat()
            except OSError:
                continue
            if entry.name.startswith(self.skip_prefix):
                if now - st.st_mtime > 3600:  # left over by a killed process
                    _unlink(entry.path)
                continue
            if entry.name.endswith(self.suffix) and entry.is_file():
                out.append((entry.path, st.st_mtime_ns, st.st_size))
        return out

    def _scan(self) -> list[tuple[str, int, int]]:
        self.scans += 1
        return self.files()

    def _evict(self) -> int:
        """Scan; remove the least recently used files down to EVICT_TO of the cap; the total left."""
        files = self._scan()
        total = sum(size for _, _, size in files)
        target = int(self.max_bytes * EVICT_TO)
        if total > self.max_bytes:
            for path, _, size in sorted(files, key=lambda f: (f[1], f[0])):
                if total <= target:
                    break
                if _unlink(path):
                    total -= size
        return total


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _unlink(path: str | os.PathLike[str]) -> bool:
    try:
        os.unlink(path)
    except OSError:
        return False
    return True
