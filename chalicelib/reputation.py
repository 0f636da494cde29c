"""A mentor's reputation: mentorships completed, mentees' rating, how fast they answer requests.

Kept as running aggregates on the mentor's profile, changed in the same transaction as the event
that changes them (an answer, an expiry, an ended mentorship, a rating), so no request ever reads a
mentor's history to show or rank them. Pure functions of a user item; no I/O.
"""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING

from .scoring import Reputation

if TYPE_CHECKING:
    from .storage.models import UserItem

MIN_RATINGS = 3  # a rating is shown (and counts in the ranking) from this many on
MIN_ANSWERS = 3  # so is the answer time
RECENT_ANSWERS = 20  # the answer time is the median over this many last answered requests
RECENT_REQUESTS = 20  # expired requests count among this many last requests
ANSWERED, EXPIRED = "a", "e"


def rating(user: UserItem) -> float | None:
    """The mean of the mentees' ratings to one decimal (halves rounded up), None under MIN_RATINGS."""
    count, total = int(user.rating_count or 0), int(user.rating_sum or 0)
    if count < MIN_RATINGS:
        return None
    tenths = (20 * total + count) // (2 * count)  # round(10 * total / count), halves up
    return tenths / 10


def response_hours(user: UserItem) -> float | None:
    """The median hours from request to accept or decline over the last RECENT_ANSWERS answered
    requests, to one decimal; None under MIN_ANSWERS."""
    minutes = list(user.answer_minutes or ())[-RECENT_ANSWERS:]
    if len(minutes) < MIN_ANSWERS:
        return None
    return round(statistics.median(minutes) / 60, 1)


def recent_expired(user: UserItem) -> int:
    """How many of the mentor's last RECENT_REQUESTS requests expired unanswered."""
    return (user.request_outcomes or "").count(EXPIRED)


def of(user: UserItem) -> Reputation:
    """What scoring weighs (scoring.standing) and explains."""
    return Reputation(
        rating=rating(user),
        rating_count=int(user.rating_count or 0),
        response_hours=response_hours(user),
        recent_expired=recent_expired(user),
    )


def public_values(user: UserItem) -> dict:
    """The reputation as a mentor's public profile shows it."""
    return {
        "mentorships_completed": int(user.mentorships_completed or 0),
        "rating": rating(user),
        "rating_count": int(user.rating_count or 0),
        "response_hours": response_hours(user),
    }


# --- changes (on a copy of the mentor about to be saved) --------------------------------------


def _outcome(user: UserItem, outcome: str) -> None:
    user.request_outcomes = ((user.request_outcomes or "") + outcome)[-RECENT_REQUESTS:]


def record_answer(user: UserItem, minutes: float) -> None:
    """The mentor accepted or declined a request `minutes` after it was made."""
    user.answer_minutes = [*list(user.answer_minutes or ())[-(RECENT_ANSWERS - 1):], max(0, int(minutes))]
    _outcome(user, ANSWERED)


def record_expiry(user: UserItem) -> None:
    """A request to the mentor expired unanswered."""
    _outcome(user, EXPIRED)


def record_completed(user: UserItem) -> None:
    """A mentorship ended after being active."""
    user.mentorships_completed = int(user.mentorships_completed or 0) + 1


def record_rating(user: UserItem, stars: int) -> None:
    """A mentee rated the mentor (once per ended match)."""
    user.rating_count = int(user.rating_count or 0) + 1
    user.rating_sum = int(user.rating_sum or 0) + stars
