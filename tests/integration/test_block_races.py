"""Blocks racing sends and requests through a real threaded `chalice local` on DynamoDB Local: a
block closes the pair's thread in the same transaction as their match, so every send either landed
before it (and is in the thread) or is refused with a 409; and a request racing a block never
leaves an open match between the two."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.factories import mentee_body, mentor_body
from tests.integration.test_match_races import _post, _race, _register
from tests.integration.test_thread_concurrency import Client

OPEN = ("pending", "active")


def _get(base_url, path, token):
    response = requests.get(base_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def _block(base_url, who, whom_id, method="POST"):
    return requests.request(method, f"{base_url}/users/{whom_id}/block", timeout=30,
                            headers={"Authorization": f"Bearer {who['token']}"})


def _assert_nothing_open(base_url, mentee, mentor):
    mentee_id, mentor_id = mentee["user"]["id"], mentor["user"]["id"]
    between = [m for m in _get(base_url, "/matches?limit=100", mentee["token"])["matches"] if m["mentor_id"] == mentor_id]
    assert not [m for m in between if m["status"] in OPEN], between
    mentors_copies = [m for m in _get(base_url, "/matches?limit=100", mentor["token"])["matches"]
                      if m["mentee_id"] == mentee_id]
    assert not [m for m in mentors_copies if m["status"] in OPEN], mentors_copies
    assert _get(base_url, "/users/me", mentee["token"])["open_matches"] == 0
    assert _get(base_url, "/users/me", mentor["token"])["active_mentees"] == 0
    return between


def _run_sends_racing_a_block(live_api, blocker: str, senders: int = 6, sends_each: int = 25):
    client = Client(live_api)
    (mentee_id, mentee_token), (mentor_id, mentor_token), thread_id = client.open_thread()
    tokens = {"mentee": mentee_token, "mentor": mentor_token}
    blocked_id = mentor_id if blocker == "mentee" else mentee_id
    outcomes = []  # (sender, started at, finished at, response)
    lock = threading.Lock()
    block_done = {}
    start = threading.Barrier(senders + 1)

    def sender(number: int):
        who = "mentee" if number % 2 == 0 else "mentor"
        start.wait()
        for n in range(sends_each):
            began = time.monotonic()
            response = client.send(thread_id, tokens[who], f"{who} {number}.{n}", key=f"{number}-{n}")
            with lock:
                outcomes.append((who, began, time.monotonic(), response))
            if response.status_code == 409:
                break

    def blocker_job():
        start.wait()
        time.sleep(0.15)  # some sends land first
        response = requests.post(f"{live_api}/users/{blocked_id}/block", timeout=30,
                                 headers={"Authorization": f"Bearer {tokens[blocker]}"})
        block_done["at"] = time.monotonic()
        block_done["response"] = response

    with ThreadPoolExecutor(senders + 1) as pool:
        futures = [pool.submit(sender, n) for n in range(senders)] + [pool.submit(blocker_job)]
        for future in futures:
            future.result()

    assert block_done["response"].status_code == 204, block_done["response"].text
    statuses = {r.status_code for *_, r in outcomes}
    assert statuses <= {201, 409}, [r.text for *_, r in outcomes if r.status_code not in (201, 409)]
    landed = {r.json()["message"]["id"]: r.json()["message"] for *_, r in outcomes if r.status_code == 201}
    assert landed, "no send landed before the block: the race did not happen"
    assert 409 in statuses, "no send was refused: the block did not happen during the sends"
    # A send that began after the block answered never lands.
    late = [r for _, began, _, r in outcomes if began > block_done["at"]]
    assert all(r.status_code == 409 for r in late), [r.text for r in late]

    # The thread holds exactly the sends that got a 201, and nothing else.
    stored = client.walk(thread_id, mentee_token, 100)
    assert {m["id"] for m in stored} == set(landed)
    assert all(stored_message == landed[stored_message["id"]] for stored_message in stored)
    # And the match is closed for both; any later send is refused.
    matches = _get(live_api, "/matches", mentee_token)["matches"]
    (match,) = [m for m in matches if m["thread_id"] == thread_id]
    assert match["status"] == "ended" and match["close_reason"] == "blocked"
    for token in (mentee_token, mentor_token):
        assert client.send(thread_id, token, "too late", key=f"late-{token[:8]}").status_code == 409
    assert {m["id"] for m in client.walk(thread_id, mentor_token, 100)} == set(landed)
    return len(landed), len(outcomes)


def test_a_mentor_blocking_during_a_stream_of_sends_stores_only_sends_before_the_block(live_api):
    for _ in range(2):
        _run_sends_racing_a_block(live_api, blocker="mentor")


def test_a_mentee_blocking_during_a_stream_of_sends_stores_only_sends_before_the_block(live_api):
    for _ in range(2):
        _run_sends_racing_a_block(live_api, blocker="mentee")


def test_a_request_racing_the_mentors_block_never_leaves_an_open_match(live_api):
    outcomes = set()
    for _ in range(8):
        mentor = _register(live_api, mentor_body(capacity=3))
        mentee = _register(live_api, mentee_body())
        mentor_id, mentee_id = mentor["user"]["id"], mentee["user"]["id"]
        # A declined request first: a mentor may block a mentee they share a match with.
        first = _post(live_api, "/matches", {"mentor_id": mentor_id}, mentee["token"]).json()["match"]
        assert _post(live_api, f"/matches/{first['id']}/decline", token=mentor["token"]).status_code == 200

        requested, blocked = _race([
            lambda: _post(live_api, "/matches", {"mentor_id": mentor_id}, mentee["token"]),
            lambda: _block(live_api, mentor, mentee_id),
        ])
        assert blocked.status_code == 204, blocked.text
        assert requested.status_code in (201, 404), requested.text
        between = _assert_nothing_open(live_api, mentee, mentor)
        if requested.status_code == 201:  # the request won: the block closed it
            closed = next(m for m in between if m["id"] == requested.json()["match"]["id"])
            assert closed["status"] == "declined" and closed["close_reason"] == "blocked"
        else:
            assert "no such mentor" in requested.json()["Message"]
            assert len(between) == 1
        outcomes.add(requested.status_code)
        # The block holds: another request is refused and opens nothing.
        assert _post(live_api, "/matches", {"mentor_id": mentor_id}, mentee["token"]).status_code == 404
        _assert_nothing_open(live_api, mentee, mentor)
        # Unblocked, the mentee may ask again.
        assert _block(live_api, mentor, mentee_id, method="DELETE").status_code == 204
        assert _post(live_api, "/matches", {"mentor_id": mentor_id}, mentee["token"]).status_code == 201
    assert outcomes <= {201, 404}


def test_many_requests_racing_a_block_never_leave_an_open_match(live_api):
    mentor = _register(live_api, mentor_body(capacity=10))
    mentees = [_register(live_api, mentee_body()) for _ in range(6)]
    mentor_id = mentor["user"]["id"]
    for mentee in mentees:  # each shares a declined match with the mentor
        first = _post(live_api, "/matches", {"mentor_id": mentor_id}, mentee["token"]).json()["match"]
        assert _post(live_api, f"/matches/{first['id']}/decline", token=mentor["token"]).status_code == 200
    for _ in range(3):
        jobs = []
        for mentee in mentees:
            jobs.append(lambda m=mentee: _post(live_api, "/matches", {"mentor_id": mentor_id}, m["token"]))
            jobs.append(lambda m=mentee: _block(live_api, mentor, m["user"]["id"]))
        results = _race(jobs)
        for mentee, requested, blocked in zip(mentees, results[::2], results[1::2]):
            assert blocked.status_code == 204, blocked.text
            assert requested.status_code in (201, 404), requested.text
            headers = {"Authorization": f"Bearer {mentee['token']}"}
            matches = requests.get(live_api + "/matches?limit=100", headers=headers, timeout=30).json()["matches"]
            assert not [m for m in matches if m["status"] in OPEN], matches
            assert _get(live_api, "/users/me", mentee["token"])["open_matches"] == 0
        assert _get(live_api, "/users/me", mentor["token"])["active_mentees"] == 0
        for mentee in mentees:
            assert _block(live_api, mentor, mentee["user"]["id"], method="DELETE").status_code == 204
