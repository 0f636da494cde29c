"""The mentor directory: where discovery (GET /mentors, suggestions) finds mentors.

A mentor has entries under DIR#ALL, DIR#FW#<framework> and DIR#GOAL#<goal> exactly while they are
accepting and have a free slot. An entry holds the mentor's listed attributes (`listing`: what their
public profile shows) and their goals, for GET /mentors' filter; the DIR#ALL and framework entries, which suggestions read, also hold a compact
`card` of what scoring needs and the mentor's load (suggestions prefer the less busy of two equal
mentors). So taking or freeing a slot
sets one number on each of those, and puts or deletes entries only when it fills the last slot or
frees it.
Every change is written in the same transaction as the user item it follows (conditioned on that
item's version), so the directory never disagrees with a mentor's profile, capacity or load.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from . import db, keys, paging
from .models import DirectoryEntry, UserItem

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from .transactions import Transaction

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
    """Accepting, with a free slot, and not hidden by reports or banned by an operator."""
    return (
        user is not None
        and user.role == "mentor"
        and bool(user.accepting)
        and int(user.active_mentees or 0) < int(user.capacity or 0)
        and not user.hidden
        and not user.banned
    )


def partitions(user: UserItem) -> list[str]:
    return (
        [keys.DIRECTORY_ALL]
        + [keys.directory_framework(f) for f in user.frameworks]
        + [keys.directory_goal(g) for g in user.goals]
    )


# The attributes of a mentor's user item that a listing shows (their public profile): copied into
# every directory entry, so listing and suggesting never read the user items.
LISTED_ATTRIBUTES = ("id", "role", "name", "bio", "timezone", "languages", "frameworks", "goals", "capacity",
                     "accepting", "years_in_ml", "transition_story", "moved_via")
_NUMBERS = {"capacity", "years_in_ml"}


def listing(user: UserItem) -> dict:
    """What a directory entry keeps of a mentor: the listed attributes as plain JSON values, and
    their reputation as the public profile shows it."""
    from .. import reputation

    values = {}
    for name in LISTED_ATTRIBUTES:
        value = getattr(user, name)
        if name in _NUMBERS and value is not None:
            value = int(value)
        elif isinstance(value, list):
            value = list(value)
        values[name] = value
    values["accepting"] = bool(values["accepting"])
    values["moved_via"] = values["moved_via"] or []
    values.update(reputation.public_values(user))
    return values


def standing(user: UserItem) -> int:
    """What the mentor's reputation adds to (or takes from) their rank (scoring.standing)."""
    from .. import reputation, scoring

    return scoring.standing(reputation.of(user))


def _entry_keys(user: UserItem | None) -> set[tuple[str, str]]:
    if not is_listed(user):
        return set()
    sort_key = keys.directory_sort(standard_offset_minutes(user.timezone), user.id)
    return {(partition, sort_key) for partition in partitions(user)}


class Candidate(NamedTuple):
    """A directory entry as suggestions read it: the mentor, their traits (what scoring reads: the
    card past the id, as text; many mentors share it, so suggestions score each distinct text
    once per request, see `traits_fields`), their load, their listing as JSON text (decoded
    only when suggested) and their standing (scoring.standing)."""

    mentor_id: str
    traits: str
    active_mentees: int
    profile_json: str
    standing: int = 0

    def listing(self) -> dict:
        return json.loads(self.profile_json)


def card(user: UserItem) -> str:
    """`<id>|<time zone>|<frameworks>|<goals>|<languages>` (lists comma-separated): the fields
    scoring reads, in a form much cheaper to parse than the profile (none of them can contain
    `|` or `,`: ids, vocabulary ids, IANA zone names and ISO 639-1 codes)."""
    return "|".join((user.id, user.timezone, ",".join(user.frameworks), ",".join(user.goals), ",".join(user.languages)))


def traits_fields(traits: str) -> list[str]:
    """A candidate's traits as `[time zone, frameworks, goals, languages]`, the lists still as
    text (see `listed`): each has few distinct values, however many mentors there are."""
    return traits.split("|")


def listed(text: str) -> tuple[str, ...]:
    """A list of a card (see `card`), parsed."""
    return tuple(text.split(",")) if text else ()


def _candidate_of_old_entry(item: dict) -> Candidate:
    """An entry written before entries had a card: what the card says, from the profile."""
    profile_json = item["profile"]["S"]
    profile = json.loads(profile_json)
    traits = "|".join((profile["timezone"], ",".join(profile["frameworks"]), ",".join(profile["goals"]),
                       ",".join(profile["languages"])))
    return Candidate(profile["id"], traits, _number(item, "active_mentees"), profile_json, _number(item, "standing"))


def _number(item: dict, name: str) -> int:
    value = item.get(name)
    return int(value["N"]) if value else 0


def _candidates(items: list[dict]) -> list[Candidate]:
    """The page's entries as candidates (a tight loop: a suggestion reads up to 500 of them)."""
    candidates = []
    for item in items:
        card = item.get("card")
        if card is None:
            candidates.append(_candidate_of_old_entry(item))
            continue
        mentor_id, traits = card["S"].split("|", 1)
        candidates.append(Candidate(mentor_id, traits, _number(item, "active_mentees"), item["profile"]["S"],
                                    _number(item, "standing")))
    return candidates


def candidates_page(partition: str, *, limit: int, at_or_after: str | None = None, before: str | None = None,
                    descending: bool = False, start_key: dict | None = None) -> tuple[list[Candidate], dict | None]:
    """One Query of DIR#ALL or a framework partition: the entries with `sk >= at_or_after` or
    `sk < before` (all of them when neither is given), in key order (or reversed), at most `limit`
    of them, resuming after `start_key`.

    Returns the candidates, in read order, and the LastEvaluatedKey (None when the partition has
    nothing more in that direction). Only `card`, `active_mentees`, `profile` and `standing` are fetched.
    """
    # The Query is spelled out rather than built by PynamoDB: its expression objects cost more
    # than this whole function otherwise does for a small page (storage/db.py).
    names = {"#pk": "pk", "#card": "card", "#load": "active_mentees", "#profile": "profile", "#standing": "standing"}
    values = {":pk": {"S": partition}}
    key_condition = "#pk = :pk"
    if before is not None or at_or_after is not None:
        names["#sk"] = "sk"
        values[":sk"] = {"S": before if before is not None else at_or_after}
        key_condition += " AND #sk < :sk" if before is not None else " AND #sk >= :sk"
    query = {
        "KeyConditionExpression": key_condition,
        "ProjectionExpression": "#card, #load, #profile, #standing",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": not descending,
        "Limit": limit,
    }
    if start_key:
        query["ExclusiveStartKey"] = start_key
    page = db.query(**query)
    return _candidates(page.get("Items", [])), page.get("LastEvaluatedKey")


def page_of_listings(partition: str, *, goal: str | None, limit: int,
                     start_key: dict | None) -> tuple[list[dict], dict | None]:
    """A page of the listings (`listing`) in a directory partition, in key order, and the next key;
    with `goal`, only the mentors who help with it (a filter: then a page reads at most 200
    entries and may be short, with a key to go on)."""
    values = {":pk": {"S": partition}}
    if goal is not None:
        values[":goal"] = {"S": goal}
    page = paging.fetch_page(
        key_condition="pk = :pk",
        values=values,
        filter_expression="contains(goals, :goal)" if goal is not None else None,
        limit=limit,
        start_key=start_key,
        max_read=200 if goal is not None else None,
    )
    return [json.loads(item["profile"]["S"]) for item in page.items], page.next_key


def _carries_load(partition: str) -> bool:
    return partition == keys.DIRECTORY_ALL or partition.startswith(keys.DIRECTORY_FRAMEWORK_PREFIX)


def sync(transaction: Transaction, before: UserItem | None, after: UserItem | None) -> None:
    """Add to `transaction` the writes that take the directory from `before` to `after`.

    Deletes the entries that go and puts those that come; puts them all when the public profile
    changed; and when only the load or the standing changed, sets them on the entries that carry
    them (a small update each, conditioned on the entry being there).
    """
    old, new = _entry_keys(before), _entry_keys(after)
    for pk, sk in sorted(old - new):
        transaction.delete(DirectoryEntry(pk, sk))
    if not new:
        return
    profile = listing(after)
    load, rank = int(after.active_mentees or 0), standing(after)
    kept = old & new if old and listing(before) == profile else set()
    summary = card(after)
    for pk, sk in sorted(new - kept):
        carries_load = _carries_load(pk)
        transaction.save(DirectoryEntry(
            pk, sk, profile=profile, goals=list(after.goals),
            card=summary if carries_load else None,
            active_mentees=load if carries_load else None,
            standing=rank if carries_load and rank else None,
        ))
    changes = {}
    if kept and load != int(before.active_mentees or 0):
        changes["active_mentees"] = load
    if kept and rank != standing(before):
        changes["standing"] = rank or None
    if changes:
        for pk, sk in sorted(kept):
            if _carries_load(pk):
                transaction.set_values(DirectoryEntry, pk, sk, changes, must_exist=True)
