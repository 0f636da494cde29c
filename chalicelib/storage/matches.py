"""Matches: a copy per participant, the pair lock, and the transactions of the lifecycle."""

from __future__ import annotations

from ..errors import Conflict
from . import db, directory, keys, paging, transactions
from .models import MatchItem, PairLock, TableItem, ThreadItem, UserItem


def find_match(user_id: str, match_id: str) -> MatchItem | None:
    """The caller's copy of a match: None when it does not exist or the caller is not in it."""
    item = db.get_item(keys.user(user_id), keys.match(match_id))
    return MatchItem.from_raw_data(item) if item is not None else None


_MATCHES_OF = "pk = :pk AND begins_with(sk, :prefix)"


def _matches_of(user_id: str) -> dict[str, dict]:
    return {":pk": {"S": keys.user(user_id)}, ":prefix": {"S": keys.MATCH_PREFIX}}


def all_matches(user_id: str) -> list[MatchItem]:
    """Every match of a user (their history is small: a few per month at most)."""
    items = db.query_all(KeyConditionExpression=_MATCHES_OF, ExpressionAttributeValues=_matches_of(user_id))
    return [MatchItem.from_raw_data(item) for item in items]


def have_shared_match(mentor_id: str, mentee_id: str) -> bool:
    # The filter is applied after reading: read pages, not single items.
    page = paging.fetch_page(
        key_condition=_MATCHES_OF,
        values={**_matches_of(mentor_id), ":mentee": {"S": mentee_id}},
        filter_expression="mentee_id = :mentee",
        limit=1,
        max_read=1000,
    )
    return bool(page.items)


def page_of_matches(user_id: str, status: str | None, limit: int, start_key: dict | None) -> tuple[list[MatchItem], dict | None]:
    """The user's matches, newest first, optionally with one status: the matches and the next key."""
    values = _matches_of(user_id)
    if status:
        values[":status"] = {"S": status}
    page = paging.fetch_page(
        key_condition=_MATCHES_OF,
        values=values,
        filter_expression="#status = :status" if status else None,
        names={"#status": "status"} if status else None,
        limit=limit,
        start_key=start_key,
        newest_first=True,
        max_read=200 if status else None,
    )
    return [MatchItem.from_raw_data(item) for item in page.items], page.next_key


def _copy_values(match: dict, owner: str) -> dict:
    """The values of `owner`'s copy of a match: the match, under their partition."""
    return {"pk": keys.user(owner), "sk": keys.match(match["match_id"]), **match}


def copy_for(match: dict, owner: str, due: dict[str, str] | None = None) -> MatchItem:
    """`owner`'s copy of a match (one of its participants), with `due`: its due-index attributes."""
    return MatchItem(**_copy_values(match, owner), **(due or {}))


# What the lifecycle changes on a profile: the open-match counters, a mentor's reputation
# (chalicelib.reputation) and the blocks (services.safety).
_LIFECYCLE_FIELDS = ("mentorships_completed", "answer_minutes", "request_outcomes", "rating_count", "rating_sum",
                     "blocked", "blocked_by")


def save_user_changes(tx: transactions.Transaction, after: UserItem) -> None:
    """Add to `tx` the update of a user's counters, reputation and blocks to `after`'s,
    conditioned on the version `after` was copied from, and bumping it (PynamoDB's
    VersionAttribute does both)."""
    attributes = UserItem.get_attributes()
    actions = [UserItem.open_matches.set(int(after.open_matches or 0)),
               UserItem.active_mentees.set(int(after.active_mentees or 0))]
    for name in _LIFECYCLE_FIELDS:
        value = getattr(after, name)
        if value is not None:
            actions.append(attributes[name].set(value))
    tx.update(UserItem(keys.user(after.id), keys.PROFILE, version=after.version), actions)


def open_match(*, mentee_after: UserItem, mentor_before: UserItem, mentor_after: UserItem, match: dict,
               thread_items: list[TableItem], due: dict[str, dict[str, str]] | None = None,
               also: list[TableItem] | None = None, also_delete: list[TableItem] | None = None) -> None:
    """Create a match in one transaction whose conditions hold every invariant:
    the versions read (so capacity and the mentee's limit were checked on current data),
    and the pair lock (one open match per mentee and mentor). `thread_items` are the thread's
    items, `due` each copy's due-index attributes by owner (services.schedule), `also` more
    items to put and `also_delete` items to delete (must exist) in the same transaction."""
    pair = keys.pair(match["mentee_id"], match["mentor_id"])

    def build(tx: transactions.Transaction):
        save_user_changes(tx, mentee_after)
        save_user_changes(tx, mentor_after)
        tx.put_new(PairLock(pair, keys.PAIR, match_id=match["match_id"]))
        for owner in (match["mentee_id"], match["mentor_id"]):
            tx.put_new(copy_for(match, owner, (due or {}).get(owner)))
        for item in [*thread_items, *(also or [])]:
            tx.put_new(item)
        for item in also_delete or []:
            tx.delete(item, condition=type(item).pk.exists())
        directory.sync(tx, mentor_before, mentor_after)

    try:
        transactions.write(build)
    except transactions.TransactionCancelled as cancelled:
        if cancelled.failed_on(keys.user(match["mentee_id"])) or cancelled.failed_on(keys.user(match["mentor_id"])):
            raise transactions.Retry() from None  # load or limits changed since read: decide again
        if cancelled.failed_on(pair):
            raise Conflict("mentor_id: you already have an open match with this mentor") from None
        if any(cancelled.failed_on(item.pk, item.sk) for item in also_delete or []):
            raise transactions.Retry() from None  # e.g. a waitlist entry taken by another offer
        if any(cancelled.failed_on(item.pk, item.sk) for item in also or []):
            raise Conflict("match: opened already (e.g. by another run of the same program)") from None
        raise


def change_status(*, match: MatchItem, new_status: str, updated_at: str, actor_id: str, reason: str | None,
                  closing: bool, users_before: list[UserItem], users_after: list[UserItem],
                  also: list[TableItem] | None = None) -> None:
    """Move both copies from their current status to `new_status` (conditioned on it), save the
    participants' changes (`users_after`, conditioned on the versions of `users_before`: a
    mentor's reputation, the counters a closing releases) with the directory, and when the match
    closes: release the pair lock and close the thread. `also`: more items to put."""
    from_status = match.status

    def build(tx: transactions.Transaction):
        changes = {"status": new_status, "updated_at": updated_at}
        if from_status == "pending":
            changes.update(gsi2pk=None, gsi2sk=None)  # nothing is due for it any more (storage.due)
        if closing:
            changes.update(closed_at=updated_at, closed_by=actor_id, close_reason=reason or None)
        for owner in (match.mentee_id, match.mentor_id):
            tx.set_values(MatchItem, keys.user(owner), keys.match(match.match_id), changes,
                          expected={"status": from_status})
        for after in users_after:
            save_user_changes(tx, after)
        mentor_before = next((u for u in users_before if u.role == "mentor"), None)
        mentor_after = next((u for u in users_after if u.role == "mentor"), None)
        if mentor_before is not None:
            directory.sync(tx, mentor_before, mentor_after)
        if closing:
            tx.delete(PairLock(keys.pair(match.mentee_id, match.mentor_id), keys.PAIR))
            tx.set_values(ThreadItem, keys.thread(match.thread_id), keys.THREAD, {"is_open": False}, must_exist=True)
        for item in also or []:
            tx.save(item)

    try:
        transactions.write(build)
    except transactions.TransactionCancelled as cancelled:
        if cancelled.failed:
            raise transactions.Retry() from None  # the status or a participant changed: re-read
        raise


def add_feedback(copy: MatchItem, feedback: dict, mentor_before: UserItem | None,
                 mentor_after: UserItem | None) -> None:
    """Put the feedback on its author's copy, conditioned on the match having ended and on no
    feedback there yet, with the mentor's new rating aggregates (`mentor_after`, conditioned on the
    version of `mentor_before`) and their directory entries, in one transaction.

    Raises transactions.Retry when a condition failed (feedback given meanwhile, or the mentor
    changed): the next attempt reads afresh and decides."""

    def build(tx: transactions.Transaction):
        tx.set_values(MatchItem, copy.pk, copy.sk, {"feedback": feedback},
                      expected={"status": "ended", "feedback": None}, must_exist=True)
        if mentor_before is not None and mentor_after is not None:
            save_user_changes(tx, mentor_after)
            directory.sync(tx, mentor_before, mentor_after)

    try:
        transactions.write(build)
    except transactions.TransactionCancelled as cancelled:
        if cancelled.failed:
            raise transactions.Retry() from None
        raise
