"""The hand-written IAM policies of the deployed stages (.chalice/policy-<stage>.json): least
privilege on the project's own table, and every DynamoDB action the code actually issues; email
only from the stage's sender address."""

from __future__ import annotations

import json
import re
from email.utils import parseaddr
from pathlib import Path

import pytest

from tests import factories

ROOT = Path(__file__).resolve().parents[2]
CHALICE_DIR = ROOT / ".chalice"
STAGES = ("dev", "prod")

# The DynamoDB operations the code calls, and the IAM actions that authorize them. A transaction
# is authorized per member: there is no IAM action for TransactWriteItems itself.
REQUIRED_ON_TABLE = {
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
}
REQUIRED_ON_INDEXES = {"dynamodb:Query"}
TRANSACTION_MEMBERS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


def load_policy(stage: str) -> dict:
    return json.loads((CHALICE_DIR / f"policy-{stage}.json").read_text())


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def statements(stage: str) -> list[dict]:
    return load_policy(stage)["Statement"]


def table_arn(stage: str) -> str:
    return f"arn:aws:dynamodb:*:*:table/mlbridge-{stage}"


def granted(stage: str, resource_kind: str) -> set[str]:
    """The actions allowed on the stage's table ("table") or on its indexes ("index")."""
    resource = table_arn(stage) if resource_kind == "table" else f"{table_arn(stage)}/index/*"
    actions: set[str] = set()
    for statement in statements(stage):
        if statement["Effect"] == "Allow" and resource in _as_list(statement["Resource"]):
            actions.update(_as_list(statement["Action"]))
    return actions


@pytest.mark.parametrize("stage", STAGES)
def test_no_wildcard_action_and_no_wildcard_resource(stage):
    policy = load_policy(stage)
    assert policy["Version"] == "2012-10-17"
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        assert "NotAction" not in statement and "NotResource" not in statement
        for action in _as_list(statement["Action"]):
            assert "*" not in action, f"wildcard action {action!r}"
        for resource in _as_list(statement["Resource"]):
            assert resource != "*", "a statement on every resource"
            assert not re.fullmatch(r"arn:aws:[a-z]+:\*:\*:\*", resource), resource


@pytest.mark.parametrize("stage", STAGES)
def test_dynamodb_is_allowed_only_on_the_stage_table_and_its_indexes(stage):
    allowed_resources = {table_arn(stage), f"{table_arn(stage)}/index/*"}
    for statement in statements(stage):
        actions = _as_list(statement["Action"])
        if any(action.startswith("dynamodb:") for action in actions):
            assert all(action.startswith("dynamodb:") for action in actions), "mixed services in one statement"
            assert set(_as_list(statement["Resource"])) <= allowed_resources


@pytest.mark.parametrize("stage", STAGES)
def test_every_dynamodb_action_the_code_needs_is_granted_and_nothing_more(stage):
    assert granted(stage, "table") == REQUIRED_ON_TABLE
    assert granted(stage, "index") == REQUIRED_ON_INDEXES


@pytest.mark.parametrize("stage", STAGES)
def test_logs_only_to_the_function_log_group(stage):
    log_group = f"arn:aws:logs:*:*:log-group:/aws/lambda/mlbridge-{stage}"
    for statement in statements(stage):
        actions = _as_list(statement["Action"])
        if any(action.startswith("logs:") for action in actions):
            assert set(actions) == {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
            assert set(_as_list(statement["Resource"])) == {log_group, f"{log_group}:*"}


def stage_mail_from(stage: str) -> str:
    """The stage's sender address, from MAIL_FROM in .chalice/config.json."""
    config = json.loads((CHALICE_DIR / "config.json").read_text())
    return parseaddr(config["stages"][stage]["environment_variables"]["MAIL_FROM"])[1]


@pytest.mark.parametrize("stage", STAGES)
def test_email_only_sent_from_the_stage_address_of_its_ses_identity(stage):
    """chalicelib/mail sends with SES v2 SendEmail (IAM action ses:SendEmail) and nothing else."""
    sender = stage_mail_from(stage)
    ses = [s for s in statements(stage) if any(a.startswith("ses:") for a in _as_list(s["Action"]))]
    assert len(ses) == 1, "one statement for SES"
    (statement,) = ses
    assert _as_list(statement["Action"]) == ["ses:SendEmail"]
    # The verified identity is the sender's domain, or the address itself.
    identities = {sender.rpartition("@")[2], sender}
    assert len(_as_list(statement["Resource"])) == 1
    assert _as_list(statement["Resource"])[0] in {f"arn:aws:ses:*:*:identity/{i}" for i in identities}
    assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": sender}}


def test_calls_that_need_more_than_the_policy_grants_are_not_in_the_code():
    """The journey below sees the calls requests make; this catches rarer paths by their PynamoDB
    spelling: a transaction condition check needs dynamodb:ConditionCheckItem, and no request
    path may Scan or manage tables (storage/tables.py creates the table for the local stack and
    the tests only; on AWS it comes from infra/table.yaml)."""
    request_code = [path for path in (ROOT / "chalicelib").rglob("*.py") if path.name != "tables.py"]
    source = "\n".join(path.read_text() for path in request_code)
    if re.search(r"\.condition_check\(", source):
        assert all("dynamodb:ConditionCheckItem" in granted(stage, "table") for stage in STAGES)
    assert not re.search(r"\.(scan|rate_limited_scan)\(", source), "a Scan in the code"
    assert not re.search(r"\.(describe_table|create_table|delete_table|update_table)\(", source)


def test_stages_differ_only_in_their_names():
    dev = json.dumps(load_policy("dev")).replace("mlbridge-dev", "mlbridge-<stage>")
    prod = json.dumps(load_policy("prod")).replace("mlbridge-prod", "mlbridge-<stage>")
    assert dev == prod


class IssuedActions:
    """The IAM actions behind every DynamoDB call the shared client makes, by resource kind."""

    def __init__(self):
        self.actions: set[tuple[str, str]] = set()

    def __call__(self, model, params, **_kwargs):
        name = model.name
        request = json.loads(params["body"] or b"{}")  # the serialized request
        if name == "TransactWriteItems":
            for item in request["TransactItems"]:
                for member in item:
                    self.actions.add((f"dynamodb:{TRANSACTION_MEMBERS[member]}", "table"))
        elif name == "TransactGetItems":
            self.actions.add(("dynamodb:GetItem", "table"))
        else:
            self.actions.add((f"dynamodb:{name}", "index" if request.get("IndexName") else "table"))


def test_the_policy_covers_every_call_of_a_whole_journey(api):
    from chalicelib.storage import db

    issued = IssuedActions()
    db.connection().client.meta.events.register("before-call.dynamodb", issued)
    mentor = factories.register_mentor(api)
    other_mentor = factories.register_mentor(api)
    mentee = factories.register_mentee(api)
    api.get("/mentors?framework=pytorch&goal=kaggle")
    api.get("/matches/suggestions", token=mentee.token)
    match = api.post("/matches", {"message": "Hello"}, token=mentee.token).json["match"]
    api.post(f"/matches/{match['id']}/accept", token=match_token(match, mentor, other_mentor))
    api.patch("/users/me", {"email": "moved@example.com"}, token=mentee.token)
    thread = match["thread_id"]
    api.post(f"/threads/{thread}/messages", {"body": "Hi"}, token=mentee.token, headers={"Idempotency-Key": "a"})
    api.post(f"/threads/{thread}/messages", {"body": "Hi"}, token=mentee.token, headers={"Idempotency-Key": "a"})
    api.get("/threads", token=mentee.token)
    api.get(f"/threads/{thread}/messages", token=mentee.token)
    api.post(f"/threads/{thread}/read", token=mentee.token)
    api.get(f"/users/{mentee.id}", token=match_token(match, mentor, other_mentor))
    api.get("/matches?status=active", token=mentee.token)
    api.get("/users/me/export", token=mentee.token)
    api.delete("/users/me", token=mentee.token)
    db.connection().client.meta.events.unregister("before-call.dynamodb", issued)

    assert issued.actions, "no DynamoDB call was seen"
    for stage in STAGES:
        missing = {(action, kind) for action, kind in issued.actions if action not in granted(stage, kind)}
        assert missing == set(), f"policy-{stage}.json does not allow {sorted(missing)}"


def match_token(match: dict, *mentors) -> str:
    return next(m.token for m in mentors if m.id == match["mentor_id"])
