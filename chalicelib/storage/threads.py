"""Threads: one per match, with a membership item per participant (their inbox row) and messages."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from botocore.exceptions import ClientError
from pynamodb.constants import ALL_OLD

from .. import clock
from ..errors import InvalidInput
from . import db, keys, paging, transactions
from .models import IdempotencyRecord, MessageItem, TableItem, ThreadItem, ThreadMembership


def thread_key(thread_id: str) -> tuple[str, str]:
    """The key of a thread's item (to read it with the caller's profile: services.auth.authenticate_with)."""
    return keys.thread(thread_id), keys.THREAD


def thread_of(item: dict | None) -> ThreadItem | None:
    """A thread's item as read by key, or None."""
    return ThreadItem.from_raw_data(item) if item is not None else None


# A message's own attributes (what a page, a summary and the idempotency record keep of it).
MESSAGE_FIELDS = ("id", "thread_id", "sender_id", "body", "created_at")


def message_values(message: MessageItem) -> dict:
    """A message's own attributes, as stored in inbox rows and idempotency records."""
    return {name: getattr(message, name) for name in MESSAGE_FIELDS}


def _membership(user_id: str, other_id: str, thread_id: str, match_id: str, updated_at: str, unread: int,
                last_message: dict | None) -> ThreadMembership:
    return ThreadMembership(
        keys.user(user_id),
        keys.membership(thread_id),
        thread_id=thread_id,
        match_id=match_id,
        other_id=other_id,
        unread=unread,
        updated_at=updated_at,
        last_message=last_message,
        gsi1pk=keys.inbox(user_id),
        gsi1sk=keys.inbox_sort(updated_at, thread_id),
    )


def new_thread_items(*, thread_id: str, match_id: str, mentee_id: str, mentor_id: str, created_at: str,
                     intro: str | None, intro_id: str | None) -> list[TableItem]:
    """The items of a new, open thread: the thread, both memberships and the optional intro
    message from the mentee (unread for the mentor)."""
    last_message = None
    items: list[TableItem] = []
    if intro:
        message = {"id": intro_id, "thread_id": thread_id, "sender_id": mentee_id, "body": intro,
                   "created_at": created_at}
        last_message = dict(message)
        items.append(MessageItem(keys.thread(thread_id), keys.message(intro_id), **message))
    items.append(ThreadItem(
        keys.thread(thread_id),
        keys.THREAD,
        id=thread_id,
        mentee_id=mentee_id,
        mentor_id=mentor_id,
        is_open=True,
        updated_at=created_at,
    ))
    items.append(_membership(mentee_id, mentor_id, thread_id, match_id, created_at, 0, last_message))
    items.append(_membership(mentor_id, mentee_id, thread_id, match_id, created_at, 1 if intro else 0, last_message))
    return items


def messages_sent_by(user_id: str) -> list[dict]:
    """Every message the user sent, oldest first, as their own attributes (for the data export;
    not a hot path: a Query of the memberships, then one per thread)."""
    memberships = db.query_all(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": keys.user(user_id)}, ":prefix": {"S": keys.THREAD_PREFIX}},
        ProjectionExpression="thread_id",
    )
    sent = []
    for membership in memberships:
        sent.extend(db.query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            FilterExpression="sender_id = :sender",
            ExpressionAttributeValues={
                ":pk": {"S": keys.thread(membership["thread_id"]["S"])},
                ":prefix": {"S": keys.MESSAGE_PREFIX},
                ":sender": {"S": user_id},
            },
            ProjectionExpression=", ".join(MESSAGE_FIELDS),
        ))
    return sorted(({name: item[name]["S"] for name in MESSAGE_FIELDS} for item in sent), key=lambda m: m["id"])


# --- reading: pages of messages and of the inbox --------------------------------------------

MESSAGE_KEY_ATTRIBUTES = ("pk", "sk")
INBOX_KEY_ATTRIBUTES = ("gsi1pk", "gsi1sk", "pk", "sk")


def page_of_messages(thread_id: str, limit: int, start_key: dict | None) -> paging.Page:
    """Newest first, as message documents; one Query whatever the thread's length (the key
    condition skips the thread item and the idempotency records that share the partition).

    The most read page of the service: the messages are taken from the items as DynamoDB returns
    them, without a model instance each (every attribute is a string)."""
    request = {
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        "ExpressionAttributeValues": {":pk": {"S": keys.thread(thread_id)}, ":prefix": {"S": keys.MESSAGE_PREFIX}},
        "ProjectionExpression": ", ".join((*MESSAGE_KEY_ATTRIBUTES, *MESSAGE_FIELDS)),
        "ScanIndexForward": False,
        "Limit": limit + 1,
    }
    if start_key is not None:
        request["ExclusiveStartKey"] = start_key
    response = db.query(**request)
    page = paging.page_of(response.get("Items", []), limit,
                          lambda last: {name: last[name] for name in MESSAGE_KEY_ATTRIBUTES},
                          response.get("LastEvaluatedKey"))
    page.items = [{name: item[name]["S"] for name in MESSAGE_FIELDS} for item in page.items]
    return page


def message_start_key(thread_id: str, cursor: str | None) -> dict | None:
    """The start key of a messages cursor: it must point into this thread's messages."""
    start = paging.decode_cursor(cursor, expected={"pk": keys.thread(thread_id)}, key_attributes=MESSAGE_KEY_ATTRIBUTES)
    if start is not None and not _is_message_key(start["sk"]["S"]):
        raise InvalidInput("cursor", "is not a valid cursor")
    return start


def page_of_inbox(user_id: str, limit: int, start_key: dict | None, *,
                  max_others: int | None = None) -> tuple[list[ThreadMembership], dict | None]:
    """The user's memberships by last activity, most recent first (one Query of the gsi1 index),
    and the next key. With `max_others`, the page ends before the membership of a (max_others +
    1)th distinct other participant (so that their profiles fit in one read), the next key
    continuing from there."""
    page = paging.fetch_page(
        key_condition="gsi1pk = :pk",
        values={":pk": {"S": keys.inbox(user_id)}},
        index="gsi1",
        limit=limit,
        key_attributes=INBOX_KEY_ATTRIBUTES,
        start_key=start_key,
        newest_first=True,
    )
    items, next_key = page.items, page.next_key
    if max_others is not None:
        others: set[str] = set()
        for index, item in enumerate(items):
            others.add(item["other_id"]["S"])
            if len(others) > max_others:
                items = items[:index]
                next_key = {name: items[-1][name] for name in INBOX_KEY_ATTRIBUTES}
                break
    return [ThreadMembership.from_raw_data(item) for item in items], next_key


def inbox_start_key(user_id: str, cursor: str | None) -> dict | None:
    """The start key of an inbox cursor: it must point into this user's own memberships."""
    start = paging.decode_cursor(
        cursor,
        expected={"gsi1pk": keys.inbox(user_id), "pk": keys.user(user_id)},
        key_attributes=INBOX_KEY_ATTRIBUTES,
    )
    if start is not None and not start["sk"]["S"].startswith(keys.THREAD_PREFIX):
        raise InvalidInput("cursor", "is not a valid cursor")
    return start


def _is_message_key(sort_key: str) -> bool:
    from ulid import ULID  # on first use, to keep cold starts cheap

    if not sort_key.startswith(keys.MESSAGE_PREFIX):
        return False
    try:
        ULID.from_str(sort_key[len(keys.MESSAGE_PREFIX):])
    except ValueError:
        return False
    return True


# --- writing: a message, read marks ---------------------------------------------------------

IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60


def new_message(thread_id: str, sender_id: str, body: str, created_ms: int) -> MessageItem:
    """A message whose id (a ULID) carries the same millisecond as its `created_at`."""
    from ulid import ULID  # on first use, to keep cold starts cheap

    message_id = str(ULID.from_timestamp(created_ms))
    created_at = clock.iso(datetime.fromtimestamp(created_ms / 1000, tz=timezone.utc))
    return MessageItem(
        keys.thread(thread_id),
        keys.message(message_id),
        id=message_id,
        thread_id=thread_id,
        sender_id=sender_id,
        body=body,
        created_at=created_at,
    )


def idempotency_record(thread_id: str, sender_id: str, key: str, message: MessageItem,
                       now_seconds: int) -> IdempotencyRecord:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return IdempotencyRecord(
        keys.thread(thread_id),
        keys.idempotency(sender_id, digest),
        message=message_values(message),
        expires_at=now_seconds + IDEMPOTENCY_TTL_SECONDS,
    )


@dataclass
class SendRejected(Exception):
    """Why DynamoDB refused a message's transaction, decided from the failed conditions.

    `original`: an earlier request with the same idempotency key already stored this message.
    `thread_changed`: the thread was closed, or took a newer message since it was read; `thread`
    is the thread as it is now (None if it no longer exists).
    `gone`: participants whose membership no longer exists (their account was deleted).
    """

    original: dict | None = None
    thread_changed: bool = False
    thread: ThreadItem | None = None
    gone: frozenset[str] = frozenset()


def append_message(*, message: MessageItem, member_ids: tuple[str, ...],
                   idempotency: IdempotencyRecord | None = None, unread_due: dict[str, str] | None = None) -> None:
    """Store a message in ONE TransactWriteItems: the message, the thread's latest time, each
    participant's inbox row (the sender's read, the other's unread + 1) and the idempotency record.

    `member_ids` is (sender, other), without anyone whose membership is known to be gone. The
    thread update is conditioned on the thread being open and on its latest activity being older
    than the message, so messages commit in the order of their ids (a page read at any moment
    never misses one that commits later above it) and the inbox rows' `last_message` is always the
    newest. The other's row becomes due (`unread_due`, services.schedule) unless it already is:
    its first unread message starts the quiet period; the sender's row, read, is due no more.
    Raises SendRejected when a condition fails (TransactionCancelled, transient, on a conflict).
    """
    thread_id = message.thread_id
    summary = message_values(message)
    created_at = message.created_at
    thread_key = (keys.thread(thread_id), keys.THREAD)

    def build(tx):
        tx.save(message, condition=MessageItem.pk.does_not_exist())
        if idempotency is not None:
            # An expired record (TTL deletion is lazy) no longer counts.
            tx.save(
                idempotency,
                condition=IdempotencyRecord.pk.does_not_exist() | (IdempotencyRecord.expires_at < int(time.time())),
                return_values=ALL_OLD,
            )
        tx.update(
            ThreadItem(*thread_key),
            actions=[ThreadItem.updated_at.set(created_at)],
            condition=(ThreadItem.is_open == True) & (ThreadItem.updated_at < created_at),  # noqa: E712
            return_values=ALL_OLD,
        )
        for member_id in member_ids:
            is_sender = member_id == message.sender_id
            if is_sender:
                due = [ThreadMembership.gsi2pk.remove(), ThreadMembership.gsi2sk.remove()]
            elif unread_due:
                due = [ThreadMembership.gsi2pk.set(ThreadMembership.gsi2pk | unread_due["gsi2pk"]),
                       ThreadMembership.gsi2sk.set(ThreadMembership.gsi2sk | unread_due["gsi2sk"])]
            else:
                due = []
            tx.update(
                ThreadMembership(keys.user(member_id), keys.membership(thread_id)),
                actions=[
                    ThreadMembership.unread.set(0) if is_sender else ThreadMembership.unread.add(1),
                    ThreadMembership.last_message.set(summary),
                    ThreadMembership.updated_at.set(created_at),
                    ThreadMembership.gsi1sk.set(keys.inbox_sort(created_at, thread_id)),
                    *due,
                ],
                # Never recreate the inbox row of a deleted account.
                condition=ThreadMembership.pk.exists(),
            )

    try:
        transactions.write(build)
    except transactions.TransactionCancelled as cancelled:
        if not cancelled.failed:
            raise  # transient: run_with_retries tries again
        # The items returned with a failed condition (ALL_OLD) tell a retry from a race.
        if idempotency is not None and (idempotency.pk, idempotency.sk) in cancelled.failed:
            record = IdempotencyRecord.from_raw_data(cancelled.failed[idempotency.pk, idempotency.sk])
            raise SendRejected(original=record.message) from None
        current = cancelled.failed.get(thread_key)
        raise SendRejected(
            thread_changed=thread_key in cancelled.failed,
            thread=ThreadItem.from_raw_data(current) if current else None,
            gone=frozenset(
                member_id for member_id in member_ids
                if (keys.user(member_id), keys.membership(thread_id)) in cancelled.failed
            ),
        ) from None


def mark_read(user_id: str, thread_id: str) -> bool:
    """Set the user's unread count to 0 (nothing left to email them about: off the due index);
    False when the user has no membership in the thread."""
    try:
        db.update_item(
            Key=db.key(keys.user(user_id), keys.membership(thread_id)),
            UpdateExpression="SET unread = :zero REMOVE gsi2pk, gsi2sk",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":zero": {"N": "0"}},
        )
    except ClientError as error:
        if db.is_condition_failure(error):
            return False
        raise
    return True
