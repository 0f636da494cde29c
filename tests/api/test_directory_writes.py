"""What a change to a mentor writes to the directory: a taken or freed slot sets the load on the
entries suggestions read (DIR#ALL, DIR#FW#…) and rewrites nothing else, unless it fills the last
slot (every entry deleted) or frees it (every entry put back)."""

from __future__ import annotations

from collections import Counter

import pytest

from chalicelib.storage import db
from tests.factories import register_mentee, register_mentor


class TransactionLog:
    """The TransactWriteItems requests the app sends, as botocore is asked to send them."""

    def __init__(self):
        self.requests: list[list[dict]] = []

    def __call__(self, params, **_kwargs):
        self.requests.append(params["TransactItems"])

    def directory_writes(self) -> Counter:
        """(operation, partition kind) -> count, for the directory items of the last transaction."""
        written = Counter()
        for item in self.requests[-1]:
            (operation, body), = item.items()
            key = body.get("Key") or body.get("Item")
            pk = key["pk"]["S"]
            if pk.startswith("DIR#"):
                kind = "ALL" if pk == "DIR#ALL" else pk.split("#")[1]
                written[(operation, kind)] += 1
        return written


@pytest.fixture
def transactions(backend):
    log = TransactionLog()
    db.connection().client.meta.events.register("provide-client-params.dynamodb.TransactWriteItems", log)
    return log


def _match(api, mentor):
    response = api.post("/matches", {"mentor_id": mentor.id}, token=register_mentee(api).token)
    assert response.status_code == 201, response.json
    return response.json["match"]


def test_a_slot_taken_or_freed_only_sets_the_load_on_the_entries_suggestions_read(api, transactions):
    mentor = register_mentor(api, capacity=3, frameworks=["pytorch", "jax"], goals=["kaggle", "interview-prep"])
    match = _match(api, mentor)
    assert transactions.directory_writes() == {("Update", "ALL"): 1, ("Update", "FW"): 2}
    update = next(item["Update"] for item in transactions.requests[-1]
                  if "Update" in item and item["Update"]["Key"]["pk"]["S"] == "DIR#FW#pytorch")
    assert update["ConditionExpression"].startswith("attribute_exists")
    assert api.post(f"/matches/{match['id']}/decline", {}, token=mentor.token).status_code == 200
    assert transactions.directory_writes() == {("Update", "ALL"): 1, ("Update", "FW"): 2}


def test_filling_the_last_slot_unlists_and_freeing_it_lists_again(api, transactions):
    mentor = register_mentor(api, capacity=1, frameworks=["pytorch"], goals=["kaggle", "interview-prep"])
    match = _match(api, mentor)
    assert transactions.directory_writes() == {("Delete", "ALL"): 1, ("Delete", "FW"): 1, ("Delete", "GOAL"): 2}
    assert mentor.id not in [m["id"] for m in api.get("/mentors").json["mentors"]]
    assert api.post(f"/matches/{match['id']}/decline", {}, token=mentor.token).status_code == 200
    assert transactions.directory_writes() == {("Put", "ALL"): 1, ("Put", "FW"): 1, ("Put", "GOAL"): 2}
    listed = [m for m in api.get("/mentors?framework=pytorch&goal=kaggle").json["mentors"] if m["id"] == mentor.id]
    assert len(listed) == 1 and "active_mentees" not in listed[0]


def test_a_profile_edit_rewrites_every_entry_with_the_new_profile(api, transactions):
    mentor = register_mentor(api, capacity=2, frameworks=["pytorch"], goals=["kaggle"])
    response = api.patch("/users/me", {"goals": ["kaggle", "ml-systems"]}, token=mentor.token)
    assert response.status_code == 200, response.json
    assert transactions.directory_writes() == {("Put", "ALL"): 1, ("Put", "FW"): 1, ("Put", "GOAL"): 2}
    assert mentor.id in [m["id"] for m in api.get("/mentors?goal=ml-systems").json["mentors"]]
    # A change the public profile does not show (none here but the timestamps) writes no entry.
    assert api.patch("/users/me", {}, token=mentor.token).status_code == 200
    assert transactions.directory_writes() == {}


def test_the_load_is_private_to_the_mentor(api):
    mentor = register_mentor(api, capacity=3)
    _match(api, mentor)
    viewer = register_mentee(api)
    assert "active_mentees" not in api.get(f"/users/{mentor.id}", token=viewer.token).json
    assert api.get("/users/me", token=mentor.token).json["active_mentees"] == 1
