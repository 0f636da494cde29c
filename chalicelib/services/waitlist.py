"""The waitlist: a mentee no mentor can take now waits, per target framework, first come first
served; when a mentor of that framework has a free slot, the longest-waiting mentee who can still
open a match with them gets a pending match (origin "waitlist", their message as the intro).

Joining, reading and leaving are requests (the routes); offers never are: they follow from the
table's change stream (chalicelib.events) — a mentor's free slots growing (`offer_to`), or a new
entry (`offer_for`). An offer opens the match in the same transaction as a request
(services.matches.open_pending_match), deleting the entry and the mentee's spot in it: an entry is
taken once, and the mentor's capacity holds, however offers and requests race.
"""

from __future__ import annotations

import heapq
import itertools
from typing import Iterator

from .. import clock
from ..errors import Conflict, NotAllowed, NotFound
from ..responses import WaitlistEnvelope, WaitlistPlace
from ..storage import directory, keys
from ..storage import users as user_store
from ..storage import waitlist as waitlist_store
from ..storage.models import UserItem, WaitlistEntry, WaitlistSpot
from .matches import MAX_OPEN_MATCHES, open_pending_match

# How many entries one offer_to looks at (skipping mentees who cannot match this mentor) and how
# many it reads per Query of a framework's queue; how many free mentors one offer_for tries.
MAX_EXAMINED = 100
PAGE = 10
MENTORS_PER_NEW_ENTRY = 25


def _mentee_only(user: UserItem) -> None:
    if user.role != "mentee":
        raise NotAllowed("role: only mentees wait for a mentor")


def _place(spot: WaitlistSpot) -> WaitlistEnvelope:
    return WaitlistEnvelope(waitlist=WaitlistPlace(
        framework=spot.framework,
        position=waitlist_store.position(spot.framework, spot.entry_sk),
        created_at=spot.created_at,
    ))


def spot_keys(user_id: str) -> list[tuple[str, str]]:
    """What the routes read with the token check: the caller's spot."""
    return [waitlist_store.spot_key(user_id)]


def join(mentee: UserItem, found: dict, body) -> WaitlistEnvelope:
    """POST /waitlist: `found` holds what was read with the token check (`spot_keys`)."""
    from .. import schemas  # on first use: building the pydantic models slows cold starts

    _mentee_only(mentee)
    request = schemas.parse(schemas.WaitlistRequest, body)
    if waitlist_store.spot_of(found, mentee.id) is not None:
        raise Conflict("waitlist: you are already on the waitlist")
    if int(mentee.open_matches or 0) >= MAX_OPEN_MATCHES:
        raise Conflict(f"mentee: at most {MAX_OPEN_MATCHES} open matches are allowed")
    entry, spot = waitlist_store.new_place(mentee.id, mentee.target_framework, request.message or None,
                                           clock.now_iso())
    waitlist_store.join(entry, spot)
    return _place(spot)


def get(mentee: UserItem, found: dict) -> WaitlistEnvelope:
    """GET /waitlist: the caller's place (404 when not waiting)."""
    _mentee_only(mentee)
    spot = waitlist_store.spot_of(found, mentee.id)
    if spot is None:
        raise NotFound("waitlist: you are not on the waitlist")
    return _place(spot)


def leave(mentee: UserItem, found: dict) -> None:
    """DELETE /waitlist: leave it (404 when not waiting, or when an offer took the place first)."""
    _mentee_only(mentee)
    spot = waitlist_store.spot_of(found, mentee.id)
    if spot is None or not waitlist_store.leave(spot):
        raise NotFound("waitlist: you are not on the waitlist")


# --- offers (from the change stream) -----------------------------------------------------------


def free_slots(user: UserItem | None) -> int:
    """A mentor's free slots: none unless accepting (and not hidden by reports or banned)."""
    if user is None or user.role != "mentor" or not user.accepting or user.hidden or user.banned:
        return 0
    return max(0, int(user.capacity or 0) - int(user.active_mentees or 0))


class _MentorFull(Exception):
    """The mentor has no free slot (or is gone, or stopped accepting): no more offers for them."""


class _Skip(Exception):
    """This entry is not for this mentor now: taken or left meanwhile, or its mentee cannot open
    a match with them (3 open matches, or one with this mentor already): it stays waiting."""


def _waiting(frameworks: list[str]) -> Iterator[WaitlistEntry]:
    """The entries of the frameworks' queues, oldest first across them (read lazily, by pages)."""

    def queue(framework: str) -> Iterator[WaitlistEntry]:
        after = None
        while True:
            entries, more = waitlist_store.oldest(framework, after=after, limit=PAGE)
            yield from entries
            if not more or not entries:
                return
            after = entries[-1].sk

    return heapq.merge(*(queue(f) for f in dict.fromkeys(frameworks)), key=lambda entry: entry.sk)


def _offer(entry: WaitlistEntry, mentor_id: str) -> None:
    """Open a pending match between the entry's mentee and the mentor, taking the entry. Raises
    _MentorFull or _Skip when it cannot."""
    spot_key = waitlist_store.spot_key(entry.mentee_id)
    profile_keys = (user_store.profile_key(entry.mentee_id), user_store.profile_key(mentor_id))
    pair_key = (keys.pair(entry.mentee_id, mentor_id), keys.PAIR)

    def read(_number: int):
        # Every attempt reads afresh, in one BatchGetItem: both users, the spot, the entry, the pair lock.
        found = user_store.read([*profile_keys, spot_key, (entry.pk, entry.sk), pair_key])
        people = user_store.users_of(found)
        mentee, mentor = people.get(entry.mentee_id), people.get(mentor_id)
        if free_slots(mentor) == 0:
            raise _MentorFull()
        if (entry.pk, entry.sk) not in found:
            raise _Skip()  # taken by another offer, or left
        if mentee is None:
            waitlist_store.drop(entry)  # the account was deleted (its spot went with it)
            raise _Skip()
        spot = waitlist_store.spot_of(found, entry.mentee_id)
        if spot is None or spot.entry_sk != entry.sk:
            raise _Skip()
        if pair_key in found or int(mentee.open_matches or 0) >= MAX_OPEN_MATCHES:
            raise _Skip()
        if mentee.hidden or mentee.banned or mentor_id in {*(mentee.blocked or ()), *(mentee.blocked_by or ())}:
            raise _Skip()  # hidden by reports, or one blocked the other: it waits for another mentor
        return mentee, mentor, [WaitlistEntry(entry.pk, entry.sk), WaitlistSpot(*spot_key)]

    try:
        open_pending_match(read, entry.message or None, "waitlist")
    except (Conflict, NotFound):
        raise _Skip() from None  # a pair lock taken meanwhile (the checks above ran on the same data)


def offer_to(mentor_id: str) -> int:
    """While the mentor has a free slot, offer it to the longest-waiting mentee (across the
    mentor's frameworks) who can open a match with them. Returns how many offers were made."""
    mentor = user_store.find_user(mentor_id)
    if free_slots(mentor) == 0:
        return 0
    offered = 0
    for entry in itertools.islice(_waiting(list(mentor.frameworks)), MAX_EXAMINED):
        try:
            _offer(entry, mentor_id)
        except _MentorFull:
            break
        except _Skip:
            continue
        offered += 1
    return offered


def offer_for(framework: str) -> int:
    """A mentee joined the framework's queue: mentors with a free slot may be waiting already
    (the framework's directory partition lists exactly those). Returns how many offers were made."""
    offered = 0
    candidates, _ = directory.candidates_page(keys.directory_framework(framework), limit=MENTORS_PER_NEW_ENTRY)
    for candidate in candidates:
        entries, _ = waitlist_store.oldest(framework, limit=1)
        if not entries:
            break
        offered += offer_to(candidate.mentor_id)
    return offered
