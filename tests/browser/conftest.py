"""Browser tests: the web app in headless Chromium (Playwright) against the local stack.

The stack (DynamoDB Local and `chalice local`) is started once per session on free loopback
ports, with a table of its own. Without Chromium or Playwright the tests are skipped, unless
CI=true or REQUIRE_BROWSER=1, where that is a failure.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
REGION = "us-east-1"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's auto-waiting assertions wait this long; polling in the app is 2 s (a thread)
# and 5 s (the inbox), so this leaves room for a couple of rounds.
EXPECT_TIMEOUT_MS = 12_000


def _browser_required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("REQUIRE_BROWSER") == "1"


def _missing(what: str, tests: str, detail: str) -> None:
    """`what` is not installed: the `tests` fail where they are required (CI), else skip."""
    if _browser_required():
        pytest.fail(f"{what} not installed: {tests} cannot run ({detail}), "
                    "and CI=true or REQUIRE_BROWSER=1 requires them", pytrace=False)
    pytest.skip(f"{what} not installed: {tests} skipped ({detail})")


def _missing_requirements() -> list[str]:
    missing = []
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"{CHROMIUM} not found")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package is not installed")
    return missing


@pytest.fixture(scope="session")
def browser_requirements():
    missing = _missing_requirements()
    if missing:
        _missing("Chromium", "browser tests", "; ".join(missing))


@pytest.fixture(autouse=True)
def _require_browser(request, browser_requirements):
    """Every test in this folder needs the browser (skip or fail before anything starts)."""


@pytest.fixture(scope="session")
def outbox_dir(tmp_path_factory) -> Path:
    """Where the stack's emails land, one `<time>-<id>.eml` file each (the stream worker writes them)."""
    return tmp_path_factory.mktemp("outbox")


@pytest.fixture(scope="session")
def app_url(browser_requirements, outbox_dir):
    """Base URL of a running API (and web app) backed by a fresh table, with the change stream
    worker that sends its emails into `outbox_dir`."""
    from scripts.local_stack import (
        DUMMY_CREDENTIALS,
        DynamoDBLocalUnavailable,
        free_port,
        start_api,
        start_dynamodb_local,
        start_moto_server,
        start_stream_worker,
    )

    from chalicelib.storage.tables import create_table

    try:
        database = start_dynamodb_local()
    except DynamoDBLocalUnavailable as exc:
        if _browser_required():
            pytest.fail(f"DynamoDB Local is required for the browser tests: {exc}", pytrace=False)
        database = start_moto_server()

    with database:
        table_name = f"mlbridge-browser-{uuid.uuid4().hex[:12]}"
        create_table(database.endpoint, table_name, REGION)
        env = {
            "DYNAMODB_ENDPOINT": database.endpoint,
            "TABLE_NAME": table_name,
            "AWS_DEFAULT_REGION": REGION,
            "MAIL_OUTBOX_DIR": str(outbox_dir),
            **DUMMY_CREDENTIALS,
        }
        with start_api(free_port(), env) as api:
            with start_stream_worker({**env, "APP_URL": api.base_url}):
                yield api.base_url


@pytest.fixture(scope="session")
def browser(browser_requirements):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class PageWatch:
    """What a page did that a test wants to assert on: dialogs, uncaught errors, CSP reports."""

    def __init__(self, page):
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.csp_violations: list[str] = []
        page.on("dialog", self._on_dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._on_console)

    def _on_dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _on_console(self, message):
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.csp_violations.append(text)

    def assert_clean(self):
        assert self.dialogs == [], f"dialogs opened: {self.dialogs}"
        assert self.errors == [], f"uncaught page errors: {self.errors}"
        assert self.csp_violations == [], f"CSP violations: {self.csp_violations}"


@pytest.fixture
def open_page(browser, app_url):
    """open_page(timezone_id=..., phone=False) -> (page, watch), each in a context of its own."""
    contexts = []
    watches = []

    def _open(*, timezone_id: str = "Europe/Berlin", phone: bool = False, locale: str = "en-US"):
        options = {"base_url": app_url, "timezone_id": timezone_id, "locale": locale}
        if phone:
            options.update(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2)
        else:
            options.update(viewport={"width": 1200, "height": 900})
        context = browser.new_context(**options)
        context.set_default_timeout(EXPECT_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        watch = PageWatch(page)
        watches.append(watch)
        return page, watch

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_source(browser_requirements) -> str:
    """The text of axe-core's axe.min.js (installed by `make deps` / `npm ci`)."""
    if not AXE_SCRIPT.is_file():
        _missing("axe-core", "accessibility tests",
                 f"{AXE_SCRIPT.relative_to(ROOT)} not found; run `npm ci` (or `make deps`)")
    return AXE_SCRIPT.read_text(encoding="utf-8")
