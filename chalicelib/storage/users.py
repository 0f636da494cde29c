"""Users: profile items, email claims and the directory entries that follow a mentor's profile."""

from __future__ import annotations

from typing import Iterable

from ..errors import Conflict
from . import db, directory, keys, transactions
from .models import EmailClaim, MatchItem, SessionItem, TableItem, UserItem


def profile_key(user_id: str) -> tuple[str, str]:
    """The key of a user's profile item."""
    return keys.user(user_id), keys.PROFILE


def others_in_one_read() -> int:
    """How many other items a request reads with the profile and the session in one BatchGetItem."""
    return db.MAX_BATCH_GET_KEYS - 2


def find_user(user_id: str) -> UserItem | None:
    item = db.get_item(*profile_key(user_id))
    return UserItem.from_raw_data(item) if item is not None else None


def read(item_keys: Iterable[tuple[str, str]]) -> dict:
    """Items by key in one BatchGetItem (per 100 keys), in DynamoDB's form; missing ones are absent.
    How a request reads the caller's profile and session (the token check) with what it needs."""
    return db.get_items(item_keys)


def find_user_with_matches(user_id: str, session_id: str | None) -> tuple[dict, list[MatchItem]]:
    """The user's profile, session and match copies in one Query: in a user's partition the match
    copies (`MATCH#<id>`) sort just before the profile (`PROFILE`), and the sessions
    (`SESSION#<id>`) just after it; the range ends at the caller's session. Returns the profile and
    session as read, by key (for the token check), and the matches."""
    last = keys.session(session_id) if session_id is not None else keys.PROFILE
    found, matches = {}, []
    for item in db.query_all(
        KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
        ExpressionAttributeValues={
            ":pk": {"S": keys.user(user_id)}, ":first": {"S": keys.MATCH_PREFIX}, ":last": {"S": last},
        },
    ):
        sort_key = item["sk"]["S"]
        if sort_key.startswith(keys.MATCH_PREFIX):
            matches.append(MatchItem.from_raw_data(item))
        elif sort_key in (keys.PROFILE, last):
            found[item["pk"]["S"], sort_key] = item
    return found, matches


def find_user_with_sessions(user_id: str) -> tuple[dict, list[SessionItem]]:
    """The user's profile (by key, as read, for the token check) and every session, in one Query:
    the sessions sort just after the profile."""
    found, sessions = {}, []
    for item in db.query_all(
        KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
        ExpressionAttributeValues={
            ":pk": {"S": keys.user(user_id)}, ":first": {"S": keys.PROFILE},
            ":last": {"S": keys.SESSION_PREFIX + "\uffff"},
        },
    ):
        found[item["pk"]["S"], item["sk"]["S"]] = item
        if item["sk"]["S"] != keys.PROFILE:
            sessions.append(SessionItem.from_raw_data(item))
    return found, sessions


def user_and_matches(user_id: str) -> tuple[UserItem | None, list[MatchItem]]:
    """The user (None if gone) and their match copies, in one Query."""
    found, matches = find_user_with_matches(user_id, None)
    item = found.get(profile_key(user_id))
    return (UserItem.from_raw_data(item) if item is not None else None), matches


def find_users(user_ids: Iterable[str]) -> dict[str, UserItem]:
    """Users by id in one BatchGetItem (per 100 ids); missing ids are simply absent."""
    found = db.get_items((keys.user(uid), keys.PROFILE) for uid in user_ids)
    users = (UserItem.from_raw_data(item) for item in found.values())
    return {user.id: user for user in users}


def users_of(items: dict) -> dict[str, UserItem]:
    """The user profiles among items read by key (see `read`), by user id."""
    users = (UserItem.from_raw_data(item) for (_, sk), item in items.items() if sk == keys.PROFILE)
    return {user.id: user for user in users}


def copy_of(user: UserItem) -> UserItem:
    """An independent copy to change and save: it keeps the version read, for the condition."""
    return UserItem.from_raw_data(user.serialize())


def _email_claim(user: UserItem) -> EmailClaim:
    return EmailClaim(keys.email(user.email), keys.EMAIL, user_id=user.id)


def create_user(user: UserItem, *new_items: TableItem) -> None:
    """Store a new user, with `new_items` (its first session, its verification link); one account
    per email, decided by the database (409 on a duplicate)."""

    def build(tx):
        tx.save(user, condition=UserItem.pk.does_not_exist())
        tx.save(_email_claim(user), condition=EmailClaim.pk.does_not_exist())
        directory.sync(tx, None, user)
        for item in new_items:
            tx.put_new(item)

    def attempt():
        try:
            transactions.write(build)
        except transactions.TransactionCancelled as cancelled:
            if cancelled.failed_on(keys.email(user.email)):
                raise Conflict("email: an account with this email already exists") from None
            raise

    transactions.run_with_retries(attempt)


def save_user(before: UserItem, after: UserItem, *new_items: TableItem) -> None:
    """Save a changed user (conditioned on the version read) with its email claim, directory and
    `new_items` (a verification link for a new email).

    Raises transactions.Retry when the user changed since it was read.
    """
    email_changed = before.email.lower() != after.email.lower()

    def build(tx):
        tx.save(after)  # the VersionAttribute adds "version = <read version>"
        if email_changed:
            tx.save(_email_claim(after), condition=EmailClaim.pk.does_not_exist())
            tx.delete(_email_claim(before))
        directory.sync(tx, before, after)
        for item in new_items:
            tx.put_new(item)

    try:
        transactions.write(build)
    except transactions.TransactionCancelled as cancelled:
        if email_changed and cancelled.failed_on(keys.email(after.email)):
            raise Conflict("email: an account with this email already exists") from None
        if cancelled.failed_on(keys.user(after.id)):
            raise transactions.Retry() from None
        raise


def forget_legacy_token(user: UserItem) -> None:
    """Remove the version-1 token's hash from the profile (conditioned on the version read: a save
    computed before cannot bring it back). Raises transactions.Retry when the user changed."""

    def build(tx):
        tx.update(UserItem(user.pk, user.sk, version=user.version), [UserItem.token_hash.remove()])

    try:
        transactions.write(build)
    except transactions.TransactionCancelled as cancelled:
        if cancelled.failed_on(user.pk, user.sk):
            raise transactions.Retry() from None
        raise


def delete_user(user: UserItem, *also: TableItem) -> None:
    """Delete the profile, the email claim, the directory entries and `also` (the caller's
    session) in one transaction."""

    def build(tx):
        tx.delete(user)
        tx.delete(_email_claim(user))
        for item in also:
            tx.delete(item)
        directory.sync(tx, user, None)

    try:
        transactions.write(build)
    except transactions.TransactionCancelled as cancelled:
        if cancelled.failed_on(keys.user(user.id)):
            raise transactions.Retry() from None
        raise


def delete_index_entries(user_id: str, match_copies: list[MatchItem], blocked_ids: Iterable[str] = ()) -> None:
    """Remove everything left in the user's partition once the profile is gone: match copies,
    blocks, program links, sessions, thread memberships (the other side keeps theirs), the waitlist
    spot; and what those name elsewhere: the waitlist entry in its framework's queue, the
    membership in each program joined. `match_copies` and `blocked_ids` are as read with the
    profile (a copy written meanwhile is in the partition's Query too)."""
    pk = keys.user(user_id)
    items = db.query_all(
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
        ProjectionExpression="pk, sk, framework, entry_sk, program_id",
    )
    left = {(item["pk"]["S"], item["sk"]["S"]) for item in items if item["sk"]["S"] != keys.PROFILE}
    left.update((pk, keys.block(blocked)) for blocked in blocked_ids)
    left.update((pk, keys.match(match.match_id)) for match in match_copies)
    for item in items:
        sort_key = item["sk"]["S"]
        if sort_key == keys.WAITLIST and "entry_sk" in item:
            # A waitlist spot takes its place in the framework's queue with it.
            left.add((keys.waitlist(item["framework"]["S"]), item["entry_sk"]["S"]))
        elif sort_key.startswith(keys.PROGRAM_LINK_PREFIX) and sort_key.endswith("#member") and "program_id" in item:
            left.add((keys.program(item["program_id"]["S"]), keys.member(user_id)))
    db.delete_items(sorted(left))
