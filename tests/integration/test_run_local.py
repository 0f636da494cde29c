"""`make run`'s stack: it answers, stops on Ctrl-C, and keeps users and tokens across restarts."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import requests

from scripts.local_stack import REPO_ROOT, free_port
from tests.factories import mentor_body

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="DynamoDB Local needs Java")


def _start(env):
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.run_local"], cwd=REPO_ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{env['PORT']}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"run_local exited early:\n{process.stdout.read()}")
        try:
            if requests.get(base_url + "/vocabulary", timeout=2).status_code == 200:
                return process, base_url
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    os.killpg(process.pid, signal.SIGKILL)
    pytest.fail("run_local did not answer in time")


def _interrupt(process):
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends to the foreground process group
    assert process.wait(timeout=30) == 0


def test_users_and_tokens_survive_a_restart(tmp_path):
    env = {
        **os.environ,
        "PORT": str(free_port()),
        "DB_PORT": str(free_port()),
        "DATA_DIR": str(tmp_path / "data"),
        "TABLE_NAME": "mlbridge-local",
    }
    env.pop("DYNAMODB_ENDPOINT", None)
    process, base_url = _start(env)
    try:
        response = requests.post(base_url + "/users", json=mentor_body(), timeout=10)
        assert response.status_code == 201
        token = response.json()["token"]
    finally:
        _interrupt(process)
    with pytest.raises(requests.ConnectionError):
        requests.get(base_url + "/vocabulary", timeout=2)

    process, base_url = _start(env)
    try:
        me = requests.get(base_url + "/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert me.status_code == 200 and me.json()["name"].startswith("Mentor")
    finally:
        _interrupt(process)
