"""Suggestions: which mentors can take a mentee now, best first, with the reasons why.

Candidates come from the mentor directory (only mentors accepting with a free slot), read by the
mentee's target framework around their time zone: at most 2 x CANDIDATES_PER_QUERY entries whatever
the pool's size (see `_read_target`). Scoring itself is pure (chalicelib.scoring).
"""

from __future__ import annotations

import heapq

from .. import clock, scoring
from ..errors import NotAllowed
from ..storage import directory, keys
from ..storage import matches as match_store
from ..storage.models import MatchItem, UserItem

# Directory entries read per Query. Within a zone entries sort by mentor id, which is also how ties
# are broken, so the best candidates of a crowded zone come first; a page this size still finds
# the exhaustive top 5 about 95 % of the time with 10,000 mentors (docs/PERFORMANCE.md).
CANDIDATES_PER_QUERY = 250
# Entries read on each side of the mentee's time zone when widening to another framework.
WIDENING_PER_SIDE = 75
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


class _Candidates:
    """The mentors read so far (excluded ones skipped), each with its score; reasons are only
    worked out for the mentors finally suggested."""

    def __init__(self, needs: scoring.MenteeNeeds, excluded: set[str], moment):
        self.needs = needs
        self.excluded = excluded
        self.moment = moment
        self._score = scoring.score_only(needs)
        self._ranked: dict[str, tuple] = {}  # mentor id -> (-score, active mentees, mentor id)
        self.offers: dict[str, scoring.MentorOffer] = {}
        self.profiles: dict[str, dict] = {}
        self._offsets: dict[str, int] = {}
        self._best_possible: int | None = None

    def add(self, profiles: list[dict]) -> None:
        for profile in profiles:
            mentor_id = profile["id"]
            if mentor_id in self.excluded or mentor_id in self.offers:
                continue
            offer = self._offer(profile)
            self.offers[mentor_id] = offer
            self.profiles[mentor_id] = profile
            self._ranked[mentor_id] = (-self._score(offer), offer.active_mentees, mentor_id)

    def _offer(self, profile: dict) -> scoring.MentorOffer:
        # The entry's profile is written with the entry (directory.sync), so it is as current as
        # the entry's own attributes; reading only the profile halves what a page costs to parse.
        zone = profile["timezone"]
        offset = self._offsets.get(zone)
        if offset is None:
            offset = self._offsets[zone] = directory.current_offset_minutes(zone, self.moment)
        return scoring.MentorOffer(
            mentor_id=profile["id"],
            frameworks=tuple(profile["frameworks"]),
            goals=tuple(profile["goals"]),
            utc_offset_minutes=offset,
            languages=tuple(profile["languages"]),
            active_mentees=int(profile.get("active_mentees") or 0),
            transition_story=profile.get("transition_story"),
        )

    def __len__(self) -> int:
        return len(self.offers)

    def _top(self, limit: int) -> list[tuple]:
        # The keys are scoring.sort_key's, so this is the order rank_mentors gives.
        return heapq.nsmallest(limit, self._ranked.values())

    def best(self, limit: int) -> list[scoring.Scored]:
        """The best `limit` candidates, best first, scored with their reasons."""
        return [scoring.score_mentor(self.needs, self.offers[key[2]]) for key in self._top(limit)]

    def cannot_improve(self, limit: int) -> bool:
        """True when `limit` candidates already have the best score any mentor could get and no
        mentees: nobody unread can score higher or be less busy."""
        if self._best_possible is None:
            self._best_possible = _best_possible_score(self.needs)
        top = self._top(limit)
        return len(top) == limit and all(key[0] == -self._best_possible and key[1] == 0 for key in top)


def _best_possible_score(needs: scoring.MenteeNeeds) -> int:
    """The score of a mentor who shares everything with the mentee, in the mentee's time zone."""
    ideal = scoring.MentorOffer(
        mentor_id="",
        frameworks=(needs.target_framework, *needs.frameworks),
        goals=tuple(needs.goals),
        utc_offset_minutes=needs.utc_offset_minutes,
        languages=tuple(needs.languages),
    )
    return scoring.score_mentor(needs, ideal).score


def _read_target(found: _Candidates, partition: str, offset_minutes: int, limit: int) -> None:
    """The target framework's partition from the mentee's time zone: at most three Queries and
    2 x CANDIDATES_PER_QUERY entries.

    The first reads upwards from the zone. Unless it already holds `limit` unbeatable candidates,
    the second reads the next page of the same zone when the first never left it (a crowded zone's
    next mentors are closer than any neighbour's), and the zones below otherwise. Time zones wrap
    around: when the first reached the end of the partition (the zones above are sparse), the
    zones just after the mentee's are at its start, and a third Query reads them with what the
    first left of its page.
    """
    floor = keys.directory_sort_floor(offset_minutes)
    page = CANDIDATES_PER_QUERY
    above, above_key = directory.profiles_page(partition, at_or_after=floor, limit=page)
    found.add(above)
    if found.cannot_improve(limit):
        return
    if above_key is not None and above_key["sk"]["S"].startswith(floor):
        more, _ = directory.profiles_page(partition, at_or_after=floor, limit=page, start_key=above_key)
        found.add(more)
        return
    below, below_key = directory.profiles_page(partition, before=floor, descending=True, limit=page)
    found.add(below)
    if above_key is None and below_key is not None and len(above) < page and not found.cannot_improve(limit):
        wrapped, _ = directory.profiles_page(partition, before=below_key["sk"]["S"], limit=page - len(above))
        found.add(wrapped)


def _read_around(found: _Candidates, partition: str, offset_minutes: int) -> None:
    floor = keys.directory_sort_floor(offset_minutes)
    later, _ = directory.profiles_page(partition, at_or_after=floor, limit=WIDENING_PER_SIDE)
    earlier, _ = directory.profiles_page(partition, before=floor, descending=True, limit=WIDENING_PER_SIDE)
    found.add(later)
    found.add(earlier)


def excluded_mentors(mentee: UserItem, matches: list[MatchItem] | None = None) -> set[str]:
    """Mentors the mentee has matched with (`matches`: their match copies, read when not given)."""
    if matches is None:
        matches = match_store.all_matches(mentee.id)
    return {m.mentor_id for m in matches if m.status in _EXCLUDING_STATUSES}


def rank_for(mentee: UserItem, limit: int, matches: list[MatchItem] | None = None) -> list[tuple[scoring.Scored, dict]]:
    """The best `limit` mentors who can take `mentee` now, with their public profiles."""
    moment = clock.now()
    found = _Candidates(needs_of(mentee, moment), excluded_mentors(mentee, matches), moment)
    standard_offset = directory.standard_offset_minutes(mentee.timezone)
    _read_target(found, keys.directory_framework(mentee.target_framework), standard_offset, limit)
    # Widen to the mentee's other frameworks only when the target framework has too few mentors
    # (two more Queries per framework: this is the one case over the budget of 4 calls).
    for framework in mentee.frameworks or []:
        if len(found) >= limit:
            break
        if framework != mentee.target_framework:
            _read_around(found, keys.directory_framework(framework), standard_offset)
    return [(scored, found.profiles[scored.mentor_id]) for scored in found.best(limit)]


def suggest_mentors(mentee: UserItem, limit: int, matches: list[MatchItem] | None = None) -> dict:
    """GET /matches/suggestions: mentors who can take the mentee now, best first.

    `matches` are the mentee's match copies when the caller already read them.
    """
    if mentee.role != "mentee":
        raise NotAllowed("role: only mentees get mentor suggestions")
    return {
        "suggestions": [
            {"mentor": profile, "score": scored.score, "reasons": list(scored.reasons)}
            for scored, profile in rank_for(mentee, limit, matches)
        ]
    }
