"""Image normalisation and the line-drawing descriptor of the sandbox index.

Pure functions of pixels: nothing here sees a name, a key or metadata.

normalise(image) -> float32 ink map (S x S, 1 = ink, 0 = paper): grayscale,
cropped to the drawn content, padded to a square, resized.
describe(ink) -> float32 vector with unit L2 norm; cosine similarity of two
descriptors is their dot product.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageOps

SIZE = 128  # side of the normalised ink map
WORK_MAX_SIDE = 1024  # images are box-reduced to about this before normalising
BINS = 8  # unsigned gradient orientations
FINE = 16  # finest grid of orientation histograms (FINE x FINE cells)
THUMB = 16  # side of the ink thumbnail
# (part, weight): the descriptor is the weighted concatenation of unit parts
WEIGHTS = {"hog4": 0.5, "hog8": 1.0, "global": 0.5, "thumb": 0.7}
INK_DEAD_ZONE = 8  # gray levels within this of the paper tone are paper (JPEG haze, scanner noise)
CONTENT_QUANTILE = 0.002  # the content box leaves out this share of the ink mass on each side
MARGIN = 1.06  # the square around the content is this much larger than the content


# Bump the letter when the code changes; the settings are hashed in, so a
# changed constant also gives a new feature-cache key.
DESCRIPTOR_VERSION = "d5-" + hashlib.sha256(
    repr((SIZE, WORK_MAX_SIDE, BINS, FINE, THUMB, sorted(WEIGHTS.items()), INK_DEAD_ZONE, CONTENT_QUANTILE, MARGIN)).encode()
).hexdigest()[:8]


def to_gray(img: Image.Image) -> Image.Image:
    """Grayscale on white paper: transparency is composited on white."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(paper, rgba)
    if img.mode != "L":
        img = img.convert("L")
    return img


@functools.lru_cache(maxsize=256)
def _ink_lut(paper: int) -> list[int]:
    """Gray level -> ink strength (0..255): distance from the paper tone.

    Linear beyond a small dead zone and never saturating, so that area
    resampling commutes with it: an image and its downscaled or recompressed
    copy give (nearly) the same ink map.
    """
    span = max(paper, 255 - paper, 64) - INK_DEAD_ZONE
    return [min(255, max(0, abs(paper - g) - INK_DEAD_ZONE) * 255 // span) for g in range(256)]


_MASK_LUT = [255 if v > 40 else 0 for v in range(256)]


def _mass_range(mass: np.ndarray, q: float) -> tuple[float, float]:
    """Sub-pixel positions where the cumulative ink mass along one axis reaches q and 1 - q."""
    c = np.cumsum(mass, dtype=np.float64)
    c /= c[-1]

    def at(level: float) -> float:
        i = min(int(np.searchsorted(c, level)), len(c) - 1)
        prev = c[i - 1] if i else 0.0
        step = c[i] - prev
        return i + (0.0 if step <= 0 else min(1.0, max(0.0, (level - prev) / step)))

    return at(q), at(1.0 - q)


def _paper_tone(gray: Image.Image) -> int:
    """The paper's gray level.

    The border decides the polarity: light border, light paper (the usual
    black-on-white drawing); dark border, dark paper (a white-on-black
    drawing). The tone itself is the brightest (or darkest) 1 % of the image,
    not the border's median: drawings whose shading runs into the edge have a
    gray border once downscaled, yet still have bare paper somewhere.
    """
    w, h = gray.size
    border = np.concatenate(
        [np.asarray(gray.crop(b)).ravel() for b in ((0, 0, w, 1), (0, h - 1, w, h), (0, 0, 1, h), (w - 1, 0, w, h))]
    )
    cum = np.cumsum(gray.histogram())
    if np.median(border) >= 128:
        return int(np.searchsorted(cum, 0.99 * cum[-1]))
    return int(np.searchsorted(cum, 0.01 * cum[-1]))


def normalise(img: Image.Image, size: int = SIZE) -> np.ndarray:
    """Ink map of an image: grayscale, crop to content, pad square, resize to `size`.

    The paper tone comes from :func:`_paper_tone` (white-on-black drawings
    work too); ink is the distance from it. The content box is where the ink
    mass lies (trimming :data:`CONTENT_QUANTILE` of it on each side, with
    sub-pixel precision, so that a recompressed or downscaled copy gets the
    same box); the square around it gets a small margin and is resampled with
    a triangle filter.

    Returns float32 array (size, size) in [0, 1], 1 where there is ink.
    """
    try:
        if img.getexif().get(0x0112, 1) != 1:  # camera/phone photos: apply the EXIF orientation
            img = ImageOps.exif_transpose(img)
    except (OSError, ValueError, KeyError, TypeError, SyntaxError):  # broken EXIF: keep the pixels as they are
        pass
    gray = to_gray(img)
    f = -(-max(gray.size) // WORK_MAX_SIDE)
    if f >= 2:  # cheap box reduction of large sheets (keeps thin lines as gray)
        gray = gray.reduce(f)
    paper = _paper_tone(gray)
    ink = gray.point(_ink_lut(paper))
    if ink.point(_MASK_LUT).getbbox() is None:  # nothing clearly drawn: blank
        return np.zeros((size, size), np.float32)
    a = np.asarray(ink, dtype=np.float32)
    x0, x1 = _mass_range(a.sum(axis=0), CONTENT_QUANTILE)
    y0, y1 = _mass_range(a.sum(axis=1), CONTENT_QUANTILE)
    side = max(x1 - x0, y1 - y0, 1.0) * MARGIN
    left, top = (x0 + x1 - side) / 2, (y0 + y1 - side) / 2
    # crop() pads with 0 (no ink) outside the image; resize() then takes the exact float box
    ox, oy = int(np.floor(left)), int(np.floor(top))
    region = ink.crop((ox, oy, int(np.ceil(left + side)) + 1, int(np.ceil(top + side)) + 1))
    box = (left - ox, top - oy, left - ox + side, top - oy + side)
    sq = region.resize((size, size), Image.Resampling.BILINEAR, box=box)
    return np.asarray(sq, dtype=np.float32) / 255.0


def _blur(a: np.ndarray, times: int = 2) -> np.ndarray:
    """Separable [1 2 1]/4 blur, `times` times (cheap Gaussian), edges replicated."""
    a = a.astype(np.float32)
    for _ in range(times):
        for axis in (0, 1):
            a = np.moveaxis(a, axis, 0)
            b = a * 0.5
            b[1:] += a[:-1] * 0.25
            b[:-1] += a[1:] * 0.25
            b[0] += a[0] * 0.25
            b[-1] += a[-1] * 0.25
            a = np.moveaxis(b, 0, axis)
    return a


_CELL_CACHE: dict[tuple[int, int], np.ndarray] = {}


def _cell_index(n: int, cells: int) -> np.ndarray:
    key = (n, cells)
    idx = _CELL_CACHE.get(key)
    if idx is None:
        c = np.arange(n) * cells // n
        idx = (c[:, None] * cells + c[None, :]).ravel()
        _CELL_CACHE[key] = idx
    return idx


def orientation_cells(ink: np.ndarray, cells: int = FINE, bins: int = BINS) -> np.ndarray:
    """Gradient-magnitude histograms of unsigned orientation on a cells x cells grid.

    Orientation is soft-binned between the two nearest bins. Returns (cells, cells, bins).
    """
    g = _blur(ink)
    gy, gx = np.gradient(g)
    gx, gy = gx.ravel(), gy.ravel()
    live = np.flatnonzero(np.abs(gx) + np.abs(gy) > 1e-5)  # line drawings are mostly paper: skip it
    gx, gy = gx[live], gy[live]
    mag = np.sqrt(gx * gx + gy * gy)
    ang = (np.arctan2(gy, gx) % np.pi) * (bins / np.pi)
    lo = np.floor(ang)
    w_hi = ang - lo
    lo = lo.astype(np.int64) % bins
    hi = (lo + 1) % bins
    cell = _cell_index(ink.shape[0], cells)[live] * bins
    n = cells * cells * bins
    h = np.bincount(cell + lo, mag * (1 - w_hi), n) + np.bincount(cell + hi, mag * w_hi, n)
    return h.reshape(cells, cells, bins)


def _pool(h: np.ndarray, factor: int) -> np.ndarray:
    c = h.shape[0] // factor
    return h.reshape(c, factor, c, factor, -1).sum(axis=(1, 3))


def _smooth_cells(h: np.ndarray) -> np.ndarray:
    """[1 2 1] smoothing across neighbouring cells: soft spatial binning."""
    p = np.pad(h, ((1, 1), (1, 1), (0, 0)), mode="constant")
    h = (p[:-2, 1:-1] + 2 * p[1:-1, 1:-1] + p[2:, 1:-1]) * 0.25
    p = np.pad(h, ((1, 1), (1, 1), (0, 0)), mode="constant")
    return (p[1:-1, :-2] + 2 * p[1:-1, 1:-1] + p[1:-1, 2:]) * 0.25


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.sqrt(np.maximum(v.ravel(), 0))  # power normalisation: tames dominant strokes
    return v / (np.linalg.norm(v) + 1e-9)




def _parts(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(fine orientation cells, ink thumbnail) of an ink map: everything the descriptor is made of."""
    fine = orientation_cells(ink)
    thumb = np.asarray(Image.fromarray(ink).resize((THUMB, THUMB), Image.Resampling.BOX), np.float32)
    return fine, thumb


def _assemble(fine: np.ndarray, thumb: np.ndarray) -> np.ndarray:
    h8 = _smooth_cells(_pool(fine, FINE // 8))
    h4 = _smooth_cells(_pool(fine, FINE // 4))
    parts = {"hog4": h4, "hog8": h8, "global": fine.sum(axis=(0, 1)), "thumb": _blur(thumb, 1)}
    v = np.concatenate([WEIGHTS[k] * _unit(p) for k, p in parts.items() if WEIGHTS.get(k)])
    return (v / (np.linalg.norm(v) + 1e-9)).astype(np.float32)


def describe(ink: np.ndarray) -> np.ndarray:
    """Descriptor of a normalised ink map: spatial pyramid of orientation histograms + ink thumbnail.

    Parts, each power-normalised (square root) and L2-normalised, then weighted
    by :data:`WEIGHTS`: 4x4 and 8x8 grids of soft-binned, cell-smoothed
    orientation histograms, the global orientation histogram, and a blurred
    16x16 ink thumbnail. Returns a float32 vector with unit L2 norm.
    """
    return _assemble(*_parts(ink))


def image_descriptor(img: Image.Image) -> np.ndarray:
    """describe(normalise(img))."""
    return describe(normalise(img))


# The 8 symmetries of the square (identity first). Design drawings show the
# same object mirrored (left/right, top/bottom views) and rotated (landscape
# figures on portrait sheets), so a query is compared in all 8 poses; poses
# other than the identity are discounted so that an upright match wins ties.
# Each pose: (name, spatial transform of a (rows, cols, ...) array, orientation
# bin map as (sign, shift): bin b -> (sign * b + shift) mod BINS). Orientation
# theta = atan2(dy, dx) mod pi with rows growing downwards: a mirror maps theta
# to -theta, a transpose to pi/2 - theta.
POSES: tuple[tuple[str, Callable[[np.ndarray], np.ndarray], tuple[int, int]], ...] = (
    ("identity", lambda a: a, (1, 0)),
    ("mirror", lambda a: a[:, ::-1], (-1, 0)),
    ("flip", lambda a: a[::-1], (-1, 0)),
    ("rot180", lambda a: a[::-1, ::-1], (1, 0)),
    ("rot90", lambda a: np.rot90(a, 1), (1, BINS // 2)),
    ("rot270", lambda a: np.rot90(a, 3), (1, BINS // 2)),
    ("transpose", lambda a: a.swapaxes(0, 1), (-1, BINS // 2)),
    ("antitranspose", lambda a: a[::-1, ::-1].swapaxes(0, 1), (-1, BINS // 2)),
)
POSE_DISCOUNT = 0.98


def query_descriptors(img: Image.Image) -> np.ndarray:
    """Descriptors of an image in the 8 poses of :data:`POSES`: (8, dim) float32, identity first.

    Computed once and permuted: a pose moves the cells and relabels the
    orientation bins, which equals describing the transformed image.
    """
    fine, thumb = _parts(normalise(img))
    out = []
    for _, move, (sign, shift) in POSES:
        perm = (sign * np.arange(BINS) + shift) % BINS  # new bin of old bin b
        f = np.empty_like(fine)
        f[..., perm] = fine
        out.append(_assemble(np.ascontiguousarray(move(f)), np.ascontiguousarray(move(thumb))))
    return np.stack(out)


# The score of a pair is a calibrated function of the descriptor distance
# d = 1 - cosine similarity (after the pose discount): a log-logistic curve
#
#     score = 1 / (1 + (d / SCORE_HALF_DISTANCE) ** SCORE_STEEPNESS)
#
# rescaled so that d = 1 (cosine 0: nothing in common, e.g. a blank page) is
# exactly 0 (a change below 0.004 anywhere else). The curve is
# flat near d = 0 (a recompressed, rescaled or re-encoded copy, d <= 0.006,
# keeps >= 0.99), steepest where matches and non-matches meet, and with a long
# tail for unrelated drawings. Calibrated on the held-out protocol of
# bench/score_bench.py (a folder of 50 real US design patents, one drawing sheet
# of each held out and used as the query): the true patent's distance has a
# median of about 0.028 (score ~0.82), the best non-matching design's about
# 0.070 (score ~0.42), so a match stands clear of the noise; an unrelated
# drawing (d ~ 0.2-0.4) scores ~0.02-0.08. Monotone: rankings do not change.
SCORE_HALF_DISTANCE = 0.06  # the distance that scores 0.5
SCORE_STEEPNESS = 2.0
SCORE_MAPPING = (f"score = 1 / (1 + ((1 - cosine) / {SCORE_HALF_DISTANCE:g}) ** {SCORE_STEEPNESS:g}), "
                 "rescaled to 0 at cosine 0")


def to_score(cosine: np.ndarray) -> np.ndarray:
    """Map cosine similarities to scores in [0, 1] (see :data:`SCORE_MAPPING`).

    Examples
    --------
    >>> to_score([1.0, 0.999, 0.97, 0.93, 0.8, 0.0]).round(3).tolist()
    [1.0, 1.0, 0.799, 0.421, 0.079, 0.0]
    """
    distance = np.clip(1.0 - np.asarray(cosine, dtype=np.float64), 0.0, 1.0)
    curve = 1.0 / (1.0 + (distance / SCORE_HALF_DISTANCE) ** SCORE_STEEPNESS)
    floor = 1.0 / (1.0 + (1.0 / SCORE_HALF_DISTANCE) ** SCORE_STEEPNESS)  # the curve at cosine 0
    return (curve - floor) / (1.0 - floor)


def pose_weights() -> np.ndarray:
    """Score multiplier per pose (1 for the identity, :data:`POSE_DISCOUNT` otherwise)."""
    w = np.full(len(POSES), POSE_DISCOUNT)
    w[0] = 1.0
    return w
