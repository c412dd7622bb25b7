"""The status page's queries about components and their changes (incidents, subscribers and
notifications have their own repositories beside their services)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.status.models import StatusComponent, StatusComponentChange


class ComponentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> Sequence[StatusComponent]:
        """Every component and group, in the page's order."""
        return self.session.scalars(
            select(StatusComponent).order_by(StatusComponent.position, StatusComponent.id)
        ).all()

    def by_key(self, key: str) -> StatusComponent | None:
        return self.session.scalars(
            select(StatusComponent).where(StatusComponent.key == key)
        ).one_or_none()

    def by_keys(self) -> dict[str, StatusComponent]:
        return {component.key: component for component in self.all()}

    def with_expired_override(self, now: datetime) -> Sequence[StatusComponent]:
        return self.session.scalars(
            select(StatusComponent).where(
                StatusComponent.override_status.is_not(None),
                StatusComponent.override_until.is_not(None),
                StatusComponent.override_until <= now,
            )
        ).all()

    def changes_since(self, since: datetime) -> Sequence[StatusComponentChange]:
        """Every change from `since` on, and for each component the last one before it (the
        state it was in at `since`), ordered by component and time: what uptime needs."""
        before = (
            select(
                StatusComponentChange.component_id,
                StatusComponentChange.id.label("last_id"),
            )
            .where(StatusComponentChange.changed_at < since)
            .order_by(StatusComponentChange.component_id, StatusComponentChange.changed_at.desc())
        )
        last_before: dict[int, int] = {}
        for component_id, last_id in self.session.execute(before):
            last_before.setdefault(component_id, last_id)
        query = select(StatusComponentChange).where(
            (StatusComponentChange.changed_at >= since)
            | StatusComponentChange.id.in_(list(last_before.values()))
        )
        return self.session.scalars(
            query.order_by(StatusComponentChange.component_id, StatusComponentChange.changed_at)
        ).all()
