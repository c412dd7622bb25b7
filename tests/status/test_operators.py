"""Operators and their tokens: shown once, stored hashed, their last use noted at most once a
minute, refused once revoked or once the user is no longer an operator or is disabled."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from pointage.auth.service.users import create_user
from pointage.core.errors import AuthenticationFailed, NotFound, PermissionDenied
from pointage.core.statuses import Role
from pointage.status.operators import (
    authenticate,
    create_token,
    revoke_token,
    set_operator,
    tokens_of,
)
from tests.factories import make_shop

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def operator(session):
    make_shop(session)
    create_user(session, "ops@example.com", Role.READ_ONLY, ["12345678"])
    return set_operator(session, "OPS@example.com", True, actor="test")


def test_a_token_is_shown_once_and_stored_hashed(session, operator):
    made = create_token(session, operator, label="deploys", actor="test", now=NOW)
    assert made.secret.startswith("pso_") and len(made.secret) > 40
    assert made.token.token_hash == hashlib.sha256(made.secret.encode()).hexdigest()
    assert made.token.prefix == made.secret[:12]
    assert authenticate(session, made.secret, NOW) == operator
    assert made.token.last_used_at == NOW
    authenticate(session, made.secret, NOW + timedelta(seconds=30))
    assert made.token.last_used_at == NOW
    authenticate(session, made.secret, NOW + timedelta(minutes=2))
    assert made.token.last_used_at == NOW + timedelta(minutes=2)
    assert list(tokens_of(session, operator)) == [made.token]


def test_a_token_stops_working_when_revoked_or_its_user_changes(session, operator):
    made = create_token(session, operator, actor="test", now=NOW)
    set_operator(session, operator.email, False, actor="test")
    with pytest.raises(AuthenticationFailed):
        authenticate(session, made.secret, NOW)
    with pytest.raises(PermissionDenied):
        create_token(session, operator, actor="test")
    set_operator(session, operator.email, True, actor="test")
    operator.disabled_at = NOW
    with pytest.raises(AuthenticationFailed):
        authenticate(session, made.secret, NOW)
    operator.disabled_at = None
    assert authenticate(session, made.secret, NOW) == operator
    revoke_token(session, made.token.id, actor="test", now=NOW)
    with pytest.raises(AuthenticationFailed):
        authenticate(session, made.secret, NOW)
    for wrong in ("", "pso_", "pso_" + "x" * 43, made.secret[:-1]):
        with pytest.raises(AuthenticationFailed):
            authenticate(session, wrong, NOW)
    with pytest.raises(NotFound):
        revoke_token(session, 999_999, actor="test")
