"""Builders for registration bodies and registered users, so tests read like the domain."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

_numbers = itertools.count(1)


def mentee_body(**overrides) -> dict:
    n = next(_numbers)
    body = {
        "role": "mentee",
        "name": f"Mentee {n}",
        "email": f"mentee{n}@example.com",
        "timezone": "Europe/Berlin",
        "languages": ["en"],
        "bio": "Backend engineer, eight years of Go and Python.",
        "target_framework": "pytorch",
        "frameworks": ["scikit-learn"],
        "goals": ["internal-transfer", "interview-prep"],
        "motivation": "problems",
        "backend_years": 8,
        "current_stack": "Go, PostgreSQL, Kubernetes",
    }
    body.update(overrides)
    return body


def mentor_body(**overrides) -> dict:
    n = next(_numbers)
    body = {
        "role": "mentor",
        "name": f"Mentor {n}",
        "email": f"mentor{n}@example.com",
        "timezone": "Europe/Berlin",
        "languages": ["en", "de"],
        "bio": "ML engineer on a ranking team.",
        "frameworks": ["pytorch", "jax"],
        "goals": ["internal-transfer", "interview-prep", "kaggle"],
        "capacity": 2,
        "accepting": True,
        "years_in_ml": 4,
        "transition_story": "Backend for six years, then an internal transfer to the ranking team.",
    }
    body.update(overrides)
    return body


@dataclass
class Registered:
    id: str
    token: str
    profile: dict


def register(api, body: dict) -> Registered:
    response = api.post("/users", body)
    assert response.status_code == 201, response.json
    return Registered(response.json["user"]["id"], response.json["token"], response.json["user"])


def register_mentee(api, **overrides) -> Registered:
    return register(api, mentee_body(**overrides))


def register_mentor(api, **overrides) -> Registered:
    return register(api, mentor_body(**overrides))
