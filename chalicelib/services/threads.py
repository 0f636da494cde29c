"""Threads: sending and reading messages, the inbox with unread counts, read marks.

Only the two participants of a thread's match see it; to anyone else it does not exist (404).
A thread is open while its match is pending or active and read-only after (409 on a send).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from ..errors import Conflict, Invalid, InvalidInput, NotFound
from ..profiles import deleted_profile, public_profile
from ..responses import Message, MessageEnvelope, MessageList, ReadMark, Thread, ThreadList
from ..storage import due as due_store
from ..storage import paging, transactions
from ..storage import threads as thread_store
from ..storage import users as user_store
from ..storage.models import ThreadItem, ThreadMembership, UserItem
from . import auth

MAX_THREAD_ID_LENGTH = 64
MAX_IDEMPOTENCY_KEY_LENGTH = 200
# Sends to one thread are serialised by its item: under a burst a send may lose a few races.
SEND_ATTEMPTS = 20
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def participant_and_thread(authorization: str | None, thread_id: str) -> tuple[UserItem, ThreadItem]:
    """The caller and the thread, read in one call (the token check folded in): 401 without a
    valid token, 404 when the thread does not exist or the caller is not in it."""
    if not _valid_id(thread_id):
        auth.authenticate(authorization)
        raise NotFound("thread: not found")
    key = thread_store.thread_key(thread_id)
    user, found = auth.authenticate_with(authorization, [key])
    thread = thread_store.thread_of(found.get(key))
    if thread is None or user.id not in (thread.mentee_id, thread.mentor_id):
        raise NotFound("thread: not found")
    return user, thread


def post_message(sender: UserItem, thread: ThreadItem, body, idempotency_key: str | None = None) -> MessageEnvelope:
    """Store a message and update both inbox rows in one transaction; returns `{"message"}`.

    `thread` is the thread as read with the sender (participant_and_thread). With an
    `Idempotency-Key`, a retry returns the message the first request stored and stores nothing
    new (the same key with a different body is a 409). A participant whose account is gone keeps
    no inbox row; the message is stored all the same.
    """
    from .. import schemas  # on first use: building the pydantic models slows cold starts

    if idempotency_key is not None and not 0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
        raise InvalidInput("Idempotency-Key", f"must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters")
    text = schemas.parse(schemas.MessageRequest, body).body
    if not thread.is_open and idempotency_key is None:
        raise _read_only()
    other_id = thread.mentor_id if sender.id == thread.mentee_id else thread.mentee_id
    known = {"latest": thread.updated_at, "gone": frozenset()}

    def attempt():
        message = thread_store.new_message(thread.id, sender.id, text, _next_millisecond(known["latest"]))
        record = None
        if idempotency_key is not None:
            record = thread_store.idempotency_record(thread.id, sender.id, idempotency_key, message, int(time.time()))
        members = tuple(uid for uid in (sender.id, other_id) if uid not in known["gone"])
        try:
            thread_store.append_message(
                message=message, member_ids=members, idempotency=record,
                unread_due=due_store.unread_due(datetime.fromisoformat(message.created_at), thread.id),
            )
        except thread_store.SendRejected as rejected:
            if rejected.original is not None:
                if rejected.original["body"] != text:
                    raise Conflict("Idempotency-Key: already used for a different message") from None
                return rejected.original
            if rejected.thread_changed:
                if rejected.thread is None:
                    raise NotFound("thread: not found") from None
                if not rejected.thread.is_open:
                    raise _read_only() from None
                known["latest"] = rejected.thread.updated_at  # a newer message won the race
            known["gone"] = known["gone"] | rejected.gone
            raise transactions.Retry() from None
        return thread_store.message_values(message)

    return MessageEnvelope(message=Message.model_validate(transactions.run_with_retries(attempt, attempts=SEND_ATTEMPTS)))


def list_messages(thread: ThreadItem, limit: int, cursor: str | None) -> MessageList:
    """A page of the thread's messages, newest first; `next_cursor` walks back in time.
    `thread` was read with the caller (participant_and_thread)."""
    start = thread_store.message_start_key(thread.id, cursor)
    page = thread_store.page_of_messages(thread.id, limit, start)
    return MessageList(
        messages=[Message.model_validate(message) for message in page.items],
        next_cursor=paging.encode_cursor(page.next_key),
    )


def list_threads(authorization: str | None, limit: int, cursor: str | None) -> ThreadList:
    """The caller's inbox, most recent activity first, with the other participant's public
    profile (or the deleted-user placeholder) and the unread count of each thread.

    Two calls: the inbox Query for the user the token names, then the caller's profile and
    session (the token check) with the other participants' in one BatchGetItem; nothing read is used before the
    check passes. A page with more other participants than one BatchGetItem reads ends early,
    its cursor going on from there."""
    given = auth.credentials(authorization)
    try:
        start = thread_store.inbox_start_key(given.user_id, cursor)
    except Invalid:
        auth.authenticate(authorization)  # a 401 comes before a bad cursor
        raise
    memberships, next_key = thread_store.page_of_inbox(given.user_id, limit, start,
                                                       max_others=user_store.others_in_one_read())
    found = user_store.read([*given.keys(), *(user_store.profile_key(m.other_id) for m in memberships)])
    auth.verified(given, found)
    others = user_store.users_of(found)
    return ThreadList(
        threads=[_inbox_entry(membership, others.get(membership.other_id)) for membership in memberships],
        next_cursor=paging.encode_cursor(next_key),
    )


def mark_read(user: UserItem, thread_id: str) -> ReadMark:
    """Mark everything in the thread read for the user."""
    if not _valid_id(thread_id) or not thread_store.mark_read(user.id, thread_id):
        raise NotFound("thread: not found")
    return ReadMark(unread=0)


def _inbox_entry(membership: ThreadMembership, other: UserItem | None) -> Thread:
    last_message = membership.last_message
    return Thread(
        id=membership.thread_id,
        match_id=membership.match_id,
        other=public_profile(other) if other is not None else deleted_profile(membership.other_id),
        last_message=Message.model_validate(last_message) if last_message is not None else None,
        unread=int(membership.unread or 0),
        updated_at=membership.updated_at,
    )


def _valid_id(thread_id: str) -> bool:
    return 0 < len(thread_id) <= MAX_THREAD_ID_LENGTH


def _read_only() -> Exception:
    return Conflict("thread: is read-only because its match is closed")


def _next_millisecond(latest: str) -> int:
    """Now, or just after the thread's latest activity if that is later (clock skew, or a burst
    within one millisecond): a message is always newer than the one before it."""
    latest_ms = (datetime.fromisoformat(latest) - _EPOCH) // timedelta(milliseconds=1)
    return max(time.time_ns() // 1_000_000, latest_ms + 1)
