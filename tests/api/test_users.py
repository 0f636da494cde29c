"""Registration, tokens, profiles, deletion, export and the public mentor listing."""

from __future__ import annotations

import json

import pytest

from tests.factories import mentee_body, mentor_body, register, register_mentee, register_mentor


def test_vocabulary_lists_frameworks_goals_and_motivations(api):
    response = api.get("/vocabulary")
    assert response.status_code == 200
    document = response.json
    framework_ids = [f["id"] for f in document["frameworks"]]
    assert framework_ids[:5] == ["pytorch", "tensorflow", "keras", "jax", "scikit-learn"]
    assert "onnx" in framework_ids and "hugging-face" in framework_ids
    pytorch = document["frameworks"][0]
    assert pytorch["label"] == "PyTorch" and "torch" in pytorch["aliases"]
    assert {g["id"] for g in document["goals"]} >= {"internal-transfer", "kaggle", "interview-prep", "ml-systems"}
    assert all(g["description"] for g in document["goals"])
    assert [m["id"] for m in document["motivations"]] == ["problems", "curiosity", "demand", "pay", "other"]
    assert "max-age" in response.headers["Cache-Control"]


def test_register_mentee_returns_profile_and_token_once(api):
    response = api.post("/users", mentee_body(email="Ada@Example.com"))
    assert response.status_code == 201
    user, token = response.json["user"], response.json["token"]
    assert user["role"] == "mentee" and user["email"] == "Ada@example.com"  # the domain is case-insensitive
    assert user["target_framework"] == "pytorch" and user["goals"] == ["internal-transfer", "interview-prep"]
    assert "token" not in user and "token_hash" not in user and "pk" not in user
    user_id, secret = token.split(".", 1)
    assert user_id == user["id"] and len(secret) >= 43  # 32 random bytes, base64url
    me = api.get("/users/me", token=token)
    assert me.status_code == 200 and me.json["id"] == user["id"]
    assert me.json["email"] == "Ada@example.com" and me.json["created_at"].endswith("Z")


def test_register_mentor_defaults_to_accepting_with_no_mentees(api):
    mentor = register(api, {k: v for k, v in mentor_body().items() if k != "accepting"})
    assert mentor.profile["accepting"] is True
    assert mentor.profile["active_mentees"] == 0
    assert mentor.profile["capacity"] == 2


def test_vocabulary_input_is_normalised_to_ids(api):
    mentee = register_mentee(api, target_framework="PyTorch", frameworks=["sklearn", "TF"], goals=["Kaggle", "INTERVIEW-PREP"], motivation="Curiosity")
    assert mentee.profile["target_framework"] == "pytorch"
    assert mentee.profile["frameworks"] == ["scikit-learn", "tensorflow"]
    assert mentee.profile["goals"] == ["kaggle", "interview-prep"]
    assert mentee.profile["motivation"] == "curiosity"
    mentor = register_mentor(api, frameworks=["torch"], languages=["EN"])
    assert mentor.profile["frameworks"] == ["pytorch"] and mentor.profile["languages"] == ["en"]


def test_duplicate_email_is_a_conflict_whatever_its_case(api):
    register_mentee(api, email="grace@example.com")
    response = api.post("/users", mentor_body(email="GRACE@example.COM"))
    assert response.status_code == 409
    assert response.json["Code"] == "ConflictError" and response.json["Message"].startswith("email:")


INVALID_REGISTRATIONS = [
    ("role", {"role": "admin"}),
    ("role", {"role": None}),
    ("name", {"name": ""}),
    ("name", {"name": "   "}),
    ("name", {"name": "x" * 101}),
    ("name", {"name": 5}),
    ("email", {"email": "not-an-email"}),
    ("email", {"email": None}),
    ("timezone", {"timezone": "Mars/Olympus"}),
    ("timezone", {"timezone": "../../etc/passwd"}),
    ("languages", {"languages": []}),
    ("languages", {"languages": ["en", "de", "fr", "es", "it", "pt"]}),
    ("languages.0", {"languages": ["english"]}),
    ("bio", {"bio": "x" * 2001}),
    ("target_framework", {"target_framework": "fortran"}),
    ("goals", {"goals": []}),
    ("goals.0", {"goals": ["world-domination"]}),
    ("goals", {"goals": ["kaggle", "job-switch", "interview-prep", "personal-project", "ml-systems", "applied-theory"]}),
    ("motivation", {"motivation": "fame"}),
    ("backend_years", {"backend_years": -1}),
    ("backend_years", {"backend_years": 51}),
    ("backend_years", {"backend_years": "8"}),
    ("current_stack", {"current_stack": "x" * 201}),
    ("surprise", {"surprise": True}),
]


@pytest.mark.parametrize("field, change", INVALID_REGISTRATIONS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(INVALID_REGISTRATIONS)])
def test_invalid_mentee_registration_names_the_field_and_stores_nothing(api, field, change):
    body = mentee_body(**change)
    response = api.post("/users", body)
    assert response.status_code == 400, response.json
    assert response.json["Code"] == "BadRequestError"
    assert response.json["Message"].startswith(f"{field}:"), response.json["Message"]
    # Nothing was stored: the same email can still register.
    assert api.post("/users", mentee_body(email=body["email"] if isinstance(body.get("email"), str) and "@" in body["email"] else "fresh@example.com")).status_code == 201


INVALID_MENTOR_FIELDS = [
    ("frameworks", {"frameworks": []}),
    ("frameworks", {"frameworks": ["pytorch"] * 0 + ["pytorch", "tensorflow", "keras", "jax", "scikit-learn", "xgboost", "lightgbm", "hugging-face", "spark-mllib", "onnx", "extra"]}),
    ("goals", {"goals": []}),
    ("capacity", {"capacity": 0}),
    ("capacity", {"capacity": 11}),
    ("capacity", {"capacity": 2.5}),
    ("accepting", {"accepting": "yes"}),
    ("years_in_ml", {"years_in_ml": -3}),
    ("transition_story", {"transition_story": "x" * 1001}),
    ("target_framework", {"target_framework": "pytorch"}),
]


@pytest.mark.parametrize("field, change", INVALID_MENTOR_FIELDS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(INVALID_MENTOR_FIELDS)])
def test_invalid_mentor_registration_names_the_field(api, field, change):
    response = api.post("/users", mentor_body(**change))
    assert response.status_code == 400, response.json
    assert response.json["Message"].startswith(f"{field}:"), response.json["Message"]
    assert api.get("/mentors").json["mentors"] == []


def test_missing_required_field_is_named(api):
    body = mentee_body()
    del body["goals"]
    response = api.post("/users", body)
    assert response.status_code == 400 and response.json["Message"] == "goals: is required"


@pytest.mark.parametrize("raw", ['{"role": "mentee",', "not json", "[1, 2]", '"text"', "null", ""])
def test_malformed_or_non_object_body_is_a_400(api, raw):
    response = api.post("/users", raw=raw)
    assert response.status_code == 400
    assert response.json["Message"].startswith("body:")


def test_body_over_64_kib_is_a_413_and_nothing_is_stored(api):
    body = mentor_body(bio="x" * (65 * 1024))
    response = api.post("/users", body)
    assert response.status_code == 413
    assert response.json["Message"].startswith("body:")
    assert api.get("/mentors").json["mentors"] == []


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Basic abc", "Bearer 01ARZ3NDEKTSV4RRFFQ69G5FAV.wrong"])
def test_missing_or_wrong_token_is_a_401(api, header):
    headers = {"Authorization": header} if header else {}
    for method, path in [("GET", "/users/me"), ("PATCH", "/users/me"), ("DELETE", "/users/me"),
                         ("GET", "/users/me/export"), ("GET", "/users/01ARZ3NDEKTSV4RRFFQ69G5FAV")]:
        response = api.request(method, path, body={} if method == "PATCH" else None, headers=headers)
        assert response.status_code == 401, (method, path, response.json)
        assert response.json["Code"] == "UnauthorizedError"


def test_a_valid_user_id_with_a_wrong_secret_is_refused(api):
    mentee = register_mentee(api)
    forged = mentee.id + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    assert api.get("/users/me", token=forged).status_code == 401


def test_patch_updates_only_the_given_fields(api):
    mentee = register_mentee(api)
    response = api.patch("/users/me", {"bio": "Now learning PyTorch", "goals": ["kaggle"], "target_framework": "jax"}, token=mentee.token)
    assert response.status_code == 200
    assert response.json["bio"] == "Now learning PyTorch"
    assert response.json["goals"] == ["kaggle"] and response.json["target_framework"] == "jax"
    assert response.json["name"] == mentee.profile["name"]
    assert api.get("/users/me", token=mentee.token).json["goals"] == ["kaggle"]


@pytest.mark.parametrize("change, field", [
    ({"role": "mentor"}, "role"),
    ({"goals": []}, "goals"),
    ({"timezone": "Nowhere/Land"}, "timezone"),
    ({"capacity": 3}, "capacity"),
    ({"name": None}, "name"),
    ({"backend_years": 99}, "backend_years"),
])
def test_invalid_patch_is_a_400_and_changes_nothing(api, change, field):
    mentee = register_mentee(api)
    response = api.patch("/users/me", change, token=mentee.token)
    assert response.status_code == 400
    assert response.json["Message"].startswith(f"{field}:")
    assert api.get("/users/me", token=mentee.token).json == {**mentee.profile}


def test_patch_can_clear_optional_fields(api):
    mentor = register_mentor(api)
    response = api.patch("/users/me", {"bio": None, "years_in_ml": None}, token=mentor.token)
    assert response.status_code == 200 and response.json["bio"] is None and response.json["years_in_ml"] is None


def test_patch_email_to_a_taken_one_is_a_conflict(api):
    register_mentee(api, email="taken@example.com")
    mentor = register_mentor(api)
    response = api.patch("/users/me", {"email": "Taken@example.com"}, token=mentor.token)
    assert response.status_code == 409
    assert api.get("/users/me", token=mentor.token).json["email"] == mentor.profile["email"]


def test_patch_email_frees_the_old_one(api):
    mentee = register_mentee(api, email="old@example.com")
    assert api.patch("/users/me", {"email": "new@example.com"}, token=mentee.token).status_code == 200
    assert api.post("/users", mentor_body(email="old@example.com")).status_code == 201
    assert api.post("/users", mentor_body(email="new@example.com")).status_code == 409


def test_mentor_who_stops_accepting_leaves_the_listing_and_returns(api):
    mentor = register_mentor(api)
    assert [m["id"] for m in api.get("/mentors").json["mentors"]] == [mentor.id]
    assert api.patch("/users/me", {"accepting": False}, token=mentor.token).json["accepting"] is False
    assert api.get("/mentors").json["mentors"] == []
    api.patch("/users/me", {"accepting": True}, token=mentor.token)
    assert [m["id"] for m in api.get("/mentors").json["mentors"]] == [mentor.id]


def test_listing_reflects_profile_changes(api):
    mentor = register_mentor(api, frameworks=["pytorch"])
    api.patch("/users/me", {"frameworks": ["jax"], "name": "Renamed"}, token=mentor.token)
    assert api.get("/mentors?framework=pytorch").json["mentors"] == []
    listed = api.get("/mentors?framework=jax").json["mentors"]
    assert [m["name"] for m in listed] == ["Renamed"]


def test_delete_account_revokes_the_token_and_frees_the_email(api):
    mentee = register_mentee(api, email="leaving@example.com")
    response = api.delete("/users/me", token=mentee.token)
    assert response.status_code == 204
    assert api.get("/users/me", token=mentee.token).status_code == 401
    assert api.post("/users", mentee_body(email="leaving@example.com")).status_code == 201


def test_deleted_mentor_disappears_from_listing_and_profiles(api):
    mentor = register_mentor(api)
    viewer = register_mentee(api)
    api.delete("/users/me", token=mentor.token)
    assert api.get("/mentors").json["mentors"] == []
    assert api.get(f"/users/{mentor.id}", token=viewer.token).status_code == 404


def test_export_contains_the_profile(api):
    mentee = register_mentee(api)
    export = api.get("/users/me/export", token=mentee.token)
    assert export.status_code == 200
    assert export.json["profile"]["email"] == mentee.profile["email"]
    assert export.json["matches"] == [] and export.json["messages"] == []


def test_public_profile_of_a_mentor_has_no_email(api):
    mentor = register_mentor(api)
    viewer = register_mentee(api)
    response = api.get(f"/users/{mentor.id}", token=viewer.token)
    assert response.status_code == 200
    assert response.json["name"] == mentor.profile["name"]
    assert "email" not in response.json and "token_hash" not in json.dumps(response.json)


def test_mentee_profile_is_hidden_from_strangers(api):
    mentee = register_mentee(api)
    stranger_mentor = register_mentor(api)
    other_mentee = register_mentee(api)
    assert api.get(f"/users/{mentee.id}", token=stranger_mentor.token).status_code == 404
    assert api.get(f"/users/{mentee.id}", token=other_mentee.token).status_code == 404
    assert api.get("/users/01ARZ3NDEKTSV4RRFFQ69G5FAV", token=other_mentee.token).status_code == 404


def test_mentee_profile_is_visible_to_a_matched_mentor(api):
    mentor = register_mentor(api)
    mentee = register_mentee(api)
    assert api.post("/matches", {"mentor_id": mentor.id}, token=mentee.token).status_code == 201
    response = api.get(f"/users/{mentee.id}", token=mentor.token)
    assert response.status_code == 200 and "email" not in response.json
    assert response.json["target_framework"] == "pytorch"


def test_mentors_listing_filters_by_framework_and_goal(api):
    torch_kaggle = register_mentor(api, frameworks=["pytorch"], goals=["kaggle"])
    torch_jobs = register_mentor(api, frameworks=["pytorch"], goals=["job-switch"])
    sklearn_kaggle = register_mentor(api, frameworks=["scikit-learn"], goals=["kaggle"])
    ids = lambda r: sorted(m["id"] for m in r.json["mentors"])  # noqa: E731
    assert ids(api.get("/mentors?framework=torch")) == sorted([torch_kaggle.id, torch_jobs.id])
    assert ids(api.get("/mentors?goal=kaggle")) == sorted([torch_kaggle.id, sklearn_kaggle.id])
    assert ids(api.get("/mentors?framework=PyTorch&goal=kaggle")) == [torch_kaggle.id]
    assert ids(api.get("/mentors")) == sorted([torch_kaggle.id, torch_jobs.id, sklearn_kaggle.id])
    assert all("email" not in m for m in api.get("/mentors").json["mentors"])


def test_mentors_listing_pages_with_an_exact_cursor(api):
    registered = {register_mentor(api).id for _ in range(5)}
    seen, cursor, pages = [], None, 0
    while True:
        path = "/mentors?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(path).json
        seen += [m["id"] for m in page["mentors"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and sorted(seen) == sorted(registered) and len(seen) == 5


@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=ten", "limit"),
    ("cursor=forged", "cursor"), ("cursor=eyJwayI6IlVTRVIjeCIsInNrIjoiUFJPRklMRSJ9", "cursor"),
    ("framework=cobol", "framework"), ("goal=fame", "goal"),
])
def test_mentors_listing_rejects_bad_parameters(api, query, field):
    response = api.get(f"/mentors?{query}")
    assert response.status_code == 400 and response.json["Message"].startswith(f"{field}:")


def test_registration_is_one_write_call(api, calls):
    calls.reset()
    register_mentor(api)
    assert calls.by_operation() == {"TransactWriteItems": 1}


def test_reading_your_own_profile_takes_at_most_two_calls(api, calls):
    mentee = register_mentee(api)
    calls.reset()
    api.get("/users/me", token=mentee.token)
    assert calls.count <= 2
