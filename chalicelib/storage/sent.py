"""What was emailed from the stream and the schedule: one marker per notification, so that each is
sent at most once however often its change is delivered or its schedule runs."""

from __future__ import annotations

import time

from botocore.exceptions import ClientError

from . import db, keys
from .models import SentMarker

# Longer than the stream keeps a record (24 h) and than any retry of the schedule.
KEEP_SECONDS = 7 * 24 * 3600


def claim(key: str) -> bool:
    """Write the marker of `key` unless it exists: True when this caller may send."""
    try:
        marker = SentMarker(keys.sent(key), keys.SENT, expires_at=int(time.time()) + KEEP_SECONDS)
        db.put_item(marker.serialize(), condition="attribute_not_exists(pk)")
    except ClientError as error:
        if db.is_condition_failure(error):
            return False
        raise
    return True


def release(key: str) -> None:
    """Remove the marker of `key` (sending failed: a retry may send)."""
    db.delete_item(keys.sent(key), keys.SENT)
