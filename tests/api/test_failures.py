"""When DynamoDB throttles or cannot be reached: a 503 with Retry-After in Chalice's error shape,
never a 500 or a stack trace. And what reaches the logs: one JSON line a request with its request
id, never a token or an email, whatever the level.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from chalicelib.storage import db
from tests import factories

THROTTLED = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate exceeded"}}


class DatabaseFault:
    """Makes chosen DynamoDB calls of the shared botocore client fail, before they are sent."""

    def __init__(self, error, operations: set[str] | None = None):
        self.error = error
        self.operations = operations
        self.calls = 0

    def __call__(self, model, **_kwargs):
        if self.operations is None or model.name in self.operations:
            self.calls += 1
            raise self.error(model.name) if callable(self.error) else self.error


@pytest.fixture
def inject(backend):
    """inject(error, operations=None): every matching call raises `error` from then on."""
    events = db.connection().client.meta.events
    faults = []

    def install(error, operations=None):
        fault = DatabaseFault(error, operations)
        events.register("before-call.dynamodb", fault)
        faults.append(fault)
        return fault

    yield install
    for fault in faults:
        events.unregister("before-call.dynamodb", fault)


def _throttled(operation):
    return ClientError(THROTTLED, operation)


FAULTS = {
    "throttled": _throttled,
    "unreachable": EndpointConnectionError(endpoint_url="http://127.0.0.1:9"),
    "connect-timeout": ConnectTimeoutError(endpoint_url="http://127.0.0.1:9"),
    "read-timeout": ReadTimeoutError(endpoint_url="http://127.0.0.1:9"),
    "contended-transaction": lambda operation: ClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
         "CancellationReasons": [{"Code": "ThrottlingError"}, {"Code": "None"}]},
        operation,
    ),
}


def assert_service_unavailable(response):
    assert response.status_code == 503, response.body
    assert response.headers["Retry-After"].isdigit()
    assert set(response.json) == {"Code", "Message"}
    assert response.json["Code"] == "ServiceUnavailableError"
    assert "Traceback" not in response.body.decode()
    assert "botocore" not in response.body.decode()


@pytest.mark.parametrize("fault", ["throttled", "unreachable", "connect-timeout", "read-timeout"])
def test_authenticated_read_is_a_503_when_the_database_fails(api, inject, fault):
    mentee = factories.register_mentee(api)
    inject(FAULTS[fault])
    assert_service_unavailable(api.get("/users/me", token=mentee.token))


@pytest.mark.parametrize("fault", ["throttled", "unreachable", "contended-transaction"])
def test_registration_is_a_503_when_its_transaction_fails(api, inject, fault):
    inject(FAULTS[fault], {"TransactWriteItems"})
    assert_service_unavailable(api.post("/users", factories.mentee_body()))


@pytest.mark.parametrize("fault", ["throttled", "unreachable"])
def test_public_listing_is_a_503_when_its_query_fails(api, inject, fault):
    inject(FAULTS[fault], {"Query"})
    assert_service_unavailable(api.get("/mentors"))


@pytest.mark.parametrize("fault", ["throttled", "unreachable"])
def test_match_request_is_a_503_when_any_of_its_calls_fails(api, inject, fault):
    mentor = factories.register_mentor(api)
    mentee = factories.register_mentee(api)
    for operation in ("GetItem", "TransactWriteItems"):
        fault_handler = inject(FAULTS[fault], {operation})
        assert_service_unavailable(api.post("/matches", {"mentor_id": mentor.id}, token=mentee.token))
        db.connection().client.meta.events.unregister("before-call.dynamodb", fault_handler)
    # Nothing was half-done: the request goes through once the database is back.
    assert api.post("/matches", {"mentor_id": mentor.id}, token=mentee.token).status_code == 201


class _Body:
    def __init__(self, payload: bytes):
        self.payload = payload

    def stream(self, **_kwargs):
        yield self.payload


def test_throttling_is_retried_a_bounded_number_of_times_then_a_503(api):
    """The throttling answer comes back from the wire, so botocore's own retries run first."""
    mentee = factories.register_mentee(api)
    attempts = []

    def throttle(request, **_kwargs):
        attempts.append(request.url)
        body = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                           "message": "Rate exceeded"}).encode()
        return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.0"}, _Body(body))

    events = db.connection().client.meta.events
    events.register("before-send.dynamodb.GetItem", throttle)
    try:
        response = api.get("/users/me", token=mentee.token)
    finally:
        events.unregister("before-send.dynamodb.GetItem", throttle)
    assert_service_unavailable(response)
    assert len(attempts) == 1 + db.settings().max_retry_attempts


def test_a_client_mistake_during_an_outage_is_still_a_4xx(api, inject):
    inject(FAULTS["unreachable"])
    assert api.post("/users", factories.mentee_body(goals=[])).status_code == 400
    assert api.get("/users/me").status_code == 401


# --- logs ------------------------------------------------------------------------------------


@pytest.fixture
def app_logs(caplog):
    """Every record at DEBUG: the app's logger (which does not propagate) and everything else."""
    from app import app

    caplog.set_level(logging.DEBUG)
    app.log.addHandler(caplog.handler)
    yield caplog
    app.log.removeHandler(caplog.handler)


def _text(record: logging.LogRecord) -> str:
    text = record.getMessage()
    if record.exc_info:
        text += logging.Formatter().formatException(record.exc_info)
    return text


def test_no_token_or_email_ever_reaches_the_logs(api, inject, app_logs):
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
    assert app_logs.records, "nothing was logged"
    for record in app_logs.records:
        text = _text(record).lower()
        leaked = [secret for secret in secrets if secret.lower() in text]
        assert leaked == [], f"{record.name} logged {leaked}"


def test_one_json_line_per_request_with_its_request_id(app_logs):
    """Through the Lambda entry point, with an API Gateway event that carries a request id."""
    from app import app

    event = {
        "resource": "/vocabulary", "path": "/vocabulary", "httpMethod": "GET",
        "headers": {}, "multiValueHeaders": {}, "queryStringParameters": None,
        "multiValueQueryStringParameters": None, "pathParameters": None, "stageVariables": None,
        "requestContext": {"resourcePath": "/vocabulary", "httpMethod": "GET", "path": "/api/vocabulary",
                           "stage": "api", "requestId": "7d1f5a4e-request-id"},
        "body": None, "isBase64Encoded": False,
    }
    assert app(event, None)["statusCode"] == 200
    lines = [json.loads(r.getMessage()) for r in app_logs.records if r.name == "mlbridge.http"]
    assert lines == [{
        "event": "request", "request_id": "7d1f5a4e-request-id", "method": "GET", "route": "/vocabulary",
        "status": 200, "duration_ms": lines[0]["duration_ms"],
    }]


def test_database_failures_are_logged_with_the_request_id_and_the_error_class_only(api, inject, app_logs):
    mentee = factories.register_mentee(api)
    inject(FAULTS["unreachable"])
    api.get("/users/me", token=mentee.token)
    warnings = [json.loads(r.getMessage()) for r in app_logs.records
                if r.name == "mlbridge.http" and r.levelno == logging.WARNING]
    assert warnings == [{"event": "database_unavailable", "request_id": "-", "error": "EndpointConnectionError"}]


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
