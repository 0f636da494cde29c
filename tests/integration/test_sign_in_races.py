"""Sign-in under racing requests, through a real threaded `chalice local` on DynamoDB Local: a
link signs in once, and the sign-in emails' limit holds."""

from __future__ import annotations

import boto3

from chalicelib import links
from tests.factories import mentee_body
from tests.integration.test_match_races import _post, _race, _register


def _newest_link(endpoint: str, table: str, email: str) -> tuple[str, str]:
    """The token and code of the newest link of `email`, derived as the change stream does."""
    digest = links.address_digest(email)
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    items = client.query(
        TableName=table, KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"SIGNIN#{digest}"}}, ConsistentRead=True,
    )["Items"]
    newest = max(item["id"]["S"] for item in items if item["kind"]["S"] == "link")
    return links.token_of(digest, newest), links.code_of(newest)


def test_racing_sign_ins_with_one_link_open_one_session(live_api, live_table, dynamodb_local):
    body = mentee_body()
    _register(live_api, body)
    token, code = _newest_link(dynamodb_local, live_table, body["email"])
    results = _race(
        [lambda: _post(live_api, "/auth/sessions", {"token": token})] * 4
        + [lambda: _post(live_api, "/auth/sessions", {"email": body["email"], "code": code})] * 4
    )
    assert sorted(r.status_code for r in results) == [201] + [401] * 7, [r.text for r in results]


def test_racing_link_requests_send_at_most_three(live_api):
    body = mentee_body()
    _register(live_api, body)
    results = _race([lambda: _post(live_api, "/auth/links", {"email": body["email"]})] * 10)
    statuses = sorted(r.status_code for r in results)
    assert statuses == [202] * 3 + [429] * 7, [r.text for r in results if r.status_code not in (202, 429)]
    assert all(int(r.headers["Retry-After"]) > 0 for r in results if r.status_code == 429)
