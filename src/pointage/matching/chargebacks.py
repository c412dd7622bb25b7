"""Chargebacks (impayés): a captured card payment taken back, debited on the account.

A chargeback line is known by its operation code (CFONB 38, ISO PMNT/CCRD/UPCT) or its
label. What it says about the payment taken back is read into a `ChargebackClue`: the
transaction id, the order id, the card's last four digits, the contract, the amount and the
date. The app looks the candidate payments up with those clues; `match_chargebacks` scores
them criterion by criterion and decides.

A payment is taken back automatically only by a line that names it beyond doubt: the
amount is equal (required), the identifiers found reach the threshold, no other payment
scores as well, nothing on the line contradicts it (another card, another order), and no
stronger or earlier chargeback line claims the same payment. Everything else is a
suggestion or an open line, with a sentence saying why.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from pointage.matching.evidence import amount_text, day_text, failed, info, passed, score
from pointage.matching.model import (
    BankMovement,
    CardPayment,
    ChargebackClue,
    Criterion,
    OpenItem,
    OpenReason,
    Proposal,
    Rule,
)
from pointage.matching.settings import DEFAULT_SETTINGS, EngineSettings
from pointage.matching.text import normal, searchable, whole_numbers

AMOUNT_POINTS = 30
TRANSACTION_POINTS = 30
ORDER_POINTS = 25
CARD_POINTS = 20
CONTRACT_POINTS = 10
# More equally good candidates than this and the line lists none: a person searches instead.
MAX_SUGGESTIONS = 3

# "CDE CMD-2026-000123", "COMMANDE N° 4711", "REF CDE A-17", "ORDER ID: 99-XY".
_ORDER = re.compile(
    r"(?<![A-Z0-9])(?:COMMANDE|CDE|ORDER)(?![A-Z0-9])[ :#.]*"
    r"(?:(?:N°|NO|NUM|ID)(?![A-Z0-9])[ :#.]*)?"
    r"(?P<order>[A-Z0-9][A-Z0-9_./#-]*)"
)
# "X1234", "XXXX1234", "****1234", "497010XXXXXX1234": a masked card, its last 4 digits.
_MASKED_CARD = re.compile(r"(?<![0-9A-Z*])(?:[0-9]{4,8})?[X*]{1,12}(?P<last4>[0-9]{4})(?![0-9])")
# "CARTE 1234", "CARTE N° 1234".
_CARD_WORD = re.compile(r"(?<![A-Z])CARTE (?:N° ?)?(?P<last4>[0-9]{4})(?![0-9])")
TRANSACTION_ID_DIGITS = 6
CONTRACT_DIGITS = range(7, 16)


def is_chargeback(entry: BankMovement, settings: EngineSettings = DEFAULT_SETTINGS) -> bool:
    """A debit whose operation code or label says a card payment was taken back."""
    if entry.amount_minor >= 0:
        return False
    if entry.bank_operation_code in settings.chargeback_codes:
        return True
    label = normal(entry.label)
    return any(pattern.search(label) for pattern in settings.chargeback_labels)


def chargeback_clues(
    entries: Sequence[BankMovement], settings: EngineSettings = DEFAULT_SETTINGS
) -> list[ChargebackClue]:
    """What each chargeback line among `entries` says about the payment it takes back."""
    return [clue_of(entry) for entry in entries if is_chargeback(entry, settings)]


def clue_of(entry: BankMovement) -> ChargebackClue:
    """The identifiers a line names, read from its label, complements and references.

    Order ids and card numbers are read first and taken out of the text, so that their
    digits are not mistaken for a transaction id or a contract number."""
    text = searchable(entry)
    orders = _unique(_order_token(m.group("order")) for m in _ORDER.finditer(text))
    cards = [m.group("last4") for m in (*_MASKED_CARD.finditer(text), *_CARD_WORD.finditer(text))]
    rest = _CARD_WORD.sub(" ", _MASKED_CARD.sub(" ", _ORDER.sub(" ", text)))
    numbers = whole_numbers(rest)
    return ChargebackClue(
        entry_id=entry.id,
        account_id=entry.account_id,
        amount_minor=-entry.amount_minor,
        currency=entry.currency,
        booked_on=_booked_on(entry),
        transaction_ids=_unique(n for n in numbers if len(n) == TRANSACTION_ID_DIGITS),
        order_ids=tuple(order for order in orders if order),
        card_last4=cards[0] if cards else None,
        contract_numbers=_unique(n for n in numbers if len(n) in CONTRACT_DIGITS),
    )


@dataclass(frozen=True, slots=True)
class _Scored:
    """One candidate payment of a line, with its evidence."""

    payment: CardPayment
    criteria: tuple[Criterion, ...]
    score: int
    contradiction: str | None  # the line names another card or order: never automatic


@dataclass(slots=True)
class _Line:
    """A chargeback line and its candidates, best first."""

    entry: BankMovement
    clue: ChargebackClue
    candidates: list[_Scored] = field(default_factory=list)

    @property
    def order(self) -> tuple[date, int, int, int]:
        return (self.clue.booked_on, self.entry.file_id, self.entry.record, self.entry.id)

    @property
    def unique_best(self) -> _Scored | None:
        best = self.candidates[:2]
        if len(best) == 1 or (len(best) == 2 and best[0].score > best[1].score):
            return best[0]
        return None


def match_chargebacks(
    entries: Sequence[BankMovement],
    payments: Sequence[CardPayment],
    settings: EngineSettings = DEFAULT_SETTINGS,
) -> tuple[list[Proposal], list[OpenItem]]:
    """Chargeback lines against the candidate payments: automatic matches and suggestions
    (rule CHARGEBACK), and the lines left open with the reason.

    A payment is claimed by at most one automatic match: when several lines name the same
    payment, the strongest (then the earliest) takes it and the others are suggestions."""
    index = _Payments(payments)
    lines = sorted((_scored_line(e, index, settings) for e in entries), key=lambda x: x.order)
    claimant = _claimants(lines)
    proposals: list[Proposal] = []
    open_items: list[OpenItem] = []
    for line in lines:
        line_proposals, open_item = _decide(line, claimant, index, settings)
        proposals.extend(line_proposals)
        if open_item is not None:
            open_items.append(open_item)
    return proposals, open_items


class _Payments:
    """The candidate payments, looked up by amount and by the identifiers lines name."""

    def __init__(self, payments: Sequence[CardPayment]) -> None:
        self.by_amount: dict[tuple[int, str, int], list[CardPayment]] = defaultdict(list)
        self.by_name: dict[str, list[CardPayment]] = defaultdict(list)
        for payment in payments:
            key = (payment.account_id, payment.currency, payment.amount_minor)
            self.by_amount[key].append(payment)
            self.by_name[f"transaction {payment.transaction_id}"].append(payment)
            if payment.order_id:
                self.by_name[f"order {normal(payment.order_id)}"].append(payment)

    def same_amount(self, clue: ChargebackClue) -> list[CardPayment]:
        return self.by_amount.get((clue.account_id, clue.currency, clue.amount_minor), [])

    def named(self, clue: ChargebackClue) -> list[CardPayment]:
        """The payments whose transaction id or order the line names, in that order."""
        keys = [f"transaction {t}" for t in clue.transaction_ids]
        keys += [f"order {o}" for o in clue.order_ids]
        return [payment for key in keys for payment in self.by_name.get(key, [])]


def _scored_line(entry: BankMovement, index: _Payments, settings: EngineSettings) -> _Line:
    clue = clue_of(entry)
    line = _Line(entry, clue)
    if clue.amount_minor <= 0:
        return line
    same_amount = index.same_amount(clue)
    scored = [
        _score(clue, payment, settings.chargeback_max_age_days)
        for payment in same_amount
        if _in_time(clue.booked_on, payment, settings.chargeback_max_age_days)
    ]
    line.candidates = sorted(scored, key=lambda s: (-s.score, s.payment.id))
    return line


def _in_time(booked_on: date, payment: CardPayment, max_age_days: int) -> bool:
    """A payment is taken back after its remittance, and not later than the acquirer allows."""
    age = (booked_on - payment.remittance_date).days
    return 0 < age <= max_age_days


def _score(clue: ChargebackClue, payment: CardPayment, max_age_days: int) -> _Scored:
    amount = amount_text(clue.amount_minor, clue.currency)
    latest = payment.remittance_date + timedelta(days=max_age_days)
    criteria = (
        passed(
            "amount", amount_text(payment.amount_minor, payment.currency), amount, AMOUNT_POINTS
        ),
        _named(
            "transaction_id",
            payment.transaction_id,
            clue.transaction_ids,
            TRANSACTION_POINTS,
            "transaction id",
        ),
        _named(
            "order_id", normal(payment.order_id or ""), clue.order_ids, ORDER_POINTS, "order id"
        ),
        _named(
            "card_last4",
            payment.card_last4 or "",
            (clue.card_last4,) if clue.card_last4 else (),
            CARD_POINTS,
            "card's last 4 digits",
        ),
        _named(
            "contract", payment.contract_number, clue.contract_numbers, CONTRACT_POINTS, "contract"
        ),
        passed(
            "date",
            f"after {day_text(payment.remittance_date)}, by {day_text(latest)}",
            day_text(clue.booked_on),
            0,
            f"booked {(clue.booked_on - payment.remittance_date).days} days after the "
            "payment's remittance",
        ),
    )
    return _Scored(payment, criteria, score(criteria), _contradiction(clue, payment))


def _named(name: str, expected: str, found: tuple[str, ...], points: int, words: str) -> Criterion:
    """Whether the line names the payment's value; a line silent about it is only shown."""
    actual = ", ".join(found) or "-"
    if not expected:
        return info(name, "-", actual, f"the payment has no {words} on record")
    if not found:
        return info(name, expected, actual, f"the line names no {words}")
    if expected in found:
        return passed(name, expected, actual, points)
    return failed(name, expected, actual, f"the line names another {words}")


def _contradiction(clue: ChargebackClue, payment: CardPayment) -> str | None:
    """A card or an order the line names that is not the payment's: a person decides."""
    if clue.card_last4 and payment.card_last4 and clue.card_last4 != payment.card_last4:
        return (
            f"the line names a card ending {clue.card_last4}, the payment's card ends "
            f"{payment.card_last4}"
        )
    order = normal(payment.order_id or "")
    if clue.order_ids and order and order not in clue.order_ids:
        return f"the line names order {', '.join(clue.order_ids)}, the payment is order {order}"
    return None


def _claimants(lines: list[_Line]) -> dict[int, _Line]:
    """For each payment some line names as its unique best: the line that may take it
    automatically, the strongest one, the earliest among equals."""
    claimant: dict[int, _Line] = {}
    for line in sorted(lines, key=lambda x: (-_best_score(x), x.order)):
        best = line.unique_best
        if best is not None:
            claimant.setdefault(best.payment.id, line)
    return claimant


def _best_score(line: _Line) -> int:
    return line.candidates[0].score if line.candidates else 0


def _decide(
    line: _Line,
    claimant: dict[int, _Line],
    index: _Payments,
    settings: EngineSettings,
) -> tuple[list[Proposal], OpenItem | None]:
    """The line's automatic match, or its suggestions and why it stays open."""
    if not line.candidates:
        return [], _open(line, OpenReason.NO_CANDIDATE, _nothing_found(line, index, settings))
    best = line.unique_best
    if best is None:
        tied = [c for c in line.candidates if c.score == line.candidates[0].score]
        why = (
            f"{len(tied)} captured payments score {tied[0].score} each: "
            f"{_payment_list(c.payment for c in tied)}"
        )
        shown = tied if len(tied) <= MAX_SUGGESTIONS else []
        return [_proposal(line, c, why) for c in shown], _open(line, OpenReason.AMBIGUOUS, why)
    owner = claimant[best.payment.id]
    if owner is not line:
        why = (
            f"payment {_payment_text(best.payment)} is taken back by the chargeback line of "
            f"{day_text(owner.clue.booked_on)}: a second chargeback of the same payment"
        )
        return [_proposal(line, best, why)], _open(line, OpenReason.DUPLICATE_LINE, why)
    if best.score < settings.auto_threshold or best.contradiction:
        why = best.contradiction or (
            f"the best candidate, payment {_payment_text(best.payment)}, scores {best.score} "
            f"of the {settings.auto_threshold} needed"
        )
        return [_proposal(line, best, why)], _open(line, OpenReason.BELOW_THRESHOLD, why)
    return [_proposal(line, best, "")], None


def _proposal(line: _Line, candidate: _Scored, reason: str) -> Proposal:
    return Proposal(
        rule=Rule.CHARGEBACK,
        entry_ids=(line.entry.id,),
        transaction_ids=(candidate.payment.id,),
        score=candidate.score,
        criteria=candidate.criteria,
        automatic=not reason,
        reason=reason,
    )


def _open(line: _Line, reason: OpenReason, detail: str) -> OpenItem:
    return OpenItem("entry", line.entry.id, reason, detail)


def _nothing_found(line: _Line, index: _Payments, settings: EngineSettings) -> str:
    """What was looked for, and the payment the line names when it fails a requirement."""
    clue = line.clue
    amount = amount_text(clue.amount_minor, clue.currency)
    if clue.amount_minor <= 0:
        return f"a credit of {amount_text(-clue.amount_minor, clue.currency)} takes no payment back"
    named = _clue_words(clue)
    sentence = (
        f"no captured payment with {named + ' and ' if named else ''}amount {amount} on this "
        f"account, remitted in the {settings.chargeback_max_age_days} days before "
        f"{day_text(clue.booked_on)}"
    )
    near = _near_miss(clue, index.named(clue), settings.chargeback_max_age_days)
    return f"{sentence}; {near}" if near else sentence


def _clue_words(clue: ChargebackClue) -> str:
    """'transaction id 123456, order A-17 or card ending 1234'."""
    words = []
    if clue.transaction_ids:
        words.append(f"transaction id {' or '.join(clue.transaction_ids)}")
    if clue.order_ids:
        words.append(f"order {' or '.join(clue.order_ids)}")
    if clue.card_last4:
        words.append(f"card ending {clue.card_last4}")
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} or {words[-1]}"


def _near_miss(clue: ChargebackClue, named: list[CardPayment], max_age_days: int) -> str:
    """The first payment with the transaction id or order the line names, and what it fails."""
    for payment in named:
        what = _payment_text(payment)
        if payment.account_id != clue.account_id:
            return f"payment {what} was credited on another account"
        if (payment.amount_minor, payment.currency) != (clue.amount_minor, clue.currency):
            return f"payment {what} is of {amount_text(payment.amount_minor, payment.currency)}"
        if not _in_time(clue.booked_on, payment, max_age_days):
            latest = payment.remittance_date + timedelta(days=max_age_days)
            return (
                f"payment {what} was remitted on {day_text(payment.remittance_date)}: a "
                f"chargeback is booked after it and by {day_text(latest)}"
            )
    return ""


def _payment_text(payment: CardPayment) -> str:
    return f"{payment.transaction_id} of {day_text(payment.remittance_date)}"


def _payment_list(payments: Iterable[CardPayment]) -> str:
    return ", ".join(_payment_text(payment) for payment in payments)


def _booked_on(entry: BankMovement) -> date:
    return entry.booking_date or entry.value_date


def _order_token(token: str) -> str:
    """An order id without the punctuation that ends a sentence: 'A-17.' -> 'A-17'."""
    return token.rstrip("./-#")


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
