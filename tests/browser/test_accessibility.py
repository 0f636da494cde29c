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


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone-390x844"])
def test_axe_reports_no_serious_or_critical_violation_on_the_feedback_and_safety_screens(open_page, axe_source, phone, app_url):
    """Mentor cards with a reputation, the feedback form, the block and report dialogs, a
    conversation blocked, and the profile's blocked people and "how did you move into ML"."""
    from tests.browser.pages import (
        api_active_match,
        api_ended_with_feedback,
        api_register_mentee,
        api_register_mentor,
        open_thread,
        use_session,
    )

    violations: list[str] = []

    def check(page: Page, screen: str) -> None:
        violations.extend(axe_violations(page, axe_source, screen))

    # A mentor of a framework of their own, rated by three mentees, who moved in by a transfer.
    framework = "lightgbm"
    mentor_name = unique("Ray Reputed")
    mentor_token, mentor = api_register_mentor(app_url, mentor_name, frameworks=[framework], capacity=3)
    assert api_call(app_url, "PATCH", "/users/me", mentor_token,
                    {"moved_via": ["internal-transfer", "kaggle"]}).status_code == 200
    for rating in (5, 4, 5):
        token, _ = api_register_mentee(app_url, unique("Rae Rater"), target_framework=framework)
        api_ended_with_feedback(app_url, token, mentor_token, mentor["id"], rating)

    # -- Suggestions with the mentor's rating, record and path into ML.
    mentee, mentee_watch = open_page(phone=phone)
    register_bare_mentee(mentee, unique("Sam Safety"), target_framework=framework)
    card = by_id(mentee, "suggestion").filter(has_text=mentor_name)
    expect(card.get_by_test_id("mentor-rating")).to_be_visible()
    expect(card.get_by_test_id("moved-via")).to_be_visible()
    check(mentee, "suggestions with reputation")

    # -- The feedback form right after "End", then with its rating error, then the thanks.
    mentee_token = stored_token(mentee)
    match = api_active_match(app_url, mentee_token, mentor_token, mentor["id"])
    by_id(mentee, "nav-matches").click()
    active = by_id(mentee, "matches-active").get_by_test_id("match").filter(has_text=mentor_name)
    active.get_by_test_id("end").click()
    active.get_by_test_id("confirm-end").click()
    form = by_id(mentee, "feedback-form")
    expect(form).to_be_visible()
    check(mentee, "feedback form open")
    form.get_by_test_id("feedback-submit").click()
    expect(form.get_by_test_id("feedback-rating-error")).to_be_visible()
    check(mentee, "feedback form, no rating")
    form.get_by_label("4 of 5").check()
    form.get_by_test_id("feedback-submit").click()
    expect(by_id(mentee, "feedback-thanks").first).to_be_visible()
    check(mentee, "feedback given")

    # -- A new conversation: the menu, the report form (with its error) and the block dialog.
    other_name = unique("Ola Other")
    other_token, other = api_register_mentor(app_url, other_name, frameworks=[framework], capacity=1, accepting=True)
    second = api_active_match(app_url, mentee_token, other_token, other["id"])
    open_thread(mentee, second["thread_id"])
    check(mentee, "thread with the menu button")
    by_id(mentee, "more-actions").click()
    expect(by_id(mentee, "menu")).to_be_visible()
    check(mentee, "thread menu open")
    by_id(mentee, "menu-report").click()
    expect(by_id(mentee, "report-dialog")).to_be_visible()
    check(mentee, "report form open")
    by_id(mentee, "report-submit").click()
    expect(by_id(mentee, "report-reason-error")).to_be_visible()
    check(mentee, "report form, no reason")
    by_id(mentee, "report-cancel").click()
    by_id(mentee, "more-actions").click()
    by_id(mentee, "menu-block").click()
    expect(by_id(mentee, "block-dialog")).to_be_visible()
    check(mentee, "block dialog open")
    by_id(mentee, "confirm-block").click()
    expect(by_id(mentee, "read-only")).to_be_visible()
    check(mentee, "thread blocked, read-only")

    # -- Matches closed by blocking, and the profile's blocked people.
    by_id(mentee, "nav-matches").click()
    expect(by_id(mentee, "matches-closed").get_by_test_id("match-status").filter(has_text="Closed: blocked")).to_be_visible()
    check(mentee, "matches with one closed by blocking")
    by_id(mentee, "nav-profile").click()
    expect(by_id(mentee, "block").first).to_be_visible()
    by_id(mentee, "unblock").first.click()
    expect(by_id(mentee, "unblock-confirm").first).to_be_visible()
    check(mentee, "profile, blocked people, unblock asked")

    # -- The registration form's "how did you move into ML" and the mentor's profile.
    mentor_page, mentor_watch = open_page(phone=phone)
    mentor_page.goto("/#/register")
    by_id(mentor_page, "role-mentor").check()
    expect(by_id(mentor_page, "option-moved_via-kaggle")).to_be_visible()
    check(mentor_page, "mentor registration with how they moved into ML")
    use_session(mentor_page, mentor_token, "#/profile")
    expect(by_id(mentor_page, "moved-via-form")).to_be_visible()
    expect(by_id(mentor_page, "mentor-rating")).to_be_visible()
    check(mentor_page, "mentor profile with reputation and how they moved into ML")
    by_id(mentor_page, "nav-matches").click()
    expect(by_id(mentor_page, "give-feedback").first).to_be_visible()
    by_id(mentor_page, "give-feedback").first.click()
    expect(by_id(mentor_page, "feedback-form")).to_be_visible()
    check(mentor_page, "mentor matches, feedback form opened later")

    assert not violations, "axe found serious or critical violations:\n" + "\n".join(violations)
    mentee_watch.assert_clean()
    mentor_watch.assert_clean()
    assert match["id"]


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone-390x844"])
def test_axe_reports_no_serious_or_critical_violation_on_the_programs_screens(open_page, axe_source, phone, app_url):
    """The Programs screen (join field, list, the "Start a program" form with its errors), an
    organiser's open program with its code and "Match now" asked, the results after matching, and
    a member's page before and after."""
    from tests.browser.pages import (
        api_join_program,
        api_register_mentee,
        api_register_mentor,
        create_program_in_ui,
        use_session,
    )

    violations: list[str] = []

    def check(page: Page, screen: str) -> None:
        violations.extend(axe_violations(page, axe_source, screen))

    organiser_token, _ = api_register_mentor(app_url, unique("Ana Organiser"), frameworks=["xgboost"], accepting=False)
    organiser, organiser_watch = open_page(phone=phone)
    use_session(organiser, organiser_token, "#/programs")
    expect(by_id(organiser, "no-programs")).to_be_visible()
    check(organiser, "programs, none yet")
    by_id(organiser, "program-closes").fill("2020-01-01T10:00")
    by_id(organiser, "create-program").click()
    expect(by_id(organiser, "program-name-error")).to_be_visible()
    by_id(organiser, "join-code-input").fill("nope")
    by_id(organiser, "join-program").click()
    expect(by_id(organiser, "program-code-error")).to_be_visible()
    check(organiser, "programs, form errors")

    from datetime import datetime, timedelta

    closes = (datetime.now() + timedelta(days=5)).strftime("%Y-%m-%dT17:00")
    code = create_program_in_ui(organiser, unique("Axe cohort"), closes, "For the checks.")
    check(organiser, "organiser program, open")

    member_token, _ = api_register_mentee(app_url, unique("Amy Member"), target_framework="xgboost")
    mentor_token, _ = api_register_mentor(app_url, unique("Abe Mentor"), frameworks=["xgboost"], capacity=1)
    api_join_program(app_url, member_token, code)
    api_join_program(app_url, mentor_token, code)
    expect(by_id(organiser, "program-mentees")).to_have_text("1 mentee")
    by_id(organiser, "match-now").click()
    expect(by_id(organiser, "match-confirm")).to_be_visible()
    check(organiser, "organiser program, match now asked")

    member, member_watch = open_page(phone=phone)
    use_session(member, member_token, "#/programs")
    expect(by_id(member, "program-item")).to_have_count(1)
    check(member, "programs, one joined")
    by_id(member, "program-link").click()
    by_id(member, "leave-program").click()
    expect(by_id(member, "leave-confirm")).to_be_visible()
    check(member, "member program, leave asked")

    try:
        by_id(organiser, "confirm-match").click()
        expect(by_id(organiser, "pair")).to_have_count(1)
        check(organiser, "organiser program, results")
        member.reload()
        expect(by_id(member, "see-matches")).to_be_visible()
        check(member, "member program, matched")
    finally:
        assert api_call(app_url, "PATCH", "/users/me", mentor_token, {"accepting": False}).status_code == 200

    assert not violations, "axe found serious or critical violations:\n" + "\n".join(violations)
    organiser_watch.assert_clean()
    member_watch.assert_clean()
