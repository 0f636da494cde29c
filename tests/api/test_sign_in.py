"""Signing in by an emailed link or code, and sessions (contract: "Sign-in and sessions (v2)").

The emails come from the table's change stream: `mailbox.deliver()` runs it, as Lambda would
after the write, into an outbox directory of real `.eml` files.
"""

from __future__ import annotations

import pytest

from chalicelib import clock
from tests.factories import register_mentee, register_mentor

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


def ask_link(api, email, **kw):
    return api.post("/auth/links", {"email": email}, **kw)


def sign_in_mail(mailbox, email):
    return mailbox.link_and_code(mailbox.latest(email))


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


# --- links and codes -----------------------------------------------------------------------------


def test_sign_in_by_link_opens_a_new_session_and_verifies_the_email(api, mailbox):
    mentee = register_mentee(api)
    assert mentee.profile["email_verified"] is False
    assert ask_link(api, mentee.profile["email"]).status_code == 202

    message = mailbox.latest(mentee.profile["email"])
    assert message["Subject"] == "Sign in to mlbridge"
    link_token, _code = mailbox.link_and_code(message)
    response = api.post("/auth/sessions", {"token": link_token}, headers={"User-Agent": FIREFOX})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["user"]["id"] == mentee.id and body["user"]["email_verified"] is True
    assert body["session"]["current"] is True and body["session"]["label"] == "Firefox on Linux"
    assert body["token"] != mentee.token

    # Both devices are signed in; the profile now says verified.
    for token in (body["token"], mentee.token):
        me = api.get("/users/me", token=token)
        assert me.status_code == 200 and me.json["email_verified"] is True


def test_sign_in_by_code(api, mailbox):
    mentor = register_mentor(api)
    ask_link(api, mentor.profile["email"].upper())  # case-insensitive
    _token, code = sign_in_mail(mailbox, mentor.profile["email"])
    response = api.post("/auth/sessions", {"email": mentor.profile["email"], "code": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 201, response.json
    assert response.json["user"]["id"] == mentor.id
    assert api.get("/users/me", token=response.json["token"]).status_code == 200


def test_a_link_and_its_code_work_once(api, mailbox):
    mentee = register_mentee(api)
    ask_link(api, mentee.profile["email"])
    link_token, code = sign_in_mail(mailbox, mentee.profile["email"])
    assert api.post("/auth/sessions", {"token": link_token}).status_code == 201
    again = api.post("/auth/sessions", {"token": link_token})
    assert again.status_code == 401 and again.json["Message"].startswith("token:")
    by_code = api.post("/auth/sessions", {"email": mentee.profile["email"], "code": code})
    assert by_code.status_code == 401 and by_code.json["Message"].startswith("code:")


def test_links_expire_after_15_minutes(api, mailbox, frozen_clock):
    mentee = register_mentee(api)
    ask_link(api, mentee.profile["email"])
    link_token, code = sign_in_mail(mailbox, mentee.profile["email"])
    frozen_clock.advance(minutes=15, seconds=1)
    assert api.post("/auth/sessions", {"token": link_token}).status_code == 401
    assert api.post("/auth/sessions", {"email": mentee.profile["email"], "code": code}).status_code == 401


def test_a_link_whose_record_comes_after_it_expired_is_not_emailed(api, mailbox, frozen_clock):
    # The stream keeps records up to a day (waitlist offers, reports); a late sign-in email is useless.
    mentee = register_mentee(api)
    mailbox.deliver()  # the verification email
    ask_link(api, mentee.profile["email"])
    frozen_clock.advance(minutes=15, seconds=1)
    assert not [m for m in mailbox.to(mentee.profile["email"]) if "Sign in" in str(m["Subject"])]
    ask_link(api, mentee.profile["email"])
    assert [m for m in mailbox.to(mentee.profile["email"]) if "Sign in" in str(m["Subject"])]


def test_links_are_stored_only_as_hashes_and_expire_by_ttl_too(api, mailbox, backend):
    from chalicelib.storage import db

    mentee = register_mentee(api)
    ask_link(api, mentee.profile["email"])
    link_token, code = sign_in_mail(mailbox, mentee.profile["email"])
    secret = link_token.rsplit(".", 1)[1]
    items = db.query_all(
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "SIGNIN#" + link_token.split(".")[0]}},
    )
    links = [item for item in items if item["kind"]["S"] == "link"]
    assert len(links) == 2  # the verification link from registration, and this one
    for item in items:
        stored = repr(item)
        assert secret not in stored and f"'{code}'" not in stored
        assert int(item["expires_at"]["N"]) <= clock.now().timestamp() + 15 * 60 + 1
    ttl = db.connection().client.describe_time_to_live(TableName=db.table_name())
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"


def test_a_wrong_token_is_a_401(api, mailbox):
    mentee = register_mentee(api)
    ask_link(api, mentee.profile["email"])
    link_token, _ = sign_in_mail(mailbox, mentee.profile["email"])
    digest, link_id, secret = link_token.split(".")
    forged = f"{digest}.{link_id}.{'A' * len(secret)}"
    for token in (forged, "nonsense", f"{digest}.{link_id}", "a.b.c"):
        response = api.post("/auth/sessions", {"token": token})
        assert response.status_code == 401, token
    assert api.post("/auth/sessions", {"token": link_token}).status_code == 201


def test_five_wrong_codes_burn_every_unused_link_of_the_email(api, mailbox):
    mentee = register_mentee(api)
    email = mentee.profile["email"]
    ask_link(api, email)
    ask_link(api, email)
    link_token, code = sign_in_mail(mailbox, email)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for attempt in range(4):
        assert api.post("/auth/sessions", {"email": email, "code": wrong}).status_code == 401
    assert api.post("/auth/sessions", {"email": email, "code": code}).status_code == 201  # four were allowed
    ask_link(api, email)
    link_token, code = sign_in_mail(mailbox, email)
    for attempt in range(5):
        assert api.post("/auth/sessions", {"email": email, "code": wrong}).status_code == 401
    assert api.post("/auth/sessions", {"email": email, "code": code}).status_code == 401
    assert api.post("/auth/sessions", {"token": link_token}).status_code == 401


def test_at_most_three_links_per_email_per_15_minutes(api, mailbox, frozen_clock):
    mentee = register_mentee(api)  # the verification email does not count
    email = mentee.profile["email"]
    for _ in range(3):
        assert ask_link(api, email).status_code == 202
        frozen_clock.advance(minutes=1)
    refused = ask_link(api, email)
    assert refused.status_code == 429
    assert refused.json["Code"] == "TooManyRequestsError" and refused.json["Message"].startswith("email:")
    assert int(refused.headers["Retry-After"]) == 12 * 60  # when the first of the three leaves the window
    assert len(mailbox.to(email)) == 1 + 3
    frozen_clock.advance(minutes=11, seconds=59)
    assert ask_link(api, email).status_code == 429
    frozen_clock.advance(seconds=1)
    assert ask_link(api, email).status_code == 202


def test_unknown_and_known_emails_get_identical_answers_and_work(api, mailbox, calls, frozen_clock):
    mentee = register_mentee(api)
    answers = {}
    for email in (mentee.profile["email"], "nobody-here@example.com"):
        calls.reset()
        responses = [ask_link(api, email) for _ in range(4)]
        answers[email] = (
            [(r.status_code, r.body, r.headers.get("Retry-After")) for r in responses],
            calls.by_operation(),
        )
    known, unknown = answers.values()
    assert known == unknown
    assert known[1] == {"BatchGetItem": 4, "TransactWriteItems": 3}
    mailbox.deliver()
    assert mailbox.to("nobody-here@example.com") == []


@pytest.mark.parametrize("body, field", [
    ({}, "email"),
    ({"email": "not an email"}, "email"),
    ({"email": "a@example.com", "extra": 1}, "extra"),
    ({"email": 5}, "email"),
])
def test_asking_for_a_link_with_bad_input_is_a_400(api, body, field):
    response = api.post("/auth/links", body)
    assert response.status_code == 400
    assert response.json["Message"].startswith(f"{field}:")


@pytest.mark.parametrize("body, field", [
    ({}, "email"),
    ([], "body"),
    ({"email": "a@example.com"}, "code"),
    ({"code": "123456"}, "email"),
    ({"email": "a@example.com", "code": "12345"}, "code"),
    ({"email": "a@example.com", "code": "abcdef"}, "code"),
    ({"email": "a@example.com", "code": "0000000000000000000"}, "code"),
    ({"email": None, "code": "123456"}, "email"),
    ({"token": "x", "email": "a@example.com", "code": "123456"}, "email"),
    ({"token": 7}, "token"),
    ({"token": ""}, "token"),
])
def test_signing_in_with_bad_input_is_a_400(api, body, field):
    response = api.post("/auth/sessions", body)
    assert response.status_code == 400, response.json
    assert response.json["Message"].startswith(f"{field}:")


def test_registration_sends_a_verification_email_whose_link_signs_in(api, mailbox):
    mentee = register_mentee(api)
    message = mailbox.latest(mentee.profile["email"])
    assert message["Subject"] == "Verify your email for mlbridge"
    link_token, _ = mailbox.link_and_code(message)
    response = api.post("/auth/sessions", {"token": link_token})
    assert response.status_code == 201 and response.json["user"]["email_verified"] is True


def test_changing_the_email_clears_verification_and_sends_a_new_link(api, mailbox):
    mentee = register_mentee(api)
    link_token, _ = sign_in_mail(mailbox, mentee.profile["email"])
    assert api.post("/auth/sessions", {"token": link_token}).status_code == 201
    old_email, new_email = mentee.profile["email"], "moved-" + mentee.profile["email"]

    changed = api.patch("/users/me", {"email": new_email}, token=mentee.token)
    assert changed.status_code == 200 and changed.json["email_verified"] is False
    message = mailbox.latest(new_email)
    assert message["Subject"] == "Verify your email for mlbridge"
    link_token, code = mailbox.link_and_code(message)
    # A link sent to the old address no longer signs in.
    ask_link(api, old_email)
    assert mailbox.to(old_email)[-1]["Subject"] == "Verify your email for mlbridge"  # nothing new went there
    verified = api.post("/auth/sessions", {"email": new_email, "code": code})
    assert verified.status_code == 201 and verified.json["user"]["email_verified"] is True
    assert verified.json["user"]["email"] == new_email


# --- sessions ------------------------------------------------------------------------------------


def second_device(api, mailbox, who, user_agent=IPHONE) -> dict:
    ask_link(api, who.profile["email"])
    link_token, _ = sign_in_mail(mailbox, who.profile["email"])
    response = api.post("/auth/sessions", {"token": link_token}, headers={"User-Agent": user_agent})
    assert response.status_code == 201
    return response.json


def test_sessions_list_every_device_with_the_current_one_first(api, mailbox):
    mentee = register_mentee(api)
    other = second_device(api, mailbox, mentee)
    listed = api.get("/sessions", token=mentee.token)
    assert listed.status_code == 200
    sessions = listed.json["sessions"]
    assert len(sessions) == 2
    assert sessions[0]["current"] is True and sessions[1]["current"] is False
    assert sessions[1]["id"] == other["session"]["id"] and sessions[1]["label"] == "Mobile Safari on iOS"
    assert set(sessions[0]) == {"id", "created_at", "last_used_at", "label", "current"}


def test_ending_a_session_makes_its_token_a_401_at_once_while_others_work(api, mailbox):
    mentee = register_mentee(api)
    other = second_device(api, mailbox, mentee)
    assert api.delete(f"/sessions/{other['session']['id']}", token=mentee.token).status_code == 204
    assert api.get("/users/me", token=other["token"]).status_code == 401
    assert api.get("/users/me", token=mentee.token).status_code == 200
    assert api.delete(f"/sessions/{other['session']['id']}", token=mentee.token).status_code == 404


def test_a_session_of_someone_else_is_a_404(api, mailbox):
    mentee, mentor = register_mentee(api), register_mentor(api)
    theirs = api.get("/sessions", token=mentor.token).json["sessions"][0]["id"]
    assert api.delete(f"/sessions/{theirs}", token=mentee.token).status_code == 404
    assert api.get("/users/me", token=mentor.token).status_code == 200


def test_ending_every_other_session_and_signing_out(api, mailbox):
    mentee = register_mentee(api)
    phone = second_device(api, mailbox, mentee)
    laptop = second_device(api, mailbox, mentee, FIREFOX)
    assert api.delete("/sessions", token=laptop["token"]).status_code == 204
    assert api.get("/users/me", token=mentee.token).status_code == 401
    assert api.get("/users/me", token=phone["token"]).status_code == 401
    assert [s["id"] for s in api.get("/sessions", token=laptop["token"]).json["sessions"]] == [laptop["session"]["id"]]
    assert api.post("/auth/signout", token=laptop["token"]).status_code == 204
    assert api.get("/users/me", token=laptop["token"]).status_code == 401


def test_a_session_unused_for_90_days_expires_and_use_keeps_it_alive(api, mailbox, frozen_clock, calls):
    mentee = register_mentee(api)
    idle = second_device(api, mailbox, mentee)
    frozen_clock.advance(days=60)
    calls.reset()
    assert api.get("/users/me", token=mentee.token).status_code == 200
    assert calls.by_operation() == {"BatchGetItem": 1, "UpdateItem": 1}  # last use, once a day
    calls.reset()
    assert api.get("/users/me", token=mentee.token).status_code == 200
    assert calls.by_operation() == {"BatchGetItem": 1}  # not again the same day
    frozen_clock.advance(days=31)
    assert api.get("/users/me", token=mentee.token).status_code == 200  # used 31 days ago
    expired = api.get("/users/me", token=idle["token"])  # unused for 91 days
    assert expired.status_code == 401 and "expired" in expired.json["Message"]
    sessions = api.get("/sessions", token=mentee.token).json["sessions"]
    assert [s["current"] for s in sessions] == [True]
    assert sessions[0]["last_used_at"] == clock.iso(frozen_clock.moment)


def test_version_1_tokens_keep_working_and_can_be_ended(api, backend):
    """A token issued before sessions (`<user id>.<secret>`, its hash on the profile)."""
    from chalicelib.links import token_hash
    from chalicelib.storage import db, keys

    mentee = register_mentee(api)
    db.update_item(
        Key=db.key(keys.user(mentee.id), keys.PROFILE),
        UpdateExpression="SET token_hash = :hash",
        ExpressionAttributeValues={":hash": {"S": token_hash("old-secret")}},
    )
    old_token = f"{mentee.id}.old-secret"
    assert api.get("/users/me", token=old_token).status_code == 200
    assert api.get("/matches/suggestions", token=old_token).status_code == 200
    assert api.get("/threads", token=old_token).status_code == 200
    assert api.get("/users/me", token=f"{mentee.id}.wrong-secret").status_code == 401
    sessions = api.get("/sessions", token=old_token).json["sessions"]
    assert [(s["id"], s["current"]) for s in sessions] == [("v1", True), (sessions[1]["id"], False)]
    # Ending the others from a new session ends the old token too.
    assert api.delete("/sessions", token=mentee.token).status_code == 204
    assert api.get("/users/me", token=old_token).status_code == 401
    assert api.get("/users/me", token=mentee.token).status_code == 200


def test_a_token_for_a_session_of_another_user_is_a_401(api):
    mentee, mentor = register_mentee(api), register_mentor(api)
    _, session_id, secret = mentor.token.split(".")
    assert api.get("/users/me", token=f"{mentee.id}.{session_id}.{secret}").status_code == 401


def test_deleting_the_account_removes_its_sessions(api, mailbox, backend):
    from chalicelib.storage import sessions as session_store

    mentee = register_mentee(api)
    second_device(api, mailbox, mentee)
    assert len(session_store.sessions_of(mentee.id)) == 2
    assert api.delete("/users/me", token=mentee.token).status_code == 204
    assert session_store.sessions_of(mentee.id) == []
