"""Users: profile items, email claims and the directory entries that follow a mentor's profile."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from ..errors import Conflict
from . import db, directory, keys, transactions
from .models import EmailClaim, MatchItem, TableItem, UserItem


def find_user(user_id: str) -> UserItem | None:
    try:
        return UserItem.get(keys.user(user_id), keys.PROFILE)
    except DoesNotExist:
        return None


def find_user_with_matches(user_id: str) -> tuple[UserItem | None, list[MatchItem]]:
    """The user and all their match copies in one Query: in a user's partition the match copies
    (`MATCH#<id>`) sort just before the profile (`PROFILE`). Every authenticated request that
    needs the matches starts here, so each item is made straight into its model."""
    user, matches = None, []
    start_key = None
    while True:
        page = db.table_connection().query(
            keys.user(user_id),
            range_key_condition=TableItem.sk.between(keys.MATCH_PREFIX, keys.PROFILE),
            exclusive_start_key=start_key,
        )
        for item in page.get("Items", ()):
            sort_key = item["sk"]["S"]
            if sort_key == keys.PROFILE:
                user = UserItem.from_raw_data(item)
            elif sort_key.startswith(keys.MATCH_PREFIX):
                matches.append(MatchItem.from_raw_data(item))
        start_key = page.get("LastEvaluatedKey")
        if start_key is None:
            return user, matches


def find_user_with_match(user_id: str, match_id: str) -> tuple[UserItem | None, MatchItem | None]:
    """The user and their copy of a match in one BatchGetItem (either may be missing)."""
    user = match = None
    for item in TableItem.batch_get([(keys.user(user_id), keys.PROFILE), (keys.user(user_id), keys.match(match_id))]):
        if isinstance(item, UserItem):
            user = item
        elif isinstance(item, MatchItem):
            match = item
    return user, match


def find_users(user_ids: list[str]) -> dict[str, UserItem]:
    """Users by id in one BatchGetItem (per 100 ids); missing ids are simply absent."""
    unique = list(dict.fromkeys(user_ids))
    if not unique:
        return {}
    found = UserItem.batch_get([(keys.user(uid), keys.PROFILE) for uid in unique])
    return {user.id: user for user in found}


def copy_of(user: UserItem) -> UserItem:
    """An independent copy to change and save: it keeps the version read, for the condition.

    A PynamoDB model keeps its values in `attribute_values` (scalars and lists of strings): a
    copy of that dict and of its lists, without a round trip through DynamoDB's format."""
    copy = UserItem.__new__(UserItem)
    copy.attribute_values = {
        name: list(value) if isinstance(value, list) else value for name, value in user.attribute_values.items()
    }
    return copy


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
    from .models import ThreadMembership

    pk = keys.user(user_id)
    with UserItem.batch_write() as batch:
        for item in match_copies:
            batch.delete(item)
        for item in ThreadMembership.query(pk, ThreadMembership.sk.startswith(keys.THREAD_PREFIX)):
            batch.delete(item)
