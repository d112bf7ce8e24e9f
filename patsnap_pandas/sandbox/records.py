"""JSON shapes the sandbox returns for one design: P009 hit, P011 item, P041 item."""

from __future__ import annotations

import datetime as dt
import re

from .. import codes

_PN = re.compile(r"^(?P<country>[A-Z]{2})(?P<doc>.+?)(?P<kind>[A-Z][0-9]?)?$")


def ymd(date: dt.date | None) -> int | None:
    """A date as PatSnap writes it in responses: int YYYYMMDD."""
    return None if date is None else date.year * 10000 + date.month * 100 + date.day


def hit_message(design, score: float, url: str, extras: bool) -> dict:
    """One ``patent_messages`` item. ``extras`` adds ``loc`` and ``apdt`` (see docs/sandbox.md)."""
    item = {
        "url": url,
        "score": score,
        "title": design.title,
        "patent_id": design.patent_id,
        "patent_pn": design.patent_pn,
    }
    if extras:
        item["loc"] = list(design.loc)
        item["apdt"] = ymd(design.apply_date)
    return item


def publication_reference(design) -> dict:
    m = _PN.match(design.patent_pn)
    doc = m.group("doc") if m else design.patent_pn[2:]
    kind = m.group("kind") if m else None
    return {
        "country": design.authority,
        "doc_number": doc,
        "kind": kind,
        "date": ymd(design.publication_date),
    }


def bibliography_item(design) -> dict:
    """One P011 ``simple-bibliography`` item."""
    availability = {}
    if design.grant_date is not None:
        availability["printed_with_granted"] = ymd(design.grant_date)
    return {
        "pn": design.patent_pn,
        "patent_id": design.patent_id,
        "bibliographic_data": {
            "patent_type": "DESIGN",
            "invention_title": [{"lang": design.lang, "text": design.title}],
            "parties": {
                "assignees": [{"name": n} for n in design.assignees],
                "applicants": [{"name": n} for n in design.applicants],
                "inventors": [{"name": n} for n in design.inventors],
            },
            "application_reference": {"apno": design.apno, "date": ymd(design.apply_date)},
            "publication_reference": publication_reference(design),
            "dates_of_public_availability": availability,
            "classification_data": {"classification_loc": list(design.loc)},
        },
    }


def simple_legal_label(code: int) -> str:
    """``codes.SIMPLE_LEGAL_STATUS`` label as P041 writes it: "Active", "Pending", ..."""
    label = codes.SIMPLE_LEGAL_STATUS.get(code, "undetermined")
    return label[:1].upper() + label[1:]


def legal_status_item(design) -> dict:
    """One P041 ``simple-legal-status`` item."""
    return {
        "patent_id": design.patent_id,
        "pn": design.patent_pn,
        "simple_legal_status": [simple_legal_label(design.simple_legal_status)],
    }
