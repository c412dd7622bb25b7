"""Stage 2, block: which lines a remittance is compared with at all.

A line is a candidate for a remittance only on the remittance's bank account, in the
account's currency, with a value date inside the remittance's window: from
`window_before_business_days` before its expected credit date to
`window_after_business_days` after. Inside that, the indexes find the lines by amount (each
amount variant, within the contract's tolerance) and by number (lines naming the
remittance's number), so that no remittance is ever compared with every line.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from pointage.matching.days import BusinessDays
from pointage.matching.model import BankMovement, ExpectedCredit
from pointage.matching.normalise import variants
from pointage.matching.references import LineText, contract_key
from pointage.matching.settings import EngineSettings


class Blocks:
    """The lines of a run indexed for the remittances looking for them."""

    def __init__(
        self,
        entries: Sequence[BankMovement],
        texts: dict[int, LineText],
        days: BusinessDays,
        settings: EngineSettings,
        numbers: frozenset[int],
    ) -> None:
        """`numbers`: the remittance numbers of the run, the only ones worth indexing (a
        line writes many others: contract numbers, references, dates)."""
        self.numbers = numbers
        self.entries = {entry.id: entry for entry in entries}
        self.texts = texts
        self.days = days
        self.before = settings.window_before_business_days
        self.after = settings.window_after_business_days
        self.ordinals = {entry.id: days.ordinal(entry.value_date) for entry in entries}
        # (account, currency, amount): (value date ordinal, id), in date order, so that an
        # amount booked every day for a year costs only the days of a window.
        self._by_amount: dict[tuple[int, str, int], list[tuple[int, int]]] = defaultdict(list)
        # (account, number, contract key or None): the lines that may name a remittance.
        self._by_number: dict[tuple[int, int, int | str | None], list[int]] = defaultdict(list)
        self._amounts: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
        for entry in entries:
            key = (entry.account_id, entry.currency, entry.amount_minor)
            self._by_amount[key].append((self.ordinals[entry.id], entry.id))
            self._amounts[(entry.account_id, entry.currency)].append((entry.amount_minor, entry.id))
            self._index_numbers(entry, texts[entry.id])
        for rows in (*self._amounts.values(), *self._by_amount.values()):
            rows.sort()

    def _index_numbers(self, entry: BankMovement, line: LineText) -> None:
        """A line may name a remittance when it writes its number and its contract, or when
        a pattern reads the number in a line naming no contract of the run."""
        if line.contracts:
            for number in (line.numbers | line.hit_numbers) & self.numbers:
                for contract in line.contracts:
                    self._by_number[(entry.account_id, number, contract)].append(entry.id)
        else:
            for number in line.hit_numbers & self.numbers:
                self._by_number[(entry.account_id, number, None)].append(entry.id)

    def expected_ordinal(self, remittance: ExpectedCredit) -> int:
        return self.days.expected_ordinal(remittance.expected_credit_date)

    def in_window(self, remittance: ExpectedCredit, entry_id: int) -> bool:
        entry = self.entries[entry_id]
        if entry.account_id != remittance.account_id:
            return False
        if entry.currency != remittance.account_currency:
            return False
        offset = self.ordinals[entry_id] - self.expected_ordinal(remittance)
        return -self.before <= offset <= self.after

    def _window(self, remittance: ExpectedCredit, ids: Iterable[int]) -> list[int]:
        """`ids` (all of the remittance's account and currency) inside its window, sorted."""
        centre = self.days.expected_ordinal(remittance.expected_credit_date)
        low, high = centre - self.before, centre + self.after
        ordinals = self.ordinals
        return sorted({e for e in ids if low <= ordinals[e] <= high})

    def by_amount(self, remittance: ExpectedCredit, amounts: Iterable[int]) -> list[int]:
        """Lines in the window booked one of `amounts`, or within the contract's tolerance."""
        account, currency = remittance.account_id, remittance.account_currency
        tolerance = remittance.fee_schedule.tolerance_minor
        found: list[int] = []
        centre = self.expected_ordinal(remittance)
        first, last = (centre - self.before, -1), (centre + self.after, 1 << 62)
        for amount in amounts:
            if tolerance <= 0:
                rows = self._by_amount.get((account, currency, amount), [])
                if rows:
                    inside = rows[bisect_left(rows, first) : bisect_right(rows, last)]
                    found.extend(entry_id for _, entry_id in inside)
                continue
            rows = self._amounts.get((account, currency), [])
            low = bisect_left(rows, (amount - tolerance, -1))
            high = bisect_right(rows, (amount + tolerance, 1 << 62))
            found.extend(entry_id for _, entry_id in rows[low:high])
        return self._window(remittance, found)

    def by_variants(self, remittance: ExpectedCredit) -> list[int]:
        return self.by_amount(remittance, (v.amount_minor for v in variants(remittance)))

    def by_number(self, remittance: ExpectedCredit) -> list[int]:
        """Lines in the window that may name the remittance: its number with its contract,
        or its number read by a pattern in a line naming no contract."""
        account, number = remittance.account_id, remittance.number
        found = [
            *self._by_number.get((account, number, contract_key(remittance.contract_number)), ()),
            *self._by_number.get((account, number, None), ()),
        ]
        currency = remittance.account_currency
        return self._window(remittance, (e for e in found if self.entries[e].currency == currency))

    def by_day(self, ids: Iterable[int]) -> LinesByDay:
        return LinesByDay(self, ids)


class LinesByDay:
    """Some lines of a run by account and value date: which are nearest a remittance's
    expected date, without looking at the others."""

    def __init__(self, blocks: Blocks, ids: Iterable[int]) -> None:
        self.blocks = blocks
        rows: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
        for e in ids:
            entry = blocks.entries[e]
            rows[(entry.account_id, entry.currency)].append((blocks.ordinals[e], e))
        for found in rows.values():
            found.sort()
        self._rows = dict(rows)
        self._keys = {key: [row[0] for row in found] for key, found in rows.items()}

    def near(self, remittance: ExpectedCredit, limit: int) -> list[int]:
        """Lines in the remittance's window, the nearest to its expected date first, at most
        `limit`."""
        key = (remittance.account_id, remittance.account_currency)
        centre = self.blocks.expected_ordinal(remittance)
        found = nearest(
            self._keys.get(key, []),
            self._rows.get(key, []),
            centre,
            (centre - self.blocks.before, centre + self.blocks.after),
            limit,
        )
        return [row[1] for row in found]


Row = TypeVar("Row", bound=tuple[Any, ...])


def nearest(
    keys: Sequence[int], rows: Sequence[Row], centre: int, bounds: tuple[int, int], limit: int
) -> list[Row]:
    """The rows whose key (sorted, `keys[i]` of `rows[i]`) lies within `bounds`, nearest to
    `centre` first, at most `limit`: walked outwards from the centre, so that a crowded
    window costs no more than `limit` rows."""
    low_bound, high_bound = bounds
    right = bisect_left(keys, centre)
    left = right - 1
    found: list[Row] = []
    while len(found) < limit:
        left_ok = left >= 0 and keys[left] >= low_bound
        right_ok = right < len(keys) and keys[right] <= high_bound
        if not (left_ok or right_ok):
            break
        if right_ok and (not left_ok or keys[right] - centre <= centre - keys[left]):
            found.append(rows[right])
            right += 1
        else:
            found.append(rows[left])
            left -= 1
    return found


class RemittanceIndex:
    """Remittances by account and number, and by account in expected-date order: how a
    line finds the remittances it names, or those whose window holds its date."""

    def __init__(self, remittances: Iterable[ExpectedCredit], blocks: Blocks) -> None:
        self.blocks = blocks
        # (account, contract key, number): a line names a remittance with its contract.
        self._by_number: dict[tuple[int, int | str, int], list[ExpectedCredit]] = defaultdict(list)
        self._by_day: dict[tuple[int, str], list[tuple[int, int, ExpectedCredit]]] = defaultdict(
            list
        )
        for remittance in remittances:
            contract = contract_key(remittance.contract_number)
            self._by_number[(remittance.account_id, contract, remittance.number)].append(remittance)
            key = (remittance.account_id, remittance.account_currency)
            self._by_day[key].append(
                (blocks.expected_ordinal(remittance), remittance.id, remittance)
            )
        for rows in self._by_day.values():
            rows.sort(key=lambda row: (row[0], row[1]))
        self._keys = {key: [row[0] for row in rows] for key, rows in self._by_day.items()}

    def named_by(self, entry_id: int) -> list[ExpectedCredit]:
        """Remittances of the line's account whose number and contract the line writes, in
        window."""
        entry = self.blocks.entries[entry_id]
        line = self.blocks.texts[entry_id]
        if not line.contracts:
            return []
        found = []
        for number in (line.numbers | line.hit_numbers) & self.blocks.numbers:
            for contract in line.contracts:
                key = (entry.account_id, contract, number)
                for remittance in self._by_number.get(key, ()):
                    if self.blocks.in_window(remittance, entry_id):
                        found.append(remittance)
        return sorted(found, key=lambda r: r.id)

    def around(self, entry_id: int, limit: int) -> list[ExpectedCredit]:
        """Remittances whose window holds the line's value date, nearest first, at most
        `limit`."""
        entry = self.blocks.entries[entry_id]
        key = (entry.account_id, entry.currency)
        ordinal = self.blocks.ordinals[entry_id]
        # offset = ordinal - expected must lie in [-before, after].
        bounds = (ordinal - self.blocks.after, ordinal + self.blocks.before)
        found = nearest(self._keys.get(key, []), self._by_day.get(key, []), ordinal, bounds, limit)
        return [row[2] for row in found]
