"""Feedback racing itself through a real threaded `chalice local` on DynamoDB Local: a participant's
concurrent submissions store one feedback, and mentees rating one mentor at once keep the mentor's
rating aggregates exact (each rating counted once, the mean to one decimal)."""

from __future__ import annotations

import requests

from tests.factories import mentee_body, mentor_body
from tests.integration.test_match_races import _post, _race, _register


def _get(base_url, path, token):
    response = requests.get(base_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def _ended_match(base_url, mentee, mentor) -> dict:
    response = _post(base_url, "/matches", {"mentor_id": mentor["user"]["id"]}, mentee["token"])
    assert response.status_code == 201, response.text
    match = response.json()["match"]
    assert _post(base_url, f"/matches/{match['id']}/accept", token=mentor["token"]).status_code == 200
    assert _post(base_url, f"/matches/{match['id']}/end", token=mentee["token"]).status_code == 200
    return match


def _public(base_url, mentor, viewer) -> dict:
    return _get(base_url, f"/users/{mentor['user']['id']}", viewer["token"])


def _mean_to_one_decimal(ratings: list[int]) -> float:
    """The mean of whole-number ratings to one decimal, halves up (exact, in integers)."""
    total, count = sum(ratings), len(ratings)
    return ((20 * total + count) // (2 * count)) / 10


def test_a_participant_submitting_twice_at_once_stores_one_feedback(live_api):
    mentor = _register(live_api, mentor_body(capacity=2))
    viewer = _register(live_api, mentee_body())
    for round_number in range(4):
        mentee = _register(live_api, mentee_body())
        match = _ended_match(live_api, mentee, mentor)
        results = _race([
            lambda: _post(live_api, f"/matches/{match['id']}/feedback", {"rating": 5, "note": "first"}, mentee["token"]),
            lambda: _post(live_api, f"/matches/{match['id']}/feedback", {"rating": 1, "note": "second"}, mentee["token"]),
        ])
        assert sorted(r.status_code for r in results) == [201, 409], [r.text for r in results]
        winner = next(r.json()["feedback"] for r in results if r.status_code == 201)
        stored = _get(live_api, f"/matches/{match['id']}", mentee["token"])["match"]["feedback"]
        assert stored == winner
        assert _get(live_api, f"/matches/{match['id']}", mentor["token"])["match"]["feedback"] is None
        assert _public(live_api, mentor, viewer)["rating_count"] == round_number + 1


def test_many_submissions_by_one_participant_at_once_count_once(live_api):
    mentor = _register(live_api, mentor_body(capacity=2))
    mentee = _register(live_api, mentee_body())
    match = _ended_match(live_api, mentee, mentor)
    results = _race([
        (lambda stars=stars: _post(live_api, f"/matches/{match['id']}/feedback", {"rating": stars}, mentee["token"]))
        for stars in (1, 2, 3, 4, 5, 5, 4, 3)
    ])
    assert sorted(r.status_code for r in results) == [201] + [409] * 7, [r.text for r in results]
    winner = next(r.json()["feedback"]["rating"] for r in results if r.status_code == 201)
    assert _get(live_api, f"/matches/{match['id']}", mentee["token"])["match"]["feedback"]["rating"] == winner
    profile = _public(live_api, mentor, mentee)
    assert profile["rating_count"] == 1 and profile["rating"] is None


def test_twelve_mentees_rating_one_mentor_at_once_keep_the_aggregates_exact(live_api):
    mentor = _register(live_api, mentor_body(capacity=3))
    ratings = [5, 4, 4, 3, 5, 2, 5, 4, 1, 5, 3, 4]  # mean 45 / 12 = 3.75 -> 3.8
    mentees = [_register(live_api, mentee_body()) for _ in ratings]
    matches = [_ended_match(live_api, mentee, mentor) for mentee in mentees]
    results = _race([
        (lambda m=m, match=match, stars=stars: _post(
            live_api, f"/matches/{match['id']}/feedback", {"rating": stars}, m["token"]))
        for m, match, stars in zip(mentees, matches, ratings)
    ])
    assert [r.status_code for r in results] == [201] * len(ratings), [r.text for r in results if r.status_code != 201]
    viewer = _register(live_api, mentee_body())
    profile = _public(live_api, mentor, viewer)
    assert profile["rating_count"] == 12
    assert profile["rating"] == _mean_to_one_decimal(ratings) == 3.8
    assert profile["mentorships_completed"] == 12
    # The directory's copy of the mentor says the same.
    listed = requests.get(live_api + "/mentors?limit=100", timeout=30).json()["mentors"]
    (entry,) = [m for m in listed if m["id"] == mentor["user"]["id"]]
    assert (entry["rating"], entry["rating_count"]) == (3.8, 12)
    # Each mentee's copy holds their own rating.
    for mentee, match, stars in zip(mentees, matches, ratings):
        assert _get(live_api, f"/matches/{match['id']}", mentee["token"])["match"]["feedback"]["rating"] == stars


def test_mentees_and_the_mentor_rating_at_once_count_only_the_mentees(live_api):
    mentor = _register(live_api, mentor_body(capacity=3))
    ratings = [2, 3, 3, 5, 4, 2]  # 19 / 6 = 3.17 -> 3.2
    mentees = [_register(live_api, mentee_body()) for _ in ratings]
    matches = [_ended_match(live_api, mentee, mentor) for mentee in mentees]
    results = _race([
        *((lambda m=m, match=match, stars=stars: _post(
            live_api, f"/matches/{match['id']}/feedback", {"rating": stars}, m["token"]))
          for m, match, stars in zip(mentees, matches, ratings)),
        *((lambda match=match: _post(live_api, f"/matches/{match['id']}/feedback", {"rating": 1}, mentor["token"]))
          for match in matches),
    ])
    assert [r.status_code for r in results] == [201] * (2 * len(ratings)), [r.text for r in results]
    profile = _public(live_api, mentor, mentees[0])
    assert profile["rating_count"] == len(ratings)
    assert profile["rating"] == _mean_to_one_decimal(ratings) == 3.2
