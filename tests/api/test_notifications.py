"""Notifications (contract: "Notifications", "Expiry", "Email"): emails from the table's change
stream and from the schedule, only to verified emails that want them, each at most once.

`mailbox.deliver()` runs the stream over what was written (as Lambda would, after the write);
`schedule.run(now)` is the scheduled function, at a moment the test picks.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib import clock, links
from chalicelib.services import schedule
from tests.factories import register_mentee, register_mentor


def verify(api, mailbox, who) -> None:
    """Use the verification email's link: notifications go only to verified emails."""
    token, _ = mailbox.link_and_code(mailbox.latest(who.profile["email"]))
    assert api.post("/auth/sessions", {"token": token}).status_code == 201


def subjects(mailbox, who) -> list[str]:
    return [str(m["Subject"]) for m in mailbox.to(who.profile["email"])
            if "Verify" not in str(m["Subject"]) and "Sign in" not in str(m["Subject"])]


def request(api, mentee, mentor, message="Hi! I want to move to our ML team.") -> dict:
    response = api.post("/matches", {"mentor_id": mentor.id, "message": message}, token=mentee.token)
    assert response.status_code == 201, response.json
    return response.json["match"]


@pytest.fixture
def pair(api, mailbox):
    mentee, mentor = register_mentee(api, name="Ben"), register_mentor(api, name="Ana")
    verify(api, mailbox, mentee)
    verify(api, mailbox, mentor)
    return mentee, mentor


def test_a_request_emails_the_mentor_with_the_intro_and_one_click_unsubscribe(api, mailbox, pair):
    mentee, mentor = pair
    request(api, mentee, mentor, "Hi Ana! <b>Torch</b> please.")
    (email,) = [m for m in mailbox.to(mentor.profile["email"]) if "mentor" in str(m["Subject"])]
    assert email["Subject"] == "Ben asks you to be their mentor on mlbridge"
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert "Hi Ana! <b>Torch</b> please." in text and "Hi Ana! &lt;b&gt;Torch&lt;/b&gt; please." in html
    assert "/#/requests" in text
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = str(email["List-Unsubscribe"]).strip("<>")
    assert url.startswith("http://127.0.0.1:8000/unsubscribe?token=")
    # The one-click POST a mail client sends turns requests off, and nothing else.
    path = url.removeprefix("http://127.0.0.1:8000")
    response = api.post(path, raw="List-Unsubscribe=One-Click",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200 and response.json == {"unsubscribed": "requests"}
    me = api.get("/users/me", token=mentor.token).json
    assert me["notifications"] == {"requests": False, "updates": True, "messages": True, "reminders": True}
    second = register_mentee(api)
    request(api, second, mentor)
    assert len([m for m in mailbox.to(mentor.profile["email"]) if "mentor" in str(m["Subject"])]) == 1


def test_each_transition_tells_the_other_side_once(api, mailbox, pair):
    mentee, mentor = pair
    match = request(api, mentee, mentor)
    assert api.post(f"/matches/{match['id']}/accept", token=mentor.token).status_code == 200
    assert api.post(f"/matches/{match['id']}/end", {"reason": "goal reached"}, token=mentor.token).status_code == 200
    mailbox.deliver()
    mailbox.reader.iterators.clear()  # read the whole stream again: a redelivery sends nothing twice
    mailbox.deliver()
    assert subjects(mailbox, mentee) == ["Ana accepted your request on mlbridge", "Ana ended your mentorship on mlbridge"]
    assert "Reason given: goal reached" in mailbox.to(mentee.profile["email"])[-1].get_body(("plain",)).get_content()
    assert subjects(mailbox, mentor) == ["Ben asks you to be their mentor on mlbridge"]

    second = request(api, mentee, mentor)
    assert api.post(f"/matches/{second['id']}/cancel", token=mentee.token).status_code == 200
    assert subjects(mailbox, mentor)[-1] == "Ben withdrew their request on mlbridge"
    third = request(api, mentee, mentor)
    assert api.post(f"/matches/{third['id']}/decline", {"reason": "full"}, token=mentor.token).status_code == 200
    assert subjects(mailbox, mentee)[-1] == "Ana declined your request on mlbridge"


def test_unverified_emails_and_kinds_turned_off_get_nothing(api, mailbox):
    mentee, mentor = register_mentee(api), register_mentor(api)  # neither verified
    match = request(api, mentee, mentor)
    api.post(f"/matches/{match['id']}/accept", token=mentor.token)
    assert subjects(mailbox, mentor) == [] and subjects(mailbox, mentee) == []

    verify(api, mailbox, mentee)
    changed = api.patch("/users/me", {"notifications": {"updates": False}}, token=mentee.token)
    assert changed.status_code == 200
    assert changed.json["notifications"] == {"requests": True, "updates": False, "messages": True, "reminders": True}
    api.post(f"/matches/{match['id']}/end", token=mentor.token)
    assert subjects(mailbox, mentee) == []


@pytest.mark.parametrize("body", [{"notifications": {"updates": "no"}}, {"notifications": {"weekly": True}},
                                  {"notifications": []}])
def test_bad_notification_settings_are_a_400(api, body):
    mentee = register_mentee(api)
    response = api.patch("/users/me", body, token=mentee.token)
    assert response.status_code == 400 and response.json["Message"].startswith("notifications")


def test_a_malformed_unsubscribe_token_is_a_400_and_a_forged_one_a_404(api):
    mentee = register_mentee(api)
    token = links.unsubscribe_token(mentee.id, "messages")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for malformed in (f"{mentee.id}.weekly.abc", "", "a.b", token + "x"):
        response = api.post(f"/unsubscribe?token={malformed}", headers=form)
        assert response.status_code == 400 and response.json["Message"].startswith("token:"), malformed
    forged = token[:-2] + ("xx" if not token.endswith("xx") else "yy")
    response = api.post(f"/unsubscribe?token={forged}", headers=form)
    assert response.status_code == 404 and response.json["Message"].startswith("token:")
    assert api.get("/users/me", token=mentee.token).json["notifications"]["messages"] is True


# --- the schedule ---------------------------------------------------------------------------------


def test_a_request_expires_after_the_expiry_and_frees_the_slot(api, mailbox, pair, monkeypatch):
    monkeypatch.setenv("REQUEST_EXPIRY_MINUTES", "60")
    mentee, mentor = pair
    match = request(api, mentee, mentor)
    start = clock.now()
    assert schedule.run(start + timedelta(minutes=59))["expire"] == 0
    done = schedule.run(start + timedelta(minutes=61))
    assert done["expire"] == 1
    got = api.get(f"/matches/{match['id']}", token=mentee.token).json["match"]
    assert got["status"] == "expired" and got["closed_by"] == "system" and got["close_reason"] == "not answered in time"
    assert api.get("/users/me", token=mentor.token).json["active_mentees"] == 0
    assert api.get("/users/me", token=mentee.token).json["open_matches"] == 0
    sent = api.post(f"/threads/{match['thread_id']}/messages", {"body": "still there?"}, token=mentee.token)
    assert sent.status_code == 409  # read-only
    assert api.post(f"/matches/{match['id']}/accept", token=mentor.token).status_code == 409
    assert schedule.run(start + timedelta(minutes=120)) == {}  # nothing left due
    assert subjects(mailbox, mentee)[-1] == "Your match request expired unanswered on mlbridge"
    assert subjects(mailbox, mentor)[-1] == "Your match request expired unanswered on mlbridge"


def test_an_accepted_request_never_expires(api, pair, monkeypatch):
    monkeypatch.setenv("REQUEST_EXPIRY_MINUTES", "60")
    mentee, mentor = pair
    match = request(api, mentee, mentor)
    api.post(f"/matches/{match['id']}/accept", token=mentor.token)
    assert schedule.run(clock.now() + timedelta(days=30)) == {}
    assert api.get(f"/matches/{match['id']}", token=mentee.token).json["match"]["status"] == "active"


def test_a_request_pending_for_3_days_reminds_the_mentor_once(api, mailbox, pair):
    mentee, mentor = pair
    request(api, mentee, mentor)
    start = clock.now()
    assert schedule.run(start + timedelta(days=2, hours=23)) == {}
    assert schedule.run(start + timedelta(days=3, minutes=1))["remind"] == 1
    assert schedule.run(start + timedelta(days=3, minutes=2)) == {}
    reminders = [s for s in subjects(mailbox, mentor) if "still waiting" in s]
    assert reminders == ["Ben is still waiting for your answer on mlbridge"]


def test_unread_messages_are_emailed_after_15_quiet_minutes_once_until_read(api, mailbox, pair):
    mentee, mentor = pair
    match = request(api, mentee, mentor, message=None)
    api.post(f"/matches/{match['id']}/accept", token=mentor.token)
    thread = match["thread_id"]
    for text in ("One", "Two"):
        assert api.post(f"/threads/{thread}/messages", {"body": text}, token=mentor.token).status_code == 201
    start = clock.now()
    assert schedule.run(start + timedelta(minutes=14)) == {}
    assert schedule.run(start + timedelta(minutes=16))["unread"] == 1
    api.post(f"/threads/{thread}/messages", {"body": "Three"}, token=mentor.token)
    assert schedule.run(start + timedelta(hours=2)) == {}  # not again before Ben reads
    (email,) = [m for m in mailbox.to(mentee.profile["email"]) if "wrote to you" in str(m["Subject"])]
    assert email["Subject"] == "Ana wrote to you on mlbridge"
    assert "2 messages" in email.get_body(("plain",)).get_content()

    api.post(f"/threads/{thread}/read", token=mentee.token)
    api.post(f"/threads/{thread}/messages", {"body": "Four"}, token=mentor.token)
    assert schedule.run(clock.now() + timedelta(minutes=16))["unread"] == 1  # read, then a new quiet period
    # The sender's own row is never due; reading before the quiet period ends sends nothing.
    api.post(f"/threads/{thread}/read", token=mentee.token)
    api.post(f"/threads/{thread}/messages", {"body": "Five"}, token=mentor.token)
    api.post(f"/threads/{thread}/read", token=mentee.token)
    assert schedule.run(clock.now() + timedelta(minutes=16)) == {}
    assert len([m for m in mailbox.to(mentee.profile["email"]) if "wrote to you" in str(m["Subject"])]) == 2


def test_the_schedule_reads_what_is_due_not_the_table(api, pair, calls, monkeypatch):
    monkeypatch.setenv("REQUEST_EXPIRY_MINUTES", "60")
    mentee, mentor = pair
    for _ in range(3):
        other = register_mentor(api)
        request(api, register_mentee(api), other)
    calls.reset()
    assert schedule.run(clock.now() + timedelta(minutes=1)) == {}
    assert calls.by_operation() == {"Query": 8}  # one per due shard, whatever the table holds
