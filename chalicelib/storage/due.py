"""The due index (gsi2): items that ask the schedule to act by some time.

An item is in it while it carries `gsi2pk` (one of keys.DUE_SHARDS partitions, by its id) and
`gsi2sk` (`<ISO time>#<what>#<id>`): a pending request's copies (the mentor's: the reminder, the
mentee's: the expiry) and an inbox row with unread messages (the email after a quiet period). A
run reads, per shard, only what is due: its cost grows with the due items, not with the table.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from botocore.exceptions import ClientError

from .. import clock
from ..config import request_expiry
from . import db, keys

INDEX = "gsi2"
REMINDER = "remind"
EXPIRY = "expire"
UNREAD = "unread"
PROGRAM = "program"  # a cohort program to match (services.programs)
REMINDER_AFTER = timedelta(days=3)
UNREAD_QUIET = timedelta(minutes=15)


def attributes(when: str, what: str, item_id: str) -> dict[str, str]:
    """The index attributes that make an item due at `when` (an ISO time) for `what`."""
    return {"gsi2pk": keys.due_shard(item_id), "gsi2sk": keys.due_sort(when, what, item_id)}


def request_due(created_at: datetime, mentee_id: str, mentor_id: str, match_id: str) -> dict[str, dict]:
    """The due attributes of a new request's copies, by owner: the mentee's copy expires it, the
    mentor's reminds them (a reminder due after the expiry never comes: the expiry ends both)."""
    return {
        mentee_id: attributes(clock.iso(created_at + request_expiry()), EXPIRY, match_id),
        mentor_id: attributes(clock.iso(created_at + REMINDER_AFTER), REMINDER, match_id),
    }


def unread_due(first_unread_at: datetime, thread_id: str) -> dict[str, str]:
    """The due attributes an inbox row takes with its first unread message."""
    return attributes(clock.iso(first_unread_at + UNREAD_QUIET), UNREAD, thread_id)


def due_items(now: str, per_shard: int = 200) -> list[dict]:
    """Items due at `now` (ISO), oldest first in each shard, at most `per_shard` from each (the
    rest are due on the next run), in DynamoDB's form."""
    found: list[dict] = []
    for shard in keys.due_shards():
        response = db.query(
            IndexName=INDEX,
            KeyConditionExpression="gsi2pk = :shard AND gsi2sk < :bound",
            ExpressionAttributeValues={":shard": {"S": shard}, ":bound": {"S": f"{now}$"}},  # "$" sorts after "#"
            Limit=per_shard,
        )
        found.extend(response.get("Items", ()))
    return found


def what_of(item: dict) -> str:
    return item["gsi2sk"]["S"].split("#")[1]


def settle(item: dict, *, park: bool = False) -> bool:
    """Take `item` off the due index (or, with `park`, keep it there never due), conditioned on it
    still being due as read: of two runs acting on one item, only one gets True."""
    if park:
        update, values = "SET gsi2sk = :parked", {":parked": {"S": keys.DUE_PARKED}}
    else:
        update, values = "REMOVE gsi2pk, gsi2sk", {}
    try:
        db.update_item(
            Key=db.key(item["pk"]["S"], item["sk"]["S"]),
            UpdateExpression=update,
            ConditionExpression="gsi2sk = :read",
            ExpressionAttributeValues={**values, ":read": item["gsi2sk"]},
        )
    except ClientError as error:
        if db.is_condition_failure(error):
            return False
        raise
    return True
