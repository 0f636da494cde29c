"""Mentor scoring and ranking: pure functions, no I/O.

A mentee describes what they need (``MenteeNeeds``), a mentor what they offer
(``MentorOffer``). ``score_mentor`` turns one pair into a ``Scored`` result with an
integer score in 0..100 and human-readable reasons; ``rank_mentors`` orders many
offers best first.

Ranking criteria, in order of importance:

1. the mentee's target framework (the one framework they will double down on);
2. shared goals;
3. time-zone closeness, and a shared language.

The target framework is a hard priority, not just a heavy weight: its points are
larger than the sum of every other kind of points (see ``TARGET_FRAMEWORK_POINTS``),
so any mentor who knows the target framework scores strictly above any mentor who
does not, whatever else they share.

Every kind of points is non-decreasing in what the mentor shares with the mentee:
giving a mentor one more of the mentee's goals, one more of the mentee's
languages or one more of the mentee's frameworks never lowers the score.

A mentor's standing (``standing``: how they answer requests, how mentees rate them) then
moves them up or down within what the target framework decides, by at most
``STANDING_BOUND`` points: no rating or answer speed lifts a mentor without the target
framework above one with it (``rank_value``).

Finally, a mentor who moved into ML the way the mentee is aiming to earns a mention (no
points), from the ways they named (``moved_via``, goal ids, see ``MOVED_VIA_REASONS``).
Free text, such as the transition story, is shown to the mentee but never read here.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from chalicelib.vocabulary import FRAMEWORK_LABELS, GOAL_LABELS

__all__ = [
    "GOAL_POINTS",
    "LANGUAGE_NAMES",
    "LANGUAGE_POINTS",
    "MAX_SCORE",
    "MAX_TIMEZONE_HOURS",
    "MOVED_VIA_REASONS",
    "SECONDARY_FRAMEWORK_POINTS",
    "STANDING_BOUND",
    "TARGET_FRAMEWORK_POINTS",
    "TIMEZONE_POINTS",
    "MenteeNeeds",
    "MentorOffer",
    "Reputation",
    "ScoreParts",
    "Scored",
    "rank_mentors",
    "rank_value",
    "reputation_reasons",
    "score_mentor",
    "score_only",
    "score_parts",
    "shown_score",
    "sort_key",
    "standing",
    "timezone_distance_hours",
]

# --------------------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------------------

TARGET_FRAMEWORK_POINTS = 51
"""Points for a mentor who knows the mentee's target framework.

This is the dominant criterion. The weights are chosen so that

    TARGET_FRAMEWORK_POINTS > SECONDARY_FRAMEWORK_POINTS + GOAL_POINTS
                              + TIMEZONE_POINTS + LANGUAGE_POINTS      (51 > 49)

Every other kind of points is bounded by its constant and a ``moved_via`` mention
is worth nothing, so a mentor with the target framework scores at least 51 and a
mentor without it at most 49: the former always ranks above the latter. The
weights also add up to exactly ``MAX_SCORE`` so that a perfect match scores 100.
"""

SECONDARY_FRAMEWORK_POINTS = 3
"""Points when the mentor knows at least one of the mentee's other frameworks.

Flat (not per framework), and given whether or not the mentor also knows the
target framework, so that an extra shared framework never lowers a score.
"""

GOAL_POINTS = 28
"""Maximum points for shared goals.

Proportional to the fraction of the *mentee's* goals the mentor helps with
(rounded half up), so a mentor covering all of them gets the full amount and
adding a shared goal never lowers a score. Extra mentor goals the mentee does not
have neither add nor remove points.
"""

TIMEZONE_POINTS = 12
"""Maximum points for time-zone closeness.

12 when mentor and mentee are in the same UTC offset, decreasing linearly to 0
at ``MAX_TIMEZONE_HOURS`` apart (one point per hour), rounded half up. Distances
are circular on a 24 h clock, so they never exceed 12 h.
"""

MAX_TIMEZONE_HOURS = 12
"""Time-zone distance (hours) at which closeness is worth nothing."""

LANGUAGE_POINTS = 6
"""Points when mentor and mentee share at least one language (flat)."""

MAX_SCORE = 100
"""Scores lie in 0..MAX_SCORE: the weights add up to at most this (asserted below)."""

assert TARGET_FRAMEWORK_POINTS > (
    SECONDARY_FRAMEWORK_POINTS + GOAL_POINTS + TIMEZONE_POINTS + LANGUAGE_POINTS
), "the target framework must outweigh everything else combined"
assert (
    TARGET_FRAMEWORK_POINTS
    + SECONDARY_FRAMEWORK_POINTS
    + GOAL_POINTS
    + TIMEZONE_POINTS
    + LANGUAGE_POINTS
    <= MAX_SCORE
), "a perfect match must fit in the score range"

# --------------------------------------------------------------------------------------
# Texts
# --------------------------------------------------------------------------------------

LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "pt": "Portuguese",
    "it": "Italian",
    "nl": "Dutch",
    "pl": "Polish",
    "uk": "Ukrainian",
    "ru": "Russian",
    "hi": "Hindi",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "ar": "Arabic",
    "tr": "Turkish",
    "sv": "Swedish",
}
"""Display names for common ISO 639-1 codes; other codes are shown as the code."""

MOVED_VIA_REASONS: dict[str, str] = {
    "internal-transfer": "Also moved into ML by internal transfer",
    "ml-initiative": "Also started an ML initiative at work",
    "job-switch": "Also moved into ML by switching jobs",
    "interview-prep": "Also prepared for ML interviews to move into ML",
    "applied-theory": "Also learned ML theory by building",
    "kaggle": "Also got into ML through Kaggle",
    "personal-project": "Also moved into ML through personal projects",
    "framework-depth": "Also moved into ML by doubling down on one framework",
    "ml-systems": "Also moved into ML through ML systems work",
}
"""Mentions by goal id: when the mentee has the goal and the mentor moved into ML that way
(their ``moved_via``), the reason is added after all other reasons, in the mentee's goal order.
A mention is worth no points, so it never changes the ranking."""

# --------------------------------------------------------------------------------------
# Standing: answering requests and mentees' ratings
# --------------------------------------------------------------------------------------

RATING_POINTS = 2
"""A rating of 4.5 or more earns this many points, under 2.0 costs as many (see ``standing``)."""

RESPONSE_POINTS = 2
"""Answering within a day (median) earns this many points."""

EXPIRED_REQUEST_POINTS = 1
"""Each recently expired request costs this many points, up to ``MAX_EXPIRED_PENALTY``."""

MAX_EXPIRED_PENALTY = 3

STANDING_BOUND = RATING_POINTS + max(RESPONSE_POINTS, MAX_EXPIRED_PENALTY)
"""A standing lies in -STANDING_BOUND..+STANDING_BOUND."""

TIER_GAP = 10 * MAX_SCORE
"""Added to the rank value of a mentor who knows the target framework: larger than any score and
standing together, so that tier is decided first (``rank_value``)."""


class Reputation(NamedTuple):
    """What mentees' experience says about a mentor (chalicelib.reputation keeps it)."""

    rating: float | None = None  # mean of the mentees' ratings, one decimal; None under 3 ratings
    rating_count: int = 0
    response_hours: float | None = None  # median hours to answer a request; None under 3 answers
    recent_expired: int = 0  # requests left to expire among the mentor's recent ones


NO_REPUTATION = Reputation()


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MenteeNeeds:
    target_framework: str  # framework id
    frameworks: tuple[str, ...]  # other framework interests (ids), may be empty
    goals: tuple[str, ...]  # 1-5 goal ids
    utc_offset_minutes: int  # current UTC offset of the mentee's time zone
    languages: tuple[str, ...]  # ISO 639-1 codes


class MentorOffer(NamedTuple):
    """What a mentor offers (a named tuple: ranking builds one per candidate, and it is the
    cheapest immutable value to build)."""

    mentor_id: str
    frameworks: tuple[str, ...]
    goals: tuple[str, ...]
    utc_offset_minutes: int
    languages: tuple[str, ...]
    active_mentees: int = 0
    moved_via: tuple[str, ...] = ()  # goal ids: how the mentor moved into ML
    reputation: Reputation = NO_REPUTATION


@dataclass(frozen=True)
class Scored:
    mentor_id: str
    score: int  # 0..100 inclusive
    reasons: tuple[str, ...]
    active_mentees: int
    rank: int  # rank_value: what orders mentors (see sort_key)


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------

_MINUTES_PER_DAY = 24 * 60


def _timezone_distance_minutes(a_minutes: int, b_minutes: int) -> int:
    d = abs(a_minutes - b_minutes) % _MINUTES_PER_DAY
    return min(d, _MINUTES_PER_DAY - d)


def timezone_distance_hours(a_minutes: int, b_minutes: int) -> float:
    """Hours between two UTC offsets on a 24 h clock (circular), in 0..12.

    UTC+13 and UTC-11 show the same clock time, so they are 0 h apart.
    """
    return _timezone_distance_minutes(a_minutes, b_minutes) / 60


def _round_half_up(numerator: int, denominator: int) -> int:
    """round(numerator / denominator) with halves rounded up, for non-negative values."""
    return (2 * numerator + denominator) // (2 * denominator)


def _unique(values: Iterable[str]) -> list[str]:
    """Values without duplicates, first occurrence kept (order matters for reasons)."""
    return list(dict.fromkeys(values))


def _language_key(code: str) -> str:
    return code.strip().lower()


def _join(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _format_hours(minutes: int) -> str:
    if minutes % 60 == 0:
        return str(minutes // 60)
    return f"{round(minutes / 60, 2):g}"


# --------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------


def _mentee_terms(needs: MenteeNeeds) -> tuple[list[str], list[str], list[str]]:
    """What scoring takes from the mentee alone, without duplicates and in the mentee's
    order: the other frameworks, the goals and the language keys."""
    target = needs.target_framework
    others = [f for f in _unique(needs.frameworks) if f != target]
    languages = [code for code in _unique(_language_key(c) for c in needs.languages) if code]
    return others, _unique(needs.goals), languages


def _compare(needs: MenteeNeeds, terms: tuple, offer: MentorOffer) -> tuple:
    """What the mentor shares with the mentee: (knows the target framework, shared other
    frameworks, shared goals, time-zone distance in minutes, shared languages)."""
    others, mentee_goals, mentee_languages = terms
    mentor_frameworks = set(offer.frameworks)
    mentor_goals = set(offer.goals)
    mentor_languages = {_language_key(code) for code in offer.languages}
    return (
        needs.target_framework in mentor_frameworks,
        [f for f in others if f in mentor_frameworks],
        [g for g in mentee_goals if g in mentor_goals],
        _timezone_distance_minutes(needs.utc_offset_minutes, offer.utc_offset_minutes),
        [code for code in mentee_languages if code in mentor_languages],
    )


def _framework_points(knows_target: bool, knows_another: bool) -> int:
    return (TARGET_FRAMEWORK_POINTS if knows_target else 0) + (SECONDARY_FRAMEWORK_POINTS if knows_another else 0)


def _goal_points(shared_goals: int, goal_count: int) -> int:
    """As a fraction of the mentee's goals."""
    return _round_half_up(GOAL_POINTS * shared_goals, goal_count) if shared_goals else 0


def _timezone_points(distance: int) -> int:
    zero_at = MAX_TIMEZONE_HOURS * 60
    return _round_half_up(TIMEZONE_POINTS * max(zero_at - distance, 0), zero_at)


def _language_points(shares_one: bool) -> int:
    return LANGUAGE_POINTS if shares_one else 0


# Each kind of points is at most its constant and the constants add up to at most MAX_SCORE
# (asserted above), so a score is their plain sum: the four functions above make every point.
def _points(goal_count: int, shared: tuple) -> int:
    """The score for what a mentor shares (see `_compare`)."""
    has_target, secondary, shared_goals, distance, shared_languages = shared
    return (
        _framework_points(has_target, bool(secondary))
        + _goal_points(len(shared_goals), goal_count)
        + _timezone_points(distance)
        + _language_points(bool(shared_languages))
    )


def standing(reputation: Reputation) -> int:
    """Points in -STANDING_BOUND..+STANDING_BOUND for how a mentor answers and is rated.

    Rating (3 or more): 4.5 and up +2, 4.0 up +1, 3.0 up 0, 2.0 up -1, below -2. Answers (median,
    3 or more): within a day +2, within 3 days +1, within a week 0, slower -1. Each request left
    to expire among the recent ones -1 (at most -3); the answer part stays within -3..+2.
    """
    rating = reputation.rating
    if rating is None:
        rating_points = 0
    elif rating >= 4.5:
        rating_points = RATING_POINTS
    elif rating >= 4.0:
        rating_points = 1
    elif rating >= 3.0:
        rating_points = 0
    elif rating >= 2.0:
        rating_points = -1
    else:
        rating_points = -RATING_POINTS
    hours = reputation.response_hours
    if hours is None:
        answer_points = 0
    elif hours <= 24:
        answer_points = RESPONSE_POINTS
    elif hours <= 72:
        answer_points = 1
    elif hours <= 168:
        answer_points = 0
    else:
        answer_points = -1
    answer_points -= EXPIRED_REQUEST_POINTS * max(0, reputation.recent_expired)
    return rating_points + max(-MAX_EXPIRED_PENALTY, min(RESPONSE_POINTS, answer_points))


def rank_value(score: int, mentor_standing: int) -> int:
    """What orders mentors for a mentee, higher first: the score plus the standing, with every
    mentor who knows the target framework (a score of TARGET_FRAMEWORK_POINTS or more: nobody
    else reaches it) a whole tier above every mentor who does not."""
    tier = TIER_GAP if score >= TARGET_FRAMEWORK_POINTS else 0
    return tier + score + mentor_standing


def shown_score(score: int, mentor_standing: int) -> int:
    """The score shown: the score plus the standing, kept within its tier (51..100 with the
    target framework, 0..50 without), so shown scores never contradict the order."""
    if score >= TARGET_FRAMEWORK_POINTS:
        return max(TARGET_FRAMEWORK_POINTS, min(MAX_SCORE, score + mentor_standing))
    return max(0, min(TARGET_FRAMEWORK_POINTS - 1, score + mentor_standing))


def _answer_time(hours: float) -> str | None:
    if hours <= 1:
        return "within an hour"
    if hours <= 12:
        return f"within {math.ceil(hours)} hours"
    if hours <= 24:
        return "within a day"
    if hours <= 72:
        return f"within {math.ceil(hours / 24)} days"
    return None


def reputation_reasons(reputation: Reputation) -> list[str]:
    """"Usually answers within a day", "Rated 4.8 by 5 mentees": only what speaks for a mentor
    (answers within 3 days, no request left to expire lately; a rating of 4.0 or more)."""
    reasons = []
    if reputation.response_hours is not None and not reputation.recent_expired:
        within = _answer_time(reputation.response_hours)
        if within is not None:
            reasons.append(f"Usually answers {within}")
    if reputation.rating is not None and reputation.rating >= 4.0:
        reasons.append(f"Rated {reputation.rating:.1f} by {reputation.rating_count} mentees")
    return reasons


def score_mentor(needs: MenteeNeeds, offer: MentorOffer, mentor_standing: int | None = None) -> Scored:
    """Score one mentor for one mentee (see the module docstring and the weights);
    `mentor_standing` is ``standing(offer.reputation)`` when worked out already.

    Reasons are given for every criterion that earned points, in order of importance, then
    what speaks for the mentor's standing, followed by any mentions of how they moved into ML.
    """
    terms = _mentee_terms(needs)
    shared = _compare(needs, terms, offer)
    has_target, secondary, shared_goals, distance, shared_languages = shared
    reasons: list[str] = []

    # 1. Frameworks.
    target = needs.target_framework
    if has_target:
        reasons.append(f"Both focus on {FRAMEWORK_LABELS.get(target, target)}")
    if secondary:
        reasons.append(f"Also knows {_join([FRAMEWORK_LABELS.get(f, f) for f in secondary])}")

    # 2. Goals.
    if shared_goals:
        reasons.append(f"Helps with {_join([GOAL_LABELS.get(g, g) for g in shared_goals])}")

    # 3. Time zone ...
    if _timezone_points(distance):
        reasons.append(
            "Same time zone" if distance == 0 else f"{_format_hours(distance)} h apart"
        )

    # ... and a shared language.
    if shared_languages:
        reasons.append(f"Speaks {_join([LANGUAGE_NAMES.get(c, c) for c in shared_languages])}")

    # Standing.
    reasons.extend(reputation_reasons(offer.reputation))

    # How the mentor moved into ML: a mention, no points, in the mentee's goal order.
    moved_via = set(offer.moved_via)
    reasons.extend(MOVED_VIA_REASONS[goal] for goal in terms[1] if goal in moved_via and goal in MOVED_VIA_REASONS)

    points = _points(len(terms[1]), shared)
    if mentor_standing is None:
        mentor_standing = standing(offer.reputation)
    return Scored(
        mentor_id=offer.mentor_id,
        score=shown_score(points, mentor_standing),
        reasons=tuple(reasons),
        active_mentees=offer.active_mentees,
        rank=rank_value(points, mentor_standing),
    )


class ScoreParts(NamedTuple):
    """A mentor's score for one mentee as the sum of four parts, each depending on one thing the
    mentor offers: ``frameworks(f) + goals(g) + timezone(utc offset) + languages(l)`` is
    ``score_mentor(needs, offer).score`` for a mentor without standing. Many mentors share each of these values, far more than
    share all four, so ranking many mentors can work each part out once per distinct value."""

    frameworks: Callable[[Iterable[str]], int]
    goals: Callable[[Iterable[str]], int]
    timezone: Callable[[int], int]
    languages: Callable[[Iterable[str]], int]


def score_parts(needs: MenteeNeeds) -> ScoreParts:
    """The parts of any mentor's score for `needs` (see ``ScoreParts``)."""
    others, mentee_goals, mentee_languages = _mentee_terms(needs)
    target, goal_count, mentee_offset = needs.target_framework, len(mentee_goals), needs.utc_offset_minutes

    def frameworks(mentor_frameworks: Iterable[str]) -> int:
        known = set(mentor_frameworks)
        return _framework_points(target in known, any(f in known for f in others))

    def goals(mentor_goals: Iterable[str]) -> int:
        helps_with = set(mentor_goals)
        return _goal_points(sum(1 for g in mentee_goals if g in helps_with), goal_count)

    def timezone(utc_offset_minutes: int) -> int:
        return _timezone_points(_timezone_distance_minutes(mentee_offset, utc_offset_minutes))

    def languages(mentor_languages: Iterable[str]) -> int:
        spoken = {_language_key(code) for code in mentor_languages}
        return _language_points(any(code in spoken for code in mentee_languages))

    return ScoreParts(frameworks, goals, timezone, languages)


def score_only(needs: MenteeNeeds) -> Callable[[MentorOffer], int]:
    """A function giving the points of any offer for `needs` before its standing (the sum of the
    ``score_parts``), without building the reasons: several times cheaper when ranking many
    mentors for one mentee. ``rank_value(points, standing(offer.reputation))`` orders them."""
    parts = score_parts(needs)
    return lambda offer: (
        parts.frameworks(offer.frameworks)
        + parts.goals(offer.goals)
        + parts.timezone(offer.utc_offset_minutes)
        + parts.languages(offer.languages)
    )


def sort_key(s: Scored) -> tuple:
    """The ranking order: rank value descending (the target framework first, then score and
    standing), then fewer active mentees, then mentor id.

    Sorting with this key (ascending) puts the best match first. Mentor ids are
    expected to be unique, which makes the order total.
    """
    return (-s.rank, s.active_mentees, s.mentor_id)


def rank_mentors(
    needs: MenteeNeeds, offers: Iterable[MentorOffer], limit: int | None = None
) -> list[Scored]:
    """Best first. Deterministic: rank value desc (sort_key; shown scores may tie where ranks
    differ), then fewer active mentees, then mentor_id asc.

    ``limit`` keeps only the first ``limit`` results (``None``: all of them).
    """
    if limit is not None and limit < 0:
        raise ValueError("limit must be None or a non-negative integer")
    if limit is None:
        return sorted((score_mentor(needs, offer) for offer in offers), key=sort_key)
    # Rank without the reasons (the same order as sort_key), then explain only the mentors kept.
    score = score_only(needs)
    keyed = ((-rank_value(score(offer), standing(offer.reputation)), offer.active_mentees, offer.mentor_id, offer)
             for offer in offers)
    best = heapq.nsmallest(limit, keyed, key=lambda k: k[:3])
    return [score_mentor(needs, offer) for *_, offer in best]
