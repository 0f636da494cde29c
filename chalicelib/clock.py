"""Time and ids: ISO 8601 UTC strings and ULIDs (sortable by creation time)."""

from __future__ import annotations

from datetime import datetime, timezone


def now() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    return iso(now())


def new_id() -> str:
    from ulid import ULID  # on first use, to keep cold starts cheap

    return str(ULID())
