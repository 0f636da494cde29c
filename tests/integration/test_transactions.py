"""transactions.Transaction (PynamoDB's TransactWrite on the shared connection) against moto and
DynamoDB Local: what its shorthands write, and which failed conditions a cancellation names."""

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
    transactions.write(lambda tx: tx.put_new(MatchItem(**values)))
    read = MatchItem.get(keys.user("01A"), keys.match("01M"))
    assert read.serialize() == MatchItem(**values).serialize()


def test_put_new_is_cancelled_when_the_key_is_taken(backend):
    lock = {"pk": keys.pair("a", "b"), "sk": keys.PAIR, "match_id": "first"}
    transactions.write(lambda tx: tx.put_new(PairLock(**lock)))
    with pytest.raises(transactions.TransactionCancelled) as cancelled:
        transactions.write(lambda tx: tx.put_new(PairLock(**{**lock, "match_id": "second"})))
    assert cancelled.value.failed_on(keys.pair("a", "b"))
    assert PairLock.get(keys.pair("a", "b"), keys.PAIR).match_id == "first"


def _match(owner: str = "01A", status: str = "pending") -> MatchItem:
    match = MatchItem(keys.user(owner), keys.match("01M"), match_id="01M", mentee_id=owner, mentor_id="01B",
                      status=status, score=80, reasons=["Same time zone"], thread_id="01T", created_at="x",
                      updated_at="x", close_reason="old")
    match.save()
    return match


def test_set_values_sets_removes_and_checks_the_expected_values(backend):
    _match()
    transactions.write(lambda tx: tx.set_values(
        MatchItem, keys.user("01A"), keys.match("01M"), {"status": "active", "close_reason": None},
        expected={"status": "pending"},
    ))
    read = MatchItem.get(keys.user("01A"), keys.match("01M"))
    assert (read.status, read.close_reason, read.score) == ("active", None, 80)

    # The status is active now: a change computed from pending is refused, and nothing changes.
    with pytest.raises(transactions.TransactionCancelled) as cancelled:
        transactions.write(lambda tx: tx.set_values(
            MatchItem, keys.user("01A"), keys.match("01M"), {"status": "declined"}, expected={"status": "pending"},
        ))
    assert cancelled.value.failed_on(keys.user("01A"), keys.match("01M"))
    assert MatchItem.get(keys.user("01A"), keys.match("01M")).status == "active"


def test_set_values_expecting_none_needs_the_attribute_absent(backend):
    _match()
    with pytest.raises(transactions.TransactionCancelled):
        transactions.write(lambda tx: tx.set_values(
            MatchItem, keys.user("01A"), keys.match("01M"), {"closed_by": "x"}, expected={"close_reason": None},
        ))
    transactions.write(lambda tx: tx.set_values(
        MatchItem, keys.user("01A"), keys.match("01M"), {"closed_by": "x"}, expected={"closed_at": None},
    ))
    assert MatchItem.get(keys.user("01A"), keys.match("01M")).closed_by == "x"


def test_set_values_refuses_a_versioned_item(backend):
    with pytest.raises(TypeError):
        transactions.write(lambda tx: tx.set_values(UserItem, keys.user("01U"), keys.PROFILE, {"bio": "x"}))


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
            tx.put_new(PairLock(keys.pair("c", "d"), keys.PAIR, match_id="m"))
            tx.update(UserItem(keys.user("01W"), keys.PROFILE, version=8), [UserItem.active_mentees.set(2)])
        transactions.write(build)
    assert set(cancelled.value.failed) == {(keys.user("01W"), keys.PROFILE)}
    assert PairLock.count(keys.pair("c", "d")) == 0


def test_a_versioned_update_is_conditioned_on_the_version_and_bumps_it(backend):
    _user("01X", version=2)

    def build(tx):
        tx.update(UserItem(keys.user("01X"), keys.PROFILE, version=2), [UserItem.active_mentees.set(3)])

    transactions.write(build)
    read = UserItem.get(*UserItem.key("01X"))
    assert (read.active_mentees, read.version) == (3, 3)
    with pytest.raises(transactions.TransactionCancelled) as cancelled:
        transactions.write(build)  # computed from version 2, which is gone
    assert cancelled.value.failed_on(keys.user("01X"), keys.PROFILE)


def test_a_cancellation_names_the_failed_operation_whatever_the_order_they_were_added(backend):
    _user("01Y", version=1)
    _match()
    PairLock(keys.pair("e", "f"), keys.PAIR, match_id="taken").save()
    with pytest.raises(transactions.TransactionCancelled) as cancelled:
        def build(tx):
            tx.set_values(MatchItem, keys.user("01A"), keys.match("01M"), {"status": "active"})  # sent last
            tx.put_new(PairLock(keys.pair("e", "f"), keys.PAIR, match_id="second"))  # sent second: fails
            tx.delete(PairLock(keys.pair("g", "h"), keys.PAIR))  # sent first
        transactions.write(build)
    assert set(cancelled.value.failed) == {(keys.pair("e", "f"), keys.PAIR)}
