"""The sandbox's design corpus: generated line drawings or a folder of real drawings.

A :class:`Corpus` is a list of :class:`Design` records plus a way to get each
design's images by key. Two sources:

- :func:`generated_corpus`: deterministic from a seed; products of 16 Locarno
  classes drawn with Pillow as families of near variants, with realistic
  bibliographic data (see :mod:`.draw` and :mod:`.metadata`).
- :func:`~patsnap_pandas.sandbox.folder_corpus.directory_corpus`: a folder of real drawings
  described by a ``manifest.csv`` (its own module, :mod:`.folder_corpus`).

Each corpus has a ``fingerprint`` (a hex digest of its images and metadata)
that keys the on-disk feature cache of :class:`~.index.ImageIndex`.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import functools
import hashlib
import io
import json
import os
import random
import threading
import types
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import PIL
from PIL import Image

from . import draw, legal, metadata
from .legal import LegalHistory

GENERATOR_VERSION = "g2"  # bump when drawings or metadata generation change
PNG_MAX_SIDE = 1024
CORPUS_NAMESPACE = uuid.UUID("5b0f4d2e-6c1a-4d55-9a57-3f1c2b7d9e01")  # uuid5 namespace of directory corpora
#: The environment variable of the sandbox cache folder. Its row in the one table of settings is
#: patsnap_pandas.config.SETTINGS["sandbox_cache_dir"]; the sandbox imports nothing of the client, so
#: the name is spelled here too, and tests/client/test_config.py checks that the two agree.
CACHE_DIR_ENV = "PATSNAP_SANDBOX_CACHE_DIR"


def sandbox_cache_dir(cache_dir: str | Path | None = None) -> Path:
    """The sandbox cache folder: `cache_dir`, else env PATSNAP_SANDBOX_CACHE_DIR,
    else ``platformdirs.user_cache_dir("patsnap-pandas")/sandbox``.

    It holds the generated corpora's fingerprints and the image features of every
    corpus indexed so far (computed once, then read in milliseconds).

    Examples
    --------
    >>> sandbox_cache_dir("my-sandbox-cache")
    PosixPath('my-sandbox-cache')
    """
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("patsnap-pandas")) / "sandbox"


@dataclass(frozen=True)
class Design:
    """One registered design (what PatSnap calls a patent), its image keys and its legal history.

    ``assignees`` are the current owners (after every transfer of the history, all dated on or
    before the corpus' reference date, 2025-06-30), ``applicants`` the original ones. What
    changes with the date, the sandbox reads from ``legal_history`` as of its ``today``:
    :meth:`legal_status_on`, :meth:`simple_legal_status_on`, :meth:`in_force_on`,
    :meth:`assignees_on`.

    Examples
    --------
    >>> import datetime as dt
    >>> design = generated_corpus().designs[0]
    >>> design.patent_pn.startswith(design.authority), design.lang in ("en", "zh", "ja", "ko")
    (True, True)
    >>> design.to_json()["apply_date"] == design.apply_date.isoformat()
    True
    >>> design.legal_history.rule, design.legal_history.expiry
    ('CN design patent: 10 years from filing (filed before 2021-06-01)', datetime.date(2028, 2, 24))
    >>> design.in_force_on(dt.date(2026, 12, 7)), design.simple_legal_status_on(dt.date(2028, 2, 25))
    (True, 0)
    """

    patent_id: str
    patent_pn: str
    authority: str
    title: str
    lang: str
    assignees: tuple[str, ...]
    applicants: tuple[str, ...]
    inventors: tuple[str, ...]
    loc: tuple[str, ...]
    apno: str
    apply_date: dt.date
    publication_date: dt.date
    grant_date: dt.date | None
    image_keys: tuple[str, ...]
    legal_history: LegalHistory
    agents: tuple[str, ...] = ()
    examiners: tuple[str, ...] = ()

    def to_json(self) -> dict:
        """JSON-safe dict (dates as ISO strings, tuples as lists, the legal history as a dict)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        for k, v in out.items():
            if isinstance(v, dt.date):
                out[k] = v.isoformat()
            elif isinstance(v, tuple):
                out[k] = list(v)
        out["legal_history"] = self.legal_history.to_json()
        return out

    def legal_status_on(self, day: dt.date) -> int | None:
        """The ``codes.LEGAL_STATUS`` code on ``day`` (None before the filing date)."""
        return self.legal_history.legal_status_on(day)

    def simple_legal_status_on(self, day: dt.date) -> int:
        """The ``codes.SIMPLE_LEGAL_STATUS`` code on ``day`` (P041's label; 999 before the filing date)."""
        return self.legal_history.simple_legal_status_on(day)

    def in_force_on(self, day: dt.date) -> bool:
        """Whether the design right is in force on ``day``."""
        return self.legal_history.in_force_on(day)

    def assignees_on(self, day: dt.date) -> tuple[str, ...]:
        """The current assignees as of ``day`` (before a transfer: its assignors)."""
        return self.legal_history.owners_on(day, self.assignees)


def image_json(design: Design) -> dict:
    """What of a design the corpus fingerprint hashes: everything but its legal history (which no image feature
    depends on, so changing how histories are drawn never recomputes the image index)."""
    out = design.to_json()
    del out["legal_history"]
    return out


class Corpus:
    """Designs plus their images.

    Parameters
    ----------
    name : str
        ``"generated-seed0-n600"`` or ``"dir:/abs/path"``.
    designs : list of Design
    loader : callable
        ``key -> PIL.Image.Image``: the full image of an image key.
    fingerprint : str
        Hex digest of the corpus content (images + metadata).
    reducer : callable, optional
        ``(key, max_side) -> PIL.Image.Image``: a cheaper reduced image (used
        for indexing large sheets); defaults to loading and shrinking.
    png_cache_size : int
        How many PNG renderings :meth:`image_png` keeps in memory.

    Examples
    --------
    >>> corpus = generated_corpus()                 # what PatsnapClient.sandbox() serves
    >>> corpus
    Corpus(name='generated-seed0-n600', designs=600, images=..., fingerprint='...')
    >>> design = corpus.designs[0]
    >>> corpus.design(design.patent_id) is design
    True
    >>> corpus.image_png(design.image_keys[0])[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'

    A running sandbox's corpus is ``client.sandbox_server.corpus``.
    """

    def __init__(
        self,
        name: str,
        designs: list[Design],
        loader: Callable[[str], Image.Image],
        fingerprint: str,
        *,
        reducer: Callable[[str, int], Image.Image] | None = None,
        png_cache_size: int = 256,
    ) -> None:
        self.name = name
        self.fingerprint = fingerprint
        self.designs = designs
        self._loader = loader
        self._reducer = reducer
        self._by_id = {d.patent_id: d for d in designs}
        self._owner = {k: d for d in designs for k in d.image_keys}
        self._png: collections.OrderedDict[str, bytes] = collections.OrderedDict()
        self._png_size = png_cache_size
        self._lock = threading.Lock()
        # generated corpora only: product kind and family number per patent_id
        # (ground truth for tests and benchmarks; the index never sees them)
        self.kinds: dict[str, str] = {}
        self.families: dict[str, int] = {}
        self.colours: dict[str, str] = {}  # utility-model corpora: colour name per patent_id
        # generated corpora only: registered owners, spellings and multi-office families (OwnerTruth)
        self.owner_truth: OwnerTruth | None = None

    def __repr__(self) -> str:
        return f"Corpus(name={self.name!r}, designs={len(self.designs)}, images={len(self._owner)}, fingerprint={self.fingerprint[:12]!r})"

    def __len__(self) -> int:
        return len(self.designs)

    @property
    def image_keys(self) -> list[str]:
        """Every image key, design by design in corpus order."""
        return [k for d in self.designs for k in d.image_keys]

    def design(self, patent_id: str) -> Design | None:
        """The design with this patent id, or None."""
        return self._by_id.get(patent_id)

    def in_force_on(self, day: dt.date | str, markets: Iterable[str] | None = None) -> list[Design]:
        """The designs in force on ``day`` (a date or ``"YYYY-MM-DD"``), of the authorities ``markets`` if given.

        The sandbox's own truth, from each design's legal history (what P041/P013 report on that day).

        Examples
        --------
        >>> corpus = generated_corpus()
        >>> len(corpus.in_force_on("2026-12-07", ["EM"])) < len([d for d in corpus.designs if d.authority == "EM"])
        True
        """
        when = legal.as_date(day, "day")
        wanted = None if markets is None else {markets} if isinstance(markets, str) else set(markets)
        return [d for d in self.designs if (wanted is None or d.authority in wanted) and d.in_force_on(when)]

    def design_of_image(self, key: str) -> Design | None:
        """The design an image key belongs to, or None."""
        return self._owner.get(key)

    def _check_key(self, key: str) -> None:
        if key not in self._owner:
            raise KeyError(f"key={key!r}: not an image key of corpus {self.name!r}")

    def image(self, key: str) -> Image.Image:
        """The full image of `key` (any mode)."""
        self._check_key(key)
        return self._loader(key)

    def reduced_image(self, key: str, max_side: int = PNG_MAX_SIDE) -> Image.Image:
        """The image of `key`, shrunk (if needed) to at most `max_side` px on its long side."""
        self._check_key(key)
        if self._reducer is not None:
            return self._reducer(key, max_side)
        return shrink(self._loader(key), max_side)

    def image_png(self, key: str) -> bytes:
        """PNG bytes of the image of `key`, at most 1024 px on its long side (memoised, LRU)."""
        with self._lock:
            data = self._png.get(key)
            if data is not None:
                self._png.move_to_end(key)
                return data
        img = self.reduced_image(key, PNG_MAX_SIDE)
        buf = io.BytesIO()
        img.save(buf, format="PNG", optimize=False)
        data = buf.getvalue()
        with self._lock:
            self._png[key] = data
            while len(self._png) > self._png_size:
                self._png.popitem(last=False)
        return data


def to_standard_mode(img: Image.Image) -> Image.Image:
    """Convert exotic modes (1-bit, 16-bit, palette, CMYK, ...) to L, LA, RGB or RGBA."""
    if img.mode in ("L", "LA", "RGB", "RGBA"):
        return img
    if img.mode in ("1", "I", "I;16", "I;16B", "I;16L", "F"):
        return img.convert("L")
    if img.mode in ("P", "PA"):
        return img.convert("RGBA" if img.mode == "PA" or "transparency" in img.info else "RGB")
    return img.convert("RGB")


def shrink(img: Image.Image, max_side: int) -> Image.Image:
    """Shrink to at most `max_side` px on the long side (1-bit -> grayscale, box filter + Lanczos)."""
    img = to_standard_mode(img)
    if max(img.size) > max_side:
        img = img.copy()
        img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return img


# --- generated corpus ------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    kind: str
    params: tuple[tuple[str, float], ...]
    view: str
    width: int
    size: int
    tone: int = 0  # 0: black lines on white; else lines this grey on an off-white sheet (a lighter print)


@dataclass
class OwnerTruth:
    """What the generator knows of owners and multi-office families (for tests; never served over the API).

    ``owners`` and ``original_owners``: patent_id -> the registered names of its current owners and of its
    applicants (:data:`metadata.OWNERS` names); ``names``: every spelling a design was filed under -> the
    registered name it stands for; ``office_families``: patent_id -> the number of its multi-office family
    (the same design registered in several offices within the priority year; a design registered in one
    office is a family of its own).

    Examples
    --------
    >>> corpus = generated_corpus()
    >>> truth = corpus.owner_truth
    >>> design = corpus.designs[1]
    >>> truth.names[design.assignees[0]] in truth.owners[design.patent_id]   # a spelling of its registered owner
    True
    >>> same = [d.authority for d in corpus.designs
    ...         if truth.office_families[d.patent_id] == truth.office_families[design.patent_id]]
    >>> len(same) == len(set(same))                                          # one registration per office
    True
    """

    owners: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    original_owners: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    names: dict[str, str] = dataclasses.field(default_factory=dict)
    office_families: dict[str, int] = dataclasses.field(default_factory=dict)

    def spell(self, registered: tuple[str, ...], authority: str, rng: random.Random) -> tuple[str, ...]:
        """The names ``registered`` as filed at ``authority`` (one spelling each), remembered in ``names``."""
        out = []
        for name in registered:
            self.names.setdefault(name, name)
            spelled = metadata.name_variant(metadata.filed_name(metadata.OWNER_BY_NAME[name], authority), rng)
            if self.names.setdefault(spelled, name) != name:  # a spelling two companies share: a generator bug
                raise AssertionError(f"{spelled!r} spells both {self.names[spelled]!r} and {name!r}")
            out.append(spelled)
        return tuple(out)


_DRAW_SEED = "patsnap-sandbox-g1"  # the main draw's seed: unchanged since g1, so designs keep their numbers
P_OTHER_OFFICE = 0.2  # a member is the previous member registered in another office (a multi-office family)
PRIORITY_DAYS = 330  # copies are filed within this many days of the family's first filing (< 12 months)


@dataclass
class _Filed:
    """One design's drawn facts that a registration of it in another office repeats."""

    params: dict
    views: tuple[str, ...]
    inventors: tuple[str, ...]
    assignees: tuple[str, ...]
    applicants: tuple[str, ...]
    offices: list[str]
    priority: dt.date
    family: int


def _other_office(previous: _Filed, own: random.Random, serial: int, used_pn: set[str], kind: str):
    """(authority, apply, publication, grant, status, pn, apno, title, lang) of ``previous`` filed in another office."""
    free = [a for a in metadata.AUTHORITIES if a not in previous.offices]
    authority = own.choices(free, weights=[metadata.AUTHORITIES[a][0] for a in free])[0]
    apply_date = min(previous.priority + dt.timedelta(days=own.randint(0, PRIORITY_DAYS)), metadata.LAST_APPLY)
    apply_date, pub, grant, status, _ = metadata.dates_and_status(authority, own, apply_date)
    pn, apno = metadata.numbers(authority, apply_date, serial, own)
    bump = serial
    while pn in used_pn:
        bump += 100_003
        pn, apno = metadata.numbers(authority, apply_date, bump, own)
    title, lang = metadata.title_for(kind, authority, own)
    return authority, apply_date, pub, grant, status, pn, apno, title, lang


def _generate(size: int, seed: int) -> tuple[list[Design], dict[str, _Spec], dict[str, int], OwnerTruth]:
    """Designs, drawing specs, families of similar designs and the owner truth of a generated corpus: a pure
    function of (size, seed).

    The main draw (``rng``) runs as it always did, so numbers, dates, drawings and statuses stay put; owners,
    their spellings and registrations in other offices come from a stream of their own (``own``).
    """
    rng = random.Random(f"{_DRAW_SEED}-{seed}")
    own = random.Random(f"patsnap-sandbox-owners-{GENERATOR_VERSION}-{seed}")
    kinds = list(draw.TEMPLATES)
    designs: list[Design] = []
    specs: dict[str, _Spec] = {}
    families: dict[str, int] = {}
    truth = OwnerTruth()
    used_pn: set[str] = set()
    serial = 0
    family = 0
    office_family = 0
    while len(designs) < size:
        kind = kinds[family % len(kinds)]  # round robin: every class gets its share
        family += 1
        base = draw.family_params(rng)
        members = min(rng.randint(2, 6), size - len(designs))
        leaning = rng.choice(metadata.LEANING)  # the draw that once picked a random owner
        company = metadata.pick_owner(kind, leaning, own)
        width = rng.choice((2, 3, 3, 4))
        previous: _Filed | None = None
        for _ in range(members):
            serial += 1
            params = draw.member_params(base, rng)
            authority = leaning if rng.random() < 0.6 else metadata.pick_authority(rng)
            # `status` says only whether a design never granted is pending or was refused (legal.py draws the rest)
            apply_date, pub, grant, status, _ = metadata.dates_and_status(authority, rng)
            pn, apno = metadata.numbers(authority, apply_date, serial, rng)
            while pn in used_pn:  # never happens for sane sizes; keeps pn unique regardless
                serial += 1
                pn, apno = metadata.numbers(authority, apply_date, serial, rng)
            title, lang = metadata.title_for(kind, authority, rng)
            inventors = tuple(metadata.person(metadata.AUTHORITIES[authority][1], rng) for _ in range(rng.randint(1, 3)))
            assignees: tuple[str, ...] = (company.name,)
            if rng.random() < 0.08:  # a co-owned design
                rng.choice(metadata.LEANING)  # the draw that once picked a random co-owner
                assignees += (metadata.pick_owner(kind, leaning, own, exclude=assignees).name,)
            applicants = assignees
            if rng.random() >= 0.9:  # filed by another maker, who sold it to the owner
                rng.choice(metadata.LEANING)
                applicants = (metadata.pick_owner(kind, leaning, own, exclude=assignees).name,)
            n_views = rng.choices((1, 2, 3, 4), weights=(25, 30, 25, 20))[0]
            views = ("front",) + tuple(rng.sample(draw.VIEWS[1:], n_views - 1))
            patent_id = metadata.new_uuid(rng)
            tone = 0
            if previous is not None and len(previous.offices) < len(metadata.AUTHORITIES) and own.random() < P_OTHER_OFFICE:
                authority, apply_date, pub, grant, status, pn, apno, title, lang = _other_office(
                    previous, own, serial, used_pn, kind)
                params, views, inventors = previous.params, previous.views, previous.inventors
                assignees, applicants = previous.assignees, previous.applicants
                if own.random() < 0.3:  # this office printed it lighter: a near-identical drawing
                    tone = own.choice((50, 70, 90))
                previous.offices.append(authority)
            else:
                office_family += 1
                previous = _Filed(params, views, inventors, assignees, applicants, [authority], apply_date,
                                  office_family)
            used_pn.add(pn)
            families[patent_id] = family
            truth.owners[patent_id], truth.original_owners[patent_id] = assignees, applicants
            truth.office_families[patent_id] = previous.family
            spelled_assignees, spelled_applicants = truth.spell(assignees, authority, own), truth.spell(applicants, authority, own)
            history = legal.generated_history(
                legal.Filing(patent_id, authority, apply_date, pub, grant, spelled_applicants, spelled_assignees,
                             transferred=set(applicants) != set(assignees)), status)
            agents, examiners = metadata.representatives(authority, random.Random(f"patsnap-sandbox-people-{patent_id}"))
            keys = []
            for v, view in enumerate(views, start=1):
                key = f"{patent_id}-{v}"
                specs[key] = _Spec(kind, tuple(sorted(params.items())), view, width, 512, tone)
                keys.append(key)
            designs.append(
                Design(
                    patent_id=patent_id,
                    patent_pn=pn,
                    authority=authority,
                    title=title,
                    lang=lang,
                    assignees=spelled_assignees,
                    applicants=spelled_applicants,
                    inventors=inventors,
                    loc=(draw.TEMPLATES[kind][1],),
                    apno=apno,
                    apply_date=apply_date,
                    publication_date=pub,
                    grant_date=grant,
                    image_keys=tuple(keys),
                    legal_history=history,
                    agents=agents,
                    examiners=examiners,
                )
            )
    return designs, specs, families, truth


def source_digest(version: str, *modules: types.ModuleType) -> str:
    """Hex digest of ``version`` and the source files of ``modules``: the version of the code that made a
    cached file, so that an edited module never reuses a stale one (a frozen or zipped install, whose
    sources cannot be read, falls back on ``version`` alone).

    Examples
    --------
    >>> from patsnap_pandas.sandbox import features
    >>> source_digest("d5", features) == source_digest("d5", features) != source_digest("d6", features)
    True
    """
    h = hashlib.sha256(version.encode())
    for module in modules:
        try:
            h.update(Path(getattr(module, "__file__", None) or "").read_bytes())
        except OSError:
            pass
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def _generator_source_digest() -> str:
    """Digest of the drawing and metadata code, so an edited generator never reuses a stale fingerprint."""
    return source_digest(GENERATOR_VERSION, draw, metadata)


def _render_spec(spec: _Spec) -> Image.Image:
    lines = draw.polylines(spec.kind, dict(spec.params), spec.view)
    img = draw.render(lines, size=spec.size, width=spec.width)
    if spec.tone:  # lines `tone` grey, the sheet 248: the same drawing, printed lighter
        img = img.point(lambda v, t=spec.tone: round(t + v * (248 - t) / 255))
    return img


def _design_kinds(designs: list[Design], specs: dict[str, _Spec]) -> dict[str, str]:
    return {d.patent_id: specs[d.image_keys[0]].kind for d in designs}


def generated_corpus(size: int = 600, seed: int = 0, cache_dir: str | Path | None = None) -> Corpus:
    """A deterministic generated corpus of `size` designs.

    The fingerprint hashes every rendered image and all metadata; it is
    computed once and kept in ``<cache_dir>/corpus/<name>.json``.

    Parameters
    ----------
    size : int
        Number of designs (>= 1).
    seed : int
        Random seed; the same (size, seed) always gives the same corpus.
    cache_dir : str or Path, optional
        Sandbox cache folder (default: :func:`sandbox_cache_dir`).

    Examples
    --------
    >>> c = generated_corpus(60, seed=1)
    >>> len(c.designs)
    60
    """
    if not isinstance(size, int) or isinstance(size, bool):
        raise TypeError(f"size={size!r}: must be an integer >= 1")
    if size < 1:
        raise ValueError(f"size={size!r}: must be an integer >= 1")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed={seed!r}: must be an integer")
    designs, specs, families, truth = _generate(size, seed)
    name = f"generated-seed{seed}-n{size}"
    cache = sandbox_cache_dir(cache_dir) / "corpus" / f"{name}-{GENERATOR_VERSION}.json"
    meta_json = json.dumps([image_json(d) for d in designs], ensure_ascii=False, sort_keys=True)
    # everything that determines the pixels and the metadata: if it matches, the stored fingerprint is valid
    spec_json = json.dumps({k: dataclasses.astuple(v) for k, v in specs.items()}, sort_keys=True)
    meta_digest = hashlib.sha256((meta_json + spec_json + _generator_source_digest()).encode()).hexdigest()
    fingerprint = None
    try:
        saved = json.loads(cache.read_text(encoding="utf-8"))
        if saved.get("metadata_sha256") == meta_digest and saved.get("pillow") == PIL.__version__:
            fingerprint = str(saved["fingerprint"])
    except (OSError, ValueError, KeyError, AttributeError):  # missing or damaged (not a JSON object): recomputed
        pass
    if fingerprint is None:
        h = hashlib.sha256(meta_digest.encode())
        for key, spec in specs.items():
            img = _render_spec(spec)
            h.update(key.encode())
            h.update(f"{img.mode}{img.size}".encode())
            h.update(img.tobytes())
        fingerprint = h.hexdigest()
        _atomic_write(
            cache,
            json.dumps(
                {"name": name, "generator": GENERATOR_VERSION, "pillow": PIL.__version__, "metadata_sha256": meta_digest, "fingerprint": fingerprint, "designs": len(designs), "images": len(specs)},
                indent=1,
            ),
        )

    def loader(key: str) -> Image.Image:
        return _render_spec(specs[key])

    corpus = Corpus(name, designs, loader, fingerprint)
    corpus.kinds = _design_kinds(designs, specs)
    corpus.families = families
    corpus.owner_truth = truth
    return corpus


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def load_corpus(corpus: Corpus | str | Path | None = None, *, size: int = 600, seed: int = 0, cache_dir: str | Path | None = None) -> Corpus:
    """None -> :func:`generated_corpus` (size, seed); str/Path -> :func:`directory_corpus`; Corpus -> itself.

    Examples
    --------
    >>> load_corpus(size=60, seed=1).name
    'generated-seed1-n60'
    >>> corpus = load_corpus()
    >>> load_corpus(corpus) is corpus
    True
    """
    if corpus is None:
        return generated_corpus(size, seed, cache_dir)
    if isinstance(corpus, Corpus):
        return corpus
    if isinstance(corpus, (str, Path)):
        from .folder_corpus import directory_corpus  # the folder's reader stands on this module

        return directory_corpus(corpus)
    raise TypeError(f"corpus={corpus!r}: expected None, a folder path or a Corpus")


__all__ = ["Corpus", "Design", "OwnerTruth", "generated_corpus", "load_corpus", "sandbox_cache_dir", "source_digest"]
