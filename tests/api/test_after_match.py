"""After a match: the ending email invites feedback, a blocked user cannot rate the blocker, and the
export holds the caller's feedback and blocks."""

from __future__ import annotations

from tests.api.test_notifications import subjects, verify
from tests.factories import register_mentee, register_mentor


def active_match(api, mentee, mentor) -> dict:
    match = api.post("/matches", {"mentor_id": mentor.id}, token=mentee.token).json["match"]
    assert api.post(f"/matches/{match['id']}/accept", token=mentor.token).status_code == 200
    return match


def test_the_ending_email_invites_feedback_and_a_block_sends_nobody_anything(api, mailbox):
    mentee, mentor = register_mentee(api, name="Ben"), register_mentor(api, name="Ana")
    verify(api, mailbox, mentee)
    verify(api, mailbox, mentor)
    ended = active_match(api, mentee, mentor)
    assert api.post(f"/matches/{ended['id']}/end", token=mentee.token).status_code == 200
    (email,) = [m for m in mailbox.to(mentor.profile["email"]) if "ended" in str(m["Subject"])]
    assert "rate this mentorship" in email.get_body(("plain",)).get_content()

    other = register_mentor(api, name="Cleo")
    verify(api, mailbox, other)
    active_match(api, mentee, other)
    before = (subjects(mailbox, mentee), subjects(mailbox, other))
    assert api.post(f"/users/{mentee.id}/block", token=other.token).status_code == 204
    assert (subjects(mailbox, mentee), subjects(mailbox, other)) == before


def test_only_whoever_blocked_can_rate_a_match_a_block_closed(api):
    mentee, mentor = register_mentee(api), register_mentor(api)
    match = active_match(api, mentee, mentor)
    assert api.post(f"/users/{mentee.id}/block", token=mentor.token).status_code == 204
    closed = api.get(f"/matches/{match['id']}", token=mentee.token).json["match"]
    assert closed["status"] == "ended" and closed["close_reason"] == "blocked"

    refused = api.post(f"/matches/{match['id']}/feedback", {"rating": 1}, token=mentee.token)
    assert refused.status_code == 409 and refused.json["Message"].startswith("status:")
    assert api.post(f"/matches/{match['id']}/feedback", {"rating": 2}, token=mentor.token).status_code == 201
    mentor_profile = api.get(f"/users/{mentor.id}", token=mentor.token).json
    assert mentor_profile["rating_count"] == 0  # a mentor's rating of a mentee is no mentor's rating
    assert mentor_profile["mentorships_completed"] == 0  # a blocked match is not a completed mentorship


def test_the_export_holds_the_callers_feedback_and_blocks(api):
    mentee, mentor, blocked = register_mentee(api), register_mentor(api), register_mentor(api, name="Dan")
    match = active_match(api, mentee, mentor)
    api.post(f"/matches/{match['id']}/end", token=mentor.token)
    assert api.post(f"/matches/{match['id']}/feedback", {"rating": 4, "note": "Kind and clear"},
                    token=mentee.token).status_code == 201
    assert api.post(f"/users/{blocked.id}/block", token=mentee.token).status_code == 204

    export = api.get("/users/me/export", token=mentee.token).json
    [exported] = export["matches"]
    assert exported["feedback"]["rating"] == 4 and exported["feedback"]["note"] == "Kind and clear"
    assert [(b["user_id"], b["name"]) for b in export["blocks"]] == [(blocked.id, "Dan")]

    mentors_export = api.get("/users/me/export", token=mentor.token).json
    assert mentors_export["matches"][0]["feedback"] is None, "the note is private to the service"
    assert mentors_export["blocks"] == []
