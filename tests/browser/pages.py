"""What the browser tests do to the web app's pages, shared by their modules: unique names,
finding elements by test id, filling in the registration form, and reading the emails the
local stack writes to its outbox (sign-in links and codes)."""

from __future__ import annotations

import email
import email.policy
import json
import re
import time
import uuid
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path

import requests

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every browser test (or fails them in CI)
    Page = expect = None


def unique(label: str) -> str:
    return f"{label} {uuid.uuid4().hex[:6]}"


def email_for(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", name.lower()).strip(".") + "@example.com"


def by_id(page: Page, testid: str):
    return page.get_by_test_id(testid)


def fill_common(page: Page, role: str, name: str, *, frameworks: list[str], goals: list[str]) -> None:
    """Open the registration form and fill in what mentors and mentees both give."""
    page.goto("/#/register")
    by_id(page, f"role-{role}").check()
    page.locator("#field-name").fill(name)
    page.locator("#field-email").fill(email_for(name))
    for framework in frameworks:
        by_id(page, f"option-frameworks-{framework}").check()
    for goal in goals:
        by_id(page, f"option-goals-{goal}").check()


def register_bare_mentor(page: Page, name: str, capacity: str = "3", *, frameworks: tuple[str, ...] = ("pytorch",)) -> None:
    """A mentor who leaves every optional field (bio, story, years) empty."""
    fill_common(page, "mentor", name, frameworks=list(frameworks), goals=["job-switch"])
    page.locator("#field-capacity").fill(capacity)
    by_id(page, "register-submit").click()
    expect(by_id(page, "page-title")).to_have_text("Mentorship requests")


def register_bare_mentee(page: Page, name: str, target_framework: str = "pytorch") -> None:
    """A mentee who leaves every optional field empty."""
    fill_common(page, "mentee", name, frameworks=[], goals=["job-switch"])
    page.locator("#field-target_framework").select_option(target_framework)
    page.locator("#field-motivation").select_option("curiosity")
    page.locator("#field-backend_years").fill("4")
    by_id(page, "register-submit").click()
    expect(by_id(page, "page-title")).to_have_text("Suggested mentors")


def stored_token(page: Page) -> str | None:
    return page.evaluate("() => localStorage.getItem('mlbridge.token')")


# ---- Straight to the API (people the test needs but does not watch) ---------------------------


def api_call(app_url: str, method: str, path: str, token: str | None = None, body: dict | None = None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body)
    return requests.request(method, f"{app_url}{path}", headers=headers, data=data, timeout=10)


def api_register_mentor(app_url: str, name: str, *, frameworks: list[str], capacity: int = 1,
                        accepting: bool = True) -> tuple[str, dict]:
    """A mentor registered through POST /users: (token, own profile)."""
    body = {"role": "mentor", "name": name, "email": email_for(name), "timezone": "Europe/Berlin",
            "languages": ["en"], "frameworks": frameworks, "goals": ["job-switch"], "capacity": capacity,
            "accepting": accepting}
    response = api_call(app_url, "POST", "/users", body=body)
    assert response.status_code == 201, response.text
    data = response.json()
    return data["token"], data["user"]


# A framework no mentor in the browser tests registers with, so its mentees get no suggestions.
NOBODY_MENTORS = "onnx"


def register_waiting_mentee(page: Page, name: str) -> None:
    """A mentee whose target framework no mentor has: the waitlist is on offer (mentors of other
    frameworks with a free place may still be suggested, on goals, time zone and language)."""
    register_bare_mentee(page, name, target_framework=NOBODY_MENTORS)
    expect(by_id(page, "waitlist-offer")).to_be_visible()


def join_waitlist(page: Page, message: str = "") -> None:
    """On the suggestions page: join the waitlist (with an optional intro); the place in line shows."""
    if message:
        by_id(page, "waitlist-intro").fill(message)
    by_id(page, "join-waitlist").click()
    expect(by_id(page, "waitlist-position")).to_be_visible()


def leave_waitlist(page: Page) -> None:
    by_id(page, "leave-waitlist").click()
    expect(by_id(page, "waitlist-offer")).to_be_visible()


# ---- The outbox ------------------------------------------------------------------------------


def _read_mail(path: Path) -> EmailMessage | None:
    """The message in `path`, or None while it is still being written (or was moved away)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    message = email.message_from_bytes(data, policy=email.policy.default)
    if not message.get("To") or message.get_body(preferencelist=("plain",)) is None:
        return None
    return message


def mails_to(outbox_dir: Path, address: str) -> list[EmailMessage]:
    """Every email in the outbox to `address` (case-insensitive), oldest first (`<time>-<id>.eml`)."""
    wanted = address.strip().lower()
    found = []
    for path in sorted(Path(outbox_dir).glob("*.eml"), key=lambda p: p.name):
        message = _read_mail(path)
        if message is None:
            continue
        recipients = [addr.lower() for _, addr in getaddresses(message.get_all("To", []))]
        if wanted in recipients:
            found.append(message)
    return found


def latest_mail_to(outbox_dir: Path, address: str, timeout: float = 15, *, count: int = 1) -> EmailMessage:
    """The newest email to `address`, once at least `count` have arrived (the stream worker writes
    them a moment after the request that caused them)."""
    deadline = time.monotonic() + timeout
    while True:
        found = mails_to(outbox_dir, address)
        if len(found) >= count:
            return found[-1]
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"expected {count} email(s) to {address} in {outbox_dir} within {timeout}s, found {len(found)}"
            )
        time.sleep(0.2)


LINK = re.compile(r"https?://[^\s<>\"']+#/signin\?token=[^\s<>\"']+")
CODE = re.compile(r"(?<![\d-])(\d{6})(?![\d-])")


def link_and_code(message: EmailMessage) -> tuple[str, str]:
    """The sign-in link and the 6-digit code in an email's plain-text part."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    link = LINK.search(text)
    assert link, f"no sign-in link in:\n{text}"
    code = CODE.search(LINK.sub(" ", text))
    assert code, f"no 6-digit code in:\n{text}"
    return link.group(0), code.group(1)


def wrong_code(code: str) -> str:
    """A well-formed code that is not `code`."""
    return "".join(str((int(digit) + 1) % 10) for digit in code)


# ---- Signing in ------------------------------------------------------------------------------


def ask_for_link(page: Page, address: str) -> None:
    """On the sign-in screen: type the email and ask for a link; the screen says to check the inbox."""
    page.goto("/#/signin")
    by_id(page, "signin-email").fill(address)
    by_id(page, "send-link").click()
    expect(by_id(page, "page-title")).to_have_text("Check your inbox")
    expect(by_id(page, "signin-code")).to_be_focused()


def sign_in_with_code(page: Page, outbox_dir: Path, address: str, *, count: int) -> None:
    """Ask for a link, then type the code from the `count`-th email to `address`."""
    ask_for_link(page, address)
    _, code = link_and_code(latest_mail_to(outbox_dir, address, count=count))
    by_id(page, "signin-code").fill(code)
    by_id(page, "code-submit").click()
    expect(by_id(page, "sign-out")).to_be_visible()


# ---- Feedback and safety: people, matches and sessions set up through the API ----------------


def api_register_mentee(app_url: str, name: str, *, target_framework: str = "pytorch") -> tuple[str, dict]:
    """A mentee registered through POST /users: (token, own profile)."""
    body = {"role": "mentee", "name": name, "email": email_for(name), "timezone": "Europe/Berlin",
            "languages": ["en"], "target_framework": target_framework, "goals": ["job-switch"],
            "motivation": "curiosity", "backend_years": 5}
    response = api_call(app_url, "POST", "/users", body=body)
    assert response.status_code == 201, response.text
    data = response.json()
    return data["token"], data["user"]


def api_active_match(app_url: str, mentee_token: str, mentor_token: str, mentor_id: str,
                     message: str | None = "Hello! Could you mentor me?") -> dict:
    """The mentee requests the mentor and the mentor accepts: the active match."""
    body = {"mentor_id": mentor_id, **({"message": message} if message else {})}
    response = api_call(app_url, "POST", "/matches", mentee_token, body)
    assert response.status_code == 201, response.text
    match = response.json()["match"]
    response = api_call(app_url, "POST", f"/matches/{match['id']}/accept", mentor_token, {})
    assert response.status_code == 200, response.text
    return response.json()["match"]


def api_ended_with_feedback(app_url: str, mentee_token: str, mentor_token: str, mentor_id: str, rating: int) -> dict:
    """A whole mentorship through the API: requested, accepted, ended by the mentee, who rates it."""
    match = api_active_match(app_url, mentee_token, mentor_token, mentor_id)
    response = api_call(app_url, "POST", f"/matches/{match['id']}/end", mentee_token, {})
    assert response.status_code == 200, response.text
    response = api_call(app_url, "POST", f"/matches/{match['id']}/feedback", mentee_token, {"rating": rating})
    assert response.status_code == 201, response.text
    return match


def use_session(page: Page, token: str, hash_: str = "#/") -> None:
    """Sign the page in with a token from the API (as a sign-in would leave it) and open `hash_`."""
    page.goto("/#/signin")
    expect(by_id(page, "page-title")).to_be_visible()
    page.evaluate("(token) => localStorage.setItem('mlbridge.token', token)", token)
    # Without a hashchange (which would route while still signed out), then a fresh start.
    page.evaluate("(hash) => history.replaceState(null, '', hash)", hash_)
    page.reload()
    expect(by_id(page, "sign-out")).to_be_visible()


def open_thread(page: Page, thread_id: str) -> None:
    """Open a conversation by its id and wait until it has loaded."""
    page.goto(f"/#/thread/{thread_id}")
    expect(by_id(page, "thread-title")).to_be_visible()
    expect(by_id(page, "thread-status")).to_be_visible()


# ---- Cohort programs -------------------------------------------------------------------------


def api_create_program(app_url: str, token: str, name: str, *, days: int = 7, description: str | None = None) -> dict:
    """An open program organised by the holder of `token`, closing in `days` days: the Program."""
    from datetime import datetime, timedelta, timezone

    closes_at = (datetime.now(timezone.utc) + timedelta(days=days)).replace(microsecond=0).isoformat()
    body = {"name": name, "closes_at": closes_at, **({"description": description} if description else {})}
    response = api_call(app_url, "POST", "/programs", token, body)
    assert response.status_code == 201, response.text
    return response.json()["program"]


def api_join_program(app_url: str, token: str, code: str) -> dict:
    """Join a program with its code through the API: the membership."""
    response = api_call(app_url, "POST", "/programs/join", token, {"join_code": code})
    assert response.status_code == 201, response.text
    return response.json()["membership"]


def create_program_in_ui(page: Page, name: str, closes_local: str, description: str = "") -> str:
    """On the Programs screen: fill in "Start a program" and create it; the program's page shows
    its join code, which is returned."""
    by_id(page, "program-name").fill(name)
    by_id(page, "program-closes").fill(closes_local)
    if description:
        by_id(page, "program-description").fill(description)
    by_id(page, "create-program").click()
    expect(by_id(page, "page-title")).to_have_text(name)
    code = by_id(page, "join-code")
    expect(code).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    return code.inner_text()
