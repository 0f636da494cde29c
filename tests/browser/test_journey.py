"""A mentor and a mentee use the web app end to end, each in a browser context of their own."""

from __future__ import annotations

import json
import re

import pytest
import requests

from tests.browser.pages import by_id, email_for, fill_common, sign_in_with_code, stored_token, unique

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them in CI)
    Page = expect = None


pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"


def register_mentor(page: Page, name: str) -> None:
    fill_common(page, "mentor", name, frameworks=["pytorch", "hugging-face"], goals=["job-switch", "interview-prep"])
    page.locator("#field-capacity").fill("2")
    page.locator("#field-years_in_ml").fill("6")
    page.locator("#field-transition_story").fill("Went from payments backends to recommender systems.")
    page.locator("#field-bio").fill("I build ranking models and like helping backend folks make the jump.")
    by_id(page, "register-submit").click()
    expect(by_id(page, "welcome-notice")).to_be_visible()
    expect(by_id(page, "page-title")).to_have_text("Mentorship requests")


def fill_mentee(page: Page, name: str) -> None:
    fill_common(page, "mentee", name, frameworks=["scikit-learn"], goals=["job-switch", "interview-prep"])
    page.locator("#field-target_framework").select_option("pytorch")
    page.locator("#field-motivation").select_option("curiosity")
    page.locator("#field-backend_years").fill("7")
    page.locator("#field-current_stack").fill("Go, Postgres, Kafka")


def thread_item(page: Page, other_name: str):
    return by_id(page, "thread").filter(has_text=other_name)


def message(page: Page, text: str):
    return by_id(page, "message-body").filter(has_text=text)


def test_mentor_and_mentee_journey(open_page, screenshot_dir, app_url, outbox_dir):
    mentor, mentor_watch = open_page(timezone_id="Europe/Berlin")
    mentee, mentee_watch = open_page(timezone_id="Europe/Lisbon", phone=True)
    mentor_name = unique("Mira Mentor")
    mentee_name = unique("Theo Mentee")

    # -- Registration: defaults come from the browser; choices come from GET /vocabulary.
    mentor.goto("/")
    expect(mentor.locator("#field-timezone")).to_have_value("Europe/Berlin")
    expect(mentor.locator("#field-languages")).to_have_value("en")
    register_mentor(mentor, mentor_name)
    token = mentor.evaluate("() => localStorage.getItem('mlbridge.token')")
    assert token and token not in mentor.url

    fill_mentee(mentee, mentee_name)
    expect(mentee.locator("#field-timezone")).to_have_value("Europe/Lisbon")
    mentee.screenshot(path=str(screenshot_dir / "registration.png"), full_page=True)
    by_id(mentee, "register-submit").click()
    expect(by_id(mentee, "welcome-notice")).to_be_visible()

    # -- The mentee sees the mentor among the suggestions, with a score and reasons.
    expect(by_id(mentee, "page-title")).to_have_text("Suggested mentors")
    card = by_id(mentee, "suggestion").filter(has_text=mentor_name)
    expect(card).to_be_visible()
    expect(card.get_by_test_id("score")).to_be_visible()
    expect(card.get_by_test_id("reason").first).to_be_visible()
    mentee.screenshot(path=str(screenshot_dir / "suggestions.png"), full_page=True)

    intro = "Hi! I run Go services and want to move into PyTorch work. Could you mentor me?"
    card.get_by_test_id("request-mentor").click()
    card.get_by_test_id("intro").fill(intro)
    card.get_by_test_id("send-request").click()
    expect(card.get_by_test_id("request-sent")).to_be_visible()

    # -- The mentor sees the request (the open requests page follows the inbox) and accepts.
    request_card = by_id(mentor, "request").filter(has_text=mentee_name)
    expect(request_card).to_be_visible()
    expect(request_card.get_by_test_id("intro-message")).to_have_text(intro)
    expect(request_card.get_by_test_id("reason").first).to_be_visible()
    request_card.get_by_test_id("accept").click()
    expect(by_id(mentor, "accepted-notice")).to_be_visible()
    expect(by_id(mentor, "no-requests")).to_be_visible()

    # -- The intro is unread for the mentor: a badge in the inbox and in the navigation.
    by_id(mentor, "nav-inbox").click()
    mentor_thread = thread_item(mentor, mentee_name)
    expect(mentor_thread.get_by_test_id("unread-badge")).to_have_text("1")
    expect(by_id(mentor, "nav-unread")).to_have_text("1")
    mentor.screenshot(path=str(screenshot_dir / "inbox-unread.png"), full_page=True)
    mentor_thread.get_by_test_id("open-thread").click()
    expect(by_id(mentor, "thread-title")).to_have_text(mentee_name)
    expect(message(mentor, intro)).to_be_visible()
    expect(by_id(mentor, "nav-unread")).to_have_count(0)

    # -- The mentee opens the conversation from the inbox.
    by_id(mentee, "nav-inbox").click()
    mentee_thread = thread_item(mentee, mentor_name)
    expect(mentee_thread).to_be_visible()
    mentee_thread.get_by_test_id("open-thread").click()
    expect(by_id(mentee, "thread-title")).to_have_text(mentor_name)
    expect(message(mentee, intro)).to_be_visible()

    # -- They exchange messages and each sees the other's appear without reloading.
    hello = "Welcome aboard! Let's start with what you have built so far."
    by_id(mentor, "compose-input").fill(hello)
    by_id(mentor, "send").click()
    expect(message(mentor, hello)).to_be_visible()
    expect(by_id(mentor, "compose-input")).to_have_value("")
    expect(message(mentee, hello)).to_be_visible()

    reply = "Thanks! Mostly event pipelines.\nSecond line stays on its own line."
    by_id(mentee, "compose-input").fill(reply)
    by_id(mentee, "compose-input").press("Enter")
    expect(message(mentee, "Mostly event pipelines")).to_be_visible()
    expect(message(mentor, "Mostly event pipelines")).to_be_visible()

    # Newest at the bottom, for both of them.
    for page, last in ((mentor, "Mostly event pipelines"), (mentee, "Mostly event pipelines")):
        expect(by_id(page, "message-body").last).to_contain_text(last)
        expect(by_id(page, "message-body").first).to_have_text(intro)
    mentee.screenshot(path=str(screenshot_dir / "thread-phone.png"), full_page=True)
    mentor.screenshot(path=str(screenshot_dir / "thread.png"), full_page=True)

    # -- While the mentor is on the inbox, a new message shows an unread badge, which clears
    #    once the thread is opened. The message is markup, and must stay text.
    by_id(mentor, "back-to-inbox").click()
    expect(mentor_thread.get_by_test_id("unread-badge")).to_have_count(0)
    by_id(mentee, "compose-input").fill(XSS)
    by_id(mentee, "send").click()
    expect(message(mentee, XSS)).to_be_visible()

    expect(mentor_thread.get_by_test_id("unread-badge")).to_have_text("1")
    expect(by_id(mentor, "nav-unread")).to_have_text("1")
    expect(mentor_thread.get_by_test_id("thread-preview")).to_contain_text(XSS)
    mentor.screenshot(path=str(screenshot_dir / "inbox.png"), full_page=True)
    mentor_thread.get_by_test_id("open-thread").click()
    expect(message(mentor, XSS)).to_have_text(XSS)
    for page in (mentor, mentee):
        expect(by_id(page, "messages").locator("img")).to_have_count(0)
    by_id(mentor, "back-to-inbox").click()
    expect(mentor_thread.get_by_test_id("unread-badge")).to_have_count(0)
    expect(by_id(mentor, "nav-unread")).to_have_count(0)

    # -- Older messages load through the cursor (20 a page): add some through the API.
    mentee_token = mentee.evaluate("() => localStorage.getItem('mlbridge.token')")
    thread_id = mentor_thread.get_attribute("data-thread-id")
    for number in range(1, 23):
        response = requests.post(
            f"{app_url}/threads/{thread_id}/messages",
            headers={"Authorization": f"Bearer {mentee_token}", "Content-Type": "application/json"},
            data=json.dumps({"body": f"Backlog note {number:02d}"}),
            timeout=10,
        )
        assert response.status_code == 201, response.text
    mentor_thread.get_by_test_id("open-thread").click()
    expect(message(mentor, "Backlog note 22")).to_be_visible()
    expect(by_id(mentor, "message-body").last).to_have_text("Backlog note 22")
    expect(message(mentor, intro)).to_have_count(0)
    by_id(mentor, "load-older").click()
    expect(message(mentor, intro)).to_have_count(1)
    expect(by_id(mentor, "message-body").first).to_have_text(intro)
    expect(by_id(mentor, "load-older")).to_be_hidden()
    expect(by_id(mentor, "message-body")).to_have_count(3 + 1 + 22)

    # -- The mentor lowers capacity and stops accepting.
    by_id(mentor, "nav-requests").click()
    expect(by_id(mentor, "availability-summary")).to_contain_text("1 of 2")
    by_id(mentor, "field-accepting").uncheck()
    by_id(mentor, "field-capacity").fill("3")
    by_id(mentor, "save-availability").click()
    expect(by_id(mentor, "availability-status")).to_have_text("Saved")
    expect(by_id(mentor, "availability-summary")).to_contain_text("1 of 3")
    expect(by_id(mentor, "availability-summary")).to_contain_text("not accepting")
    by_id(mentor, "field-capacity").fill("11")
    by_id(mentor, "save-availability").click()
    expect(by_id(mentor, "error-capacity")).to_be_visible()

    # -- Matches: the mentee sees the active match and ends it; the thread becomes read-only.
    by_id(mentee, "nav-matches").click()
    active = by_id(mentee, "matches-active").get_by_test_id("match").filter(has_text=mentor_name)
    expect(active).to_be_visible()
    active.get_by_test_id("end").click()
    active.get_by_test_id("end-reason").fill("Found my footing, thank you!")
    active.get_by_test_id("confirm-end").click()
    closed = by_id(mentee, "matches-closed").get_by_test_id("match").filter(has_text=mentor_name)
    expect(closed).to_have_attribute("data-status", "ended")
    expect(by_id(mentee, "matches-active").get_by_test_id("match")).to_have_count(0)
    mentee.screenshot(path=str(screenshot_dir / "matches-phone.png"), full_page=True)
    closed.get_by_test_id("open-thread").click()
    expect(by_id(mentee, "read-only")).to_be_visible()
    expect(by_id(mentee, "compose")).to_be_hidden()

    # -- The mentor deletes the account: the mentee's inbox shows a deleted user.
    by_id(mentor, "nav-profile").click()
    by_id(mentor, "delete-account").click()
    by_id(mentor, "confirm-delete").click()
    expect(by_id(mentor, "page-title")).to_have_text("Join mlbridge")
    assert mentor.evaluate("() => localStorage.getItem('mlbridge.token')") is None
    by_id(mentee, "back-to-inbox").click()
    expect(by_id(mentee, "thread").first.get_by_test_id("thread-name")).to_have_text("Deleted user")

    # -- Signing out ends the session (the token stops working); a code from an email signs the
    #    mentee in again.
    by_id(mentee, "sign-out").click()
    expect(by_id(mentee, "register-form")).to_be_visible()
    assert stored_token(mentee) is None
    gone = requests.get(f"{app_url}/users/me", headers={"Authorization": f"Bearer {mentee_token}"}, timeout=10)
    assert gone.status_code == 401
    sign_in_with_code(mentee, outbox_dir, email_for(mentee_name), count=2)
    expect(by_id(mentee, "page-title")).to_have_text("Suggested mentors")

    mentor_watch.assert_clean()
    mentee_watch.assert_clean()


def _submit_and_get_error(page: Page) -> str:
    with page.expect_response(lambda r: r.url.endswith("/users") and r.request.method == "POST") as info:
        by_id(page, "register-submit").click()
    response = info.value
    assert response.status == 400, response.text()
    return response.json()["Message"]


@pytest.mark.parametrize(
    "field, spoil, plain",
    [
        ("timezone", lambda page: page.locator("#field-timezone").fill("Mars/Olympus_Mons"), "We do not know that time zone"),
        ("languages", lambda page: page.locator("#field-languages").fill("en, klingon"), "two-letter language codes"),
    ],
)
def test_registration_error_is_shown_next_to_its_field(open_page, screenshot_dir, field, spoil, plain):
    """What only the API can check comes back one error at a time, shown next to the field it names."""
    page, watch = open_page()
    fill_mentee(page, unique("Rae Mentee"))
    spoil(page)
    message = _submit_and_get_error(page)

    api_field = re.match(r"^([A-Za-z_]+)", message).group(1)
    assert api_field == field, f"the API blamed {message!r}"
    error = page.locator(f"#error-{field}")
    expect(error).to_be_visible()
    expect(error).to_have_class(re.compile(r"\bfield-error\b"))
    # In plain words, not the validator's.
    expect(error).to_contain_text(plain)
    expect(error).not_to_contain_text(message.split(":", 1)[1].strip())
    control = page.locator(f"#field-{field}")
    expect(control).to_have_attribute("aria-invalid", "true")
    expect(control).to_have_attribute("aria-describedby", re.compile(rf"\berror-{field}\b"))
    expect(control).to_be_focused()
    # Only that field is marked.
    expect(page.locator(".field-error:visible")).to_have_count(1)
    assert page.evaluate("() => localStorage.getItem('mlbridge.token')") is None
    if field == "timezone":
        page.screenshot(path=str(screenshot_dir / "registration-error.png"), full_page=True)
    watch.assert_clean()


def test_page_loads_without_csp_violations_and_is_keyboard_reachable(open_page):
    page, watch = open_page()
    page.goto("/")
    expect(by_id(page, "register-form")).to_be_visible()
    # The first Tab reaches the skip link, then the brand; the form is reachable too.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.locator("#field-name").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#field-email")).to_be_focused()
    # Every form control has a label.
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter((el) => el.type !== 'hidden')
            .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
            .map((el) => el.id || el.name)"""
    )
    assert unlabelled == []
    watch.assert_clean()
