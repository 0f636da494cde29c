"""Suggestions: which mentors can take a mentee now, best first, with the reasons why.

Candidates come from the mentor directory (only mentors accepting with a free slot), read by the
mentee's target framework around their time zone: a bounded number of items whatever the pool's
size. Scoring itself is pure (chalicelib.scoring).
"""

from __future__ import annotations

from .. import clock, scoring
from ..errors import NotAllowed
from ..storage import directory, keys
from ..storage import matches as match_store
from ..storage.models import DirectoryEntry, UserItem

# Entries read on each side of the mentee's time zone, per framework partition.
CANDIDATES_PER_SIDE = 75
MAX_SUGGESTIONS = 20
# A mentee is not offered a mentor they are already with, or one who declined or ended with them.
_EXCLUDING_STATUSES = {"pending", "active", "declined", "ended"}


def needs_of(mentee: UserItem, moment=None) -> scoring.MenteeNeeds:
    moment = moment or clock.now()
    return scoring.MenteeNeeds(
        target_framework=mentee.target_framework,
        frameworks=tuple(mentee.frameworks or ()),
        goals=tuple(mentee.goals),
        utc_offset_minutes=directory.current_offset_minutes(mentee.timezone, moment),
        languages=tuple(mentee.languages),
    )


def offer_of(entry_or_user, moment=None) -> scoring.MentorOffer:
    moment = moment or clock.now()
    mentor_id = getattr(entry_or_user, "mentor_id", None) or entry_or_user.id
    return scoring.MentorOffer(
        mentor_id=mentor_id,
        frameworks=tuple(entry_or_user.frameworks),
        goals=tuple(entry_or_user.goals),
        utc_offset_minutes=directory.current_offset_minutes(entry_or_user.timezone, moment),
        languages=tuple(entry_or_user.languages),
        active_mentees=int(entry_or_user.active_mentees or 0),
        transition_story=entry_or_user.transition_story,
    )


def _nearest_in_partition(partition: str, offset_minutes: int) -> list[DirectoryEntry]:
    """The entries nearest a time zone offset in one directory partition: two bounded Queries."""
    floor = keys.directory_sort_floor(offset_minutes)
    later = DirectoryEntry.query(partition, DirectoryEntry.sk >= floor, limit=CANDIDATES_PER_SIDE,
                                 page_size=CANDIDATES_PER_SIDE)
    earlier = DirectoryEntry.query(partition, DirectoryEntry.sk < floor, scan_index_forward=False,
                                   limit=CANDIDATES_PER_SIDE, page_size=CANDIDATES_PER_SIDE)
    return list(later) + list(earlier)


def excluded_mentors(mentee: UserItem) -> set[str]:
    return {m.mentor_id for m in match_store.all_matches(mentee.id) if m.status in _EXCLUDING_STATUSES}


def rank_for(mentee: UserItem, limit: int) -> list[tuple[scoring.Scored, dict]]:
    """The best `limit` mentors who can take `mentee` now, with their public profiles."""
    moment = clock.now()
    needs = needs_of(mentee, moment)
    excluded = excluded_mentors(mentee)
    standard_offset = directory.standard_offset_minutes(mentee.timezone)
    profiles: dict[str, dict] = {}
    offers: dict[str, scoring.MentorOffer] = {}
    # Target framework first; widen to the mentee's other frameworks only when it yields too few.
    frameworks = [mentee.target_framework] + [f for f in (mentee.frameworks or []) if f != mentee.target_framework]
    for framework in frameworks:
        for entry in _nearest_in_partition(keys.directory_framework(framework), standard_offset):
            if entry.mentor_id in excluded or entry.mentor_id in offers:
                continue
            offers[entry.mentor_id] = offer_of(entry, moment)
            profiles[entry.mentor_id] = entry.profile
        if len(offers) >= limit:
            break
    ranked = scoring.rank_mentors(needs, offers.values(), limit=limit)
    return [(scored, profiles[scored.mentor_id]) for scored in ranked]


def suggest_mentors(mentee: UserItem, limit: int) -> dict:
    """GET /matches/suggestions: mentors who can take the mentee now, best first."""
    if mentee.role != "mentee":
        raise NotAllowed("role: only mentees get mentor suggestions")
    return {
        "suggestions": [
            {"mentor": profile, "score": scored.score, "reasons": list(scored.reasons)}
            for scored, profile in rank_for(mentee, limit)
        ]
    }
