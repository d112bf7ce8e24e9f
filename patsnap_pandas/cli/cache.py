"""``patsnap-pandas cache``: show, clear, repair the cache, and restore the count of billed calls.

``info`` shows the cache folder (and the team's Redis of ``$PATSNAP_CACHE_URL``) and the
billed calls counted against the budget; ``clear`` says what it would delete and asks;
``repair`` sets damaged files aside keeping every readable answer; ``restore-spending``
writes the count of billed calls back into a shared cache that lost it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from .. import config
from ..errors import CacheError
from ..store.base import Store
from ..store.budget import Budget, spending
from ..store.cache import cache_info as client_cache_info
from ..store.cache import clear_cache as client_clear_cache
from ..store.cache import clear_plan as client_clear_plan
from ..store.cache import repair_cache as client_repair_cache
from ..store.files import USAGE_FILE
from ..store.local import LocalStore
from .common import EXIT_FAILED, EXIT_OK, UsageError, _count, _size


def _spending(folder: str) -> dict[str, Any]:
    """Billed calls of today and this month counted in the folder, and the budget of ``$PATSNAP_BUDGET``."""
    try:
        return LocalStore(folder).usage_counter().report(Budget.parse(None))
    except CacheError as exc:
        return {"problem": str(exc)}


def _shared_backend() -> Store | None:
    """The team's Redis of $PATSNAP_CACHE_URL as a store, or None (CacheUnavailableError when it cannot be reached)."""
    url = config.resolve("cache_url")
    if url is None:
        return None
    from ..store.redis_backend import RedisBackend

    return RedisBackend(url)


def run_cache_info(args: argparse.Namespace) -> int:
    state = LocalStore(config.cache_dir()).info()
    state["usage"] = _spending(state["cache_dir"])
    shared = _shared_backend()
    if shared is not None:
        with contextlib.closing(shared):
            state["shared"] = shared.info()
            # counts the Redis lost: said, not shown as 0
            state["usage"] = spending(shared.usage_counter(), Budget.parse(None))
    if args.json:
        print(json.dumps(state, indent=2))
        return EXIT_OK
    source = config.env_name("cache_dir") if os.environ.get(config.env_name("cache_dir"), "").strip() \
        else "platform default"
    http, uploads, thumbs = state["http_cache"], state["uploads"], state["thumbnails"]
    print(f"cache folder  {state['cache_dir']} ({source})"
          + ("" if state["exists"] else ": does not exist yet, nothing cached"))
    if http.get("problem"):
        print(f"HTTP cache    unreadable: {http['problem']}")
    else:
        print(f"HTTP cache    {_count(http['responses'], 'response')}, {_size(http['bytes'])} ({http['file']})")
    if uploads.get("problem"):
        print(f"uploads       unreadable: {uploads['problem']}")
    else:
        print(f"uploads       {_count(uploads['remembered'], 'remembered upload URL')} ({uploads['file']})")
    print(f"thumbnails    {_count(thumbs['files'], 'file')}, {_size(thumbs['bytes'])} ({thumbs['directory']})")
    if "shared" in state:
        team = state["shared"]
        print(f"shared cache  {team['url']} ({config.env_name('cache_url')}): "
              f"{_count(team['http_responses'], 'response')}, {_count(team['uploads'], 'remembered upload URL')}, "
              f"{_count(team['thumbnails'], 'thumbnail')} ({_size(team['thumbnail_bytes'])} of "
              f"{_size(team['thumbnail_max_bytes'])})")
    usage, env = state["usage"], config.env_name("budget")
    if usage.get("problem"):
        print(f"billed calls  unreadable: {usage['problem']}")
        return EXIT_OK
    print(f"billed calls  {usage['spent_today']} today, {usage['spent_this_month']} this month (UTC; by everyone "
          f"sharing this {'Redis' if 'shared' in state else 'folder'})")
    budget = usage["budget"]
    if budget is None:
        print(f"budget        none set ({env}=500/day or 10000/month sets one)")
    else:
        ends = budget["resets_at"][:16].replace("T", " ")
        print(f"budget        {usage['budget_left']}: {_count(budget['limit'], 'billed call')} per "
              f"{budget['window']}, resets at {ends} UTC ({env})")
    return EXIT_OK


def _plan_lines(plan: dict[str, Any], team: dict[str, Any] | None) -> list[str]:
    """One line per part `cache clear` would delete: what, how much, where."""
    lines = []
    for part in plan["parts"]:
        if part["problem"]:
            what = f"damaged, deleted as it is: {part['problem']}"
        else:
            what = _count(part["count"], part["unit"]) + (f", {_size(part['bytes'])}" if part["bytes"] else "")
        lines.append(f"{part['part']:<14} {what} ({part['path']})")
    if team is not None and (team["http_responses"] or team["uploads"] or team["thumbnails"]):
        lines.append(f"{'shared cache':<14} {team['url']}: {_count(team['http_responses'], 'paid answer')}, "
                     f"{_count(team['uploads'], 'remembered upload')}, {_count(team['thumbnails'], 'thumbnail')} "
                     "for everyone sharing it")
    return lines


def _confirmed(question: str) -> bool:
    """The user's yes to ``question`` on a terminal; UsageError when there is no terminal to ask on."""
    if not (sys.stdin and sys.stdin.isatty()):
        raise UsageError("nothing was deleted: `cache clear` asks before deleting, and there is no terminal "
                         "to ask on; add --yes to delete without asking.")
    try:
        answer = input(question)
    except EOFError:
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def run_cache_clear(args: argparse.Namespace) -> int:
    plan = client_clear_plan()
    if plan["refused"] is not None:
        raise CacheError(**plan["refused"])
    folder = plan["cache_dir"]
    shared = _shared_backend()
    with contextlib.closing(shared) if shared is not None else contextlib.nullcontext():
        team = shared.info() if shared is not None else None
        lines = _plan_lines(plan, team)
        if not lines:
            print(f"nothing to clear in {folder}" + (f" or {team['url']}" if team else ""))
            return EXIT_OK
        print("`cache clear` deletes:")
        for line in lines:
            print("  " + line)
        print("It keeps the counts of billed calls (usage.sqlite). The next search of each image is billed again.")
        if not args.yes and not _confirmed("Delete them? [y/N] "):
            print("nothing was deleted")
            return EXIT_FAILED
        before = client_cache_info(folder)
        client_clear_cache(folder)
        if shared is not None and team is not None:
            shared.clear()
            print(f"cleared {team['url']}: {_count(team['http_responses'], 'cached response')}, "
                  f"{_count(team['uploads'], 'remembered upload')}, {_count(team['thumbnails'], 'thumbnail')} "
                  "(the usage counters and the budget stay)")
    damaged = [name for name, part in (("HTTP cache", before["http_cache"]), ("uploads", before["uploads"]))
               if part.get("problem")]
    print(f"cleared {folder}: {_count(before['http_cache']['responses'] or 0, 'cached response')}, "
          f"{_count(before['uploads']['remembered'] or 0, 'remembered upload')}, "
          f"{_count(before['thumbnails']['files'], 'thumbnail')} ({_size(before['thumbnails']['bytes'])})"
          + (f"; removed the damaged {' and '.join(damaged)} file" + ("s" if len(damaged) > 1 else "")
             if damaged else ""))
    return EXIT_OK


def run_cache_restore_spending(args: argparse.Namespace) -> int:
    from ..store.budget import restore_spending

    after = restore_spending(spent_today=args.spent_today, spent_this_month=args.spent_this_month)
    print(f"restored the count of billed calls in {config.env_name('cache_url')}: {after['spent_today']} today, "
          f"{after['spent_this_month']} this month (UTC); billed calls go on from there")
    return EXIT_OK


def run_cache_repair(args: argparse.Namespace) -> int:
    folder = config.cache_dir()
    repaired = client_repair_cache(folder)
    if not repaired:
        print(f"nothing to repair in {folder}: every cache file is readable")
        return EXIT_OK
    for item in repaired:
        print(f"set aside {item['file']} (it {item['problem']}) as {Path(item['kept_as']).name}")
    if any(Path(item["file"]).name == USAGE_FILE for item in repaired):
        print("the counts of billed calls of today and this month start again from 0")
    print("every readable cached answer is kept; `cache clear` deletes the damaged copies")
    return EXIT_OK
