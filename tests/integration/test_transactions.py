"""Operations built from values (transactions.Transaction) against moto and DynamoDB Local: what
they write, and that their conditions cancel the transaction as PynamoDB's would."""

from __future__ import annotations

import pytest

from chalicelib.storage import keys, transactions
from chalicelib.storage.models import DirectoryEntry, MatchItem, PairLock, UserItem


def _user(user_id: str, version: int = 3) -> UserItem:
    user = UserItem(
        keys.user(user_id), keys.PROFILE, id=user_id, role="mentor", name="Ada", email=f"{user_id}@example.com",
        timezone="Europe/Berlin", languages=["en"], token_hash="digest", created_at="x", updated_at="x",
        frameworks=["pytorch"], goals=["kaggle"], capacity=3, accepting=True, active_mentees=1,
    )
    user.save()  # version 1
    for _ in range(version - 1):
        user.save()
    return UserItem.get(*UserItem.key(user_id))


def test_put_new_writes_the_item_its_model_reads_back(backend):
    values = {"pk": keys.user("01A"), "sk": keys.match("01M"), "match_id": "01M", "mentee_id": "01A",
              "mentor_id": "01B", "status": "pending", "score": 80, "reasons": ["Same time zone"],
              "thread_id": "01T", "created_at": "x", "updated_at": "x"}
    transactions.write(lambda tx: tx.put_new(MatchItem, values))
    read = MatchItem.get(keys.user("01A"), keys.match("01M"))
    assert read.serialize() == MatchItem(**values).serialize()


def test_put_new_is_cancelled_when_the_key_is_taken(backend):
    lock = {"pk": keys.pair("a", "b"), "sk": keys.PAIR, "match_id": "first"}
    transactions.write(lambda tx: tx.put_new(PairLock, lock))
    with pytest.raises(transactions.TransactionCancelled) as cancelled:
        transactions.write(lambda tx: tx.put_new(PairLock, {**lock, "match_id": "second"}))
    assert cancelled.value.failed_on(keys.pair("a", "b"))
    assert PairLock.get(keys.pair("a", "b"), keys.PAIR).match_id == "first"


def test_set_values_sets_removes_and_checks_the_expected_values(backend):
    user = _user("01U", version=3)
    transactions.write(lambda tx: tx.set_values(
        UserItem, keys.user("01U"), keys.PROFILE, {"active_mentees": 2, "bio": None, "version": 4},
        expected={"version": 3},
    ))
    read = UserItem.get(*UserItem.key("01U"))
    assert (read.active_mentees, read.bio, read.version, read.capacity) == (2, None, 4, user.capacity)

    # The version is 4 now: a change computed from version 3 is refused, and nothing changes.
    with pytest.raises(transactions.TransactionCancelled) as cancelled:
        transactions.write(lambda tx: tx.set_values(
            UserItem, keys.user("01U"), keys.PROFILE, {"active_mentees": 3, "version": 4}, expected={"version": 3},
        ))
    assert cancelled.value.failed_on(keys.user("01U"), keys.PROFILE)
    assert UserItem.get(*UserItem.key("01U")).active_mentees == 2


def test_set_values_expecting_none_needs_the_attribute_absent(backend):
    _user("01V")
    with pytest.raises(transactions.TransactionCancelled):
        transactions.write(lambda tx: tx.set_values(
            UserItem, keys.user("01V"), keys.PROFILE, {"bio": "x"}, expected={"capacity": None},
        ))
    transactions.write(lambda tx: tx.set_values(
        UserItem, keys.user("01V"), keys.PROFILE, {"bio": "x"}, expected={"motivation": None},
    ))
    assert UserItem.get(*UserItem.key("01V")).bio == "x"


def test_set_values_on_a_missing_item_is_cancelled_when_it_must_exist(backend):
    pk, sk = keys.DIRECTORY_ALL, "nobody"
    with pytest.raises(transactions.TransactionCancelled) as cancelled:
        transactions.write(lambda tx: tx.set_values(DirectoryEntry, pk, sk, {"active_mentees": 1}, must_exist=True))
    assert cancelled.value.failed_on(pk, sk)
    assert DirectoryEntry.count(pk) == 0


def test_one_failed_condition_cancels_every_operation(backend):
    _user("01W", version=2)
    with pytest.raises(transactions.TransactionCancelled) as cancelled:
        def build(tx):
            tx.put_new(PairLock, {"pk": keys.pair("c", "d"), "sk": keys.PAIR, "match_id": "m"})
            tx.set_values(UserItem, keys.user("01W"), keys.PROFILE, {"active_mentees": 2, "version": 9},
                          expected={"version": 8})
        transactions.write(build)
    assert set(cancelled.value.failed) == {(keys.user("01W"), keys.PROFILE)}
    assert PairLock.count(keys.pair("c", "d")) == 0
