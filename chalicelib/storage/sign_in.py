"""Sign-in links and their state, in one partition per email (`SIGNIN#<address digest>`).

- `STATE`: the times of the recent sign-in links (the rate limit) and the run of wrong codes;
  every write is conditioned on the revision read, so racing requests cannot both pass the limit.
- `LINK#<id>`: one emailed link (hashes only), deleted by TTL after it expires.
"""

from __future__ import annotations

from . import db, keys, transactions
from .models import EmailClaim, SessionItem, SignInLink, SignInState, UserItem


class LinkAlreadyUsed(Exception):
    """The link was used (or burned) by another request first."""


def state_key(digest: str) -> tuple[str, str]:
    return keys.sign_in(digest), keys.SIGN_IN_STATE


def link_key(digest: str, link_id: str) -> tuple[str, str]:
    return keys.sign_in(digest), keys.link(link_id)


def account_and_state(email: str, digest: str) -> tuple[str | None, SignInState | None]:
    """The id of the account with `email` (None: no account) and the email's sign-in state, in one
    BatchGetItem: the same read whether or not the account exists."""
    claim_key = (keys.email(email), keys.EMAIL)
    found = db.get_items([claim_key, state_key(digest)])
    claim, state = found.get(claim_key), found.get(state_key(digest))
    return (
        EmailClaim.from_raw_data(claim).user_id if claim is not None else None,
        SignInState.from_raw_data(state) if state is not None else None,
    )


def state_and_links(digest: str) -> tuple[SignInState | None, list[SignInLink]]:
    """The email's state and every link item it still has, in one Query (a handful of items: the
    rate limit bounds them, TTL removes the expired)."""
    state, links = None, []
    for item in db.query_all(
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.sign_in(digest)}},
        ConsistentRead=True,
    ):
        if item["sk"]["S"] == keys.SIGN_IN_STATE:
            state = SignInState.from_raw_data(item)
        else:
            links.append(SignInLink.from_raw_data(item))
    return state, links


def find_link(digest: str, link_id: str) -> SignInLink | None:
    item = db.get_item(*link_key(digest, link_id), consistent=True)
    return SignInLink.from_raw_data(item) if item is not None else None


def _save_state(tx: transactions.Transaction, before: SignInState | None, after: SignInState) -> None:
    if before is None:
        after.revision = 1
        tx.save(after, condition=SignInState.pk.does_not_exist())
    else:
        after.revision = int(before.revision or 0) + 1
        tx.save(after, condition=SignInState.revision == before.revision)


def _raise_retry_if_state_failed(cancelled: transactions.TransactionCancelled, state: SignInState) -> None:
    if cancelled.failed_on(state.pk, state.sk):
        raise transactions.Retry() from None


def add_link(before: SignInState | None, after: SignInState, link: SignInLink) -> None:
    """Store a new sign-in link with the state that counts it, conditioned on the state read
    (transactions.Retry when another request changed it first)."""

    def build(tx):
        _save_state(tx, before, after)
        tx.put_new(link)

    try:
        transactions.write(build)
    except transactions.TransactionCancelled as cancelled:
        _raise_retry_if_state_failed(cancelled, after)
        raise


def record_wrong_code(before: SignInState | None, after: SignInState, burn: list[SignInLink], used_at: str) -> None:
    """Save the state after a wrong code; `burn` are the unused links five wrong codes end."""

    def build(tx):
        _save_state(tx, before, after)
        for link in burn:
            tx.set_values(SignInLink, link.pk, link.sk, {"used_at": used_at}, expected={"used_at": None})

    try:
        transactions.write(build)
    except transactions.TransactionCancelled as cancelled:
        _raise_retry_if_state_failed(cancelled, after)
        if cancelled.failed:  # a link was used meanwhile: decide again on fresh reads
            raise transactions.Retry() from None
        raise


def use_link(link: SignInLink, user: UserItem, session: SessionItem, used_at: str) -> None:
    """Spend the link, verify the user's email and open the session, in one transaction.

    Raises LinkAlreadyUsed when another request spent or burned the link first, and
    transactions.Retry when the user changed since it was read."""

    def build(tx):
        tx.set_values(SignInLink, link.pk, link.sk, {"used_at": used_at}, expected={"used_at": None}, must_exist=True)
        tx.put_new(session)
        tx.update(UserItem(user.pk, user.sk, version=user.version), [UserItem.email_verified.set(True)])

    try:
        transactions.write(build)
    except transactions.TransactionCancelled as cancelled:
        if cancelled.failed_on(link.pk, link.sk):
            raise LinkAlreadyUsed() from None
        if cancelled.failed_on(user.pk, user.sk):
            raise transactions.Retry() from None
        raise
