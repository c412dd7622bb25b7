"""Looking up what a manual action names, in the caller's scope (`repository.manual.Scope`):
an object of another merchant, or of another shop for a shop, is NotFound like a missing
one; a match or a suggestion is seen only when everything it claims is in the scope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from pointage.core.errors import Conflict, InvalidInput, NotFound
from pointage.payment.models import Transaction
from pointage.reconciliation.models import Match, Suggestion, SuggestionStatus
from pointage.reconciliation.repository import manual as queries
from pointage.reconciliation.repository.manual import Scope

T = TypeVar("T")


def required_comment(comment: str | None) -> str:
    text = (comment or "").strip()
    if not text:
        raise InvalidInput("a comment is required: say why", param="comment")
    return text


def optional_comment(comment: str | None) -> str | None:
    return (comment or "").strip() or None


def found_all(found: dict[Any, T], wanted: Sequence[Any], kind: str, param: str) -> list[T]:
    """The objects in the order asked, each once; the first one missing is NotFound."""
    for key in wanted:
        if key not in found:
            raise NotFound(f"{kind} {key} not found", param=param)
    return [found[key] for key in dict.fromkeys(wanted)]


def captured_transactions(
    session: Session, scope: Scope, uuids: Sequence[str], param: str = "transaction_uuids"
) -> list[Transaction]:
    found = found_all(
        queries.transactions_by_uuid(session, scope, set(uuids)), uuids, "transaction", param
    )
    for tx in found:
        if tx.remittance_id is None:
            raise Conflict(
                f"transaction {tx.uuid} was not captured: there is nothing to reconcile",
                param=param,
            )
    return found


def visible_match(session: Session, scope: Scope, match_id: int, *, lock: bool = False) -> Match:
    """The match if everything it claims is in the scope; NotFound otherwise."""
    match = queries.match(session, scope.merchant_id, match_id, lock=lock)
    if match is None or not links_in_scope(session, scope, queries.links(session, match_id)):
        raise NotFound(f"match {match_id} not found", param="match_id")
    return match


def suggestion_in_reach(session: Session, scope: Scope, suggestion_id: int) -> Suggestion:
    proposed = queries.suggestion(session, scope.merchant_id, suggestion_id, lock=True)
    if proposed is None or not suggestion_in_scope(session, scope, proposed):
        raise NotFound(f"suggestion {suggestion_id} not found", param="suggestion_id")
    return proposed


def suggestion_in_scope(session: Session, scope: Scope, proposed: Suggestion) -> bool:
    links = queries.Links(
        entries=[(i, "") for i in proposed.entry_ids],
        remittances=[(i, "") for i in proposed.remittance_ids],
        transactions=[(i, "") for i in proposed.transaction_ids],
    )
    return links_in_scope(session, scope, links)


def links_in_scope(session: Session, scope: Scope, links: queries.Links) -> bool:
    """A shop sees a match or a suggestion only when all it claims is the shop's: another
    shop's remittance must not show through a grouped credit."""
    if scope.shop_pk is None:
        return True
    entries = {i for i, _ in links.entries}
    remittances = {i for i, _ in links.remittances}
    transactions = {i for i, _ in links.transactions}
    return (
        len(queries.entries_in_scope(session, scope, entries)) == len(entries)
        and len(queries.remittances_in_scope(session, scope, remittances)) == len(remittances)
        and len(queries.transactions_in_scope(session, scope, transactions)) == len(transactions)
    )


def still_open(proposed: Suggestion) -> None:
    if proposed.status != SuggestionStatus.OPEN.value:
        raise Conflict(
            f"suggestion {proposed.id} is already {proposed.status}", param="suggestion_id"
        )


def owner(session: Session, kind: str, key: int | str) -> int:
    """The merchant owning the object named (see `repository.manual.merchant_of`)."""
    merchant_id = queries.merchant_of(session, kind, key)
    if merchant_id is None:
        raise NotFound(f"{kind} {key} not found", param=kind)
    return merchant_id


def merchants(session: Session) -> list[int]:
    return queries.merchant_ids(session)
