"""Behaviour of the pure scoring module: score bounds, monotonicity, ranking order, reasons."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import scoring
from chalicelib.scoring import (
    MOVED_VIA_REASONS,
    STANDING_BOUND,
    TARGET_FRAMEWORK_POINTS,
    MenteeNeeds,
    MentorOffer,
    Reputation,
    Scored,
    rank_mentors,
    rank_value,
    reputation_reasons,
    score_mentor,
    sort_key,
    standing,
    timezone_distance_hours,
)
from chalicelib.vocabulary import FRAMEWORK_IDS, GOAL_IDS, GOAL_LABELS

SCORING = settings(max_examples=200, deadline=None)
RANKING = settings(max_examples=100, deadline=None)  # each example scores a whole list

LANGUAGES = ("en", "de", "fr", "es", "hi", "pt", "xx")

offsets = st.one_of(
    st.integers(-48, 56).map(lambda q: q * 15),  # quarter hours, UTC-12:00..UTC+14:00
    st.integers(-24, 28).map(lambda h: h * 30),  # half hours
)
ratings = st.integers(10, 50).map(lambda tenths: tenths / 10)  # 1.0..5.0, one decimal
answer_hours = st.integers(0, 5000).map(lambda tenths: tenths / 10)  # 0..500 h, one decimal
expired_counts = st.integers(0, 20)

# The extremes of standing: nothing speaks more for a mentor, or more against one.
BEST = Reputation(rating=5.0, rating_count=200, response_hours=0.0, recent_expired=0)
WORST = Reputation(rating=1.0, rating_count=200, response_hours=500.0, recent_expired=20)


def _some_of(values, min_size=0, max_size=5):
    """Between min_size (0 or 1) and max_size distinct values, drawn as one bitmask.

    Values keep their vocabulary order: order never changes a score, and reason order
    is covered by the concrete examples below. One draw per subset keeps the
    property tests fast.
    """
    return st.integers(min_size, 2 ** len(values) - 1).map(
        lambda mask: tuple(v for i, v in enumerate(values) if mask >> i & 1)[:max_size]
    )


@st.composite
def reputations(draw) -> Reputation:
    """As chalicelib.reputation makes them: a rating from 3 ratings on, else None."""
    rating = draw(st.none() | ratings)
    return Reputation(
        rating=rating,
        rating_count=draw(st.integers(0, 2) if rating is None else st.integers(3, 200)),
        response_hours=draw(st.none() | answer_hours),
        recent_expired=draw(expired_counts),
    )


@st.composite
def mentee_needs(draw) -> MenteeNeeds:
    target = draw(st.sampled_from(FRAMEWORK_IDS))
    return MenteeNeeds(
        target_framework=target,
        frameworks=tuple(f for f in draw(_some_of(FRAMEWORK_IDS)) if f != target),
        goals=draw(_some_of(GOAL_IDS, min_size=1, max_size=5)),
        utc_offset_minutes=draw(offsets),
        languages=draw(_some_of(LANGUAGES, min_size=1, max_size=3)),
    )


@st.composite
def mentor_offers(draw, mentor_id=None) -> MentorOffer:
    return MentorOffer(
        mentor_id=draw(st.text("abcdef0123", min_size=1, max_size=6))
        if mentor_id is None
        else mentor_id,
        frameworks=draw(_some_of(FRAMEWORK_IDS, max_size=6)),
        goals=draw(_some_of(GOAL_IDS, max_size=6)),
        utc_offset_minutes=draw(offsets),
        languages=draw(_some_of(LANGUAGES, max_size=3)),
        active_mentees=draw(st.integers(0, 5)),
        moved_via=draw(_some_of(GOAL_IDS, max_size=len(GOAL_IDS))),
        reputation=draw(reputations()),
    )


def _needs(**overrides) -> MenteeNeeds:
    base = MenteeNeeds(
        target_framework="pytorch",
        frameworks=("tensorflow",),
        goals=("interview-prep", "kaggle"),
        utc_offset_minutes=60,
        languages=("en",),
    )
    return replace(base, **overrides)


def _offer(mentor_id="m1", **overrides) -> MentorOffer:
    base = MentorOffer(
        mentor_id=mentor_id,
        frameworks=(),
        goals=(),
        utc_offset_minutes=60,
        languages=(),
    )
    return base._replace(**overrides)


# --- Weights ------------------------------------------------------------------------------


def test_target_framework_points_outweigh_all_other_points_combined():
    others = (
        scoring.SECONDARY_FRAMEWORK_POINTS
        + scoring.GOAL_POINTS
        + scoring.TIMEZONE_POINTS
        + scoring.LANGUAGE_POINTS
    )
    assert scoring.TARGET_FRAMEWORK_POINTS > others
    assert scoring.TARGET_FRAMEWORK_POINTS + others == scoring.MAX_SCORE == 100


def test_perfect_match_scores_100_and_no_overlap_in_opposite_time_zone_scores_0():
    needs = _needs(utc_offset_minutes=0, languages=("en", "de"))
    perfect = _offer(
        frameworks=("pytorch", "tensorflow"),
        goals=("kaggle", "interview-prep"),
        utc_offset_minutes=0,
        languages=("de",),
    )
    nothing = _offer(frameworks=("onnx",), goals=("ml-systems",), utc_offset_minutes=720)
    assert score_mentor(needs, perfect).score == 100
    assert score_mentor(needs, nothing) == Scored("m1", 0, (), 0, rank=0)


# --- Properties ---------------------------------------------------------------------------


@SCORING
@given(mentee_needs(), mentor_offers())
def test_score_is_always_an_int_between_0_and_100(needs, offer):
    result = score_mentor(needs, offer)
    assert isinstance(result.score, int)
    assert 0 <= result.score <= 100
    assert result.mentor_id == offer.mentor_id
    assert result.active_mentees == offer.active_mentees


@SCORING
@given(mentee_needs(), mentor_offers())
def test_the_score_parts_add_up_to_the_score_of_a_mentor_without_standing(needs, offer):
    parts = scoring.score_parts(needs)
    total = (parts.frameworks(offer.frameworks) + parts.goals(offer.goals)
             + parts.timezone(offer.utc_offset_minutes) + parts.languages(offer.languages))
    plain = offer._replace(reputation=Reputation())
    assert total == score_mentor(needs, plain).score == scoring.score_only(needs)(offer)
    assert score_mentor(needs, plain).rank == rank_value(total, 0)
    # With a standing, the rank adds it to the same points (the shown score stays in its tier).
    assert score_mentor(needs, offer).rank == rank_value(total, standing(offer.reputation))
    # Each part is zero exactly when the mentor shares nothing of that kind with the mentee.
    assert (parts.frameworks(offer.frameworks) > 0) == bool(
        {needs.target_framework, *needs.frameworks} & set(offer.frameworks))
    assert (parts.goals(offer.goals) > 0) == bool(set(needs.goals) & set(offer.goals))


@SCORING
@given(mentee_needs(), mentor_offers(), st.data())
def test_adding_a_goal_the_mentee_has_never_lowers_the_score(needs, offer, data):
    goal = data.draw(st.sampled_from(needs.goals))
    more = offer._replace(goals=tuple(dict.fromkeys((*offer.goals, goal))))
    assert score_mentor(needs, more).score >= score_mentor(needs, offer).score
    assert score_mentor(needs, more).rank >= score_mentor(needs, offer).rank


@SCORING
@given(mentee_needs(), mentor_offers(), st.data())
def test_adding_a_shared_language_never_lowers_the_score(needs, offer, data):
    language = data.draw(st.sampled_from(needs.languages))
    more = offer._replace(languages=tuple(dict.fromkeys((*offer.languages, language))))
    assert score_mentor(needs, more).score >= score_mentor(needs, offer).score
    assert score_mentor(needs, more).rank >= score_mentor(needs, offer).rank


@SCORING
@given(mentee_needs(), mentor_offers(), st.data())
def test_adding_a_framework_the_mentee_wants_never_lowers_the_score(needs, offer, data):
    framework = data.draw(st.sampled_from((needs.target_framework, *needs.frameworks)))
    more = offer._replace(frameworks=tuple(dict.fromkeys((*offer.frameworks, framework))))
    assert score_mentor(needs, more).score >= score_mentor(needs, offer).score
    assert score_mentor(needs, more).rank >= score_mentor(needs, offer).rank


@SCORING
@given(mentee_needs(), mentor_offers(mentor_id="with"), mentor_offers(mentor_id="without"))
def test_a_mentor_with_the_target_framework_outranks_any_mentor_without_it(needs, a, b):
    target = needs.target_framework
    with_target = a._replace(frameworks=tuple(dict.fromkeys((*a.frameworks, target))))
    without_target = b._replace(frameworks=tuple(f for f in b.frameworks if f != target))

    assert score_mentor(needs, with_target).score > score_mentor(needs, without_target).score
    ranked = rank_mentors(needs, [without_target, with_target])
    assert [s.mentor_id for s in ranked] == ["with", "without"]


@SCORING
@given(mentee_needs(), mentor_offers())
def test_both_focus_reason_is_given_exactly_when_the_mentor_has_the_target_framework(
    needs, offer
):
    reasons = score_mentor(needs, offer).reasons
    has_target = needs.target_framework in offer.frameworks
    assert any(r.startswith("Both focus on ") for r in reasons) == has_target
    if has_target:
        assert reasons[0].startswith("Both focus on ")


@RANKING
@given(mentee_needs(), st.lists(mentor_offers(), max_size=8, unique_by=lambda o: o.mentor_id))
def test_ranking_is_deterministic_and_independent_of_input_order(needs, offers):
    expected = rank_mentors(needs, offers)
    shuffled = list(offers)
    random.Random(len(offers)).shuffle(shuffled)
    assert rank_mentors(needs, shuffled) == expected
    assert rank_mentors(needs, reversed(offers)) == expected
    assert expected == sorted(expected, key=sort_key)
    assert len(expected) == len(offers)


@RANKING
@given(
    mentee_needs(),
    st.lists(mentor_offers(), max_size=8, unique_by=lambda o: o.mentor_id),
    st.integers(0, 10),
)
def test_limit_keeps_the_best_prefix_of_the_full_ranking(needs, offers, limit):
    assert rank_mentors(needs, offers, limit=limit) == rank_mentors(needs, offers)[:limit]


@SCORING
@given(offsets, offsets)
def test_timezone_distance_is_symmetric_circular_and_at_most_12_hours(a, b):
    distance = timezone_distance_hours(a, b)
    assert distance == timezone_distance_hours(b, a)
    assert 0 <= distance <= 12
    assert distance == timezone_distance_hours(a + 24 * 60, b)


# --- Ranking ------------------------------------------------------------------------------


def test_ties_are_broken_by_fewer_active_mentees_then_mentor_id():
    needs = _needs()
    same = {"frameworks": ("pytorch",), "goals": ("kaggle",), "languages": ("en",)}
    offers = [
        _offer("c", active_mentees=1, **same),
        _offer("b", active_mentees=2, **same),
        _offer("a", active_mentees=2, **same),
        _offer("d", active_mentees=0, **same),
        _offer("z", active_mentees=5, frameworks=("pytorch", "tensorflow"), goals=GOAL_IDS),
    ]
    ranked = rank_mentors(needs, offers)
    assert [s.mentor_id for s in ranked] == ["z", "d", "c", "a", "b"]
    assert len({s.score for s in ranked[1:]}) == 1


def test_sort_key_orders_by_rank_then_active_mentees_then_mentor_id():
    items = [
        Scored("b", 60, (), 1, rank=rank_value(60, 0)),
        Scored("a", 60, (), 1, rank=rank_value(60, 0)),
        Scored("c", 60, (), 0, rank=rank_value(60, 0)),
        Scored("d", 70, (), 3, rank=rank_value(70, 0)),
        Scored("e", 61, (), 0, rank=rank_value(58, 3)),
        Scored("f", 50, (), 0, rank=rank_value(49, 4)),  # no target framework: after the rest
    ]
    assert [s.mentor_id for s in sorted(items, key=sort_key)] == ["d", "e", "c", "a", "b", "f"]


def test_rank_mentors_accepts_any_iterable_and_an_empty_one():
    needs = _needs()
    assert rank_mentors(needs, iter([])) == []
    offers = (_offer(str(i), frameworks=("pytorch",)) for i in range(3))
    assert [s.mentor_id for s in rank_mentors(needs, offers)] == ["0", "1", "2"]


def test_limit_returns_at_most_limit_best_results():
    needs = _needs()
    offers = [
        _offer("weak"),
        _offer("best", frameworks=("pytorch",), goals=("kaggle", "interview-prep")),
        _offer("good", frameworks=("pytorch",)),
        _offer("ok", frameworks=("tensorflow",)),
    ]
    assert [s.mentor_id for s in rank_mentors(needs, offers, limit=2)] == ["best", "good"]
    assert rank_mentors(needs, offers, limit=0) == []
    assert len(rank_mentors(needs, offers, limit=10)) == 4
    assert len(rank_mentors(needs, offers, limit=None)) == 4
    with pytest.raises(ValueError):
        rank_mentors(needs, offers, limit=-1)


# --- Reasons and points -------------------------------------------------------------------


def test_reasons_for_a_clear_match_are_readable_and_in_order_of_importance():
    needs = _needs(
        target_framework="pytorch",
        frameworks=("tensorflow", "scikit-learn"),
        goals=("internal-transfer", "interview-prep", "kaggle"),
        utc_offset_minutes=60,
        languages=("en", "de"),
    )
    offer = _offer(
        "m-42",
        frameworks=("scikit-learn", "pytorch", "tensorflow"),
        goals=("kaggle", "interview-prep", "ml-systems"),
        utc_offset_minutes=180,
        languages=("de", "en", "fr"),
        active_mentees=2,
        moved_via=("internal-transfer", "ml-systems"),
    )
    result = score_mentor(needs, offer)
    assert result.reasons == (
        "Both focus on PyTorch",
        "Also knows TensorFlow and scikit-learn",
        "Helps with Interview prep and Kaggle",
        "2 h apart",
        "Speaks English and German",
        "Also moved into ML by internal transfer",
    )
    # 51 target + 3 secondary + round(28 * 2/3) = 19 goals + 10 time zone + 6 language
    assert result.score == 51 + 3 + 19 + 10 + 6
    assert result.active_mentees == 2
    assert result.mentor_id == "m-42"


def test_without_the_target_framework_a_secondary_framework_is_mentioned_but_no_focus():
    needs = _needs(target_framework="pytorch", frameworks=("tensorflow",))
    result = score_mentor(needs, _offer(frameworks=("tensorflow", "keras")))
    assert result.reasons[0] == "Also knows TensorFlow"
    assert not any("Both focus" in r for r in result.reasons)
    assert result.score == scoring.SECONDARY_FRAMEWORK_POINTS + scoring.TIMEZONE_POINTS


@pytest.mark.parametrize(
    ("mentee_offset", "mentor_offset", "reason"),
    [
        (60, 60, "Same time zone"),
        (0, 60, "1 h apart"),
        (0, -120, "2 h apart"),
        (330, 0, "5.5 h apart"),
        (345, 0, "5.75 h apart"),
        (780, -660, "Same time zone"),
        (-600, 600, "4 h apart"),
    ],
)
def test_time_zone_reason_uses_circular_hours(mentee_offset, mentor_offset, reason):
    needs = _needs(utc_offset_minutes=mentee_offset)
    result = score_mentor(needs, _offer(utc_offset_minutes=mentor_offset))
    assert result.reasons == (reason,)


def test_time_zones_12_hours_apart_earn_no_points_and_no_reason():
    result = score_mentor(_needs(utc_offset_minutes=0), _offer(utc_offset_minutes=-720))
    assert result.score == 0
    assert result.reasons == ()


@pytest.mark.parametrize(
    ("hours_apart", "points"),
    [(0, 12), (1, 11), (2, 10), (5.5, 7), (6, 6), (11, 1), (11.5, 1), (12, 0)],
)
def test_time_zone_points_fall_linearly_from_12_to_0_over_12_hours(hours_apart, points):
    result = score_mentor(
        _needs(utc_offset_minutes=0), _offer(utc_offset_minutes=int(hours_apart * 60))
    )
    assert result.score == points


def test_circular_timezone_distance_examples():
    assert timezone_distance_hours(13 * 60, -11 * 60) == 0
    assert timezone_distance_hours(5 * 60 + 30, 0) == 5.5
    assert timezone_distance_hours(14 * 60, -12 * 60) == 2
    assert timezone_distance_hours(-5 * 60, 9 * 60) == 10
    assert timezone_distance_hours(0, 12 * 60) == 12


@pytest.mark.parametrize(("shared", "points"), [(0, 0), (1, 7), (2, 14), (3, 21), (4, 28)])
def test_goal_points_are_proportional_to_the_share_of_the_mentees_goals(shared, points):
    goals = ("internal-transfer", "kaggle", "job-switch", "ml-systems")
    needs = _needs(goals=goals, utc_offset_minutes=0)
    offer = _offer(goals=(*goals[:shared], "applied-theory"), utc_offset_minutes=720)
    assert score_mentor(needs, offer).score == points


def test_goal_reasons_follow_the_mentees_goal_order():
    needs = _needs(goals=("kaggle", "interview-prep", "ml-systems"))
    offer = _offer(goals=("ml-systems", "interview-prep", "kaggle"), utc_offset_minutes=780)
    assert score_mentor(needs, offer).reasons == (
        "Helps with Kaggle, Interview prep and ML systems",
    )


@pytest.mark.parametrize(
    ("code", "name"),
    [("en", "English"), ("uk", "Ukrainian"), ("sv", "Swedish"), ("zh", "Chinese"), ("eo", "eo")],
)
def test_shared_language_reason_names_common_languages_and_falls_back_to_the_code(code, name):
    result = score_mentor(
        _needs(languages=(code,)), _offer(languages=(code,), utc_offset_minutes=780)
    )
    assert result.reasons == (f"Speaks {name}",)
    assert result.score == scoring.LANGUAGE_POINTS


def test_several_shared_languages_earn_the_language_points_once():
    needs = _needs(languages=("en", "de", "fr"))
    one = score_mentor(needs, _offer(languages=("fr",), utc_offset_minutes=780))
    three = score_mentor(needs, _offer(languages=("fr", "de", "en"), utc_offset_minutes=780))
    assert one.score == three.score == scoring.LANGUAGE_POINTS
    assert three.reasons == ("Speaks English, German and French",)



# --- How the mentor moved into ML: named goal ids, never free text ------------------------

TRANSFER = "Also moved into ML by internal transfer"
SWITCH = "Also moved into ML by switching jobs"
MOVED_VIA_GOALS = {reason: goal for goal, reason in MOVED_VIA_REASONS.items()}


def test_every_goal_has_a_moved_via_mention_and_no_mention_lacks_a_goal():
    assert set(MOVED_VIA_REASONS) == set(GOAL_IDS) == set(GOAL_LABELS)
    assert len(MOVED_VIA_GOALS) == len(MOVED_VIA_REASONS)  # each mention maps back to one goal
    assert all(reason.startswith("Also ") for reason in MOVED_VIA_REASONS.values())


@pytest.mark.parametrize("goal", GOAL_IDS)
def test_moved_via_the_mentees_goal_is_mentioned_without_points(goal):
    needs = _needs(goals=(goal,), utc_offset_minutes=0)
    plain = _offer(utc_offset_minutes=720)
    moved = plain._replace(moved_via=(goal,))
    assert score_mentor(needs, moved).reasons == (MOVED_VIA_REASONS[goal],)
    assert score_mentor(needs, moved).score == score_mentor(needs, plain).score == 0
    assert score_mentor(needs, moved).rank == score_mentor(needs, plain).rank == 0
    assert score_mentor(needs, plain).reasons == ()


def test_only_the_ways_the_mentor_named_are_mentioned():
    needs = _needs(goals=("internal-transfer", "job-switch"), utc_offset_minutes=780)
    offer = _offer(moved_via=("job-switch",))
    reasons = score_mentor(needs, offer).reasons
    assert reasons == (SWITCH,)
    assert TRANSFER not in reasons


@pytest.mark.parametrize(
    "goals", [("internal-transfer",), ("job-switch", "kaggle"), GOAL_IDS[:5]]
)
def test_a_mentor_who_named_no_way_gets_no_mention_whatever_the_mentees_goals(goals):
    needs = _needs(goals=goals, utc_offset_minutes=0)
    offer = _offer(frameworks=("pytorch",), goals=GOAL_IDS, utc_offset_minutes=0, moved_via=())
    reasons = score_mentor(needs, offer).reasons
    assert not set(reasons) & set(MOVED_VIA_REASONS.values())
    assert not any(r.startswith("Also ") for r in reasons)  # no secondary framework either


def test_moved_via_is_not_mentioned_when_the_mentee_lacks_that_goal():
    needs = _needs(goals=("interview-prep",), utc_offset_minutes=780)
    offer = _offer(moved_via=("kaggle", "internal-transfer"))
    assert score_mentor(needs, offer).reasons == ()


def test_several_mentions_follow_the_mentees_goal_order_after_all_other_reasons():
    needs = _needs(goals=("kaggle", "internal-transfer"), utc_offset_minutes=0)
    offer = _offer(
        frameworks=("pytorch",),
        utc_offset_minutes=0,
        moved_via=("internal-transfer", "job-switch", "kaggle"),
        reputation=Reputation(rating=4.8, rating_count=5, response_hours=3.0),
    )
    assert score_mentor(needs, offer).reasons == (
        "Both focus on PyTorch",
        "Same time zone",
        "Usually answers within 3 hours",
        "Rated 4.8 by 5 mentees",
        "Also got into ML through Kaggle",
        "Also moved into ML by internal transfer",
    )


@SCORING
@given(mentee_needs(), mentor_offers())
def test_every_mention_is_a_goal_of_both_the_mentee_and_the_mentors_moved_via(needs, offer):
    reasons = score_mentor(needs, offer).reasons
    mentioned = [MOVED_VIA_GOALS[r] for r in reasons if r in MOVED_VIA_GOALS]
    expected = [g for g in dict.fromkeys(needs.goals) if g in offer.moved_via]
    assert mentioned == expected
    # The mentions come last, and any other "Also ..." reason is the secondary framework one.
    tail = list(reasons[len(reasons) - len(mentioned):])
    assert tail == [MOVED_VIA_REASONS[g] for g in expected]
    also = [r for r in reasons if r.startswith("Also ")]
    assert all(r in MOVED_VIA_GOALS or r.startswith("Also knows ") for r in also)


@SCORING
@given(mentee_needs(), mentor_offers())
def test_mentions_never_change_the_score_or_the_rank(needs, offer):
    with_mentions = score_mentor(needs, offer)
    without = score_mentor(needs, offer._replace(moved_via=()))
    assert (with_mentions.score, with_mentions.rank) == (without.score, without.rank)
    assert [r for r in with_mentions.reasons if r not in MOVED_VIA_GOALS] == list(without.reasons)


# --- Standing: answering requests and mentees' ratings ------------------------------------


@pytest.mark.parametrize(
    ("reputation", "points"),
    [
        (Reputation(), 0),
        (Reputation(rating=5.0, rating_count=3), 2),
        (Reputation(rating=4.5, rating_count=3), 2),
        (Reputation(rating=4.4, rating_count=3), 1),
        (Reputation(rating=4.0, rating_count=3), 1),
        (Reputation(rating=3.9, rating_count=3), 0),
        (Reputation(rating=3.0, rating_count=3), 0),
        (Reputation(rating=2.9, rating_count=3), -1),
        (Reputation(rating=2.0, rating_count=3), -1),
        (Reputation(rating=1.9, rating_count=3), -2),
        (Reputation(response_hours=0.0), 2),
        (Reputation(response_hours=24.0), 2),
        (Reputation(response_hours=24.1), 1),
        (Reputation(response_hours=72.0), 1),
        (Reputation(response_hours=72.1), 0),
        (Reputation(response_hours=168.0), 0),
        (Reputation(response_hours=168.1), -1),
        (Reputation(recent_expired=1), -1),
        (Reputation(recent_expired=3), -3),
        (Reputation(recent_expired=20), -3),
        (Reputation(response_hours=2.0, recent_expired=1), 1),
        (Reputation(response_hours=500.0, recent_expired=2), -3),
        (BEST, 4),
        (WORST, -STANDING_BOUND),
    ],
)
def test_standing_follows_its_table(reputation, points):
    assert standing(reputation) == points


@SCORING
@given(reputations())
def test_standing_is_always_within_its_bound(reputation):
    assert -STANDING_BOUND <= standing(reputation) <= STANDING_BOUND
    assert standing(WORST) <= standing(reputation) <= standing(BEST)


@SCORING
@given(
    mentee_needs(),
    mentor_offers(mentor_id="with"),
    mentor_offers(mentor_id="without"),
    st.sampled_from((None, WORST)),
    st.sampled_from((None, BEST)),
)
def test_no_rating_or_answer_speed_beats_the_target_framework(needs, a, b, worst, best):
    target = needs.target_framework
    with_target = a._replace(frameworks=tuple(dict.fromkeys((*a.frameworks, target))))
    without_target = b._replace(frameworks=tuple(f for f in b.frameworks if f != target))
    if worst is not None:
        with_target = with_target._replace(reputation=worst)
    if best is not None:
        without_target = without_target._replace(reputation=best)

    first, second = score_mentor(needs, with_target), score_mentor(needs, without_target)
    assert sort_key(first) < sort_key(second)
    assert first.score > second.score
    assert TARGET_FRAMEWORK_POINTS <= first.score <= 100
    assert 0 <= second.score < TARGET_FRAMEWORK_POINTS
    ranked = rank_mentors(needs, [without_target, with_target])
    assert [s.mentor_id for s in ranked] == ["with", "without"]
    assert [s.mentor_id for s in rank_mentors(needs, [without_target, with_target], limit=1)] == [
        "with"
    ]


@SCORING
@given(mentee_needs(), mentor_offers(), st.data())
def test_a_better_reputation_never_ranks_lower(needs, offer, data):
    rep = offer.reputation
    changes = {"recent_expired": data.draw(st.integers(0, rep.recent_expired))}  # fewer
    if rep.rating is not None:  # higher
        changes["rating"] = data.draw(st.integers(round(rep.rating * 10), 50)) / 10
    if rep.response_hours is not None:  # faster
        changes["response_hours"] = data.draw(st.integers(0, round(rep.response_hours * 10))) / 10
    better = [rep._replace(**{field: value}) for field, value in changes.items()]
    better.append(rep._replace(**changes))  # all at once

    worse = score_mentor(needs, offer)
    for improved in better:
        assert standing(improved) >= standing(rep)
        result = score_mentor(needs, offer._replace(reputation=improved))
        assert result.rank >= worse.rank
        assert sort_key(result) <= sort_key(worse)
        assert result.score >= worse.score


@SCORING
@given(mentee_needs(), mentor_offers(mentor_id="a-expired"), st.data())
def test_a_mentor_who_lets_a_request_expire_ranks_below_one_who_answers(needs, offer, data):
    # "a-expired" would win the tie on mentor id, so only the standing can put it second.
    expired = offer._replace(reputation=offer.reputation._replace(recent_expired=1))
    answers = offer._replace(
        mentor_id="b-answers", reputation=expired.reputation._replace(recent_expired=0)
    )
    assert standing(expired.reputation) < standing(answers.reputation)
    assert score_mentor(needs, expired).rank < score_mentor(needs, answers).rank
    assert score_mentor(needs, expired).score <= score_mentor(needs, answers).score
    ranked = rank_mentors(needs, [expired, answers])
    assert [s.mentor_id for s in ranked] == ["b-answers", "a-expired"]
    assert [s.mentor_id for s in rank_mentors(needs, [expired, answers], limit=1)] == ["b-answers"]


@RANKING
@given(
    mentee_needs(),
    st.lists(mentor_offers(), min_size=2, max_size=8, unique_by=lambda o: o.mentor_id),
)
def test_the_shown_score_never_contradicts_the_ranking(needs, offers):
    ranked = rank_mentors(needs, offers)
    assert all(isinstance(s.score, int) and 0 <= s.score <= 100 for s in ranked)
    for before, after in zip(ranked, ranked[1:]):
        assert before.rank >= after.rank
        assert before.score >= after.score
    for s in ranked:
        # The shown score stays in its tier: 51..100 with the target framework, 0..50 without.
        with_target = s.rank >= scoring.TIER_GAP
        assert (s.score >= TARGET_FRAMEWORK_POINTS) == with_target


@RANKING
@given(
    mentee_needs(),
    mentor_offers(),
    st.lists(reputations(), min_size=1, max_size=8),
    st.integers(0, 10),
)
def test_limit_keeps_the_best_prefix_when_only_the_reputation_differs(needs, offer, reps, limit):
    offers = [offer._replace(mentor_id=f"m{i}", reputation=rep) for i, rep in enumerate(reps)]
    full = rank_mentors(needs, offers)
    assert rank_mentors(needs, offers, limit=limit) == full[:limit]
    points = scoring.score_only(needs)(offer)
    assert [s.rank for s in full] == sorted(
        (rank_value(points, standing(rep)) for rep in reps), reverse=True
    )


# --- Reputation reasons: only from values that are there ----------------------------------


@pytest.mark.parametrize(
    ("hours", "reason"),
    [
        (0.0, "Usually answers within an hour"),
        (0.5, "Usually answers within an hour"),
        (1.0, "Usually answers within an hour"),
        (1.1, "Usually answers within 2 hours"),
        (5.5, "Usually answers within 6 hours"),
        (12.0, "Usually answers within 12 hours"),
        (12.1, "Usually answers within a day"),
        (24.0, "Usually answers within a day"),
        (24.1, "Usually answers within 2 days"),
        (48.0, "Usually answers within 2 days"),
        (48.1, "Usually answers within 3 days"),
        (72.0, "Usually answers within 3 days"),
        (72.1, None),
        (500.0, None),
        (None, None),
    ],
)
def test_answer_time_reason(hours, reason):
    expected = [] if reason is None else [reason]
    assert reputation_reasons(Reputation(response_hours=hours)) == expected


@pytest.mark.parametrize(
    ("rating", "count", "reason"),
    [(4.8, 5, "Rated 4.8 by 5 mentees"), (4.0, 3, "Rated 4.0 by 3 mentees"), (None, 2, None)],
)
def test_rating_reason(rating, count, reason):
    expected = [] if reason is None else [reason]
    assert reputation_reasons(Reputation(rating=rating, rating_count=count)) == expected


def test_reputation_reasons_come_after_the_language_and_before_the_mentions():
    needs = _needs(goals=("job-switch",), languages=("en",), utc_offset_minutes=0)
    offer = _offer(
        frameworks=("pytorch",),
        goals=("job-switch",),
        utc_offset_minutes=0,
        languages=("en",),
        moved_via=("job-switch",),
        reputation=Reputation(rating=4.8, rating_count=5, response_hours=20.0),
    )
    result = score_mentor(needs, offer)
    assert result.reasons == (
        "Both focus on PyTorch",
        "Helps with Job switch",
        "Same time zone",
        "Speaks English",
        "Usually answers within a day",
        "Rated 4.8 by 5 mentees",
        SWITCH,
    )
    assert result.score == 100  # 51 + 28 + 12 + 6 = 97, plus a standing of 4, kept within 100
    assert result.rank == rank_value(97, 4)


@SCORING
@given(mentee_needs(), mentor_offers())
def test_reputation_reasons_appear_exactly_when_they_speak_for_the_mentor(needs, offer):
    rep = offer.reputation
    reasons = score_mentor(needs, offer).reasons
    rated = [r for r in reasons if r.startswith("Rated ")]
    answers = [r for r in reasons if r.startswith("Usually answers ")]
    if rep.rating is None or rep.rating < 4.0:
        assert rated == []  # a poor rating costs standing; it is never given as a reason
    else:
        assert rated == [f"Rated {rep.rating:.1f} by {rep.rating_count} mentees"]
    # Quick answers are praised only while no request expired lately.
    shown = rep.response_hours is not None and rep.response_hours <= 72 and rep.recent_expired == 0
    assert len(answers) == int(shown)
    # Nothing about the reputation is said of a mentor without one.
    plain = score_mentor(needs, offer._replace(reputation=Reputation())).reasons
    assert not any(r.startswith(("Rated ", "Usually answers ")) for r in plain)
