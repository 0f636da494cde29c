"""Suggestions at scale: what `GET /matches/suggestions` reads and costs as the mentor pool grows,
and how close its top 5 comes to scoring every mentor.

    .venv/bin/python -m benchmarks.matching [--sizes 1000 10000 100000] [--mentees 50] [--verbose] [--json]

Fills DynamoDB Local (in memory) with a realistic pool of mentors — the items registration
writes (user, email claim and directory entries, built by the app's own code: `public_profile`
and `directory.sync`), bulk-loaded with parallel BatchWriteItem — growing it step by step to
each size (past `FULL_ITEMS_UP_TO` mentors, only the framework partitions a suggestion reads). Mentees register through the API; some have earlier matches with mentors they would
otherwise be suggested (declined, ended, pending or active: all excluded). Each mentee's
suggestions request is then sent `repeats` times through `chalice.test.Client`.

Recall@5 compares the request's top 5 with an exhaustive ranking (`scoring.rank_mentors` over
every listed mentor, minus the same exclusions), two ways:
- strict: the share of the exhaustive top 5 ids that the request returned;
- by score: the share of returned mentors whose score is at least the exhaustive 5th-best score
  (scores tie a lot; any mentor tied with the 5th best is as good an answer).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from benchmarks import common

# --- a realistic population --------------------------------------------------------------------

# Relative frequency of each framework among mentors (and mentees' targets).
FRAMEWORK_WEIGHTS = {
    "pytorch": 30, "scikit-learn": 20, "tensorflow": 14, "hugging-face": 12, "keras": 6,
    "xgboost": 6, "jax": 4, "lightgbm": 4, "spark-mllib": 3, "onnx": 1,
}
GOAL_WEIGHTS = {
    "job-switch": 14, "interview-prep": 14, "internal-transfer": 12, "ml-initiative": 10,
    "applied-theory": 10, "personal-project": 10, "framework-depth": 8, "ml-systems": 12, "kaggle": 6,
}
# (zone, weight, a language often spoken there besides English)
TIMEZONES = (
    ("America/Los_Angeles", 9, "es"), ("America/Denver", 2, "es"), ("America/Chicago", 5, "es"),
    ("America/New_York", 10, "es"), ("America/Toronto", 2, "fr"), ("America/Mexico_City", 1, "es"),
    ("America/Sao_Paulo", 2, "pt"), ("Europe/London", 8, "pl"), ("Europe/Lisbon", 1, "pt"),
    ("Europe/Dublin", 1, "ga"), ("Europe/Paris", 5, "fr"), ("Europe/Berlin", 9, "de"),
    ("Europe/Amsterdam", 3, "nl"), ("Europe/Madrid", 3, "es"), ("Europe/Warsaw", 3, "pl"),
    ("Europe/Stockholm", 2, "sv"), ("Europe/Kyiv", 2, "uk"), ("Europe/Istanbul", 1, "tr"),
    ("Africa/Lagos", 1, "yo"), ("Africa/Nairobi", 1, "sw"), ("Asia/Dubai", 1, "ar"),
    ("Asia/Kolkata", 10, "hi"), ("Asia/Singapore", 2, "zh"), ("Asia/Shanghai", 2, "zh"),
    ("Asia/Tokyo", 2, "ja"), ("Australia/Sydney", 1.5, "zh"), ("Pacific/Auckland", 0.5, "mi"),
)
STORIES = (
    "Backend for six years, then an internal transfer to the ranking team.",
    "Started an ML initiative at my company and grew it into a team.",
    "Switched jobs from payments backend to an ML platform team.",
    "Got hooked through Kaggle competitions, then moved to applied ML.",
    "Went from data engineering to training recommendation models.",
)
# Past this many mentors, only the items a suggestion can read are loaded (the directory's framework
# partitions, about 2 per mentor instead of 8): the request reads nothing else, and DynamoDB Local
# writes about 3,000 items/s on 2 cores.
FULL_ITEMS_UP_TO = 10_000
# Mentees who must be in every sample: rare zones and rare target frameworks.
SPECIAL_MENTEES = (
    ("Pacific/Auckland", "pytorch"), ("Pacific/Auckland", "onnx"), ("Asia/Tokyo", "jax"),
    ("Australia/Sydney", "lightgbm"), ("America/Sao_Paulo", "spark-mllib"), ("Africa/Nairobi", "xgboost"),
    ("Europe/Berlin", "onnx"), ("America/Los_Angeles", "keras"),
)


def _weighted_sample(rng: random.Random, weights: dict, count: int) -> list[str]:
    """`count` distinct keys drawn by weight."""
    pool = dict(weights)
    chosen = []
    for _ in range(min(count, len(pool))):
        key = rng.choices(list(pool), weights=list(pool.values()))[0]
        chosen.append(key)
        del pool[key]
    return chosen


def _zone(rng: random.Random) -> tuple[str, str]:
    zone, _, language = rng.choices(TIMEZONES, weights=[w for _, w, _ in TIMEZONES])[0]
    return zone, language


def _ulid(rng: random.Random, moment: datetime) -> str:
    from ulid import ULID

    millis = int(moment.timestamp() * 1000)
    return str(ULID.from_bytes(millis.to_bytes(6, "big") + rng.randbytes(10)))


def make_mentor(rng: random.Random, number: int, now: datetime):
    """A mentor's UserItem as registration (and later matches) would leave it."""
    from chalicelib import clock
    from chalicelib.storage import keys
    from chalicelib.storage.models import UserItem

    created = now - timedelta(seconds=rng.randrange(2 * 365 * 24 * 3600))
    user_id = _ulid(rng, created)
    zone, local_language = _zone(rng)
    capacity = rng.randint(1, 5)
    load = 0 if rng.random() < 0.6 else rng.randint(1, capacity)  # some are full
    user = UserItem(
        keys.user(user_id),
        keys.PROFILE,
        id=user_id,
        role="mentor",
        name=f"Mentor {number}",
        email=f"mentor-{number}@bench.example.com",
        timezone=zone,
        languages=["en"] + ([local_language] if rng.random() < 0.4 else []),
        bio="ML engineer who came from backend work.",
        token_hash="-",
        created_at=clock.iso(created),
        updated_at=clock.iso(created),
        frameworks=_weighted_sample(rng, FRAMEWORK_WEIGHTS, rng.choices((1, 2, 3, 4), (25, 35, 25, 15))[0]),
        goals=_weighted_sample(rng, GOAL_WEIGHTS, rng.randint(2, 6)),
        capacity=capacity,
        accepting=rng.random() < 0.92,
        years_in_ml=rng.randint(1, 15),
        transition_story=rng.choice(STORIES) if rng.random() < 0.5 else None,
        active_mentees=load,
    )
    user.version = 1  # what the registration transaction stores
    return user


def mentee_body(rng: random.Random, number: int, special: tuple[str, str] | None = None) -> dict:
    zone, local_language = _zone(rng)
    target = rng.choices(list(FRAMEWORK_WEIGHTS), weights=list(FRAMEWORK_WEIGHTS.values()))[0]
    if special:
        zone, target = special
        local_language = next(language for z, _, language in TIMEZONES if z == zone)
    others = {k: v for k, v in FRAMEWORK_WEIGHTS.items() if k != target}
    return {
        "role": "mentee",
        "name": f"Mentee {number}",
        "email": f"mentee-{number}-{rng.randrange(10**9)}@bench.example.com",
        "timezone": zone,
        "languages": ["en"] + ([local_language] if rng.random() < 0.3 else []),
        "bio": "Backend engineer moving into ML.",
        "target_framework": target,
        "frameworks": _weighted_sample(rng, others, rng.choices((0, 1, 2), (30, 45, 25))[0]),
        "goals": _weighted_sample(rng, GOAL_WEIGHTS, rng.choices((1, 2, 3, 4, 5), (15, 35, 30, 15, 5))[0]),
        "motivation": rng.choice(["problems", "curiosity", "demand", "pay", "other"]),
        "backend_years": rng.randint(1, 20),
        "current_stack": "Java, PostgreSQL, Kafka",
    }


class _Collector:
    """Stands in for a TransactWrite: keeps what `directory.sync` would save."""

    def __init__(self):
        self.saved = []

    def save(self, item, **_kwargs):
        self.saved.append(item)

    def delete(self, item, **_kwargs):  # pragma: no cover - a new mentor has nothing to delete
        raise AssertionError("nothing to delete for a new mentor")


def registration_items(user) -> list:
    """The items registering `user` writes: user, email claim, directory entries (if listed)."""
    from chalicelib.storage import directory, keys
    from chalicelib.storage.models import EmailClaim

    collector = _Collector()
    directory.sync(collector, None, user)
    return [user, EmailClaim(keys.email(user.email), keys.EMAIL, user_id=user.id), *collector.saved]


# --- ground truth --------------------------------------------------------------------------------


@dataclass
class Pool:
    """The listed mentors' offers, by framework, for exhaustive ranking."""

    by_framework: dict[str, list] = field(default_factory=dict)
    listed: int = 0
    mentors: int = 0
    items: int = 0

    def add(self, user, moment) -> None:
        from chalicelib.services import matching
        from chalicelib.storage import directory

        self.mentors += 1
        if not directory.is_listed(user):
            return
        self.listed += 1
        offer = matching.offer_of(user, moment)
        for framework in user.frameworks:
            self.by_framework.setdefault(framework, []).append(offer)

    def exhaustive(self, needs, excluded: set[str], limit: int = 5) -> list:
        """Every listed mentor ranked (those with the target framework are enough when there are
        at least `limit` of them: the target framework outweighs everything else)."""
        from chalicelib import scoring

        with_target = [o for o in self.by_framework.get(needs.target_framework, []) if o.mentor_id not in excluded]
        if len(with_target) >= limit:
            return scoring.rank_mentors(needs, with_target, limit=limit)
        everyone = {o.mentor_id: o for offers in self.by_framework.values() for o in offers
                    if o.mentor_id not in excluded}
        return scoring.rank_mentors(needs, everyone.values(), limit=limit)


def recall_at(returned: list[dict], exhaustive: list, k: int = 5) -> tuple[float, float]:
    """(strict, by score) recall of `returned` suggestions against the exhaustive top k."""
    best = exhaustive[:k]
    if not best:
        return 1.0, 1.0
    got = returned[:k]
    best_ids = {s.mentor_id for s in best}
    strict = sum(1 for s in got if s["mentor"]["id"] in best_ids) / len(best)
    threshold = best[-1].score
    by_score = min(len(best), sum(1 for s in got if s["score"] >= threshold)) / len(best)
    return strict, by_score


# --- the run -------------------------------------------------------------------------------------


@dataclass
class Mentee:
    id: str
    token: str
    body: dict
    excluded: set[str] = field(default_factory=set)


def _register_mentees(client, rng: random.Random, count: int) -> list[Mentee]:
    mentees = []
    for n in range(count):
        special = SPECIAL_MENTEES[n] if n < len(SPECIAL_MENTEES) else None
        body = mentee_body(rng, n, special)
        status, data = client.request("POST", "/users", body)
        if status != 201:
            raise RuntimeError(f"registering a mentee: HTTP {status} {data}")
        mentees.append(Mentee(data["user"]["id"], data["token"], body))
    return mentees


def _give_history(settings, rng: random.Random, mentees: list[Mentee], pool: Pool, users: dict) -> None:
    """A third of the mentees get 1-3 earlier matches with mentors they would be suggested."""
    from chalicelib import clock
    from chalicelib.services import matching
    from chalicelib.storage import matches as match_store

    items = []
    now = clock.now()
    for mentee in mentees[::3]:
        needs = matching.needs_of(users[mentee.id], now)
        top = pool.exhaustive(needs, set(), limit=8)
        for scored in rng.sample(top, k=min(len(top), rng.randint(1, 3))):
            status = rng.choice(["declined", "ended", "pending", "active"])
            match = {
                "match_id": clock.new_id(), "mentee_id": mentee.id, "mentor_id": scored.mentor_id,
                "status": status, "score": scored.score, "reasons": list(scored.reasons),
                "thread_id": clock.new_id(), "created_at": clock.now_iso(), "updated_at": clock.now_iso(),
            }
            items += [match_store.copy_for(match, owner).serialize() for owner in (mentee.id, scored.mentor_id)]
            mentee.excluded.add(scored.mentor_id)
    common.bulk_write(settings, items)


def _grow(settings, rng: random.Random, pool: Pool, target: int, now: datetime, workers: int,
          full_items_up_to: int = FULL_ITEMS_UP_TO) -> float:
    """Register mentors until the pool holds `target` (batch writes run while more are built)."""
    from chalicelib.storage import keys

    started = time.perf_counter()
    lean = target > full_items_up_to
    with common.BulkWriter(settings, workers) as writer:
        while pool.mentors < target:
            user = make_mentor(rng, pool.mentors + 1, now)
            items = registration_items(user)
            if lean:
                items = [item for item in items if item.pk.startswith(keys.directory_framework(""))]
            writer.put(item.serialize() for item in items)
            pool.items += len(items)
            pool.add(user, now)
    return time.perf_counter() - started


def measure_size(client, meter, pool: Pool, mentees: list[Mentee], users: dict, repeats: int) -> dict:
    from chalicelib import clock
    from chalicelib.services import matching

    latencies, items, calls, strict, by_score = [], [], [], [], []
    db_seconds = []
    now = clock.now()
    # Warm-up, unmeasured: the first request of a process pays for lazy imports.
    client.request("GET", "/matches/suggestions?limit=5", token=mentees[0].token)
    for mentee in mentees:
        for _ in range(repeats):
            meter.reset()
            started = time.perf_counter()
            status, data = client.request("GET", "/matches/suggestions?limit=5", token=mentee.token)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"suggestions: HTTP {status} {data}")
            items.append(meter.items)
            calls.append(meter.count)
            db_seconds.append(meter.seconds)
        needs = matching.needs_of(users[mentee.id], now)
        s, b = recall_at(data["suggestions"], pool.exhaustive(needs, mentee.excluded))
        strict.append(s)
        by_score.append(b)
    return {
        "samples": len(latencies),
        "dynamodb_calls": max(calls),
        "items_read": round(sum(items) / len(items), 1),
        "items_read_max": max(items),
        "p50_ms": common.ms(common.percentile(latencies, 0.5)),
        "p95_ms": common.ms(common.percentile(latencies, 0.95)),
        "db_p50_ms": common.ms(common.percentile(db_seconds, 0.5)),
        "gap_p50_ms": common.ms(common.percentile([t - d for t, d in zip(latencies, db_seconds)], 0.5)),
        "recall_strict": round(sum(strict) / len(strict), 3),
        "recall_by_score": round(sum(by_score) / len(by_score), 3),
        "recall_strict_min": round(min(strict), 2),
        "recall_by_score_min": round(min(by_score), 2),
        "_per_mentee": list(zip([m.body["timezone"] for m in mentees],
                                [m.body["target_framework"] for m in mentees], strict, by_score)),
    }


def run(sizes=(1_000, 10_000), mentees: int = 50, repeats: int = 3, endpoint: str | None = None,
        seed: int = 7, workers: int = 4, verbose: bool = False, full_items_up_to: int = FULL_ITEMS_UP_TO) -> list[dict]:
    """One row per pool size (see the module docstring)."""
    from chalicelib import clock
    from chalicelib.storage import users as user_store

    rng = random.Random(seed)
    rows = []
    with common.local_dynamodb(endpoint) as url:
        settings = common.fresh_table(url, "matching")
        try:
            pool = Pool()
            now = clock.now()
            load_seconds = _grow(settings, rng, pool, sizes[0], now, workers, full_items_up_to)
            meter = common.DynamoMeter().attach()
            with common.app_client() as client:
                sample = _register_mentees(client, rng, mentees)
                users = {m.id: user_store.find_user(m.id) for m in sample}
                _give_history(settings, rng, sample, pool, users)
                for size in sizes:
                    if pool.mentors < size:
                        load_seconds = _grow(settings, rng, pool, size, now, workers, full_items_up_to)
                    result = measure_size(client, meter, pool, sample, users, repeats)
                    per_mentee = result.pop("_per_mentee")
                    if verbose:
                        for zone, target, s, b in per_mentee:
                            if s < 1 or b < 1:
                                print(f"  {size}: {zone:20} {target:14} strict={s:.1f} score={b:.1f}", file=sys.stderr)
                    rows.append(common.row(
                        "matching", f"GET /matches/suggestions, {size:,} mentors", mentors=size,
                        **result, listed=pool.listed, table_items=pool.items,
                        load_s=round(load_seconds, 1),
                    ))
                    if verbose:
                        print(json.dumps(rows[-1]), file=sys.stderr)
        finally:
            common.restore_default_settings()
    return rows


COLUMNS = ("request", "dynamodb_calls", "items_read", "items_read_max", "p50_ms", "p95_ms",
           "recall_strict", "recall_by_score", "listed", "load_s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.matching", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000], help="pool sizes, ascending")
    parser.add_argument("--mentees", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3, help="requests per mentee and size")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--endpoint", help="an already running DynamoDB endpoint (default: start DynamoDB Local)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="print mentees whose recall is below 1")
    parser.add_argument("--full-items-up-to", type=int, default=FULL_ITEMS_UP_TO,
                        help="past this pool size, load only the directory's framework partitions")
    args = parser.parse_args(argv)
    rows = run(sorted(args.sizes), args.mentees, args.repeats, args.endpoint, args.seed, verbose=args.verbose,
               full_items_up_to=args.full_items_up_to)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(" | ".join(COLUMNS))
        for r in rows:
            print(" | ".join(str(r.get(c, "")) for c in COLUMNS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
