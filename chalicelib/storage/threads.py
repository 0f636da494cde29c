"""Threads: one per match, with a membership item per participant (their inbox row) and messages."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from . import keys
from .models import MessageItem, ThreadItem, ThreadMembership


def find_thread(thread_id: str) -> ThreadItem | None:
    try:
        return ThreadItem.get(keys.thread(thread_id), keys.THREAD)
    except DoesNotExist:
        return None


def message_document(message: MessageItem) -> dict:
    return {
        "id": message.id,
        "thread_id": message.thread_id,
        "sender_id": message.sender_id,
        "body": message.body,
        "created_at": message.created_at,
    }


def membership_item(user_id: str, other_id: str, thread_id: str, match_id: str, updated_at: str,
                    unread: int = 0, last_message: dict | None = None) -> ThreadMembership:
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
                     intro: str | None, intro_id: str | None) -> list:
    """The items of a new, open thread: the thread, both memberships and the optional intro
    message from the mentee (unread for the mentor)."""
    last_message = None
    items: list = []
    if intro:
        message = MessageItem(
            keys.thread(thread_id),
            keys.message(intro_id),
            id=intro_id,
            thread_id=thread_id,
            sender_id=mentee_id,
            body=intro,
            created_at=created_at,
        )
        last_message = message_document(message)
        items.append(message)
    items.append(
        ThreadItem(
            keys.thread(thread_id),
            keys.THREAD,
            id=thread_id,
            match_id=match_id,
            mentee_id=mentee_id,
            mentor_id=mentor_id,
            is_open=True,
            created_at=created_at,
            updated_at=created_at,
            last_message=last_message,
            message_count=1 if intro else 0,
        )
    )
    items.append(membership_item(mentee_id, mentor_id, thread_id, match_id, created_at, 0, last_message))
    items.append(membership_item(mentor_id, mentee_id, thread_id, match_id, created_at, 1 if intro else 0, last_message))
    return items


def memberships(user_id: str) -> list[ThreadMembership]:
    return list(ThreadMembership.query(keys.user(user_id), ThreadMembership.sk.startswith(keys.THREAD_PREFIX)))


def messages_sent_by(user_id: str) -> list[dict]:
    """Every message the user sent, oldest first (for the data export; not a hot path)."""
    sent = []
    for membership in memberships(user_id):
        for message in MessageItem.query(
            keys.thread(membership.thread_id),
            MessageItem.sk.startswith(keys.MESSAGE_PREFIX),
            MessageItem.sender_id == user_id,
        ):
            sent.append(message_document(message))
    return sorted(sent, key=lambda m: m["id"])
