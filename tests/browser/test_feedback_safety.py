"""Feedback when a mentorship ends, a mentor's reputation on the cards, and safety: blocking and
reporting from a conversation, the blocked people in the profile, and how a mentor moved into ML.

Each test gives its mentors a framework of their own (JAX, Keras, TensorFlow, Spark MLlib), which
no other browser test's mentor has, so that its mentees are suggested exactly the mentor meant.
"""

from __future__ import annotations

import json

import pytest

from tests.browser.pages import (
    api_active_match,
    api_call,
    api_ended_with_feedback,
    api_register_mentee,
    api_register_mentor,
    by_id,
    fill_common,
    open_thread,
    register_bare_mentee,
    stored_token,
    unique,
    use_session,
)

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them in CI)
    Page = expect = None


pytestmark = pytest.mark.browser

RATED = "jax"
BLOCKING = "keras"
REPORTING = "tensorflow"
MOVED = "spark-mllib"


def match_card(page: Page, group: str, name: str):
    return by_id(page, f"matches-{group}").get_by_test_id("match").filter(has_text=name)


def test_feedback_after_ending_a_mentorship_and_the_mentors_rating_on_cards(open_page, app_url, screenshot_dir):
    mentor_name = unique("Rita Rated")
    mentor_token, mentor = api_register_mentor(app_url, mentor_name, frameworks=[RATED], capacity=3)
    # Two mentees rated the mentor before (5 and 4): under three ratings no rating is shown.
    for rating in (5, 4):
        earlier_token, _ = api_register_mentee(app_url, unique("Earl Earlier"), target_framework=RATED)
        api_ended_with_feedback(app_url, earlier_token, mentor_token, mentor["id"], rating)

    page, watch = open_page()
    register_bare_mentee(page, unique("Fay Feedback"), target_framework=RATED)
    card = by_id(page, "suggestion").filter(has_text=mentor_name)
    expect(card.get_by_test_id("mentor-completed")).to_have_text("2 mentorships completed")
    expect(card.get_by_test_id("mentor-rating")).to_have_count(0)
    expect(card.get_by_test_id("mentor-new")).to_have_count(0)

    card.get_by_test_id("request-mentor").click()
    card.get_by_test_id("send-request").click()
    expect(card.get_by_test_id("request-sent")).to_be_visible()
    mentee_token = stored_token(page)
    pending = api_call(app_url, "GET", "/matches?status=pending", mentee_token).json()["matches"]
    match_id = next(m["id"] for m in pending if m["mentor_id"] == mentor["id"])
    assert api_call(app_url, "POST", f"/matches/{match_id}/accept", mentor_token, {}).status_code == 200

    # -- The mentee ends the mentorship: the feedback form opens at once, its heading focused.
    by_id(page, "nav-matches").click()
    active = match_card(page, "active", mentor_name)
    active.get_by_test_id("end").click()
    active.get_by_test_id("confirm-end").click()
    closed = match_card(page, "closed", mentor_name)
    form = closed.get_by_test_id("feedback-form")
    expect(form).to_be_visible()
    expect(form.get_by_test_id("feedback-title")).to_have_text(f"How was your mentorship with {mentor_name}?")
    expect(form.get_by_test_id("feedback-title")).to_be_focused()
    expect(by_id(page, "matches-status")).to_have_text(f"Your mentorship with {mentor_name} has ended.")

    # Without a rating nothing is sent.
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" and r.url.endswith("/feedback") else None)
    form.get_by_test_id("feedback-submit").click()
    expect(form.get_by_test_id("feedback-rating-error")).to_have_text("Choose a rating from 1 to 5 stars.")
    expect(form.get_by_label("1 of 5")).to_be_focused()
    assert sent == []

    form.get_by_label("5 of 5").check()
    expect(form.get_by_test_id("rating-choice")).to_have_text("5 of 5: Excellent")
    expect(form.get_by_test_id("feedback-rating-error")).to_be_hidden()
    note = "Patient, concrete advice. Helped me ship my first model."
    form.get_by_test_id("feedback-note").fill(note)
    expect(form.get_by_test_id("char-count")).to_have_text(f"{len(note)} / 1,000 characters")
    page.screenshot(path=str(screenshot_dir / "feedback-form.png"), full_page=True)
    with page.expect_response(lambda r: r.url.endswith(f"/matches/{match_id}/feedback")) as info:
        form.get_by_test_id("feedback-submit").click()
    assert info.value.status == 201
    assert json.loads(info.value.request.post_data) == {"rating": 5, "note": note}

    thanks = closed.get_by_test_id("feedback-thanks")
    expect(thanks).to_have_text("Thanks — you rated this mentorship 5/5.")
    expect(thanks).to_be_focused()
    expect(closed.get_by_test_id("feedback-form")).to_have_count(0)
    expect(closed.get_by_test_id("give-feedback")).to_have_count(0)
    stored = api_call(app_url, "GET", f"/matches/{match_id}", mentee_token).json()["match"]["feedback"]
    assert stored["rating"] == 5 and stored["note"] == note

    # -- A reload reads it back from match.feedback: the thanks, no form and no button.
    page.reload()
    closed = match_card(page, "closed", mentor_name)
    expect(closed.get_by_test_id("feedback-thanks")).to_have_text("Thanks — you rated this mentorship 5/5.")
    expect(closed.get_by_test_id("give-feedback")).to_have_count(0)
    expect(closed.get_by_test_id("match-status")).to_have_text("Ended")

    # -- Three ratings (5, 4, 5): a new mentee sees 4.7 on the mentor's card.
    newcomer, newcomer_watch = open_page(phone=True)
    register_bare_mentee(newcomer, unique("Gus Newcomer"), target_framework=RATED)
    card = by_id(newcomer, "suggestion").filter(has_text=mentor_name)
    expect(card.get_by_test_id("mentor-rating")).to_contain_text("★ 4.7")
    expect(card.get_by_test_id("mentor-rating")).to_contain_text("3 ratings")
    expect(card.get_by_test_id("mentor-completed")).to_have_text("3 mentorships completed")
    newcomer.screenshot(path=str(screenshot_dir / "suggestion-rating-phone.png"), full_page=True)
    watch.assert_clean()
    newcomer_watch.assert_clean()


def test_give_feedback_later_from_a_closed_match_and_not_now(open_page, app_url):
    mentor_name = unique("Lou Later")
    mentor_token, mentor = api_register_mentor(app_url, mentor_name, frameworks=[RATED], capacity=1)
    mentee_token, _ = api_register_mentee(app_url, unique("Mo Later"), target_framework=RATED)
    match = api_active_match(app_url, mentee_token, mentor_token, mentor["id"])
    assert api_call(app_url, "POST", f"/matches/{match['id']}/end", mentee_token, {}).status_code == 200

    # The mentor rates the mentee too, later, from the closed match.
    page, watch = open_page()
    use_session(page, mentor_token, "#/matches")
    closed = by_id(page, "matches-closed").locator(f'[data-match-id="{match["id"]}"]')
    give = closed.get_by_test_id("give-feedback")
    expect(give).to_have_text("Give feedback")
    give.click()
    form = closed.get_by_test_id("feedback-form")
    expect(form.get_by_test_id("feedback-title")).to_be_focused()
    form.get_by_test_id("feedback-later").click()
    expect(closed.get_by_test_id("feedback-form")).to_have_count(0)
    expect(give).to_be_focused()

    give.click()
    form.get_by_label("3 of 5").check()
    form.get_by_test_id("feedback-note").fill("x" * 1001)
    expect(form.get_by_test_id("feedback-submit")).to_be_disabled()
    form.get_by_test_id("feedback-note").fill("")
    form.get_by_test_id("feedback-submit").click()
    expect(closed.get_by_test_id("feedback-thanks")).to_have_text("Thanks — you rated this mentorship 3/5.")

    # A second time (say, from another device) is a 409: the page says so plainly.
    response = api_call(app_url, "POST", f"/matches/{match['id']}/feedback", mentee_token, {"rating": 4})
    assert response.status_code == 201, response.text
    other, other_watch = open_page()
    use_session(other, mentee_token, "#/matches")
    closed = by_id(other, "matches-closed").locator(f'[data-match-id="{match["id"]}"]')
    expect(closed.get_by_test_id("feedback-thanks")).to_have_text("Thanks — you rated this mentorship 4/5.")
    again = api_call(app_url, "POST", f"/matches/{match['id']}/feedback", mentee_token, {"rating": 1})
    assert again.status_code == 409, again.text
    watch.assert_clean()
    other_watch.assert_clean()


def test_a_second_feedback_is_refused_plainly(open_page, app_url):
    mentor_token, mentor = api_register_mentor(app_url, unique("Dee Double"), frameworks=[RATED], capacity=1)
    mentee_token, _ = api_register_mentee(app_url, unique("Dan Double"), target_framework=RATED)
    match = api_active_match(app_url, mentee_token, mentor_token, mentor["id"])
    assert api_call(app_url, "POST", f"/matches/{match['id']}/end", mentee_token, {}).status_code == 200

    page, watch = open_page()
    use_session(page, mentee_token, "#/matches")
    closed = by_id(page, "matches-closed").locator(f'[data-match-id="{match["id"]}"]')
    closed.get_by_test_id("give-feedback").click()
    # Meanwhile given on another device.
    assert api_call(app_url, "POST", f"/matches/{match['id']}/feedback", mentee_token, {"rating": 2}).status_code == 201
    form = closed.get_by_test_id("feedback-form")
    form.get_by_label("4 of 5").check()
    form.get_by_test_id("feedback-submit").click()
    expect(closed.get_by_test_id("feedback-thanks")).to_have_text(
        "You had already given feedback on this mentorship. Thanks — you rated this mentorship 2/5.")
    watch.assert_clean()


def test_block_from_the_thread_menu_makes_the_conversation_read_only_for_both(open_page, app_url, screenshot_dir):
    mentor_name = unique("Ana Blocked")
    mentee_name = unique("Bo Blocker")
    mentor_token, mentor = api_register_mentor(app_url, mentor_name, frameworks=[BLOCKING], capacity=2)
    mentee_token, mentee = api_register_mentee(app_url, mentee_name, target_framework=BLOCKING)
    match = api_active_match(app_url, mentee_token, mentor_token, mentor["id"])

    page, watch = open_page()
    use_session(page, mentee_token)
    open_thread(page, match["thread_id"])
    expect(by_id(page, "compose")).to_be_visible()
    expect(by_id(page, "read-only")).to_be_hidden()

    # -- The menu by keyboard: ArrowDown opens it on its first item, Escape closes it.
    more = by_id(page, "more-actions")
    expect(more).to_have_attribute("aria-expanded", "false")
    more.focus()
    page.keyboard.press("ArrowDown")
    expect(by_id(page, "menu")).to_be_visible()
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(by_id(page, "menu-block")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(by_id(page, "menu-report")).to_be_focused()
    page.keyboard.press("Escape")
    expect(by_id(page, "menu")).to_be_hidden()
    expect(more).to_be_focused()

    # -- Cancel on the confirmation changes nothing.
    more.click()
    expect(by_id(page, "menu-block")).to_have_text(f"Block {mentor_name}")
    page.screenshot(path=str(screenshot_dir / "thread-menu.png"))
    expect(by_id(page, "menu-report")).to_have_text(f"Report {mentor_name}")
    by_id(page, "menu-block").click()
    dialog = by_id(page, "block-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text(f"Block {mentor_name}?")
    expect(dialog).to_contain_text("Your match ends and neither of you can message or request the other.")
    expect(dialog).to_contain_text(f"{mentor_name} is not told.")
    page.screenshot(path=str(screenshot_dir / "block-dialog.png"))
    expect(by_id(page, "cancel-block")).to_be_focused()
    by_id(page, "cancel-block").click()
    expect(by_id(page, "block-dialog")).to_have_count(0)
    expect(more).to_be_focused()
    expect(by_id(page, "compose")).to_be_visible()
    assert api_call(app_url, "GET", "/users/me/blocks", mentee_token).json()["blocks"] == []
    assert api_call(app_url, "GET", f"/matches/{match['id']}", mentee_token).json()["match"]["status"] == "active"
    # Escape cancels too.
    more.click()
    by_id(page, "menu-block").click()
    expect(by_id(page, "block-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(by_id(page, "block-dialog")).to_have_count(0)
    assert api_call(app_url, "GET", "/users/me/blocks", mentee_token).json()["blocks"] == []

    # -- Confirmed: the match ends and the conversation is read-only.
    more.click()
    by_id(page, "menu-block").click()
    with page.expect_response(lambda r: r.url.endswith(f"/users/{mentor['id']}/block")) as info:
        by_id(page, "confirm-block").click()
    assert info.value.status == 204
    expect(by_id(page, "block-dialog")).to_have_count(0)
    expect(by_id(page, "compose")).to_be_hidden()
    expect(by_id(page, "read-only")).to_contain_text(f"You blocked {mentor_name}")
    expect(by_id(page, "blocked-notice")).to_contain_text(f"You blocked {mentor_name}.")
    expect(by_id(page, "thread-status")).to_have_text("Closed: blocked")
    page.screenshot(path=str(screenshot_dir / "thread-blocked.png"))
    blocks = api_call(app_url, "GET", "/users/me/blocks", mentee_token).json()["blocks"]
    assert [b["user_id"] for b in blocks] == [mentor["id"]]
    closed = api_call(app_url, "GET", f"/matches/{match['id']}", mentee_token).json()["match"]
    assert closed["status"] not in ("pending", "active") and closed["close_reason"] == "blocked"
    # Stays so after a reload.
    page.reload()
    expect(by_id(page, "read-only")).to_contain_text(f"You blocked {mentor_name}")
    expect(by_id(page, "compose")).to_be_hidden()
    expect(by_id(page, "thread-status")).to_have_text("Closed: blocked")
    # The menu now offers to unblock instead.
    by_id(page, "more-actions").click()
    expect(by_id(page, "menu-unblock")).to_have_text(f"Unblock {mentor_name}")
    expect(by_id(page, "menu-block")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(by_id(page, "menu")).to_be_hidden()

    # -- The mentor's side: read-only too, and not told why.
    other, other_watch = open_page(phone=True)
    use_session(other, mentor_token)
    open_thread(other, match["thread_id"])
    expect(by_id(other, "read-only")).to_have_text("This mentorship is closed, so the conversation is read-only.")
    expect(by_id(other, "compose")).to_be_hidden()
    expect(by_id(other, "thread-status")).not_to_contain_text("blocked")
    sent = api_call(app_url, "POST", f"/threads/{match['thread_id']}/messages", mentor_token, {"body": "Hello?"})
    assert 400 < sent.status_code < 500, sent.text
    by_id(other, "nav-matches").click()
    expect(by_id(other, "matches-closed").get_by_test_id("match-status")).not_to_contain_text("blocked")

    # -- The profile lists the blocked mentor; unblocking asks once more.
    by_id(page, "nav-profile").click()
    blocked = by_id(page, "block").filter(has_text=mentor_name)
    expect(blocked).to_be_visible()
    expect(by_id(page, "moved-via-form")).to_have_count(0)  # for mentors only
    expect(page.locator("#main")).not_to_contain_text("null")
    blocked.get_by_test_id("unblock").click()
    expect(blocked.get_by_test_id("unblock-confirm")).to_contain_text(f"Unblock {mentor_name}?")
    page.screenshot(path=str(screenshot_dir / "profile-blocked-people.png"), full_page=True)
    blocked.get_by_test_id("keep-blocked").click()
    expect(blocked.get_by_test_id("unblock")).to_be_focused()
    assert len(api_call(app_url, "GET", "/users/me/blocks", mentee_token).json()["blocks"]) == 1
    blocked.get_by_test_id("unblock").click()
    blocked.get_by_test_id("confirm-unblock").click()
    expect(by_id(page, "blocks-status")).to_have_text(f"You unblocked {mentor_name}.")
    expect(by_id(page, "no-blocks")).to_have_text("You have not blocked anyone.")
    assert api_call(app_url, "GET", "/users/me/blocks", mentee_token).json()["blocks"] == []
    watch.assert_clean()
    other_watch.assert_clean()


def test_report_from_the_thread_menu(open_page, app_url, screenshot_dir):
    mentor_name = unique("Rex Reported")
    mentor_token, mentor = api_register_mentor(app_url, mentor_name, frameworks=[REPORTING], capacity=2)
    mentee_token, _ = api_register_mentee(app_url, unique("Ria Reporter"), target_framework=REPORTING)
    match = api_active_match(app_url, mentee_token, mentor_token, mentor["id"])

    page, watch = open_page(phone=True)
    use_session(page, mentee_token)
    open_thread(page, match["thread_id"])
    reports = []
    page.on("request", lambda r: reports.append(r) if r.method == "POST" and r.url.endswith("/reports") else None)

    # -- Cancel closes the form and sends nothing.
    by_id(page, "more-actions").click()
    by_id(page, "menu-report").click()
    dialog = by_id(page, "report-dialog")
    expect(dialog.get_by_role("heading")).to_have_text(f"Report {mentor_name}")
    expect(by_id(page, "report-reason")).to_be_focused()
    by_id(page, "report-cancel").click()
    expect(by_id(page, "report-dialog")).to_have_count(0)
    expect(by_id(page, "more-actions")).to_be_focused()

    # -- No reason: not sent, the reason is marked.
    by_id(page, "more-actions").click()
    by_id(page, "menu-report").click()
    by_id(page, "report-submit").click()
    expect(by_id(page, "report-reason-error")).to_have_text("Choose a reason.")
    expect(by_id(page, "report-reason")).to_have_attribute("aria-invalid", "true")
    expect(by_id(page, "report-reason")).to_be_focused()
    expect(by_id(page, "report-dialog")).to_be_visible()
    assert reports == []

    # -- Details have a counter; too long cannot be sent.
    by_id(page, "report-reason").select_option("no-show")
    expect(by_id(page, "report-reason-error")).to_be_hidden()
    by_id(page, "report-details").fill("y" * 2001)
    expect(by_id(page, "report-submit")).to_be_disabled()
    details = "Missed our last three calls without a word."
    by_id(page, "report-details").fill(details)
    expect(dialog.get_by_test_id("char-count")).to_have_text(f"{len(details)} / 2,000 characters")
    page.screenshot(path=str(screenshot_dir / "report-dialog-phone.png"))
    with page.expect_response(lambda r: r.url.endswith("/reports")) as info:
        by_id(page, "report-submit").click()
    assert info.value.status == 201, info.value.text()
    assert json.loads(info.value.request.post_data) == {
        "user_id": mentor["id"], "match_id": match["id"], "reason": "no-show", "details": details}
    assert info.value.json()["report"]["id"]
    expect(by_id(page, "report-dialog")).to_have_count(0)
    expect(by_id(page, "report-sent")).to_contain_text("Thanks, the report was sent to the operators.")
    # Reporting does not block: the conversation goes on.
    expect(by_id(page, "compose")).to_be_visible()
    watch.assert_clean()


def test_how_a_mentor_moved_into_ml_from_registration_to_profile_and_cards(open_page, app_url, screenshot_dir):
    page, watch = open_page()
    mentor_name = unique("Mia Moved")
    fill_common(page, "mentor", mentor_name, frameworks=[MOVED], goals=["job-switch"])
    page.locator("#field-capacity").fill("2")
    expect(page.get_by_role("group", name="How did you move into ML? (optional, pick any)")).to_be_visible()
    by_id(page, "option-moved_via-internal-transfer").check()
    by_id(page, "option-moved_via-kaggle").check()
    by_id(page, "register-submit").click()
    expect(by_id(page, "page-title")).to_have_text("Mentorship requests")

    token = stored_token(page)
    me = api_call(app_url, "GET", "/users/me", token).json()
    assert sorted(me["moved_via"]) == ["internal-transfer", "kaggle"]

    # -- The profile shows them checked; a change is saved with PATCH /users/me.
    by_id(page, "nav-profile").click()
    form = by_id(page, "moved-via-form")
    expect(form.get_by_test_id("option-moved_via-internal-transfer")).to_be_checked()
    expect(form.get_by_test_id("option-moved_via-kaggle")).to_be_checked()
    expect(form.get_by_test_id("option-moved_via-ml-systems")).not_to_be_checked()
    expect(by_id(page, "mentor-new")).to_have_text("New mentor")
    form.get_by_test_id("option-moved_via-ml-systems").check()
    form.get_by_test_id("save-moved-via").click()
    expect(by_id(page, "moved-via-status")).to_have_text("Saved")
    me = api_call(app_url, "GET", "/users/me", token).json()
    assert sorted(me["moved_via"]) == ["internal-transfer", "kaggle", "ml-systems"]
    page.reload()
    expect(by_id(page, "moved-via-form").get_by_test_id("option-moved_via-ml-systems")).to_be_checked()
    page.screenshot(path=str(screenshot_dir / "profile-moved-via.png"), full_page=True)

    # -- A mentee sees it on the mentor's card, in words, with "New mentor".
    mentee, mentee_watch = open_page(phone=True)
    register_bare_mentee(mentee, unique("Nia Newbie"), target_framework=MOVED)
    card = by_id(mentee, "suggestion").filter(has_text=mentor_name)
    expect(card.get_by_test_id("moved-via")).to_have_text("Moved into ML by: Internal transfer, Kaggle, ML systems")
    expect(card.get_by_test_id("mentor-new")).to_have_text("New mentor")
    expect(card.get_by_test_id("mentor-rating")).to_have_count(0)
    watch.assert_clean()
    mentee_watch.assert_clean()
