"""JSON shapes the sandbox returns for one design: P009 hit, P011/P012 items, P041/P013 items, P069 result.

Whatever changes with time (legal status, events, the current assignee) is read from the
design's legal history as of ``day``, the sandbox's ``today``.
"""

from __future__ import annotations

import datetime as dt
import re

from .. import codes
from . import legal

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


def _names(names) -> list[dict]:
    return [{"name": n} for n in names]


def bibliography_item(design, day: dt.date) -> dict:
    """One P011 ``simple-bibliography`` item (the current assignees as of ``day``)."""
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
                "assignees": _names(design.assignees_on(day)),
                "applicants": _names(design.applicants),
                "inventors": _names(design.inventors),
            },
            "application_reference": {"apno": design.apno, "date": ymd(design.apply_date)},
            "publication_reference": publication_reference(design),
            "dates_of_public_availability": availability,
            "classification_data": {"classification_loc": list(design.loc)},
        },
    }


def full_bibliography_item(design, day: dt.date) -> dict:
    """One P012 ``bibliography`` item: the P011 item plus agents, examiners, the empty parts a design
    lacks (abstracts, priority claims, citations) and ``exdt``, PatSnap's estimated expiry (see docs/sandbox.md)."""
    item = bibliography_item(design, day)
    bib = item["bibliographic_data"]
    bib["parties"].update(agents=_names(design.agents), examiners=_names(design.examiners))
    bib.update(
        abstracts=[],
        priority_claims=[],
        reference_cited_patents=[],
        related_documents=[],
        exdt=ymd(design.legal_history.exdt),
    )
    return item


def simple_legal_label(code: int) -> str:
    """``codes.SIMPLE_LEGAL_STATUS`` label as P041 writes it: "Active", "Pending", ..."""
    label = codes.SIMPLE_LEGAL_STATUS.get(code, "undetermined")
    return label[:1].upper() + label[1:]


def legal_status_item(design, day: dt.date) -> dict:
    """One P041 ``simple-legal-status`` item: the simple legal status on ``day``."""
    return {
        "patent_id": design.patent_id,
        "pn": design.patent_pn,
        "simple_legal_status": [simple_legal_label(design.simple_legal_status_on(day))],
    }


def legal_event(event) -> dict:
    """One item of P013's ``legal_events`` (the sandbox's shape: PatSnap documents none)."""
    code = event.legal_status
    item: dict = {"date": ymd(event.date)}
    if code is not None:
        item.update(type=codes.LEGAL_STATUS_LABELS[code], category="legal_status", legal_status_code=code)
    else:
        item.update(type=legal.EVENT_NAME[event.kind], category="event_status")
        roles = ("assignors", "assignees") if event.kind == "transfer" else ("licensors", "licensees")
        item.update({roles[0]: _names(event.parties_from), roles[1]: _names(event.parties_to)})
    if event.invented:
        item["sandbox_invented"] = True
    return item


def legal_item(design, day: dt.date) -> dict:
    """One P013 ``legal-status`` item: the statuses on ``day`` and the events up to it."""
    history = design.legal_history
    code = history.legal_status_on(day)
    events = history.until(day)
    kinds = [legal.EVENT_NAME[e.kind] for e in events if e.legal_status is None]
    return {
        "patent_id": design.patent_id,
        "pn": design.patent_pn,
        "patent_legal": {
            "simple_legal_status": [simple_legal_label(history.simple_legal_status_on(day))],
            "legal_status": [] if code is None else [codes.LEGAL_STATUS_LABELS[code]],
            "event_status": list(dict.fromkeys(kinds)),
            "legal_date": ymd(history.status_changed_on(day)),
            "legal_events": [legal_event(e) for e in events],
        },
    }


def number_result(design, day: dt.date) -> dict:
    """One P069 ``patent-search-pn`` result (names joined by ``"; "`` as in P060 hits)."""
    return {
        "pn": design.patent_pn,
        "patent_id": design.patent_id,
        "title": design.title,
        "apdt": ymd(design.apply_date),
        "apno": design.apno,
        "pbdt": ymd(design.publication_date),
        "inventor": "; ".join(design.inventors),
        "current_assignee": "; ".join(design.assignees_on(day)),
        "original_assignee": "; ".join(design.applicants),
    }
