"""A mentee nobody can take now waits for the first free mentor of their target framework.

The mentees here target ONNX, which no other browser test's mentor has (other mentors may still
be suggested to them: the waitlist is offered when no suggested mentor knows the framework), and every test leaves
the list again (first come, first served: someone left waiting would take the next free mentor).
"""

from __future__ import annotations

import json
import re
import time
from urllib.parse import urlparse

import pytest

from tests.browser.pages import (
    api_call,
    api_register_mentor,
    by_id,
    join_waitlist,
    leave_waitlist,
    register_waiting_mentee,
    stored_token,
    unique,
)

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them in CI)
    Page = expect = None


pytestmark = pytest.mark.browser

IN_LINE = re.compile(r"You are number (\d+) in line for ONNX")


def no_suggestions(page: Page) -> None:
    """Nobody at all is free: GET /matches/suggestions answers an empty list (mentors of other
    tests may have free places in the shared table)."""
    page.route(lambda url: urlparse(url).path.endswith("/matches/suggestions"),
               lambda route: route.fulfill(status=200, content_type="application/json",
                                           body=json.dumps({"suggestions": []})))


def test_mentee_with_no_suggestions_joins_the_waitlist_sees_the_place_and_leaves(open_page, app_url, screenshot_dir):
    page, watch = open_page(phone=True)
    no_suggestions(page)
    register_waiting_mentee(page, unique("Wes Waiting"))
    token = stored_token(page)
    expect(by_id(page, "no-suggestions")).to_be_visible()
    expect(page.locator("#waitlist-title")).to_have_text("Wait for a mentor")
    expect(by_id(page, "join-waitlist")).to_have_text("Wait for the first free ONNX mentor")
    assert api_call(app_url, "GET", "/waitlist", token).status_code == 404

    intro = "Hi! I serve models from Go and want to learn ONNX properly."
    by_id(page, "waitlist-intro").fill(intro)
    with page.expect_request(lambda r: r.url.endswith("/waitlist") and r.method == "POST") as info:
        by_id(page, "join-waitlist").click()
    assert json.loads(info.value.post_data) == {"message": intro}
    expect(by_id(page, "waitlist-position")).to_have_text(IN_LINE)
    expect(by_id(page, "waitlist-status")).to_contain_text("You joined the waitlist")
    expect(by_id(page, "waitlist-offer")).to_have_count(0)
    shown = int(IN_LINE.search(by_id(page, "waitlist-position").inner_text()).group(1))
    page.screenshot(path=str(screenshot_dir / "waitlist-phone.png"), full_page=True)

    stored = api_call(app_url, "GET", "/waitlist", token)
    assert stored.status_code == 200, stored.text
    assert stored.json()["waitlist"]["framework"] == "onnx"
    assert stored.json()["waitlist"]["position"] == shown

    # The place is kept: a reload reads it back with GET /waitlist.
    page.reload()
    expect(by_id(page, "waitlist-position")).to_have_text(f"You are number {shown} in line for ONNX.")

    leave_waitlist(page)
    expect(by_id(page, "waitlist-status")).to_have_text("You left the waitlist.")
    expect(page.locator("#waitlist-title")).to_be_focused()
    assert api_call(app_url, "GET", "/waitlist", token).status_code == 404
    watch.assert_clean()


def test_joining_when_already_waiting_says_so_and_shows_the_place(open_page, app_url):
    page, watch = open_page()
    # Mentors of other frameworks with a free place: suggested, and the waitlist is still offered
    # because none of them knows ONNX.
    generalist_token, _ = api_register_mentor(app_url, unique("Gil Generalist"), frameworks=["lightgbm"], capacity=1)
    register_waiting_mentee(page, unique("Ida Twice"))
    expect(by_id(page, "suggestion").first).to_be_visible()
    expect(page.locator("#waitlist-title")).to_have_text("No ONNX mentor is free right now")
    # Joined from another device meanwhile: this page still offers to join.
    joined = api_call(app_url, "POST", "/waitlist", stored_token(page), {})
    assert joined.status_code == 201, joined.text
    by_id(page, "join-waitlist").click()
    error = by_id(page, "waitlist-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("already on the waitlist")
    expect(error).not_to_contain_text("waitlist:")
    expect(by_id(page, "waitlist-position")).to_have_text(IN_LINE)
    leave_waitlist(page)
    assert api_call(app_url, "PATCH", "/users/me", generalist_token, {"accepting": False}).status_code == 200
    watch.assert_clean()


def test_joining_at_the_open_match_limit_says_so_in_plain_words(open_page, app_url):
    page, watch = open_page()
    register_waiting_mentee(page, unique("Lia Limit"))
    token = stored_token(page)
    # Three open requests to mentors of another framework, who are then full (capacity 1).
    for number in range(3):
        _, mentor = api_register_mentor(app_url, unique(f"Full Mentor {number}"), frameworks=["xgboost"], capacity=1)
        response = api_call(app_url, "POST", "/matches", token, {"mentor_id": mentor["id"]})
        assert response.status_code == 201, response.text
    page.reload()
    expect(by_id(page, "waitlist-offer")).to_be_visible()
    by_id(page, "join-waitlist").click()
    error = by_id(page, "waitlist-error")
    expect(error).to_contain_text("At most 3 open matches")
    expect(error).not_to_contain_text("mentee:")
    expect(by_id(page, "waitlist-offer")).to_be_visible()
    assert api_call(app_url, "GET", "/waitlist", token).status_code == 404
    watch.assert_clean()


def _reload_until_visible(page: Page, locator, timeout: float = 20) -> None:
    """Offers come from the change stream a moment after the write: look again until it is there."""
    deadline = time.monotonic() + timeout
    while True:
        page.reload()
        try:
            expect(locator).to_be_visible(timeout=2_000)
            return
        except AssertionError:
            if time.monotonic() >= deadline:
                raise


def test_a_free_mentor_turns_the_wait_into_a_pending_match_from_the_waitlist(open_page, app_url):
    page, watch = open_page()
    register_waiting_mentee(page, unique("Finn First"))
    token = stored_token(page)
    intro = "Hello from the waitlist!"
    join_waitlist(page, intro)

    # An ONNX mentor registers with one free place: the service opens a pending match for the mentee.
    mentor_name = unique("Olga Onnx")
    mentor_token, mentor = api_register_mentor(app_url, mentor_name, frameworks=["onnx"], capacity=1)
    page.goto("/#/matches")
    card = by_id(page, "matches-pending").get_by_test_id("match").filter(has_text=mentor_name)
    _reload_until_visible(page, card)
    expect(card.get_by_test_id("origin-waitlist")).to_have_text("From the waitlist")
    expect(card.get_by_test_id("match-status")).to_have_text("Pending")
    # The mentee left the list.
    assert api_call(app_url, "GET", "/waitlist", token).status_code == 404
    by_id(page, "nav-suggestions").click()
    expect(by_id(page, "waitlist-offer")).to_be_visible()

    # The mentor sees the request, with the mentee's message as the intro.
    match = api_call(app_url, "GET", "/matches?status=pending", mentor_token).json()["matches"][0]
    assert match["origin"] == "waitlist"
    # Stop accepting, so that later ONNX mentees find nobody free.
    assert api_call(app_url, "PATCH", "/users/me", mentor_token, {"accepting": False}).status_code == 200
    assert mentor["id"] == match["mentor_id"]
    watch.assert_clean()
