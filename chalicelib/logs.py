"""What the service logs, and what it may never log.

Chalice gives the app's logger ("mlbridge") a stdout handler, which is CloudWatch Logs on Lambda,
and sets it to ERROR. The request log of chalicelib.http (one JSON line a request, with its request
id) is written under that logger at INFO, so the level comes from LOG_LEVEL (default INFO, set per
stage in .chalice/config.json) and the lines are written as they are: they are JSON already.

PynamoDB and botocore log whole request and response bodies at DEBUG: emails, token hashes,
messages. They stay at WARNING whatever LOG_LEVEL says, so no setting can send those to the logs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

DEFAULT_LEVEL = "INFO"
# Libraries that would log request or response bodies below WARNING.
BODY_LOGGING_LIBRARIES = ("pynamodb", "botocore", "boto3", "urllib3")
LIBRARY_LEVEL = logging.WARNING


def app_level(environ: Mapping[str, str] | None = None) -> int:
    """The level of the app's own logger: LOG_LEVEL (a level name), INFO if unset or unknown."""
    env = os.environ if environ is None else environ
    level = logging.getLevelName((env.get("LOG_LEVEL") or DEFAULT_LEVEL).strip().upper())
    return level if isinstance(level, int) else logging.INFO


def configure_logging(app_log: logging.Logger, environ: Mapping[str, str] | None = None) -> None:
    """Set the app's level and line format, and hold the body-logging libraries at WARNING."""
    app_log.setLevel(app_level(environ))
    for handler in app_log.handlers:
        handler.setFormatter(logging.Formatter("%(message)s"))
    for name in BODY_LOGGING_LIBRARIES:
        library = logging.getLogger(name)
        library.setLevel(max(library.level, LIBRARY_LEVEL))
