"""Invariants under racing requests, through a real threaded `chalice local` on DynamoDB Local."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import requests

from tests.factories import mentee_body, mentor_body


def _post(base_url, path, body=None, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(base_url + path, json=body if body is not None else {}, headers=headers, timeout=30)


def _register(base_url, body):
    response = _post(base_url, "/users", body)
    assert response.status_code == 201, response.text
    return response.json()


def _race(functions):
    barrier = Barrier(len(functions))

    def run(function):
        barrier.wait()
        return function()

    with ThreadPoolExecutor(max_workers=len(functions)) as pool:
        return list(pool.map(run, functions))


def test_racing_mentees_never_overbook_a_mentor(live_api):
    mentor = _register(live_api, mentor_body(capacity=2))
    mentees = [_register(live_api, mentee_body()) for _ in range(12)]
    results = _race([
        (lambda m=m: _post(live_api, "/matches", {"mentor_id": mentor["user"]["id"]}, m["token"]))
        for m in mentees
    ])
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201, 201] + [409] * 10, [r.text for r in results if r.status_code not in (201, 409)]
    me = requests.get(live_api + "/users/me", headers={"Authorization": f"Bearer {mentor['token']}"}, timeout=30).json()
    assert me["active_mentees"] == 2
    pending = requests.get(live_api + "/matches?status=pending", headers={"Authorization": f"Bearer {mentor['token']}"}, timeout=30).json()
    assert len(pending["matches"]) == 2


def test_racing_accept_and_decline_only_one_wins(live_api):
    mentor = _register(live_api, mentor_body(capacity=1))
    mentee = _register(live_api, mentee_body())
    match = _post(live_api, "/matches", {"mentor_id": mentor["user"]["id"]}, mentee["token"]).json()["match"]
    results = _race([
        lambda: _post(live_api, f"/matches/{match['id']}/accept", token=mentor["token"]),
        lambda: _post(live_api, f"/matches/{match['id']}/decline", token=mentor["token"]),
        lambda: _post(live_api, f"/matches/{match['id']}/cancel", token=mentee["token"]),
        lambda: _post(live_api, f"/matches/{match['id']}/accept", token=mentor["token"]),
    ])
    assert sorted(r.status_code for r in results) == [200, 409, 409, 409]
    winner = next(r.json()["match"]["status"] for r in results if r.status_code == 200)
    me = requests.get(live_api + "/users/me", headers={"Authorization": f"Bearer {mentor['token']}"}, timeout=30).json()
    assert me["active_mentees"] == (1 if winner == "active" else 0)


def test_racing_registrations_with_one_email_create_one_account(live_api):
    results = _race([
        (lambda i=i: _post(live_api, "/users", mentee_body(email="race@example.com", name=f"Racer {i}")))
        for i in range(8)
    ])
    assert sorted(r.status_code for r in results) == [201] + [409] * 7


def test_a_mentee_racing_for_four_mentors_gets_three(live_api):
    mentee = _register(live_api, mentee_body())
    mentors = [_register(live_api, mentor_body()) for _ in range(5)]
    results = _race([
        (lambda m=m: _post(live_api, "/matches", {"mentor_id": m["user"]["id"]}, mentee["token"]))
        for m in mentors
    ])
    assert sorted(r.status_code for r in results) == [201, 201, 201, 409, 409]


def test_a_mentor_deleting_their_account_while_mentees_request_them_leaves_no_open_match(live_api):
    mentor = _register(live_api, mentor_body(capacity=5))
    mentees = [_register(live_api, mentee_body()) for _ in range(6)]
    requests_then_delete = [
        (lambda m=m: _post(live_api, "/matches", {"mentor_id": mentor["user"]["id"]}, m["token"])) for m in mentees
    ] + [lambda: requests.delete(live_api + "/users/me", headers={"Authorization": f"Bearer {mentor['token']}"},
                                 timeout=30)]
    results = _race(requests_then_delete)
    assert results[-1].status_code == 204, results[-1].text
    for mentee, result in zip(mentees, results):
        assert result.status_code in (201, 404, 409), result.text
        headers = {"Authorization": f"Bearer {mentee['token']}"}
        me = requests.get(live_api + "/users/me", headers=headers, timeout=30).json()
        assert me["open_matches"] == 0  # every match with the deleted mentor was closed
        for match in requests.get(live_api + "/matches", headers=headers, timeout=30).json()["matches"]:
            assert match["status"] == "declined", match


def test_lowering_capacity_while_mentees_request_never_overbooks_the_mentor(live_api):
    mentor = _register(live_api, mentor_body(capacity=4))
    mentees = [_register(live_api, mentee_body()) for _ in range(6)]
    token = mentor["token"]
    patch = lambda capacity: requests.patch(  # noqa: E731
        live_api + "/users/me", json={"capacity": capacity}, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    results = _race([
        *((lambda m=m: _post(live_api, "/matches", {"mentor_id": mentor["user"]["id"]}, m["token"])) for m in mentees),
        lambda: patch(2),
        lambda: patch(1),
    ])
    assert {r.status_code for r in results} <= {200, 201, 409}, [r.text for r in results]
    me = requests.get(live_api + "/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
    assert me["active_mentees"] <= me["capacity"]
    pending = requests.get(live_api + "/matches?status=pending", headers={"Authorization": f"Bearer {token}"},
                           timeout=30).json()["matches"]
    assert len(pending) == me["active_mentees"]
    for match in pending:  # accepting every pending request stays within the capacity
        assert _post(live_api, f"/matches/{match['id']}/accept", token=token).status_code == 200
    me = requests.get(live_api + "/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
    assert me["active_mentees"] == len(pending) <= me["capacity"]
