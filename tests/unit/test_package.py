"""What gets deployed: `chalice package --merge-template infra/table.yaml` for each stage, then
`scripts.add_bytecode` (as `make package` does), gives a zip with byte code for every module and a
template that cfn-lint accepts, with the table (its indexes and its change stream) as
tables.table_definition() describes it, the three functions (the API, the stream function and the
schedule function) pointed at it by Ref and given the sign-in key from a NoEcho parameter, the
stream function's event source on the table's stream with a failure queue, and each function's
hand-written policy. Also the stage settings: time-outs that fail a request well before API Gateway
gives up (29 s), and a schedule run that ends before the next one starts."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from chalicelib.config import Settings
from chalicelib.links import MIN_KEY_LENGTH
from chalicelib.storage.tables import TTL_ATTRIBUTE, table_definition
from scripts.add_bytecode import add_bytecode, bytecode_name

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STAGES = ("dev", "prod")
API_GATEWAY_TIMEOUT_SECONDS = 29
# The stream function: its name in app.py and .chalice/config.json, its resource in the template.
STREAM_FUNCTION = "on_table_change"
STREAM_RESOURCE = "OnTableChange"
STREAM_EVENT = "OnTableChangeDynamodbEventSource"
# The schedule function: its name in app.py and .chalice/config.json, its resource and event.
SCHEDULE_FUNCTION = "run_schedule"
SCHEDULE_RESOURCE = "RunSchedule"
SCHEDULE_EVENT = "RunScheduleEvent"
SCHEDULE_RATE = "rate(15 minutes)"
SCHEDULE_INTERVAL_SECONDS = 15 * 60
# SQS keeps a message at most 14 days.
FOURTEEN_DAYS = 14 * 24 * 3600


def chalice_config() -> dict:
    return json.loads((ROOT / ".chalice" / "config.json").read_text())


def stage_config(stage: str) -> dict:
    return chalice_config()["stages"][stage]


def stream_function_config(stage: str) -> dict:
    return stage_config(stage)["lambda_functions"][STREAM_FUNCTION]


def schedule_function_config(stage: str) -> dict:
    return stage_config(stage)["lambda_functions"][SCHEDULE_FUNCTION]


def policy(stage: str, suffix: str = "") -> dict:
    return json.loads((ROOT / ".chalice" / f"policy-{stage}{suffix}.json").read_text())


@pytest.fixture(scope="module")
def packaged(tmp_path_factory) -> dict[str, Path]:
    """out/<stage>/ for every deployed stage, made exactly as `make package STAGE=<stage>` does."""
    out = tmp_path_factory.mktemp("package")
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    env.pop("AWS_PROFILE", None)
    folders = {}
    for stage in STAGES:
        folder = out / stage
        result = subprocess.run(
            [str(BIN / "chalice"), "package", "--stage", stage, "--merge-template", "infra/table.yaml", str(folder)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        result = subprocess.run([sys.executable, "-m", "scripts.add_bytecode", str(folder)],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        folders[stage] = folder
    return folders


def template(packaged, stage: str) -> dict:
    return yaml.safe_load((packaged[stage] / "sam.yaml").read_text())


def test_cfn_lint_finds_nothing_in_the_packaged_templates(packaged):
    templates = [str(packaged[stage] / "sam.yaml") for stage in STAGES]
    result = subprocess.run([str(BIN / "cfn-lint"), *templates], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("stage", STAGES)
def test_the_function_gets_the_table_by_ref_and_its_stage_settings(packaged, stage):
    resources = template(packaged, stage)["Resources"]
    function = resources["APIHandler"]["Properties"]
    variables = function["Environment"]["Variables"]
    assert variables["TABLE_NAME"] == {"Ref": "Table"}
    assert variables["SIGNIN_KEY"] == {"Ref": "SignInKey"}
    assert function["FunctionName"] == {"Fn::Sub": "mlbridge-${Stage}"}
    assert function["MemorySize"] == stage_config(stage)["lambda_memory_size"]
    assert function["Timeout"] == stage_config(stage)["lambda_timeout"]
    assert resources["FunctionLogGroup"]["Properties"]["LogGroupName"] == {"Fn::Sub": "/aws/lambda/mlbridge-${Stage}"}


@pytest.mark.parametrize("stage", STAGES)
def test_the_stream_function_reads_the_table_stream_and_reports_failed_records(packaged, stage):
    resources = template(packaged, stage)["Resources"]
    function = resources[STREAM_RESOURCE]
    assert function["Type"] == "AWS::Serverless::Function"
    assert function["Properties"]["Handler"] == f"app.{STREAM_FUNCTION}"
    (name,) = function["Properties"]["Events"]
    assert name == STREAM_EVENT
    event = function["Properties"]["Events"][STREAM_EVENT]
    assert event["Type"] == "DynamoDB"
    source = event["Properties"]
    # The stack's own table stream, not app.py's placeholder ARN.
    assert source["Stream"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    assert "placeholder" not in (packaged[stage] / "sam.yaml").read_text()
    # Powertools' partial batch response ({"batchItemFailures": [...]}) is honoured only with this.
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["BisectBatchOnFunctionError"] is True
    # A record that keeps failing is retried a few times, not until it leaves the stream (24 h).
    assert 1 <= source["MaximumRetryAttempts"] <= 10
    assert source["StartingPosition"] == "TRIM_HORIZON"
    assert 1 <= source["BatchSize"] <= 100
    # What it gives up on is reported to the stack's failure queue. "Type" is SAM's own (SAM drops
    # it from the event source mapping; it adds no policy to a role it did not make).
    assert source["DestinationConfig"] == {
        "OnFailure": {"Type": "SQS", "Destination": {"Fn::GetAtt": ["StreamFailures", "Arn"]}}
    }


@pytest.mark.parametrize("stage", STAGES)
def test_the_failure_queue_keeps_reports_14_days_encrypted_and_the_stream_policy_may_send_to_it(packaged, stage):
    packaged_template = template(packaged, stage)
    queue = packaged_template["Resources"]["StreamFailures"]
    assert queue["Type"] == "AWS::SQS::Queue"
    properties = queue["Properties"]
    assert properties["QueueName"] == {"Fn::Sub": "mlbridge-${Stage}-stream-failures"}
    assert properties["MessageRetentionPeriod"] == FOURTEEN_DAYS
    # Encrypted at rest with SQS's own keys: Lambda needs no KMS permission to send to it.
    assert properties["SqsManagedSseEnabled"] is True
    assert "KmsMasterKeyId" not in properties
    # A standard queue: Lambda's on-failure destination cannot be a FIFO queue.
    assert not properties.get("FifoQueue", False)
    name = properties["QueueName"]["Fn::Sub"].replace("${Stage}", stage)
    sends = [(statement["Action"], statement["Resource"]) for statement in policy(stage, "-stream")["Statement"]
             if any(action.startswith("sqs:") for action in statement["Action"])]
    assert sends == [(["sqs:SendMessage"], f"arn:aws:sqs:*:*:{name}")]
    assert packaged_template["Outputs"]["StreamFailuresQueueUrl"]["Value"] == {"Ref": "StreamFailures"}


@pytest.mark.parametrize("stage", STAGES)
def test_the_schedule_function_runs_every_15_minutes_with_its_name_log_group_table_and_settings(packaged, stage):
    resources = template(packaged, stage)["Resources"]
    function = resources[SCHEDULE_RESOURCE]
    assert function["Type"] == "AWS::Serverless::Function"
    properties = function["Properties"]
    assert properties["Handler"] == f"app.{SCHEDULE_FUNCTION}"
    assert properties["Events"] == {SCHEDULE_EVENT: {"Type": "Schedule", "Properties": {"Schedule": SCHEDULE_RATE}}}
    assert properties["FunctionName"] == {"Fn::Sub": "mlbridge-${Stage}-schedule"}
    variables = properties["Environment"]["Variables"]
    assert variables["TABLE_NAME"] == {"Ref": "Table"}
    # The unsubscribe links of its emails are derived from the sign-in key.
    assert variables["SIGNIN_KEY"] == {"Ref": "SignInKey"}
    assert variables["MAIL_FROM"] == stage_config(stage)["environment_variables"]["MAIL_FROM"]
    assert properties["MemorySize"] == schedule_function_config(stage)["lambda_memory_size"]
    assert properties["Timeout"] == schedule_function_config(stage)["lambda_timeout"]
    log_group = resources["ScheduleFunctionLogGroup"]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["LogGroupName"] == {"Fn::Sub": "/aws/lambda/mlbridge-${Stage}-schedule"}
    retention = log_group["Properties"]["RetentionInDays"]
    assert retention == resources["FunctionLogGroup"]["Properties"]["RetentionInDays"]


@pytest.mark.parametrize("stage", STAGES)
def test_the_stream_function_has_its_name_log_group_table_and_settings(packaged, stage):
    resources = template(packaged, stage)["Resources"]
    function = resources[STREAM_RESOURCE]["Properties"]
    assert function["FunctionName"] == {"Fn::Sub": "mlbridge-${Stage}-stream"}
    variables = function["Environment"]["Variables"]
    assert variables["TABLE_NAME"] == {"Ref": "Table"}
    assert variables["SIGNIN_KEY"] == {"Ref": "SignInKey"}
    assert function["MemorySize"] == stream_function_config(stage)["lambda_memory_size"]
    assert function["Timeout"] == stream_function_config(stage)["lambda_timeout"]
    log_group = resources["StreamFunctionLogGroup"]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["LogGroupName"] == {"Fn::Sub": "/aws/lambda/mlbridge-${Stage}-stream"}
    # The same retention as the API's log group.
    retention = log_group["Properties"]["RetentionInDays"]
    assert retention == resources["FunctionLogGroup"]["Properties"]["RetentionInDays"]


@pytest.mark.parametrize("stage", STAGES)
def test_each_function_logs_where_its_policy_allows(packaged, stage):
    """The function name (as CloudFormation resolves it for the stage) names the log group the
    template creates, and the log group is the one the function's policy may write to."""
    resources = template(packaged, stage)["Resources"]
    for resource, log_group, suffix in (("APIHandler", "FunctionLogGroup", ""),
                                        (STREAM_RESOURCE, "StreamFunctionLogGroup", "-stream"),
                                        (SCHEDULE_RESOURCE, "ScheduleFunctionLogGroup", "-schedule")):
        name = resources[resource]["Properties"]["FunctionName"]["Fn::Sub"].replace("${Stage}", stage)
        group = resources[log_group]["Properties"]["LogGroupName"]["Fn::Sub"].replace("${Stage}", stage)
        assert group == f"/aws/lambda/{name}"
        log_resources = {
            resource_arn
            for statement in policy(stage, suffix)["Statement"]
            if any(action.startswith("logs:") for action in statement["Action"])
            for resource_arn in statement["Resource"]
        }
        assert log_resources == {f"arn:aws:logs:*:*:log-group:{group}", f"arn:aws:logs:*:*:log-group:{group}:*"}


@pytest.mark.parametrize("stage", STAGES)
def test_each_function_role_carries_exactly_its_hand_written_policy(packaged, stage):
    resources = template(packaged, stage)["Resources"]
    roles = {name: r for name, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
    assert set(roles) == {"ApiHandlerRole", "OnTableChangeRole", "RunScheduleRole"}
    for function, role, suffix in (("APIHandler", "ApiHandlerRole", ""),
                                   (STREAM_RESOURCE, "OnTableChangeRole", "-stream"),
                                   (SCHEDULE_RESOURCE, "RunScheduleRole", "-schedule")):
        assert resources[function]["Properties"]["Role"] == {"Fn::GetAtt": [role, "Arn"]}
        policies = roles[role]["Properties"]["Policies"]
        assert len(policies) == 1
        assert policies[0]["PolicyDocument"] == policy(stage, suffix)
        assert "ManagedPolicyArns" not in roles[role]["Properties"]


@pytest.mark.parametrize("stage", STAGES)
def test_every_function_gets_the_sign_in_key_from_a_no_echo_parameter(packaged, stage):
    packaged_template = template(packaged, stage)
    parameter = packaged_template["Parameters"]["SignInKey"]
    assert parameter["Type"] == "String"
    assert parameter["NoEcho"] is True
    assert parameter["MinLength"] >= MIN_KEY_LENGTH
    assert "Default" not in parameter, "each stack gets its own key"
    functions = {name: r for name, r in packaged_template["Resources"].items()
                 if r["Type"] == "AWS::Serverless::Function"}
    assert set(functions) == {"APIHandler", STREAM_RESOURCE, SCHEDULE_RESOURCE}
    for function in functions.values():
        assert function["Properties"]["Environment"]["Variables"]["SIGNIN_KEY"] == {"Ref": "SignInKey"}
    # NoEcho hides the value only where CloudFormation shows parameters: never in an output.
    assert "SignInKey" not in json.dumps(packaged_template.get("Outputs", {}))
    # Never a literal key in the configuration either.
    assert "SIGNIN_KEY" not in json.dumps(chalice_config())


def test_the_table_is_the_one_the_code_creates_locally(packaged):
    table = template(packaged, "prod")["Resources"]["Table"]
    properties = table["Properties"]
    local = table_definition("mlbridge-prod")
    for key in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode"):
        assert properties[key] == local[key], key
    # Both indexes: the inbox (gsi1) and the due index the schedule reads (gsi2), keyed by
    # attributes the definitions declare.
    indexes = {index["IndexName"]: index for index in properties["GlobalSecondaryIndexes"]}
    assert set(indexes) == {"gsi1", "gsi2"}
    assert indexes["gsi2"]["KeySchema"] == [{"AttributeName": "gsi2pk", "KeyType": "HASH"},
                                            {"AttributeName": "gsi2sk", "KeyType": "RANGE"}]
    assert indexes["gsi2"]["Projection"] == {"ProjectionType": "ALL"}
    declared = {a["AttributeName"]: a["AttributeType"] for a in properties["AttributeDefinitions"]}
    keyed = {e["AttributeName"] for i in [properties, *indexes.values()] for e in i["KeySchema"]}
    assert set(declared) == keyed and set(declared.values()) == {"S"}
    # Both stages' templates hold the same table.
    assert template(packaged, "dev")["Resources"]["Table"]["Properties"]["GlobalSecondaryIndexes"] == \
        properties["GlobalSecondaryIndexes"]
    # The change stream the stream function reads (CloudFormation has no StreamEnabled: the
    # specification alone turns it on).
    assert local["StreamSpecification"]["StreamEnabled"] is True
    assert properties["StreamSpecification"] == {"StreamViewType": local["StreamSpecification"]["StreamViewType"]}
    assert properties["TableName"] == {"Fn::Sub": "mlbridge-${Stage}"}
    assert properties["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"]["SSEEnabled"] is True
    # Deletion protection everywhere but dev; the data survives a deleted or replaced stack.
    assert properties["DeletionProtectionEnabled"] == {"Fn::If": ["IsDev", False, True]}
    assert template(packaged, "prod")["Conditions"]["IsDev"] == {"Fn::Equals": [{"Ref": "Stage"}, "dev"]}
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"


@pytest.mark.parametrize("stage", STAGES)
def test_the_api_stage_is_throttled_so_a_flood_gets_429s(packaged, stage):
    api = template(packaged, stage)["Resources"]["RestAPI"]
    assert api["Type"] == "AWS::Serverless::Api"
    (settings,) = api["Properties"]["MethodSettings"]
    assert (settings["ResourcePath"], settings["HttpMethod"]) == ("/*", "*")
    rate, burst = settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]
    # Both stages' values sit in the template, chosen by the Stage parameter.
    assert rate["Fn::If"][0] == burst["Fn::If"][0] == "IsDev"
    for dev, prod in (rate["Fn::If"][1:], burst["Fn::If"][1:]):
        assert 0 < dev < prod
    assert all(b >= r for r, b in zip(rate["Fn::If"][1:], burst["Fn::If"][1:]))


def test_the_stage_parameter_names_the_table_the_policy_allows(packaged):
    for stage in STAGES:
        parameter = template(packaged, stage)["Parameters"]["Stage"]
        assert set(parameter["AllowedValues"]) == set(STAGES)
        assert "Default" not in parameter, "the stage must be chosen explicitly at deploy time"
        assert set(template(packaged, stage)["Parameters"]) == {"Stage", "SignInKey"}


def test_the_zip_holds_the_app_and_its_runtime_dependencies_only(packaged):
    names = set(zipfile.ZipFile(packaged["dev"] / "deployment.zip").namelist())
    assert {"app.py", "chalicelib/openapi.py", "chalicelib/web/index.html"} <= names
    assert any(name.startswith("pynamodb/") for name in names)
    assert any(name.startswith("pydantic_core/") for name in names)
    assert not any(name.startswith(("tests/", "infra/", "scripts/", "node_modules/", ".chalice/")) for name in names)


@pytest.mark.parametrize("stage", STAGES)
def test_deployed_stages_use_their_own_policy_and_table(stage):
    config = stage_config(stage)
    assert config["autogen_policy"] is False
    assert config["iam_policy_file"] == f"policy-{stage}.json"
    assert (ROOT / ".chalice" / config["iam_policy_file"]).is_file()
    assert config["environment_variables"]["TABLE_NAME"] == f"mlbridge-{stage}"
    stream = stream_function_config(stage)
    assert stream["iam_policy_file"] == f"policy-{stage}-stream.json"
    assert (ROOT / ".chalice" / stream["iam_policy_file"]).is_file()
    schedule = schedule_function_config(stage)
    assert schedule["iam_policy_file"] == f"policy-{stage}-schedule.json"
    assert (ROOT / ".chalice" / schedule["iam_policy_file"]).is_file()
    # No settings of its own outside the stream and schedule functions: the API takes the stage's.
    assert set(config["lambda_functions"]) == {STREAM_FUNCTION, SCHEDULE_FUNCTION}


@pytest.mark.parametrize("stage", STAGES)
def test_the_stream_function_has_room_for_a_batch(stage):
    """A stream batch is not bound by API Gateway's 29 s: a minute for up to 25 emails, and a
    modest amount of memory (it renders and sends mail, nothing heavier)."""
    stream = stream_function_config(stage)
    assert 256 <= stream["lambda_memory_size"] <= 512
    assert 30 <= stream["lambda_timeout"] <= 120


@pytest.mark.parametrize("stage", STAGES)
def test_a_schedule_run_has_room_and_ends_before_the_next_one(stage):
    """A run works through up to 200 due items per shard, each a few calls and maybe an email:
    minutes, not seconds; it must end before the next run starts 15 minutes later (two runs at
    once are safe, but need not happen). Modest memory: it renders mail, nothing heavier."""
    schedule = schedule_function_config(stage)
    assert 256 <= schedule["lambda_memory_size"] <= 512
    assert 120 <= schedule["lambda_timeout"] < SCHEDULE_INTERVAL_SECONDS


def worst_case_seconds(settings: Settings) -> float:
    """How long one DynamoDB call can take before it gives up: every attempt waits the connect
    and read time-outs, and botocore's standard retry mode backs off at most 1, 2, 4... s."""
    attempts = 1 + settings.max_retry_attempts
    backoff = sum(2**retry for retry in range(settings.max_retry_attempts))
    return attempts * (settings.connect_timeout_seconds + settings.read_timeout_seconds) + backoff


@pytest.mark.parametrize("stage", STAGES)
def test_a_dead_database_is_a_503_well_before_api_gateway_gives_up(stage):
    config = stage_config(stage)
    environment = {**chalice_config().get("environment_variables", {}), **config["environment_variables"]}
    settings = Settings.from_env(environment)
    worst = worst_case_seconds(settings)
    # The function must live long enough to answer 503, and end before API Gateway's 29 s.
    assert worst + 3 <= config["lambda_timeout"] < API_GATEWAY_TIMEOUT_SECONDS - 3, (worst, config["lambda_timeout"])
    assert 512 <= config["lambda_memory_size"] <= 3008


def test_the_local_stage_takes_the_table_from_the_environment():
    # `make run` and the test fixtures choose the table (TABLE_NAME); the stage must not override it.
    assert "TABLE_NAME" not in stage_config("local").get("environment_variables", {})
    assert "TABLE_NAME" not in chalice_config().get("environment_variables", {})


def test_every_module_in_the_zip_comes_with_byte_code_for_the_runtime(packaged):
    with zipfile.ZipFile(packaged["prod"] / "deployment.zip") as archive:
        names = set(archive.namelist())
        sources = [name for name in names if name.endswith(".py")]
        assert "chalicelib/http.py" in sources and any(name.startswith("botocore/") for name in sources)
        assert [source for source in sources if bytecode_name(source) not in names] == []
        header = archive.read(bytecode_name("chalicelib/http.py"))[:8]
    # The runtime's magic number, then the flags of a hash-based .pyc whose source is not checked.
    assert header[:4] == importlib.util.MAGIC_NUMBER
    assert int.from_bytes(header[4:8], "little") == 0b01


def test_the_app_imports_from_the_zips_byte_code_alone_without_writing_anything(packaged, tmp_path):
    with zipfile.ZipFile(packaged["dev"] / "deployment.zip") as archive:
        archive.extractall(tmp_path)
    # Sources that cannot be imported: the app's modules can only come from the byte code beside
    # them, which the interpreter must find under the name it looks for and take without checking.
    for source in [tmp_path / "app.py", *(tmp_path / "chalicelib").rglob("*.py")]:
        source.write_text('raise ImportError("compiled from source")\n')
    before = sorted(tmp_path.rglob("*"))
    # -I: no site-packages, no PYTHON* variables; -B: no byte code written (/var/task is read-only).
    script = "import sys; sys.path.insert(0, sys.argv[1]); import app; print(app.app.app_name)"
    result = subprocess.run([sys.executable, "-I", "-B", "-c", script, str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "mlbridge"
    assert sorted(tmp_path.rglob("*")) == before


# Lambda's limit on a function's unzipped code (with its layers).
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


def test_the_zip_fits_lambda_with_the_solver_and_without_its_dependencies_tests(packaged):
    with zipfile.ZipFile(packaged["prod"] / "deployment.zip") as archive:
        infos = archive.infolist()
    names = {info.filename for info in infos}
    assert "scipy/optimize/__init__.py" in names and "numpy/__init__.py" in names
    assert not [name for name in names if name.startswith(("numpy/", "scipy/")) and "/tests/test_" in name]
    assert sum(info.file_size for info in infos) < LAMBDA_UNZIPPED_LIMIT


def test_the_solver_runs_from_the_zip_alone(packaged, tmp_path):
    with zipfile.ZipFile(packaged["dev"] / "deployment.zip") as archive:
        archive.extractall(tmp_path)
    script = ("import sys; sys.path.insert(0, sys.argv[1]); from chalicelib import cohort; "
              "print(cohort.solve([cohort.Candidate('a', 'm', 90, True), cohort.Candidate('b', 'm', 95, False)], {'m': 1}))")
    result = subprocess.run([sys.executable, "-I", "-B", "-c", script, str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Assignment(mentee_id='a', mentor_id='m', score=90, on_target=True)" in result.stdout


def test_byte_code_is_refused_for_another_runtime_version(tmp_path):
    (tmp_path / "sam.yaml").write_text("Resources:\n  APIHandler:\n    Properties:\n      Runtime: python3.9\n")
    with zipfile.ZipFile(tmp_path / "deployment.zip", "w") as archive:
        archive.writestr("app.py", "x = 1\n")
    with pytest.raises(SystemExit, match="python3.9"):
        add_bytecode(tmp_path)


def test_byte_code_from_the_working_tree_is_replaced(tmp_path):
    runtime = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    (tmp_path / "sam.yaml").write_text(f"Resources:\n  APIHandler:\n    Properties:\n      Runtime: {runtime}\n")
    stale = bytecode_name("chalicelib/x.py")
    with zipfile.ZipFile(tmp_path / "deployment.zip", "w") as archive:
        archive.writestr("chalicelib/x.py", "x = 1\n")
        archive.writestr(stale, b"stale byte code")
        archive.writestr("chalicelib/__pycache__/gone.cpython-311.pyc", b"of a deleted module")
    assert add_bytecode(tmp_path) == 1
    with zipfile.ZipFile(tmp_path / "deployment.zip") as archive:
        assert sorted(archive.namelist()) == sorted(["chalicelib/x.py", stale])
        assert archive.read(stale)[:4] == importlib.util.MAGIC_NUMBER
