"""axe-core reports no serious or critical violation on any main screen, on a desktop and a phone."""

from __future__ import annotations

import pytest
import requests

from tests.browser.pages import (
    api_call,
    by_id,
    email_for,
    join_waitlist,
    latest_mail_to,
    leave_waitlist,
    link_and_code,
    register_bare_mentee,
    register_bare_mentor,
    register_waiting_mentee,
    stored_token,
    unique,
)
from tests.browser.test_match_states import expired_and_offered, serve_matches

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them in CI)
    Page = expect = None


pytestmark = pytest.mark.browser

BLOCKING_IMPACTS = ("serious", "critical")

RUN_AXE = """async () => {
    const results = await window.axe.run(document, { resultTypes: ['violations'] });
    return results.violations.map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        helpUrl: violation.helpUrl,
        nodes: violation.nodes.map((node) => ({
            target: node.target.join(' '),
            impact: node.impact,
            summary: node.failureSummary,
        })),
    }));
}"""


def axe_violations(page: Page, axe_source: str, screen: str) -> list[str]:
    """Serious or critical violations on the page as it is now, one readable line per node."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') allows it.
        page.evaluate(axe_source)
    found = []
    for violation in page.evaluate(RUN_AXE):
        if violation["impact"] not in BLOCKING_IMPACTS:
            continue
        for node in violation["nodes"]:
            summary = " ".join((node["summary"] or "").split())
            found.append(
                f"[{screen}] {violation['id']} ({violation['impact']}): {violation['help']} "
                f"<{violation['helpUrl']}>\n    at {node['target']}: {summary}"
            )
    return found


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone-390x844"])
def test_axe_reports_no_serious_or_critical_violation_on_every_main_screen(open_page, axe_source, phone, app_url, outbox_dir):
    mentor, mentor_watch = open_page(phone=phone)
    mentee, mentee_watch = open_page(phone=phone)
    violations: list[str] = []

    def check(page: Page, screen: str) -> None:
        violations.extend(axe_violations(page, axe_source, screen))

    # -- Landing page: the registration form, then with the form's own validation errors shown.
    mentor.goto("/")
    expect(by_id(mentor, "register-form")).to_be_visible()
    check(mentor, "registration")
    by_id(mentor, "role-mentor").check()
    mentor.locator("#field-email").fill("not-an-email")
    mentor.locator("#field-capacity").fill("11")
    by_id(mentor, "register-submit").click()
    expect(by_id(mentor, "error-form")).to_be_visible()
    expect(mentor.locator("#error-email")).to_be_visible()
    check(mentor, "registration with errors")

    # -- The sign-in screen, the "check your inbox" step, and a wrong code.
    mentor.goto("/#/signin")
    expect(by_id(mentor, "signin-form")).to_be_visible()
    check(mentor, "sign-in")
    by_id(mentor, "send-link").click()
    expect(by_id(mentor, "signin-email-error")).to_be_visible()
    check(mentor, "sign-in with an error")
    by_id(mentor, "signin-email").fill(email_for(unique("nobody")))
    by_id(mentor, "send-link").click()
    expect(by_id(mentor, "code-form")).to_be_visible()
    check(mentor, "sign-in, check your inbox")
    by_id(mentor, "signin-code").fill("123456")
    by_id(mentor, "code-submit").click()
    expect(by_id(mentor, "signin-code-error")).to_be_visible()
    check(mentor, "sign-in, wrong code")
    # A used or unknown link.
    mentor.goto("/#/signin?token=not-a-real-link")
    expect(by_id(mentor, "link-error")).to_be_visible()
    check(mentor, "sign-in, link used")

    # -- The mentee's suggestions, with the mentor among them.
    mentor_name = unique("Ada Mentor")
    mentee_name = unique("Ben Mentee")
    register_bare_mentor(mentor, mentor_name)
    register_bare_mentee(mentee, mentee_name)
    card = by_id(mentee, "suggestion").filter(has_text=mentor_name)
    expect(card).to_be_visible()
    check(mentee, "mentee suggestions")
    card.get_by_test_id("request-mentor").click()
    card.get_by_test_id("intro").fill("Hello, could you mentor me?")
    check(mentee, "mentee suggestions, request form open")
    card.get_by_test_id("send-request").click()
    expect(card.get_by_test_id("request-sent")).to_be_visible()

    # -- The mentor's requests page with the request pending.
    request_card = by_id(mentor, "request").filter(has_text=mentee_name)
    expect(request_card).to_be_visible()
    expect(by_id(mentor, "nav-pending")).to_have_text("1")
    check(mentor, "mentor requests, one pending")

    # -- The inbox, an open thread and the profile, for both of them.
    for page, who in ((mentor, "mentor"), (mentee, "mentee")):
        by_id(page, "nav-inbox").click()
        expect(by_id(page, "thread").first).to_be_visible()
        check(page, f"{who} inbox")
        by_id(page, "open-thread").first.click()
        expect(by_id(page, "thread-title")).to_be_visible()
        expect(by_id(page, "compose")).to_be_visible()
        expect(by_id(page, "message-body").first).to_be_visible()
        check(page, f"{who} thread")
        by_id(page, "nav-profile").click()
        expect(by_id(page, "profile-details")).to_be_visible()
        expect(by_id(page, "sessions")).to_have_attribute("data-loaded", "true")
        check(page, f"{who} profile")

    # -- Devices with another session to end: the mentee signs in elsewhere (by code, through the API).
    address = email_for(mentee_name)
    assert requests.post(f"{app_url}/auth/links", json={"email": address}, timeout=10).status_code == 202
    _, code = link_and_code(latest_mail_to(outbox_dir, address, count=2))
    response = requests.post(f"{app_url}/auth/sessions", json={"email": address, "code": code}, timeout=10)
    assert response.status_code == 201, response.text
    mentee.reload()
    expect(by_id(mentee, "session")).to_have_count(2)
    expect(by_id(mentee, "end-other-sessions")).to_be_visible()
    check(mentee, "mentee profile with two devices")
    by_id(mentee, "end-session").click()
    expect(by_id(mentee, "session")).to_have_count(1)
    expect(by_id(mentee, "devices-status")).not_to_be_empty()
    check(mentee, "mentee profile, a device signed out")

    # -- Notification settings saved (the mentor's profile shows all four kinds).
    by_id(mentor, "nav-profile").click()
    by_id(mentor, "notify-reminders").uncheck()
    by_id(mentor, "save-notifications").click()
    expect(by_id(mentor, "notifications-status")).to_have_text("Saved")
    check(mentor, "mentor profile, notifications saved")

    # -- Matches: the mentee's pending request; then an expired request and a match from the waitlist.
    by_id(mentee, "nav-matches").click()
    expect(by_id(mentee, "matches-pending").get_by_test_id("match")).to_have_count(1)
    check(mentee, "mentee matches")
    mentee_id = api_call(app_url, "GET", "/users/me", stored_token(mentee)).json()["id"]
    fakes, _, _ = expired_and_offered(app_url, mentee_id)
    serve_matches(mentee, fakes)
    mentee.reload()
    expect(by_id(mentee, "matches-closed").locator('[data-status="expired"]')).to_be_visible()
    expect(by_id(mentee, "origin-waitlist")).to_be_visible()
    check(mentee, "mentee matches, expired and from the waitlist")
    mentee.unroute_all()

    # -- A mentee nobody can take now: the waitlist offer, the place in line, and leaving again.
    waiter, waiter_watch = open_page(phone=phone)
    register_waiting_mentee(waiter, unique("Wim Waiter"))
    check(waiter, "mentee with no suggestions, waitlist offer")
    waiter.locator("#waitlist-intro").fill("x" * 4001)
    expect(by_id(waiter, "join-waitlist")).to_be_disabled()
    check(waiter, "waitlist offer, message too long")
    waiter.locator("#waitlist-intro").fill("Hello!")
    join_waitlist(waiter)
    check(waiter, "mentee on the waitlist")
    leave_waitlist(waiter)
    check(waiter, "mentee left the waitlist")
    by_id(waiter, "nav-profile").click()
    expect(by_id(waiter, "notifications")).to_be_visible()
    check(waiter, "mentee profile with notifications")

    assert not violations, "axe found serious or critical violations:\n" + "\n".join(violations)
    mentor_watch.assert_clean()
    mentee_watch.assert_clean()
    waiter_watch.assert_clean()
