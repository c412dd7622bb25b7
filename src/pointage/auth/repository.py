"""All queries on API keys, users, failed attempts and idempotency records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pointage.auth.models import ApiKey


class ApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, key: ApiKey) -> ApiKey:
        self.session.add(key)
        self.session.flush()
        return key

    def by_hash(self, key_hash: str) -> ApiKey | None:
        return self.session.scalar(select(ApiKey).where(ApiKey.key_hash == key_hash))

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
