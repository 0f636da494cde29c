"""Importing the app must stay cheap: no network I/O and no clients created eagerly."""

import subprocess
import sys
import textwrap


def test_importing_app_does_no_network_io_and_creates_no_clients():
    script = textwrap.dedent(
        """
        import socket, botocore.session
        def refuse(*args, **kwargs):
            raise AssertionError("network I/O at import time")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        created = []
        original = botocore.session.Session.create_client
        botocore.session.Session.create_client = lambda self, *a, **k: created.append(a) or original(self, *a, **k)
        import app
        from chalicelib.storage import db
        assert not db.is_connected(), "a connection was created at import"
        assert created == [], f"clients created at import: {created}"
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


# What only some routes need, imported on first use (docs/PERFORMANCE.md, "Cold start").
LAZY_MODULES = (
    "pydantic",
    "zoneinfo",
    "chalicelib.schemas",
    "chalicelib.values",
    "chalicelib.responses",
    "chalicelib.profiles",
    "chalicelib.scoring",
    "chalicelib.vocabulary",
    "chalicelib.openapi",
    "chalicelib.routes.contract",
    "chalicelib.services.users",
    "chalicelib.services.matching",
    "chalicelib.services.matches",
    "chalicelib.services.threads",
    "chalicelib.storage.threads",
    "jinja2",
    "chalicelib.mail",
    "chalicelib.mail.messages",
    "chalicelib.mail.transports",
    "chalicelib.reputation",
    "chalicelib.services.safety",
    "chalicelib.services.programs",
    # The solver of cohort programs: only a program's matching run imports it.
    "chalicelib.cohort",
    "numpy",
    "scipy",
)


def test_importing_app_leaves_what_only_some_routes_need_for_their_first_request():
    script = f"import sys, app; print(sorted(set({LAZY_MODULES!r}) & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
