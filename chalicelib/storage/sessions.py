"""Sessions: one item per signed-in device, in the user's partition (`SESSION#<id>`).

The token check reads a session with the profile in the request's first call (services.auth);
this module holds the other reads and writes: listing, ending, and the daily last-use mark.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from . import db, keys
from .models import SessionItem


def session_key(user_id: str, session_id: str) -> tuple[str, str]:
    return keys.user(user_id), keys.session(session_id)


def session_of(item: dict | None) -> SessionItem | None:
    """A session from an item read in DynamoDB's form (None stays None)."""
    return SessionItem.from_raw_data(item) if item is not None else None


def sessions_of(user_id: str) -> list[SessionItem]:
    """Every session item of the user (expired ones included: TTL removes them lazily)."""
    items = db.query_all(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": keys.user(user_id)}, ":prefix": {"S": keys.SESSION_PREFIX}},
    )
    return [SessionItem.from_raw_data(item) for item in items]


def mark_used(user_id: str, session_id: str, last_used_at: str, expires_at: int) -> None:
    """Record a use of the session (the caller does it at most once a day); a session ended in the
    meantime stays ended."""
    try:
        db.update_item(
            Key=db.key(*session_key(user_id, session_id)),
            UpdateExpression="SET last_used_at = :used, expires_at = :expires",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":used": {"S": last_used_at}, ":expires": {"N": str(expires_at)}},
        )
    except ClientError as error:
        if not db.is_condition_failure(error):
            raise


def end_session(user_id: str, session_id: str) -> bool:
    """Delete one session; False when the user has no such session."""
    try:
        db.delete_item(*session_key(user_id, session_id), condition="attribute_exists(pk)")
    except ClientError as error:
        if db.is_condition_failure(error):
            return False
        raise
    return True


def end_session_with_token(user_id: str, session_id: str, token_hash: str, now: int) -> bool:
    """Delete the session if the token hash is its own and it has not expired: a sign-out checked
    and done in one call. False when it is not (so the token was not valid)."""
    try:
        db.delete_item(
            *session_key(user_id, session_id),
            condition="token_hash = :hash AND expires_at > :now",
            values={":hash": {"S": token_hash}, ":now": {"N": str(now)}},
        )
    except ClientError as error:
        if db.is_condition_failure(error):
            return False
        raise
    return True


def end_sessions(user_id: str, session_ids: list[str]) -> None:
    db.delete_items(session_key(user_id, session_id) for session_id in session_ids)
