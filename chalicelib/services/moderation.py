"""What the operator does about reports (scripts/moderate): list them, clear a user, ban a user.

- clear: the user's open reports are resolved, their distinct-reporter count starts again from
  zero, and they are listed again (directory, suggestions, the waitlist).
- ban: the user stays hidden for good; their open matches close (close reason "banned", nobody
  emailed), every session ends and neither links nor codes sign them in again. The email stays
  claimed, so the address cannot register anew.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import NotFound
from ..storage import safety as safety_store
from ..storage import transactions
from ..storage import users as user_store
from ..storage.models import ReportItem, UserItem

BANNED_REASON = "banned"


@dataclass
class ReportedUser:
    """A user with open reports, as the operator's list shows them."""

    user_id: str
    name: str | None  # None: the account was deleted
    role: str | None
    hidden: bool
    banned: bool
    distinct_reporters: int  # since last cleared
    reports: list[ReportItem]


def reported_users() -> list[ReportedUser]:
    """Users with open reports, the most reported first (then the oldest report first)."""
    by_user: dict[str, list[ReportItem]] = {}
    for report in safety_store.open_reports():
        by_user.setdefault(report.user_id, []).append(report)
    people = user_store.find_users(by_user)
    listed = []
    for user_id, reports in by_user.items():
        user = people.get(user_id)
        listed.append(ReportedUser(
            user_id=user_id,
            name=user.name if user else None,
            role=user.role if user else None,
            hidden=bool(user and user.hidden),
            banned=bool(user and user.banned),
            distinct_reporters=len(user.reported_by or ()) if user else len({r.reporter_id for r in reports}),
            reports=reports,
        ))
    listed.sort(key=lambda entry: (-entry.distinct_reporters, entry.reports[0].created_at))
    return listed


def _change(user_id: str, change) -> UserItem:
    """Apply `change` to a fresh copy of the user and save it (with their directory entries),
    retrying on a concurrent change."""

    def attempt() -> UserItem:
        user = user_store.find_user(user_id)
        if user is None:
            raise NotFound(f"user {user_id}: not found")
        after = user_store.copy_of(user)
        change(after)
        user_store.save_user(user, after)
        return after

    return transactions.run_with_retries(attempt)


def clear(user_id: str) -> UserItem:
    """Resolve the user's open reports and list them again (a banned user stays banned)."""

    def change(user: UserItem) -> None:
        user.reported_by = None
        user.hidden = None

    user = _change(user_id, change)
    safety_store.resolve_reports([r for r in safety_store.reports_about(user_id) if r.resolution is None], "cleared")
    return user


def ban(user_id: str) -> UserItem:
    """Hide the user for good, close their open matches, end their sessions."""
    from . import matches as match_service

    def change(user: UserItem) -> None:
        user.banned = True
        user.hidden = True
        user.token_hash = None  # a version-1 token

    _change(user_id, change)
    safety_store.end_sessions(user_id)
    user, copies = user_store.user_and_matches(user_id)
    match_service.close_open_matches(user, copies, BANNED_REASON)
    user = user_store.find_user(user_id)
    safety_store.resolve_reports([r for r in safety_store.reports_about(user_id) if r.resolution is None], "banned")
    return user
