"""The records behind `Idempotency-Key`: whose key a request comes with, claiming an
idempotency key before the request runs, keeping its answer, forgetting old keys.

Each function runs its own short transaction: a claim is committed before the request runs,
so that a second request with the same key, in this process or another, sees it at once. The
request itself runs in its own unit of work, as if there were no idempotency key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from pointage.auth.keys import hash_key
from pointage.auth.models import ApiKey, IdempotencyKey, User
from pointage.db.session import unit_of_work
from pointage.shop.models import Shop
from pointage.status.models import StatusOperatorToken
from pointage.status.operators import TOKEN_PREFIX

IN_PROGRESS, DONE = "in_progress", "done"
# A claim still in progress after this long belongs to a request whose process died (a
# restart, a crash): the key is released rather than refused for the rest of the day.
ABANDONED_AFTER = timedelta(hours=1)
_PATH_LENGTH = 500  # the column's width; the fingerprint covers the whole path


@dataclass(frozen=True)
class Caller:
    """Whose idempotency keys these are: a shop's API key or a status page operator's token
    (exactly one of the two)."""

    api_key_id: int | None = None
    operator_token_id: int | None = None



@dataclass(frozen=True)
class Fingerprint:
    """What makes two requests the same request: method, path with query, body."""

    method: str
    path: str
    body_sha256: str

    @property
    def digest(self) -> str:
        text = f"{self.method}\n{self.path}\n{self.body_sha256}"
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Answer:
    """An answer as it was sent: status, content type, body (None: too large to keep)."""

    status: int
    content_type: str | None
    body: bytes | None


@dataclass(frozen=True)
class Run:
    """The key is claimed for this request: run it, then complete or release `record_id`."""

    record_id: int


@dataclass(frozen=True)
class Busy:
    """A request with the same key is still running."""


@dataclass(frozen=True)
class Reused:
    """The key was used for a different request (other method, path or body)."""

    first_method: str
    first_path: str


@dataclass(frozen=True)
class Replay:
    """The same request was answered before: this is its answer."""

    answer: Answer


Refusal = Busy | Reused | Replay
Decision = Run | Refusal


class IdempotencyRepository:
    """All queries on idempotency records, and the API key lookup they start from."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def active_key(self, key_hash: str) -> tuple[int, str] | None:
        """The id and shop id of the active API key with this hash."""
        row = self.session.execute(
            select(ApiKey.id, Shop.shop_id)
            .join(Shop, Shop.id == ApiKey.shop_id)
            .where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
        ).first()
        return None if row is None else (row[0], row[1])

    def active_operator_token(self, token_hash: str) -> int | None:
        """The id of the active token with this hash of a user who is still an operator."""
        return self.session.scalar(
            select(StatusOperatorToken.id)
            .join(User, User.id == StatusOperatorToken.user_id)
            .where(
                StatusOperatorToken.token_hash == token_hash,
                StatusOperatorToken.revoked_at.is_(None),
                User.operator.is_(True),
                User.disabled_at.is_(None),
            )
        )

    def find(self, caller: Caller, key: str) -> IdempotencyKey | None:
        if caller.api_key_id is not None:
            whose = IdempotencyKey.api_key_id == caller.api_key_id
        else:
            whose = IdempotencyKey.operator_token_id == caller.operator_token_id
        return self.session.scalar(select(IdempotencyKey).where(whose, IdempotencyKey.key == key))

    def add(self, record: IdempotencyKey) -> IdempotencyKey:
        self.session.add(record)
        self.session.flush()
        return record

    def delete(self, record_id: int) -> None:
        self.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == record_id))

    def complete(self, record_id: int, answer: Answer, now: datetime) -> None:
        self.session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.id == record_id)
            .values(
                state=DONE,
                response_status=answer.status,
                response_content_type=answer.content_type,
                response_body=answer.body,
                completed_at=now,
            )
        )

    def delete_created_before(self, cutoff: datetime) -> int:
        result = self.session.execute(
            delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def caller_of(factory: sessionmaker[Session], secret: str, shop_id: str | None) -> Caller | None:
    """The active API key `secret` (of the shop `shop_id`, when HTTP Basic names one) or the
    active operator token `secret`, or None: the request then goes on untouched, and its route
    refuses it."""
    with unit_of_work(factory) as session:
        repo = IdempotencyRepository(session)
        if secret.startswith(TOKEN_PREFIX) and shop_id is None:
            token_id = repo.active_operator_token(hash_key(secret))
            return None if token_id is None else Caller(operator_token_id=token_id)
        found = repo.active_key(hash_key(secret))
    if found is None or (shop_id is not None and found[1] != shop_id):
        return None
    return Caller(api_key_id=found[0])


def _stale(record: IdempotencyKey, now: datetime, ttl: timedelta) -> bool:
    if record.created_at < now - ttl:
        return True
    return record.state == IN_PROGRESS and record.created_at < now - ABANDONED_AFTER


def _decide(record: IdempotencyKey, fingerprint: Fingerprint) -> Decision:
    if record.request_hash != fingerprint.digest:
        return Reused(record.method, record.path)
    if record.state == IN_PROGRESS:
        return Busy()
    status = record.response_status or 0
    return Replay(Answer(status, record.response_content_type, record.response_body))


def _claim_in(
    session: Session,
    caller: Caller,
    key: str,
    fingerprint: Fingerprint,
    now: datetime,
    ttl: timedelta,
) -> Decision:
    repo = IdempotencyRepository(session)
    record = repo.find(caller, key)
    if record is not None and not _stale(record, now, ttl):
        return _decide(record, fingerprint)
    if record is not None:
        repo.delete(record.id)
    claimed = repo.add(
        IdempotencyKey(
            api_key_id=caller.api_key_id,
            operator_token_id=caller.operator_token_id,
            key=key,
            method=fingerprint.method,
            path=fingerprint.path[:_PATH_LENGTH],
            request_hash=fingerprint.digest,
            state=IN_PROGRESS,
            created_at=now,
        )
    )
    return Run(claimed.id)


def claim(
    factory: sessionmaker[Session],
    caller: Caller,
    key: str,
    fingerprint: Fingerprint,
    *,
    now: datetime,
    ttl: timedelta,
) -> Decision:
    """Claim `key` for this request, committed at once, or say why the request must not run.

    Two requests racing for one key: on SQLite the write lock orders them; on PostgreSQL the
    second insert waits for the first to commit, fails on the unique constraint, and the
    second attempt reads the first's claim."""
    for _attempt in range(3):
        try:
            with unit_of_work(factory) as session:
                return _claim_in(session, caller, key, fingerprint, now, ttl)
        except IntegrityError:
            continue
    raise RuntimeError(f"idempotency key {key!r} could be neither claimed nor read")


def complete(factory: sessionmaker[Session], record_id: int, answer: Answer, now: datetime) -> None:
    """Keep the answer of the request that claimed `record_id`."""
    with unit_of_work(factory) as session:
        IdempotencyRepository(session).complete(record_id, answer, now)


def release(factory: sessionmaker[Session], record_id: int) -> None:
    """Forget a claim: the request failed in a way worth retrying with the same key."""
    with unit_of_work(factory) as session:
        IdempotencyRepository(session).delete(record_id)


def prune(factory: sessionmaker[Session], cutoff: datetime) -> int:
    """Delete the records created before `cutoff`; how many went."""
    with unit_of_work(factory) as session:
        return IdempotencyRepository(session).delete_created_before(cutoff)
