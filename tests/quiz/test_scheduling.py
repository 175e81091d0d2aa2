"""FSRS scheduling: results become ratings, and ratings decide when a question returns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from fsrs import Rating, State

from lbteach.quiz import scheduling

NOON = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_a_wrong_answer_rates_again_and_a_right_one_good():
    assert scheduling.rating_for_result(False) is Rating.Again
    assert scheduling.rating_for_result(True) is Rating.Good


def test_form_values_parse_to_ratings_or_none():
    assert [scheduling.parse_rating(v) for v in ("1", "2", "3", "4")] == list(Rating)
    assert [scheduling.parse_rating(v) for v in ("0", "5", "good", "", None)] == [None] * 5


def test_a_new_card_rated_good_comes_back_in_ten_minutes():
    card = scheduling.review(scheduling.new_card(NOON), Rating.Good, NOON)
    assert card.due - NOON == timedelta(minutes=10)
    assert card.state is State.Learning


def test_a_new_card_rated_again_comes_back_in_one_minute():
    card = scheduling.review(scheduling.new_card(NOON), Rating.Again, NOON)
    assert card.due - NOON == timedelta(minutes=1)


def test_easy_graduates_a_card_to_days_later():
    card = scheduling.review(scheduling.new_card(NOON), Rating.Easy, NOON)
    assert card.state is State.Review
    assert card.due - NOON >= timedelta(days=1)


def test_remembering_again_and_again_spaces_reviews_further_apart():
    card, now, gaps = scheduling.new_card(NOON), NOON, []
    for _ in range(5):
        card = scheduling.review(card, Rating.Good, now)
        gaps.append(card.due - now)
        now = card.due
    assert gaps == sorted(gaps)
    assert gaps[-1] > timedelta(days=7)


def test_forgetting_a_review_card_brings_it_back_within_the_hour():
    card = scheduling.review(scheduling.new_card(NOON), Rating.Easy, NOON)
    later = card.due
    lapsed = scheduling.review(card, Rating.Again, later)
    assert lapsed.state is State.Relearning
    assert lapsed.due - later == timedelta(minutes=10)


def test_scheduling_is_reproducible():
    first = scheduling.preview(scheduling.new_card(NOON), NOON)
    second = scheduling.preview(scheduling.new_card(NOON), NOON)
    assert first == second
    assert first[Rating.Again] < first[Rating.Hard] <= first[Rating.Good] < first[Rating.Easy]


def test_times_from_a_database_in_another_zone_are_accepted():
    elsewhere = NOON.astimezone(timezone(timedelta(hours=2)))
    card = scheduling.review(scheduling.new_card(elsewhere), Rating.Good, elsewhere)
    assert card.due == NOON + timedelta(minutes=10)


def test_intervals_read_as_short_phrases():
    assert scheduling.describe_interval(timedelta(seconds=20)) == "1 minute"
    assert scheduling.describe_interval(timedelta(minutes=10)) == "10 minutes"
    assert scheduling.describe_interval(timedelta(hours=5)) == "5 hours"
    assert scheduling.describe_interval(timedelta(days=1)) == "1 day"
    assert scheduling.describe_interval(timedelta(days=45)) == "2 months"
    assert scheduling.describe_interval(timedelta(days=800)) == "2 years"
