"""The local-stack helpers: ports, command lines, process clean-up and startup errors."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time

import pytest

from scripts import local_stack
from scripts.local_stack import (
    DynamoDBLocalUnavailable,
    LocalStackError,
    ManagedProcess,
    PortInUse,
    dynamodb_local_command,
    find_dynamodb_local,
    find_java,
    free_port,
    port_in_use,
    start_moto_server,
)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_free_port_is_bindable_on_loopback():
    port = free_port()
    assert 1024 <= port <= 65535
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_port_in_use_sees_a_listener():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert port_in_use(port)
    assert not port_in_use(port)


def test_dynamodb_local_command_in_memory_and_persistent(monkeypatch, tmp_path):
    jar, lib = tmp_path / "DynamoDBLocal.jar", tmp_path / "DynamoDBLocal_lib"
    monkeypatch.setattr(local_stack, "find_java", lambda: "/opt/jdk/bin/java")
    monkeypatch.setattr(local_stack, "find_dynamodb_local", lambda: (jar, lib))
    monkeypatch.delenv("DYNAMODB_LOCAL_JAVA_OPTS", raising=False)

    in_memory = dynamodb_local_command(8123)
    assert in_memory[0] == "/opt/jdk/bin/java"
    assert f"-Djava.library.path={lib}" in in_memory
    assert in_memory[in_memory.index("-jar") + 1] == str(jar)
    assert in_memory[in_memory.index("-port") + 1] == "8123"
    assert "-sharedDb" in in_memory and "-inMemory" in in_memory
    assert "-dbPath" not in in_memory

    persistent = dynamodb_local_command(8123, str(tmp_path / "db"))
    assert persistent[persistent.index("-dbPath") + 1] == str(tmp_path / "db")
    assert "-inMemory" not in persistent and "-sharedDb" in persistent


def test_missing_jar_is_reported_as_unavailable(monkeypatch, tmp_path):
    monkeypatch.setenv("DYNAMODB_LOCAL_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(DynamoDBLocalUnavailable, match="make node_modules"):
        find_dynamodb_local()


def test_missing_java_is_reported_as_unavailable(monkeypatch, tmp_path):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DynamoDBLocalUnavailable, match="Java"):
        find_java()


def test_stop_kills_the_whole_process_group():
    # A shell with a background child: stopping must take both down.
    process = ManagedProcess(
        ["sh", "-c", "sleep 300 & echo started; wait"], port=0, env=dict(os.environ)
    )
    deadline = time.monotonic() + 5
    while "started" not in process.output_tail() and time.monotonic() < deadline:
        time.sleep(0.02)
    pgid = process.pid
    assert _group_alive(pgid)
    process.stop(timeout=5)
    assert not process.running()
    assert not _group_alive(pgid)
    process.stop()  # idempotent


def test_stop_escalates_to_sigkill(monkeypatch):
    process = ManagedProcess(
        [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
         " print('ready', flush=True); time.sleep(300)"],
        port=0,
    )
    deadline = time.monotonic() + 10
    while "ready" not in process.output_tail() and time.monotonic() < deadline:
        time.sleep(0.02)
    started = time.monotonic()
    process.stop(timeout=0.5)
    assert time.monotonic() - started < 5
    assert process.returncode == -signal.SIGKILL


def test_a_process_that_dies_during_startup_reports_its_output():
    process = ManagedProcess(["sh", "-c", "echo something went wrong; exit 3"], port=0)

    def never_ready():
        raise ConnectionError("not yet")

    with pytest.raises(LocalStackError) as excinfo:
        process._wait_ready(never_ready, timeout=10, what="the thing")
    message = str(excinfo.value)
    assert "the thing exited with code 3" in message
    assert "something went wrong" in message


def test_a_process_that_never_answers_is_stopped_at_the_deadline():
    process = ManagedProcess(["sleep", "300"], port=0)

    def never_ready():
        raise ConnectionError("not yet")

    with pytest.raises(LocalStackError, match="did not become ready .* within 1 s .*not yet"):
        process._wait_ready(never_ready, timeout=1, what="the thing")
    assert not process.running()


def test_waiting_for_a_dynamodb_that_is_not_there_names_the_endpoint():
    endpoint = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(LocalStackError, match=f"DynamoDB at {endpoint} did not answer ListTables"):
        local_stack.wait_for_dynamodb(endpoint, timeout=0.5)


def test_a_taken_port_is_refused_before_anything_starts():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        with pytest.raises(PortInUse, match="already in use"):
            start_moto_server(sock.getsockname()[1])


def test_moto_server_answers_on_loopback_and_stops():
    with start_moto_server() as server:
        assert server.endpoint == f"http://127.0.0.1:{server.port}"
        assert server.kind == "moto" and not server.persistent
        client = local_stack._dynamodb_client(server.endpoint)
        assert client.list_tables()["TableNames"] == []
        pid = server.pid
    assert not server.running()
    assert not _group_alive(pid)
