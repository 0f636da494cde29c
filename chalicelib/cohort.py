"""The exact optimum for a cohort program: pure, no I/O.

A cohort program matches many mentees with many mentors at once instead of in the order requests
arrive. The caller gives the pairs that may be matched (``Candidate``: blocks, open matches and
limits already filtered out), each with the service's score for the pair (0..100,
``chalicelib.scoring``) and whether the mentor knows the mentee's target framework, and each
mentor's free slots (``capacities``). ``solve`` returns the assignment that maximises,
lexicographically:

1. the number of mentees matched with a mentor who knows their target framework;
2. then the total score of the matches;

with each mentee matched at most once, only through a candidate pair, and each mentor given at
most ``capacities[mentor_id]`` mentees (missing or <= 0: none). A pair worth nothing (score 0, not
on target) is never assigned.

How: a rectangular assignment problem, one row per mentee and one column per free mentor slot (a
mentor with c free slots gets c identical columns, trimmed to the number of mentees who could take
one, which changes no optimum), weighing each cell ``BIG * on_target + score`` with
``BIG > 100 * mentees``: every score total is below BIG, so one more mentee on target outweighs any
difference in total score, and maximising the sum of weights maximises (on target, total score)
lexicographically. Cells that are not candidates weigh 0, so a full assignment of the matrix that
uses them is a partial matching of the same value: dropping the cells of weight 0 afterwards gives
the optimum. Weights are integers far below 2**53, exact in float64.

Why SciPy (``scipy.optimize.linear_sum_assignment``):

- it is exact (a shortest augmenting path Jonker-Volgenant solver, Crouse 2016), not a heuristic,
  and handles rectangular matrices directly; writing and proving our own Hungarian method or
  min-cost flow would be code to own for no gain;
- it is well kept (SciPy, with numpy under it) and pinned in requirements.txt;
- it is fast in C: the solve times and memory for realistic cohorts are measured in
  docs/PERFORMANCE.md ("Cohort programs: matching quality and solve time");
- the cost is the package: numpy (~57 MB) and scipy (~110 MB) unzipped in the Lambda package, and
  their import time (a few hundred milliseconds). Only ``solve`` imports them, inside the function,
  so the API's routes and this module's import never pay for them: only the program matcher does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from typing import NamedTuple

__all__ = ["Assignment", "Candidate", "solve", "value"]


class Candidate(NamedTuple):
    """A pair that may be matched (the caller filtered blocks, open matches, limits)."""

    mentee_id: str
    mentor_id: str
    score: int  # 0..100, the service's score for the pair
    on_target: bool  # the mentor knows the mentee's target framework


class Assignment(NamedTuple):
    mentee_id: str
    mentor_id: str
    score: int
    on_target: bool


def value(assignments: Iterable[Assignment | Candidate]) -> tuple[int, int]:
    """(mentees on their target framework, total score): what ``solve`` maximises, in that order."""
    on_target = total = 0
    for assignment in assignments:
        on_target += 1 if assignment.on_target else 0
        total += assignment.score
    return on_target, total


def _renumber(np, indices, size: int):
    """(indices renumbered 0..k-1 keeping their order, the k original indices used)."""
    used = np.zeros(size, dtype=bool)
    used[indices] = True
    renumbered = np.cumsum(used) - 1
    return renumbered[indices], np.flatnonzero(used)


def solve(candidates: Iterable[Candidate], capacities: Mapping[str, int]) -> list[Assignment]:
    """The optimal assignment (see the module docstring), sorted by mentee id.

    Deterministic: mentees and mentors are ordered by id before the matrix is built, so the order of
    the candidates does not matter. When the same pair is given twice, its best weight counts.
    """
    pairs = candidates if isinstance(candidates, Sequence) else list(candidates)
    count = len(pairs)
    if not count:
        return []

    import numpy as np
    from scipy.optimize import linear_sum_assignment

    # Columns of the candidates, read in C (map, itemgetter, fromiter): no Python code per pair.
    all_mentees = sorted(set(map(itemgetter(0), pairs)))
    all_mentors = sorted(set(map(itemgetter(1), pairs)))
    mentee_index = {mentee: i for i, mentee in enumerate(all_mentees)}.__getitem__
    mentor_index = {mentor: j for j, mentor in enumerate(all_mentors)}.__getitem__
    rows = np.fromiter(map(mentee_index, map(itemgetter(0), pairs)), dtype=np.intp, count=count)
    cols = np.fromiter(map(mentor_index, map(itemgetter(1), pairs)), dtype=np.intp, count=count)
    scores = np.fromiter(map(itemgetter(2), pairs), dtype=np.int64, count=count)
    on_target = np.fromiter(map(bool, map(itemgetter(3), pairs)), dtype=bool, count=count)
    del pairs
    capacity = np.array([max(0, int(capacities.get(m) or 0)) for m in all_mentors], dtype=np.intp)

    # The pairs worth something, with a mentor who has a free slot.
    keep = ((scores > 0) | on_target) & (capacity[cols] > 0)
    if not keep.any():
        return []
    rows, cols, scores, on_target = rows[keep], cols[keep], scores[keep], on_target[keep]
    del keep
    # Only the mentees and mentors of those pairs, renumbered in the same (id) order.
    rows, mentee_ids = _renumber(np, rows, len(all_mentees))
    cols, mentor_ids = _renumber(np, cols, len(all_mentors))
    mentees = [all_mentees[i] for i in mentee_ids.tolist()]
    mentors = [all_mentors[j] for j in mentor_ids.tolist()]
    big = 100 * len(mentees) + 1  # above any total score (scores are at most 100)
    weights = (big * on_target + np.clip(scores, 0, 100)).astype(np.float64)
    del scores, on_target

    # Free slots per mentor, no more than the mentees who could take one (the rest would stay empty).
    demand = np.bincount(cols, minlength=len(mentors))
    slots = np.minimum(capacity[mentor_ids], demand)
    slot_mentor = np.repeat(np.arange(len(mentors), dtype=np.intp), slots)

    # Mentee x mentor weights (the best of duplicate pairs), then one column per slot by indexing.
    by_mentor = np.zeros((len(mentees), len(mentors)), dtype=np.float64)
    np.maximum.at(by_mentor, (rows, cols), weights)
    del rows, cols, weights
    matrix = by_mentor[:, slot_mentor]
    del by_mentor

    assigned_rows, assigned_slots = linear_sum_assignment(matrix, maximize=True)
    assigned_weights = matrix[assigned_rows, assigned_slots]
    del matrix
    chosen = assigned_weights > 0  # a weight above 0 only where a candidate pair is
    result = []
    for i, slot, weight in zip(assigned_rows[chosen].tolist(), assigned_slots[chosen].tolist(),
                               assigned_weights[chosen].astype(np.int64).tolist()):
        target = weight >= big
        result.append(Assignment(mentees[i], mentors[int(slot_mentor[slot])], weight - big * target, target))
    result.sort(key=lambda a: a.mentee_id)
    return result
