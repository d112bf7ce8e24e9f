"""The sandbox's utility-model corpus: what P060/P061 search with ``patent_type="U"``.

Utility models (China's 实用新型, Japan's 実用新案, Korea's 실용신안) are a patent
type of their own: P009 never returns them, P060/P061 do with ``patent_type="U"``
(models 3 and 4). The sandbox generates them the way it generates designs (the
same product drawings, see :mod:`.draw`), with two differences:

- their numbers follow the utility-model formats: ``CN2xxxxxxxxU`` (application
  ``CN20xx2xxxxxxxx.x``), ``JP3xxxxxxU``, ``KR20xxxxxxxxxY1``; they carry no
  Locarno class (``loc`` is empty);
- the drawings are coloured (a few line colours, picked per utility model, so that
  one product family holds several colours): model 4 (shape and colour) can tell
  a red kettle from a blue one, model 3 (shape only) cannot.

The part is the same whatever corpus serves the designs (a folder of real design
drawings holds no utility models).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import random
from pathlib import Path

from PIL import Image, ImageOps

from . import corpus as _corpus
from . import legal

UTILITY_VERSION = "u1"  # bump when the generation changes
UTILITY_SIZE = 150  # utility models in the generated part
#: Line colours of the utility-model drawings (name -> RGB).
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (200, 30, 30),
    "blue": (30, 60, 200),
    "green": (20, 140, 50),
    "black": (0, 0, 0),
}
_AUTHORITIES = (("CN", 0.7), ("JP", 0.15), ("KR", 0.15))


def utility_numbers(authority: str, year: int, serial: int, rng: random.Random) -> tuple[str, str]:
    """(publication number, application number) of a utility model in the authority's format.

    Examples
    --------
    >>> import random
    >>> utility_numbers("CN", 2021, 7, random.Random(0))[0]
    'CN212055433U'
    """
    if authority == "CN":
        return f"CN2{(12_000_000 + serial * 7919) % 10**8:08d}U", f"CN{year}2{serial * 131 % 10**8:08d}.{rng.randrange(10)}"
    if authority == "JP":
        return f"JP3{(200_000 + serial * 37) % 10**6:06d}U", f"JP{year}{serial % 10**6:06d}U"
    if authority == "KR":
        return f"KR20{(4_000_000 + serial * 53) % 10**7:07d}Y1", f"KR20{year}{serial % 10**7:07d}"
    raise ValueError(f"authority={authority!r}: utility models are generated for CN, JP and KR")


def colour_of(key: str, colours: dict[str, str]) -> str:
    """The colour name of a utility-model image key (``colours``: patent_id -> colour)."""
    return colours[key.rsplit("-", 1)[0]]


def utility_corpus(size: int = UTILITY_SIZE, seed: int = 0) -> _corpus.Corpus:
    """The generated utility-model corpus (deterministic from ``size`` and ``seed``).

    Its ``colours`` attribute maps each patent_id to the colour its drawings use
    (ground truth for tests, never seen by the index).

    Examples
    --------
    >>> utility = utility_corpus(30)
    >>> model = utility.designs[0]
    >>> model.patent_pn[-1] in "U1", model.loc, utility.image(model.image_keys[0]).mode
    (True, (), 'RGB')
    """
    designs, specs, families, truth = _corpus._generate(size, seed + 7919)
    rng = random.Random(f"patsnap-sandbox-utility-{UTILITY_VERSION}-{seed}")
    names, weights = [n for n, _ in _AUTHORITIES], [w for _, w in _AUTHORITIES]
    out, colours = [], {}
    for serial, design in enumerate(designs, start=1):
        authority = rng.choices(names, weights)[0]
        pn, apno = utility_numbers(authority, design.apply_date.year, serial, rng)
        kind = specs[design.image_keys[0]].kind
        from . import metadata

        title, lang = metadata.title_for(kind, authority, rng)
        colours[design.patent_id] = rng.choice(list(COLOURS))
        facts = legal.Filing(design.patent_id, authority, design.apply_date, design.publication_date,
                             design.grant_date, design.applicants, design.assignees, utility=True,
                             transferred=truth.original_owners[design.patent_id] != truth.owners[design.patent_id])
        outcome = design.legal_history.legal_status_on(dt.date.max) or 1  # pending or refused, for the ungranted
        out.append(dataclasses.replace(design, patent_pn=pn, apno=apno, authority=authority, title=title,
                                       lang=lang, loc=(), legal_history=legal.generated_history(facts, outcome)))
    name = f"utility-seed{seed}-n{size}"
    h = hashlib.sha256(f"{name}-{UTILITY_VERSION}".encode())
    h.update(json.dumps([_corpus.image_json(d) for d in out], ensure_ascii=False, sort_keys=True).encode())
    h.update(json.dumps(colours, sort_keys=True).encode())
    h.update(json.dumps({k: dataclasses.astuple(v) for k, v in specs.items()}, sort_keys=True).encode())
    h.update(_corpus._generator_source_digest().encode())
    h.update(Path(__file__).read_bytes())

    def loader(key: str) -> Image.Image:
        spec = specs[key]
        gray = _corpus._render_spec(spec)
        return ImageOps.colorize(gray, black=COLOURS[colour_of(key, colours)], white=(255, 255, 255))

    result = _corpus.Corpus(name, out, loader, h.hexdigest())
    result.kinds = {d.patent_id: specs[d.image_keys[0]].kind for d in out}
    result.families = families
    result.colours = colours
    return result


__all__ = ["COLOURS", "utility_corpus", "utility_numbers"]
