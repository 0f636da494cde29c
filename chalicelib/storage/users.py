"""Users: profile items, email claims and the directory entries that follow a mentor's profile."""

from __future__ import annotations

from typing import Iterable

from ..errors import Conflict
from . import db, directory, keys, transactions
from .models import EmailClaim, MatchItem, UserItem


def profile_key(user_id: str) -> tuple[str, str]:
    """The key of a user's profile item."""
    return keys.user(user_id), keys.PROFILE


def others_in_one_read() -> int:
    """How many other items `find_user_with` reads with the profile in one call."""
    return db.MAX_BATCH_GET_KEYS - 1


def find_user(user_id: str) -> UserItem | None:
    item = db.get_item(*profile_key(user_id))
    return UserItem.from_raw_data(item) if item is not None else None


def find_user_with(user_id: str, other_keys: Iterable[tuple[str, str]]) -> tuple[UserItem | None, dict]:
    """The user and other items, in one BatchGetItem: the token check folded into a request's
    first read. Returns the user (None if missing) and the other items found, in DynamoDB's form,
    by key (missing ones are absent)."""
    own_key = profile_key(user_id)
    found = db.get_items([own_key, *other_keys])
    profile = found.pop(own_key, None)
    return (UserItem.from_raw_data(profile) if profile is not None else None), found


def find_user_with_matches(user_id: str) -> tuple[UserItem | None, list[MatchItem]]:
    """The user and all their match copies in one Query: in a user's partition the match copies
    (`MATCH#<id>`) sort just before the profile (`PROFILE`)."""
    user, matches = None, []
    for item in db.query_all(
        KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
        ExpressionAttributeValues={
            ":pk": {"S": keys.user(user_id)}, ":first": {"S": keys.MATCH_PREFIX}, ":last": {"S": keys.PROFILE},
        },
    ):
        sort_key = item["sk"]["S"]
        if sort_key == keys.PROFILE:
            user = UserItem.from_raw_data(item)
        elif sort_key.startswith(keys.MATCH_PREFIX):
            matches.append(MatchItem.from_raw_data(item))
    return user, matches


def find_user_with_match(user_id: str, match_id: str) -> tuple[UserItem | None, MatchItem | None]:
    """The user and their copy of a match in one BatchGetItem (either may be missing)."""
    match_key = (keys.user(user_id), keys.match(match_id))
    user, found = find_user_with(user_id, [match_key])
    item = found.get(match_key)
    return user, (MatchItem.from_raw_data(item) if item is not None else None)


def find_users(user_ids: Iterable[str]) -> dict[str, UserItem]:
    """Users by id in one BatchGetItem (per 100 ids); missing ids are simply absent."""
    found = db.get_items((keys.user(uid), keys.PROFILE) for uid in user_ids)
    users = (UserItem.from_raw_data(item) for item in found.values())
    return {user.id: user for user in users}


def users_of(items: dict) -> dict[str, UserItem]:
    """The user profiles among items read by key (see `find_user_with`), by user id."""
    users = (UserItem.from_raw_data(item) for (_, sk), item in items.items() if sk == keys.PROFILE)
    return {user.id: user for user in users}


def copy_of(user: UserItem) -> UserItem:
    """An independent copy to change and save: it keeps the version read, for the condition."""
    return UserItem.from_raw_data(user.serialize())


def _email_claim(user: UserItem) -> EmailClaim:
    return EmailClaim(keys.email(user.email), keys.EMAIL, user_id=user.id)


def create_user(user: UserItem) -> None:
    """Store a new user; one account per email, decided by the database (409 on a duplicate)."""

    def build(tx):
        tx.save(user, condition=UserItem.pk.does_not_exist())
        tx.save(_email_claim(user), condition=EmailClaim.pk.does_not_exist())
        directory.sync(tx, None, user)

    def attempt():
        try:
            transactions.write(build)
        except transactions.TransactionCancelled as cancelled:
            if cancelled.failed_on(keys.email(user.email)):
                raise Conflict("email: an account with this email already exists") from None
            raise

    transactions.run_with_retries(attempt)


def save_user(before: UserItem, after: UserItem) -> None:
    """Save a changed user (conditioned on the version read) with its email claim and directory.

    Raises transactions.Retry when the user changed since it was read.
    """
    email_changed = before.email.lower() != after.email.lower()

    def build(tx):
        tx.save(after)  # the VersionAttribute adds "version = <read version>"
        if email_changed:
            tx.save(_email_claim(after), condition=EmailClaim.pk.does_not_exist())
            tx.delete(_email_claim(before))
        directory.sync(tx, before, after)

    try:
        transactions.write(build)
    except transactions.TransactionCancelled as cancelled:
        if email_changed and cancelled.failed_on(keys.email(after.email)):
            raise Conflict("email: an account with this email already exists") from None
        if cancelled.failed_on(keys.user(after.id)):
            raise transactions.Retry() from None
        raise


def delete_user(user: UserItem) -> None:
    """Delete the profile, the email claim and the directory entries in one transaction."""

    def build(tx):
        tx.delete(user)
        tx.delete(_email_claim(user))
        directory.sync(tx, user, None)

    try:
        transactions.write(build)
    except transactions.TransactionCancelled as cancelled:
        if cancelled.failed_on(keys.user(user.id)):
            raise transactions.Retry() from None
        raise


def delete_index_entries(user_id: str, match_copies: list[MatchItem]) -> None:
    """Remove the user's own match copies (`match_copies`, as read) and thread memberships (the
    other side keeps theirs)."""
    pk = keys.user(user_id)
    memberships = db.query_all(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": pk}, ":prefix": {"S": keys.THREAD_PREFIX}},
        ProjectionExpression="pk, sk",
    )
    db.delete_items([
        *((pk, keys.match(match.match_id)) for match in match_copies),
        *((item["pk"]["S"], item["sk"]["S"]) for item in memberships),
    ])
