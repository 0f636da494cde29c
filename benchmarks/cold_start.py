"""Cold start: what a fresh Python interpreter pays before and at its first request.

    .venv/bin/python -m benchmarks.cold_start [--rounds 20] [--json]

Each round starts three fresh interpreters, interleaved so that a slow moment of the machine hits
all three alike:
- `import app`, timed inside the interpreter;
- `import chalice, pynamodb.models, pydantic` (the app's unavoidable dependencies), timed the same;
- `import app`, then the first request, GET /users/me with a valid token through
  `chalice.test.Client` against DynamoDB Local (creating the botocore client included).
Budget: the median import of `app` at most 15 % above the median import of the dependencies.
Both load from byte code: the app's is written before the first round (`_compile_app`).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks import common

REPO_ROOT = Path(__file__).resolve().parent.parent
IMPORT_BUDGET = 1.15
DEPENDENCIES = "chalice, pynamodb.models, pydantic"

_IMPORT = """
import time
started = time.perf_counter()
import {modules}
print(time.perf_counter() - started)
"""

_FIRST_REQUEST = """
import json, os, sys, time
started = time.perf_counter()
import app
imported = time.perf_counter()
from chalice.test import Client
with Client(app.app, stage_name="local") as client:
    before = time.perf_counter()
    response = client.http.get("/users/me", headers={"Authorization": "Bearer " + os.environ["BENCH_TOKEN"]})
    after = time.perf_counter()
assert response.status_code == 200, response.body
print(json.dumps({"import": imported - started, "request": after - before, "total": after - started}))
"""


def _python(code: str, env: dict | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"fresh interpreter failed: {result.stderr[-2000:]}")
    return result.stdout.strip().splitlines()[-1]


def _compile_app() -> None:
    """Write the app's byte code once, so that no round pays for compiling it: the dependencies
    load from the byte code pip wrote when installing them. (Importing the app once would not do
    where PYTHONDONTWRITEBYTECODE is set: then every round compiled the app's modules again.)"""
    compileall.compile_file(str(REPO_ROOT / "app.py"), quiet=1)
    compileall.compile_dir(str(REPO_ROOT / "chalicelib"), quiet=1)


def _register(settings) -> str:
    from tests.factories import mentee_body

    with common.app_client() as client:
        status, body = client.request("POST", "/users", mentee_body(email="cold-start@example.com"))
    if status != 201:
        raise RuntimeError(f"registering: HTTP {status} {body}")
    return body["token"]


def run(rounds: int = 20, endpoint: str | None = None) -> list[dict]:
    app_imports, dependency_imports, firsts = [], [], []
    with common.local_dynamodb(endpoint) as url:
        settings = common.fresh_table(url, "cold-start")
        try:
            token = _register(settings)
        finally:
            common.restore_default_settings()
        env = {"DYNAMODB_ENDPOINT": url, "TABLE_NAME": settings.table_name, "BENCH_TOKEN": token,
               "AWS_DEFAULT_REGION": settings.region, "LOG_LEVEL": "WARNING"}
        _compile_app()
        for _ in range(rounds):
            app_imports.append(float(_python(_IMPORT.format(modules="app"))))
            dependency_imports.append(float(_python(_IMPORT.format(modules=DEPENDENCIES))))
            firsts.append(json.loads(_python(_FIRST_REQUEST, env)))
    app_ms = common.ms(common.median(app_imports))
    deps_ms = common.ms(common.median(dependency_imports))
    ratio = round(app_ms / deps_ms, 3)
    first_request_ms = common.ms(common.median(f["request"] for f in firsts))
    return [
        common.row("cold start", "import app", samples=rounds, p50_ms=app_ms,
                   p95_ms=common.ms(common.percentile(app_imports, 0.95)),
                   ratio_to_dependencies=ratio, budget_ratio=IMPORT_BUDGET, within_budget=ratio <= IMPORT_BUDGET),
        common.row("cold start", f"import {DEPENDENCIES}", samples=rounds, p50_ms=deps_ms,
                   p95_ms=common.ms(common.percentile(dependency_imports, 0.95))),
        common.row("cold start", "first request: GET /users/me (after import)", samples=rounds,
                   p50_ms=first_request_ms, p95_ms=common.ms(common.percentile([f["request"] for f in firsts], 0.95)),
                   dynamodb_calls=1, import_and_request_p50_ms=common.ms(common.median(f["total"] for f in firsts))),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cold_start", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--endpoint", help="an already running DynamoDB endpoint (default: start DynamoDB Local)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = run(args.rounds, args.endpoint)
    print(json.dumps(rows, indent=None if not args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
