"""A CSV profile to and from the JSON object that is saved and read from a file."""

from __future__ import annotations

import dataclasses
from typing import Any

from pointage.core.errors import InvalidInput
from pointage.formats.statements.model import CsvProfile

_FIELDS = {f.name: f for f in dataclasses.fields(CsvProfile)}
_REQUIRED = {
    name
    for name, f in _FIELDS.items()
    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
}
_BOOLS = {"decimal_comma", "has_header"}
_INTS = {"skip_lines"}


def profile_to_dict(profile: CsvProfile) -> dict[str, Any]:
    return dataclasses.asdict(profile)


def profile_from_dict(data: dict[str, Any]) -> CsvProfile:
    """The profile, or InvalidInput naming the first setting that is wrong."""
    if not isinstance(data, dict):
        raise InvalidInput("a CSV profile is a JSON object")
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise InvalidInput(f"unknown CSV profile setting {unknown[0]!r}", param=unknown[0])
    missing = sorted(_REQUIRED - {k for k, v in data.items() if v not in (None, "")})
    if missing:
        raise InvalidInput(f"the CSV profile needs {missing[0]!r}", param=missing[0])
    for name, value in data.items():
        _check_type(name, value)
    if not data.get("amount_column") and not (
        data.get("debit_column") and data.get("credit_column")
    ):
        raise InvalidInput(
            "the CSV profile needs amount_column, or both debit_column and credit_column",
            param="amount_column",
        )
    return CsvProfile(**data)


def _check_type(name: str, value: Any) -> None:
    if name in _BOOLS:
        ok = isinstance(value, bool)
    elif name in _INTS:
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    else:
        ok = (value is None and name not in _REQUIRED) or isinstance(value, str)
    if not ok:
        raise InvalidInput(f"CSV profile setting {name!r} has the wrong type", param=name)
