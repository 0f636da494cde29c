"""Safety (contract: "safety"): blocking closes the pair's open match and keeps the two apart until
unblocked; reports reach the operator, 3 distinct reporters hide a user, and the operator clears
or bans them (chalicelib.services.moderation)."""

from __future__ import annotations

import pytest

from chalicelib.services import moderation
from tests.api.test_notifications import subjects, verify
from tests.api.test_waitlist import join, pending, settle
from tests.factories import mentor_body, register_mentee, register_mentor

OPERATOR = "operator@example.com"


def request(api, mentee, mentor, message=None):
    body = {"mentor_id": mentor.id, **({"message": message} if message else {})}
    return api.post("/matches", body, token=mentee.token)


def open_match(api, mentee, mentor, active=False) -> dict:
    response = request(api, mentee, mentor, "Hello!")
    assert response.status_code == 201, response.json
    match = response.json["match"]
    if active:
        assert api.post(f"/matches/{match['id']}/accept", token=mentor.token).status_code == 200
    return match


def block(api, who, whom):
    return api.post(f"/users/{whom.id}/block", token=who.token)


def unblock(api, who, whom):
    return api.delete(f"/users/{whom.id}/block", token=who.token)


def blocks(api, who) -> list[dict]:
    response = api.get("/users/me/blocks", token=who.token)
    assert response.status_code == 200, response.json
    return response.json["blocks"]


def match_of(api, user, match) -> dict:
    response = api.get(f"/matches/{match['id']}", token=user.token)
    assert response.status_code == 200, response.json
    return response.json["match"]


def send(api, user, match, text="hi"):
    return api.post(f"/threads/{match['thread_id']}/messages", {"body": text}, token=user.token)


def me(api, user) -> dict:
    return api.get("/users/me", token=user.token).json


def listed_ids(api, viewer=None) -> list[str]:
    response = api.get("/mentors?limit=100", token=viewer.token if viewer else None)
    assert response.status_code == 200, response.json
    return [m["id"] for m in response.json["mentors"]]


def suggested_ids(api, mentee) -> list[str]:
    response = api.get("/matches/suggestions?limit=20", token=mentee.token)
    assert response.status_code == 200, response.json
    return [s["mentor"]["id"] for s in response.json["suggestions"]]


def report(api, reporter, subject, reason="spam", **extra):
    return api.post("/reports", {"user_id": subject.id, "reason": reason, **extra}, token=reporter.token)


# --- blocking -----------------------------------------------------------------------------------


@pytest.mark.parametrize("blocker, active, expected", [
    ("mentee", False, "cancelled"),
    ("mentor", False, "declined"),
    ("mentee", True, "ended"),
    ("mentor", True, "ended"),
])
def test_blocking_closes_the_open_match_frees_the_slot_and_makes_the_thread_read_only(api, blocker, active, expected):
    mentor, mentee = register_mentor(api, capacity=1), register_mentee(api)
    match = open_match(api, mentee, mentor, active=active)
    assert mentor.id not in listed_ids(api)  # full
    who, whom = (mentee, mentor) if blocker == "mentee" else (mentor, mentee)
    response = block(api, who, whom)
    assert response.status_code == 204, response.json
    for user in (mentee, mentor):
        closed = match_of(api, user, match)
        assert closed["status"] == expected and closed["close_reason"] == "blocked"
        assert closed["closed_by"] == who.id and closed["closed_at"] is not None
        # The thread is read-only for both.
        assert send(api, user, match).status_code == 409
    assert me(api, mentor)["active_mentees"] == 0
    assert me(api, mentee)["open_matches"] == 0
    assert mentor.id in listed_ids(api)  # the slot is free again (for others)
    messages = api.get(f"/threads/{match['thread_id']}/messages", token=who.token).json["messages"]
    assert [m["body"] for m in messages] == ["Hello!"]


def test_blocking_is_idempotent_and_listed_most_recent_first(api):
    mentee = register_mentee(api)
    first, second = register_mentor(api, name="Ana"), register_mentor(api, name="Bo")
    assert blocks(api, mentee) == []
    assert block(api, mentee, first).status_code == 204
    assert block(api, mentee, second).status_code == 204
    assert block(api, mentee, first).status_code == 204  # again: nothing changes
    listed = blocks(api, mentee)
    assert [(b["user_id"], b["name"]) for b in listed] == [(second.id, "Bo"), (first.id, "Ana")]
    assert all(set(b) == {"user_id", "name", "created_at"} for b in listed)
    assert listed[0]["created_at"] >= listed[1]["created_at"]
    assert blocks(api, first) == [] and blocks(api, second) == []  # the blocked are not told
    assert api.get("/users/me/blocks").status_code == 401


def test_a_mentee_who_blocked_a_mentor_cannot_request_them_and_does_not_see_them(api):
    mentor, mentee = register_mentor(api), register_mentee(api)
    other = register_mentor(api)
    assert block(api, mentee, mentor).status_code == 204
    response = request(api, mentee, mentor)
    assert response.status_code == 409 and response.json["Message"].startswith("mentor_id:")
    assert mentor.id not in suggested_ids(api, mentee) and other.id in suggested_ids(api, mentee)
    assert mentor.id not in listed_ids(api, mentee) and other.id in listed_ids(api, mentee)
    assert mentor.id in listed_ids(api)  # without a token: listed
    assert api.get(f"/users/{mentor.id}", token=mentee.token).status_code == 404
    assert api.get(f"/users/{mentee.id}", token=mentor.token).status_code == 404
    # Asked without naming a mentor, the mentee gets the other one.
    response = api.post("/matches", {}, token=mentee.token)
    assert response.status_code == 201 and response.json["match"]["mentor_id"] == other.id
    assert me(api, mentor)["active_mentees"] == 0


def test_a_mentee_blocked_by_a_mentor_is_told_there_is_no_such_mentor(api):
    mentor, mentee = register_mentor(api), register_mentee(api)
    match = open_match(api, mentee, mentor)
    assert api.get(f"/users/{mentee.id}", token=mentor.token).status_code == 200  # they share a match
    assert block(api, mentor, mentee).status_code == 204
    response = request(api, mentee, mentor)
    assert response.status_code == 404 and "no such mentor" in response.json["Message"]
    assert mentor.id not in suggested_ids(api, mentee)
    assert mentor.id not in listed_ids(api, mentee) and mentor.id in listed_ids(api)
    assert api.get(f"/users/{mentor.id}", token=mentee.token).status_code == 404
    assert api.get(f"/users/{mentee.id}", token=mentor.token).status_code == 404
    assert api.post("/matches", {}, token=mentee.token).status_code == 409  # nobody else to take
    assert match_of(api, mentee, match)["status"] == "declined"
    assert me(api, mentor)["active_mentees"] == 0


@pytest.mark.parametrize("blocker", ["mentee", "mentor"])
def test_unblocking_restores_everything(api, blocker):
    mentor, mentee = register_mentor(api), register_mentee(api)
    first = open_match(api, mentee, mentor)
    who, whom = (mentee, mentor) if blocker == "mentee" else (mentor, mentee)
    assert block(api, who, whom).status_code == 204
    assert unblock(api, whom, who).status_code == 404  # the blocked one did not block
    assert unblock(api, who, whom).status_code == 204
    assert blocks(api, who) == []
    assert unblock(api, who, whom).status_code == 404  # not blocked any more
    if blocker == "mentee":  # a cancelled request leaves the mentor suggested (a declined one does not)
        assert mentor.id in suggested_ids(api, mentee)
    assert mentor.id in listed_ids(api, mentee)
    assert api.get(f"/users/{mentor.id}", token=mentee.token).status_code == 200
    assert api.get(f"/users/{mentee.id}", token=mentor.token).status_code == 200
    second = open_match(api, mentee, mentor)
    assert second["id"] != first["id"] and me(api, mentor)["active_mentees"] == 1
    assert send(api, mentee, second).status_code == 201
    assert send(api, mentor, first).status_code == 409  # the closed match stays closed


def test_unblocking_a_mentor_without_a_match_brings_them_back_in_suggestions_and_the_directory(api):
    mentor, mentee = register_mentor(api), register_mentee(api)
    assert block(api, mentee, mentor).status_code == 204
    assert suggested_ids(api, mentee) == [] and mentor.id not in listed_ids(api, mentee)
    assert unblock(api, mentee, mentor).status_code == 204
    assert suggested_ids(api, mentee) == [mentor.id] and mentor.id in listed_ids(api, mentee)


def test_a_block_made_by_the_other_stays_when_one_unblocks(api):
    mentor, mentee = register_mentor(api), register_mentee(api)
    open_match(api, mentee, mentor)
    assert block(api, mentee, mentor).status_code == 204
    # The mentor still sees the mentee (the closed match) and blocks them too.
    assert block(api, mentor, mentee).status_code == 204
    assert unblock(api, mentee, mentor).status_code == 204
    response = request(api, mentee, mentor)
    assert response.status_code == 404 and "no such mentor" in response.json["Message"]
    assert mentor.id not in listed_ids(api, mentee)
    assert unblock(api, mentor, mentee).status_code == 204
    assert request(api, mentee, mentor).status_code == 201


def test_blocking_oneself_is_a_400_and_unknown_or_unseen_users_a_404(api):
    mentee, other_mentee, mentor = register_mentee(api), register_mentee(api), register_mentor(api)
    response = block(api, mentee, mentee)
    assert response.status_code == 400 and response.json["Message"].startswith("user_id"), response.json
    assert api.post("/users/01ARZ3NDEKTSV4RRFFQ69G5FAV/block", token=mentee.token).status_code == 404
    assert api.post(f"/users/{'x' * 65}/block", token=mentee.token).status_code == 404
    # A mentee cannot see another mentee, nor a mentor a mentee they never matched with.
    assert block(api, mentee, other_mentee).status_code == 404
    assert block(api, mentor, mentee).status_code == 404
    assert blocks(api, mentee) == [] and blocks(api, mentor) == []
    assert api.post(f"/users/{mentor.id}/block").status_code == 401
    # A mentor may block another mentor (every mentor is public).
    assert block(api, mentor, register_mentor(api)).status_code == 204
    assert request(api, mentee, mentor).status_code == 201  # the failed blocks changed nothing


def test_a_blocked_match_emails_nobody_while_a_normal_decline_does(api, mailbox):
    mentee, mentor = register_mentee(api, name="Ben"), register_mentor(api, name="Ana", capacity=3)
    verify(api, mailbox, mentee)
    verify(api, mailbox, mentor)
    declined = open_match(api, mentee, mentor)
    assert api.post(f"/matches/{declined['id']}/decline", token=mentor.token).status_code == 200
    assert subjects(mailbox, mentee)[-1] == "Ana declined your request on mlbridge"
    told_mentee, told_mentor = len(subjects(mailbox, mentee)), len(subjects(mailbox, mentor))

    open_match(api, mentee, mentor)
    assert block(api, mentor, mentee).status_code == 204
    assert unblock(api, mentor, mentee).status_code == 204
    open_match(api, mentee, mentor, active=True)
    assert block(api, mentee, mentor).status_code == 204
    received_mentee = subjects(mailbox, mentee)
    received_mentor = subjects(mailbox, mentor)
    # Only the accept of the third request told the mentee; the blocks told nobody.
    assert received_mentee[told_mentee:] == ["Ana accepted your request on mlbridge"]
    assert [s for s in received_mentor[told_mentor:] if "asks you" not in s] == []
    everything = received_mentee + received_mentor
    assert [s for s in everything if "declined" in s] == ["Ana declined your request on mlbridge"]
    assert not [s for s in everything if "ended" in s or "withdrew" in s]


# --- reports ------------------------------------------------------------------------------------


def test_a_report_is_stored_and_emailed_to_the_operator(api, mailbox, monkeypatch):
    monkeypatch.setenv("OPERATOR_EMAIL", OPERATOR)
    mentor, mentee = register_mentor(api, name="Ana"), register_mentee(api, name="Ben")
    match = open_match(api, mentee, mentor)
    response = report(api, mentee, mentor, "harassment", match_id=match["id"], details="  Rude messages.  ")
    assert response.status_code == 201, response.json
    receipt = response.json["report"]
    assert set(receipt) == {"id", "created_at"} and receipt["id"] and receipt["created_at"]
    (email,) = mailbox.to(OPERATOR)
    assert email["Subject"] == "Report on mlbridge: Ana (harassment)"
    text = email.get_body(("plain",)).get_content()
    assert mentor.id in text and mentee.id in text and match["id"] in text and "Rude messages." in text
    assert "Distinct reporters since last cleared: 1." in text
    mailbox.reader.iterators.clear()  # redelivered: nothing sent twice
    assert len(mailbox.to(OPERATOR)) == 1
    # A report changes nothing for the match or the reported user.
    assert match_of(api, mentee, match)["status"] == "pending"
    assert mentor.id in listed_ids(api)
    (entry,) = moderation.reported_users()
    assert entry.user_id == mentor.id and entry.distinct_reporters == 1
    assert [(r.id, r.reason, r.details, r.match_id) for r in entry.reports] == [
        (receipt["id"], "harassment", "Rude messages.", match["id"])]


def test_a_mentor_reports_a_mentee_they_matched_with(api, mailbox, monkeypatch):
    monkeypatch.setenv("OPERATOR_EMAIL", OPERATOR)
    mentor, mentee = register_mentor(api), register_mentee(api, name="Ben")
    open_match(api, mentee, mentor)
    assert report(api, mentor, mentee, "no-show").status_code == 201
    assert [str(m["Subject"]) for m in mailbox.to(OPERATOR)] == ["Report on mlbridge: Ben (no-show)"]


@pytest.mark.parametrize("body, field", [
    ({"reason": "rude"}, "reason"), ({"reason": None}, "reason"), ({}, "reason"),
    ({"reason": "other", "details": "x" * 2001}, "details"), ({"reason": "other", "extra": 1}, "extra"),
    ({"reason": "other", "user_id": 5}, "user_id"),
])
def test_a_bad_report_is_a_400(api, body, field):
    mentor, mentee = register_mentor(api), register_mentee(api)
    response = api.post("/reports", {"user_id": mentor.id, **body}, token=mentee.token)
    assert response.status_code == 400 and response.json["Message"].startswith(field), response.json
    assert moderation.reported_users() == []


def test_reporting_oneself_is_a_400_and_unknown_users_and_foreign_matches_a_404(api):
    mentor, mentee = register_mentor(api), register_mentee(api)
    other_mentor, other_mentee = register_mentor(api), register_mentee(api)
    mine = open_match(api, mentee, mentor)
    theirs = open_match(api, other_mentee, other_mentor)
    response = report(api, mentee, mentee)
    assert response.status_code == 400 and response.json["Message"].startswith("user_id"), response.json
    assert api.post("/reports", {"user_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "reason": "spam"},
                    token=mentee.token).status_code == 404
    assert report(api, mentee, other_mentee).status_code == 404  # a mentee they cannot see
    # A match that is not the caller's, or is the caller's but with someone else.
    assert report(api, mentee, other_mentor, match_id=theirs["id"]).status_code == 404
    assert report(api, mentee, other_mentor, match_id=mine["id"]).status_code == 404
    assert report(api, mentee, mentor, match_id="01ARZ3NDEKTSV4RRFFQ69G5FAV").status_code == 404
    assert api.post("/reports", {"user_id": mentor.id, "reason": "spam"}).status_code == 401
    assert moderation.reported_users() == []
    assert report(api, mentee, mentor, match_id=mine["id"]).status_code == 201


def _reported_by_three(api, mentor, listed=True) -> list:
    reporters = [register_mentee(api) for _ in range(3)]
    for n, reporter in enumerate(reporters):
        assert report(api, reporter, mentor, "spam").status_code == 201
        if n < 2 and listed:
            assert mentor.id in listed_ids(api)  # under 3 distinct reporters: still listed
    return reporters


def test_three_distinct_reporters_hide_a_mentor_and_the_same_reporter_counts_once(api):
    mentor = register_mentor(api)
    repeated = register_mentee(api)
    for reason in ("spam", "harassment", "other"):
        assert report(api, repeated, mentor, reason).status_code == 201
    assert mentor.id in listed_ids(api)
    viewer = register_mentee(api)
    assert mentor.id in suggested_ids(api, viewer)
    (entry,) = moderation.reported_users()
    assert entry.distinct_reporters == 1 and len(entry.reports) == 3 and not entry.hidden

    second, third = register_mentee(api), register_mentee(api)
    assert report(api, second, mentor).status_code == 201
    assert mentor.id in listed_ids(api)
    assert report(api, third, mentor).status_code == 201
    assert mentor.id not in listed_ids(api) and mentor.id not in listed_ids(api, viewer)
    assert mentor.id not in suggested_ids(api, viewer)
    response = request(api, viewer, mentor)
    assert response.status_code in (404, 409) and response.status_code != 201
    assert api.post("/matches", {}, token=viewer.token).status_code == 409
    (entry,) = moderation.reported_users()
    assert entry.user_id == mentor.id and entry.distinct_reporters == 3 and len(entry.reports) == 5 and entry.hidden
    # Another report from one who counted already changes nothing.
    assert report(api, second, mentor).status_code == 201
    assert moderation.reported_users()[0].distinct_reporters == 3


def test_reported_users_are_listed_most_reported_first(api):
    once, thrice = register_mentor(api), register_mentor(api)
    assert report(api, register_mentee(api), once).status_code == 201
    for _ in range(3):
        assert report(api, register_mentee(api), thrice).status_code == 201
    assert [(e.user_id, e.distinct_reporters) for e in moderation.reported_users()] == [(thrice.id, 3), (once.id, 1)]


def test_clearing_a_hidden_mentor_lists_and_suggests_them_again(api):
    mentor = register_mentor(api)
    _reported_by_three(api, mentor)
    viewer = register_mentee(api)
    assert mentor.id not in listed_ids(api) and mentor.id not in suggested_ids(api, viewer)
    moderation.clear(mentor.id)
    assert mentor.id in listed_ids(api) and mentor.id in suggested_ids(api, viewer)
    assert moderation.reported_users() == []
    # The count starts again from zero: two new reporters do not hide them.
    for _ in range(2):
        assert report(api, register_mentee(api), mentor).status_code == 201
    assert mentor.id in listed_ids(api)
    assert moderation.reported_users()[0].distinct_reporters == 2
    assert request(api, viewer, mentor).status_code == 201


def test_a_hidden_mentor_gets_no_waitlist_offers_until_cleared(api, mailbox):
    hidden = register_mentor(api, frameworks=["pytorch"], capacity=1, accepting=False)
    _reported_by_three(api, hidden, listed=False)
    assert api.patch("/users/me", {"accepting": True}, token=hidden.token).status_code == 200
    waiting = register_mentee(api)
    join(api, waiting)
    settle(mailbox)
    assert pending(api, waiting) == []
    moderation.clear(hidden.id)
    settle(mailbox)
    assert [m["mentor_id"] for m in pending(api, waiting)] == [hidden.id]


def test_a_hidden_mentee_is_not_offered_a_match_from_the_waitlist(api, mailbox):
    mentors = [register_mentor(api, frameworks=["jax"], capacity=3) for _ in range(3)]
    reported = register_mentee(api, target_framework="pytorch")
    for mentor in mentors:  # each mentor shares a match with them, so may report them
        match = open_match(api, reported, mentor)
        assert api.post(f"/matches/{match['id']}/cancel", token=reported.token).status_code == 200
        assert report(api, mentor, reported, "inappropriate").status_code == 201
    assert moderation.reported_users()[0].hidden
    other = register_mentee(api, target_framework="pytorch")
    join(api, reported)
    join(api, other)
    fresh = register_mentor(api, frameworks=["pytorch"], capacity=1)
    settle(mailbox)
    assert pending(api, reported) == []
    assert [m["mentor_id"] for m in pending(api, other)] == [fresh.id]


def test_a_banned_user_loses_their_token_and_matches_and_stays_hidden(api):
    mentor = register_mentor(api, capacity=3)
    waiting_mentee, active_mentee = register_mentee(api), register_mentee(api)
    pending_match = open_match(api, waiting_mentee, mentor)
    active_match = open_match(api, active_mentee, mentor, active=True)
    _reported_by_three(api, mentor)
    moderation.ban(mentor.id)
    assert api.get("/users/me", token=mentor.token).status_code == 401
    assert api.get("/matches", token=mentor.token).status_code == 401
    assert match_of(api, waiting_mentee, pending_match)["status"] == "declined"
    ended = match_of(api, active_mentee, active_match)
    assert ended["status"] == "ended" and ended["close_reason"] == "banned"
    assert me(api, waiting_mentee)["open_matches"] == 0 and me(api, active_mentee)["open_matches"] == 0
    assert send(api, active_mentee, active_match).status_code == 409
    viewer = register_mentee(api)
    assert mentor.id not in listed_ids(api) and mentor.id not in suggested_ids(api, viewer)
    assert api.get(f"/users/{mentor.id}", token=viewer.token).status_code == 404
    assert request(api, viewer, mentor).status_code == 404
    # Clearing after a ban does not list them again; the email stays taken.
    moderation.clear(mentor.id)
    assert mentor.id not in listed_ids(api) and mentor.id not in suggested_ids(api, viewer)
    assert api.get("/users/me", token=mentor.token).status_code == 401
    again = api.post("/users", mentor_body(email=mentor.profile["email"]))
    assert again.status_code == 409, again.json


def test_banning_a_mentee_closes_their_matches_and_frees_the_mentors_slot(api):
    mentor = register_mentor(api, capacity=1)
    mentee = register_mentee(api)
    match = open_match(api, mentee, mentor)
    moderation.ban(mentee.id)
    assert api.get("/users/me", token=mentee.token).status_code == 401
    closed = match_of(api, mentor, match)
    assert closed["status"] == "cancelled" and closed["close_reason"] == "banned"
    assert me(api, mentor)["active_mentees"] == 0
    assert mentor.id in listed_ids(api)
    assert api.get(f"/users/{mentee.id}", token=mentor.token).status_code == 404


def test_a_banned_users_sessions_end_and_their_links_and_codes_no_longer_sign_in(api, mailbox):
    mentor = register_mentor(api)
    token, _ = mailbox.link_and_code(mailbox.latest(mentor.profile["email"]))  # the verification email
    signed_in = api.post("/auth/sessions", {"token": token})
    assert signed_in.status_code == 201, signed_in.json
    session_token = signed_in.json["token"]
    assert api.get("/users/me", token=session_token).status_code == 200
    assert api.post("/auth/links", {"email": mentor.profile["email"]}).status_code == 202
    link, code = mailbox.link_and_code(mailbox.latest(mentor.profile["email"]))
    moderation.ban(mentor.id)
    assert api.get("/users/me", token=session_token).status_code == 401
    assert api.get("/users/me", token=mentor.token).status_code == 401
    assert api.post("/auth/sessions", {"token": link}).status_code == 401
    assert api.post("/auth/sessions", {"email": mentor.profile["email"], "code": code}).status_code == 401


def test_a_mentee_who_blocked_a_mentor_is_not_offered_them_from_the_waitlist(api, mailbox):
    mentor = register_mentor(api, frameworks=["pytorch"], capacity=1, accepting=False)
    mentee = register_mentee(api)
    assert block(api, mentee, mentor).status_code == 204
    join(api, mentee)
    assert api.patch("/users/me", {"accepting": True}, token=mentor.token).status_code == 200
    settle(mailbox)
    assert pending(api, mentee) == [] and me(api, mentor)["active_mentees"] == 0


def test_feedback_on_a_match_ended_by_a_block_is_still_possible(api):
    mentor, mentee = register_mentor(api), register_mentee(api)
    match = open_match(api, mentee, mentor, active=True)
    assert block(api, mentee, mentor).status_code == 204
    response = api.post(f"/matches/{match['id']}/feedback", {"rating": 1, "note": "rude"}, token=mentee.token)
    assert response.status_code == 201, response.json
    assert match_of(api, mentee, match)["feedback"]["rating"] == 1
