"""What reaches the logs: one JSON line a request (Powertools' Logger) with API Gateway's request
id as its correlation id, a warning when the database is unavailable, and never a token, an email
or a body, whatever the level."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import textwrap

import pytest

from tests import factories
from tests.api.test_failures import FAULTS, inject  # noqa: F401 (inject is a fixture)


@pytest.fixture
def log_lines():
    """lines(): every line the app's Logger wrote since the test began, parsed."""
    from app import app  # noqa: F401 (configures the Logger)
    from chalicelib.logs import logger

    buffer = io.StringIO()
    previous = logger.registered_handler.setStream(buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    logger.registered_handler.setStream(previous)


def api_gateway_event(method: str, path: str, *, request_id: str | None, token: str | None = None,
                      body: str | None = None) -> dict:
    """A REST API proxy event as API Gateway sends it to the function."""
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    context = {"resourcePath": path, "httpMethod": method, "path": f"/api{path}", "stage": "api"}
    if request_id:
        context["requestId"] = request_id
    return {
        "resource": path, "path": path, "httpMethod": method, "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": None, "stageVariables": None, "requestContext": context,
        "body": body, "isBase64Encoded": False,
    }


def test_a_request_logs_one_json_line_with_its_correlation_id_and_no_secret(api, log_lines):
    """Through the Lambda entry point, as on AWS."""
    from app import app

    mentee = factories.register_mentee(api, email="logged.mentee@example.com")
    before = len(log_lines())
    event = api_gateway_event("GET", "/users/me", request_id="7d1f5a4e-request-id", token=mentee.token)
    assert app(event, None)["statusCode"] == 200

    lines = log_lines()[before:]
    assert len(lines) == 1, lines
    line = lines[0]
    assert line["level"] == "INFO" and line["message"] == "request" and line["service"] == "mlbridge"
    assert line["correlation_id"] == "7d1f5a4e-request-id"
    assert (line["method"], line["route"], line["status"]) == ("GET", "/users/me", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    text = json.dumps(line).lower()
    for secret in (mentee.token, mentee.token.split(".", 1)[1], "logged.mentee@example.com"):
        assert secret.lower() not in text


def test_the_correlation_id_is_never_carried_over_to_the_next_request(api, log_lines):
    from app import app

    app(api_gateway_event("GET", "/users/me", request_id="first-request-id"), None)  # a 401
    app(api_gateway_event("GET", "/users/me", request_id=None), None)
    first, second = log_lines()[-2:]
    assert first["correlation_id"] == "first-request-id" and first["status"] == 401
    assert "correlation_id" not in second and second["status"] == 401


def test_an_unavailable_database_is_a_503_and_a_warning_with_the_error_name_only(api, inject, log_lines):  # noqa: F811
    from app import app

    mentee = factories.register_mentee(api)
    inject(FAULTS["unreachable"])
    before = len(log_lines())
    response = app(api_gateway_event("GET", "/users/me", request_id="outage-request-id", token=mentee.token), None)

    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"].isdigit()
    assert json.loads(response["body"])["Code"] == "ServiceUnavailableError"
    warning, request = log_lines()[before:]
    assert warning["level"] == "WARNING" and warning["message"] == "database unavailable"
    assert warning["error"] == "EndpointConnectionError"
    assert warning["correlation_id"] == request["correlation_id"] == "outage-request-id"
    assert request["status"] == 503
    assert "127.0.0.1" not in json.dumps(warning)  # the name of the error, not its message


def test_a_throttled_database_is_logged_by_its_error_code(api, inject, log_lines):  # noqa: F811
    mentee = factories.register_mentee(api)
    inject(FAULTS["throttled"])
    assert api.get("/users/me", token=mentee.token).status_code == 503
    warnings = [line for line in log_lines() if line["level"] == "WARNING"]
    assert [line["error"] for line in warnings] == ["ProvisionedThroughputExceededException"]


@pytest.fixture
def every_record(caplog):
    """Every record at DEBUG: the app's logger (which does not propagate) and everything else."""
    from app import app

    caplog.set_level(logging.DEBUG)
    app.log.addHandler(caplog.handler)
    yield caplog
    app.log.removeHandler(caplog.handler)


def test_no_token_or_email_ever_reaches_the_logs(api, inject, every_record, log_lines):  # noqa: F811
    from chalicelib.logs import logger

    mentor_body = factories.mentor_body(email="Secret.Mentor@Example.com")
    mentee_body = factories.mentee_body(email="secret.mentee@example.com")
    mentor = api.post("/users", mentor_body).json
    mentee = api.post("/users", mentee_body).json
    api.post("/users", factories.mentee_body(email="SECRET.MENTEE@example.com"))  # 409 duplicate
    api.post("/users", factories.mentee_body(email="not-an-email"))  # 400
    api.get("/users/me", token=mentee["token"])
    api.patch("/users/me", {"email": "renamed.mentee@example.com"}, token=mentee["token"])
    api.get("/users/me", token=mentee["token"] + "x")  # 401 with a near-miss token
    api.get("/users/me", headers={"Authorization": f"Basic {mentor['token']}"})  # 401, wrong scheme
    api.post("/matches", {"mentor_id": mentor["user"]["id"], "message": "my email is x@example.com"},
             token=mentee["token"])
    api.get("/users/me/export", token=mentee["token"])
    inject(FAULTS["throttled"])
    api.get("/users/me", token=mentor["token"])  # 503

    secrets = {
        mentor["token"], mentee["token"],
        mentor["token"].split(".", 1)[1], mentee["token"].split(".", 1)[1],
        "secret.mentor@example.com", "secret.mentee@example.com", "renamed.mentee@example.com",
        "not-an-email", "x@example.com",
    }
    assert every_record.records, "nothing was logged"
    # Each record as the app's handler writes it (with its extra keys and any traceback), and the
    # lines it wrote.
    texts = [logger.registered_formatter.format(record) for record in every_record.records]
    texts += [json.dumps(line) for line in log_lines()]
    for text in texts:
        leaked = [secret for secret in secrets if secret.lower() in text.lower()]
        assert leaked == [], f"logged {leaked}: {text[:300]}"


def test_libraries_that_log_request_bodies_stay_at_warning_even_with_log_level_debug():
    script = textwrap.dedent(
        """
        import logging, os
        os.environ["LOG_LEVEL"] = "DEBUG"
        import app
        assert app.app.log.level == logging.DEBUG
        for name in ("pynamodb", "botocore", "boto3", "urllib3"):
            assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING, name
            assert not logging.getLogger(name + ".connection").isEnabledFor(logging.DEBUG), name
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_chalice_writes_through_the_json_logger_only():
    """Chalice adds a plain-text handler to the app's logger unless it finds one on stdout: the
    app's lines are JSON, each written once, whatever LOG_LEVEL says."""
    script = textwrap.dedent(
        """
        import json, logging, os
        os.environ["LOG_LEVEL"] = "warning"
        import app
        from chalicelib.logs import logger
        assert app.app.log.handlers == [logger.registered_handler], app.app.log.handlers
        assert app.app.log.level == logging.WARNING and not app.app.log.propagate
        app.app.log.error("Caught exception for path %s", "/users/me")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    assert json.loads(lines[0])["message"] == "Caught exception for path /users/me"
