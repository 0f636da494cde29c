"""When DynamoDB throttles or cannot be reached: a 503 with Retry-After in Chalice's error shape,
never a 500 or a stack trace. (What reaches the logs meanwhile: tests/api/test_logs.py.)
"""

from __future__ import annotations

import json

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
    events.register("before-send.dynamodb.BatchGetItem", throttle)
    try:
        response = api.get("/users/me", token=mentee.token)
    finally:
        events.unregister("before-send.dynamodb.BatchGetItem", throttle)
    assert_service_unavailable(response)
    assert len(attempts) == 1 + db.settings().max_retry_attempts


def test_a_client_mistake_during_an_outage_is_still_a_4xx(api, inject):
    inject(FAULTS["unreachable"])
    assert api.post("/users", factories.mentee_body(goals=[])).status_code == 400
    assert api.get("/users/me").status_code == 401

