"""Sample query images and a sample product catalogue, made by the package itself.

Every example in the documentation needs an image to search with. These are
line drawings of products (a desk lamp, an armchair, a sneaker, ...) drawn with
Pillow from code, the same on every machine, so that an example runs as printed
without any file of your own. They are written once into a ``samples`` folder
under the package's cache folder (``PATSNAP_CACHE_DIR``, else the platform's user
cache folder; a temporary folder when that one is not writable), never into the
working folder.

The drawings are new designs, not copies of the sandbox's registered designs:
searching with one finds the registered designs that look like it.

Examples
--------
>>> from patsnap_pandas import samples
>>> samples.names()[:3]
['desk-lamp', 'armchair', 'kettle']
>>> samples.image("desk-lamp").name
'desk-lamp.png'
"""

from __future__ import annotations

import hashlib
import os
import random
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
from PIL import Image

from . import config
from ._validate import check_choice

__all__ = ["catalogue", "image", "names"]


@dataclass(frozen=True)
class _Sample:
    kind: str  # product class of the drawing template
    view: str
    fmt: str  # "png" or "tiff"
    title: str  # product name in the catalogue
    sku: str
    seed: int = 0  # which parameters of the product template (chosen for a drawing that reads well)
    size: int = 640  # long side in px
    width: int = 3  # line width in px


#: name -> how it is drawn; the catalogue lists them in this order.
_SAMPLES: dict[str, _Sample] = {
    "desk-lamp": _Sample("lamp", "front", "png", "Arc desk lamp", "LMP-1001"),
    "armchair": _Sample("chair", "front", "png", "Lounge armchair", "CHR-2002", seed=5),
    "kettle": _Sample("kettle", "front", "png", "Gooseneck kettle", "KTL-3003"),
    "sneaker": _Sample("shoe", "front", "png", "Court sneaker", "SNK-4004"),
    "water-bottle": _Sample("bottle", "front", "png", "Sports bottle", "BTL-5005"),
    "tote-bag": _Sample("bag", "front", "png", "Canvas tote bag", "BAG-6006"),
    "wristwatch": _Sample("watch", "front", "png", "Field wristwatch", "WCH-7007"),
    # a patent-office style sheet: 1-bit TIFF (CCITT G4) at 300 dpi, thin lines, large
    "sneaker-drawing": _Sample("shoe", "perspective", "tiff", "Court sneaker (perspective drawing)",
                               "SNK-4004-D", size=1800, width=5),
}
#: The catalogue's products (the TIFF sheet is a second view of the sneaker, not a product of its own).
_CATALOGUE = ("desk-lamp", "armchair", "kettle", "sneaker", "water-bottle", "tote-bag", "wristwatch")

_lock = threading.Lock()


def names() -> list[str]:
    """The names of the sample images, in catalogue order.

    Returns
    -------
    list of str

    Examples
    --------
    >>> from patsnap_pandas import samples
    >>> "desk-lamp" in samples.names(), "sneaker-drawing" in samples.names()
    (True, True)
    """
    return list(_SAMPLES)


@lru_cache(maxsize=1)
def _version() -> str:
    """Digest of the drawing code and this module: a changed drawing never reuses an old file."""
    from .sandbox import draw

    h = hashlib.sha256()
    for module_file in (draw.__file__, __file__):
        h.update(Path(module_file).read_bytes())
    return h.hexdigest()[:12]


def _draw(name: str) -> Image.Image:
    from .sandbox import draw  # the product templates (pure Pillow drawing, no server)

    spec = _SAMPLES[name]
    params = draw.family_params(random.Random(f"patsnap-pandas-sample-{spec.kind}-{spec.seed}"))
    img = draw.render(draw.polylines(spec.kind, params, spec.view), size=spec.size, width=spec.width)
    return img.convert("1") if spec.fmt == "tiff" else img


def _folder() -> Path:
    """The samples folder under the cache folder, or under the temp folder when that is read-only."""
    user = f"-{os.getuid()}" if hasattr(os, "getuid") else ""
    for base in (config.cache_dir(), Path(tempfile.gettempdir()) / f"patsnap-pandas{user}"):
        folder = base / "samples" / _version()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            return folder
    raise OSError("no writable folder for the sample images: set PATSNAP_CACHE_DIR to one")


def image(name: str) -> Path:
    """The path of sample image ``name`` (drawn and written on first use).

    Parameters
    ----------
    name : str
        One of :func:`names`: ``"desk-lamp"``, ``"armchair"``, ``"kettle"``,
        ``"sneaker"``, ``"water-bottle"``, ``"tote-bag"``, ``"wristwatch"`` (PNG
        line drawings) or ``"sneaker-drawing"`` (a 1-bit TIFF drawing sheet).

    Returns
    -------
    pathlib.Path
        A PNG or TIFF file in the package's cache folder.

    Raises
    ------
    InvalidInputError
        When ``name`` is not a sample name.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> lamp = samples.image("desk-lamp")
    >>> lamp.suffix, lamp.is_file()
    ('.png', True)
    >>> samples.image("sneaker-drawing").suffix
    '.tiff'
    >>> hits = search_designs(lamp, client=PatsnapClient.sandbox(), limit=5)
    >>> hits["loc"].str[0].tolist()              # registered lamps (Locarno 26-05) come first
    ['26-05', '26-05', '26-05', '26-05', '26-05']
    """
    check_choice(name, "name", _SAMPLES, what="sample image")
    spec = _SAMPLES[name]
    path = _folder() / f"{name}.{spec.fmt}"
    if path.is_file():
        return path
    with _lock:
        if not path.is_file():
            img = _draw(name)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            if spec.fmt == "tiff":
                img.save(tmp, format="TIFF", compression="group4", dpi=(300, 300))
            else:
                img.save(tmp, format="PNG")
            os.replace(tmp, path)
    return path


def catalogue() -> pd.DataFrame:
    """A small product catalogue: one row per product, with the path of its image.

    Columns: ``sku``, ``name``, ``category`` (the product kind) and ``image_path``
    (a str path, ready for ``df.patsnap.search_each("image_path")``).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> from patsnap_pandas import samples
    >>> products = samples.catalogue()
    >>> products[["sku", "name"]].head(3)
            sku              name
    0  LMP-1001     Arc desk lamp
    1  CHR-2002   Lounge armchair
    2  KTL-3003  Gooseneck kettle
    >>> bool(products["image_path"].str.endswith(".png").all())
    True
    """
    rows = [{"sku": _SAMPLES[n].sku, "name": _SAMPLES[n].title, "category": _SAMPLES[n].kind,
             "image_path": str(image(n))} for n in _CATALOGUE]
    return pd.DataFrame(rows, columns=["sku", "name", "category", "image_path"])
