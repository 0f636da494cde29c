"""Blocking and reporting.

A block is kept on both profiles (`blocked` on the blocker's, `blocked_by` on the other's), so it
is enforced where requests and messages are already decided: a request reads both profiles and
commits on their versions (services.matches.open_pending_match), so a block committed meanwhile
makes it decide again and refuse; blocking closes the pair's open match, and with it the thread,
in the same transaction, and a message commits only to an open thread. Suggestions, the directory
and profiles leave out whoever is blocked either way. The blocked user is not told.

A report is stored for the operator (who is emailed from the change stream); the reported user
keeps the list of distinct reporters since an operator last cleared them, and 3 of them hide the
user from the directory, suggestions and the waitlist (services.moderation clears or bans).
"""

from __future__ import annotations

from .. import clock
from ..errors import InvalidInput, NotFound
from ..responses import Block, BlockList, ReportEnvelope, ReportReceipt
from ..storage import keys, transactions
from ..storage import matches as match_store
from ..storage import safety as safety_store
from ..storage import users as user_store
from ..storage.models import MatchItem, UserItem
from .matches import BLOCKED as BLOCKED_REASON
from .matches import released

HIDING_REPORTS = 3  # distinct reporters who hide a user until an operator clears them


def is_blocked_either_way(a: UserItem, b_id: str) -> bool:
    return b_id in (a.blocked or ()) or b_id in (a.blocked_by or ())


def _readable(user_id: str) -> bool:
    return 0 < len(user_id) <= 64


def _visible(viewer: UserItem, other: UserItem, shares_a_match: bool = False) -> bool:
    """Whether `viewer` may know `other` exists: any mentor; a mentee to a mentor they share a
    match with (as for public profiles); anyone the viewer blocked."""
    if other.banned:
        return False
    if other.id in (viewer.blocked or ()) or other.role == "mentor" or shares_a_match:
        return True
    return viewer.role == "mentor" and match_store.have_shared_match(viewer.id, other.id)


def _pair_keys(me_id: str, other_id: str) -> list[tuple[str, str]]:
    """The pair locks the two could have, whoever is the mentee (at most one exists)."""
    return [(keys.pair(me_id, other_id), keys.PAIR), (keys.pair(other_id, me_id), keys.PAIR)]


def _other_and_lock(me: UserItem, other_id: str) -> tuple[UserItem | None, str | None]:
    """The other user and the id of the open match between the two (from its pair lock), in one read."""
    found = user_store.read([user_store.profile_key(other_id), *_pair_keys(me.id, other_id)])
    other = user_store.users_of(found).get(other_id)
    lock = next((found[key] for key in _pair_keys(me.id, other_id) if key in found), None)
    return other, (lock["match_id"]["S"] if lock is not None else None)


def block(caller: UserItem, user_id: str) -> None:
    """POST /users/{id}/block: close any open match between the two (close reason "blocked") and
    keep them apart from now on. Blocking someone blocked already changes nothing."""
    if user_id == caller.id:
        raise InvalidInput("user_id", "you cannot block yourself")

    def attempt() -> None:
        first = attempt.number == 0
        attempt.number += 1
        me = caller if first else user_store.find_user(caller.id)
        other, open_match_id = _other_and_lock(caller, user_id) if _readable(user_id) else (None, None)
        if me is None or other is None or not _visible(me, other, shares_a_match=open_match_id is not None):
            raise NotFound("user: not found")
        if other.id in (me.blocked or ()):
            return
        now = clock.now_iso()
        match = match_store.find_match(me.id, open_match_id) if open_match_id else None
        if match is not None and match.status not in ("pending", "active"):
            raise transactions.Retry()  # closing meanwhile: its lock is about to go
        me_after = released(me) if match else user_store.copy_of(me)
        other_after = released(other) if match else user_store.copy_of(other)
        me_after.blocked = [*(me.blocked or ()), other.id]
        other_after.blocked_by = [*(other.blocked_by or ()), me.id]
        item = safety_store.block_item(me, other, now)
        if match is None:
            safety_store.save_block([me, other], [me_after, other_after], put=item)
            return
        if match.status == "active":
            status = "ended"
        else:
            status = "cancelled" if me.role == "mentee" else "declined"
        match_store.change_status(
            match=match, new_status=status, updated_at=now, actor_id=me.id, reason=BLOCKED_REASON, closing=True,
            users_before=[me, other], users_after=[me_after, other_after], also=[item],
        )

    attempt.number = 0
    transactions.run_with_retries(attempt)


def unblock(caller: UserItem, user_id: str) -> None:
    """DELETE /users/{id}/block: 404 unless the caller blocked them. If the other blocked the
    caller too, that block stays."""

    def attempt() -> None:
        first = attempt.number == 0
        attempt.number += 1
        me = caller if first else user_store.find_user(caller.id)
        if me is None or user_id not in (me.blocked or ()):
            raise NotFound("user: you have not blocked this user")
        other = user_store.find_user(user_id)
        me_after = user_store.copy_of(me)
        me_after.blocked = [uid for uid in me.blocked if uid != user_id]
        before, after = [me], [me_after]
        if other is not None:
            other_after = user_store.copy_of(other)
            other_after.blocked_by = [uid for uid in (other.blocked_by or ()) if uid != me.id]
            before.append(other)
            after.append(other_after)
        safety_store.save_block(before, after, delete=(keys.user(me.id), keys.block(user_id)))

    attempt.number = 0
    transactions.run_with_retries(attempt)


def list_blocks(caller: UserItem) -> BlockList:
    """GET /users/me/blocks: the users the caller blocked, most recent first."""
    items = sorted(safety_store.blocks_of(caller.id), key=lambda item: item.created_at, reverse=True)
    return BlockList(blocks=[Block(user_id=b.user_id, name=b.name, created_at=b.created_at) for b in items])


def report(caller: UserItem, body) -> ReportEnvelope:
    """POST /reports: store the report (the operator is emailed from the change stream). The
    first report of a user by each reporter (since an operator last cleared them) counts; at
    HIDING_REPORTS the user is hidden from the directory, suggestions and the waitlist."""
    from .. import schemas  # on first use: building the pydantic models slows cold starts

    request = schemas.parse(schemas.ReportRequest, body)
    if request.user_id == caller.id:
        raise InvalidInput("user_id", "you cannot report yourself")
    report_id, now = clock.new_id(), clock.now_iso()
    match_key = (keys.user(caller.id), keys.match(request.match_id)) if request.match_id else None

    def attempt() -> None:
        # The reported user and the caller's copy of the match named, in one read.
        found = user_store.read([user_store.profile_key(request.user_id), *([match_key] if match_key else [])])
        subject = user_store.users_of(found).get(request.user_id)
        if match_key is not None:
            match = MatchItem.from_raw_data(found[match_key]) if match_key in found else None
            if match is None or request.user_id not in (match.mentee_id, match.mentor_id):
                raise NotFound("match_id: no such match of yours with this user")
        if subject is None or (match_key is None and not _visible(caller, subject)):
            raise NotFound("user_id: no such user")
        item = safety_store.new_report(
            report_id=report_id, subject_id=subject.id, reporter_id=caller.id, match_id=request.match_id,
            reason=request.reason, details=request.details or None, created_at=now,
        )
        if caller.id in (subject.reported_by or ()):
            safety_store.put_report(item)  # this reporter counted already
            return
        after = user_store.copy_of(subject)
        after.reported_by = [*(subject.reported_by or ()), caller.id]
        if len(after.reported_by) >= HIDING_REPORTS:
            after.hidden = True
        user_store.save_user(subject, after, item)

    transactions.run_with_retries(attempt)
    return ReportEnvelope(report=ReportReceipt(id=report_id, created_at=now))
