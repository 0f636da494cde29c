"""`make run`'s stack: it answers, stops on Ctrl-C, keeps users and tokens across restarts, and
its change stream worker writes each email once into DATA_DIR/outbox."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from email import policy as email_policy
from email.parser import BytesParser

import pytest
import requests

from scripts.local_stack import REPO_ROOT, free_port
from tests.conftest import Mailbox
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
    env.pop("SIGNIN_KEY", None)  # make run keeps its own in DATA_DIR
    outbox = tmp_path / "data" / "outbox"
    process, base_url = _start(env)
    try:
        body = mentor_body()
        response = requests.post(base_url + "/users", json=body, timeout=10)
        assert response.status_code == 201
        token = response.json()["token"]
        verification = _wait_for_mail(outbox, 1)[0]
    finally:
        _interrupt(process)
    with pytest.raises(requests.ConnectionError):
        requests.get(base_url + "/vocabulary", timeout=2)

    process, base_url = _start(env)
    try:
        me = requests.get(base_url + "/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert me.status_code == 200 and me.json()["name"].startswith("Mentor")
        # The email sent before the restart still signs in (the key is kept in DATA_DIR) ...
        _, code = Mailbox.link_and_code(verification)
        signed_in = requests.post(base_url + "/auth/sessions", json={"email": body["email"], "code": code}, timeout=10)
        assert signed_in.status_code == 201, signed_in.text
        # ... and the restarted stream worker sent nothing again.
        assert requests.post(base_url + "/auth/links", json={"email": body["email"]}, timeout=10).status_code == 202
        mails = _wait_for_mail(outbox, 2)
        assert [m["Subject"] for m in mails] == ["Verify your email for mlbridge", "Sign in to mlbridge"]
        assert f"http://localhost:{env['PORT']}/#/signin?token=" in mails[1].get_body(("plain",)).get_content()
    finally:
        _interrupt(process)


def _wait_for_mail(outbox, count, timeout=20):
    from email import policy
    from email.parser import BytesParser

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(outbox.glob("*.eml")) if outbox.is_dir() else []
        if len(files) >= count:
            time.sleep(1)  # nothing more should arrive
            files = sorted(outbox.glob("*.eml"))
            assert len(files) == count, [f.name for f in files]
            return [BytesParser(policy=policy.default).parsebytes(f.read_bytes()) for f in files]
        time.sleep(0.2)
    pytest.fail(f"{count} email(s) expected in {outbox}, found {len(files)}")


def test_a_request_produces_the_mentors_email_in_the_outbox_and_expiry_runs_on_schedule(tmp_path):
    """What the README shows: under make run the stream and the schedule run on this machine."""
    from tests.factories import mentee_body

    env = {
        **os.environ,
        "PORT": str(free_port()),
        "DB_PORT": str(free_port()),
        "DATA_DIR": str(tmp_path / "data"),
        "SCHEDULE_SECONDS": "1",
        "REQUEST_EXPIRY_MINUTES": "0",
    }
    env.pop("DYNAMODB_ENDPOINT", None)
    outbox = tmp_path / "data" / "outbox"
    process, base_url = _start(env)
    try:
        mentor = mentor_body()
        registered = requests.post(base_url + "/users", json=mentor, timeout=10).json()
        _, code = Mailbox.link_and_code(_wait_for_mail(outbox, 1)[0])
        assert requests.post(base_url + "/auth/sessions", json={"email": mentor["email"], "code": code},
                             timeout=10).status_code == 201
        mentee = requests.post(base_url + "/users", json=mentee_body(), timeout=10).json()
        response = requests.post(base_url + "/matches", json={"mentor_id": registered["user"]["id"], "message": "Hi!"},
                                 headers={"Authorization": f"Bearer {mentee['token']}"}, timeout=10)
        assert response.status_code == 201
        match_id = response.json()["match"]["id"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            subjects = [BytesParser(policy=email_policy.default).parse(f.open("rb"))["Subject"]
                        for f in sorted(outbox.glob("*.eml"))]
            if any("asks you to be their mentor" in s for s in subjects):
                break
            time.sleep(0.3)
        assert any("asks you to be their mentor" in s for s in subjects), subjects
        # REQUEST_EXPIRY_MINUTES=0: the next scheduled run expires the request.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            match = requests.get(f"{base_url}/matches/{match_id}", timeout=10,
                                 headers={"Authorization": f"Bearer {mentee['token']}"}).json()["match"]
            if match["status"] == "expired":
                break
            time.sleep(0.5)
        assert match["status"] == "expired" and match["closed_by"] == "system"
    finally:
        _interrupt(process)


def test_an_accept_produces_the_mentees_email_in_the_outbox(tmp_path):
    from tests.factories import mentee_body

    env = {**os.environ, "PORT": str(free_port()), "DB_PORT": str(free_port()), "DATA_DIR": str(tmp_path / "data")}
    env.pop("DYNAMODB_ENDPOINT", None)
    outbox = tmp_path / "data" / "outbox"
    process, base_url = _start(env)
    try:
        people = []
        for body in (mentor_body(), mentee_body()):
            registered = requests.post(base_url + "/users", json=body, timeout=10).json()
            _, code = Mailbox.link_and_code(_wait_for_mail(outbox, len(people) + 1)[-1])
            assert requests.post(base_url + "/auth/sessions", json={"email": body["email"], "code": code},
                                 timeout=10).status_code == 201
            people.append((body, registered))
        (_, mentor), (mentee_sent, mentee) = people
        match = requests.post(base_url + "/matches", json={"mentor_id": mentor["user"]["id"]}, timeout=10,
                              headers={"Authorization": f"Bearer {mentee['token']}"}).json()["match"]
        accepted = requests.post(f"{base_url}/matches/{match['id']}/accept", timeout=10,
                                 headers={"Authorization": f"Bearer {mentor['token']}"})
        assert accepted.status_code == 200
        mails = _wait_for_mail(outbox, 4)
        to_mentee = [m for m in mails if m["To"] == mentee_sent["email"]]
        assert [str(m["Subject"]) for m in to_mentee][-1].endswith("accepted your request on mlbridge")
    finally:
        _interrupt(process)
