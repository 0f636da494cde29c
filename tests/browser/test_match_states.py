"""The matches page reads every v2 state plainly: expired requests and matches from the waitlist.

An expired match needs a request left unanswered for days, so the page is given one: GET /matches
is answered from the test (the rest of the app talks to the real API)."""

from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest

from tests.browser.pages import api_call, api_register_mentor, by_id, register_bare_mentee, stored_token, unique

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them in CI)
    Page = expect = None


pytestmark = pytest.mark.browser


def fake_match(match_id: str, mentee_id: str, mentor_id: str, status: str, origin: str, **closed) -> dict:
    return {
        "id": match_id, "mentee_id": mentee_id, "mentor_id": mentor_id, "status": status, "origin": origin,
        "score": 72, "reasons": ["Both focus on PyTorch"], "thread_id": f"thread-{match_id}",
        "created_at": "2026-11-20T10:00:00Z", "updated_at": "2026-11-27T10:00:00Z",
        "closed_at": closed.get("closed_at"), "closed_by": closed.get("closed_by"),
        "close_reason": closed.get("close_reason"),
    }


def serve_matches(page: Page, matches: list[dict]) -> None:
    """Answer the app's GET /matches with `matches` (one page)."""
    def handle(route):
        if route.request.method != "GET":
            route.continue_()
            return
        route.fulfill(status=200, content_type="application/json",
                      body=json.dumps({"matches": matches, "next_cursor": None}))

    page.route(lambda url: urlparse(url).path.endswith("/matches"), handle)


def expired_and_offered(app_url: str, mentee_id: str) -> tuple[list[dict], str, str]:
    """An expired request and a pending match from the waitlist, with mentors who exist."""
    expired_name = unique("Eve Expired")
    offered_name = unique("Otto Offered")
    # Not accepting: they exist (names on the cards) but are never suggested to other tests' mentees.
    _, expired_mentor = api_register_mentor(app_url, expired_name, frameworks=["xgboost"], accepting=False)
    _, offered_mentor = api_register_mentor(app_url, offered_name, frameworks=["xgboost"], accepting=False)
    matches = [
        fake_match("m-offered", mentee_id, offered_mentor["id"], "pending", "waitlist"),
        fake_match("m-expired", mentee_id, expired_mentor["id"], "expired", "request",
                   closed_at="2026-11-27T10:00:00Z", closed_by="system", close_reason="not answered in time"),
    ]
    return matches, expired_name, offered_name


def test_expired_requests_and_matches_from_the_waitlist_read_plainly(open_page, app_url):
    page, watch = open_page()
    register_bare_mentee(page, unique("Pia Past"))
    mentee_id = api_call(app_url, "GET", "/users/me", stored_token(page)).json()["id"]
    matches, expired_name, offered_name = expired_and_offered(app_url, mentee_id)
    serve_matches(page, matches)
    by_id(page, "nav-matches").click()

    expired = by_id(page, "matches-closed").get_by_test_id("match").filter(has_text=expired_name)
    expect(expired).to_have_attribute("data-status", "expired")
    expect(expired.get_by_test_id("match-status")).to_have_text("Expired — not answered in time")
    expect(expired.get_by_test_id("origin-waitlist")).to_have_count(0)
    expect(expired.get_by_test_id("open-thread")).to_have_text("View conversation")

    offered = by_id(page, "matches-pending").get_by_test_id("match").filter(has_text=offered_name)
    expect(offered.get_by_test_id("origin-waitlist")).to_have_text("From the waitlist")
    expect(offered.get_by_test_id("match-status")).to_have_text("Pending")
    expect(offered.get_by_test_id("cancel")).to_be_visible()
    expect(by_id(page, "matches-active").get_by_test_id("empty")).to_be_visible()
    watch.assert_clean()
