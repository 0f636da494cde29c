"""Accounts that last: signing in by a link or a 6-digit code from an email, the devices signed
in, and what a page does when its session is ended elsewhere."""

from __future__ import annotations

import re

import pytest
import requests

from tests.browser.pages import (
    ask_for_link,
    by_id,
    email_for,
    latest_mail_to,
    link_and_code,
    register_bare_mentee,
    sign_in_with_code,
    stored_token,
    unique,
    wrong_code,
)

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them in CI)
    Page = expect = None


pytestmark = pytest.mark.browser

SIGNED_OUT = "You were signed out on this device. Sign in again."


def api_status(app_url: str, token: str) -> int:
    response = requests.get(f"{app_url}/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    return response.status_code


def open_profile(page: Page) -> None:
    by_id(page, "nav-profile").click()
    expect(by_id(page, "profile-details")).to_be_visible()
    expect(by_id(page, "sessions")).to_have_attribute("data-loaded", "true")


def expect_signed_out_elsewhere(page: Page) -> None:
    """The page went back to the sign-in screen and says why (not a broken page)."""
    expect(by_id(page, "page-title")).to_have_text("Sign in")
    expect(by_id(page, "signed-out-notice")).to_contain_text(SIGNED_OUT)
    expect(by_id(page, "signin-email")).to_be_visible()
    expect(by_id(page, "sign-out")).to_have_count(0)
    assert stored_token(page) is None


def test_link_signs_in_a_second_device_which_ends_the_first(open_page, outbox_dir, app_url, screenshot_dir):
    first, first_watch = open_page()
    second, second_watch = open_page()
    name = unique("Lina Mentee")
    address = email_for(name)

    # -- Registering signs in and sends a verification email; the profile says it is not verified yet.
    register_bare_mentee(first, name)
    expect(by_id(first, "welcome-notice")).to_contain_text(address)
    expect(by_id(first, "token-notice")).to_have_count(0)
    latest_mail_to(outbox_dir, address, count=1)
    first_token = stored_token(first)
    assert first_token
    open_profile(first)
    expect(by_id(first, "email-status")).to_contain_text("Not verified yet")
    expect(by_id(first, "email-status")).to_contain_text(f"we sent a link to {address}")
    expect(by_id(first, "session")).to_have_count(1)
    expect(by_id(first, "session")).to_contain_text("This device")
    expect(by_id(first, "end-session")).to_have_count(0)
    expect(by_id(first, "end-other-sessions")).to_be_hidden()

    # -- The second browser asks for a link and opens it from the email.
    ask_for_link(second, address)
    expect(by_id(second, "signin-status")).to_contain_text(address)
    link, _ = link_and_code(latest_mail_to(outbox_dir, address, count=2))
    assert "#/signin?token=" in link
    second.goto(link)
    expect(by_id(second, "page-title")).to_have_text("Suggested mentors")
    assert "token=" not in second.url, "the used link stays in the address bar"
    second_token = stored_token(second)
    assert second_token and second_token != first_token
    # A reload does not try the link again: still signed in, no error.
    second.reload()
    expect(by_id(second, "page-title")).to_have_text("Suggested mentors")
    expect(by_id(second, "link-error")).to_have_count(0)

    # -- Using the link verified the email; Devices lists both sessions, this one marked.
    open_profile(second)
    expect(by_id(second, "email-status")).to_have_text("Verified")
    sessions = by_id(second, "session")
    expect(sessions).to_have_count(2)
    this_device = sessions.filter(has_text="This device")
    expect(this_device).to_have_count(1)
    expect(this_device).to_have_attribute("data-current", "true")
    expect(this_device.get_by_test_id("end-session")).to_have_count(0)
    other = second.locator('[data-testid="session"][data-current="false"]')
    expect(other).to_have_count(1)
    expect(other.get_by_test_id("session-label")).not_to_be_empty()
    expect(other.get_by_test_id("session-when")).to_contain_text(re.compile(r"Last used|Signed in"))
    second.screenshot(path=str(screenshot_dir / "profile-devices.png"), full_page=True)

    # -- The second device ends the first one's session.
    other.get_by_test_id("end-session").click()
    expect(by_id(second, "session")).to_have_count(1)
    expect(by_id(second, "devices-status")).to_contain_text("Signed out")
    expect(by_id(second, "end-other-sessions")).to_be_hidden()
    assert api_status(app_url, first_token) == 401
    assert api_status(app_url, second_token) == 200

    # -- The first page notices on its next poll and returns to the sign-in screen, explaining why.
    expect_signed_out_elsewhere(first)
    first.screenshot(path=str(screenshot_dir / "signed-out-elsewhere.png"), full_page=True)

    # -- The link works once: opened again elsewhere it explains and offers the email form.
    third, third_watch = open_page()
    third.goto(link)
    expect(by_id(third, "link-error")).to_contain_text("already been used or has expired")
    expect(by_id(third, "signin-email")).to_be_visible()
    assert "token=" not in third.url
    assert stored_token(third) is None

    for watch in (first_watch, second_watch, third_watch):
        watch.assert_clean()


def test_typed_code_signs_in_and_a_wrong_code_says_so(open_page, outbox_dir, app_url, screenshot_dir):
    first, first_watch = open_page()
    name = unique("Omar Mentee")
    address = email_for(name)
    register_bare_mentee(first, name)
    latest_mail_to(outbox_dir, address, count=1)

    page, watch = open_page()
    ask_for_link(page, address)
    _, code = link_and_code(latest_mail_to(outbox_dir, address, count=2))
    page.screenshot(path=str(screenshot_dir / "signin-check-inbox.png"), full_page=True)

    # A wrong code: plain words next to the field, which keeps what was typed.
    code_input = by_id(page, "signin-code")
    code_input.fill(wrong_code(code))
    by_id(page, "code-submit").click()
    error = by_id(page, "signin-code-error")
    expect(error).to_contain_text("That code is wrong or has expired")
    expect(code_input).to_have_value(wrong_code(code))
    expect(code_input).to_have_attribute("aria-invalid", "true")
    expect(code_input).to_have_attribute("aria-describedby", re.compile(r"\bsignin-code-error\b"))
    expect(code_input).to_be_focused()
    assert stored_token(page) is None

    # Not six digits: said before anything is sent.
    code_input.fill("12")
    by_id(page, "code-submit").click()
    expect(error).to_contain_text("6 digits")

    # The right code signs in and verifies the email.
    code_input.fill(code)
    by_id(page, "code-submit").click()
    expect(by_id(page, "page-title")).to_have_text("Suggested mentors")
    assert stored_token(page)
    open_profile(page)
    expect(by_id(page, "email-status")).to_have_text("Verified")

    # "Sign out everywhere else" ends the registration session; that page follows on its next poll.
    expect(by_id(page, "session")).to_have_count(2)
    by_id(page, "end-other-sessions").click()
    expect(by_id(page, "session")).to_have_count(1)
    expect(by_id(page, "session")).to_contain_text("This device")
    expect_signed_out_elsewhere(first)

    watch.assert_clean()
    first_watch.assert_clean()


def test_sign_out_in_the_header_ends_the_session(open_page, outbox_dir, app_url):
    page, watch = open_page()
    name = unique("Sara Mentee")
    register_bare_mentee(page, name)
    token = stored_token(page)
    assert token and api_status(app_url, token) == 200

    by_id(page, "sign-out").click()
    expect(by_id(page, "page-title")).to_have_text("Join mlbridge")
    expect(by_id(page, "register-form")).to_be_visible()
    expect(by_id(page, "signin-link")).to_be_visible()
    expect(by_id(page, "nav-signin")).to_be_visible()
    assert stored_token(page) is None
    assert api_status(app_url, token) == 401

    # Signing in again (by code) works, on the same browser.
    sign_in_with_code(page, outbox_dir, email_for(name), count=2)
    expect(by_id(page, "page-title")).to_have_text("Suggested mentors")
    watch.assert_clean()


def test_too_many_links_says_how_long_to_wait(open_page, app_url):
    page, watch = open_page()
    address = email_for(unique("nobody"))
    for _ in range(3):
        response = requests.post(f"{app_url}/auth/links", json={"email": address}, timeout=10)
        assert response.status_code == 202, response.text
        assert response.json() == {"sent": True}

    page.goto("/#/signin")
    by_id(page, "signin-email").fill(address)
    by_id(page, "send-link").click()
    error = by_id(page, "signin-error")
    expect(error).to_contain_text(re.compile(r"Please wait \d+ minutes?"))
    expect(by_id(page, "page-title")).to_have_text("Sign in")
    expect(by_id(page, "signin-email")).to_have_value(address)
    watch.assert_clean()


def test_sign_in_screen_is_reachable_and_the_phone_menu_fits(open_page, screenshot_dir):
    page, watch = open_page(phone=True)
    page.goto("/")
    expect(by_id(page, "register-form")).to_be_visible()
    viewport = page.viewport_size
    items = by_id(page, "nav-list").locator("a, button")
    expect(items).to_have_count(2)
    for index in range(items.count()):
        box = items.nth(index).bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box
    assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]

    by_id(page, "nav-signin").click()
    expect(by_id(page, "page-title")).to_have_text("Sign in")
    expect(by_id(page, "nav-signin")).to_have_attribute("aria-current", "page")
    # Labelled, and the hint is tied to the field.
    email_input = page.get_by_label("Email")
    expect(email_input).to_be_visible()
    expect(email_input).to_have_attribute("autocomplete", "email")
    # Empty or malformed: a message next to the field, nothing sent.
    by_id(page, "send-link").click()
    expect(by_id(page, "signin-email-error")).to_have_text("Enter your email address.")
    expect(email_input).to_be_focused()
    email_input.fill("not-an-email")
    by_id(page, "send-link").click()
    expect(by_id(page, "signin-email-error")).to_contain_text("name@example.com")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=str(screenshot_dir / "signin-phone.png"), full_page=True)

    # Back to the landing page from the sign-in screen.
    by_id(page, "register-link").click()
    expect(by_id(page, "page-title")).to_have_text("Join mlbridge")
    watch.assert_clean()
