"""`make run`: the whole service on this machine, with data that persists across restarts.

Environment:
  PORT               API port (default 8000)
  HOST               address chalice local binds to (default 127.0.0.1)
  DB_PORT            DynamoDB Local port (default 8001)
  DATA_DIR           where DynamoDB Local keeps its data (default .data), and emails (DATA_DIR/outbox)
  DYNAMODB_ENDPOINT  use this DynamoDB instead of starting one
  TABLE_NAME         table name (default mlbridge-local)
  AWS_DEFAULT_REGION region (default us-east-1)
  RELOAD             1 to restart the API when code changes (chalice's autoreloader)
  OPERATOR_EMAIL     who gets the emails about reported users (default operator@localhost)

Starts DynamoDB Local (-sharedDb -dbPath DATA_DIR), or moto's in-memory server when Java or the
jar is missing, creates the table if it does not exist (with its change stream), runs `chalice
local --stage local`, and the stream worker (scripts/local_stream.py) that does what Lambda does
with the table's stream when deployed. Emails are not sent: each is written to DATA_DIR/outbox/
and announced on the console. The key sign-in links are made with (SIGNIN_KEY) is kept in
DATA_DIR/signin.key unless the environment sets one.
Ctrl-C or SIGTERM stops everything it started.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.local_stack import (  # noqa: E402
    DUMMY_CREDENTIALS,
    start_stream_worker,
    REPO_ROOT,
    DynamoDBLocalUnavailable,
    LocalStackError,
    ManagedProcess,
    PortInUse,
    port_in_use,
    start_api,
    start_dynamodb_local,
    start_moto_server,
    wait_for_dynamodb,
)


class _Stop(Exception):
    """Raised in the main thread by the SIGINT/SIGTERM/SIGHUP handler."""


def _on_signal(signum, frame):  # noqa: ARG001
    raise _Stop(signal.Signals(signum).name)


def _say(message: str = "") -> None:
    print(message, flush=True)


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a port number, not {raw!r}") from None


def _create_table(endpoint: str, table_name: str, region: str) -> bool:
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from chalicelib.storage.tables import create_table

    return create_table(endpoint, table_name, region)


def _start_database(db_port: int, data_dir: Path) -> tuple[ManagedProcess, str]:
    try:
        db = start_dynamodb_local(db_port, db_path=data_dir)
        return db, f"DynamoDB Local, data in {data_dir}"
    except DynamoDBLocalUnavailable as exc:
        _say("")
        _say("WARNING: DynamoDB Local cannot run here:")
        _say(f"  {exc}")
        _say("WARNING: falling back to moto's in-memory server: data will NOT persist across restarts.")
        _say("")
        db = start_moto_server(db_port)
        return db, "moto in-memory server, data will NOT persist"


def _signin_key(data_dir: Path) -> str:
    """SIGNIN_KEY from the environment, else the one kept in DATA_DIR (made on the first run), so
    that links sent before a restart still work after it."""
    if os.environ.get("SIGNIN_KEY"):
        return os.environ["SIGNIN_KEY"]
    import secrets

    path = data_dir / "signin.key"
    if not path.is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def main() -> int:
    port = _int_env("PORT", 8000)
    db_port = _int_env("DB_PORT", 8001)
    host = os.environ.get("HOST") or "127.0.0.1"
    table_name = os.environ.get("TABLE_NAME") or "mlbridge-local"
    region = os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    external_endpoint = os.environ.get("DYNAMODB_ENDPOINT") or None
    data_dir = Path(os.environ.get("DATA_DIR") or ".data").expanduser().resolve()
    autoreload = os.environ.get("RELOAD", "").lower() in ("1", "true", "yes")

    # boto3 (table creation here) and the API process both need credentials to sign requests;
    # any value works locally. Real ones already in the environment are left alone.
    for key, value in DUMMY_CREDENTIALS.items():
        os.environ.setdefault(key, value)
    os.environ["AWS_DEFAULT_REGION"] = region

    # SIGINT explicitly too: a process started in the background may inherit it ignored.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)

    started: list[ManagedProcess] = []
    rc = 0
    try:
        if port_in_use(port):
            raise PortInUse(f"Port {port} is already in use (another `make run`?). Set PORT=...")
        if external_endpoint:
            _say(f"Using the DynamoDB at {external_endpoint} (DYNAMODB_ENDPOINT).")
            wait_for_dynamodb(external_endpoint, timeout=15)
            endpoint, db_description = external_endpoint, "external"
        else:
            if port_in_use(db_port):
                raise PortInUse(
                    f"Port {db_port} is already in use (another `make run`?). "
                    "Set DB_PORT=..., or DYNAMODB_ENDPOINT=... to use a running DynamoDB."
                )
            _say(f"Starting DynamoDB Local on port {db_port} (data in {data_dir}) ...")
            db, db_description = _start_database(db_port, data_dir)
            started.append(db)
            endpoint = db.endpoint

        created = _create_table(endpoint, table_name, region)
        _say(f"Table {table_name}: {'created' if created else 'already exists'}.")

        api_env = {
            "DYNAMODB_ENDPOINT": endpoint,
            "TABLE_NAME": table_name,
            "AWS_DEFAULT_REGION": region,
            "AWS_ACCESS_KEY_ID": os.environ["AWS_ACCESS_KEY_ID"],
            "AWS_SECRET_ACCESS_KEY": os.environ["AWS_SECRET_ACCESS_KEY"],
            # chalicelib/mail: write emails here instead of sending them, with links to this server.
            "MAIL_OUTBOX_DIR": str(data_dir / "outbox"),
            "APP_URL": f"http://localhost:{port}",
            "SIGNIN_KEY": _signin_key(data_dir),
            # Reports of users are emailed here (into the outbox, like every email under make run).
            "OPERATOR_EMAIL": os.environ.get("OPERATOR_EMAIL") or "operator@localhost",
        }
        _say(f"Starting chalice local on {host}:{port} ...")
        api = start_api(port, api_env, host=host, autoreload=autoreload, echo=sys.stdout)
        started.append(api)
        _say("Starting the change stream worker (emails land in " + api_env["MAIL_OUTBOX_DIR"] + ") ...")
        stream_env = {**api_env, "STREAM_CHECKPOINT": str(data_dir / "stream-checkpoint.json")}
        started.append(start_stream_worker(stream_env, echo=sys.stdout))

        _say("")
        _say(f"mlbridge is running at http://localhost:{port} (DynamoDB at {endpoint}, {db_description})")
        _say("Press Ctrl-C to stop.")
        _say("")

        while True:
            for process in started:
                if not process.running():
                    _say(f"{process.kind} exited unexpectedly (code {process.returncode}):")
                    _say(process.output_tail())
                    return 1
            time.sleep(0.5)
    except (KeyboardInterrupt, _Stop):
        _say("")
        _say("Stopping ...")
    except LocalStackError as exc:
        _say(f"ERROR: {exc}")
        rc = 1
    finally:
        # A second Ctrl-C must not interrupt the clean-up.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for process in reversed(started):
            process.stop()
    if rc == 0:
        _say("Stopped.")
    return rc


if __name__ == "__main__":
    sys.exit(main())
