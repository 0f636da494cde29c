"""The hand-written IAM policies of the deployed stages, one per function: the API's
(.chalice/policy-<stage>.json), the stream function's (.chalice/policy-<stage>-stream.json) and
the schedule function's (.chalice/policy-<stage>-schedule.json). Least privilege on the project's
own table, and every DynamoDB action the code actually issues; the table's stream is read by the
stream function only, which may report the records it gives up on to its own failure queue only;
email is sent by the stream and schedule functions only, from the stage's sender address."""

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
# The policy of each function: the API ("api"), the change stream's function ("stream") and the
# scheduled function ("schedule").
FUNCTIONS = ("api", "stream", "schedule")
POLICY_FILES = {"api": "policy-{stage}.json", "stream": "policy-{stage}-stream.json",
                "schedule": "policy-{stage}-schedule.json"}
FUNCTION_NAMES = {"api": "mlbridge-{stage}", "stream": "mlbridge-{stage}-stream",
                  "schedule": "mlbridge-{stage}-schedule"}
# Chalice's names of the stream and schedule functions in .chalice/config.json (app.py's `name=`).
STREAM_FUNCTION = "on_table_change"
SCHEDULE_FUNCTION = "run_schedule"
CONFIG_NAMES = {"stream": STREAM_FUNCTION, "schedule": SCHEDULE_FUNCTION}
# The queue Lambda reports the stream records it gave up on to (infra/table.yaml, StreamFailures).
STREAM_FAILURE_QUEUE = "arn:aws:sqs:*:*:mlbridge-{stage}-stream-failures"

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

# The stream function: it reads items, and writes the marker of each email it sends (deleting it
# again when sending fails, storage/sent.py); it never writes in batches.
STREAM_FUNCTION_ON_TABLE = REQUIRED_ON_TABLE - {"dynamodb:BatchWriteItem"}
STREAM_FUNCTION_ON_INDEXES = {"dynamodb:Query"}
# The schedule function: it reads the due index and users, expires requests in transactions (Put,
# Update and Delete members), takes items off the due index (UpdateItem) and writes and deletes the
# markers of the emails it sends; it never writes in batches and never reads the stream.
SCHEDULE_FUNCTION_ON_TABLE = REQUIRED_ON_TABLE - {"dynamodb:BatchWriteItem"}
SCHEDULE_FUNCTION_ON_INDEXES = {"dynamodb:Query"}
# What Lambda's event source mapping does with the function's role to read the table's stream.
READ_THE_STREAM = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}
# Actions for which AWS defines no resource type (the Service Authorization Reference leaves
# their resource column empty): a statement allowing them must name every resource, "*". Lambda
# lists dynamodb:ListStreams among the permissions a DynamoDB event source needs.
ONLY_ON_EVERY_RESOURCE = {"dynamodb:ListStreams"}


def load_policy(stage: str, function: str = "api") -> dict:
    return json.loads((CHALICE_DIR / POLICY_FILES[function].format(stage=stage)).read_text())


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def statements(stage: str, function: str = "api") -> list[dict]:
    return load_policy(stage, function)["Statement"]


def table_arn(stage: str) -> str:
    return f"arn:aws:dynamodb:*:*:table/mlbridge-{stage}"


RESOURCE_KINDS = {
    "table": "{table}",
    "index": "{table}/index/*",
    "stream": "{table}/stream/*",
    "*": "*",
}


def granted(stage: str, resource_kind: str, function: str = "api") -> set[str]:
    """The actions the function's policy allows on the stage's table ("table"), on its indexes
    ("index"), on its stream ("stream") or on every resource ("*")."""
    resource = RESOURCE_KINDS[resource_kind].format(table=table_arn(stage))
    actions: set[str] = set()
    for statement in statements(stage, function):
        if statement["Effect"] == "Allow" and resource in _as_list(statement["Resource"]):
            actions.update(_as_list(statement["Action"]))
    return actions


def every_policy():
    return [pytest.param(stage, function, id=f"{stage}-{function}") for stage in STAGES for function in FUNCTIONS]


def test_each_deployed_stage_gives_the_stream_and_schedule_functions_their_own_policies():
    config = json.loads((CHALICE_DIR / "config.json").read_text())
    for stage in STAGES:
        stage_config = config["stages"][stage]
        assert stage_config["autogen_policy"] is False
        assert stage_config["iam_policy_file"] == POLICY_FILES["api"].format(stage=stage)
        assert set(stage_config["lambda_functions"]) == set(CONFIG_NAMES.values())
        for kind, name in CONFIG_NAMES.items():
            function = stage_config["lambda_functions"][name]
            assert function["iam_policy_file"] == POLICY_FILES[kind].format(stage=stage)
            assert (CHALICE_DIR / function["iam_policy_file"]).is_file()
    # Nothing outside the stages (where the local stage would inherit it) names a policy.
    assert "iam_policy_file" not in config and "lambda_functions" not in config


@pytest.mark.parametrize(("stage", "function"), every_policy())
def test_no_wildcard_action_and_no_wildcard_resource(stage, function):
    policy = load_policy(stage, function)
    assert policy["Version"] == "2012-10-17"
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        assert "NotAction" not in statement and "NotResource" not in statement
        actions = _as_list(statement["Action"])
        for action in actions:
            assert "*" not in action, f"wildcard action {action!r}"
        for resource in _as_list(statement["Resource"]):
            if resource == "*":
                # Only where AWS leaves no choice, and then alone in its statement.
                assert set(actions) <= ONLY_ON_EVERY_RESOURCE, f"{actions} on every resource"
                assert _as_list(statement["Resource"]) == ["*"]
                continue
            assert not re.fullmatch(r"arn:aws:[a-z]+:\*:\*:\*", resource), resource
            assert not set(actions) & ONLY_ON_EVERY_RESOURCE, f"{actions} need the resource *"


def test_only_the_actions_aws_cannot_scope_are_allowed_on_every_resource():
    """cfn-lint's copy of the Service Authorization Reference: the actions on "*" have no
    resource type there, and every other action granted has one."""
    resource_types = _aws_action_resource_types()
    for stage in STAGES:
        for function in FUNCTIONS:
            for statement in statements(stage, function):
                on_every_resource = _as_list(statement["Resource"]) == ["*"]
                for action in _as_list(statement["Action"]):
                    assert action.lower() in resource_types, f"{action} is not an IAM action"
                    assert (resource_types[action.lower()] == set()) == on_every_resource, action
    assert all(resource_types[action.lower()] == set() for action in ONLY_ON_EVERY_RESOURCE)


def _aws_action_resource_types() -> dict[str, set[str]]:
    """The resource types of every IAM action, by "service:action" in lower case."""
    from importlib.resources import files

    spec = json.loads(files("cfnlint.data.AdditionalSpecs").joinpath("Policies.json").read_text())
    return {
        f"{service}:{action}".lower(): set(details.get("Resources", []))
        for service, definition in spec.items()
        for action, details in definition.get("Actions", {}).items()
    }


@pytest.mark.parametrize(("stage", "function"), every_policy())
def test_dynamodb_is_allowed_only_on_the_stage_table_its_indexes_and_its_stream(stage, function):
    allowed_resources = {table_arn(stage), f"{table_arn(stage)}/index/*"}
    if function == "stream":
        allowed_resources |= {f"{table_arn(stage)}/stream/*", "*"}
    for statement in statements(stage, function):
        actions = _as_list(statement["Action"])
        if any(action.startswith("dynamodb:") for action in actions):
            assert all(action.startswith("dynamodb:") for action in actions), "mixed services in one statement"
            assert set(_as_list(statement["Resource"])) <= allowed_resources


@pytest.mark.parametrize(("stage", "function"), every_policy())
def test_only_dynamodb_logs_ses_and_the_failure_queue(stage, function):
    services = {"api": {"dynamodb", "logs"}, "stream": {"dynamodb", "logs", "ses", "sqs"},
                "schedule": {"dynamodb", "logs", "ses"}}[function]
    for statement in statements(stage, function):
        assert {action.split(":")[0] for action in _as_list(statement["Action"])} <= services


@pytest.mark.parametrize("stage", STAGES)
def test_the_stream_function_may_send_to_its_failure_queue_only(stage):
    """Lambda's event source mapping sends the record of a batch it gave up on to the on-failure
    destination with the function's role: sqs:SendMessage on that one queue, nothing else of SQS,
    and no other function touches SQS."""
    sqs = [s for s in statements(stage, "stream") if any(a.startswith("sqs:") for a in _as_list(s["Action"]))]
    assert len(sqs) == 1, "one statement for SQS"
    (statement,) = sqs
    assert _as_list(statement["Action"]) == ["sqs:SendMessage"]
    assert _as_list(statement["Resource"]) == [STREAM_FAILURE_QUEUE.format(stage=stage)]
    assert "Condition" not in statement
    for function in ("api", "schedule"):
        assert not [a for s in statements(stage, function) for a in _as_list(s["Action"]) if a.startswith("sqs:")]


@pytest.mark.parametrize("stage", STAGES)
def test_every_dynamodb_action_the_api_needs_is_granted_and_nothing_more(stage):
    assert granted(stage, "table") == REQUIRED_ON_TABLE
    assert granted(stage, "index") == REQUIRED_ON_INDEXES
    # The API never reads the stream.
    assert granted(stage, "stream") == set()
    assert granted(stage, "*") == set()


@pytest.mark.parametrize("stage", STAGES)
def test_the_stream_function_reads_the_stream_and_the_table_and_never_writes_in_batches(stage):
    assert granted(stage, "stream", "stream") == READ_THE_STREAM
    assert granted(stage, "*", "stream") == ONLY_ON_EVERY_RESOURCE
    assert granted(stage, "table", "stream") == STREAM_FUNCTION_ON_TABLE
    assert granted(stage, "index", "stream") == STREAM_FUNCTION_ON_INDEXES
    every_action = {a for s in statements(stage, "stream") for a in _as_list(s["Action"])}
    assert "dynamodb:BatchWriteItem" not in every_action


@pytest.mark.parametrize("stage", STAGES)
def test_the_schedule_function_reads_the_due_index_and_writes_items_but_never_the_stream(stage):
    assert granted(stage, "table", "schedule") == SCHEDULE_FUNCTION_ON_TABLE
    assert granted(stage, "index", "schedule") == SCHEDULE_FUNCTION_ON_INDEXES
    assert granted(stage, "stream", "schedule") == set()
    assert granted(stage, "*", "schedule") == set()
    every_action = {a for s in statements(stage, "schedule") for a in _as_list(s["Action"])}
    assert "dynamodb:BatchWriteItem" not in every_action


@pytest.mark.parametrize(("stage", "function"), every_policy())
def test_logs_only_to_the_function_log_group(stage, function):
    log_group = f"arn:aws:logs:*:*:log-group:/aws/lambda/{FUNCTION_NAMES[function].format(stage=stage)}"
    seen = False
    for statement in statements(stage, function):
        actions = _as_list(statement["Action"])
        if any(action.startswith("logs:") for action in actions):
            assert set(actions) == {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
            assert set(_as_list(statement["Resource"])) == {log_group, f"{log_group}:*"}
            seen = True
    assert seen, "the function cannot write its logs"


def stage_mail_from(stage: str) -> str:
    """The stage's sender address, from MAIL_FROM in .chalice/config.json."""
    config = json.loads((CHALICE_DIR / "config.json").read_text())
    return parseaddr(config["stages"][stage]["environment_variables"]["MAIL_FROM"])[1]


def ses_statements(stage: str, function: str) -> list[dict]:
    return [s for s in statements(stage, function) if any(a.startswith("ses:") for a in _as_list(s["Action"]))]


@pytest.mark.parametrize(("stage", "function"), [pytest.param(stage, function, id=f"{stage}-{function}")
                                                   for stage in STAGES for function in ("stream", "schedule")])
def test_email_only_sent_by_the_stream_and_schedule_functions_from_the_stage_address_of_its_ses_identity(
        stage, function):
    """chalicelib/mail sends with SES v2 SendEmail (IAM action ses:SendEmail) and nothing else,
    from the stream function (links, match updates) and the schedule function (reminders, unread
    messages) only: the API writes a link or a match, the stream function emails about it."""
    assert ses_statements(stage, "api") == [], "the API sends no email"
    sender = stage_mail_from(stage)
    ses = ses_statements(stage, function)
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
        assert all("dynamodb:ConditionCheckItem" in granted(stage, "table", function)
                   for stage in STAGES for function in ("api", "schedule"))
    assert not re.search(r"\.(scan|rate_limited_scan)\(", source), "a Scan in the code"
    assert not re.search(r"\.(describe_table|create_table|delete_table|update_table)\(", source)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_stages_differ_only_in_their_names(function):
    dev = json.dumps(load_policy("dev", function)).replace("mlbridge-dev", "mlbridge-<stage>")
    prod = json.dumps(load_policy("prod", function)).replace("mlbridge-prod", "mlbridge-<stage>")
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


class StreamReads:
    """The IAM actions behind the calls that read the table's stream: what Lambda's event source
    mapping does with the stream function's role (scripts.local_stream does the same here)."""

    def __init__(self):
        self.actions: set[tuple[str, str]] = set()

    def __call__(self, model, **_kwargs):
        action = f"dynamodb:{model.name}"
        self.actions.add((action, "*" if action in ONLY_ON_EVERY_RESOURCE else "stream"))


@pytest.fixture
def ses(monkeypatch, backend):
    """SES v2 on moto, with the dev stage's sender and its verified domain; yields what was sent."""
    import boto3
    from moto import mock_aws
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from chalicelib.mail.transports import default_transport

    config = json.loads((CHALICE_DIR / "config.json").read_text())
    monkeypatch.setenv("MAIL_FROM", config["stages"]["dev"]["environment_variables"]["MAIL_FROM"])
    monkeypatch.delenv("MAIL_OUTBOX_DIR", raising=False)
    default_transport.cache_clear()
    with mock_aws():
        domain = stage_mail_from("dev").rpartition("@")[2]
        boto3.client("sesv2", region_name="us-east-1").create_email_identity(EmailIdentity=domain)
        yield ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    default_transport.cache_clear()


@pytest.mark.stream
def test_the_policies_cover_a_sign_in_by_email_each_function_its_own_part(api, ses):
    """The API writes the link and signs in with it; the stream function (fed by the stream reads
    Lambda would make) sends the emails through SES. Each side is checked against its own policy."""
    from email import policy as email_policy
    from email.parser import BytesParser

    from chalicelib.storage import db
    from scripts.local_stream import StreamReader
    from tests.conftest import Mailbox

    api_issued = IssuedActions()
    db.connection().client.meta.events.register("before-call.dynamodb", api_issued)
    mentee = factories.register_mentee(api)  # the verification email's link
    assert api.post("/auth/links", {"email": mentee.profile["email"]}).status_code == 202
    db.connection().client.meta.events.unregister("before-call.dynamodb", api_issued)
    assert list(ses) == [], "the API sent an email itself"

    settings = db.settings()
    reader = StreamReader(settings.table_name, endpoint=settings.endpoint, region=settings.region)
    stream_reads, stream_issued = StreamReads(), IssuedActions()
    reader.streams.meta.events.register("before-call.dynamodbstreams", stream_reads)
    db.connection().client.meta.events.register("before-call.dynamodb", stream_issued)
    assert reader.deliver() > 0
    db.connection().client.meta.events.unregister("before-call.dynamodb", stream_issued)
    assert reader.failures == []
    assert len(ses) == 2, "the verification email and the sign-in email"

    raw = next(sent.raw_data for sent in ses if "Subject: Sign in" in sent.raw_data)
    token, _code = Mailbox.link_and_code(BytesParser(policy=email_policy.default).parsebytes(raw.encode()))
    db.connection().client.meta.events.register("before-call.dynamodb", api_issued)
    assert api.post("/auth/sessions", {"token": token}).status_code == 201
    db.connection().client.meta.events.unregister("before-call.dynamodb", api_issued)

    assert {action for action, _kind in stream_reads.actions} >= {"dynamodb:GetShardIterator", "dynamodb:GetRecords"}
    for stage in STAGES:
        missing = {(a, kind) for a, kind in api_issued.actions if a not in granted(stage, kind)}
        assert missing == set(), f"policy-{stage}.json does not allow {sorted(missing)}"
        missing = {(a, kind) for a, kind in stream_reads.actions | stream_issued.actions
                   if a not in granted(stage, kind, "stream")}
        assert missing == set(), f"policy-{stage}-stream.json does not allow {sorted(missing)}"
    # Every email left from the address, and through the identity, the stream policy allows.
    (statement,) = ses_statements("dev", "stream")
    for sent in ses:
        sender = parseaddr(sent.source)[1]
        assert sender == statement["Condition"]["StringEquals"]["ses:FromAddress"]
        assert statement["Resource"] in (f"arn:aws:ses:*:*:identity/{sender}",
                                         f"arn:aws:ses:*:*:identity/{sender.rpartition('@')[2]}")


class SesCalls:
    """The IAM actions behind every call the mail transport's SES v2 client makes (SendEmail of
    SES v2 is authorized by ses:SendEmail)."""

    def __init__(self):
        self.actions: set[str] = set()

    def __call__(self, model, **_kwargs):
        self.actions.add(f"ses:{model.name}")


def _recipient(sent) -> str:
    from email import message_from_string

    return parseaddr(message_from_string(sent.raw_data)["To"])[1].lower()


def _verify(api, ses, *people) -> None:
    """Sign in with each person's verification email (sent through SES): notifications go only to
    verified addresses."""
    from email import policy as email_policy
    from email.parser import BytesParser

    from tests.conftest import Mailbox

    for person in people:
        raw = [sent.raw_data for sent in ses if _recipient(sent) == person.profile["email"].lower()
               and "Subject: Verify" in sent.raw_data][-1]
        token, _code = Mailbox.link_and_code(BytesParser(policy=email_policy.default).parsebytes(raw.encode()))
        assert api.post("/auth/sessions", {"token": token}).status_code == 201


def _missing(issued: set[tuple[str, str]], stage: str, function: str) -> set[tuple[str, str]]:
    return {(action, kind) for action, kind in issued if action not in granted(stage, kind, function)}


@pytest.mark.stream
def test_the_schedule_policy_covers_every_call_of_its_runs_and_the_stream_policy_a_failed_send(
        api, ses, monkeypatch):
    """The schedule function (chalicelib.services.schedule.run, as app.run_schedule calls it) on a
    reminder, an unread-messages email and an expiry, first with SES refusing to send (the sent
    markers are deleted again, the items stay due) and then accepting; then the stream function on
    the expiry's notifications with SES refusing. Each side's calls are checked against its own
    policy, and every email against its SES statement."""
    from datetime import timedelta

    import boto3

    from chalicelib import clock
    from chalicelib.mail.transports import default_transport
    from chalicelib.services import schedule
    from chalicelib.storage import db
    from scripts.local_stream import StreamReader

    monkeypatch.setenv("REQUEST_EXPIRY_MINUTES", str(5 * 24 * 60))
    settings = db.settings()
    reader = StreamReader(settings.table_name, endpoint=settings.endpoint, region=settings.region)
    sesv2 = boto3.client("sesv2", region_name="us-east-1")
    domain = stage_mail_from("dev").rpartition("@")[2]

    mentee, mentor = factories.register_mentee(api), factories.register_mentor(api)
    reader_mentee, writer = factories.register_mentee(api), factories.register_mentor(api)
    start = clock.now()
    reader.deliver()
    _verify(api, ses, mentee, mentor, reader_mentee, writer)
    # A pending request (the mentor's reminder at 3 days, the expiry at 5), and an accepted one
    # whose thread has messages its mentee has not read (the email after 15 quiet minutes).
    pending = api.post("/matches", {"mentor_id": mentor.id, "message": "Hello"}, token=mentee.token)
    assert pending.status_code == 201, pending.json
    accepted = api.post("/matches", {"mentor_id": writer.id, "message": "Hi"}, token=reader_mentee.token).json["match"]
    assert api.post(f"/matches/{accepted['id']}/accept", token=writer.token).status_code == 200
    thread = accepted["thread_id"]
    assert api.post(f"/threads/{thread}/messages", {"body": "Welcome"}, token=writer.token).status_code == 201
    reader.deliver()
    assert reader.failures == []

    issued, ses_calls = IssuedActions(), SesCalls()
    default_transport().client().meta.events.register("before-call.sesv2", ses_calls)
    db.connection().client.meta.events.register("before-call.dynamodb", issued)
    sent_before = len(ses)
    sesv2.delete_email_identity(EmailIdentity=domain)  # SES refuses: the markers are released
    refused = schedule.run(start + timedelta(days=3, minutes=1))
    assert refused == {"remind-failed": 1, "unread-failed": 1}, refused
    assert ("dynamodb:DeleteItem", "table") in issued.actions
    sesv2.create_email_identity(EmailIdentity=domain)
    assert schedule.run(start + timedelta(days=3, minutes=1)) == {"remind": 1, "unread": 1}
    assert schedule.run(start + timedelta(days=5, minutes=1)) == {"expire": 1}
    db.connection().client.meta.events.unregister("before-call.dynamodb", issued)
    assert len(ses) == sent_before + 2, "the reminder and the unread-messages email"

    # Every kind of call the schedule makes was seen: the due index, users, markers, transactions.
    assert {("dynamodb:Query", "index"), ("dynamodb:PutItem", "table"), ("dynamodb:UpdateItem", "table"),
            ("dynamodb:DeleteItem", "table")} <= issued.actions
    assert ses_calls.actions == {"ses:SendEmail"}
    for stage in STAGES:
        assert _missing(issued.actions, stage, "schedule") == set(), f"policy-{stage}-schedule.json"
        assert ses_calls.actions <= {a for s in ses_statements(stage, "schedule") for a in _as_list(s["Action"])}

    # The stream function on the expiry (both participants are told), with SES refusing: each
    # marker is deleted again so that Lambda's retry sends the email.
    stream_reads, stream_issued = StreamReads(), IssuedActions()
    reader.streams.meta.events.register("before-call.dynamodbstreams", stream_reads)
    db.connection().client.meta.events.register("before-call.dynamodb", stream_issued)
    sesv2.delete_email_identity(EmailIdentity=domain)
    assert reader.deliver() > 0
    db.connection().client.meta.events.unregister("before-call.dynamodb", stream_issued)
    assert reader.failures, "the refused sends were reported as failed records"
    assert ("dynamodb:DeleteItem", "table") in stream_issued.actions
    for stage in STAGES:
        missing = _missing(stream_reads.actions | stream_issued.actions, stage, "stream")
        assert missing == set(), f"policy-{stage}-stream.json does not allow {sorted(missing)}"

    (statement,) = ses_statements("dev", "schedule")
    assert list(ses)[sent_before:], "the schedule sent nothing"
    for sent in list(ses)[sent_before:]:
        sender = parseaddr(sent.source)[1]
        assert sender == statement["Condition"]["StringEquals"]["ses:FromAddress"]
        assert statement["Resource"] == f"arn:aws:ses:*:*:identity/{sender.rpartition('@')[2]}"
