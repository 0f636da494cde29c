"""Notification settings on the profile: the kinds that apply to the role, saved and kept."""

from __future__ import annotations

import json

import pytest

from tests.browser.pages import (
    api_call,
    by_id,
    email_for,
    latest_mail_to,
    link_and_code,
    register_bare_mentee,
    register_bare_mentor,
    stored_token,
    unique,
)

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them in CI)
    Page = expect = None


pytestmark = pytest.mark.browser

ALL_KINDS = ("requests", "updates", "messages", "reminders")


def open_profile(page: Page) -> None:
    by_id(page, "nav-profile").click()
    expect(by_id(page, "notifications")).to_be_visible()


def save_and_capture(page: Page) -> dict:
    """Click Save; the body of the PATCH /users/me it sent."""
    with page.expect_request(lambda r: r.url.endswith("/users/me") and r.method == "PATCH") as info:
        by_id(page, "save-notifications").click()
    expect(by_id(page, "notifications-status")).to_have_text("Saved")
    return json.loads(info.value.post_data)


def test_mentor_notification_settings_change_and_persist_after_reload(open_page, app_url, outbox_dir):
    page, watch = open_page()
    name = unique("Nora Mentor")
    register_bare_mentor(page, name)
    open_profile(page)

    # All four kinds, on by default, in plain words; the email is not verified yet.
    for kind in ALL_KINDS:
        expect(by_id(page, f"notify-{kind}")).to_be_checked()
    expect(page.get_by_label("New requests")).to_be_visible()
    expect(page.get_by_label("Reminders of requests waiting 3 days")).to_be_visible()
    expect(by_id(page, "notifications-unverified")).to_contain_text("verified address")

    # Only the kinds changed are sent.
    by_id(page, "notify-messages").uncheck()
    by_id(page, "notify-reminders").uncheck()
    assert save_and_capture(page) == {"notifications": {"messages": False, "reminders": False}}

    page.reload()
    expect(by_id(page, "notifications")).to_be_visible()
    expect(by_id(page, "notify-requests")).to_be_checked()
    expect(by_id(page, "notify-updates")).to_be_checked()
    expect(by_id(page, "notify-messages")).not_to_be_checked()
    expect(by_id(page, "notify-reminders")).not_to_be_checked()
    me = api_call(app_url, "GET", "/users/me", stored_token(page)).json()
    assert me["notifications"] == {"requests": True, "updates": True, "messages": False, "reminders": False}

    by_id(page, "notify-messages").check()
    assert save_and_capture(page) == {"notifications": {"messages": True}}
    page.reload()
    expect(by_id(page, "notify-messages")).to_be_checked()
    expect(by_id(page, "notify-reminders")).not_to_be_checked()

    # Once the address is verified (the link from the registration email), the note goes away.
    link, _ = link_and_code(latest_mail_to(outbox_dir, email_for(name)))
    page.goto(link)
    expect(by_id(page, "page-title")).to_have_text("Mentorship requests")
    open_profile(page)
    expect(by_id(page, "email-status")).to_contain_text("Verified")
    expect(by_id(page, "notifications-unverified")).to_have_count(0)
    watch.assert_clean()


def test_mentee_sees_only_updates_and_messages(open_page, app_url):
    page, watch = open_page(phone=True)
    register_bare_mentee(page, unique("Milo Mentee"))
    open_profile(page)

    expect(by_id(page, "notifications").locator("input[type=checkbox]")).to_have_count(2)
    expect(by_id(page, "notify-requests")).to_have_count(0)
    expect(by_id(page, "notify-reminders")).to_have_count(0)
    expect(page.get_by_label("Updates on my matches (accepted, declined, ended, expired)")).to_be_checked()
    expect(page.get_by_label("Unread messages (after 15 quiet minutes)")).to_be_checked()

    by_id(page, "notify-updates").uncheck()
    assert save_and_capture(page) == {"notifications": {"updates": False}}
    page.reload()
    expect(by_id(page, "notify-updates")).not_to_be_checked()
    expect(by_id(page, "notify-messages")).to_be_checked()
    me = api_call(app_url, "GET", "/users/me", stored_token(page)).json()
    assert me["notifications"]["updates"] is False
    assert me["notifications"]["messages"] is True
    watch.assert_clean()
