"""Cohort programs: how much an exact optimum (chalicelib/cohort.py) matches better than arrival
order, and what the solve costs.

    .venv/bin/python -m benchmarks.cohort [--json]

A seeded simulation, in-process (no DynamoDB): a population of mentees and mentors with a realistic
skew (mentees want PyTorch most, JAX and Hugging Face mentors are scarce; time zones clustered in
the Americas and Europe; capacities mostly 1-2), scored with chalicelib.scoring (no reputation).
A pair may be matched when the two share a framework or a goal, as suggestions require. Three ways
to match the same population:

- first come, first served: mentees in (random) arrival order each take the best-scoring mentor
  with a free slot (ties: fewer mentees, then id);
- the waitlist: arrival order, a mentee takes the best free mentor who knows their target
  framework, or else waits (stays unmatched in this static simulation);
- a program: ``cohort.solve``, the optimum (most mentees on target, then the highest total score).

Rows "cohort quality": per strategy and population, matched mentees, the share of mentees on their
target framework, the mean score of the matches, the share of matches 6+ hours apart, the mean score
by arrival quarter and the ratios to the optimum. Rows "cohort solve": building the candidate pairs
(scoring) and the solve itself, time and peak memory (tracemalloc, which sees numpy's arrays but
not SciPy's own C++ buffers; and, for the solve, the growth of the process's peak resident memory,
which sees everything).
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from chalicelib import cohort, scoring
from chalicelib.scoring import TARGET_FRAMEWORK_POINTS, MenteeNeeds, MentorOffer
from chalicelib.vocabulary import FRAMEWORK_IDS, GOAL_IDS

SEED = 20260115
QUALITY_POPULATIONS = ((300, 1_200), (100, 1_000))  # (mentors, mentees)
SOLVE_POPULATIONS = ((300, 1_200), (1_000, 5_000))
MOMENT = datetime.datetime(2026, 1, 15, 12, 0, tzinfo=datetime.timezone.utc)  # offsets of this moment
FAR_HOURS = 6

# Mentees' target frameworks, and the frameworks mentors know (weights): JAX and Hugging Face are
# wanted far more than there are mentors for them.
MENTEE_TARGETS = {"pytorch": 40, "scikit-learn": 14, "tensorflow": 12, "hugging-face": 12, "jax": 6,
                  "xgboost": 5, "keras": 4, "lightgbm": 3, "spark-mllib": 2, "onnx": 2}
MENTOR_FRAMEWORKS = {"pytorch": 30, "scikit-learn": 17, "tensorflow": 14, "xgboost": 8, "keras": 7,
                     "lightgbm": 6, "spark-mllib": 5, "onnx": 5, "hugging-face": 5, "jax": 3}
GOAL_WEIGHTS = {"job-switch": 20, "interview-prep": 15, "internal-transfer": 12, "personal-project": 12,
                "framework-depth": 10, "ml-initiative": 10, "applied-theory": 8, "ml-systems": 8, "kaggle": 5}
# Regions (weight) -> IANA zones (weight, regional language).
REGIONS = {
    "Americas": (35, {"America/New_York": (30, "en"), "America/Chicago": (12, "en"),
                      "America/Los_Angeles": (25, "en"), "America/Toronto": (8, "fr"),
                      "America/Sao_Paulo": (12, "pt"), "America/Mexico_City": (8, "es"),
                      "America/Bogota": (5, "es")}),
    "Europe": (35, {"Europe/London": (22, "en"), "Europe/Berlin": (20, "de"), "Europe/Paris": (14, "fr"),
                    "Europe/Madrid": (10, "es"), "Europe/Amsterdam": (8, "nl"), "Europe/Warsaw": (10, "pl"),
                    "Europe/Kyiv": (8, "uk"), "Europe/Stockholm": (8, "sv")}),
    "India": (15, {"Asia/Kolkata": (1, "hi")}),
    "East Asia": (10, {"Asia/Tokyo": (30, "ja"), "Asia/Seoul": (20, "ko"), "Asia/Shanghai": (30, "zh"),
                       "Asia/Singapore": (20, "zh")}),
    "Oceania": (5, {"Australia/Sydney": (60, "en"), "Australia/Melbourne": (25, "en"),
                    "Pacific/Auckland": (15, "en")}),
}
CAPACITIES = {1: 35, 2: 35, 3: 20, 4: 6, 5: 4}


@dataclass(frozen=True)
class Population:
    mentees: list[tuple[str, MenteeNeeds]]  # in id order
    mentors: list[MentorOffer]
    capacities: dict[str, int]
    arrival: list[str]  # mentee ids in the order their requests arrive


def _weighted(rng: random.Random, weights: dict, k: int = 1, exclude=()) -> list:
    """k distinct keys of `weights`, drawn by weight without replacement."""
    pool = {key: w for key, w in weights.items() if key not in exclude}
    picked = []
    for _ in range(min(k, len(pool))):
        key = rng.choices(list(pool), weights=list(pool.values()))[0]
        picked.append(key)
        del pool[key]
    return picked


def _place(rng: random.Random) -> tuple[int, tuple[str, ...]]:
    """A UTC offset at MOMENT (minutes) and languages: mostly English, plus the regional one."""
    _, zones = REGIONS[_weighted(rng, {name: w for name, (w, _) in REGIONS.items()})[0]]
    zone = _weighted(rng, {name: w for name, (w, _) in zones.items()})[0]
    regional = zones[zone][1]
    offset = int(MOMENT.astimezone(ZoneInfo(zone)).utcoffset().total_seconds() // 60)
    languages = []
    if regional == "en" or rng.random() < 0.85:
        languages.append("en")
    if regional != "en" and (not languages or rng.random() < 0.6):
        languages.append(regional)
    return offset, tuple(languages)


def population(mentor_count: int, mentee_count: int, seed: int = SEED) -> Population:
    rng = random.Random(seed)
    assert set(MENTEE_TARGETS) == set(FRAMEWORK_IDS) == set(MENTOR_FRAMEWORKS)
    assert set(GOAL_WEIGHTS) == set(GOAL_IDS)
    mentors, capacities = [], {}
    for n in range(mentor_count):
        offset, languages = _place(rng)
        mentor_id = f"mentor-{n:05d}"
        mentors.append(MentorOffer(
            mentor_id=mentor_id,
            frameworks=tuple(_weighted(rng, MENTOR_FRAMEWORKS, rng.choices((1, 2, 3, 4), (30, 35, 25, 10))[0])),
            goals=tuple(_weighted(rng, GOAL_WEIGHTS, rng.randint(2, 6))),
            utc_offset_minutes=offset, languages=languages,
        ))
        capacities[mentor_id] = rng.choices(list(CAPACITIES), list(CAPACITIES.values()))[0]
    mentees = []
    for n in range(mentee_count):
        offset, languages = _place(rng)
        target = _weighted(rng, MENTEE_TARGETS)[0]
        others = _weighted(rng, MENTOR_FRAMEWORKS, rng.choices((0, 1, 2), (50, 35, 15))[0], exclude=(target,))
        mentees.append((f"mentee-{n:05d}", MenteeNeeds(
            target_framework=target, frameworks=tuple(others),
            goals=tuple(_weighted(rng, GOAL_WEIGHTS, rng.randint(1, 3))),
            utc_offset_minutes=offset, languages=languages,
        )))
    arrival = [mentee_id for mentee_id, _ in mentees]
    rng.shuffle(arrival)
    return Population(mentees, mentors, capacities, arrival)


def _bits(values, index: dict[str, int]) -> int:
    return sum(1 << index[v] for v in set(values))


def candidates(pop: Population) -> list[cohort.Candidate]:
    """Every pair sharing a framework or a goal, scored with scoring.score_parts (what
    scoring.score_only adds up), each part worked out once per distinct value a mentor offers."""
    framework_bit = {f: i for i, f in enumerate(FRAMEWORK_IDS)}
    goal_bit = {g: i for i, g in enumerate(GOAL_IDS)}
    # Mentors by the distinct values of each part.
    keys: list[dict] = [{}, {}, {}, {}]
    mentor_keys = []
    for offer in pop.mentors:
        values = (offer.frameworks, offer.goals, offer.utc_offset_minutes, offer.languages)
        mentor_keys.append(tuple(k.setdefault(v, len(k)) for k, v in zip(keys, values)))
    mentor_masks = [(_bits(o.frameworks, framework_bit), _bits(o.goals, goal_bit)) for o in pop.mentors]
    mentor_rows = list(zip(pop.mentors, mentor_keys, mentor_masks))
    pairs = []
    Candidate = cohort.Candidate
    for mentee_id, needs in pop.mentees:
        parts = scoring.score_parts(needs)
        framework_points = [parts.frameworks(v) for v in keys[0]]
        goal_points = [parts.goals(v) for v in keys[1]]
        timezone_points = [parts.timezone(v) for v in keys[2]]
        language_points = [parts.languages(v) for v in keys[3]]
        frameworks = _bits((needs.target_framework, *needs.frameworks), framework_bit)
        goals = _bits(needs.goals, goal_bit)
        for offer, (f, g, t, lang), (mentor_frameworks, mentor_goals) in mentor_rows:
            if frameworks & mentor_frameworks or goals & mentor_goals:
                score = framework_points[f] + goal_points[g] + timezone_points[t] + language_points[lang]
                pairs.append(Candidate(mentee_id, offer.mentor_id, score, score >= TARGET_FRAMEWORK_POINTS))
    return pairs


def check_scores(pop: Population, pairs: list[cohort.Candidate], sample: int = 300) -> None:
    """The scores above are the service's: score_mentor and score_only on a sample of pairs."""
    needs_of = dict(pop.mentees)
    offer_of = {o.mentor_id: o for o in pop.mentors}
    for pair in random.Random(SEED).sample(pairs, min(sample, len(pairs))):
        needs, offer = needs_of[pair.mentee_id], offer_of[pair.mentor_id]
        assert pair.score == scoring.score_only(needs)(offer) == scoring.score_mentor(needs, offer).score, pair
        assert pair.on_target == (needs.target_framework in offer.frameworks), pair


# --- strategies -------------------------------------------------------------------------------


def _arrival_order(pop: Population, pairs, only_on_target: bool) -> list[cohort.Candidate]:
    by_mentee: dict[str, list[cohort.Candidate]] = {}
    for pair in pairs:
        if pair.on_target or not only_on_target:
            if pair.score > 0 or pair.on_target:
                by_mentee.setdefault(pair.mentee_id, []).append(pair)
    free = dict(pop.capacities)
    taken: dict[str, int] = {}
    matches = []
    for mentee_id in pop.arrival:
        options = [p for p in by_mentee.get(mentee_id, ()) if free.get(p.mentor_id, 0) > 0]
        if not options:
            continue  # waits: unmatched here
        pick = min(options, key=lambda p: (-p.score, taken.get(p.mentor_id, 0), p.mentor_id))
        free[pick.mentor_id] -= 1
        taken[pick.mentor_id] = taken.get(pick.mentor_id, 0) + 1
        matches.append(pick)
    return matches


def first_come_first_served(pop: Population, pairs) -> list[cohort.Candidate]:
    return _arrival_order(pop, pairs, only_on_target=False)


def waitlist(pop: Population, pairs) -> list[cohort.Candidate]:
    return _arrival_order(pop, pairs, only_on_target=True)


def program(pop: Population, pairs) -> list[cohort.Assignment]:
    return cohort.solve(pairs, pop.capacities)


STRATEGIES = (("first come, first served", first_come_first_served), ("waitlist", waitlist),
              ("program (optimum)", program))


def _check_feasible(pop: Population, matches) -> None:
    mentees = [m.mentee_id for m in matches]
    assert len(mentees) == len(set(mentees))
    taken: dict[str, int] = {}
    for match in matches:
        taken[match.mentor_id] = taken.get(match.mentor_id, 0) + 1
    assert all(count <= pop.capacities[mentor] for mentor, count in taken.items())


def _quality_rows(mentor_count: int, mentee_count: int) -> list[dict]:
    pop = population(mentor_count, mentee_count)
    pairs = candidates(pop)
    check_scores(pop, pairs)
    needs_of = dict(pop.mentees)
    offset_of = {o.mentor_id: o.utc_offset_minutes for o in pop.mentors}
    quarter_of = {mentee_id: 4 * n // mentee_count for n, mentee_id in enumerate(pop.arrival)}
    results = {name: strategy(pop, pairs) for name, strategy in STRATEGIES}
    best_on_target, best_total = cohort.value(results["program (optimum)"])
    rows = []
    for name, matches in results.items():
        _check_feasible(pop, matches)
        on_target, total = cohort.value(matches)
        far = sum(scoring.timezone_distance_hours(needs_of[m.mentee_id].utc_offset_minutes,
                                                  offset_of[m.mentor_id]) >= FAR_HOURS for m in matches)
        by_quarter = [[m.score for m in matches if quarter_of[m.mentee_id] == q] for q in range(4)]
        rows.append({
            "benchmark": "cohort quality",
            "request": f"{name}: {mentor_count:,} mentors ({sum(pop.capacities.values()):,} slots), "
                       f"{mentee_count:,} mentees",
            "mentors": mentor_count, "mentees": mentee_count, "candidates": len(pairs),
            "matched": len(matches),
            "on_target_share": round(on_target / mentee_count, 3),
            "mean_score": round(total / len(matches), 1) if matches else None,
            "far_share": round(far / len(matches), 3) if matches else None,
            "score_by_quarter": " / ".join(f"{statistics.fmean(q):.1f}" if q else "-" for q in by_quarter),
            "matched_by_quarter": " / ".join(str(len(q)) for q in by_quarter),
            "score_ratio": round(total / best_total, 3) if best_total else None,
            "on_target_ratio": round(on_target / best_on_target, 3) if best_on_target else None,
        })
    return rows


# --- solve time and memory --------------------------------------------------------------------


def _peak_rss_reset() -> int | None:
    """Give freed heap memory back to the OS (glibc keeps it otherwise, and a later run would
    reuse it unseen), reset the process's peak resident memory (Linux: 5 > /proc/self/clear_refs)
    and return the resident memory now, in KiB; None where that cannot be done."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
        return _status_kib("VmRSS")
    except (OSError, AttributeError, ValueError):
        return None


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise ValueError(field)


def _measure(action, repeats: int) -> tuple[object, float, float, float | None]:
    """(result, median seconds, tracemalloc peak MB, peak RSS growth MB or None). The first run
    untraced gives the peak RSS growth (numpy's and SciPy's own C++ buffers included), every
    untraced run a time, and one more run under tracemalloc the traced peak."""
    seconds = []
    rss_growth = None
    for attempt in range(repeats):
        result = None  # the previous result is not part of the next run's memory
        before = _peak_rss_reset() if attempt == 0 else None
        started = time.perf_counter()
        result = action()
        seconds.append(time.perf_counter() - started)
        if before is not None:
            rss_growth = (_status_kib("VmHWM") - before) / 1024
    result = None
    tracemalloc.start()
    result = action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, statistics.median(seconds), peak / 2**20, rss_growth


def _import_ms() -> float:
    """numpy + scipy.optimize imported in a fresh interpreter (what the first solve pays)."""
    code = ("import time; t = time.perf_counter(); import numpy, scipy.optimize; "
            "print(time.perf_counter() - t)")
    times = [float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                  text=True).stdout) for _ in range(3)]
    return round(statistics.median(times) * 1000, 1)


def _solve_row(mentor_count: int, mentee_count: int, repeats: int) -> dict:
    pop = population(mentor_count, mentee_count)
    cohort.solve([cohort.Candidate("a", "b", 1, False)], {"b": 1})  # numpy and SciPy imported already
    pairs, build_s, build_mb, _ = _measure(lambda: candidates(pop), 1)
    assignments, solve_s, solve_mb, solve_rss = _measure(lambda: program(pop, pairs), repeats)
    on_target, total = cohort.value(assignments)
    slots = sum(pop.capacities.values())
    # The matrix: mentees with a candidate x free slots (capped by demand), float64.
    mentees_with_pairs = len({p.mentee_id for p in pairs})
    return {
        "benchmark": "cohort solve",
        "request": f"{mentor_count:,} mentors ({slots:,} slots), {mentee_count:,} mentees",
        "mentors": mentor_count, "mentees": mentee_count, "candidates": len(pairs),
        "build_s": round(build_s, 2), "build_peak_mb": round(build_mb, 1),
        "p50_ms": round(solve_s * 1000, 1), "samples": repeats,
        "solve_peak_mb": round(solve_mb, 1),
        "solve_rss_growth_mb": None if solve_rss is None else round(solve_rss, 1),
        "matrix_mb": round(mentees_with_pairs * slots * 8 / 2**20, 1),
        "matched": len(assignments), "on_target": on_target, "total_score": total,
    }


def run(quality=QUALITY_POPULATIONS, solve_sizes=SOLVE_POPULATIONS, repeats: int = 3) -> list[dict]:
    rows = []
    for mentor_count, mentee_count in quality:
        rows.extend(_quality_rows(mentor_count, mentee_count))
    rows.append({"benchmark": "cohort solve", "request": "import numpy + scipy.optimize (fresh interpreter)",
                 "p50_ms": _import_ms(), "samples": 3})
    for mentor_count, mentee_count in solve_sizes:
        rows.append(_solve_row(mentor_count, mentee_count, repeats if mentee_count <= 1_200 else 1))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = run()
    print(json.dumps(rows, indent=2) if args.json else "\n".join(str(row) for row in rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
