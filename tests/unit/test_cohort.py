"""The cohort program's solver (chalicelib/cohort.py): the optimum against brute force, the case
arrival order gets wrong, the priority of the target framework over the score, capacities."""

from __future__ import annotations

import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.cohort import Assignment, Candidate, solve, value
from chalicelib.scoring import TARGET_FRAMEWORK_POINTS, MenteeNeeds, MentorOffer, score_mentor

# --- helpers ----------------------------------------------------------------------------------


def brute_force(candidates: list[Candidate], capacities: dict[str, int]) -> tuple[int, int]:
    """The best value(...) over every assignment: each mentee gets none or one of its candidate
    mentors, no mentor more than its capacity (missing: 0)."""
    by_mentee: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_mentee.setdefault(candidate.mentee_id, []).append(candidate)
    mentees = sorted(by_mentee)
    left = {mentor: max(0, capacities.get(mentor, 0)) for mentor in {c.mentor_id for c in candidates}}

    def best(i: int) -> tuple[int, int]:
        if i == len(mentees):
            return (0, 0)
        result = best(i + 1)  # this mentee unmatched
        for candidate in by_mentee[mentees[i]]:
            if left[candidate.mentor_id] > 0:
                left[candidate.mentor_id] -= 1
                on_target, total = best(i + 1)
                left[candidate.mentor_id] += 1
                result = max(result, (on_target + candidate.on_target, total + candidate.score))
        return result

    return best(0)


def assert_feasible(assignments: list[Assignment], candidates: list[Candidate], capacities: dict[str, int]) -> None:
    pairs = {(c.mentee_id, c.mentor_id): c for c in candidates}
    mentees = [a.mentee_id for a in assignments]
    assert len(mentees) == len(set(mentees)), "a mentee got two mentors"
    assert mentees == sorted(mentees), "assignments are sorted by mentee id"
    for assignment in assignments:
        candidate = pairs.get((assignment.mentee_id, assignment.mentor_id))
        assert candidate is not None, f"not a candidate pair: {assignment}"
        assert (assignment.score, assignment.on_target) == (candidate.score, candidate.on_target)
        assert assignment.score > 0 or assignment.on_target, f"a pair worth nothing: {assignment}"
    for mentor, count in Counter(a.mentor_id for a in assignments).items():
        assert count <= capacities.get(mentor, 0), f"{mentor} over capacity"


@st.composite
def instances(draw):
    """Up to 6 mentees, 4 mentors with capacities 0..3 (some missing), random candidate pairs."""
    mentees = [f"mentee-{i}" for i in range(draw(st.integers(0, 6)))]
    mentors = [f"mentor-{j}" for j in range(draw(st.integers(0, 4)))]
    capacities = {}
    for mentor in mentors:
        capacity = draw(st.one_of(st.integers(0, 3), st.none()))
        if capacity is not None:
            capacities[mentor] = capacity
    scores = st.one_of(st.integers(0, 100), st.sampled_from([0, 1, 49, 51, 100]))  # ties too
    candidates = []
    for mentee in mentees:
        for mentor in mentors:
            if draw(st.booleans()):
                candidates.append(Candidate(mentee, mentor, draw(scores), draw(st.booleans())))
    order = draw(st.permutations(candidates))
    return list(order), capacities


# --- the optimum ------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(instances())
def test_the_solver_reaches_the_brute_force_optimum_with_a_feasible_assignment(instance):
    candidates, capacities = instance
    assignments = solve(candidates, capacities)
    assert_feasible(assignments, candidates, capacities)
    assert value(assignments) == brute_force(candidates, capacities)


@settings(max_examples=50, deadline=None)
@given(instances(), st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_the_order_of_the_candidates(instance, rng):
    candidates, capacities = instance
    shuffled = list(candidates)
    rng.shuffle(shuffled)
    assert solve(shuffled, capacities) == solve(candidates, capacities)


def test_brute_force_itself_respects_capacity():
    candidates = [Candidate("a", "m", 90, True), Candidate("b", "m", 80, True)]
    assert brute_force(candidates, {"m": 1}) == (1, 90)
    assert brute_force(candidates, {"m": 2}) == (2, 170)
    assert brute_force(candidates, {}) == (0, 0)


# --- arrival order's trap ---------------------------------------------------------------------


def _needs(target: str, frameworks: tuple[str, ...] = ()) -> MenteeNeeds:
    return MenteeNeeds(target_framework=target, frameworks=frameworks, goals=("job-switch", "framework-depth"),
                       utc_offset_minutes=60, languages=("en",))


def _offer(mentor_id: str, frameworks: tuple[str, ...]) -> MentorOffer:
    return MentorOffer(mentor_id=mentor_id, frameworks=frameworks, goals=("job-switch", "framework-depth"),
                       utc_offset_minutes=60, languages=("en",))


def test_a_program_gives_the_only_jax_mentor_to_the_jax_mentee_where_arrival_order_would_not():
    mentors = [_offer("jax-jo", ("jax", "pytorch")), _offer("py-pat", ("pytorch",))]
    capacities = {"jax-jo": 1, "py-pat": 1}
    # Pia arrives first; she is curious about JAX too, which makes Jo a little better for her.
    mentees = [("pia", _needs("pytorch", ("jax",))), ("jay", _needs("jax"))]
    candidates = []
    for mentee_id, needs in mentees:
        for offer in mentors:
            score = score_mentor(needs, offer).score
            candidates.append(Candidate(mentee_id, offer.mentor_id, score, score >= TARGET_FRAMEWORK_POINTS))
    scores = {(c.mentee_id, c.mentor_id): c for c in candidates}
    assert scores["pia", "jax-jo"].score > scores["pia", "py-pat"].score
    assert scores["pia", "jax-jo"].on_target and scores["pia", "py-pat"].on_target
    assert scores["jay", "jax-jo"].on_target and not scores["jay", "py-pat"].on_target

    # First come, first served: each mentee in arrival order takes the best mentor with a free slot.
    free = dict(capacities)
    greedy = {}
    for mentee_id, _ in mentees:
        options = [c for c in candidates if c.mentee_id == mentee_id and free[c.mentor_id] > 0]
        if options:
            pick = max(options, key=lambda c: (c.score, c.mentor_id))
            free[pick.mentor_id] -= 1
            greedy[mentee_id] = pick
    assert greedy["pia"].mentor_id == "jax-jo"
    assert "jay" not in greedy or not greedy["jay"].on_target

    program = solve(candidates, capacities)
    assert [(a.mentee_id, a.mentor_id) for a in program] == [("jay", "jax-jo"), ("pia", "py-pat")]
    assert value(program)[0] == 2 > value(greedy.values())[0]


# --- priorities and limits --------------------------------------------------------------------


def test_one_more_mentee_on_target_beats_any_difference_in_total_score():
    # One slot: a mentee on target for a score of 1, or one off target for the full 100.
    one = [Candidate("x", "m", 100, False), Candidate("t", "m", 1, True)]
    assert solve(one, {"m": 1}) == [Assignment("t", "m", 1, True)]

    # Ten slots and twenty mentees: the ten on target (score 1, and one at 0) against ten off target
    # with 100 each; and the same with one mentor more, who can take only a mentee off target.
    slots = 10
    candidates = [Candidate(f"t{i}", "m", 0 if i == 0 else 1, True) for i in range(slots)]
    candidates += [Candidate(f"x{i}", "m", 100, False) for i in range(slots)]
    candidates += [Candidate(f"x{i}", "n", 100, False) for i in range(slots)]
    assignments = solve(candidates, {"m": slots, "n": 1})
    assert_feasible(assignments, candidates, {"m": slots, "n": 1})
    assert value(assignments) == (slots, slots - 1 + 100)
    assert {a.mentee_id for a in assignments if a.mentor_id == "m"} == {f"t{i}" for i in range(slots)}
    # The best total score alone would take the ten x on m (and one more on n): far more points.
    best_total = [Candidate(f"x{i}", "m", 100, False) for i in range(slots)]
    assert value(best_total)[1] > value(assignments)[1] + 100 * (slots - 2)


def test_within_the_same_number_on_target_the_total_score_decides():
    # Taking the best pair first (a -> n, 90) would leave b with m: 90 + 10 = 100 < 60 + 85.
    candidates = [Candidate("a", "m", 60, True), Candidate("a", "n", 90, True),
                  Candidate("b", "m", 10, True), Candidate("b", "n", 85, True)]
    assignments = solve(candidates, {"m": 1, "n": 1})
    assert [(a.mentee_id, a.mentor_id) for a in assignments] == [("a", "m"), ("b", "n")]
    assert value(assignments) == (2, 145)


def test_capacity_is_respected_with_many_mentees():
    rng = random.Random(7)
    capacities = {"m1": 2, "m2": 0, "m3": 5, "m4": -1}  # m5 missing: no slot either
    candidates = [Candidate(f"mentee-{i:02d}", mentor, rng.randint(1, 100), rng.random() < 0.5)
                  for i in range(60) for mentor in ("m1", "m2", "m3", "m4", "m5")]
    assignments = solve(candidates, capacities)
    assert_feasible(assignments, candidates, capacities)
    counts = Counter(a.mentor_id for a in assignments)
    assert counts == {"m1": 2, "m3": 5}


def test_nothing_to_assign():
    assert solve([], {}) == []
    assert solve([], {"m": 3}) == []
    assert solve([Candidate("a", "m", 80, True)], {}) == []
    assert solve([Candidate("a", "m", 80, True)], {"m": 0}) == []
    assert solve([Candidate("a", "m", 0, False)], {"m": 1}) == []  # worth nothing
    assert solve([Candidate("a", "m", 0, True)], {"m": 1}) == [Assignment("a", "m", 0, True)]
    assert value([]) == (0, 0)
