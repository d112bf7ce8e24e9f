"""Image-similarity index over a corpus: pixels in, one score per design out.

Features of every corpus image are computed once and cached on disk in
``<cache_dir>/features/<fingerprint>-<descriptor version>-<code digest>.npz``; a
corpus with the same content, described by the same feature code, reuses them
(across processes and runs: a file lock lets one process compute while the others
wait and then read its file). A query is normalised and described the same way
(see :mod:`.features`); the score of a design is the best score over its
images: cosine similarity in the best of 8 poses, mapped onto [0, 1].
"""

from __future__ import annotations

import functools
import io
import os
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from . import features
from .corpus import Corpus, sandbox_cache_dir, source_digest

#: How long an index waits for another process that computes the same features (then computes them too).
LOCK_WAIT_S = 600.0


@functools.lru_cache(maxsize=1)
def features_version() -> str:
    """The version of the feature code: :data:`~.features.DESCRIPTOR_VERSION` (its settings) and a digest
    of the source of :mod:`.features`, so an edited descriptor never reads features of the old one.

    Examples
    --------
    >>> features_version().startswith(features.DESCRIPTOR_VERSION + "-")
    True
    """
    return f"{features.DESCRIPTOR_VERSION}-{source_digest(features.DESCRIPTOR_VERSION, features)[:12]}"


@dataclass
class Matches:
    """Scores of one query against every design of the corpus.

    Attributes
    ----------
    scores : np.ndarray
        float64, one per ``corpus.designs`` entry (same order), in [0, 1].
    best_image : list of str
        Image key of the best-matching image of each design.

    Examples
    --------
    >>> from patsnap_pandas.sandbox.corpus import generated_corpus
    >>> corpus = generated_corpus()
    >>> design = corpus.designs[5]
    >>> matches = ImageIndex(corpus).match(corpus.image(design.image_keys[0]))
    >>> len(matches.scores) == len(corpus.designs), float(matches.scores[5])
    (True, 1.0)
    >>> matches.best_image[5] == design.image_keys[0], 5 in matches.top(3)
    (True, True)
    """

    scores: np.ndarray
    best_image: list[str]

    def top(self, n: int = 10) -> np.ndarray:
        """Indices of the `n` best designs, best first (ties: corpus order).

        Examples
        --------
        >>> import numpy as np
        >>> Matches(np.array([0.2, 0.9, 0.9, 0.5]), ["a", "b", "c", "d"]).top(3).tolist()
        [1, 2, 3]
        """
        order = np.lexsort((np.arange(len(self.scores)), -self.scores))
        return order[:n]


class ImageIndex:
    """Descriptor matrix of every image of a corpus, with an on-disk cache.

    Parameters
    ----------
    corpus : Corpus
    cache_dir : str or Path, optional
        Sandbox cache folder (default: :func:`~.corpus.sandbox_cache_dir`).

    Attributes
    ----------
    from_cache : bool
        True when the features were read from the cache file.
    computed : int
        How many image descriptors this instance computed (0 on a cache hit).
    cache_file : Path
    keys : list of str
        Image keys, row order of :attr:`features`.
    features : np.ndarray
        (n_images, dim) float32, unit rows.

    Examples
    --------
    >>> from patsnap_pandas import samples
    >>> from PIL import Image
    >>> from patsnap_pandas.sandbox.corpus import generated_corpus
    >>> corpus = generated_corpus(60, seed=1)
    >>> index = ImageIndex(corpus)              # computed once, then read from the cache
    >>> ImageIndex(corpus).from_cache, len(index.keys) == len(corpus.image_keys)
    (True, True)
    >>> matches = index.match(Image.open(samples.image("armchair")))       # pixels only, never metadata
    >>> matches.scores.shape, bool(((matches.scores >= 0) & (matches.scores <= 1)).all())
    ((60,), True)
    """

    def __init__(self, corpus: Corpus, cache_dir: str | Path | None = None) -> None:
        if not isinstance(corpus, Corpus):
            raise TypeError(f"corpus={corpus!r}: expected a Corpus (see load_corpus)")
        self.corpus = corpus
        self.keys = corpus.image_keys
        self.cache_file = sandbox_cache_dir(cache_dir) / "features" / f"{corpus.fingerprint}-{features_version()}.npz"
        self.computed = 0
        self.from_cache = False
        feats = self._load()
        if feats is None:
            feats = self._load_or_compute()
        else:
            self.from_cache = True
        self.features = feats
        # design-major layout: row r of self._slots is design r, padded with -1
        per = [len(d.image_keys) for d in corpus.designs]
        width = max(per) if per else 1
        self._slots = np.full((len(per), width), -1, np.int64)
        row = 0
        for i, n in enumerate(per):
            self._slots[i, :n] = np.arange(row, row + n)
            row += n
        self._valid = self._slots >= 0
        self._pose_w = features.pose_weights().astype(np.float32)

    def __repr__(self) -> str:
        return f"ImageIndex(corpus={self.corpus.name!r}, images={len(self.keys)}, from_cache={self.from_cache})"

    def _load(self) -> np.ndarray | None:
        """The cached features, or None when the file is missing, damaged or of other keys."""
        try:
            with np.load(self.cache_file, allow_pickle=False) as z:
                feats = z["features"]
                keys = z["keys"]
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
            return None
        if (feats.ndim != 2 or feats.shape != (len(self.keys), _dimension()) or feats.dtype.kind != "f"
                or keys.ndim != 1 or keys.tolist() != self.keys or not np.isfinite(feats).all()):
            return None
        return feats.astype(np.float32, copy=False)

    def _load_or_compute(self) -> np.ndarray:
        """Compute and save the features, one process at a time: a process that waited reads the file
        the first one wrote. A cache folder that cannot be written only costs the time."""
        import filelock  # here, not at the top: it imports asyncio

        try:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            lock = filelock.FileLock(f"{self.cache_file}.lock", timeout=LOCK_WAIT_S)
            lock.acquire()
        except (OSError, filelock.Timeout):
            return self._compute()
        try:
            feats = self._load()
            if feats is not None:
                self.from_cache = True
                return feats
            feats = self._compute()
            self._save(feats)
            return feats
        finally:
            lock.release()

    def _compute(self) -> np.ndarray:
        def one(key: str) -> np.ndarray:
            return features.image_descriptor(self.corpus.image(key))

        if not self.keys:
            return np.zeros((0, _dimension()), np.float32)
        # Pillow and numpy release the GIL for most of the work: threads give ~1.7x on 2 cores
        workers = max(1, min(4, os.cpu_count() or 1))
        with ThreadPoolExecutor(workers, thread_name_prefix="patsnap-index") as pool:
            rows = list(pool.map(one, self.keys, chunksize=16))
        self.computed += len(rows)
        return np.stack(rows).astype(np.float32)

    def _save(self, feats: np.ndarray) -> None:
        path = self.cache_file
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        buf = io.BytesIO()
        np.savez(buf, features=feats, keys=np.array(self.keys, dtype=str))
        try:
            tmp.write_bytes(buf.getvalue())
            os.replace(tmp, path)  # readers see the old file or the whole new one, never a part
        except OSError:  # a full or read-only disk only costs the time
            tmp.unlink(missing_ok=True)

    def describe(self, image: Image.Image) -> np.ndarray:
        """The descriptors of a query image in its 8 poses: (8, dim), identity first."""
        return features.query_descriptors(image)

    def image_similarities(self, image: Image.Image) -> np.ndarray:
        """Score of `image` against every corpus image (row order of :attr:`keys`), in [0, 1].

        The best cosine similarity over the query's 8 poses (mirrored and
        rotated copies, discounted by :data:`~.features.POSE_DISCOUNT`),
        mapped to a score by :func:`~.features.to_score`.
        """
        q = self.describe(image)
        if not len(self.keys):
            return np.zeros(0)
        sims = (self.features @ q.T) * self._pose_w  # one pass over the matrix for all poses
        return features.to_score(sims.max(axis=1))

    def match(self, image: Image.Image) -> Matches:
        """Score every design of the corpus against `image` (pixels only).

        Parameters
        ----------
        image : PIL.Image.Image
            The query image, any mode and size.

        Returns
        -------
        Matches
            ``scores[i]`` for ``corpus.designs[i]``: the best similarity over
            its images, in [0, 1]; ``best_image[i]`` that image's key.
        """
        if not isinstance(image, Image.Image):
            raise TypeError(f"image={image!r}: expected a PIL.Image.Image")
        sims = self.image_similarities(image)
        grid = np.where(self._valid, sims[np.maximum(self._slots, 0)], -1.0)
        best = grid.argmax(axis=1)
        scores = grid[np.arange(len(best)), best]
        rows = self._slots[np.arange(len(best)), best]
        keys = self.keys
        return Matches(
            scores=np.clip(scores, 0.0, 1.0),  # a design without images scores 0 ...
            best_image=[keys[r] if r >= 0 else "" for r in rows],  # ... and has no best image
        )


@functools.lru_cache(maxsize=1)
def _dimension() -> int:
    """The length of a descriptor (a cached matrix of another width is stale)."""
    return int(features.describe(np.zeros((features.SIZE, features.SIZE), np.float32)).size)


__all__ = ["ImageIndex", "Matches", "features_version"]
