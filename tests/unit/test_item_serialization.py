"""Items written from values (transactions.Transaction.put_new) are the items their models write."""

from __future__ import annotations

import pytest

from chalicelib.storage import keys, threads
from chalicelib.storage.models import (
    MatchItem,
    PairLock,
    ThreadItem,
    UserItem,
    attribute_name,
    serialized,
    serialized_value,
)


def test_a_match_from_values_is_the_item_its_model_writes():
    values = {
        "pk": keys.user("01MENTEE"), "sk": keys.match("01MATCH"), "match_id": "01MATCH", "mentee_id": "01MENTEE",
        "mentor_id": "01MENTOR", "status": "pending", "score": 87, "reasons": ["Both focus on PyTorch", "Same time zone"],
        "thread_id": "01THREAD", "created_at": "2026-11-28T10:00:00.000Z", "updated_at": "2026-11-28T10:00:00.000Z",
    }
    assert serialized(MatchItem, values) == MatchItem(**values).serialize()


@pytest.mark.parametrize("intro", ["Hello! I would like to move to PyTorch.", None])
def test_a_new_threads_items_from_values_are_the_items_their_models_write(intro):
    items = threads.new_thread_items(
        thread_id="01THREAD", match_id="01MATCH", mentee_id="01MENTEE", mentor_id="01MENTOR",
        created_at="2026-11-28T10:00:00.000Z", intro=intro, intro_id="01MESSAGE" if intro else None,
    )
    assert len(items) == (4 if intro else 3)
    for item_type, values in items:
        assert serialized(item_type, values) == item_type(**values).serialize(), item_type.__name__


def test_defaults_are_written_and_none_is_left_out():
    values = {"pk": keys.thread("01T"), "sk": keys.THREAD, "id": "01T", "match_id": "01M", "mentee_id": "a",
              "mentor_id": "b", "is_open": False, "created_at": "x", "updated_at": "x", "last_message": None}
    item = serialized(ThreadItem, values)
    assert item == ThreadItem(**values).serialize()
    assert item["message_count"] == {"N": "0"} and "last_message" not in item
    assert item["kind"] == {"S": "thread"}


def test_a_missing_required_value_is_refused_as_the_model_would():
    with pytest.raises(ValueError, match="match_id"):
        serialized(PairLock, {"pk": keys.pair("a", "b"), "sk": keys.PAIR})
    with pytest.raises(ValueError):
        PairLock(keys.pair("a", "b"), keys.PAIR).serialize()


def test_one_value_is_typed_as_its_attribute():
    assert serialized_value(UserItem, "active_mentees", 2) == {"N": "2"}
    assert serialized_value(ThreadItem, "is_open", False) == {"BOOL": False}
    assert serialized_value(MatchItem, "reasons", ["a"]) == {"L": [{"S": "a"}]}
    assert serialized_value(ThreadItem, "last_message", {"id": "01M"}) == {"S": '{"id": "01M"}'}
    assert attribute_name(UserItem, "version") == "version"
