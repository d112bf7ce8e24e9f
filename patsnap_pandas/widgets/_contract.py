"""TEMPORARY: the names of issue 11 (words.py, links.py) the panel uses, until that branch is merged."""
from __future__ import annotations

from typing import Any

from ..codes import AUTHORITIES

SANDBOX_BANNER = "SANDBOX \u2014 synthetic designs, not PatSnap data"
COLUMN_LABELS = {"rank": "Rank", "score": "Score", "patent_pn": "Patent number", "title": "Title",
                 "patent_id": "PatSnap id", "image_url": "Image link", "authority": "Authority",
                 "loc": "Locarno class", "apdt": "Applied", "pbdt": "Published",
                 "current_assignee": "Assignee", "original_assignee": "Original assignee"}


def is_sandbox(obj: Any) -> bool:
    attrs = getattr(obj, "attrs", obj)
    return bool(attrs.get("sandbox")) if hasattr(attrs, "get") else False


def authority_name(code: Any) -> str:
    return AUTHORITIES.get(str(code), str(code))


def public_record_url(patent_pn: str, authority: str) -> str | None:
    return None
