"""Suggestions: which mentors can take a mentee now, best first, with the reasons why.

Candidates come from the mentor directory (only mentors accepting with a free slot), read by the
mentee's target framework around their time zone: at most 2 x CANDIDATES_PER_QUERY entries whatever
the pool's size (see `_read_target`). When the target framework has fewer mentors than asked for,
one more Query reads every listed mentor (see `_widen`). Scoring itself is pure (chalicelib.scoring).
"""

from __future__ import annotations

import heapq

from .. import clock, reputation, scoring
from ..errors import NotAllowed
from ..profiles import listed_profile
from ..responses import Suggestion, Suggestions
from ..storage import directory, keys
from ..storage import matches as match_store
from ..storage.models import MatchItem, UserItem

# Directory entries read per Query. Within a zone entries sort by mentor id, which is also how ties
# are broken, so the best candidates of a crowded zone come first; a page this size still finds
# the exhaustive top 5 about 95 % of the time with 10,000 mentors (docs/PERFORMANCE.md).
CANDIDATES_PER_QUERY = 250
# Entries of DIR#ALL read when the target framework has too few mentors.
WIDENING_LIMIT = 500
# Directory Queries per suggestions request at most: with the Query of the mentee's own items,
# the budget of 4 DynamoDB calls (docs/PERFORMANCE.md).
DIRECTORY_QUERIES = 3
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


def offer_of(mentor: UserItem, moment=None) -> scoring.MentorOffer:
    moment = moment or clock.now()
    return scoring.MentorOffer(
        mentor_id=mentor.id,
        frameworks=tuple(mentor.frameworks),
        goals=tuple(mentor.goals),
        utc_offset_minutes=directory.current_offset_minutes(mentor.timezone, moment),
        languages=tuple(mentor.languages),
        active_mentees=int(mentor.active_mentees or 0),
        moved_via=tuple(mentor.moved_via or ()),
        reputation=reputation.of(mentor),
    )


class _PerValue(dict):
    """Something worked out once per distinct key (a score, a part of one), on its first look-up."""

    def __init__(self, work_out):
        super().__init__()
        self._work_out = work_out

    def __missing__(self, value):
        result = self[value] = self._work_out(value)
        return result


class _Candidates:
    """The mentors read so far, each with its score; reasons are only worked out for the mentors
    finally suggested. Skipped: the excluded, and those who share neither a framework nor a goal
    with the mentee (they can only turn up when the read widens beyond the target framework).

    A score depends only on a card's traits (the card past the mentor id) and the moment. Many
    mentors share their traits; where they differ, each field still has few distinct values: a
    score is the sum of parts that each depend on one field (scoring.ScoreParts), each worked out
    once per distinct value, and the sum once per distinct traits text."""

    def __init__(self, needs: scoring.MenteeNeeds, excluded: set[str], moment):
        self.needs = needs
        self.excluded = excluded
        parts = scoring.score_parts(needs)
        mentee_goals = set(needs.goals)
        self._offsets = _PerValue(lambda zone: directory.current_offset_minutes(zone, moment))
        self._zone_points = _PerValue(lambda zone: parts.timezone(self._offsets[zone]))
        self._framework_points = _PerValue(lambda text: parts.frameworks(directory.listed(text)))
        self._goal_points = _PerValue(lambda text: parts.goals(directory.listed(text)))
        self._shares_a_goal = _PerValue(lambda text: not mentee_goals.isdisjoint(directory.listed(text)))
        self._language_points = _PerValue(lambda text: parts.languages(directory.listed(text)))
        self._scores = _PerValue(self._score_of)  # traits -> score (None: not a suggestion)
        # mentor id -> (-rank value, active mentees, mentor id, candidate): scoring.sort_key's order
        self._ranked: dict[str, tuple] = {}
        self._best_possible: int | None = None

    def _score_of(self, traits: str) -> int | None:
        zone, frameworks, goals, languages = directory.traits_fields(traits)
        points = self._framework_points[frameworks]
        if not points and not self._shares_a_goal[goals]:
            return None  # shares neither a framework nor a goal with the mentee: not a suggestion
        return points + self._goal_points[goals] + self._zone_points[zone] + self._language_points[languages]

    def add(self, candidates: list[directory.Candidate]) -> None:
        ranked, excluded, scores = self._ranked, self.excluded, self._scores
        for candidate in candidates:
            mentor_id, traits, load, _, standing = candidate
            if mentor_id in ranked or mentor_id in excluded:
                continue
            score = scores[traits]
            if score is not None:
                ranked[mentor_id] = (-scoring.rank_value(score, standing), load, mentor_id, candidate)

    def __len__(self) -> int:
        return len(self._ranked)

    def _top(self, limit: int) -> list[tuple]:
        # The keys are scoring.sort_key's, so this is the order rank_mentors gives; mentor ids are
        # unique, so the candidates at their ends are never compared.
        return heapq.nsmallest(limit, self._ranked.values())

    def best_ids(self, limit: int) -> list[str]:
        """The ids of the best `limit` candidates, best first (the order of `best`)."""
        return [key[2] for key in self._top(limit)]

    def best(self, limit: int) -> list[tuple[scoring.Scored, dict]]:
        """The best `limit` candidates, best first, scored with their reasons, with their public
        profiles (the only profiles decoded)."""
        ranked = []
        for *_, candidate in self._top(limit):
            profile = candidate.listing()
            zone, frameworks, goals, languages = directory.traits_fields(candidate.traits)
            offer = scoring.MentorOffer(
                mentor_id=candidate.mentor_id,
                frameworks=directory.listed(frameworks),
                goals=directory.listed(goals),
                utc_offset_minutes=self._offsets[zone],
                languages=directory.listed(languages),
                active_mentees=candidate.active_mentees,
                moved_via=tuple(profile.get("moved_via") or ()),  # only mentioned in reasons
                reputation=_reputation_of(profile),
            )
            ranked.append((scoring.score_mentor(self.needs, offer, candidate.standing), profile))
        return ranked

    def cannot_improve(self, limit: int) -> bool:
        """True when `limit` candidates already have the best rank any mentor could get (the best
        score and standing) and no mentees: nobody unread can rank higher or be less busy."""
        if self._best_possible is None:
            self._best_possible = scoring.rank_value(_best_possible_score(self.needs), scoring.STANDING_BOUND)
        top = self._top(limit)
        return len(top) == limit and all(key[0] == -self._best_possible and key[1] == 0 for key in top)


def _reputation_of(listing: dict) -> scoring.Reputation:
    """A listed mentor's reputation, as far as scoring explains it (their standing is on the card)."""
    return scoring.Reputation(
        rating=listing.get("rating"),
        rating_count=int(listing.get("rating_count") or 0),
        response_hours=listing.get("response_hours"),
    )


def _best_possible_score(needs: scoring.MenteeNeeds) -> int:
    """The score of a mentor who shares everything with the mentee, in the mentee's time zone."""
    ideal = scoring.MentorOffer(
        mentor_id="",
        frameworks=(needs.target_framework, *needs.frameworks),
        goals=tuple(needs.goals),
        utc_offset_minutes=needs.utc_offset_minutes,
        languages=tuple(needs.languages),
    )
    return scoring.score_only(needs)(ideal)


def _read_target(found: _Candidates, partition: str, offset_minutes: int, limit: int) -> int:
    """The target framework's partition from the mentee's time zone: at most three Queries and
    2 x CANDIDATES_PER_QUERY entries. Returns the number of Queries made.

    The first reads upwards from the zone. Unless it already holds `limit` unbeatable candidates,
    the second reads the next page of the same zone when the first never left it (a crowded zone's
    next mentors are closer than any neighbour's), and the zones below otherwise. Time zones wrap
    around: when the first reached the end of the partition (the zones above are sparse), the
    zones just after the mentee's are at its start, and a third Query reads them with what the
    first left of its page.
    """
    floor = keys.directory_sort_floor(offset_minutes)
    page = CANDIDATES_PER_QUERY
    above, above_key = directory.candidates_page(partition, at_or_after=floor, limit=page)
    found.add(above)
    if found.cannot_improve(limit):
        return 1
    if above_key is not None and above_key["sk"]["S"].startswith(floor):
        more, _ = directory.candidates_page(partition, at_or_after=floor, limit=page, start_key=above_key)
        found.add(more)
        return 2
    below, below_key = directory.candidates_page(partition, before=floor, descending=True, limit=page)
    found.add(below)
    if above_key is None and below_key is not None and len(above) < page and not found.cannot_improve(limit):
        wrapped, _ = directory.candidates_page(partition, before=below_key["sk"]["S"], limit=page - len(above))
        found.add(wrapped)
        return 3
    return 2


def _widen(found: _Candidates) -> None:
    """Every listed mentor, from the start of DIR#ALL: one Query of at most WIDENING_LIMIT entries.

    Only needed when the target framework has fewer free mentors than asked for, which is a small
    pool's situation: up to WIDENING_LIMIT listed mentors this reads them all and the ranking is
    exact. In a bigger pool these are the westernmost mentors, not the nearest: a read around the
    mentee's zone would take two Queries (zones wrap around), one more than the budget of 4 calls.
    """
    entries, _ = directory.candidates_page(keys.DIRECTORY_ALL, limit=WIDENING_LIMIT)
    found.add(entries)


def excluded_mentors(mentee: UserItem, matches: list[MatchItem] | None = None) -> set[str]:
    """Mentors the mentee has matched with (`matches`: their match copies, read when not given),
    and those either of them blocked."""
    if matches is None:
        matches = match_store.all_matches(mentee.id)
    return {m.mentor_id for m in matches if m.status in _EXCLUDING_STATUSES} | blocked_either_way(mentee)


def blocked_either_way(user: UserItem) -> set[str]:
    """The users `user` blocked or was blocked by: neither side sees the other."""
    return {*(user.blocked or ()), *(user.blocked_by or ())}


def _read_candidates(mentee: UserItem, limit: int, matches: list[MatchItem] | None, moment) -> _Candidates:
    """The mentors who can take `mentee` now, read as for the best `limit` of them."""
    found = _Candidates(needs_of(mentee, moment), excluded_mentors(mentee, matches), moment)
    standard_offset = directory.standard_offset_minutes(mentee.timezone)
    queries = _read_target(found, keys.directory_framework(mentee.target_framework), standard_offset, limit)
    if len(found) < limit and queries < DIRECTORY_QUERIES:
        # Too few mentors know the target framework: the others compete on goals, time zone,
        # language and the mentee's other frameworks, as scoring weighs them. (With pages of
        # CANDIDATES_PER_QUERY >= MAX_SUGGESTIONS, too few means the target read took 2 Queries.)
        _widen(found)
    return found


def rank_for(mentee: UserItem, limit: int, matches: list[MatchItem] | None = None) -> list[tuple[scoring.Scored, dict]]:
    """The best `limit` mentors who can take `mentee` now, with their public profiles."""
    return _read_candidates(mentee, limit, matches, clock.now()).best(limit)


def best_mentor_id(mentee: UserItem, matches: list[MatchItem] | None = None) -> str | None:
    """The id of the mentor `rank_for(mentee, 1)` would suggest (None: nobody can take the
    mentee now), without working out the reasons or decoding the profile."""
    best = _read_candidates(mentee, 1, matches, clock.now()).best_ids(1)
    return best[0] if best else None


def suggest_mentors(mentee: UserItem, limit: int, matches: list[MatchItem] | None = None) -> Suggestions:
    """GET /matches/suggestions: mentors who can take the mentee now, best first.

    `matches` are the mentee's match copies when the caller already read them.
    """
    if mentee.role != "mentee":
        raise NotAllowed("role: only mentees get mentor suggestions")
    return Suggestions(suggestions=[
        Suggestion(mentor=listed_profile(listing), score=scored.score, reasons=scored.reasons)
        for scored, listing in rank_for(mentee, limit, matches)
    ])
