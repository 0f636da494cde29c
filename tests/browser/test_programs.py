"""Cohort programs in the web app: an organiser starts one and shares its code, mentors and mentees
join with it, the organiser matches everyone at once and sees the pairs; members see where their
match went, can leave while sign-ups are open, and a wrong code is said plainly.

The mentees here target XGBoost and the mentors work with it; the mentors stop accepting at the
end of each test, so that they are not suggested to the mentees of other tests.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.browser.pages import (
    api_call,
    api_create_program,
    api_join_program,
    api_register_mentee,
    api_register_mentor,
    by_id,
    create_program_in_ui,
    unique,
    use_session,
)

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them in CI)
    Page = expect = None


pytestmark = pytest.mark.browser

FRAMEWORK = "xgboost"
BERLIN = ZoneInfo("Europe/Berlin")
CODE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$")


def closing_in_berlin(days: int = 3) -> tuple[str, str]:
    """A datetime-local value in Berlin time `days` ahead at 18:30, and the UTC instant it means."""
    local = (datetime.now(BERLIN) + timedelta(days=days)).replace(hour=18, minute=30, second=0, microsecond=0)
    utc = local.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return local.strftime("%Y-%m-%dT%H:%M"), utc


def stop_accepting(app_url: str, *tokens: str) -> None:
    for token in tokens:
        assert api_call(app_url, "PATCH", "/users/me", token, {"accepting": False}).status_code == 200


def fewer_pairs_a_page(page: Page) -> None:
    """The program's pairs one a page, so that "Show more" is needed (the API pages them)."""
    def one_a_page(route):
        url = re.sub(r"([?&])limit=\d+", r"\1limit=1", route.request.url)
        route.continue_(url=url)

    page.route(re.compile(r"/programs/[^/?]+/matches(\?|$)"), one_a_page)


def test_organiser_creates_a_program_people_join_and_it_is_matched(open_page, app_url, screenshot_dir):
    organiser_token, _ = api_register_mentor(app_url, unique("Ona Organiser"), frameworks=[FRAMEWORK], accepting=False)
    organiser, organiser_watch = open_page()
    organiser.context.grant_permissions(["clipboard-read", "clipboard-write"])
    use_session(organiser, organiser_token, "#/programs")
    expect(by_id(organiser, "page-title")).to_have_text("Programs")
    expect(by_id(organiser, "nav-programs")).to_have_attribute("aria-current", "page")
    expect(by_id(organiser, "no-programs")).to_be_visible()

    # -- Create it: the local closing time is sent as UTC; the page shows the code.
    name = unique("Spring cohort")
    closes_local, closes_utc = closing_in_berlin()
    with organiser.expect_request(lambda r: r.url.endswith("/programs") and r.method == "POST") as info:
        code = create_program_in_ui(organiser, name, closes_local, "Six weeks, one hour a week.")
    assert json.loads(info.value.post_data) == {"name": name, "closes_at": closes_utc,
                                                "description": "Six weeks, one hour a week."}
    assert CODE.match(code)
    expect(by_id(organiser, "created-notice")).to_contain_text(f"{name} is open for sign-ups")
    expect(by_id(organiser, "program-status")).to_have_text("Open for sign-ups")
    expect(by_id(organiser, "program-closes-at")).to_have_attribute("datetime", re.compile(r"^" + closes_utc[:16]))
    expect(by_id(organiser, "program-closes-at")).to_contain_text("6:30")
    expect(by_id(organiser, "program-mentors")).to_have_text("0 mentors")
    expect(by_id(organiser, "share-text")).to_contain_text(code)
    expect(by_id(organiser, "nav-programs")).to_have_attribute("aria-current", "page")
    program_id = organiser.evaluate("() => location.hash").split("/")[-1]

    by_id(organiser, "copy-code").click()
    expect(by_id(organiser, "copy-status")).to_have_text("Copied.")
    assert organiser.evaluate("() => navigator.clipboard.readText()") == code

    # -- One mentee joins in the app with the code (lower case, no dash), the others through the API.
    first_name = unique("Mia Member")
    first_token, _ = api_register_mentee(app_url, first_name, target_framework=FRAMEWORK)
    member, member_watch = open_page(phone=True)
    use_session(member, first_token, "#/programs")
    by_id(member, "join-code-input").fill(code.replace("-", "").lower())
    by_id(member, "join-program").click()
    expect(by_id(member, "joined")).to_contain_text(f"You joined {name} as a mentee.")
    expect(by_id(member, "program-item")).to_have_count(1)
    expect(by_id(member, "program-item")).to_contain_text("You joined as a mentee")

    second_token, _ = api_register_mentee(app_url, unique("Max Member"), target_framework=FRAMEWORK)
    api_join_program(app_url, second_token, code)
    mentor_tokens = []
    for label in ("Xia Mentor", "Xavi Mentor"):
        token, _ = api_register_mentor(app_url, unique(label), frameworks=[FRAMEWORK], capacity=1)
        mentor_tokens.append(token)
        api_join_program(app_url, token, code)

    try:
        # -- The organiser's page follows the sign-ups on its own.
        expect(by_id(organiser, "program-mentors")).to_have_text("2 mentors")
        expect(by_id(organiser, "program-mentees")).to_have_text("2 mentees")

        # -- The member's page: name, status, counts, and a way to leave.
        by_id(member, "joined-program-link").click()
        expect(by_id(member, "page-title")).to_have_text(name)
        expect(by_id(member, "program-status")).to_have_text("Open for sign-ups")
        expect(by_id(member, "program-mentees")).to_have_text("2 mentees")
        expect(by_id(member, "leave-program")).to_be_visible()
        expect(by_id(member, "join-code")).to_have_count(0)
        expect(by_id(member, "match-now")).to_have_count(0)

        # -- Match now, after saying what it will do; then the results, one pair a page.
        fewer_pairs_a_page(organiser)
        by_id(organiser, "match-now").click()
        expect(by_id(organiser, "match-question")).to_have_text("Match 2 mentees with 2 mentors now? Sign-ups close.")
        expect(by_id(organiser, "confirm-match")).to_be_focused()
        by_id(organiser, "cancel-match").click()
        expect(by_id(organiser, "match-now")).to_be_focused()
        assert api_call(app_url, "GET", f"/programs/{program_id}", organiser_token).json()["program"]["status"] == "open"
        by_id(organiser, "match-now").click()
        by_id(organiser, "confirm-match").click()

        results = by_id(organiser, "program-results")
        expect(results).to_be_visible()
        expect(organiser.locator("#results-title")).to_be_focused()
        expect(by_id(organiser, "program-status")).to_have_text("Matched")
        expect(by_id(organiser, "program-matched")).to_have_text("2")
        expect(by_id(organiser, "program-unmatched")).to_have_text("0")
        expect(by_id(organiser, "match-now")).to_have_count(0)
        expect(by_id(organiser, "join-code")).to_have_count(0)
        pairs = results.get_by_test_id("pair")
        expect(pairs).to_have_count(1)
        more = by_id(organiser, "show-more-pairs")
        for _ in range(3):
            if pairs.count() == 2 and more.is_hidden():
                break
            more.click()
            expect(more).not_to_have_attribute("aria-busy", "true")
        expect(pairs).to_have_count(2)
        expect(more).to_be_hidden()

        stored = api_call(app_url, "GET", f"/programs/{program_id}/matches?limit=10", organiser_token).json()["matches"]
        assert len(stored) == 2
        total = api_call(app_url, "GET", f"/programs/{program_id}", organiser_token).json()["program"]["total_score"]
        assert total == sum(int(pair["score"]) for pair in stored)
        expect(by_id(organiser, "program-total-score")).to_have_text(str(total))
        for pair in stored:
            item = results.locator(f'[data-match-id="{pair["match_id"]}"]')
            expect(item.get_by_test_id("pair-mentee")).to_have_text(pair["mentee"]["name"])
            expect(item.get_by_test_id("pair-mentor")).to_have_text(pair["mentor"]["name"])
            expect(item.get_by_test_id("score")).to_contain_text(str(round(pair["score"])))
            expect(item.get_by_test_id("on-target" if pair["on_target"] else "off-target")).to_be_visible()
            expect(item.get_by_test_id("reason").first).to_be_visible()
        organiser.screenshot(path=str(screenshot_dir / "program-results.png"), full_page=True)

        # -- The member: the page says the program matched them, and Matches shows the request.
        member.reload()
        expect(by_id(member, "program-status")).to_have_text("Matched")
        expect(by_id(member, "leave-program")).to_have_count(0)
        note = by_id(member, "program-matched-note")
        expect(note).to_have_text("Your program matched you: see Matches.")
        member.screenshot(path=str(screenshot_dir / "program-member-phone.png"), full_page=True)
        by_id(member, "see-matches").click()
        card = by_id(member, "matches-pending").get_by_test_id("match")
        expect(card).to_have_count(1)
        expect(card.get_by_test_id("origin-program")).to_have_text("From your program")

        # -- A mentor sees it among their requests, from the program.
        mentor_matches = [m for token in mentor_tokens
                          for m in api_call(app_url, "GET", "/matches?status=pending", token).json()["matches"]]
        assert len(mentor_matches) == 2 and {m["origin"] for m in mentor_matches} == {"program"}
        mentor_page, mentor_watch = open_page()
        use_session(mentor_page, mentor_tokens[0], "#/requests")
        expect(by_id(mentor_page, "request").get_by_test_id("origin-program")).to_have_text("From your program")
        mentor_watch.assert_clean()
    finally:
        stop_accepting(app_url, *mentor_tokens)
    organiser_watch.assert_clean()
    member_watch.assert_clean()


def test_a_wrong_code_or_form_is_said_in_plain_words(open_page, app_url):
    token, _ = api_register_mentee(app_url, unique("Wanda Wrong"), target_framework=FRAMEWORK)
    page, watch = open_page(phone=True)
    use_session(page, token, "#/programs")
    field = by_id(page, "join-code-input")
    error = by_id(page, "program-code-error")

    # Not a code at all: said before anything is sent.
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.url.endswith("/programs/join") else None)
    field.fill("abc")
    by_id(page, "join-program").click()
    expect(error).to_have_text("A code has 8 letters or digits, like K7QF-2MZP. Check it and try again.")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    assert sent == []

    # Well formed, but no program has it.
    field.fill("ZZZZ-ZZZ0")
    by_id(page, "join-program").click()
    expect(error).to_have_text("No program has this code. Check it and try again.")
    expect(error).not_to_contain_text("join_code")
    expect(by_id(page, "joined")).to_have_count(0)
    assert len(sent) == 1

    # Joined already (from another device): said so.
    other_token, _ = api_register_mentor(app_url, unique("Oli Other"), frameworks=[FRAMEWORK], accepting=False)
    program = api_create_program(app_url, other_token, unique("Twice cohort"))
    api_join_program(app_url, token, program["join_code"])
    field.fill(program["join_code"])
    by_id(page, "join-program").click()
    expect(error).to_have_text("You are a member of this program already.")

    # Starting a program: no name and a time gone by.
    by_id(page, "program-closes").fill("2020-01-01T10:00")
    by_id(page, "create-program").click()
    expect(by_id(page, "program-name-error")).to_have_text("Give the program a name.")
    expect(by_id(page, "program-closes-error")).to_have_text("Choose a time in the future.")
    expect(by_id(page, "program-name")).to_be_focused()
    far_local = (datetime.now(BERLIN) + timedelta(days=400)).strftime("%Y-%m-%dT%H:%M")
    by_id(page, "program-name").fill("Later")
    by_id(page, "program-closes").fill(far_local)
    by_id(page, "create-program").click()
    expect(by_id(page, "program-closes-error")).to_have_text("Choose a time within a year from now.")
    expect(by_id(page, "program-name-error")).to_be_hidden()
    assert len(sent) == 2  # the unknown code and the one joined already: the form sent nothing there
    watch.assert_clean()


def test_a_member_leaves_while_sign_ups_are_open(open_page, app_url):
    organiser_token, _ = api_register_mentee(app_url, unique("Otto Organiser"), target_framework=FRAMEWORK)
    name = unique("Leaving cohort")
    program = api_create_program(app_url, organiser_token, name, description="A small group.")
    member_token, _ = api_register_mentor(app_url, unique("Lea Leaver"), frameworks=[FRAMEWORK], accepting=False)

    page, watch = open_page()
    # The invitation's link fills in the code.
    use_session(page, member_token, f"#/programs?code={program['join_code']}")
    expect(by_id(page, "join-code-input")).to_have_value(program["join_code"])
    expect(page.get_by_label("Join code")).to_be_visible()
    by_id(page, "join-program").click()
    expect(by_id(page, "joined")).to_contain_text(f"You joined {name} as a mentor.")
    by_id(page, "program-link").click()
    expect(by_id(page, "page-title")).to_have_text(name)
    expect(by_id(page, "program-description-text")).to_have_text("A small group.")
    expect(by_id(page, "program-mentors")).to_have_text("1 mentor")
    expect(by_id(page, "program-mentees")).to_have_text("0 mentees")
    expect(by_id(page, "program-role")).to_have_text("You joined as a mentor")

    # "Stay" keeps the place.
    by_id(page, "leave-program").click()
    expect(by_id(page, "leave-confirm")).to_contain_text(f"Leave {name}?")
    expect(by_id(page, "confirm-leave")).to_be_focused()
    by_id(page, "cancel-leave").click()
    expect(by_id(page, "leave-program")).to_be_focused()
    assert api_call(app_url, "GET", f"/programs/{program['id']}", member_token).status_code == 200

    by_id(page, "leave-program").click()
    by_id(page, "confirm-leave").click()
    expect(by_id(page, "page-title")).to_have_text("Programs")
    expect(by_id(page, "left-notice")).to_contain_text(f"You left {name}.")
    expect(by_id(page, "no-programs")).to_be_visible()
    assert api_call(app_url, "GET", f"/programs/{program['id']}", member_token).status_code == 404
    counts = api_call(app_url, "GET", f"/programs/{program['id']}", organiser_token).json()["program"]
    assert counts["mentors"] == 0

    # The program's page is gone for them.
    page.goto(f"/#/programs/{program['id']}")
    expect(by_id(page, "program-missing")).to_be_visible()
    watch.assert_clean()


def test_copy_code_without_a_clipboard_selects_the_code(open_page, app_url):
    token, _ = api_register_mentee(app_url, unique("Cory Copy"), target_framework=FRAMEWORK)
    program = api_create_program(app_url, token, unique("Copy cohort"))
    page, watch = open_page()
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true })")
    use_session(page, token, f"#/programs/{program['id']}")
    expect(by_id(page, "join-code")).to_have_text(program["join_code"])
    by_id(page, "copy-code").click()
    expect(by_id(page, "copy-status")).to_contain_text("the text is selected")
    assert page.evaluate("() => window.getSelection().toString()").strip() == program["join_code"]
    watch.assert_clean()
