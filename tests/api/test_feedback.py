"""Feedback on ended matches and a mentor's reputation (contract: POST /matches/{id}/feedback; the
mentor's public `mentorships_completed`, `rating`, `rating_count`, `response_hours`, `moved_via`):
once per participant of an ended match, the note private to its author, a mentee's rating counted
on the mentor's public profile, and what suggestions say and rank by it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib import clock
from chalicelib.services import schedule
from tests.factories import mentee_body, mentor_body, register_mentee, register_mentor


def request(api, mentee, mentor) -> dict:
    response = api.post("/matches", {"mentor_id": mentor.id}, token=mentee.token)
    assert response.status_code == 201, response.json
    return response.json["match"]


def ended_match(api, mentee, mentor) -> dict:
    """A match between the two, requested, accepted and ended (by the mentee)."""
    match = request(api, mentee, mentor)
    assert api.post(f"/matches/{match['id']}/accept", token=mentor.token).status_code == 200
    ended = api.post(f"/matches/{match['id']}/end", token=mentee.token)
    assert ended.status_code == 200, ended.json
    return ended.json["match"]


def give(api, user, match, body):
    return api.post(f"/matches/{match['id']}/feedback", body, token=user.token)


def public(api, mentor, viewer=None) -> dict:
    viewer = viewer or register_mentee(api)
    response = api.get(f"/users/{mentor.id}", token=viewer.token)
    assert response.status_code == 200, response.json
    return response.json


def listed(api, mentor) -> dict:
    mentors = api.get("/mentors?limit=100").json["mentors"]
    (found,) = [m for m in mentors if m["id"] == mentor.id]
    return found


def suggested(api, mentee) -> list[dict]:
    response = api.get("/matches/suggestions?limit=20", token=mentee.token)
    assert response.status_code == 200, response.json
    return response.json["suggestions"]


def reputation_of(profile: dict) -> tuple:
    return (profile["mentorships_completed"], profile["rating"], profile["rating_count"], profile["response_hours"])


# --- giving feedback --------------------------------------------------------------------------


def test_a_participant_rates_an_ended_match_once_and_sees_it_on_their_copy_only(api):
    mentor, mentee = register_mentor(api), register_mentee(api)
    match = ended_match(api, mentee, mentor)
    assert match["feedback"] is None
    response = give(api, mentee, match, {"rating": 4, "note": "  Very helpful with PyTorch.  "})
    assert response.status_code == 201, response.json
    feedback = response.json["feedback"]
    assert set(feedback) == {"match_id", "rating", "note", "created_at"}
    assert feedback["match_id"] == match["id"] and feedback["rating"] == 4
    assert feedback["note"] == "Very helpful with PyTorch." and feedback["created_at"] >= match["closed_at"]

    own = api.get(f"/matches/{match['id']}", token=mentee.token).json["match"]
    assert own["feedback"] == feedback
    assert [m["feedback"] for m in api.get("/matches", token=mentee.token).json["matches"]] == [feedback]
    # The other participant's copy never shows it (the note is private).
    other = api.get(f"/matches/{match['id']}", token=mentor.token).json["match"]
    assert other["feedback"] is None
    assert [m["feedback"] for m in api.get("/matches", token=mentor.token).json["matches"]] == [None]
    assert "helpful" not in str(api.get("/users/me/export", token=mentor.token).json)

    # The mentor rates too: on their own copy, without touching the mentee's.
    mentor_feedback = give(api, mentor, match, {"rating": 5})
    assert mentor_feedback.status_code == 201, mentor_feedback.json
    assert mentor_feedback.json["feedback"]["note"] is None and mentor_feedback.json["feedback"]["rating"] == 5
    assert api.get(f"/matches/{match['id']}", token=mentor.token).json["match"]["feedback"]["rating"] == 5
    assert api.get(f"/matches/{match['id']}", token=mentee.token).json["match"]["feedback"] == feedback


def test_feedback_a_second_time_is_a_409_and_changes_nothing(api):
    mentor, mentee = register_mentor(api), register_mentee(api)
    match = ended_match(api, mentee, mentor)
    first = give(api, mentee, match, {"rating": 2, "note": "first"})
    assert first.status_code == 201
    again = give(api, mentee, match, {"rating": 5, "note": "second"})
    assert again.status_code == 409 and again.json["Message"].startswith("feedback:")
    assert api.get(f"/matches/{match['id']}", token=mentee.token).json["match"]["feedback"] == first.json["feedback"]
    assert public(api, mentor)["rating_count"] == 1


@pytest.mark.parametrize("state, steps", [
    ("pending", []),
    ("active", [("accept", "mentor")]),
    ("declined", [("decline", "mentor")]),
    ("cancelled", [("cancel", "mentee")]),
])
def test_feedback_on_a_match_that_has_not_ended_is_a_409(api, state, steps):
    mentor, mentee = register_mentor(api), register_mentee(api)
    match = request(api, mentee, mentor)
    tokens = {"mentor": mentor.token, "mentee": mentee.token}
    for action, who in steps:
        assert api.post(f"/matches/{match['id']}/{action}", token=tokens[who]).status_code == 200
    for user in (mentee, mentor):
        response = give(api, user, match, {"rating": 5})
        assert response.status_code == 409, response.json
        assert api.get(f"/matches/{match['id']}", token=user.token).json["match"]["feedback"] is None
    assert public(api, mentor)["rating_count"] == 0


def test_feedback_on_an_expired_request_is_a_409(api, monkeypatch):
    monkeypatch.setenv("REQUEST_EXPIRY_MINUTES", "60")
    mentor, mentee = register_mentor(api), register_mentee(api)
    match = request(api, mentee, mentor)
    assert schedule.run(clock.now() + timedelta(minutes=61))["expire"] == 1
    assert give(api, mentee, match, {"rating": 1}).status_code == 409


def test_a_stranger_or_an_unknown_match_is_a_404(api):
    mentor, mentee = register_mentor(api), register_mentee(api)
    match = ended_match(api, mentee, mentor)
    for stranger in (register_mentee(api), register_mentor(api)):
        response = give(api, stranger, match, {"rating": 1, "note": "bad"})
        assert response.status_code == 404, response.json
    assert give(api, mentee, {"id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, {"rating": 3}).status_code == 404
    assert give(api, mentee, {"id": "x" * 65}, {"rating": 3}).status_code == 404
    assert api.post(f"/matches/{match['id']}/feedback", {"rating": 3}).status_code == 401
    assert public(api, mentor)["rating_count"] == 0
    assert api.get(f"/matches/{match['id']}", token=mentee.token).json["match"]["feedback"] is None


@pytest.mark.parametrize("body, field", [
    ({"rating": 0}, "rating"), ({"rating": 6}, "rating"), ({"rating": -1}, "rating"), ({"rating": "5"}, "rating"),
    ({"rating": 4.5}, "rating"), ({"rating": True}, "rating"), ({"rating": None}, "rating"), ({}, "rating"),
    ({"note": "fine"}, "rating"), ({"rating": 5, "note": "x" * 1001}, "note"), ({"rating": 5, "note": 5}, "note"),
    ({"rating": 5, "stars": 5}, "stars"),
])
def test_a_bad_body_is_a_400_naming_the_field(api, body, field):
    mentor, mentee = register_mentor(api), register_mentee(api)
    match = ended_match(api, mentee, mentor)
    response = give(api, mentee, match, body)
    assert response.status_code == 400, response.json
    assert response.json["Message"].startswith(f"{field}:"), response.json
    assert api.get(f"/matches/{match['id']}", token=mentee.token).json["match"]["feedback"] is None
    assert public(api, mentor)["rating_count"] == 0


def test_a_note_of_exactly_1000_characters_is_accepted(api):
    mentor, mentee = register_mentor(api), register_mentee(api)
    match = ended_match(api, mentee, mentor)
    response = give(api, mentee, match, {"rating": 3, "note": "x" * 1000})
    assert response.status_code == 201 and response.json["feedback"]["note"] == "x" * 1000


def test_a_non_object_body_is_a_400(api):
    mentor, mentee = register_mentor(api), register_mentee(api)
    match = ended_match(api, mentee, mentor)
    assert api.post(f"/matches/{match['id']}/feedback", raw="[5]", token=mentee.token).status_code == 400
    assert api.post(f"/matches/{match['id']}/feedback", raw="{", token=mentee.token).status_code == 400


# --- the mentor's rating ------------------------------------------------------------------------


def test_mentees_ratings_make_the_mentors_rating_shown_from_three_on(api):
    mentor = register_mentor(api, capacity=5)
    viewer = register_mentee(api, goals=["kaggle"])
    assert reputation_of(public(api, mentor, viewer)) == (0, None, 0, None)
    ratings = [5, 4, 4]
    for n, stars in enumerate(ratings, start=1):
        mentee = register_mentee(api)
        match = ended_match(api, mentee, mentor)
        assert give(api, mentee, match, {"rating": stars}).status_code == 201
        profile = public(api, mentor, viewer)
        assert profile["rating_count"] == n
        assert profile["rating"] == (4.3 if n == 3 else None)  # hidden under 3 ratings
        assert profile["mentorships_completed"] == n
    # The same aggregates in the directory, in suggestions and on the mentor's own profile.
    for profile in (listed(api, mentor), api.get("/users/me", token=mentor.token).json,
                    next(s["mentor"] for s in suggested(api, viewer) if s["mentor"]["id"] == mentor.id)):
        assert (profile["rating"], profile["rating_count"], profile["mentorships_completed"]) == (4.3, 3, 3)


@pytest.mark.parametrize("ratings, expected", [
    ([5, 4, 4], 4.3),
    ([1, 1, 2], 1.3),
    ([5, 5, 4], 4.7),
    ([3, 3, 3], 3.0),
    ([5, 4, 4, 4], 4.3),  # 4.25: halves up
    ([1, 2, 2, 2], 1.8),  # 1.75: halves up
    ([5, 5, 5, 5, 1], 4.2),
])
def test_the_rating_is_the_mean_to_one_decimal(api, ratings, expected):
    mentor = register_mentor(api, capacity=len(ratings))
    for stars in ratings:
        mentee = register_mentee(api)
        assert give(api, mentee, ended_match(api, mentee, mentor), {"rating": stars}).status_code == 201
    profile = public(api, mentor)
    assert profile["rating_count"] == len(ratings)
    assert profile["rating"] == expected


def test_the_mentors_rating_of_a_mentee_changes_no_aggregate(api):
    mentor = register_mentor(api, capacity=5)
    matches = []
    for _ in range(3):
        mentee = register_mentee(api)
        matches.append((mentee, ended_match(api, mentee, mentor)))
    before = public(api, mentor)
    mentee_before = api.get("/users/me", token=matches[0][0].token).json
    for _, match in matches:
        assert give(api, mentor, match, {"rating": 1, "note": "did not show up"}).status_code == 201
    after = public(api, mentor)
    assert reputation_of(after) == reputation_of(before) == (3, None, 0, 0.0)  # answered at once
    assert api.get("/users/me", token=matches[0][0].token).json == mentee_before
    mentee_public = api.get(f"/users/{matches[0][0].id}", token=mentor.token).json
    assert "rating" not in mentee_public and "rating_count" not in mentee_public
    # Only mentees' ratings count: three of them now make a rating.
    for mentee, match in matches:
        assert give(api, mentee, match, {"rating": 5}).status_code == 201
    assert public(api, mentor)["rating"] == 5.0 and public(api, mentor)["rating_count"] == 3


def test_a_rating_after_the_mentor_deleted_their_account_is_still_stored(api):
    mentor, mentee = register_mentor(api), register_mentee(api)
    match = ended_match(api, mentee, mentor)
    assert api.delete("/users/me", token=mentor.token).status_code == 204
    response = give(api, mentee, match, {"rating": 2})
    assert response.status_code == 201, response.json
    assert api.get(f"/matches/{match['id']}", token=mentee.token).json["match"]["feedback"]["rating"] == 2


# --- mentorships completed ----------------------------------------------------------------------


def test_only_an_active_match_that_ends_counts_as_a_completed_mentorship(api):
    mentor = register_mentor(api, capacity=5)
    assert public(api, mentor)["mentorships_completed"] == 0
    mentees = [register_mentee(api) for _ in range(4)]
    declined, cancelled, active, ended = (request(api, m, mentor) for m in mentees)
    assert api.post(f"/matches/{declined['id']}/decline", token=mentor.token).status_code == 200
    assert api.post(f"/matches/{cancelled['id']}/cancel", token=mentees[1].token).status_code == 200
    assert api.post(f"/matches/{active['id']}/accept", token=mentor.token).status_code == 200
    assert api.post(f"/matches/{ended['id']}/accept", token=mentor.token).status_code == 200
    assert public(api, mentor)["mentorships_completed"] == 0
    assert api.post(f"/matches/{ended['id']}/end", token=mentor.token).status_code == 200
    assert public(api, mentor)["mentorships_completed"] == 1
    assert listed(api, mentor)["mentorships_completed"] == 1
    # Ending again is refused and counts nothing.
    assert api.post(f"/matches/{ended['id']}/end", token=mentor.token).status_code == 409
    assert public(api, mentor)["mentorships_completed"] == 1


def test_mentorships_completed_counts_each_ended_mentorship_whoever_ends_it(api):
    mentor = register_mentor(api, capacity=5)
    first, second, cancelling = register_mentee(api), register_mentee(api), register_mentee(api)
    one = request(api, first, mentor)
    two = request(api, second, mentor)
    three = request(api, cancelling, mentor)
    assert api.post(f"/matches/{three['id']}/cancel", token=cancelling.token).status_code == 200
    for match in (one, two):
        assert api.post(f"/matches/{match['id']}/accept", token=mentor.token).status_code == 200
    assert api.post(f"/matches/{one['id']}/end", token=first.token).status_code == 200
    assert public(api, mentor)["mentorships_completed"] == 1
    assert api.post(f"/matches/{two['id']}/end", token=mentor.token).status_code == 200
    assert public(api, mentor)["mentorships_completed"] == 2
    assert api.get("/users/me", token=mentor.token).json["mentorships_completed"] == 2


@pytest.mark.parametrize("closer", ["mentee", "mentor"])
def test_an_active_match_ended_by_a_block_is_not_a_completed_mentorship(api, closer):
    # `mentorships_completed` counts matches that ended after being active, except those a block
    # ended: a mentorship someone had to block their way out of was not completed.
    mentor, mentee = register_mentor(api), register_mentee(api)
    match = request(api, mentee, mentor)
    assert api.post(f"/matches/{match['id']}/accept", token=mentor.token).status_code == 200
    who, whom = (mentee, mentor) if closer == "mentee" else (mentor, mentee)
    assert api.post(f"/users/{whom.id}/block", token=who.token).status_code == 204
    closed = api.get(f"/matches/{match['id']}", token=mentor.token).json["match"]
    assert closed["status"] == "ended" and closed["close_reason"] == "blocked"
    assert api.get("/users/me", token=mentor.token).json["mentorships_completed"] == 0


def test_an_active_match_closed_by_banning_the_mentee_counts_as_completed(api):
    from chalicelib.services import moderation

    mentor, mentee = register_mentor(api), register_mentee(api)
    match = request(api, mentee, mentor)
    assert api.post(f"/matches/{match['id']}/accept", token=mentor.token).status_code == 200
    moderation.ban(mentee.id)
    closed = api.get(f"/matches/{match['id']}", token=mentor.token).json["match"]
    assert closed["status"] == "ended" and closed["close_reason"] == "banned"
    assert api.get("/users/me", token=mentor.token).json["mentorships_completed"] == 1


# --- response hours -----------------------------------------------------------------------------


def _answered_after(api, frozen_clock, mentor, hours, action="accept"):
    mentee = register_mentee(api)
    match = request(api, mentee, mentor)
    frozen_clock.advance(hours=hours)
    assert api.post(f"/matches/{match['id']}/{action}", token=mentor.token).status_code == 200
    if action == "accept":
        assert api.post(f"/matches/{match['id']}/end", token=mentor.token).status_code == 200


def test_response_hours_is_the_median_answer_time_shown_from_three_answers(api, frozen_clock):
    mentor = register_mentor(api, capacity=2)
    assert public(api, mentor)["response_hours"] is None
    _answered_after(api, frozen_clock, mentor, 1)
    _answered_after(api, frozen_clock, mentor, 30, action="decline")
    assert public(api, mentor)["response_hours"] is None  # 2 answers: not yet
    _answered_after(api, frozen_clock, mentor, 5.5)
    assert public(api, mentor)["response_hours"] == 5.5  # median of 1, 5.5, 30
    assert listed(api, mentor)["response_hours"] == 5.5
    _answered_after(api, frozen_clock, mentor, 10, action="decline")
    assert public(api, mentor)["response_hours"] == 7.8  # median of 1, 5.5, 10, 30 = 7.75


def test_an_unanswered_request_does_not_count_towards_response_hours(api, frozen_clock):
    mentor = register_mentor(api, capacity=3)
    for hours in (2, 2, 3):
        _answered_after(api, frozen_clock, mentor, hours)
    mentee = register_mentee(api)
    waiting = request(api, mentee, mentor)
    frozen_clock.advance(hours=50)
    assert public(api, mentor)["response_hours"] == 2.0
    # Withdrawn by the mentee: not an answer either.
    assert api.post(f"/matches/{waiting['id']}/cancel", token=mentee.token).status_code == 200
    assert public(api, mentor)["response_hours"] == 2.0
    assert public(api, mentor)["mentorships_completed"] == 3


def test_response_hours_looks_at_the_last_20_answers_only(api, frozen_clock):
    mentor = register_mentor(api, capacity=1)
    mentee = register_mentee(api)
    for hours in [100] * 21 + [1] * 20:  # the median of all 41 would be 100
        match = request(api, mentee, mentor)
        frozen_clock.advance(hours=hours)
        assert api.post(f"/matches/{match['id']}/decline", token=mentor.token).status_code == 200
    assert public(api, mentor)["response_hours"] == 1.0


# --- moved_via ----------------------------------------------------------------------------------


def test_moved_via_is_normalised_like_goals_at_registration_and_on_patch(api):
    mentor = register_mentor(api, moved_via=["Kaggle", "Internal transfer", "kaggle"])
    assert mentor.profile["moved_via"] == ["kaggle", "internal-transfer"]
    assert public(api, mentor)["moved_via"] == ["kaggle", "internal-transfer"]
    assert listed(api, mentor)["moved_via"] == ["kaggle", "internal-transfer"]
    changed = api.patch("/users/me", {"moved_via": ["JOB-SWITCH"]}, token=mentor.token)
    assert changed.status_code == 200, changed.json
    assert changed.json["moved_via"] == ["job-switch"]
    assert public(api, mentor)["moved_via"] == ["job-switch"]
    assert register_mentor(api).profile["moved_via"] == []


@pytest.mark.parametrize("moved_via", [["astrology"], "kaggle", [5]])
def test_an_unknown_moved_via_is_a_400_naming_it(api, moved_via):
    response = api.post("/users", mentor_body(moved_via=moved_via))
    assert response.status_code == 400 and response.json["Message"].startswith("moved_via"), response.json
    mentor = register_mentor(api, moved_via=["kaggle"])
    response = api.patch("/users/me", {"moved_via": moved_via}, token=mentor.token)
    assert response.status_code == 400 and response.json["Message"].startswith("moved_via"), response.json
    assert public(api, mentor)["moved_via"] == ["kaggle"]


def test_moved_via_reasons_come_from_moved_via_not_the_story(api):
    mentor = register_mentor(
        api, goals=["internal-transfer", "job-switch"], moved_via=["job-switch"],
        transition_story="An internal transfer was refused, so I switched jobs instead.",
    )
    mentee = register_mentee(api, goals=["internal-transfer", "job-switch"])
    (suggestion,) = suggested(api, mentee)
    assert suggestion["mentor"]["id"] == mentor.id
    reasons = suggestion["reasons"]
    assert "Also moved into ML by switching jobs" in reasons
    assert "Also moved into ML by internal transfer" not in reasons
    assert reasons[-1] == "Also moved into ML by switching jobs"  # mentions come after every other reason


def test_a_story_alone_gives_no_mention_and_mentions_follow_the_mentees_goal_order(api):
    register_mentor(api, goals=["internal-transfer"], moved_via=[],
                    transition_story="Backend for six years, then an internal transfer to the ranking team.")
    mentee = register_mentee(api, goals=["internal-transfer"])
    (suggestion,) = suggested(api, mentee)
    assert not [r for r in suggestion["reasons"] if r.startswith("Also")], suggestion["reasons"]

    both = register_mentor(api, goals=["kaggle"], frameworks=["jax"], moved_via=["internal-transfer", "kaggle"])
    kaggler = register_mentee(api, goals=["kaggle", "internal-transfer"], target_framework="jax")
    top = next(s for s in suggested(api, kaggler) if s["mentor"]["id"] == both.id)
    mentions = [r for r in top["reasons"] if r.startswith("Also")]
    assert mentions == ["Also got into ML through Kaggle", "Also moved into ML by internal transfer"]


def test_a_moved_via_patch_changes_the_mentions_in_suggestions(api):
    mentor = register_mentor(api, goals=["internal-transfer"], moved_via=["internal-transfer"])
    mentee = register_mentee(api, goals=["internal-transfer"])
    assert "Also moved into ML by internal transfer" in suggested(api, mentee)[0]["reasons"]
    assert api.patch("/users/me", {"moved_via": []}, token=mentor.token).status_code == 200
    assert not [r for r in suggested(api, mentee)[0]["reasons"] if r.startswith("Also")]


# --- ranking -----------------------------------------------------------------------------------


def test_a_mentor_with_an_expired_request_ranks_below_an_otherwise_identical_one(api, monkeypatch):
    monkeypatch.setenv("REQUEST_EXPIRY_MINUTES", "60")
    first, second = register_mentor(api, name="Twin"), register_mentor(api, name="Twin")
    # Equal scores and loads rank by id: the lower id would come first without its expiry.
    lower, higher = sorted((first, second), key=lambda m: m.id)
    viewer = register_mentee(api)
    assert [s["mentor"]["id"] for s in suggested(api, viewer)] == [lower.id, higher.id]

    request(api, register_mentee(api), lower)
    assert schedule.run(clock.now() + timedelta(minutes=61))["expire"] == 1
    assert api.get("/users/me", token=lower.token).json["active_mentees"] == 0
    ranked = suggested(api, viewer)
    assert [s["mentor"]["id"] for s in ranked] == [higher.id, lower.id]
    assert ranked[0]["score"] >= ranked[1]["score"]
    # Asked without naming a mentor, the mentee gets the one without the expiry.
    response = api.post("/matches", {}, token=viewer.token)
    assert response.status_code == 201 and response.json["match"]["mentor_id"] == higher.id


def test_a_mentor_who_answers_ranks_above_one_whose_request_expired(api, monkeypatch, frozen_clock):
    monkeypatch.setenv("REQUEST_EXPIRY_MINUTES", "60")
    first, second = register_mentor(api, capacity=3), register_mentor(api, capacity=3)
    lower, higher = sorted((first, second), key=lambda m: m.id)
    # Both get a request; the higher-id mentor declines it at once, the lower one's expires.
    request(api, register_mentee(api), lower)
    declined = request(api, register_mentee(api), higher)
    assert api.post(f"/matches/{declined['id']}/decline", token=higher.token).status_code == 200
    frozen_clock.advance(minutes=61)
    assert schedule.run(clock.now())["expire"] == 1
    viewer = register_mentee(api)
    assert [s["mentor"]["id"] for s in suggested(api, viewer)] == [higher.id, lower.id]


def test_a_mentee_has_no_moved_via(api):
    response = api.post("/users", mentee_body(moved_via=["kaggle"]))
    assert response.status_code == 400 and response.json["Message"].startswith("moved_via"), response.json
    mentee = register_mentee(api)
    assert "moved_via" not in mentee.profile
    assert api.patch("/users/me", {"moved_via": ["kaggle"]}, token=mentee.token).status_code == 400


def test_suggestions_explain_and_rank_by_answer_time_and_rating(api, frozen_clock):
    first, second = register_mentor(api, capacity=3), register_mentor(api, capacity=3)
    unrated, rated = sorted((first, second), key=lambda m: m.id)  # by id alone, `unrated` would lead
    for hours, stars in ((5, 5), (5.5, 4), (6, 4)):
        mentee = register_mentee(api)
        match = request(api, mentee, rated)
        frozen_clock.advance(hours=hours)
        assert api.post(f"/matches/{match['id']}/accept", token=rated.token).status_code == 200
        assert api.post(f"/matches/{match['id']}/end", token=mentee.token).status_code == 200
        assert give(api, mentee, match, {"rating": stars}).status_code == 201
    viewer = register_mentee(api)
    ranked = suggested(api, viewer)
    assert [s["mentor"]["id"] for s in ranked] == [rated.id, unrated.id]
    assert ranked[0]["score"] > ranked[1]["score"]
    assert "Usually answers within 6 hours" in ranked[0]["reasons"]
    assert "Rated 4.3 by 3 mentees" in ranked[0]["reasons"]
    assert not [r for r in ranked[1]["reasons"] if r.startswith(("Usually", "Rated"))]
    assert (ranked[0]["mentor"]["rating"], ranked[0]["mentor"]["response_hours"]) == (4.3, 5.5)


def test_a_low_rating_is_shown_but_not_given_as_a_reason_and_ranks_lower(api):
    first, second = register_mentor(api, capacity=3), register_mentor(api, capacity=3)
    low, unrated = sorted((first, second), key=lambda m: m.id)  # by id alone, `low` would lead
    for stars in (1, 2, 1):  # both answer and complete alike; only `low` is rated
        mentee = register_mentee(api)
        assert give(api, mentee, ended_match(api, mentee, low), {"rating": stars}).status_code == 201
        ended_match(api, register_mentee(api), unrated)
    assert reputation_of(public(api, low))[::3] == reputation_of(public(api, unrated))[::3] == (3, 0.0)
    ranked = suggested(api, register_mentee(api))
    assert [s["mentor"]["id"] for s in ranked] == [unrated.id, low.id]
    assert ranked[1]["mentor"]["rating"] == 1.3
    assert not [r for r in ranked[1]["reasons"] if r.startswith("Rated")]
