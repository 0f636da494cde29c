"""What gets deployed: `chalice package --merge-template infra/table.yaml` for each stage, then
`scripts.add_bytecode` (as `make package` does), gives a zip with byte code for every module and a
template that cfn-lint accepts, with the table as tables.table_definition() describes it, the
function pointed at it by Ref, and the stage's hand-written policy. Also the stage settings:
time-outs that fail a request well before API Gateway gives up (29 s)."""

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
from chalicelib.storage.tables import TTL_ATTRIBUTE, table_definition
from scripts.add_bytecode import add_bytecode, bytecode_name

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STAGES = ("dev", "prod")
API_GATEWAY_TIMEOUT_SECONDS = 29


def chalice_config() -> dict:
    return json.loads((ROOT / ".chalice" / "config.json").read_text())


def stage_config(stage: str) -> dict:
    return chalice_config()["stages"][stage]


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
    assert function["FunctionName"] == {"Fn::Sub": "mlbridge-${Stage}"}
    assert function["MemorySize"] == stage_config(stage)["lambda_memory_size"]
    assert function["Timeout"] == stage_config(stage)["lambda_timeout"]
    assert resources["FunctionLogGroup"]["Properties"]["LogGroupName"] == {"Fn::Sub": "/aws/lambda/mlbridge-${Stage}"}


@pytest.mark.parametrize("stage", STAGES)
def test_the_function_role_carries_exactly_the_hand_written_policy(packaged, stage):
    resources = template(packaged, stage)["Resources"]
    roles = [r for r in resources.values() if r["Type"] == "AWS::IAM::Role"]
    assert len(roles) == 1
    policies = roles[0]["Properties"]["Policies"]
    assert len(policies) == 1
    assert policies[0]["PolicyDocument"] == json.loads((ROOT / ".chalice" / f"policy-{stage}.json").read_text())


def test_the_table_is_the_one_the_code_creates_locally(packaged):
    table = template(packaged, "prod")["Resources"]["Table"]
    properties = table["Properties"]
    local = table_definition("mlbridge-prod")
    for key in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode"):
        assert properties[key] == local[key], key
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
