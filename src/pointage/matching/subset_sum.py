"""Which sets of amounts add up exactly to a target, in minor units, within bounds.

Three searches, all exact (integers, no tolerance) and all stopping at two solutions: one
solution is a candidate, two are an ambiguity a person resolves.
- `exact_subsets`: amounts of one sign (remittances into one credit), depth-first with the
  amounts in decreasing order, cut as soon as the rest cannot reach the target, within a
  budget of steps so that an unlucky set of amounts cannot stall a run;
- `any_sign_subsets`: the same for amounts of both signs, which nothing lets one cut: for
  the few remittances a line names;
- `small_subsets`: a few amounts of any sign (a credit and a fee debit), two or three at a
  time, the last one looked up in a table instead of searched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

DEFAULT_BUDGET = 100_000


@dataclass(frozen=True, slots=True)
class Solutions:
    found: list[tuple[int, ...]]  # index sets into the amounts given, each sorted
    complete: bool  # False when the budget ran out: there may be more solutions
    steps: int = 0  # how much of the budget the search used

    @property
    def unique(self) -> tuple[int, ...] | None:
        """The one solution, when there is exactly one and the search was complete."""
        return self.found[0] if self.complete and len(self.found) == 1 else None


def exact_subsets(
    amounts: Sequence[int],
    target: int,
    *,
    min_size: int = 2,
    max_size: int,
    limit: int = 2,
    budget: int = DEFAULT_BUDGET,
) -> Solutions:
    """Index sets of `min_size` to `max_size` amounts adding up to `target`, at most `limit`.

    Every amount must have the target's sign (zero amounts are left out: they would make any
    solution ambiguous without saying anything)."""
    sign = -1 if target < 0 else 1
    values = [(sign * amount, index) for index, amount in enumerate(amounts) if amount]
    if any(value < 0 for value, _ in values):
        raise ValueError("exact_subsets: every amount must have the target's sign")
    values.sort(reverse=True)
    ordered = [value for value, _ in values]
    rest = [0] * (len(ordered) + 1)  # rest[i]: sum of ordered[i:]
    for i in range(len(ordered) - 1, -1, -1):
        rest[i] = rest[i + 1] + ordered[i]
    found: list[tuple[int, ...]] = []
    steps = 0
    chosen: list[int] = []

    def search(start: int, remaining: int) -> bool:
        """False when the search must stop (enough solutions, or out of budget)."""
        nonlocal steps
        if remaining == 0:
            if len(chosen) < min_size:
                return True
            found.append(tuple(sorted(values[i][1] for i in chosen)))
            return len(found) < limit
        room = max_size - len(chosen)
        if room == 0:
            return True
        for i in range(start, len(ordered)):
            steps += 1
            if steps > budget:
                return False
            if rest[i] < remaining or ordered[i] * room < remaining:
                break  # the amounts left, all smaller, cannot reach it
            value = ordered[i]
            if value > remaining:
                continue
            chosen.append(i)
            going = search(i + 1, remaining - value)
            chosen.pop()
            if not going:
                return False
        return True

    if target:
        search(0, sign * target)
    return Solutions(found, steps <= budget, min(steps, budget))


def any_sign_subsets(
    amounts: Sequence[int],
    target: int,
    *,
    min_size: int = 2,
    max_size: int,
    limit: int = 2,
    budget: int = DEFAULT_BUDGET,
) -> Solutions:
    """`exact_subsets` for amounts of both signs (a remittance of refunds netted into a
    grouped credit): nothing can be cut early, so only for the few amounts a line names."""
    found: list[tuple[int, ...]] = []
    steps = 0
    chosen: list[int] = []

    def search(start: int, total: int) -> bool:
        nonlocal steps
        if total == target and len(chosen) >= min_size:
            found.append(tuple(chosen))
            if len(found) >= limit:
                return False
        if len(chosen) == max_size:
            return True
        for i in range(start, len(amounts)):
            steps += 1
            if steps > budget:
                return False
            chosen.append(i)
            going = search(i + 1, total + amounts[i])
            chosen.pop()
            if not going:
                return False
        return True

    search(0, 0)
    return Solutions(found, steps <= budget, min(steps, budget))


def small_subsets(
    amounts: Sequence[int],
    targets: Collection[int],
    *,
    max_size: int,
    limit: int = 2,
) -> list[tuple[tuple[int, ...], int]]:
    """Index sets of 2 to `max_size` (at most 3) amounts of any sign adding up to one of
    `targets`, with the target reached; at most `limit` of them."""
    if max_size > 3:
        raise ValueError("small_subsets: at most three amounts at a time")
    positions: dict[int, list[int]] = defaultdict(list)
    for index, amount in enumerate(amounts):
        positions[amount].append(index)
    found: list[tuple[tuple[int, ...], int]] = []
    seen: set[tuple[int, ...]] = set()

    def add(indexes: tuple[int, ...], target: int) -> bool:
        key = tuple(sorted(indexes))
        if key not in seen:
            seen.add(key)
            found.append((key, target))
        return len(found) >= limit

    for target in targets:
        for first in range(len(amounts)):
            # Pairs: the second amount, after the first, looked up.
            for second in positions.get(target - amounts[first], ()):
                if second > first and add((first, second), target):
                    return found
            if max_size < 3:
                continue
            for second in range(first + 1, len(amounts)):
                wanted = target - amounts[first] - amounts[second]
                for third in positions.get(wanted, ()):
                    if third > second and add((first, second, third), target):
                        return found
    return found
