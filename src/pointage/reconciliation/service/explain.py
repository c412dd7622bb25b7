"""Explain a transaction's reconciliation: the chain transaction → remittance → bank entry
(file, record, the bank's own line) → rule and each criterion, for every match, with the
matches undone, the suggestions, and why it is still open when nothing matched.

A caller sees only its scope (`repository.manual.Scope`): a transaction of another shop or
merchant is NotFound, like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from pointage.core.errors import InvalidInput, NotFound
from pointage.payment.models import Transaction
from pointage.reconciliation.models import ClaimRole, Match, Suggestion, SuggestionStatus
from pointage.reconciliation.repository import explain as queries
from pointage.reconciliation.repository import manual as claims
from pointage.reconciliation.repository.manual import Scope
from pointage.reconciliation.service.explain_views import (
    CriterionView,
    EntryView,
    Explanation,
    MatchView,
    OpenReasonView,
    RemittanceView,
    ReversalView,
    SuggestionView,
    TransactionRef,
    TransactionView,
)
from pointage.reconciliation.service.manual_scope import suggestion_in_scope, visible_match
from pointage.reconciliation.status import review_from

# Formats whose files are latin-1 (CFONB 120 is an 8-bit French banking format); the others
# are read as UTF-8, a byte that is not being replaced rather than refused.
LATIN1_FORMATS = frozenset({"cfonb120"})
CFONB_RECORD_LENGTH = 120
SUGGESTION_STATUSES = tuple(status.value for status in SuggestionStatus)
_PAGE = 500


def explain_transaction(
    session: Session, merchant_id: int, uuid: str, *, shop_pk: int | None = None
) -> Explanation:
    scope = Scope(merchant_id, shop_pk)
    found = claims.transactions_by_uuid(session, scope, {uuid})
    if uuid not in found:
        raise NotFound(f"transaction {uuid} not found", param="uuid")
    tx = found[uuid]
    describer = Describer(session, scope)
    remittance = None
    if tx.remittance_id is not None:
        remittance = describer.remittances([(tx.remittance_id, None)])[0]
    on = queries.claims_on(session, tx.id, tx.remittance_id)
    credit_id = _credit_match_id(on)
    shown = queries.matches(session, {claim.match_id for claim in on})
    views = {match_id: describer.match(match) for match_id, match in shown.items()}
    active = [views[i] for i in sorted(views) if views[i].active]
    credit = views.get(credit_id) if credit_id is not None else None
    touching = _suggestions_touching(session, scope, tx)
    return Explanation(
        transaction=_transaction_view(tx),
        remittance=remittance,
        credit_match=credit,
        claims=[view for view in active if view is not credit],
        history=[views[i] for i in sorted(views) if not views[i].active],
        decided_suggestions=[
            describer.suggestion(s) for s in touching if s.status != SuggestionStatus.OPEN.value
        ],
        open_suggestions=[
            describer.suggestion(s) for s in touching if s.status == SuggestionStatus.OPEN.value
        ],
        open_reason=None if credit is not None else _open_reason(session, merchant_id, tx),
    )


def describe_match(
    session: Session, merchant_id: int, match_id: int, *, shop_pk: int | None = None
) -> MatchView:
    scope = Scope(merchant_id, shop_pk)
    match = visible_match(session, scope, match_id)
    return Describer(session, scope).match(match)


def describe_suggestion(
    session: Session, merchant_id: int, suggestion_id: int, *, shop_pk: int | None = None
) -> SuggestionView:
    scope = Scope(merchant_id, shop_pk)
    proposed = claims.suggestion(session, merchant_id, suggestion_id)
    if proposed is None or not suggestion_in_scope(session, scope, proposed):
        raise NotFound(f"suggestion {suggestion_id} not found", param="suggestion_id")
    return Describer(session, scope).suggestion(proposed)


def list_suggestions(
    session: Session,
    merchant_id: int,
    *,
    status: str = SuggestionStatus.OPEN.value,
    limit: int = 50,
    offset: int = 0,
    shop_pk: int | None = None,
) -> list[SuggestionView]:
    """The suggestions of the scope with this status (or every status for "all"), oldest
    first."""
    if status != "all" and status not in SUGGESTION_STATUSES:
        raise InvalidInput(
            f"status must be one of {', '.join(SUGGESTION_STATUSES)} or all", param="status"
        )
    statuses = SUGGESTION_STATUSES if status == "all" else (status,)
    scope = Scope(merchant_id, shop_pk)
    page: list[Suggestion] = []
    for proposed in _suggestions(session, merchant_id, statuses):
        if suggestion_in_scope(session, scope, proposed):
            if offset:
                offset -= 1
                continue
            page.append(proposed)
            if len(page) >= limit:
                break
    describer = Describer(session, scope)
    return [describer.suggestion(proposed) for proposed in page]


def raw_line(content: bytes, file_format: str, record: int) -> str | None:
    """Line `record` (1-based) of a bank file, without its line end, decoded as its format
    is written; None when the file has no such line. A CFONB 120 file without line breaks
    is read as its 120-character records."""
    if record < 1:
        return None
    encoding = "latin-1" if file_format in LATIN1_FORMATS else "utf-8"
    separator = b"\n" if b"\n" in content else b"\r"
    if file_format in LATIN1_FORMATS and separator not in content:
        start = (record - 1) * CFONB_RECORD_LENGTH
        line = content[start : start + CFONB_RECORD_LENGTH]
        return line.decode(encoding) if line.strip() else None
    start = 0
    for _ in range(record - 1):
        found = content.find(separator, start)
        if found < 0:
            return None
        start = found + 1
    end = content.find(separator, start)
    line = content[start : end if end >= 0 else len(content)]
    if record == 1:
        line = line.removeprefix(b"\xef\xbb\xbf")
    if end < 0 and not line:
        return None  # past the last line end: no such line
    return line.rstrip(b"\r\n").decode(encoding, errors="replace")


def _credit_match_id(on: Sequence[queries.ClaimOn]) -> int | None:
    """The active match the transaction's status comes from: its own credit claim wins
    over its remittance's (reconciliation.status)."""
    credit = ClaimRole.CREDIT.value
    own = [c.match_id for c in on if c.active and c.role == credit and not c.through_remittance]
    through = [c.match_id for c in on if c.active and c.role == credit and c.through_remittance]
    return next(iter(own + through), None)


def _open_reason(session: Session, merchant_id: int, tx: Transaction) -> OpenReasonView:
    if tx.remittance_id is None:
        return OpenReasonView("not_captured", "not captured: nothing to reconcile")
    row = queries.latest_open_item(session, merchant_id, "remittance", tx.remittance_id)
    if row is None:
        return OpenReasonView("not_run", "no reconciliation run has left its remittance open yet")
    return OpenReasonView(row.reason, row.detail, row.run_id, row.business_date)


def _suggestions(
    session: Session, merchant_id: int, statuses: Collection[str]
) -> Iterable[Suggestion]:
    after = 0
    while batch := claims.suggestions_after(session, merchant_id, statuses, after, _PAGE):
        after = batch[-1].id
        yield from batch


def _suggestions_touching(session: Session, scope: Scope, tx: Transaction) -> list[Suggestion]:
    """Suggestions naming the transaction or its remittance (their id lists checked again
    here: the claim key only narrows the search)."""
    found = []
    named = claims.suggestions_naming(
        session, scope.merchant_id, remittance_id=tx.remittance_id, transaction_id=tx.id
    )
    for proposed in named:
        names = tx.id in proposed.transaction_ids or tx.remittance_id in proposed.remittance_ids
        if names and suggestion_in_scope(session, scope, proposed):
            found.append(proposed)
    return found


def _transaction_view(tx: Transaction) -> TransactionView:
    return TransactionView(
        uuid=tx.uuid,
        transaction_id=tx.transaction_id,
        order_id=tx.order_id,
        operation_type=tx.operation_type,
        amount_minor=tx.amount_minor,
        currency=tx.currency,
        transaction_date=tx.transaction_date,
        detailed_status=tx.detailed_status,
        status=tx.status,
        reconciliation_status=tx.reconciliation_status,
        dispute_flag=tx.dispute_flag,
        captured_at=tx.captured_at,
    )


def _criteria(evidence: Sequence[dict[str, Any]]) -> list[CriterionView]:
    return [
        CriterionView(
            name=str(item.get("name", "")),
            expected=str(item.get("expected", "")),
            actual=str(item.get("actual", "")),
            outcome=str(item.get("outcome", "")),
            points=int(item.get("points", 0)),
            note=str(item.get("note", "")),
        )
        for item in evidence
    ]


class Describer:
    """Builds views, reading each bank file at most once. A shop is not shown the objects
    of other shops a match also claims (a credit grouping remittances of several shops
    of the merchant on one account): it is told how many there are."""

    def __init__(self, session: Session, scope: Scope) -> None:
        self.session = session
        self.scope = scope
        self.contents: dict[int, bytes | None] = {}

    def match(self, match: Match) -> MatchView:
        links, hidden = self._visible(claims.links(self.session, match.id))
        reversal = queries.reversals(self.session, [match.id]).get(match.id)
        return MatchView(
            id=match.id,
            rule=match.rule,
            origin=match.origin,
            actor=match.actor,
            run_id=match.run_id,
            created_at=match.created_at,
            score=match.score,
            difference_minor=match.difference_minor,
            late_business_days=match.late_business_days,
            anomaly=match.anomaly,
            comment=match.comment,
            suggestion_id=match.suggestion_id,
            active=match.reversed_at is None,
            reversal=ReversalView(reversal.actor, reversal.at, reversal.comment)
            if reversal is not None
            else None,
            entries=self.entries(links.entries, raw=True),
            remittances=self.remittances(links.remittances),
            transactions=self.transactions(links.transactions),
            criteria=_criteria(match.evidence),
            hidden_objects=hidden,
        )

    def _visible(self, links: claims.Links) -> tuple[claims.Links, int]:
        if self.scope.shop_pk is None:
            return links, 0
        seen = (
            claims.entries_in_scope(self.session, self.scope, {i for i, _ in links.entries}),
            claims.remittances_in_scope(
                self.session, self.scope, {i for i, _ in links.remittances}
            ),
            claims.transactions_in_scope(
                self.session, self.scope, {i for i, _ in links.transactions}
            ),
        )
        kept = claims.Links(
            entries=[link for link in links.entries if link[0] in seen[0]],
            remittances=[link for link in links.remittances if link[0] in seen[1]],
            transactions=[link for link in links.transactions if link[0] in seen[2]],
        )
        hidden = sum(map(len, (links.entries, links.remittances, links.transactions))) - sum(
            map(len, (kept.entries, kept.remittances, kept.transactions))
        )
        return kept, hidden

    def suggestion(self, proposed: Suggestion) -> SuggestionView:
        return SuggestionView(
            id=proposed.id,
            run_id=proposed.run_id,
            status=proposed.status,
            rule=proposed.rule,
            score=proposed.score,
            reason=proposed.reason,
            difference_minor=proposed.difference_minor,
            late_business_days=proposed.late_business_days,
            anomaly=proposed.anomaly,
            created_at=proposed.created_at,
            decided_by=proposed.decided_by,
            decided_at=proposed.decided_at,
            comment=proposed.comment,
            match_id=proposed.match_id,
            entries=self.entries([(i, None) for i in proposed.entry_ids], raw=False),
            remittances=self.remittances([(i, None) for i in proposed.remittance_ids]),
            transactions=self.transactions([(i, None) for i in proposed.transaction_ids]),
            criteria=_criteria(proposed.evidence),
        )

    def entries(self, wanted: Sequence[tuple[int, str | None]], *, raw: bool) -> list[EntryView]:
        rows = queries.entries(self.session, {i for i, _ in wanted})
        return [self._entry(rows[i], role, raw=raw) for i, role in wanted if i in rows]

    def _entry(self, row: queries.EntryRow, role: str | None, *, raw: bool) -> EntryView:
        entry = row.entry
        line = None
        if raw:
            if entry.file_id not in self.contents:
                self.contents[entry.file_id] = queries.file_content(self.session, entry.file_id)
            content = self.contents[entry.file_id]
            line = raw_line(content, row.format, entry.record) if content is not None else None
        return EntryView(
            id=entry.id,
            role=role,
            account_iban=row.iban,
            file_id=entry.file_id,
            filename=row.filename,
            format=row.format,
            record=entry.record,
            raw_line=line,
            value_date=entry.value_date,
            booking_date=entry.booking_date,
            amount_minor=entry.amount_minor,
            currency=entry.currency,
            label=entry.label,
            bank_operation_code=entry.bank_operation_code,
        )

    def remittances(self, wanted: Sequence[tuple[int, str | None]]) -> list[RemittanceView]:
        rows = queries.remittances(self.session, {i for i, _ in wanted})
        return [_remittance_view(rows[i], role) for i, role in wanted if i in rows]

    def transactions(self, wanted: Sequence[tuple[int, str | None]]) -> list[TransactionRef]:
        found = queries.transactions(self.session, {i for i, _ in wanted})
        return [
            TransactionRef(
                uuid=tx.uuid,
                transaction_id=tx.transaction_id,
                order_id=tx.order_id,
                operation_type=tx.operation_type,
                amount_minor=tx.amount_minor,
                currency=tx.currency,
                role=role,
            )
            for i, role in wanted
            if (tx := found.get(i)) is not None
        ]


def _remittance_view(row: queries.RemittanceRow, role: str | None) -> RemittanceView:
    remittance = row.remittance
    return RemittanceView(
        id=remittance.id,
        contract_number=row.contract_number,
        number=remittance.number,
        remittance_date=remittance.remittance_date,
        currency=remittance.currency,
        settlement_mode=row.settlement_mode,
        payment_count=remittance.payment_count,
        refund_count=remittance.refund_count,
        gross_minor=remittance.gross_minor,
        refunds_minor=remittance.refunds_minor,
        fee_minor=remittance.fee_minor,
        net_minor=remittance.net_minor,
        expected_credit_minor=remittance.expected_credit_minor,
        expected_credit_date=remittance.expected_credit_date,
        grace_business_days=row.grace_business_days,
        to_review_from=review_from(remittance.expected_credit_date, row.grace_business_days),
        role=role,
    )
