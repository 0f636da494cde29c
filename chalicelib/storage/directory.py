"""The mentor directory: where discovery (GET /mentors, suggestions) finds mentors.

A mentor has entries under DIR#ALL, DIR#FW#<framework> and DIR#GOAL#<goal> exactly while they are
accepting and have a free slot. Entries are derived from the profile and written in the same
transaction as every change to it, so the directory never disagrees with the mentors' load.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from pynamodb.transactions import TransactWrite

from . import keys
from .models import DirectoryEntry, UserItem

# Entries sort by a zone's standard (January) offset, so daylight saving does not move them.
_REFERENCE_MOMENT = datetime(2026, 1, 15, 12, 0)


@lru_cache(maxsize=512)
def standard_offset_minutes(timezone: str) -> int:
    offset = ZoneInfo(timezone).utcoffset(_REFERENCE_MOMENT)
    return int(offset.total_seconds() // 60) if offset is not None else 0


def current_offset_minutes(timezone: str, moment: datetime) -> int:
    offset = moment.astimezone(ZoneInfo(timezone)).utcoffset()
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
