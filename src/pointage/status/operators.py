"""Operators of the status page (back-office users marked `operator`) and their API tokens.

A token is "pso_" and 32 random bytes, shown once when created; only its SHA-256 hash is kept
(as the shops' API keys are: there is nothing to brute-force in 32 random bytes). A token is
revoked for good; a disabled user's or a former operator's tokens stop working at once.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pointage.audit.service import record
from pointage.auth.keys import hash_key
from pointage.auth.models import User
from pointage.core.errors import AuthenticationFailed, InvalidInput, NotFound, PermissionDenied
from pointage.status.models import StatusOperatorToken

TOKEN_PREFIX = "pso_"  # noqa: S105 - not a secret: what every token starts with
MAX_LABEL = 100
# The time of a token's last use is written at most this often.
TOUCH_EVERY = timedelta(minutes=1)


def is_operator(user: User | None) -> bool:
    return user is not None and bool(user.operator) and user.disabled_at is None


def require_operator(user: User | None) -> User:
    if user is None or not is_operator(user):
        raise PermissionDenied("only an operator of the status page may do this")
    return user


def user_by_email(session: Session, email: str) -> User:
    user = session.scalars(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).one_or_none()
    if user is None:
        raise NotFound(f"no user {email!r}")
    return user


def set_operator(session: Session, email: str, operator: bool, *, actor: str) -> User:
    user = user_by_email(session, email)
    if bool(user.operator) != operator:
        user.operator = operator
        record(
            session,
            actor,
            "status.operator_granted" if operator else "status.operator_removed",
            "app_user",
            user.id,
        )
    session.flush()
    return user


@dataclass(frozen=True)
class NewToken:
    token: StatusOperatorToken
    secret: str  # shown once


def create_token(
    session: Session,
    user: User,
    *,
    label: str | None = None,
    actor: str,
    now: datetime | None = None,
) -> NewToken:
    now = now or datetime.now(UTC)
    require_operator(user)
    label = (label or "").strip() or None
    if label is not None and len(label) > MAX_LABEL:
        raise InvalidInput(f"a label has at most {MAX_LABEL} characters", param="label")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = StatusOperatorToken(
        user_id=user.id,
        prefix=secret[:12],
        token_hash=hash_key(secret),
        label=label,
        created_at=now,
    )
    session.add(token)
    session.flush()
    record(
        session,
        actor,
        "status.token_created",
        "status_operator_token",
        token.id,
        detail={"user": user.email, "prefix": token.prefix},
    )
    return NewToken(token, secret)


def revoke_token(
    session: Session,
    token_id: int,
    *,
    actor: str,
    user: User | None = None,
    now: datetime | None = None,
) -> StatusOperatorToken:
    """Revoke a token (only one's own when `user` is given)."""
    now = now or datetime.now(UTC)
    token = session.get(StatusOperatorToken, token_id)
    if token is None or (user is not None and token.user_id != user.id):
        raise NotFound(f"no token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = now
        record(session, actor, "status.token_revoked", "status_operator_token", token.id)
    session.flush()
    return token


def tokens_of(session: Session, user: User) -> Sequence[StatusOperatorToken]:
    return session.scalars(
        select(StatusOperatorToken)
        .where(StatusOperatorToken.user_id == user.id)
        .order_by(StatusOperatorToken.id.desc())
    ).all()


def authenticate(session: Session, secret: str, now: datetime | None = None) -> User:
    """The operator a token belongs to; AuthenticationFailed for anything else (unknown,
    revoked, a shop's API key, a user no longer an operator or disabled)."""
    now = now or datetime.now(UTC)
    refused = AuthenticationFailed("an operator token of the status page is required")
    if not secret.startswith(TOKEN_PREFIX):
        raise refused
    digest = hash_key(secret)
    token = session.scalars(
        select(StatusOperatorToken).where(StatusOperatorToken.token_hash == digest)
    ).one_or_none()
    if token is None or token.revoked_at is not None:
        raise refused
    if not hmac.compare_digest(token.token_hash, digest):
        raise refused
    user = session.get(User, token.user_id)
    if user is None or not is_operator(user):
        raise refused
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now
        session.flush()
    return user
