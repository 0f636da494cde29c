"""Which exceptions mean "the database is unavailable" (errors.database_trouble), and how a view's
database trouble becomes a 503 although Chalice answers 500 for anything a view raises."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from chalice import Chalice, NotFoundError
from chalice.test import Client
from pynamodb.exceptions import GetError, PutError, TransactWriteError

from chalicelib.errors import (
    UNAVAILABLE_CODES,
    DatabaseUnavailable,
    as_database_unavailable,
    database_trouble,
    trouble_name,
)
from chalicelib.http import Blueprint, http_middleware

ENDPOINT = "http://127.0.0.1:9"


def client_error(code: str, operation: str = "GetItem") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "details"}}, operation)


def raised_from(cause: BaseException, exc: BaseException) -> BaseException:
    try:
        raise exc from cause
    except BaseException as raised:  # noqa: BLE001
        return raised


@pytest.mark.parametrize("code", sorted(UNAVAILABLE_CODES))
def test_throttling_and_unavailable_codes_are_database_trouble(code):
    assert database_trouble(client_error(code))
    assert trouble_name(client_error(code)) == code


@pytest.mark.parametrize("error", [
    EndpointConnectionError(endpoint_url=ENDPOINT),
    ConnectTimeoutError(endpoint_url=ENDPOINT),
    ReadTimeoutError(endpoint_url=ENDPOINT),
    ConnectionClosedError(endpoint_url=ENDPOINT),
])
def test_connection_errors_and_time_outs_are_database_trouble(error):
    assert database_trouble(error)
    assert trouble_name(error) == type(error).__name__


@pytest.mark.parametrize("error", [
    client_error("ConditionalCheckFailedException"),
    client_error("ValidationException"),
    client_error("ResourceNotFoundException"),
    client_error("TransactionCanceledException", "TransactWriteItems"),
    PutError("Failed to put item", client_error("ConditionalCheckFailedException", "PutItem")),
    ValueError("not the database"),
    NotFoundError("thread: not found"),
])
def test_a_request_the_database_refused_is_not_database_trouble(error):
    assert not database_trouble(error)


def test_pynamodb_exceptions_are_trouble_by_their_cause():
    throttled = TransactWriteError("Failed to write transaction items", client_error("ThrottlingException"))
    unreachable = GetError("Failed to get item", EndpointConnectionError(endpoint_url=ENDPOINT))
    assert database_trouble(throttled) and trouble_name(throttled) == "ThrottlingException"
    assert database_trouble(unreachable) and trouble_name(unreachable) == "EndpointConnectionError"


def test_an_explicit_cause_counts_and_an_exception_raised_while_handling_one_does_not():
    assert database_trouble(raised_from(ReadTimeoutError(endpoint_url=ENDPOINT), RuntimeError("lookup failed")))
    try:
        try:
            raise client_error("ProvisionedThroughputExceededException")
        except ClientError:
            raise KeyError("a bug in the handler")  # noqa: B904 (the point: no explicit cause)
    except KeyError as handled:
        assert not database_trouble(handled)


def test_database_unavailable_is_trouble_and_named_by_its_cause():
    contention = DatabaseUnavailable("Too much contention on this resource, please retry")
    assert database_trouble(contention) and trouble_name(contention) == "DatabaseUnavailable"
    wrapped = raised_from(client_error("RequestLimitExceeded"), DatabaseUnavailable("busy"))
    assert trouble_name(wrapped) == "RequestLimitExceeded"


def test_the_503_message_says_busy_or_unavailable_and_keeps_the_cause():
    busy = as_database_unavailable(client_error("ThrottlingException"))
    unreachable_error = EndpointConnectionError(endpoint_url=ENDPOINT)
    unreachable = as_database_unavailable(unreachable_error)
    assert str(busy) == "The database is busy, please retry"
    assert str(unreachable) == "The database is unavailable, please retry"
    assert unreachable.__cause__ is unreachable_error


# --- through a view ------------------------------------------------------------------------------


def _app_raising(error: BaseException) -> Chalice:
    app = Chalice(app_name="database-trouble-test")
    app.register_middleware(http_middleware, "http")
    blueprint = Blueprint(__name__)

    @blueprint.route("/items/{item_id}", methods=["GET"])
    def get_item(item_id):
        """Reads an item."""
        raise error

    app.register_blueprint(blueprint)
    return app


@pytest.mark.parametrize("error", [
    client_error("ProvisionedThroughputExceededException"),
    ReadTimeoutError(endpoint_url=ENDPOINT),
    TransactWriteError("Failed to write transaction items", client_error("InternalServerError")),
])
def test_database_trouble_a_view_raises_is_a_503_with_retry_after(error):
    with Client(_app_raising(error)) as client:
        response = client.http.get("/items/1")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert json.loads(response.body)["Code"] == "ServiceUnavailableError"
    assert b"details" not in response.body and b"127.0.0.1" not in response.body


def test_any_other_error_a_view_raises_is_still_chalices_500_or_its_4xx():
    with Client(_app_raising(client_error("ValidationException"))) as client:
        assert client.http.get("/items/1").status_code == 500
    with Client(_app_raising(NotFoundError("item: not found"))) as client:
        assert client.http.get("/items/1").status_code == 404


def test_a_wrapped_view_keeps_its_name_arguments_and_docstring():
    app = _app_raising(ValueError())
    view = app.routes["/items/{item_id}"]["GET"]
    assert view.view_name == "get_item" and view.view_args == ["item_id"]
    assert view.view_function.__doc__ == "Reads an item."
