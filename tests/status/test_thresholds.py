"""The probes' thresholds: defaults, an operator's changes, and refusals that name the fault."""

from __future__ import annotations

import pytest

from pointage.settings import Settings
from pointage.status.thresholds import DEFAULTS, Levels, ThresholdError, parse_thresholds
from pointage.status.vocabulary import ComponentStatus


@pytest.mark.parametrize(
    ("reading", "expected"),
    [
        (0, ComponentStatus.OPERATIONAL),
        (99.9, ComponentStatus.OPERATIONAL),
        (100, ComponentStatus.DEGRADED_PERFORMANCE),
        (500, ComponentStatus.PARTIAL_OUTAGE),
        (2_000, ComponentStatus.MAJOR_OUTAGE),
    ],
)
def test_a_reading_takes_the_highest_level_it_reaches(reading, expected):
    assert Levels(degraded=100, partial=500, major=2_000).status_of(reading) == expected


def test_a_level_left_out_is_never_reached():
    assert Levels(degraded=1, partial=None, major=None).status_of(1e9) == (
        ComponentStatus.DEGRADED_PERFORMANCE
    )


def test_changes_apply_on_top_of_the_defaults():
    parsed = parse_thresholds('{"database_latency_ms": {"degraded": 100, "major": null}}')
    assert parsed["database_latency_ms"] == Levels(degraded=100, partial=1_000, major=None)
    assert parsed["api_latency_ms"] == DEFAULTS["api_latency_ms"]
    assert parse_thresholds("") == DEFAULTS


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("{", "not JSON"),
        ("[]", "JSON object"),
        ('{"disk_ms": {}}', "unknown probe 'disk_ms'"),
        ('{"api_latency_ms": 3}', "api_latency_ms must be an object"),
        ('{"api_latency_ms": {"severe": 1}}', "unknown level 'severe'"),
        ('{"api_latency_ms": {"degraded": -1}}', "api_latency_ms.degraded must be a number"),
        ('{"api_latency_ms": {"degraded": true}}', "api_latency_ms.degraded must be a number"),
        ('{"api_latency_ms": {"degraded": 5000}}', "degraded ≤ partial ≤ major"),
    ],
)
def test_bad_thresholds_are_refused_with_what_is_wrong(text, named):
    with pytest.raises(ThresholdError, match=named.replace("(", r"\(")):
        parse_thresholds(text)


def test_the_settings_refuse_bad_thresholds_at_start_up():
    with pytest.raises(ValueError, match="unknown probe"):
        Settings(database_url="sqlite://", status_thresholds='{"x": {}}')
