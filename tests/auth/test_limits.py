"""Failed authentications counted per scope over a sliding window, in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from pointage.auth.models import AuthFailure
from pointage.auth.service import limits
from pointage.auth.service.limits import FailureLimit, check, guarded, record_failure, sign_in
from pointage.auth.service.users import create_user
from pointage.core.errors import AuthenticationFailed, TooManyAttempts
from pointage.core.statuses import Role
from pointage.settings import Settings
from pointage.shop.models import Merchant
from tests.factories import make_shop

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LIMIT = FailureLimit(max_failures=3, window=timedelta(seconds=60))
SCOPES = ["ip:192.0.2.1", "shop:12345678"]


def fail(factory: sessionmaker[Session], scopes: list[str], at: datetime) -> None:
    record_failure(factory, scopes, LIMIT, at)


def retry_after(session: Session, scopes: list[str], at: datetime) -> int | None:
    try:
        check(session, scopes, LIMIT, at)
    except TooManyAttempts as exc:
        return exc.retry_after_seconds
    finally:
        session.rollback()
    return None


def test_the_limit_is_reached_at_max_failures_and_lifts_as_they_leave_the_window(
    session, session_factory
):
    fail(session_factory, SCOPES, T0)
    fail(session_factory, SCOPES, T0 + timedelta(seconds=20))
    assert retry_after(session, SCOPES, T0 + timedelta(seconds=30)) is None
    fail(session_factory, SCOPES, T0 + timedelta(seconds=40))
    # Three in the last minute: refused until the first one is a minute old.
    assert retry_after(session, SCOPES, T0 + timedelta(seconds=41)) == 19
    assert retry_after(session, SCOPES, T0 + timedelta(seconds=59, microseconds=500)) == 1
    # Sliding: at T0+60 the first is out, two remain.
    assert retry_after(session, SCOPES, T0 + timedelta(seconds=60)) is None
    fail(session_factory, SCOPES, T0 + timedelta(seconds=61))
    # Now 20, 40 and 61 count: free again when the one of 20 s leaves, at 80 s.
    assert retry_after(session, SCOPES, T0 + timedelta(seconds=62)) == 18


def test_each_scope_counts_on_its_own_and_any_scope_over_the_limit_refuses(
    session, session_factory
):
    for second in range(3):
        fail(session_factory, ["ip:192.0.2.1", f"shop:0000000{second}"], T0)
    at = T0 + timedelta(seconds=1)
    # The address is over the limit, for any identity; each shop id failed only once.
    assert retry_after(session, ["ip:192.0.2.1", "shop:99999999"], at) == 59
    assert retry_after(session, ["ip:192.0.2.2", "shop:00000001"], at) is None
    for address in ("192.0.2.7", "192.0.2.8", "192.0.2.9"):
        fail(session_factory, [f"ip:{address}", "shop:12345678"], T0)
    # Guesses about one shop from many addresses: the shop id is over the limit.
    assert retry_after(session, ["ip:198.51.100.1", "shop:12345678"], at) == 59


def test_a_failure_is_kept_though_the_requests_own_work_is_rolled_back(session, session_factory):
    def attempt() -> None:
        session.add(Merchant(name="written by the failing request"))
        session.flush()
        raise AuthenticationFailed("unknown shop or wrong key")

    with pytest.raises(AuthenticationFailed):
        guarded(session, session_factory, SCOPES, LIMIT, attempt, now=T0)
    with session_factory() as other:
        assert other.scalar(select(func.count()).select_from(Merchant)) == 0
        scopes = other.scalars(select(AuthFailure.scope).order_by(AuthFailure.scope)).all()
    assert scopes == sorted(SCOPES)


def test_over_the_limit_the_credentials_are_not_even_checked(session, session_factory):
    for second in range(3):
        fail(session_factory, SCOPES, T0 + timedelta(seconds=second))
    checked = []

    def attempt() -> str:
        checked.append(True)
        return "the caller"

    with pytest.raises(TooManyAttempts, match="try again in 58 seconds"):
        guarded(session, session_factory, SCOPES, LIMIT, attempt, now=T0 + timedelta(seconds=2))
    assert checked == []
    session.rollback()
    # A refused request is not a failure: it does not push the moment back.
    assert guarded(session, session_factory, SCOPES, LIMIT, attempt, now=T0 + timedelta(seconds=60))
    assert checked == [True]


def test_old_failures_are_pruned(session, session_factory):
    fail(session_factory, ["ip:192.0.2.1"], T0)
    fail(session_factory, ["ip:192.0.2.2"], T0)
    fail(session_factory, ["ip:192.0.2.1"], T0 + timedelta(minutes=5))
    with session_factory() as other:
        rows = other.execute(select(AuthFailure.scope, AuthFailure.at)).all()
    # The failing scope's old row went at once (another scope's waits for a full prune,
    # which comes every 64 rows).
    assert ("ip:192.0.2.1", T0 + timedelta(minutes=5)) in rows
    assert ("ip:192.0.2.1", T0) not in rows
    for _ in range(70):  # enough rows for a full prune to come round
        fail(session_factory, ["ip:192.0.2.3"], T0 + timedelta(minutes=5))
    with session_factory() as other:
        scopes = set(other.scalars(select(AuthFailure.scope)))
    assert "ip:192.0.2.2" not in scopes


def test_scopes_are_bounded_and_normalised():
    assert limits.bearer_scope("prodpassword_12345678_AbCdEfGh") == "key:prodpassword_12345678_AbC"
    assert limits.login_scope(" Alice@Example.com ") == "login:alice@example.com"
    assert limits.ip_scope(None) == "ip:unknown"
    assert len(limits.basic_scope("9" * 10_000)) <= 300
    assert len(limits.login_scope("a" * 10_000)) <= 300


def test_the_limit_comes_from_the_settings():
    settings = Settings(auth_max_failures=4, auth_failure_window_seconds=90)
    assert FailureLimit.from_settings(settings) == FailureLimit(4, timedelta(seconds=90))
    assert FailureLimit.from_settings(Settings()) == FailureLimit(10, timedelta(seconds=300))


def test_a_sign_in_is_limited_per_address_and_per_e_mail(session, session_factory):
    make_shop(session)
    create_user(session, "alice@example.com", Role.ADMIN, ["12345678"], password="the right one!")
    session.commit()
    for second in range(3):
        with pytest.raises(AuthenticationFailed):
            sign_in(
                session,
                session_factory,
                "Alice@example.com",
                "a wrong guess",
                client_address=f"192.0.2.{second}",
                limit=LIMIT,
                now=T0 + timedelta(seconds=second),
            )
    # Three addresses, one account: the account is over the limit, the right password too.
    with pytest.raises(TooManyAttempts):
        sign_in(
            session,
            session_factory,
            "alice@example.com",
            "the right one!",
            client_address="198.51.100.1",
            limit=LIMIT,
            now=T0 + timedelta(seconds=3),
        )
    session.rollback()
    user = sign_in(
        session,
        session_factory,
        "alice@example.com",
        "the right one!",
        client_address="198.51.100.1",
        limit=LIMIT,
        now=T0 + timedelta(seconds=61),
    )
    assert user.last_login_at == T0 + timedelta(seconds=61)
