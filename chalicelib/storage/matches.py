"""Matches: a copy per participant, the pair lock, and the transactions of the lifecycle."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from ..errors import Conflict
from . import directory, keys, paging, transactions
from .models import MatchItem, PairLock, ThreadItem, UserItem

OPEN_STATUSES = ("pending", "active")


def find_match(user_id: str, match_id: str) -> MatchItem | None:
    """The caller's copy of a match: None when it does not exist or the caller is not in it."""
    try:
        return MatchItem.get(keys.user(user_id), keys.match(match_id))
    except DoesNotExist:
        return None


def all_matches(user_id: str) -> list[MatchItem]:
    """Every match of a user (their history is small: a few per month at most)."""
    return list(MatchItem.query(keys.user(user_id), MatchItem.sk.startswith(keys.MATCH_PREFIX)))


def have_shared_match(mentor_id: str, mentee_id: str) -> bool:
    return any(
        True
        for _ in MatchItem.query(
            keys.user(mentor_id),
            MatchItem.sk.startswith(keys.MATCH_PREFIX),
            MatchItem.mentee_id == mentee_id,
            limit=1,
            page_size=100,  # the filter is applied after reading: read pages, not single items
        )
    )


def page_of_matches(user_id: str, status: str | None, limit: int, start_key: dict | None) -> paging.Page:
    return paging.fetch_page(
        MatchItem.query,
        keys.user(user_id),
        limit=limit,
        start_key=start_key,
        range_key_condition=MatchItem.sk.startswith(keys.MATCH_PREFIX),
        filter_condition=(MatchItem.status == status) if status else None,
        newest_first=True,
        max_read=200 if status else None,
    )


def _copy_values(match: dict, owner: str) -> dict:
    """The values of `owner`'s copy of a match: the match, under their partition."""
    return {"pk": keys.user(owner), "sk": keys.match(match["match_id"]), **match}


def copy_for(match: dict, owner: str) -> MatchItem:
    """`owner`'s copy of a match (one of its participants)."""
    return MatchItem(**_copy_values(match, owner))


def copies(match: dict) -> list[MatchItem]:
    """The two copies of a match, one under each participant."""
    return [copy_for(match, owner) for owner in (match["mentee_id"], match["mentor_id"])]


def _save_counters(tx: transactions.Transaction, after: UserItem) -> None:
    """Add to `tx` the update of a user's open-match counters to `after`'s, conditioned on the
    version `after` was copied from, and bumping it (what PynamoDB's VersionAttribute does)."""
    tx.set_values(
        UserItem, keys.user(after.id), keys.PROFILE,
        {
            "open_matches": int(after.open_matches or 0),
            "active_mentees": int(after.active_mentees or 0),
            "version": int(after.version or 0) + 1,
        },
        expected={"version": after.version},
    )


def open_match(*, mentee_after: UserItem, mentor_before: UserItem, mentor_after: UserItem, match: dict,
               thread_items: list[tuple[type, dict]]) -> None:
    """Create a match in one transaction whose conditions hold every invariant:
    the versions read (so capacity and the mentee's limit were checked on current data),
    and the pair lock (one open match per mentee and mentor). `thread_items` are the thread's
    items as (item type, values)."""
    pair = keys.pair(match["mentee_id"], match["mentor_id"])

    def build(tx: transactions.Transaction):
        _save_counters(tx, mentee_after)
        _save_counters(tx, mentor_after)
        tx.put_new(PairLock, {"pk": pair, "sk": keys.PAIR, "match_id": match["match_id"]})
        for owner in (match["mentee_id"], match["mentor_id"]):
            tx.put_new(MatchItem, _copy_values(match, owner))
        for item_type, values in thread_items:
            tx.put_new(item_type, values)
        directory.sync(tx, mentor_before, mentor_after)

    try:
        transactions.write(build)
    except transactions.TransactionCancelled as cancelled:
        if cancelled.failed_on(keys.user(match["mentee_id"])) or cancelled.failed_on(keys.user(match["mentor_id"])):
            raise transactions.Retry() from None  # load or limits changed since read: decide again
        if cancelled.failed_on(pair):
            raise Conflict("mentor_id: you already have an open match with this mentor") from None
        raise


def change_status(*, match: MatchItem, new_status: str, updated_at: str, actor_id: str, reason: str | None,
                  closing: bool, users_before: list[UserItem], users_after: list[UserItem]) -> None:
    """Move both copies from their current status to `new_status` (conditioned on it), and when
    the match closes: release the mentor's slot, the mentee's count, the pair lock and the thread."""
    from_status = match.status

    def build(tx: transactions.Transaction):
        changes = {"status": new_status, "updated_at": updated_at}
        if closing:
            changes["closed_by"] = actor_id
            if reason:
                changes["close_reason"] = reason
        for owner in (match.mentee_id, match.mentor_id):
            tx.set_values(MatchItem, keys.user(owner), keys.match(match.match_id), changes,
                          expected={"status": from_status})
        if closing:
            for after in users_after:
                _save_counters(tx, after)
            tx.delete(PairLock(keys.pair(match.mentee_id, match.mentor_id), keys.PAIR))
            tx.set_values(ThreadItem, keys.thread(match.thread_id), keys.THREAD, {"is_open": False}, must_exist=True)
            mentor_before = next((u for u in users_before if u.role == "mentor"), None)
            mentor_after = next((u for u in users_after if u.role == "mentor"), None)
            if mentor_before is not None:
                directory.sync(tx, mentor_before, mentor_after)

    try:
        transactions.write(build)
    except transactions.TransactionCancelled as cancelled:
        if cancelled.failed:
            raise transactions.Retry() from None  # the status or a participant changed: re-read
        raise


def document(match: MatchItem) -> dict:
    """A match as the API shows it."""
    return {
        "id": match.match_id,
        "mentee_id": match.mentee_id,
        "mentor_id": match.mentor_id,
        "status": match.status,
        "score": int(match.score),
        "reasons": list(match.reasons),
        "thread_id": match.thread_id,
        "created_at": match.created_at,
        "updated_at": match.updated_at,
    }
