"""The mentor directory: where discovery (GET /mentors, suggestions) finds mentors.

A mentor has entries under DIR#ALL, DIR#FW#<framework> and DIR#GOAL#<goal> exactly while they are
accepting and have a free slot. Entries are derived from the profile and written in the same
transaction as every change to it, so the directory never disagrees with the mentors' load.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from pynamodb.transactions import TransactWrite

from . import db, keys
from .models import DirectoryEntry, UserItem

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

# Entries sort by a zone's standard (January) offset, so daylight saving does not move them.
_REFERENCE_MOMENT = datetime(2026, 1, 15, 12, 0)


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo:
    # ZoneInfo keeps only its last 8 zones alive; past that it re-reads the tzdata file. Imported
    # on first use, with the tzdata lookup it sets up, to keep cold starts cheap.
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


@lru_cache(maxsize=512)
def standard_offset_minutes(timezone: str) -> int:
    offset = _zone(timezone).utcoffset(_REFERENCE_MOMENT)
    return int(offset.total_seconds() // 60) if offset is not None else 0


def current_offset_minutes(timezone: str, moment: datetime) -> int:
    offset = moment.astimezone(_zone(timezone)).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def is_listed(user: UserItem | None) -> bool:
    return (
        user is not None
        and user.role == "mentor"
        and bool(user.accepting)
        and int(user.active_mentees or 0) < int(user.capacity or 0)
    )


def partitions(user: UserItem) -> list[str]:
    return (
        [keys.DIRECTORY_ALL]
        + [keys.directory_framework(f) for f in user.frameworks]
        + [keys.directory_goal(g) for g in user.goals]
    )


def _entry_keys(user: UserItem | None) -> set[tuple[str, str]]:
    if not is_listed(user):
        return set()
    sort_key = keys.directory_sort(standard_offset_minutes(user.timezone), user.id)
    return {(partition, sort_key) for partition in partitions(user)}


def profiles_page(partition: str, *, limit: int, at_or_after: str | None = None, before: str | None = None,
                  descending: bool = False, start_key: dict | None = None) -> tuple[list[dict], dict | None]:
    """One Query of a directory partition: the entries with `sk >= at_or_after` or `sk < before`,
    in key order (or reversed), at most `limit` of them, resuming after `start_key` when given.

    Returns the entries' public profiles, in read order, and the LastEvaluatedKey (None when the
    partition has nothing more in that direction). Only `profile` is fetched: it carries everything
    scoring needs, and the response to parse is half the size of the whole entries.
    """
    condition = DirectoryEntry.sk >= at_or_after if before is None else DirectoryEntry.sk < before
    page = db.table_connection().query(
        partition,
        range_key_condition=condition,
        attributes_to_get=["profile"],
        scan_index_forward=not descending,
        limit=limit,
        exclusive_start_key=start_key,
    )
    return [json.loads(item["profile"]["S"]) for item in page.get("Items", ())], page.get("LastEvaluatedKey")


def sync(transaction: TransactWrite, before: UserItem | None, after: UserItem | None, public_profile: dict | None) -> None:
    """Add to `transaction` the deletes and puts that take the directory from `before` to `after`."""
    old, new = _entry_keys(before), _entry_keys(after)
    for pk, sk in sorted(old - new):
        transaction.delete(DirectoryEntry(pk, sk))
    for pk, sk in sorted(new):
        transaction.save(
            DirectoryEntry(
                pk,
                sk,
                mentor_id=after.id,
                profile=public_profile,
                frameworks=list(after.frameworks),
                goals=list(after.goals),
                languages=list(after.languages),
                timezone=after.timezone,
                active_mentees=int(after.active_mentees or 0),
                capacity=int(after.capacity),
                transition_story=after.transition_story,
            )
        )
