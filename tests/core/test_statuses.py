"""The gateway's vocabularies: every detailed status rolls up to one status."""

from __future__ import annotations

import pytest

from pointage.core.statuses import (
    BEFORE_CAPTURE,
    CAPTURABLE,
    TO_VALIDATE,
    DetailedStatus,
    Status,
    rolled_up,
)

ROLLUP = {
    DetailedStatus.AUTHORISED: Status.PAID,
    DetailedStatus.AUTHORISED_TO_VALIDATE: Status.RUNNING,
    DetailedStatus.WAITING_AUTHORISATION: Status.RUNNING,
    DetailedStatus.WAITING_AUTHORISATION_TO_VALIDATE: Status.RUNNING,
    DetailedStatus.CAPTURED: Status.PAID,
    DetailedStatus.CAPTURE_FAILED: Status.UNPAID,
    DetailedStatus.REFUSED: Status.UNPAID,
    DetailedStatus.CANCELLED: Status.UNPAID,
    DetailedStatus.EXPIRED: Status.UNPAID,
    DetailedStatus.ACCEPTED: Status.PAID,
    DetailedStatus.UNDER_VERIFICATION: Status.RUNNING,
    DetailedStatus.SUSPENDED: Status.RUNNING,
}


def test_the_table_names_every_detailed_status() -> None:
    assert set(ROLLUP) == set(DetailedStatus)


@pytest.mark.parametrize(("detailed", "status"), ROLLUP.items())
def test_rolled_up(detailed: DetailedStatus, status: Status) -> None:
    assert rolled_up(detailed) is status
    assert rolled_up(DetailedStatus(detailed.value)) is status


def test_status_groups_are_consistent() -> None:
    assert CAPTURABLE <= BEFORE_CAPTURE
    assert TO_VALIDATE <= BEFORE_CAPTURE
    assert not CAPTURABLE & TO_VALIDATE
    assert CAPTURABLE | TO_VALIDATE == BEFORE_CAPTURE
