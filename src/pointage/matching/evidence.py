"""Building criteria: every decision of the engine is a list of these (docs/matching.md)."""

from __future__ import annotations

from datetime import date

from pointage.core.money import format_amount
from pointage.matching.model import Criterion, Outcome


def amount_text(minor: int, currency: str) -> str:
    """'1234.56 EUR': how amounts read in evidence."""
    return f"{format_amount(minor, currency)} {currency}"


def passed(name: str, expected: str, actual: str, points: int, note: str = "") -> Criterion:
    return Criterion(name, expected, actual, Outcome.PASS, points, note)


def partial(name: str, expected: str, actual: str, points: int, note: str = "") -> Criterion:
    return Criterion(name, expected, actual, Outcome.PARTIAL, points, note)


def failed(name: str, expected: str, actual: str, note: str = "", points: int = 0) -> Criterion:
    return Criterion(name, expected, actual, Outcome.FAIL, points, note)


def info(name: str, expected: str, actual: str, note: str = "") -> Criterion:
    return Criterion(name, expected, actual, Outcome.INFO, 0, note)


def day_text(day: date | None) -> str:
    return day.isoformat() if day else "-"


def score(criteria: tuple[Criterion, ...] | list[Criterion]) -> int:
    return sum(criterion.points for criterion in criteria)
