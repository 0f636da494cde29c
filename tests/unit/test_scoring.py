"""Behaviour of the pure scoring module: score bounds, monotonicity, ranking order, reasons."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import scoring
from chalicelib.scoring import (
    MenteeNeeds,
    MentorOffer,
    Scored,
    rank_mentors,
    score_mentor,
    sort_key,
    timezone_distance_hours,
)
from chalicelib.vocabulary import FRAMEWORK_IDS, GOAL_IDS

SCORING = settings(max_examples=200, deadline=None)
RANKING = settings(max_examples=100, deadline=None)  # each example scores a whole list

LANGUAGES = ("en", "de", "fr", "es", "hi", "pt", "xx")

offsets = st.one_of(
    st.integers(-48, 56).map(lambda q: q * 15),  # quarter hours, UTC-12:00..UTC+14:00
    st.integers(-24, 28).map(lambda h: h * 30),  # half hours
)
stories = st.one_of(
    st.none(),
    st.sampled_from(
        (
            "",
            "Transferred internally from the payments team.",
            "Got hooked on Kaggle, then did a job switch.",
            "Led an ML initiative at my last company.",
            "Backend for ten years, then switched jobs.",
        )
    ),
    st.text("Kaggle jobswitch internaltransfer ", max_size=30),
)


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
        transition_story=draw(stories),
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
    assert score_mentor(needs, nothing) == Scored("m1", 0, (), 0)


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
def test_the_score_parts_add_up_to_the_score(needs, offer):
    parts = scoring.score_parts(needs)
    total = (parts.frameworks(offer.frameworks) + parts.goals(offer.goals)
             + parts.timezone(offer.utc_offset_minutes) + parts.languages(offer.languages))
    assert total == score_mentor(needs, offer).score == scoring.score_only(needs)(offer)
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


@SCORING
@given(mentee_needs(), mentor_offers(), st.data())
def test_adding_a_shared_language_never_lowers_the_score(needs, offer, data):
    language = data.draw(st.sampled_from(needs.languages))
    more = offer._replace(languages=tuple(dict.fromkeys((*offer.languages, language))))
    assert score_mentor(needs, more).score >= score_mentor(needs, offer).score


@SCORING
@given(mentee_needs(), mentor_offers(), st.data())
def test_adding_a_framework_the_mentee_wants_never_lowers_the_score(needs, offer, data):
    framework = data.draw(st.sampled_from((needs.target_framework, *needs.frameworks)))
    more = offer._replace(frameworks=tuple(dict.fromkeys((*offer.frameworks, framework))))
    assert score_mentor(needs, more).score >= score_mentor(needs, offer).score


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


def test_sort_key_orders_by_score_then_active_mentees_then_mentor_id():
    items = [
        Scored("b", 60, (), 1),
        Scored("a", 60, (), 1),
        Scored("c", 60, (), 0),
        Scored("d", 70, (), 3),
    ]
    assert [s.mentor_id for s in sorted(items, key=sort_key)] == ["d", "c", "a", "b"]


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
        transition_story="I transferred internally from the platform team to ML.",
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


TRANSFER = "Also moved into ML by internal transfer"
SWITCH = "Also moved into ML by switching jobs"


@pytest.mark.parametrize(
    ("goal", "story", "reason"),
    [
        ("internal-transfer", "Internal transfer after 8 years in backend", TRANSFER),
        ("internal-transfer", "I transferred internally.", TRANSFER),
        ("kaggle", "Started with KAGGLE competitions.", "Also got into ML through Kaggle"),
        ("job-switch", "A job switch in 2021.", SWITCH),
        ("job-switch", "I switched jobs to join a startup.", SWITCH),
        ("ml-initiative", "Pitched an ML initiative.", "Also started an ML initiative at work"),
    ],
)
def test_transition_story_matching_the_mentees_goal_is_mentioned_without_points(
    goal, story, reason
):
    needs = _needs(goals=(goal,), utc_offset_minutes=0)
    plain = _offer(utc_offset_minutes=720)
    with_story = plain._replace(transition_story=story)
    assert score_mentor(needs, with_story).reasons == (reason,)
    assert score_mentor(needs, with_story).score == score_mentor(needs, plain).score == 0


def test_transition_story_is_not_mentioned_when_the_mentee_lacks_that_goal():
    needs = _needs(goals=("interview-prep",), utc_offset_minutes=780)
    offer = _offer(transition_story="Kaggle, then an internal transfer.")
    assert score_mentor(needs, offer).reasons == ()


def test_several_story_mentions_follow_the_mentees_goal_order_after_other_reasons():
    needs = _needs(goals=("kaggle", "internal-transfer"), utc_offset_minutes=0)
    offer = _offer(
        frameworks=("pytorch",),
        utc_offset_minutes=0,
        transition_story="Internal transfer, after years of Kaggle.",
    )
    assert score_mentor(needs, offer).reasons == (
        "Both focus on PyTorch",
        "Same time zone",
        "Also got into ML through Kaggle",
        "Also moved into ML by internal transfer",
    )
