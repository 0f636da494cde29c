"""What the browser tests do to the web app's pages, shared by their modules: unique names,
finding elements by test id, and filling in the registration form."""

from __future__ import annotations

import re
import uuid

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


def register_bare_mentor(page: Page, name: str, capacity: str = "3") -> None:
    """A mentor who leaves every optional field (bio, story, years) empty."""
    fill_common(page, "mentor", name, frameworks=["pytorch"], goals=["job-switch"])
    page.locator("#field-capacity").fill(capacity)
    by_id(page, "register-submit").click()
    expect(by_id(page, "page-title")).to_have_text("Mentorship requests")


def register_bare_mentee(page: Page, name: str) -> None:
    """A mentee who leaves every optional field empty."""
    fill_common(page, "mentee", name, frameworks=[], goals=["job-switch"])
    page.locator("#field-target_framework").select_option("pytorch")
    page.locator("#field-motivation").select_option("curiosity")
    page.locator("#field-backend_years").fill("4")
    by_id(page, "register-submit").click()
    expect(by_id(page, "page-title")).to_have_text("Suggested mentors")
