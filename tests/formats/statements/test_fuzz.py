"""Fuzzing the statement parsers with mutated real files.

Whatever bytes come in, a parser either returns a result (with issues) or raises its own
error type, `StatementFileError`: never an IndexError, a ValueError, a UnicodeDecodeError
or a RecursionError that would reach a user as a traceback.
"""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointage.formats.statements import parse
from pointage.formats.statements.model import (
    CsvProfile,
    ParseOptions,
    ParseResult,
    StatementFileError,
    StatementFormat,
)
from tests.formats.samples import SAMPLES_DIR

FORCED = [None, *StatementFormat]
CSV = ParseOptions(
    csv_profile=CsvProfile(
        name="fuzz", date_column="1", label_column="2", amount_column="3", has_header=False
    )
)


@cache
def sample_bytes() -> list[bytes]:
    return [path.read_bytes() for path in sorted(SAMPLES_DIR.glob("*/*")) if path.is_file()]


@st.composite
def mutated_sample(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(sample_bytes())))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "repeat"]))
        if action == "flip":
            data[at] = draw(st.integers(0, 255))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 200))]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=40))
        elif action == "truncate":
            del data[at:]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 300))]
    return bytes(data)


def _parse_or_refuse(data: bytes, forced: StatementFormat | None) -> None:
    options = CSV if forced is StatementFormat.CSV else ParseOptions(lenient=True)
    try:
        result = parse(data, forced, options)
    except StatementFileError:
        return
    assert isinstance(result, ParseResult)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated_sample(), forced=st.sampled_from(FORCED))
def test_mutated_samples_raise_nothing_but_the_parsers_error(data, forced):
    _parse_or_refuse(data, forced)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=600), forced=st.sampled_from(FORCED))
def test_random_bytes_raise_nothing_but_the_parsers_error(data, forced):
    _parse_or_refuse(data, forced)
