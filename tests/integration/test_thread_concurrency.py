"""Racing sends against a real `chalice local` on DynamoDB Local: every message lands exactly
once, pages walk each message once newest first, unread counts are exact, and concurrent retries
with one Idempotency-Key store one message.

The `live_api` fixture (tests/integration/conftest.py) skips when DynamoDB Local cannot run here,
and fails instead under CI=true.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.factories import mentee_body, mentor_body

SENDS_PER_SIDE = 24
WORKERS = 16
TIMEOUT = 30
TRANSPORT_ATTEMPTS = 3


class Client:
    def __init__(self, base_url: str):
        self.base_url = base_url

    def call(self, method, path, body=None, token=None, headers=None):
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, self.base_url + path, json=body, headers=all_headers, timeout=TIMEOUT)

    def register(self, body) -> tuple[str, str]:
        response = self.call("POST", "/users", body)
        assert response.status_code == 201, response.text
        return response.json()["user"]["id"], response.json()["token"]

    def open_thread(self):
        mentor = self.register(mentor_body(capacity=10))
        mentee = self.register(mentee_body())
        response = self.call("POST", "/matches", {"mentor_id": mentor[0]}, token=mentee[1])
        assert response.status_code == 201, response.text
        match = response.json()["match"]
        assert self.call("POST", f"/matches/{match['id']}/accept", token=mentor[1]).status_code == 200
        return mentee, mentor, match["thread_id"]

    def send(self, thread_id, token, body, key):
        """Like a real client: a send whose connection broke is retried with the same key (a local
        server under a burst may drop a connection), which can never store a message twice."""
        for attempt in range(TRANSPORT_ATTEMPTS):
            try:
                return self.call("POST", f"/threads/{thread_id}/messages", {"body": body}, token=token,
                                 headers={"Idempotency-Key": key})
            except requests.ConnectionError:
                if attempt == TRANSPORT_ATTEMPTS - 1:
                    raise
                time.sleep(0.2)

    def walk(self, thread_id, token, limit):
        messages, cursor = [], None
        while True:
            path = f"/threads/{thread_id}/messages?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
            response = self.call("GET", path, token=token)
            assert response.status_code == 200, response.text
            messages += response.json()["messages"]
            cursor = response.json()["next_cursor"]
            if cursor is None:
                return messages

    def inbox_row(self, thread_id, token):
        threads = self.call("GET", "/threads", token=token).json()["threads"]
        return next(row for row in threads if row["id"] == thread_id)


def unread_for(user_id: str, newest_first: list[dict]) -> int:
    """The other side's messages after the user's own latest one (sending marks read)."""
    count = 0
    for message in newest_first:
        if message["sender_id"] == user_id:
            break
        count += 1
    return count


def test_concurrent_sends_from_both_sides_all_land_once_in_order(live_api):
    client = Client(live_api)
    (mentee_id, mentee_token), (mentor_id, mentor_token), thread_id = client.open_thread()
    jobs = [(token, f"{who} {n}", f"{who}-{n}") for n in range(SENDS_PER_SIDE)
            for who, token in (("mentee", mentee_token), ("mentor", mentor_token))]

    with ThreadPoolExecutor(WORKERS) as pool:
        responses = list(pool.map(lambda job: client.send(thread_id, *job), jobs))

    assert [r.status_code for r in responses] == [201] * len(jobs), [r.text for r in responses if r.status_code != 201]
    stored = {r.json()["message"]["id"]: r.json()["message"] for r in responses}
    assert len(stored) == len(jobs)

    for limit in (7, 100):
        walked = client.walk(thread_id, mentee_token, limit)
        assert [m["id"] for m in walked] == sorted(stored, reverse=True)  # each once, newest first
        assert walked == [stored[m["id"]] for m in walked]
    created = [m["created_at"] for m in walked]
    assert created == sorted(created, reverse=True) and len(set(created)) == len(created)

    for user_id, token in ((mentee_id, mentee_token), (mentor_id, mentor_token)):
        row = client.inbox_row(thread_id, token)
        assert row["last_message"] == walked[0]
        assert row["unread"] == unread_for(user_id, walked)
        assert client.call("POST", f"/threads/{thread_id}/read", {}, token=token).json() == {"unread": 0}
        assert client.inbox_row(thread_id, token)["unread"] == 0


def test_concurrent_retries_with_one_idempotency_key_store_one_message(live_api):
    client = Client(live_api)
    (_, mentee_token), (_, mentor_token), thread_id = client.open_thread()
    attempts = 12

    with ThreadPoolExecutor(attempts) as pool:
        responses = list(pool.map(
            lambda _: client.send(thread_id, mentee_token, "Can we meet on Friday?", key="retry-me"), range(attempts)
        ))

    assert [r.status_code for r in responses] == [201] * attempts, [r.text for r in responses]
    assert len({r.json()["message"]["id"] for r in responses}) == 1
    assert len(client.walk(thread_id, mentor_token, 100)) == 1
    assert client.inbox_row(thread_id, mentor_token)["unread"] == 1
