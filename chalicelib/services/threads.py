"""Threads: sending and reading messages, the inbox with unread counts, read marks.

Only the two participants of a thread's match see it; to anyone else it does not exist (404).
A thread is open while its match is pending or active and read-only after (409 on a send).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from ..errors import Conflict, InvalidInput, NotFound
from ..profiles import deleted_profile, public_profile
from ..storage import paging, transactions
from ..storage import threads as thread_store
from ..storage import users as user_store
from ..storage.models import ThreadItem, ThreadMembership, UserItem

MAX_THREAD_ID_LENGTH = 64
MAX_IDEMPOTENCY_KEY_LENGTH = 200
# Sends to one thread are serialised by its item: under a burst a send may lose a few races.
SEND_ATTEMPTS = 20
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def post_message(sender: UserItem, thread_id: str, body, idempotency_key: str | None = None) -> dict:
    """Store a message and update both inbox rows in one transaction; returns `{"message"}`.

    With an `Idempotency-Key`, a retry returns the message the first request stored and stores
    nothing new (the same key with a different body is a 409). A participant whose account is
    gone keeps no inbox row; the message is stored all the same.
    """
    from .. import schemas  # on first use: building the pydantic models slows cold starts

    if idempotency_key is not None and not 0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
        raise InvalidInput("Idempotency-Key", f"must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters")
    text = schemas.parse(schemas.MessageRequest, body).body
    thread = _participating_thread(sender, thread_id)
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
            thread_store.append_message(message=message, member_ids=members, idempotency=record)
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
        return thread_store.message_document(message)

    return {"message": transactions.run_with_retries(attempt, attempts=SEND_ATTEMPTS)}


def list_messages(user: UserItem, thread_id: str, limit: int, cursor: str | None) -> dict:
    """A page of the thread's messages, newest first; `next_cursor` walks back in time."""
    start = thread_store.message_start_key(thread_id, cursor) if _valid_id(thread_id) else None
    _participating_thread(user, thread_id)
    page = thread_store.page_of_messages(thread_id, limit, start)
    return {
        "messages": page.items,
        "next_cursor": paging.encode_cursor(page.next_key),
    }


def list_threads(user: UserItem, limit: int, cursor: str | None) -> dict:
    """The user's inbox, most recent activity first, with the other participant's public
    profile (or the deleted-user placeholder) and the unread count of each thread."""
    start = thread_store.inbox_start_key(user.id, cursor)
    page = thread_store.page_of_inbox(user.id, limit, start)
    others = user_store.find_users([membership.other_id for membership in page.items])
    return {
        "threads": [_inbox_entry(membership, others.get(membership.other_id)) for membership in page.items],
        "next_cursor": paging.encode_cursor(page.next_key),
    }


def mark_read(user: UserItem, thread_id: str) -> dict:
    """Mark everything in the thread read for the user."""
    if not _valid_id(thread_id) or not thread_store.mark_read(user.id, thread_id):
        raise NotFound("thread: not found")
    return {"unread": 0}


def _inbox_entry(membership: ThreadMembership, other: UserItem | None) -> dict:
    return {
        "id": membership.thread_id,
        "match_id": membership.match_id,
        "other": public_profile(other) if other is not None else deleted_profile(membership.other_id),
        "last_message": membership.last_message,
        "unread": int(membership.unread or 0),
        "updated_at": membership.updated_at,
    }


def _valid_id(thread_id: str) -> bool:
    return 0 < len(thread_id) <= MAX_THREAD_ID_LENGTH


def _participating_thread(user: UserItem, thread_id: str) -> ThreadItem:
    thread = thread_store.find_thread(thread_id) if _valid_id(thread_id) else None
    if thread is None or user.id not in (thread.mentee_id, thread.mentor_id):
        raise NotFound("thread: not found")
    return thread


def _read_only() -> Exception:
    return Conflict("thread: is read-only because its match is closed")


def _next_millisecond(latest: str) -> int:
    """Now, or just after the thread's latest activity if that is later (clock skew, or a burst
    within one millisecond): a message is always newer than the one before it."""
    latest_ms = (datetime.fromisoformat(latest) - _EPOCH) // timedelta(milliseconds=1)
    return max(time.time_ns() // 1_000_000, latest_ms + 1)
