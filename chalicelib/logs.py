"""What the service logs, and what it may never log.

The app's log lines are structured JSON from Powertools for AWS Lambda's `Logger`, written to
stdout (CloudWatch Logs on Lambda): one line a request from chalicelib.http (method, route
template, status, duration), warnings such as "database unavailable", and Chalice's own line for
an unhandled error, each with the request's correlation id (API Gateway's request id). Its level
comes from LOG_LEVEL (default INFO, set per stage in .chalice/config.json). The Logger is the
stdlib logger Chalice gives the app ("mlbridge"), so Chalice's own lines are JSON too.

PynamoDB and botocore log whole request and response bodies at DEBUG: emails, token hashes,
messages. They stay at WARNING whatever LOG_LEVEL says, so no setting can send those to the logs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

# The narrowest import: Powertools' package __init__ still loads its Metrics and Tracer classes
# (no client, no I/O); docs/PERFORMANCE.md has what it adds to a cold start.
from aws_lambda_powertools.logging import Logger

SERVICE = "mlbridge"  # the Chalice app's name, hence its logger's
DEFAULT_LEVEL = "INFO"
# Libraries that would log request or response bodies below WARNING.
BODY_LOGGING_LIBRARIES = ("pynamodb", "botocore", "boto3", "urllib3")
LIBRARY_LEVEL = logging.WARNING


def app_level(environ: Mapping[str, str] | None = None) -> int:
    """The level of the app's own logger: LOG_LEVEL (a level name), INFO if unset or unknown."""
    env = os.environ if environ is None else environ
    level = logging.getLevelName((env.get("LOG_LEVEL") or DEFAULT_LEVEL).strip().upper())
    return level if isinstance(level, int) else logging.INFO


# Built at import, before the app: Chalice then finds a stdout handler on its logger and adds none.
logger = Logger(service=SERVICE, level=app_level())


def configure_logging(app_log: logging.Logger, environ: Mapping[str, str] | None = None) -> None:
    """Make `app_log` (Chalice's `app.log`) write through the JSON Logger only, at LOG_LEVEL, and
    hold the body-logging libraries at WARNING."""
    if app_log.name != SERVICE:
        raise ValueError(f"the app's logger is {app_log.name!r}, the JSON Logger's {SERVICE!r}")
    for handler in list(app_log.handlers):
        if handler is not logger.registered_handler:
            app_log.removeHandler(handler)  # a plain-text handler of Chalice's
    app_log.propagate = False  # each line once, not again through a root handler
    logger.setLevel(app_level(environ))
    for name in BODY_LOGGING_LIBRARIES:
        library = logging.getLogger(name)
        library.setLevel(max(library.level, LIBRARY_LEVEL))
