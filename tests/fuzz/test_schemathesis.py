"""The running service against its own description, with schemathesis.

DynamoDB Local and `chalice local` are started on free loopback ports; a mentee and a mentor are
registered (and matched, so the mentee has a thread); then every documented operation is fuzzed
with every check on: no 5xx, status codes and content types documented, bodies and headers as
documented, invalid input rejected, valid input accepted, auth not ignored. Seed and example
counts are in tests/fuzz/schemathesis.toml.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from chalicelib import openapi
from chalicelib.storage.tables import create_table
from tests import factories

CONFIG = Path(__file__).with_name("schemathesis.toml")
REGION = "us-east-1"
# Fields only a mentor's profile has: a PATCH body with any of them is valid for a mentor only.
MENTOR_ONLY_FIELDS = {"capacity", "accepting", "years_in_ml", "transition_story", "moved_via"}

_throwaway_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def live_service(dynamodb_local):
    """Base URL of `chalice local` on a fresh table in DynamoDB Local."""
    from scripts.local_stack import start_api

    table = f"mlbridge-fuzz-{os.getpid()}"
    create_table(dynamodb_local, table, REGION, stream=False)  # nothing reads it here
    server = start_api(
        None,
        {
            "DYNAMODB_ENDPOINT": dynamodb_local,
            "TABLE_NAME": table,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        },
    )
    yield server.base_url
    server.stop()


@dataclass
class Accounts:
    base_url: str
    mentee_token: str
    mentor_token: str

    def register(self, body: dict) -> str:
        response = requests.post(f"{self.base_url}/users", json=body, timeout=30)
        assert response.status_code == 201, response.text
        return response.json()["token"]

    def token_for(self, case) -> str:
        """The token of a caller for whom the generated request is meaningful."""
        method, path = case.method.upper(), case.path
        if method == "DELETE" and path == "/users/me":
            # Deleting one of the shared accounts would turn every later request into a 401.
            number = next(_throwaway_numbers)
            return self.register(factories.mentee_body(email=f"throwaway{number}@example.com"))
        if method == "PATCH" and path == "/users/me" and isinstance(case.body, dict):
            return self.mentor_token if MENTOR_ONLY_FIELDS & case.body.keys() else self.mentee_token
        if path in ("/matches/{match_id}/accept", "/matches/{match_id}/decline"):
            return self.mentor_token
        return self.mentee_token


@pytest.fixture(scope="module")
def accounts(live_service) -> Accounts:
    base = live_service
    setup = Accounts(base, "", "")
    mentor = setup.register(factories.mentor_body(email="fuzz-mentor@example.com", capacity=10))
    mentee = setup.register(factories.mentee_body(email="fuzz-mentee@example.com"))
    # One match (and so one thread) for the mentee, so that lists are not all empty.
    response = requests.post(f"{base}/matches", json={"message": "Hello!"},
                             headers={"Authorization": f"Bearer {mentee}"}, timeout=30)
    assert response.status_code == 201, response.text
    return Accounts(base, mentee, mentor)


# The document the code builds, loaded at collection (schemathesis' loader from a fixture does not
# run under pytest 9); `test_the_fuzzed_document_is_the_served_one` checks it is what is served.
schema = schemathesis.openapi.from_dict(openapi.document_for(""), config=SchemathesisConfig.from_path(CONFIG))


def test_the_fuzzed_document_is_the_served_one(live_service):
    served = requests.get(f"{live_service}/openapi.json", timeout=30)
    assert served.status_code == 200
    assert served.json() == openapi.document_for("")


def _checks_not_applicable(case) -> list:
    """A cursor is valid only if the service issued it for that very listing (anything else is a
    400, as documented), so a generated one is never "valid data" whatever the schema says: for
    such a request every check runs except the one that expects valid data to be accepted. The
    same for a program's `closes_at`, which must lie ahead of the moment of the request."""
    if case.query and case.query.get("cursor"):
        return [positive_data_acceptance]
    if case.method.upper() == "POST" and case.path == "/programs":
        return [positive_data_acceptance]  # `closes_at` must be in the future and within a year: no schema says "now"
    return []


@schema.parametrize()
def test_service_conforms_to_its_description(case, accounts):
    token = accounts.token_for(case)
    case.call_and_validate(
        base_url=accounts.base_url,
        headers={"Authorization": f"Bearer {token}"},
        excluded_checks=_checks_not_applicable(case),
    )
