"""The waitlist: per framework, a queue of mentees waiting for a mentor, oldest first.

Two items per waiting mentee, always written and deleted together in one transaction:
- `WaitlistEntry` under WAIT#<framework>, sorted by `<created_at>#<mentee id>`: the queue;
- `WaitlistSpot` under the mentee's own partition (sk WAITLIST): what GET/DELETE /waitlist read
  with the token check, and what makes a second join a 409 (`attribute_not_exists`).
An offer (services.waitlist) deletes both in the transaction that opens the match
(storage.matches.open_match's `also_delete`), so an entry is taken once.
"""

from __future__ import annotations

from ..errors import Conflict
from . import db, keys, transactions
from .models import WaitlistEntry, WaitlistSpot

# Position counts read at most this many pages of the queue (1 MB each: far more entries than any
# queue holds); past that the position is a lower bound.
MAX_COUNT_PAGES = 5


def spot_key(mentee_id: str) -> tuple[str, str]:
    return keys.user(mentee_id), keys.WAITLIST


def entry_key(spot: WaitlistSpot) -> tuple[str, str]:
    return keys.waitlist(spot.framework), spot.entry_sk


def spot_of(found: dict, mentee_id: str) -> WaitlistSpot | None:
    """The mentee's spot among items read by key (users.read), or None."""
    item = found.get(spot_key(mentee_id))
    return WaitlistSpot.from_raw_data(item) if item is not None else None


def new_place(mentee_id: str, framework: str, message: str | None,
              created_at: str) -> tuple[WaitlistEntry, WaitlistSpot]:
    sort_key = keys.waitlist_sort(created_at, mentee_id)
    entry = WaitlistEntry(keys.waitlist(framework), sort_key, mentee_id=mentee_id, framework=framework,
                          message=message, created_at=created_at)
    spot = WaitlistSpot(*spot_key(mentee_id), framework=framework, entry_sk=sort_key, message=message,
                        created_at=created_at)
    return entry, spot


def join(entry: WaitlistEntry, spot: WaitlistSpot) -> None:
    """Put both items; 409 when the mentee already has a spot."""

    def build(tx: transactions.Transaction):
        tx.put_new(spot)
        tx.put_new(entry)

    def attempt():
        try:
            transactions.write(build)
        except transactions.TransactionCancelled as cancelled:
            if cancelled.failed_on(spot.pk, spot.sk):
                raise Conflict("waitlist: you are already on the waitlist") from None
            raise

    transactions.run_with_retries(attempt)


def leave(spot: WaitlistSpot) -> bool:
    """Delete the spot and its entry (both must still be there). False when they were gone
    already (taken by an offer, or left meanwhile)."""

    def build(tx: transactions.Transaction):
        tx.delete(WaitlistSpot(spot.pk, spot.sk), condition=WaitlistSpot.entry_sk == spot.entry_sk)
        tx.delete(WaitlistEntry(*entry_key(spot)), condition=WaitlistEntry.pk.exists())

    def attempt() -> bool:
        try:
            transactions.write(build)
        except transactions.TransactionCancelled as cancelled:
            if cancelled.failed:
                return False
            raise
        return True

    return bool(transactions.run_with_retries(attempt))


def drop(entry: WaitlistEntry) -> None:
    """Delete an entry whose mentee is gone (a deleted account's spot went with the account)."""
    db.delete_item(entry.pk, entry.sk)


def position(framework: str, entry_sk: str) -> int:
    """1 + how many entries of the framework's queue are before `entry_sk` (a COUNT Query)."""
    request = {
        "KeyConditionExpression": "pk = :pk AND sk < :sk",
        "ExpressionAttributeValues": {":pk": {"S": keys.waitlist(framework)}, ":sk": {"S": entry_sk}},
        "Select": "COUNT",
    }
    before = 0
    for _ in range(MAX_COUNT_PAGES):
        page = db.query(**request)
        before += int(page.get("Count", 0))
        start = page.get("LastEvaluatedKey")
        if start is None:
            break
        request["ExclusiveStartKey"] = start
    return before + 1


def oldest(framework: str, *, after: str | None = None, limit: int = 10) -> tuple[list[WaitlistEntry], bool]:
    """Up to `limit` entries of the framework's queue, oldest first, after sort key `after`;
    and whether there may be more."""
    values = {":pk": {"S": keys.waitlist(framework)}}
    condition = "pk = :pk"
    if after is not None:
        condition += " AND sk > :after"
        values[":after"] = {"S": after}
    page = db.query(KeyConditionExpression=condition, ExpressionAttributeValues=values, Limit=limit)
    entries = [WaitlistEntry.from_raw_data(item) for item in page.get("Items", ())]
    return entries, page.get("LastEvaluatedKey") is not None
