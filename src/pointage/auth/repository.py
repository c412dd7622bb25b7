"""All queries on API keys, users, failed attempts and idempotency records."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from pointage.auth.models import ApiKey, AuthFailure, User, UserShop
from pointage.shop.models import Shop

# The two queries every API call runs are built once: building a statement and its cache
# key costs more than running it.


@functools.cache
def _key_with_shop() -> Select[ApiKey, Shop]:
    return (
        select(ApiKey, Shop)
        .join(Shop, Shop.id == ApiKey.shop_id)
        .where(ApiKey.key_hash == bindparam("key_hash"))
    )


@functools.cache
def _failure_counts() -> Select[str, int]:
    return (
        select(AuthFailure.scope, func.count())
        .where(
            AuthFailure.scope.in_(bindparam("scopes", expanding=True)),
            AuthFailure.at > bindparam("since", type_=AuthFailure.at.type),
        )
        .group_by(AuthFailure.scope)
    )


class ApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, key: ApiKey) -> ApiKey:
        self.session.add(key)
        self.session.flush()
        return key

    def with_shop_by_hash(self, key_hash: str) -> tuple[ApiKey, Shop] | None:
        """The key of this hash and its shop, in one round trip."""
        row = self.session.execute(_key_with_shop(), {"key_hash": key_hash}).one_or_none()
        return None if row is None else (row[0], row[1])

    def by_id(self, pk: int) -> ApiKey | None:
        return self.session.get(ApiKey, pk)

    def active_of_shop(self, shop_pk: int, mode: str | None = None) -> Sequence[ApiKey]:
        query = select(ApiKey).where(ApiKey.shop_id == shop_pk, ApiKey.revoked_at.is_(None))
        if mode is not None:
            query = query.where(ApiKey.mode == mode)
        return self.session.scalars(query.order_by(ApiKey.id.desc())).all()

    def of_shop(self, shop_pk: int) -> Sequence[ApiKey]:
        query = select(ApiKey).where(ApiKey.shop_id == shop_pk).order_by(ApiKey.id)
        return self.session.scalars(query).all()

    def touch(self, pk: int, now: datetime, older_than: datetime) -> None:
        """Record a use of the key, unless one was recorded after `older_than`."""
        self.session.execute(
            update(ApiKey)
            .where(
                ApiKey.id == pk,
                (ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at < older_than),
            )
            .values(last_used_at=now)
        )


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, user: User) -> User:
        self.session.add(user)
        self.session.flush()
        return user

    def by_email(self, email: str) -> User | None:
        return self.session.scalar(select(User).where(User.email == email))

    def by_id(self, pk: int) -> User | None:
        return self.session.get(User, pk)

    def all(self) -> Sequence[User]:
        return self.session.scalars(select(User).order_by(User.email)).all()

    def shops_of(self, user_pk: int) -> Sequence[Shop]:
        query = (
            select(Shop)
            .join(UserShop, UserShop.shop_id == Shop.id)
            .where(UserShop.user_id == user_pk)
            .order_by(Shop.shop_id)
        )
        return self.session.scalars(query).all()

    def set_shops(self, user_pk: int, shop_pks: Iterable[int]) -> None:
        self.session.execute(delete(UserShop).where(UserShop.user_id == user_pk))
        self.session.add_all(UserShop(user_id=user_pk, shop_id=pk) for pk in sorted(set(shop_pks)))
        self.session.flush()


class AuthFailureRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, scopes: Iterable[str], at: datetime) -> int:
        """Record one failure in each scope; the id of the last row written."""
        rows = [AuthFailure(scope=scope, at=at) for scope in scopes]
        self.session.add_all(rows)
        self.session.flush()
        return max((row.id for row in rows), default=0)

    def counts_since(self, scopes: Sequence[str], since: datetime) -> dict[str, int]:
        """Failures per scope after `since` (scopes without any are left out)."""
        rows = self.session.execute(_failure_counts(), {"scopes": list(scopes), "since": since})
        return {scope: int(count) for scope, count in rows}

    def nth_newest(self, scope: str, n: int) -> datetime | None:
        """The time of the scope's n-th most recent failure (1: the latest)."""
        return self.session.scalar(
            select(AuthFailure.at)
            .where(AuthFailure.scope == scope)
            .order_by(AuthFailure.at.desc())
            .offset(n - 1)
            .limit(1)
        )

    def prune(self, before: datetime, scopes: Sequence[str] | None = None) -> None:
        """Forget failures older than `before`: of these scopes only (by index), or all."""
        query = delete(AuthFailure).where(AuthFailure.at < before)
        if scopes is not None:
            query = query.where(AuthFailure.scope.in_(scopes))
        self.session.execute(query)
