"""Exact subset sums in minor units: one solution, two (ambiguity), none, and the bounds."""

from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pointage.matching.subset_sum import any_sign_subsets, exact_subsets, small_subsets


def test_one_exact_solution():
    found = exact_subsets([300, 120, 75, 40], 415, max_size=4)
    assert found.found == [(0, 2, 3)]
    assert found.complete and found.unique == (0, 2, 3)


def test_two_different_sets_are_both_reported():
    # 100 + 50 and 80 + 70 both make 150.
    found = exact_subsets([100, 50, 80, 70], 150, max_size=4)
    assert sorted(found.found) == [(0, 1), (2, 3)]
    assert found.unique is None


def test_equal_amounts_make_two_solutions():
    found = exact_subsets([100, 100, 50], 150, max_size=3)
    assert len(found.found) == 2 and found.unique is None


def test_a_single_amount_is_not_a_group():
    assert exact_subsets([150, 100, 50], 150, max_size=3).found == [(1, 2)]


def test_the_size_bound_is_respected():
    amounts = [10] * 6
    assert exact_subsets(amounts, 60, max_size=5).found == []


def test_negative_targets_take_negative_amounts():
    assert exact_subsets([-30, -20, -5], -25, max_size=3).unique == (1, 2)


def test_amounts_of_the_other_sign_are_refused():
    with pytest.raises(ValueError, match="sign"):
        exact_subsets([30, -20], 10, max_size=2)


def test_a_search_out_of_budget_is_incomplete_and_never_unique():
    # Even amounts never make an odd target, but proving it means trying millions of sets.
    amounts = [2 * n for n in range(30, 54)]
    assert not exact_subsets(amounts, 501, max_size=12, budget=1_000).complete
    # One solution found before the budget ran out is not a unique one: 107 = 106 + 1,
    # and proving there is no other takes longer than 100 steps.
    found = exact_subsets([*amounts, 1], 107, max_size=12, budget=100)
    assert len(found.found) == 1 and not found.complete
    assert found.unique is None
    assert exact_subsets([*amounts, 1], 107, max_size=12).unique is not None


def brute_force(amounts, target, max_size):
    return {
        combo
        for size in range(2, max_size + 1)
        for combo in combinations(range(len(amounts)), size)
        if sum(amounts[i] for i in combo) == target
    }


@given(
    st.lists(st.integers(min_value=1, max_value=60), min_size=0, max_size=9),
    st.integers(min_value=1, max_value=200),
)
def test_agrees_with_brute_force(amounts, target):
    expected = brute_force(amounts, target, 4)
    found = exact_subsets(amounts, target, max_size=4, limit=1_000)
    assert found.complete
    assert set(found.found) == expected


def test_small_subsets_mix_credits_and_debits():
    # A credit of the gross, the fee debited apart: they make the net.
    found = small_subsets([100_00, -1_00, 37_00], [99_00], max_size=3)
    assert found == [((0, 1), 99_00)]


def test_small_subsets_find_three_lines_and_stop_at_the_limit():
    found = small_subsets([10, 20, 30, 40, 50], [60], max_size=3, limit=2)
    assert len(found) == 2
    assert all(sum([10, 20, 30, 40, 50][i] for i in combo) == 60 for combo, _ in found)


@given(
    st.lists(st.integers(min_value=-50, max_value=50), min_size=0, max_size=8),
    st.integers(min_value=-100, max_value=100),
)
def test_small_subsets_agree_with_brute_force(amounts, target):
    expected = brute_force(amounts, target, 3)
    found = small_subsets(amounts, [target], max_size=3, limit=10_000)
    assert {combo for combo, _ in found} == expected


def test_any_sign_subsets_net_a_remittance_of_refunds_into_a_group():
    # 127.99 + (-69.04) + 424.67 = 483.62: the demo's grouped AMEX credit.
    found = any_sign_subsets([12_799, -6_904, 42_467, 5_000], 48_362, max_size=4)
    assert found.unique == (0, 1, 2)


@given(
    st.lists(st.integers(min_value=-60, max_value=60), min_size=0, max_size=8),
    st.integers(min_value=-150, max_value=150),
)
def test_any_sign_subsets_agree_with_brute_force(amounts, target):
    found = any_sign_subsets(amounts, target, max_size=4, limit=10_000)
    assert found.complete
    assert set(found.found) == brute_force(amounts, target, 4)
