"""Stage 1, normalise: the amounts a remittance may be credited, and what a line looks like.

A remittance is not always credited its expected amount: a net-settled contract may be
credited the gross and debited its fee apart, and an acquirer may compute its fee on the
remittance's total rather than payment by payment. Each such amount is a variant, with the
sentence that explains it; a credit equal to a variant is explained, not an anomaly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pointage.core.money import percentage_of
from pointage.core.statuses import SettlementMode
from pointage.matching.model import BankMovement, ExpectedCredit
from pointage.matching.references import LineText

# Card movements by their operation code: CFONB 30 (card remittance credited), 36 (card
# remittance debited: more refunds than payments), and the ISO 20022 card family.
CARD_CODES = frozenset({"30", "36"})
ISO_CARD_FAMILY = "PMNT/CCRD/"
# References that are the bank's own identifier of a booked line: a line booked twice
# gets two different ones, so they do not tell a copy from its original.
LINE_IDENTIFIERS = frozenset({"AcctSvcrRef", "FITID", "bank_reference"})


@dataclass(frozen=True, slots=True)
class Variant:
    """An amount the remittance may be credited, and why."""

    name: str  # "expected credit", "net", "gross less refunds", "fee on the total"
    amount_minor: int
    note: str


def variants(remittance: ExpectedCredit) -> tuple[Variant, ...]:
    """The amounts of a remittance, expected credit first; an amount appears once, under
    its first name."""
    r = remittance
    schedule = r.fee_schedule
    return _variants(
        r.expected_credit_minor,
        r.net_minor,
        r.gross_minor,
        r.refunds_minor,
        r.payment_count,
        schedule.rate_bp,
        schedule.fixed_minor,
        r.settlement_mode == SettlementMode.GROSS.value,
    )


# Keyed by the amounts themselves: hashing a whole remittance would cost more than this.
@lru_cache(maxsize=65_536)
def _variants(
    expected: int,
    net: int,
    gross: int,
    refunds: int,
    payment_count: int,
    rate_bp: int,
    fixed_minor: int,
    gross_settled: bool,
) -> tuple[Variant, ...]:
    gross_less_refunds = gross - refunds
    fee_on_total = percentage_of(gross, rate_bp) + fixed_minor * payment_count
    candidates = (
        Variant(
            "expected credit",
            expected,
            "gross less refunds: the fee is debited apart" if gross_settled else "net of fees",
        ),
        Variant("net", net, "net: the acquirer kept its fee"),
        Variant(
            "gross less refunds",
            gross_less_refunds,
            "gross credited: the fee is to be debited apart",
        ),
        Variant(
            "fee on the total",
            gross_less_refunds - fee_on_total,
            "net, with the fee computed on the remittance's total",
        ),
    )
    seen: set[int] = set()
    unique = []
    for variant in candidates:
        if variant.amount_minor not in seen:
            seen.add(variant.amount_minor)
            unique.append(variant)
    return tuple(unique)


def is_card_code(code: str | None) -> bool:
    return code is not None and (code in CARD_CODES or code.startswith(ISO_CARD_FAMILY))


def may_be_card(entry: BankMovement, line: LineText) -> bool:
    """Not known to be anything else: a card code, a line naming a remittance, or a code
    that says nothing either way (an OFX type, a CSV without codes). A CFONB code or an
    ISO 20022 family other than the card ones says the line is something else."""
    code = entry.bank_operation_code
    if is_card_code(code) or line.hits or code is None:
        return True
    return not ((code.isdigit() and len(code) == 2) or "/" in code)


def looks_like_card(entry: BankMovement, line: LineText) -> bool:
    """A card movement by its code, or a line naming a remittance."""
    return is_card_code(entry.bank_operation_code) or bool(line.hits)


def content_key(entry: BankMovement) -> tuple[object, ...]:
    """What two lines booked twice have in common: everything but their place in the file
    and the bank's own identifier of each booking."""
    references = tuple(
        sorted((k, v) for k, v in entry.references.items() if k not in LINE_IDENTIFIERS)
    )
    return (
        entry.account_id,
        entry.amount_minor,
        entry.currency,
        entry.value_date,
        entry.booking_date,
        entry.label,
        entry.bank_operation_code,
        references,
        entry.details,
    )
