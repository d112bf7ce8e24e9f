"""A corpus of real drawings: a folder of images described by a ``manifest.csv``.

:func:`directory_corpus` reads the manifest (one row per image; one design per ``group_id``,
else ``patent_number``), orders each design's images front page first, adds what a USPTO grant
XML next to the images says (inventors, assignees, application number), and refuses any file
that lies outside the folder (the sandbox serves every image of its corpus over HTTP).
:func:`format_pn` turns a manifest's patent number into PatSnap's publication number.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

from PIL import Image

from . import legal, metadata
from .corpus import CORPUS_NAMESPACE, Corpus, Design, shrink

__all__ = ["directory_corpus", "format_pn"]

_VIEW_SHEET = re.compile(r"drawing_sheet_(\d+)$")
_COUNTRY_SUFFIX = re.compile(r"\s*\(([A-Z]{2})\)\s*$")


def format_pn(number: str) -> tuple[str, str]:
    """(PatSnap publication number, authority) of a manifest patent number.

    ``D907292`` / ``D0907292`` -> ``("USD907292S", "US")``; numbers that already
    start with an authority code are kept as they are.

    Examples
    --------
    >>> format_pn("D0907292"), format_pn("CN305000007S")
    (('USD907292S', 'US'), ('CN305000007S', 'CN'))
    """
    n = number.strip().replace(",", "")
    m = re.fullmatch(r"(?:US)?D0*(\d+)(?:S\d?)?", n, flags=re.IGNORECASE)
    if m:
        return f"USD{m.group(1)}S", "US"
    m = re.match(r"([A-Z]{2})", n)
    if m:
        return n, m.group(1)
    raise ValueError(f"patent_number={number!r}: expected a US design number like 'D907292' or a number starting with an authority code")


def _parse_date(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{field}={value!r}: expected an ISO date (YYYY-MM-DD)")


def _view_order(view: str) -> tuple[int, int]:
    if view == "front_page_representative":
        return (0, 0)
    m = _VIEW_SHEET.match(view or "")
    return (1, int(m.group(1))) if m else (2, 0)


def _inside(files: list[Path], root: Path) -> list[Path]:
    """``files`` that really lie inside ``root`` (a link leading out is left out)."""
    return [f for f in files if f.resolve().is_relative_to(root)]


def _xml_extras(folder: Path, corpus_root: Path) -> dict:
    """Inventors, assignees and application number from a USPTO grant XML, if present."""
    out: dict = {}
    xmls = _inside(sorted(folder.glob("*.XML")) + sorted(folder.glob("*.xml")), corpus_root)
    if not xmls:
        return out
    try:
        root = ET.parse(xmls[0]).getroot()
    except (ET.ParseError, OSError):
        return out
    inventors = []
    for inv in root.iter("inventor"):
        first, last = inv.findtext(".//first-name") or "", inv.findtext(".//last-name") or ""
        if first or last:
            inventors.append(f"{first} {last}".strip())
    if inventors:
        out["inventors"] = tuple(inventors)
    assignees = [a.findtext(".//orgname") or " ".join(filter(None, (a.findtext(".//first-name"), a.findtext(".//last-name")))) for a in root.iter("assignee")]
    assignees = [a for a in assignees if a]
    if assignees:
        out["assignees"] = tuple(assignees)
    apno = root.findtext("./us-bibliographic-data-grant/application-reference/document-id/doc-number")
    if apno:
        out["apno"] = f"US{apno}"
    agents = [_name_of(a) for a in root.iter("agent")]
    if any(agents):
        out["agents"] = tuple(a for a in agents if a)
    examiners = [_name_of(e) for tag in ("primary-examiner", "assistant-examiner") for e in root.iter(tag)]
    if any(examiners):
        out["examiners"] = tuple(e for e in examiners if e)
    return out


def _name_of(element: ET.Element) -> str:
    """An organisation's name, else "first last", of a USPTO XML party."""
    org = element.findtext(".//orgname")
    if org:
        return org.strip()
    return " ".join(filter(None, (element.findtext(".//first-name"), element.findtext(".//last-name")))).strip()


_LINE = "\x00line"  # key of a manifest row's line number (no CSV header holds a NUL)


def _confined(root: Path, row: dict) -> Path:
    """The image file of a manifest row, resolved, refused unless it lies inside ``root``.

    No absolute path, no ``..`` and no link may lead out of the corpus folder: the sandbox
    serves every image of its corpus over HTTP.
    """
    name = row["file"] or ""
    where = f"manifest.csv line {row[_LINE]}: file={name!r}"
    rule = ("the sandbox serves only images inside the corpus folder; give each file as a path relative to "
            f"{root}, with no '..' and no link leading out of it")
    if Path(name).is_absolute() or name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        raise ValueError(f"{where} is an absolute path: {rule}")
    file = (root / name).resolve()
    if not file.is_relative_to(root):
        how = "'..' leads" if ".." in re.split(r"[/\\]", name) else f"a link leads (to {file})"
        raise ValueError(f"{where}: {how} out of the corpus folder: {rule}")
    if not file.is_file():
        raise ValueError(f"{where}: no such file under {root}")
    return file


def _manifest_groups(path: str | Path, root: Path) -> tuple[bytes, dict[str, list[dict]]]:
    """The bytes of ``root/manifest.csv`` and its rows by design (``group_id``, else ``patent_number``)."""
    manifest = root / "manifest.csv"
    if not manifest.is_file():
        raise ValueError(f"path={str(path)!r}: no manifest.csv in that folder")
    raw = manifest.read_bytes()
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    rows = []
    for row in reader:
        row[_LINE] = reader.line_num  # the row's line in manifest.csv, for messages
        rows.append(row)
    if not rows or "file" not in rows[0]:
        raise ValueError(f"path={str(path)!r}: manifest.csv needs a 'file' column and at least one row")
    groups: dict[str, list[dict]] = {}
    for row in rows:
        gid = (row.get("group_id") or row.get("patent_number") or "").strip()
        if not gid:
            raise ValueError(f"manifest.csv row {row.get('file')!r}: no group_id or patent_number")
        groups.setdefault(gid, []).append(row)
    return raw, groups


def directory_corpus(path: str | Path) -> Corpus:
    """A corpus of real drawings: a folder with a ``manifest.csv``.

    ``manifest.csv`` has one row per image: ``file`` (path relative to the folder) and
    ``patent_number`` (or ``group_id``) are required; ``title``, ``locarno``,
    ``grant_date``, ``filing_date``, ``publication_date``, ``applicant`` and ``view``
    (``front_page_representative`` or ``drawing_sheet_N``) are read when present.
    One design per ``group_id`` (else ``patent_number``); its images are ordered
    front page first, then drawing sheets by number. The manifest gives title,
    Locarno class, dates and applicant; a USPTO grant XML next to the images,
    if present, adds inventors, assignees and the application number.
    ``patent_id`` is a uuid5 of the publication number (stable across runs).

    Parameters
    ----------
    path : str or Path
        The folder (images may be TIFF, including 1-bit CCITT sheets, PNG or JPEG).

    Examples
    --------
    A folder of two drawings and its manifest:

    >>> import csv, pathlib, shutil
    >>> from patsnap_pandas import samples
    >>> folder = pathlib.Path("designs")
    >>> folder.mkdir()
    >>> for name, sample in (("chair", "armchair"), ("lamp", "desk-lamp")):
    ...     _ = shutil.copy(samples.image(sample), folder / f"{name}-1.png")
    >>> with open(folder / "manifest.csv", "w", newline="") as f:
    ...     rows = [["file", "patent_number", "title", "locarno", "grant_date", "applicant"],
    ...             ["chair-1.png", "D100001", "Chair", "06-01", "2021-01-05", "ACME Furniture (US)"],
    ...             ["lamp-1.png", "D100002", "Desk lamp", "26-05", "2021-02-09", "ACME Lighting (US)"]]
    ...     csv.writer(f).writerows(rows)
    >>> corpus = directory_corpus(folder)
    >>> [(d.patent_pn, d.title, d.assignees) for d in corpus.designs]
    [('USD100001S', 'Chair', ('ACME Furniture',)), ('USD100002S', 'Desk lamp', ('ACME Lighting',))]

    A sandbox serving it:

    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> with PatsnapClient.sandbox(corpus=folder) as client:
    ...     hits = search_designs(samples.image("armchair"), client=client)
    >>> hits["patent_pn"].tolist()
    ['USD100001S', 'USD100002S']
    """
    root = Path(path).expanduser().resolve()
    raw, groups = _manifest_groups(path, root)
    h = hashlib.sha256(raw)
    files: dict[str, Path] = {}
    designs: list[Design] = []
    for gid, members in groups.items():
        members.sort(key=lambda r: (_view_order(r.get("view", "")), r["file"]))
        first = members[0]
        pn, authority = format_pn(first.get("patent_number") or gid)
        keys = []
        for row in members:
            file = _confined(root, row)
            key = Path(row["file"]).stem
            if key in files:
                key = row["file"].replace("/", "_")
            files[key] = file
            keys.append(key)
            h.update(row["file"].encode())
            h.update(hashlib.sha256(file.read_bytes()).digest())
        folder = _confined(root, first).parent
        extras = _xml_extras(folder, root)
        for x in _inside(sorted(folder.glob("*.[Xx][Mm][Ll]")), root):
            h.update(x.read_bytes())
        applicant = _COUNTRY_SUFFIX.sub("", first.get("applicant") or "").strip()
        applicants = (applicant,) if applicant else ()
        grant = _parse_date(first.get("grant_date"), "grant_date")
        filing = _parse_date(first.get("filing_date"), "filing_date")
        publication = _parse_date(first.get("publication_date"), "publication_date") or grant or filing
        if publication is None:
            raise ValueError(f"manifest.csv group {gid!r}: needs grant_date, publication_date or filing_date")
        loc = tuple(x.strip() for x in (first.get("locarno") or "").replace(";", ",").split(",") if x.strip())
        assignees = extras.get("assignees", applicants)
        designs.append(
            Design(
                patent_id=str(uuid.uuid5(CORPUS_NAMESPACE, pn)),
                patent_pn=pn,
                authority=authority,
                title=(first.get("title") or "").strip(),
                lang=metadata.AUTHORITIES.get(authority, (0.0, "en"))[1],
                assignees=assignees,
                applicants=applicants,
                inventors=extras.get("inventors", ()),
                loc=loc,
                apno=extras.get("apno", ""),
                apply_date=filing or publication,
                publication_date=publication,
                grant_date=grant,
                image_keys=tuple(keys),
                legal_history=legal.registered_history(pn, authority, filing or publication, publication, grant, assignees),
                agents=extras.get("agents", ()),
                examiners=extras.get("examiners", ()),
            )
        )

    def loader(key: str) -> Image.Image:
        with Image.open(files[key]) as img:
            img.load()
            return img

    def reducer(key: str, max_side: int) -> Image.Image:
        with Image.open(files[key]) as img:
            if img.format == "JPEG":
                img.draft("L" if img.mode == "L" else "RGB", (max_side, max_side))
            img.load()
            return shrink(img, max_side)

    return Corpus(f"dir:{root}", designs, loader, h.hexdigest(), reducer=reducer)
