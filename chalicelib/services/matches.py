"""The match lifecycle: request, accept, decline, cancel, end, expire; and reading matches.

pending -> active (mentor accepts) | declined (mentor) | cancelled (mentee) | expired (the
schedule); active -> ended (either side). Pending and active matches hold one of the mentor's slots.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from .. import clock, reputation
from ..config import request_expiry
from ..errors import Conflict, InvalidInput, NotAllowed, NotFound
from ..responses import Feedback, FeedbackEnvelope, Match, MatchEnvelope, MatchList
from ..storage import due as due_store
from ..storage import matches as match_store
from ..storage import paging, transactions
from ..storage import threads as thread_store
from ..storage import users as user_store
from ..storage.models import MatchItem, TableItem, UserItem

MAX_OPEN_MATCHES = 3
STATUSES = ("pending", "active", "declined", "cancelled", "ended", "expired")

# action -> (role allowed, from status, to status)
TRANSITIONS = {
    "accept": ("mentor", "pending", "active"),
    "decline": ("mentor", "pending", "declined"),
    "cancel": ("mentee", "pending", "cancelled"),
    "end": (None, "active", "ended"),
}


def match_document(match: MatchItem) -> Match:
    """A match as the API shows it (the caller's copy)."""
    return Match(
        id=match.match_id,
        mentee_id=match.mentee_id,
        mentor_id=match.mentor_id,
        status=match.status,
        score=int(match.score),
        reasons=match.reasons,
        thread_id=match.thread_id,
        created_at=match.created_at,
        updated_at=match.updated_at,
        closed_at=match.closed_at,
        closed_by=match.closed_by,
        close_reason=match.close_reason,
        origin=match.origin or "request",
        feedback=feedback_document(match),
    )


def feedback_document(match: MatchItem) -> Feedback | None:
    """The copy owner's feedback on the match, if given."""
    given = match.feedback
    if not given:
        return None
    return Feedback(match_id=match.match_id, rating=int(given["rating"]), note=given.get("note"),
                    created_at=given["created_at"])


def request_match(mentee: UserItem, body, matches: list[MatchItem] | None = None) -> MatchEnvelope:
    """POST /matches: open a pending match with a mentor (the best suggestion if none is named).

    `matches` are the mentee's match copies when the caller already read them (suggestions need
    them to leave out the mentors the mentee has matched with).
    """
    # On first use: the pydantic models and matching slow cold starts.
    from .. import schemas
    from . import matching

    if mentee.role != "mentee":
        raise NotAllowed("role: only mentees request matches")
    request = schemas.parse(schemas.MatchRequest, body)
    mentor_id = request.mentor_id
    if mentor_id is None:
        mentor_id = matching.best_mentor_id(mentee, matches)
        if mentor_id is None:
            raise Conflict("mentor_id: no mentor can take you right now")
    intro = request.message or None

    def read(number: int):
        current_mentee = mentee if number == 0 else user_store.find_user(mentee.id)
        return current_mentee, user_store.find_user(mentor_id), []

    return MatchEnvelope(match=match_document(open_pending_match(read, intro, "request")))


def open_pending_match(read: Callable[[int], tuple[UserItem | None, UserItem | None, list[TableItem]]],
                       intro: str | None, origin: str,
                       also: Callable[[dict], list[TableItem]] | None = None) -> MatchItem:
    """Open a pending match in one transaction, with retries (a request, an offer from the
    waitlist): `read(n)` gives attempt n's mentee and mentor (None: not found) and the items to
    delete in the same transaction (each must still exist: a waitlist entry is taken once). The
    first attempt may use what the caller read already; a retry must read afresh.

    Checks (on that data, then held by the transaction's conditions): the mentor is a mentor,
    accepting, with a free slot, and neither blocked the other; the mentee has fewer than
    MAX_OPEN_MATCHES open matches and no open match with this mentor (a block committed meanwhile
    changes both versions the transaction is conditioned on: the retry sees it). `also(match)`
    gives more items to put new in the same transaction (a program's pair: one per mentee; a
    Conflict when it exists). Returns the mentee's copy of the match."""
    from .. import scoring  # on first use: scoring and matching slow cold starts
    from . import matching

    def attempt():
        current_mentee, mentor, to_delete = read(attempt.number)
        attempt.number += 1
        if current_mentee is None:
            raise NotFound("user: not found")
        if mentor is None:
            raise NotFound("mentor_id: no such mentor")
        if mentor.role != "mentor":
            raise InvalidInput("mentor_id", "is not a mentor")
        if mentor.id in (current_mentee.blocked or ()):
            raise Conflict("mentor_id: you blocked this mentor; unblock them first")
        if mentor.id in (current_mentee.blocked_by or ()) or mentor.banned:
            raise NotFound("mentor_id: no such mentor")  # the blocked are not told
        if not mentor.accepting or mentor.hidden:
            raise Conflict("mentor_id: this mentor is not accepting new mentees")
        if int(mentor.active_mentees or 0) >= int(mentor.capacity):
            raise Conflict("mentor_id: this mentor has no free slot")
        if int(current_mentee.open_matches or 0) >= MAX_OPEN_MATCHES:
            raise Conflict(f"mentee: at most {MAX_OPEN_MATCHES} open matches are allowed")
        scored = scoring.score_mentor(matching.needs_of(current_mentee), matching.offer_of(mentor))
        moment = clock.now()
        now = clock.iso(moment)
        match = {
            "match_id": clock.new_id(),
            "mentee_id": current_mentee.id,
            "mentor_id": mentor.id,
            "status": "pending",
            "score": scored.score,
            "reasons": list(scored.reasons),
            "thread_id": clock.new_id(),
            "created_at": now,
            "updated_at": now,
            "origin": origin,
        }
        mentee_after, mentor_after = user_store.copy_of(current_mentee), user_store.copy_of(mentor)
        mentee_after.open_matches = int(current_mentee.open_matches or 0) + 1
        mentor_after.active_mentees = int(mentor.active_mentees or 0) + 1
        thread_items = thread_store.new_thread_items(
            thread_id=match["thread_id"], match_id=match["match_id"], mentee_id=current_mentee.id,
            mentor_id=mentor.id, created_at=now, intro=intro, intro_id=clock.new_id() if intro else None,
        )
        match_store.open_match(
            mentee_after=mentee_after, mentor_before=mentor, mentor_after=mentor_after, match=match,
            thread_items=thread_items,
            due=due_store.request_due(moment, current_mentee.id, mentor.id, match["match_id"]),
            also=also(match) if also is not None else None,
            also_delete=list(to_delete) or None,
        )
        return match_store.copy_for(match, current_mentee.id)

    attempt.number = 0
    return transactions.run_with_retries(attempt)


def readable_match_id(match_id: str) -> str | None:
    """`match_id` when it can name a match, None when it cannot (then there is nothing to read)."""
    return match_id if 0 < len(match_id) <= 64 else None


def _find_or_404(user: UserItem, match_id: str) -> MatchItem:
    match = match_store.find_match(user.id, match_id) if readable_match_id(match_id) else None
    if match is None:
        raise NotFound("match: not found")
    return match


def get_match(match: MatchItem | None) -> MatchEnvelope:
    """GET /matches/{id}: the caller's copy, read with their token (None: not theirs, or none)."""
    if match is None:
        raise NotFound("match: not found")
    return MatchEnvelope(match=match_document(match))


def list_matches(user: UserItem, status: str | None, limit: int, cursor: str | None) -> MatchList:
    if status is not None and status not in STATUSES:
        raise InvalidInput("status", f"must be one of {', '.join(STATUSES)}")
    start = paging.decode_cursor(cursor, expected={"pk": f"USER#{user.id}"}, key_attributes=("pk", "sk"))
    matches, next_key = match_store.page_of_matches(user.id, status, limit, start)
    return MatchList(matches=[match_document(m) for m in matches], next_cursor=paging.encode_cursor(next_key))


# `change_match` without a match read by the caller: it reads the match and both participants.
NOT_READ = object()


def change_match(user: UserItem, match_id: str, action: str, body, match=NOT_READ) -> MatchEnvelope:
    """Accept, decline, cancel or end a match; any other transition is a 409.

    `match` is the caller's copy (or None: there is none) when it was read in the same call as
    `user` (the token check), so both are current: the first attempt decides on them, without
    reading either again. A retry reads everything afresh.
    """
    from .. import schemas  # on first use: building the pydantic models slows cold starts

    request = schemas.parse(schemas.TransitionRequest, body)
    role, from_status, to_status = TRANSITIONS[action]
    closing = to_status != "active"

    def attempt():
        fresh_reads = attempt.number == 0 and match is not NOT_READ
        attempt.number += 1
        current = match if fresh_reads else _find_or_404(user, match_id)
        if current is None:
            raise NotFound("match: not found")
        if role is not None and user.role != role:
            raise Conflict(f"status: only the {role} can {action} a match")
        if current.status != from_status:
            raise Conflict(f"status: cannot {action} a match that is {current.status}")
        known = {user.id: user} if fresh_reads else {}
        users_before, users_after = _released(current, known) if closing else _with_mentor(current, known)
        moment = clock.now()
        now = clock.iso(moment)
        _record_reputation(action, current, users_after, moment)
        match_store.change_status(
            match=current, new_status=to_status, updated_at=now, actor_id=user.id, reason=request.reason,
            closing=closing, users_before=users_before, users_after=users_after,
        )
        current.status, current.updated_at = to_status, now
        if closing:
            current.closed_at, current.closed_by, current.close_reason = now, user.id, request.reason or None
        return current

    attempt.number = 0
    return MatchEnvelope(match=match_document(transactions.run_with_retries(attempt)))


def _with_mentor(match: MatchItem, known: dict[str, UserItem]) -> tuple[list[UserItem], list[UserItem]]:
    """The match's mentor as read (`known` when current already) and a copy to change."""
    mentor = known.get(match.mentor_id) or user_store.find_user(match.mentor_id)
    if mentor is None:
        return [], []
    return [mentor], [user_store.copy_of(mentor)]


def _record_reputation(action: str, match: MatchItem, users_after: list[UserItem], moment: datetime) -> None:
    """What the transition tells of the mentor (on their copy about to be saved): an answer to a
    request and how long it took, or a completed mentorship."""
    mentor = next((u for u in users_after if u.role == "mentor"), None)
    if mentor is None:
        return
    if action in ("accept", "decline"):
        asked = datetime.fromisoformat(match.created_at)
        reputation.record_answer(mentor, (moment - asked).total_seconds() / 60)
    elif action == "end":
        reputation.record_completed(mentor)


def _released(match: MatchItem, known: dict[str, UserItem]) -> tuple[list[UserItem], list[UserItem]]:
    """The participants of a closing match as read (`known` ones are current already) and after
    it releases their counters: the mentor's slot, the mentee's open match."""
    participants = (match.mentee_id, match.mentor_id)
    fresh = {**known, **user_store.find_users([p for p in participants if p not in known])}
    before: list[UserItem] = []
    after: list[UserItem] = []
    for participant_id in participants:
        participant = fresh.get(participant_id)
        if participant is None:
            continue  # a deleted account has nothing left to release
        before.append(participant)
        after.append(released(participant))
    return before, after


def released(participant: UserItem) -> UserItem:
    """A copy of a participant of a closing match, with what it releases: a mentor's slot, a
    mentee's open match."""
    after = user_store.copy_of(participant)
    if participant.role == "mentor":
        after.active_mentees = max(0, int(participant.active_mentees or 0) - 1)
    else:
        after.open_matches = max(0, int(participant.open_matches or 0) - 1)
    return after


def close_open_matches(user: UserItem, copies: list[MatchItem], reason: str) -> bool:
    """End, cancel or decline each open match among `user`'s `copies`, giving `reason` (an
    account deleted, a ban); True when any was open."""
    closed = False
    for match in copies:
        if match.status == "active":
            action = "end"
        elif match.status == "pending":
            action = "cancel" if user.role == "mentee" else "decline"
        else:
            continue
        closed = True
        try:
            change_match(user, match.match_id, action, {"reason": reason})
        except Conflict:
            pass  # the other side closed it meanwhile: nothing left to release
    return closed


EXPIRED_REASON = "not answered in time"
BLOCKED = "blocked"  # the close reason of a match a block closed (services.safety)


def expire_request(copy: MatchItem, now) -> bool:
    """Expire a request whose time has come (the schedule, from the due index): pending → expired,
    closed by "system", releasing the slot and the mentee's count like any closing. False when it
    is no longer pending (accepted, declined or cancelled first: exactly one transition wins)."""
    def attempt() -> bool:
        current = match_store.find_match(copy.mentee_id, copy.match_id)
        if current is None or current.status != "pending":
            return False
        if datetime.fromisoformat(current.created_at) + request_expiry() > now:
            return False  # not due yet (the expiry setting grew since it was scheduled)
        before, after = _released(current, {})
        for mentor in (u for u in after if u.role == "mentor"):
            reputation.record_expiry(mentor)
        match_store.change_status(
            match=current, new_status="expired", updated_at=clock.iso(now), actor_id="system",
            reason=EXPIRED_REASON, closing=True, users_before=before, users_after=after,
        )
        return True

    return transactions.run_with_retries(attempt)


def give_feedback(user: UserItem, match_id: str, body, match=NOT_READ) -> FeedbackEnvelope:
    """POST /matches/{id}/feedback: once per participant of an ended match (409 the second time).
    A mentee's rating goes into the mentor's aggregates in the same transaction, so they stay
    exact however submissions race or are retried. `match`: the caller's copy when read with the
    token check (as in `change_match`)."""
    from .. import schemas  # on first use: building the pydantic models slows cold starts

    request = schemas.parse(schemas.FeedbackRequest, body)

    def attempt():
        fresh_reads = attempt.number == 0 and match is not NOT_READ
        attempt.number += 1
        current = match if fresh_reads else _find_or_404(user, match_id)
        if current is None:
            raise NotFound("match: not found")
        if current.feedback:
            raise Conflict("feedback: you already gave feedback on this match")
        if current.status != "ended":
            raise Conflict(f"status: feedback is for ended matches; this one is {current.status}")
        if current.close_reason == BLOCKED and current.closed_by != user.id:
            raise Conflict("status: this match was closed by a block; only whoever blocked can give feedback")
        feedback = {"rating": request.rating, "note": request.note or None, "created_at": clock.now_iso()}
        mentor_before = mentor_after = None
        if user.id == current.mentee_id:
            mentor_before = user_store.find_user(current.mentor_id)  # None: the account was deleted
            if mentor_before is not None:
                mentor_after = user_store.copy_of(mentor_before)
                reputation.record_rating(mentor_after, request.rating)
        match_store.add_feedback(current, feedback, mentor_before, mentor_after)
        current.feedback = feedback
        return current

    attempt.number = 0
    return FeedbackEnvelope(feedback=feedback_document(transactions.run_with_retries(attempt)))
