"""Threads: sending, paging, the inbox with unread counts, read marks, idempotent retries,
read-only threads, deleted participants, and the DynamoDB calls each request costs."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import pytest

from tests.factories import Registered, register_mentee, register_mentor


@dataclass
class Pair:
    mentee: Registered
    mentor: Registered
    match_id: str
    thread_id: str


def open_thread(api, *, intro=None, accept=True, mentor=None, mentee=None) -> Pair:
    mentor = mentor or register_mentor(api, capacity=10)
    mentee = mentee or register_mentee(api)
    body = {"mentor_id": mentor.id}
    if intro is not None:
        body["message"] = intro
    response = api.post("/matches", body, token=mentee.token)
    assert response.status_code == 201, response.json
    match = response.json["match"]
    if accept:
        assert api.post(f"/matches/{match['id']}/accept", token=mentor.token).status_code == 200
    return Pair(mentee, mentor, match["id"], match["thread_id"])


def send(api, pair_or_thread, user, body, **kw):
    thread_id = pair_or_thread.thread_id if isinstance(pair_or_thread, Pair) else pair_or_thread
    return api.post(f"/threads/{thread_id}/messages", {"body": body}, token=user.token, **kw)


def sent(api, pair, user, body, **kw) -> dict:
    response = send(api, pair, user, body, **kw)
    assert response.status_code == 201, response.json
    return response.json["message"]


def all_messages(api, pair, user, limit=100) -> list[dict]:
    messages, cursor = [], None
    while True:
        query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = api.get(f"/threads/{pair.thread_id}/messages{query}", token=user.token)
        assert response.status_code == 200, response.json
        messages += response.json["messages"]
        cursor = response.json["next_cursor"]
        if cursor is None:
            return messages


def inbox(api, user) -> list[dict]:
    response = api.get("/threads", token=user.token)
    assert response.status_code == 200, response.json
    return response.json["threads"]


def inbox_row(api, user, thread_id) -> dict:
    return next(row for row in inbox(api, user) if row["id"] == thread_id)


def unread(api, user, thread_id) -> int:
    return inbox_row(api, user, thread_id)["unread"]


def encode(flat) -> str:
    return base64.urlsafe_b64encode(json.dumps(flat).encode()).decode().rstrip("=")


def _cursor(**flat) -> str:
    return "cursor=" + encode(flat)


# --- sending and reading -----------------------------------------------------------------------


def test_participants_exchange_messages_and_read_them_newest_first(api):
    pair = open_thread(api)
    first = sent(api, pair, pair.mentee, "Hi! Where should I start with PyTorch?")
    second = sent(api, pair, pair.mentor, "Start with the 60-minute blitz, then we pair on a model.")

    assert set(first) == {"id", "thread_id", "sender_id", "body", "created_at"}
    assert first["thread_id"] == pair.thread_id and first["sender_id"] == pair.mentee.id
    assert first["body"] == "Hi! Where should I start with PyTorch?"
    assert first["created_at"].endswith("Z") and first["created_at"] < second["created_at"]
    for user in (pair.mentee, pair.mentor):
        response = api.get(f"/threads/{pair.thread_id}/messages", token=user.token)
        assert response.status_code == 200
        assert response.json == {"messages": [second, first], "next_cursor": None}


def test_inbox_shows_the_other_participant_the_last_message_and_the_match(api):
    pair = open_thread(api)
    message = sent(api, pair, pair.mentee, "Hello")

    mentee_row = inbox_row(api, pair.mentee, pair.thread_id)
    assert set(mentee_row) == {"id", "match_id", "other", "last_message", "unread", "updated_at"}
    assert mentee_row["match_id"] == pair.match_id
    assert mentee_row["other"] == api.get(f"/users/{pair.mentor.id}", token=pair.mentee.token).json
    assert "email" not in mentee_row["other"] and mentee_row["other"]["role"] == "mentor"
    assert mentee_row["last_message"] == message and mentee_row["updated_at"] == message["created_at"]
    mentor_row = inbox_row(api, pair.mentor, pair.thread_id)
    assert mentor_row["other"] == api.get(f"/users/{pair.mentee.id}", token=pair.mentor.token).json
    assert "email" not in mentor_row["other"]
    assert mentor_row["last_message"] == message and mentor_row["unread"] == 1


def test_new_thread_without_intro_has_no_messages(api):
    pair = open_thread(api, accept=False)
    response = api.get(f"/threads/{pair.thread_id}/messages", token=pair.mentor.token)
    assert response.json == {"messages": [], "next_cursor": None}
    row = inbox_row(api, pair.mentor, pair.thread_id)
    assert row["last_message"] is None and row["unread"] == 0


def test_intro_is_the_first_message_and_unread_for_the_mentor(api):
    pair = open_thread(api, intro="  I want to move to our ranking team.  ", accept=False)
    [intro] = all_messages(api, pair, pair.mentor)
    assert intro["body"] == "I want to move to our ranking team." and intro["sender_id"] == pair.mentee.id
    assert unread(api, pair.mentor, pair.thread_id) == 1 and unread(api, pair.mentee, pair.thread_id) == 0
    reply = sent(api, pair, pair.mentor, "Happy to help, accepting now.")  # a pending thread is open
    assert [m["id"] for m in all_messages(api, pair, pair.mentee)] == [reply["id"], intro["id"]]


def test_unread_counts_the_other_participants_messages_since_the_last_read(api):
    pair = open_thread(api)
    for n in range(3):
        sent(api, pair, pair.mentee, f"question {n}")
    assert unread(api, pair.mentor, pair.thread_id) == 3
    assert unread(api, pair.mentee, pair.thread_id) == 0

    sent(api, pair, pair.mentor, "answer")  # sending marks the thread read for the sender
    assert unread(api, pair.mentor, pair.thread_id) == 0
    assert unread(api, pair.mentee, pair.thread_id) == 1

    sent(api, pair, pair.mentee, "thanks")
    sent(api, pair, pair.mentee, "one more thing")
    assert unread(api, pair.mentor, pair.thread_id) == 2
    assert unread(api, pair.mentee, pair.thread_id) == 0


def test_marking_read_clears_only_the_callers_count(api):
    pair = open_thread(api)
    sent(api, pair, pair.mentee, "ping")
    sent(api, pair, pair.mentor, "pong")
    sent(api, pair, pair.mentor, "pong again")

    response = api.post(f"/threads/{pair.thread_id}/read", {}, token=pair.mentee.token)
    assert response.status_code == 200 and response.json == {"unread": 0}
    assert unread(api, pair.mentee, pair.thread_id) == 0
    assert api.post(f"/threads/{pair.thread_id}/read", token=pair.mentee.token).json == {"unread": 0}
    sent(api, pair, pair.mentee, "ok")
    assert unread(api, pair.mentor, pair.thread_id) == 1


def test_bodies_are_trimmed_and_otherwise_stored_exactly_as_sent(api):
    pair = open_thread(api)
    text = '<script>alert("x")</script> & <b>bold</b>\n\tline two: ü, 😀, \\n, {"json": true}'
    message = sent(api, pair, pair.mentee, f" \n {text} \t ")
    assert message["body"] == text
    assert all_messages(api, pair, pair.mentor)[0]["body"] == text
    assert inbox_row(api, pair.mentor, pair.thread_id)["last_message"]["body"] == text
    longest = sent(api, pair, pair.mentor, "  " + "x" * 4000 + "  ")
    assert longest["body"] == "x" * 4000


# --- paging ------------------------------------------------------------------------------------


@pytest.mark.parametrize("count, limit", [(21, 7), (23, 5), (3, 100)])
def test_pages_walk_back_in_time_over_every_message_exactly_once(api, count, limit):
    pair = open_thread(api)
    ids = [sent(api, pair, (pair.mentee, pair.mentor)[n % 2], f"message {n}")["id"] for n in range(count)]

    pages, cursor = [], None
    while True:
        query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(f"/threads/{pair.thread_id}/messages{query}", token=pair.mentee.token).json
        pages.append(body["messages"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    walked = [m["id"] for page in pages for m in page]
    assert walked == list(reversed(ids))
    assert all(len(page) == limit for page in pages[:-1]) and 0 < len(pages[-1]) <= limit
    assert len(pages) == -(-count // limit)  # an exact last page hands out no cursor
    times = [m["created_at"] for page in pages for m in page]
    assert times == sorted(times, reverse=True)


def test_default_page_is_twenty_messages(api):
    pair = open_thread(api)
    for n in range(22):
        sent(api, pair, pair.mentee, f"m{n}")
    body = api.get(f"/threads/{pair.thread_id}/messages", token=pair.mentor.token).json
    assert len(body["messages"]) == 20 and body["next_cursor"]
    assert body["messages"][0]["body"] == "m21"


@pytest.mark.parametrize(
    "query",
    [
        lambda thread: "limit=101",
        lambda thread: "limit=0",
        lambda thread: "limit=-1",
        lambda thread: "limit=ten",
        lambda thread: "cursor=not-a-cursor",
        lambda thread: "cursor=" + "A" * 2000,
        lambda thread: _cursor(pk="THREAD#another", sk="MSG#01J00000000000000000000000"),
        lambda thread: _cursor(pk=f"THREAD#{thread}", sk="THREAD"),
        lambda thread: _cursor(pk=f"THREAD#{thread}", sk="IDEM#someone#abc"),
        lambda thread: _cursor(pk=f"THREAD#{thread}", sk="MSG#not-a-ulid"),
        lambda thread: _cursor(pk=f"THREAD#{thread}"),
        lambda thread: _cursor(pk=f"THREAD#{thread}", sk="MSG#01J00000000000000000000000", extra="x"),
        lambda thread: "cursor=" + encode([f"THREAD#{thread}"]),
    ],
    ids=["limit over 100", "limit 0", "negative limit", "limit not a number", "cursor not base64",
         "cursor too long", "cursor of another thread", "cursor on the thread item", "cursor on an idempotency record",
         "cursor with a bad message id", "cursor without sk", "cursor with an extra key", "cursor not an object"],
)
def test_bad_paging_parameters_are_rejected(api, query):
    pair = open_thread(api)
    sent(api, pair, pair.mentee, "hello")
    response = api.get(f"/threads/{pair.thread_id}/messages?{query(pair.thread_id)}", token=pair.mentee.token)
    assert response.status_code == 400, response.json
    assert response.json["Message"].split(":")[0] in ("limit", "cursor")


def test_a_cursor_from_another_thread_is_rejected(api):
    first, second = open_thread(api), open_thread(api)
    for pair in (first, second):
        for n in range(3):
            sent(api, pair, pair.mentee, f"m{n}")
    cursor = api.get(f"/threads/{first.thread_id}/messages?limit=1", token=first.mentee.token).json["next_cursor"]
    response = api.get(f"/threads/{second.thread_id}/messages?limit=1&cursor={cursor}", token=second.mentee.token)
    assert response.status_code == 400 and response.json["Message"].startswith("cursor:")


def test_inbox_is_ordered_by_last_activity_and_paged(api):
    mentor = register_mentor(api, capacity=10)
    pairs = [open_thread(api, mentor=mentor) for _ in range(5)]
    for pair in pairs:
        sent(api, pair, pair.mentee, "hello")
    sent(api, pairs[1], pairs[1].mentee, "bumping the oldest but one")

    expected = [pairs[i].thread_id for i in (1, 4, 3, 2, 0)]
    assert [row["id"] for row in inbox(api, mentor)] == expected
    walked, cursor = [], None
    while True:
        body = api.get("/threads?limit=2" + (f"&cursor={cursor}" if cursor else ""), token=mentor.token).json
        walked += [row["id"] for row in body["threads"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert walked == expected
    assert inbox_row(api, mentor, pairs[1].thread_id)["unread"] == 2


@pytest.mark.parametrize("query", ["limit=101", "limit=0", "cursor=junk", "cursor=" + encode({"pk": "USER#x"})])
def test_bad_inbox_paging_parameters_are_rejected(api, query):
    pair = open_thread(api)
    response = api.get(f"/threads?{query}", token=pair.mentee.token)
    assert response.status_code == 400 and response.json["Message"].split(":")[0] in ("limit", "cursor")


def test_an_inbox_cursor_of_another_user_is_rejected(api):
    mentor = register_mentor(api, capacity=10)
    for _ in range(3):
        open_thread(api, mentor=mentor)
    cursor = api.get("/threads?limit=1", token=mentor.token).json["next_cursor"]
    stranger = register_mentee(api)
    response = api.get(f"/threads?cursor={cursor}", token=stranger.token)
    assert response.status_code == 400 and response.json["Message"].startswith("cursor:")


# --- idempotent retries ------------------------------------------------------------------------


def test_a_retry_with_the_same_idempotency_key_stores_one_message(api):
    pair = open_thread(api)
    headers = {"Idempotency-Key": "c0ffee-1"}
    first = send(api, pair, pair.mentee, "Are you free on Tuesday?", headers=headers)
    again = send(api, pair, pair.mentee, "  Are you free on Tuesday?  ", headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert [m["id"] for m in all_messages(api, pair, pair.mentor)] == [first.json["message"]["id"]]
    assert unread(api, pair.mentor, pair.thread_id) == 1


def test_idempotency_keys_are_per_sender_and_distinct_keys_are_distinct_messages(api):
    pair = open_thread(api)
    a = sent(api, pair, pair.mentee, "same words", headers={"Idempotency-Key": "k1"})
    b = sent(api, pair, pair.mentee, "same words", headers={"Idempotency-Key": "k2"})
    c = sent(api, pair, pair.mentor, "same words", headers={"Idempotency-Key": "k1"})
    assert len({a["id"], b["id"], c["id"]}) == 3
    assert len(all_messages(api, pair, pair.mentee)) == 3


def test_reusing_a_key_for_a_different_message_is_a_conflict(api):
    pair = open_thread(api)
    sent(api, pair, pair.mentee, "first", headers={"Idempotency-Key": "k"})
    response = send(api, pair, pair.mentee, "something else", headers={"Idempotency-Key": "k"})
    assert response.status_code == 409 and response.json["Message"].startswith("Idempotency-Key:")
    assert [m["body"] for m in all_messages(api, pair, pair.mentee)] == ["first"]


def test_a_retry_after_the_match_closed_still_returns_the_original(api):
    pair = open_thread(api)
    original = sent(api, pair, pair.mentee, "last words", headers={"Idempotency-Key": "late"})
    assert api.post(f"/matches/{pair.match_id}/end", token=pair.mentor.token).status_code == 200
    again = send(api, pair, pair.mentee, "last words", headers={"Idempotency-Key": "late"})
    assert again.status_code == 201 and again.json["message"] == original
    fresh = send(api, pair, pair.mentee, "last words", headers={"Idempotency-Key": "new"})
    assert fresh.status_code == 409
    assert len(all_messages(api, pair, pair.mentee)) == 1


# --- closed threads ----------------------------------------------------------------------------


@pytest.mark.parametrize("accept, action, actor", [(False, "decline", "mentor"), (False, "cancel", "mentee"),
                                                   (True, "end", "mentee"), (True, "end", "mentor")])
def test_a_closed_thread_is_read_only(api, accept, action, actor):
    pair = open_thread(api, intro="hello", accept=accept)
    assert api.post(f"/matches/{pair.match_id}/{action}", token=getattr(pair, actor).token).status_code == 200

    for user in (pair.mentee, pair.mentor):
        response = send(api, pair, user, "anyone there?")
        assert response.status_code == 409
        assert response.json["Message"].startswith("thread: is read-only")
    assert [m["body"] for m in all_messages(api, pair, pair.mentor)] == ["hello"]
    assert api.post(f"/threads/{pair.thread_id}/read", token=pair.mentor.token).json == {"unread": 0}
    assert inbox_row(api, pair.mentee, pair.thread_id)["last_message"]["body"] == "hello"


# --- invalid input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"body": {"body": ""}}, "body"),
        ({"body": {"body": " \n\t "}}, "body"),
        ({"body": {"body": "x" * 4001}}, "body"),
        ({"body": {"body": "  " + "x" * 4001}}, "body"),
        ({"body": {}}, "body"),
        ({"body": {"body": 42}}, "body"),
        ({"body": {"body": None}}, "body"),
        ({"body": {"body": ["hi"]}}, "body"),
        ({"body": {"body": "hi", "sender_id": "someone-else"}}, "sender_id"),
        ({"body": ["hi"]}, "body"),
        ({"raw": "{not json"}, "body"),
        ({"raw": ""}, "body"),
        ({"body": {"body": "hi"}, "headers": {"Idempotency-Key": "k" * 201}}, "Idempotency-Key"),
        ({"body": {"body": "hi"}, "headers": {"Idempotency-Key": ""}}, "Idempotency-Key"),
    ],
)
def test_invalid_messages_are_rejected_and_nothing_is_stored(api, calls, kwargs, field):
    pair = open_thread(api)
    sent(api, pair, pair.mentee, "before")
    calls.reset()
    response = api.post(f"/threads/{pair.thread_id}/messages", token=pair.mentee.token, **kwargs)
    assert response.status_code == 400, response.json
    assert response.json["Message"].startswith(f"{field}:")
    assert "TransactWriteItems" not in calls.by_operation()
    assert [m["body"] for m in all_messages(api, pair, pair.mentor)] == ["before"]
    assert unread(api, pair.mentor, pair.thread_id) == 1


def test_an_idempotency_key_of_200_characters_is_accepted(api):
    pair = open_thread(api)
    assert send(api, pair, pair.mentee, "hi", headers={"Idempotency-Key": "k" * 200}).status_code == 201


# --- deleted participants ---------------------------------------------------------------------


def test_after_an_account_is_deleted_the_other_side_keeps_the_read_only_thread(api):
    pair = open_thread(api, intro="Hi, I am switching from Go to ML.")
    sent(api, pair, pair.mentor, "Welcome!")
    last = sent(api, pair, pair.mentee, "Thanks, bye for now.")
    assert api.delete("/users/me", token=pair.mentee.token).status_code == 204

    row = inbox_row(api, pair.mentor, pair.thread_id)
    assert row["other"] == {"id": pair.mentee.id, "role": None, "name": "Deleted user", "deleted": True}
    assert row["last_message"] == last and row["unread"] == 1
    messages = all_messages(api, pair, pair.mentor)
    assert [m["sender_id"] for m in messages] == [pair.mentee.id, pair.mentor.id, pair.mentee.id]
    assert send(api, pair, pair.mentor, "Are you still there?").status_code == 409
    assert api.post(f"/threads/{pair.thread_id}/read", token=pair.mentor.token).json == {"unread": 0}
    assert api.get("/threads", token=pair.mentee.token).status_code == 401


def test_a_message_to_a_participant_whose_inbox_row_is_gone_is_stored_without_recreating_it(api):
    # Account deletion closes the thread before removing the inbox row; should a send still race
    # in between, the message is stored and no inbox row is written for the deleted account.
    from chalicelib.storage import keys
    from chalicelib.storage.models import ThreadMembership

    pair = open_thread(api)
    ThreadMembership.get(keys.user(pair.mentee.id), keys.membership(pair.thread_id)).delete()
    message = sent(api, pair, pair.mentor, "hello?")
    assert [m["id"] for m in all_messages(api, pair, pair.mentor)] == [message["id"]]
    assert inbox_row(api, pair.mentor, pair.thread_id)["last_message"] == message
    assert api.get("/threads", token=pair.mentee.token).json["threads"] == []
    assert ThreadMembership.count(keys.user(pair.mentee.id), ThreadMembership.sk.startswith("THREAD#")) == 0


def test_export_lists_the_messages_the_user_sent(api):
    pair = open_thread(api, intro="intro")
    mine = [sent(api, pair, pair.mentee, "one"), sent(api, pair, pair.mentee, "two", headers={"Idempotency-Key": "k"})]
    sent(api, pair, pair.mentor, "not mine")
    other = open_thread(api, mentee=pair.mentee)
    mine.append(sent(api, other, pair.mentee, "in another thread"))

    export = api.get("/users/me/export", token=pair.mentee.token).json
    assert [m["body"] for m in export["messages"]] == ["intro", "one", "two", "in another thread"]
    assert export["messages"][1:] == mine
    assert [m["body"] for m in api.get("/users/me/export", token=pair.mentor.token).json["messages"]] == ["not mine"]


# --- what a request costs ----------------------------------------------------------------------


def test_sending_costs_two_calls(api, calls):
    pair = open_thread(api)
    calls.reset()
    sent(api, pair, pair.mentee, "hello")
    assert calls.count <= 2
    # The token check is folded into the read of the thread.
    assert calls.by_operation() == {"BatchGetItem": 1, "TransactWriteItems": 1}

    calls.reset()
    sent(api, pair, pair.mentee, "again", headers={"Idempotency-Key": "k"})
    sent(api, pair, pair.mentee, "again", headers={"Idempotency-Key": "k"})  # answered from the cancelled transaction
    assert calls.by_operation() == {"BatchGetItem": 2, "TransactWriteItems": 2}


def test_a_page_of_messages_costs_two_calls_at_any_depth(api, calls):
    pair = open_thread(api)
    for n in range(12):
        sent(api, pair, pair.mentee, f"m{n}")
    cursor = None
    for _ in range(3):
        calls.reset()
        query = "?limit=5" + (f"&cursor={cursor}" if cursor else "")
        cursor = api.get(f"/threads/{pair.thread_id}/messages{query}", token=pair.mentor.token).json["next_cursor"]
        assert calls.count <= 2
        assert calls.by_operation() == {"BatchGetItem": 1, "Query": 1}
    assert cursor is None


def test_the_inbox_costs_two_calls_however_many_threads(api, calls):
    mentor = register_mentor(api, capacity=10)
    for _ in range(5):
        pair = open_thread(api, mentor=mentor)
        sent(api, pair, pair.mentee, "hello")
    calls.reset()
    threads = inbox(api, mentor)
    assert len(threads) == 5 and all(row["other"]["role"] == "mentee" for row in threads)
    assert calls.count <= 2
    # The caller's profile (the token check) is read with the other participants' profiles.
    assert calls.by_operation() == {"Query": 1, "BatchGetItem": 1}


def test_marking_read_costs_two_calls(api, calls):
    pair = open_thread(api, intro="hi")
    calls.reset()
    assert api.post(f"/threads/{pair.thread_id}/read", token=pair.mentor.token).status_code == 200
    assert calls.by_operation() == {"BatchGetItem": 1, "UpdateItem": 1}  # the profile and session, then the mark


def test_an_inbox_page_with_more_people_than_one_read_ends_early_and_stays_at_two_calls(api, calls, monkeypatch):
    from chalicelib.storage import db

    monkeypatch.setattr(db, "MAX_BATCH_GET_KEYS", 5)  # the caller, their session and 3 others per BatchGetItem
    mentor = register_mentor(api, capacity=10)
    threads = set()
    for _ in range(5):
        pair = open_thread(api, mentor=mentor)
        sent(api, pair, pair.mentee, "hello")
        threads.add(pair.thread_id)
    calls.reset()
    first = api.get("/threads?limit=5", token=mentor.token).json
    assert calls.by_operation() == {"Query": 1, "BatchGetItem": 1}
    assert len(first["threads"]) == 3 and first["next_cursor"] is not None
    assert all(row["other"]["role"] == "mentee" for row in first["threads"])
    calls.reset()
    rest = api.get(f"/threads?limit=5&cursor={first['next_cursor']}", token=mentor.token).json
    assert calls.count == 2
    assert rest["next_cursor"] is None
    assert {row["id"] for row in first["threads"] + rest["threads"]} == threads
    assert len(first["threads"]) + len(rest["threads"]) == 5
