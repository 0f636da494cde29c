"""Fixtures shared by the suite.

API and storage tests run twice: against moto (in-process, fast) and against DynamoDB Local
(Amazon's engine, started once per session on a free loopback port). Every test gets a fresh
table, and a test fails if any request it made issued a Scan.

`make test` runs the suite with pytest-xdist: every worker is a session of its own, with its own
DynamoDB Local, and table names carry the process id. The slow kinds of test get a marker here.
"""

from __future__ import annotations

import itertools
import json
import os
from collections import Counter
from dataclasses import dataclass, field

import pytest

# Never reach AWS: dummy credentials and a fixed region before anything creates a client.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    # The key sign-in links are derived with (chalicelib.links); a stage keeps its own secret.
    SIGNIN_KEY="test-signin-key-0123456789abcdef0123456789abcdef",
    APP_URL="http://127.0.0.1:8000",
)
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("MAIL_OUTBOX_DIR", None)

from chalicelib.config import Settings  # noqa: E402
from chalicelib.storage import db  # noqa: E402
from chalicelib.storage.tables import create_table  # noqa: E402

BACKENDS = (
    pytest.param("moto", id="moto"),
    pytest.param("dynamodb-local", id="dynamodb-local", marks=pytest.mark.dynamodb_local),
)
_table_numbers = itertools.count()


@pytest.hookimpl(tryfirst=True)  # before -m deselects anything
def pytest_collection_modifyitems(config, items):
    """The slow kinds of test, by what makes them slow (`make check` leaves them out)."""
    for item in items:
        if "packaged" in item.fixturenames:  # runs `chalice package` for each stage
            item.add_marker(pytest.mark.package)
        if "live_api" in item.fixturenames:  # races requests against `chalice local`
            item.add_marker(pytest.mark.race)
        if item.path.parent.name == "fuzz":
            item.add_marker(pytest.mark.fuzz)


@pytest.fixture(scope="session")
def dynamodb_local():
    """DynamoDB Local, in memory, on a free port, for the whole session (each xdist worker has its own)."""
    from scripts.local_stack import DynamoDBLocalUnavailable, start_dynamodb_local

    try:
        server = start_dynamodb_local()
    except DynamoDBLocalUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"DynamoDB Local is required in CI: {exc}")
        pytest.skip(f"DynamoDB Local unavailable: {exc}")
    yield server.endpoint
    server.stop()


@dataclass
class DynamoCalls:
    """DynamoDB operations seen by the shared botocore client, counted from botocore's events."""

    operations: list[str] = field(default_factory=list)

    def __call__(self, model, **_kwargs):
        self.operations.append(model.name)

    def reset(self) -> None:
        self.operations.clear()

    @property
    def count(self) -> int:
        return len(self.operations)

    def by_operation(self) -> Counter:
        return Counter(self.operations)


def _use_table(endpoint: str | None, calls: DynamoCalls, stream: bool) -> Settings:
    # A fresh table per test; the connection (and its botocore client, slow to build) is kept from
    # one test to the next on the same backend: db.configure() only changes the table it names.
    table_name = f"mlbridge-test-{os.getpid()}-{next(_table_numbers)}"
    settings = Settings(table_name=table_name, region="us-east-1", endpoint=endpoint)
    create_table(endpoint, settings.table_name, settings.region, stream=stream)
    db.configure(settings)
    db.connection().client.meta.events.register("before-call.dynamodb", calls)
    return settings


def _stop_counting(calls: DynamoCalls) -> None:
    db.connection().client.meta.events.unregister("before-call.dynamodb", calls)


@pytest.fixture(params=BACKENDS)
def backend(request):
    """A fresh, empty table on moto or DynamoDB Local; yields the name of the backend."""
    calls = DynamoCalls()
    # The change stream only for tests that read it (the `mailbox`, or marked `stream`): DynamoDB
    # Local keeps every record of it in memory, which slows every later write of the session.
    stream = "mailbox" in request.fixturenames or request.node.get_closest_marker("stream") is not None
    if request.param == "moto":
        if request.node.get_closest_marker("local_only"):
            pytest.skip("needs the real engine (DynamoDB Local)")
        from moto import mock_aws

        with mock_aws():
            _use_table(None, calls, stream)
            yield BackendInfo(request.param, calls)
            _stop_counting(calls)
    else:
        endpoint = request.getfixturevalue("dynamodb_local")
        _use_table(endpoint, calls, stream)
        yield BackendInfo(request.param, calls)
        _stop_counting(calls)
    assert "Scan" not in calls.operations, "a request path issued a Scan"


@dataclass
class BackendInfo:
    name: str
    calls: DynamoCalls


class Api:
    """A thin JSON client over chalice.test.Client, with a token per call."""

    def __init__(self, http):
        self.http = http

    def request(self, method: str, path: str, body=None, token: str | None = None, headers: dict | None = None,
                raw: bytes | str | None = None):
        all_headers = {"Content-Type": "application/json"}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        all_headers.update(headers or {})
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(self.http, method.lower())(path, headers=all_headers, body=payload)
        response.json = json.loads(response.body) if response.body else None
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


@pytest.fixture
def api(backend):
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        yield Api(client.http)


@pytest.fixture
def calls(backend) -> DynamoCalls:
    return backend.calls


class Mailbox:
    """The emails the change stream sent since the test began: `deliver()` runs the stream (as
    Lambda would after a write) into an outbox directory, and reads what arrived."""

    def __init__(self, reader, directory):
        self.reader = reader
        self.directory = directory

    def deliver(self) -> list:
        """Run the stream over everything written so far; every email in the outbox, oldest first."""
        self.reader.deliver()
        assert self.reader.failures == [], f"stream records failed: {self.reader.failures}"
        return self.messages()

    def messages(self) -> list:
        from email import policy
        from email.parser import BytesParser

        parser = BytesParser(policy=policy.default)
        return [parser.parsebytes(path.read_bytes()) for path in sorted(self.directory.glob("*.eml"))]

    def to(self, address: str) -> list:
        """The emails to `address` (after delivering), oldest first."""
        return [m for m in self.deliver() if address.lower() in str(m["To"]).lower()]

    def latest(self, address: str):
        found = self.to(address)
        assert found, f"no email to {address}"
        return found[-1]

    @staticmethod
    def link_and_code(message) -> tuple[str, str]:
        """The sign-in link token and the 6-digit code of a sign-in or verification email."""
        import re
        from urllib.parse import unquote

        text = message.get_body(preferencelist=("plain",)).get_content()
        token = re.search(r"/#/signin\?token=(\S+)", text).group(1)
        code = re.search(r"^\s*(\d{6})\s*$", text, re.MULTILINE).group(1)
        return unquote(token), code


@pytest.fixture
def mailbox(backend, tmp_path, monkeypatch):
    """The emails sent after the test's writes (see Mailbox); nothing is sent until `deliver()`."""
    from chalicelib import mail
    from scripts.local_stream import StreamReader

    outbox = tmp_path / "outbox"
    monkeypatch.setenv("MAIL_OUTBOX_DIR", str(outbox))
    mail.default_transport.cache_clear()
    settings = db.settings()
    reader = StreamReader(settings.table_name, endpoint=settings.endpoint, region=settings.region)
    yield Mailbox(reader, outbox)
    mail.default_transport.cache_clear()


@pytest.fixture
def frozen_clock(monkeypatch):
    """A clock the test moves: `frozen_clock.advance(minutes=16)` (chalicelib.clock.now, from now)."""
    from datetime import datetime, timedelta, timezone

    from chalicelib import clock

    class Clock:
        moment = datetime.now(timezone.utc)

        def advance(self, **delta):
            self.moment += timedelta(**delta)

    controlled = Clock()
    monkeypatch.setattr(clock, "now", lambda: controlled.moment)
    return controlled
