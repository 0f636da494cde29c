"""Defects a new user hit in the web app, each pinned by a test that walks the app in Chromium."""

from __future__ import annotations

import re

import pytest
import requests

from tests.browser.pages import by_id, email_for, register_bare_mentee, register_bare_mentor, unique

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them in CI)
    Page = expect = None


pytestmark = pytest.mark.browser

NULLISH = re.compile(r"\b(null|undefined)\b", re.I)

# Longer than two of the web app's 5-second badge refreshes, for a busy machine.
POLLED_TIMEOUT_MS = 20_000


def request_without_intro(mentee: Page, mentor_name: str):
    card = by_id(mentee, "suggestion").filter(has_text=mentor_name)
    expect(card).to_be_visible()
    card.get_by_test_id("request-mentor").click()
    card.get_by_test_id("send-request").click()
    expect(card.get_by_test_id("request-sent")).to_be_visible()
    return card


def assert_no_nullish_text(page: Page, where: str) -> None:
    text = page.locator("body").inner_text()
    found = NULLISH.findall(text)
    assert not found, f"{where}: the page shows {found!r}:\n{text}"


def test_no_null_or_undefined_text_on_the_main_screens(open_page):
    mentor, mentor_watch = open_page()
    mentee, mentee_watch = open_page()
    mentor_name = unique("Nell Mentor")
    mentee_name = unique("Ulla Mentee")
    register_bare_mentor(mentor, mentor_name)
    register_bare_mentee(mentee, mentee_name)

    card = by_id(mentee, "suggestion").filter(has_text=mentor_name)
    expect(card).to_be_visible()
    expect(card).to_contain_text("Can help with")
    assert_no_nullish_text(mentee, "suggestions")
    request_without_intro(mentee, mentor_name)
    assert_no_nullish_text(mentee, "request sent")

    request_card = by_id(mentor, "request").filter(has_text=mentee_name)
    expect(request_card).to_be_visible()
    assert_no_nullish_text(mentor, "pending requests")

    for page, who in ((mentor, "mentor"), (mentee, "mentee")):
        by_id(page, "nav-matches").click()
        expect(by_id(page, "matches")).to_be_visible()
        expect(by_id(page, "match").first).to_be_visible()
        assert_no_nullish_text(page, f"{who} matches")
        by_id(page, "nav-inbox").click()
        expect(by_id(page, "thread").first).to_be_visible()
        assert_no_nullish_text(page, f"{who} inbox")
        by_id(page, "open-thread").first.click()
        expect(by_id(page, "thread-title")).to_be_visible()
        expect(by_id(page, "compose")).to_be_visible()
        assert_no_nullish_text(page, f"{who} thread")
        by_id(page, "nav-profile").click()
        expect(by_id(page, "profile-details")).to_be_visible()
        assert_no_nullish_text(page, f"{who} profile")

    by_id(mentor, "nav-requests").click()
    request_card.get_by_test_id("accept").click()
    expect(by_id(mentor, "accepted-notice")).to_be_visible()
    assert_no_nullish_text(mentor, "after accepting")
    by_id(mentor, "nav-matches").click()
    expect(by_id(mentor, "matches-active").get_by_test_id("match")).to_have_count(1)
    assert_no_nullish_text(mentor, "mentor matches, active")

    mentor_watch.assert_clean()
    mentee_watch.assert_clean()


def test_profiles_saved_with_explicit_nulls_show_no_null_text(open_page, app_url):
    """A mentor created through the API with null optional fields reads cleanly on a suggestion."""
    name = unique("Nia Apimentor")
    response = requests.post(f"{app_url}/users", json={
        "role": "mentor", "name": name, "email": email_for(name), "timezone": "Europe/Berlin", "languages": ["en"],
        "bio": None, "frameworks": ["pytorch"], "goals": ["job-switch"], "capacity": 2,
        "years_in_ml": None, "transition_story": None,
    }, timeout=10)
    assert response.status_code == 201, response.text
    mentee, watch = open_page()
    register_bare_mentee(mentee, unique("Ola Mentee"))
    card = by_id(mentee, "suggestion").filter(has_text=name)
    expect(card).to_be_visible()
    expect(card).to_contain_text("Can help with")
    assert_no_nullish_text(mentee, "suggestions")
    watch.assert_clean()


def test_registration_shows_every_problem_at_once_next_to_its_field(open_page, screenshot_dir):
    page, watch = open_page()
    page.goto("/#/register")
    by_id(page, "role-mentor").check()
    page.locator("#field-name").fill("   ")
    page.locator("#field-email").fill("not-an-email")
    page.locator("#field-languages").fill("")
    page.locator("#field-capacity").fill("11")
    page.locator("#field-years_in_ml").fill("70")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    by_id(page, "register-submit").click()

    expected = {
        "name": "Enter your name",
        "email": "like name@example.com",
        "languages": "at least one language",
        "frameworks": "at least one framework",
        "goals": "at least one thing you can help with",
        "capacity": "from 1 to 10",
        "years_in_ml": "from 0 to 60",
    }
    for field, words in expected.items():
        error = page.locator(f"#error-{field}")
        expect(error).to_be_visible()
        expect(error).to_contain_text(words)
        expect(page.locator(f"#field-{field}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field-error:visible")).to_have_count(len(expected))
    expect(by_id(page, "error-form")).to_contain_text(f"{len(expected)} answers need a change")
    # The first problem has the focus; nothing reached the API.
    expect(page.locator("#field-name")).to_be_focused()
    assert posts == []
    page.screenshot(path=str(screenshot_dir / "registration-all-errors.png"), full_page=True)

    # Fixing them clears the marks; the server's answer (a taken email) still goes to its field.
    name = unique("Dora Mentor")
    page.locator("#field-name").fill(name)
    page.locator("#field-email").fill(email_for(name))
    page.locator("#field-languages").fill("en")
    by_id(page, "option-frameworks-pytorch").check()
    by_id(page, "option-goals-job-switch").check()
    page.locator("#field-capacity").fill("2")
    page.locator("#field-years_in_ml").fill("")
    by_id(page, "register-submit").click()
    expect(by_id(page, "page-title")).to_have_text("Mentorship requests")
    by_id(page, "sign-out").click()

    by_id(page, "role-mentor").check()
    page.locator("#field-name").fill(unique("Dora Again"))
    page.locator("#field-email").fill(email_for(name).upper())
    by_id(page, "option-frameworks-pytorch").check()
    by_id(page, "option-goals-job-switch").check()
    by_id(page, "register-submit").click()
    expect(page.locator("#error-email")).to_contain_text("already uses this email")
    expect(page.locator(".field-error:visible")).to_have_count(1)
    watch.assert_clean()


def test_composer_counts_characters_and_refuses_to_send_past_the_limit(open_page):
    mentor, mentor_watch = open_page()
    mentee, mentee_watch = open_page()
    mentor_name = unique("Cora Mentor")
    register_bare_mentor(mentor, mentor_name)
    register_bare_mentee(mentee, unique("Kai Mentee"))

    # The intro on a request has the same limit and counter.
    card = by_id(mentee, "suggestion").filter(has_text=mentor_name)
    card.get_by_test_id("request-mentor").click()
    card.get_by_test_id("intro").fill("x" * 4001)
    expect(card.get_by_test_id("intro")).to_have_value("x" * 4001)
    expect(card.get_by_test_id("char-count")).to_contain_text("too long by 1")
    expect(card.get_by_test_id("send-request")).to_be_disabled()
    card.get_by_test_id("intro").fill("Hello!")
    expect(card.get_by_test_id("char-count")).to_have_text("6 / 4,000 characters")
    card.get_by_test_id("send-request").click()
    expect(card.get_by_test_id("request-sent")).to_be_visible()

    by_id(mentee, "nav-inbox").click()
    by_id(mentee, "open-thread").first.click()
    compose = by_id(mentee, "compose-input")
    counter = by_id(mentee, "compose").get_by_test_id("char-count")
    expect(counter).to_have_text("0 / 4,000 characters")
    compose.fill("Hi there")
    expect(counter).to_have_text("8 / 4,000 characters")

    too_long = "y" * 4005
    compose.fill(too_long)
    expect(compose).to_have_value(too_long)  # nothing is cut
    expect(counter).to_contain_text("4,005 / 4,000 characters")
    expect(counter).to_contain_text("too long by 5")
    expect(by_id(mentee, "send")).to_be_disabled()
    expect(compose).to_have_attribute("aria-invalid", "true")
    compose.press("Enter")
    expect(compose).to_have_value(too_long)
    expect(by_id(mentee, "message-body").filter(has_text="yyyy")).to_have_count(0)

    exact = "z" * 4000
    compose.fill(exact)
    expect(counter).to_have_text("4,000 / 4,000 characters")
    expect(by_id(mentee, "send")).to_be_enabled()
    by_id(mentee, "send").click()
    expect(by_id(mentee, "message-body").filter(has_text="zzzz")).to_have_text(exact)
    expect(compose).to_have_value("")
    expect(counter).to_have_text("0 / 4,000 characters")
    mentor_watch.assert_clean()
    mentee_watch.assert_clean()


def test_times_show_the_date_unless_they_are_today(open_page):
    page, watch = open_page(timezone_id="Europe/Berlin")
    page.goto("/")
    expect(by_id(page, "register-form")).to_be_visible()
    shown = page.evaluate(
        """async () => {
            const { time } = await import(new URL("static/dom.js", document.baseURI).href);
            const now = new Date();
            const today = new Date(now.getFullYear(), now.getMonth(), now.getDate(), 0, 5);
            const earlier = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 3, 14, 5);
            const lastYear = new Date(now.getFullYear() - 1, 2, 3, 14, 5);
            const text = (d) => time(d.toISOString()).textContent;
            return { today: text(today), earlier: text(earlier), lastYear: text(lastYear),
                     earlierMonth: earlier.toLocaleString("en-US", { month: "short" }), earlierDay: earlier.getDate(),
                     lastYearNumber: lastYear.getFullYear(), missing: time(null) };
        }"""
    )
    months = r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    assert re.fullmatch(r"12:05\s?AM", shown["today"]), shown
    assert re.fullmatch(rf"{shown['earlierMonth']} {shown['earlierDay']}, 2:05\s?PM", shown["earlier"]), shown
    assert re.search(months, shown["lastYear"]) and str(shown["lastYearNumber"]) in shown["lastYear"], shown
    assert shown["missing"] is None
    watch.assert_clean()


def test_phone_menu_fits_the_viewport_with_badges(open_page, screenshot_dir):
    mentor, mentor_watch = open_page(phone=True)
    mentee, mentee_watch = open_page()
    mentor_name = unique("Pia Longername Mentor")
    register_bare_mentor(mentor, mentor_name)
    register_bare_mentee(mentee, unique("Tom Mentee"))
    card = by_id(mentee, "suggestion").filter(has_text=mentor_name)
    card.get_by_test_id("request-mentor").click()
    card.get_by_test_id("intro").fill("Hello, could you mentor me?")
    card.get_by_test_id("send-request").click()
    expect(card.get_by_test_id("request-sent")).to_be_visible()

    # Both badges show: a pending request and an unread intro.
    expect(by_id(mentor, "nav-pending")).to_have_text("1")
    expect(by_id(mentor, "nav-unread")).to_have_text("1")
    viewport = mentor.viewport_size
    assert viewport == {"width": 390, "height": 844}
    items = by_id(mentor, "nav-list").locator("a, button")
    expect(items).to_have_count(6)  # Programs made it six
    for index in range(items.count()):
        item = items.nth(index)
        expect(item).to_be_visible()
        box = item.bounding_box()
        assert box is not None
        label = item.inner_text()
        assert box["x"] >= 0 and box["y"] >= 0, f"{label!r} starts outside the viewport: {box}"
        assert box["x"] + box["width"] <= viewport["width"], f"{label!r} is cut off: {box}"
        assert box["y"] + box["height"] <= viewport["height"], f"{label!r} is cut off: {box}"
    # Nothing scrolls sideways.
    assert mentor.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
    mentor.screenshot(path=str(screenshot_dir / "menu-phone-badges.png"))
    mentor_watch.assert_clean()
    mentee_watch.assert_clean()


def test_requests_badge_and_tab_title_count_pending_requests_and_unread(open_page):
    mentor, mentor_watch = open_page()
    mentee, mentee_watch = open_page()
    mentor_name = unique("Rita Mentor")
    mentee_name = unique("Sam Mentee")
    register_bare_mentor(mentor, mentor_name)
    expect(mentor).to_have_title(re.compile(r"^mlbridge"))
    by_id(mentor, "nav-profile").click()  # away from the requests page: only polling updates the badge
    expect(by_id(mentor, "nav-pending")).to_have_count(0)

    register_bare_mentee(mentee, mentee_name)
    request_without_intro(mentee, mentor_name)
    # Badges of the other page come with its 5-second refresh: wait for two of them and some slack.
    expect(by_id(mentor, "nav-pending")).to_have_text("1", timeout=POLLED_TIMEOUT_MS)
    expect(by_id(mentor, "nav-unread")).to_have_count(0)  # no intro, nothing unread
    expect(mentor).to_have_title(re.compile(r"^\(1\) mlbridge"))
    # The badge is part of the link's name, which starts with the visible text.
    expect(by_id(mentor, "nav-requests")).to_have_accessible_name(re.compile(r"^Requests\s?1\b.*pending request"))

    by_id(mentor, "nav-requests").click()
    by_id(mentor, "request").filter(has_text=mentee_name).get_by_test_id("accept").click()
    expect(by_id(mentor, "accepted-notice")).to_be_visible()
    expect(by_id(mentor, "nav-pending")).to_have_count(0)
    expect(mentor).not_to_have_title(re.compile(r"^\("))

    # An unread message counts in the title too, and the inbox link's name holds its visible text.
    by_id(mentee, "nav-inbox").click()
    by_id(mentee, "open-thread").first.click()
    by_id(mentee, "compose-input").fill("Thanks for accepting!")
    by_id(mentee, "send").click()
    expect(by_id(mentor, "nav-unread")).to_have_text("1", timeout=POLLED_TIMEOUT_MS)
    expect(mentor).to_have_title(re.compile(r"^\(1\) mlbridge"))
    inbox = by_id(mentor, "nav-inbox")
    assert inbox.get_attribute("aria-label") is None
    expect(inbox).to_have_accessible_name(re.compile(r"^Inbox\s?1\b.*unread"))
    by_id(mentor, "nav-inbox").click()
    by_id(mentor, "open-thread").first.click()
    expect(by_id(mentor, "nav-unread")).to_have_count(0)
    expect(mentor).not_to_have_title(re.compile(r"^\("))
    mentor_watch.assert_clean()
    mentee_watch.assert_clean()
