"""The data of bench/reconcile.py: a large merchant's remittances, payments and bank lines,
with the truth of what every line pays, drawn from one seed.

- Contracts (one per 500 remittances, 4 to 40) on shops of four contracts each, crediting
  two accounts at two banks; one in four settled gross (its fees debited monthly), the
  others net. One remittance per contract and calendar day, about 1 % of the net contracts'
  in US dollars (credited converted on the euro account).
- Payments (log-normal amounts around 55 €; one contract in eight sells a subscription at
  29.90 €, so its remittances of as many payments have equal amounts), 3 % refunds, all
  captured into their remittance; each remittance's totals and fees computed from them as
  the capture batch does.
- Bank lines shaped as the demo bank books them (docs/demo.md): one credit per remittance
  on its expected date, or one line for the remittances of a contract due the same day
  (half the time), converted credits, monthly commission debits of the gross contracts,
  chargebacks of single payments weeks later, and unrelated movements (transfers in and
  out, direct debits, account fees) up to the number of lines asked. A few credits are
  short, late or missing.

Only the remittances are kept in memory with their totals: the payments of a remittance are
drawn again from the remittance's own seed when their rows are written.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from pointage.core.calendar import add_business_days, is_business_day

FIRST_DAY = date(2025, 1, 6)
BANKS = (("30004", "00828", "00010123456"), ("10278", "06061", "00020123457"))
CONTRACTS_PER_SHOP = 4
REFUND_SHARE = 0.03
USD_SHARE = 0.01
GROUPED_SHARE = 0.5  # of the contract-days where several remittances are due together
CHARGEBACK_SHARE = 0.02  # of the bank lines
ANOMALY_SHARE = 0.001  # of the remittances, for each of short, late, missing
FX_RATES = (905_000, 935_000)  # EUR for 1 USD, in millionths
SUPPLIERS = ("EMBALLAGES DUPONT", "TRANSPORTS MARTIN", "ATELIER LEROY", "LOGISTIQUE RHONE")
CUSTOMERS = ("HOTEL DU PARC", "MAIRIE VINCENNES", "CAFE DES ARTS", "COMITE ENTREPRISE")
# One contract in eight sells a subscription at one price: its remittances of the same
# number of payments have the same amount, days apart, as such a merchant's do.
SUBSCRIPTION_PRICE = 29_90
DEBITS = ("PRLV SEPA EDF ENTREPRISES", "PRLV SEPA ORANGE PRO", "PRLV SEPA URSSAF IDF")

CREDIT_KINDS = frozenset({"remittance_credit", "grouped_remittance_credit", "remittance_credit_fx"})


@dataclass(frozen=True, slots=True)
class ContractSpec:
    number: str
    shop: int
    account: int
    settlement: str  # "net" or "gross"
    fee_bp: int
    fee_fixed: int
    delay: int  # business days from the remittance to its credit
    price: int | None = None  # one price for every payment (a subscription), else None


@dataclass(slots=True)
class GenRemittance:
    index: int
    contract: int
    number: int
    day: date
    currency: str
    first_payment: int  # global index of its first transaction (uuid, transaction id)
    count: int
    refund_count: int = 0
    gross: int = 0
    refunds: int = 0
    fee: int = 0
    net: int = 0
    expected: int = 0
    expected_date: date = FIRST_DAY
    id: int = 0  # database key, once written


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment a chargeback takes back, as the bank and the engine see it."""

    uuid: str
    transaction_id: str
    order_id: str
    amount: int
    last4: str
    remittance: int


@dataclass(slots=True)
class GenLine:
    account: int
    day: date
    amount: int
    label: str
    code: str
    kind: str
    value_day: date | None = None
    entry_number: str | None = None
    reference: str | None = None
    details: tuple[str, ...] = ()
    remittances: tuple[int, ...] = ()  # indexes of the remittances it credits
    fees: tuple[int, ...] = ()  # a commission debit: the remittances whose fees it debits
    chargeback: Payment | None = None
    anomaly: str | None = None
    id: int = 0  # database key, once imported
    record: int = 0  # where the import found it in its file
    file_id: int = 0

    @property
    def value_date(self) -> date:
        return self.value_day or self.day


@dataclass(slots=True)
class BenchData:
    seed: int
    contracts: list[ContractSpec]
    remittances: list[GenRemittance]
    lines: list[GenLine]
    first_day: date
    last_day: date  # the last statement day: the run's "today"
    chargebacks: list[Payment] = field(default_factory=list)

    @property
    def shops(self) -> int:
        return max(c.shop for c in self.contracts) + 1


def contract_count(remittances: int) -> int:
    return max(4, min(40, remittances // 500))


def make_contracts(count: int) -> list[ContractSpec]:
    return [
        ContractSpec(
            number=f"{7_000_000 + 1_013 * n}",
            shop=n // CONTRACTS_PER_SHOP,
            account=n % 2,
            settlement="gross" if n % 4 == 3 else "net",
            fee_bp=(80, 95, 120, 250)[n % 4],
            fee_fixed=(5, 10, 0, 0)[n % 4],
            delay=(1, 2, 2, 3)[n % 4],
            price=SUBSCRIPTION_PRICE if n % 8 == 5 else None,
        )
        for n in range(count)
    ]


def payments_of(
    seed: int, remittance: GenRemittance, price: int | None
) -> Iterator[tuple[bool, int, str]]:
    """(refund?, amount, card last four) of each transaction, from the remittance's seed."""
    rng = random.Random(seed * 1_000_003 + remittance.index)
    for _ in range(remittance.count):
        if rng.random() < REFUND_SHARE:
            yield True, price or rng.randint(100, 3_000), f"{rng.randrange(10_000):04d}"
        else:
            amount = price or max(100, int(math.exp(rng.gauss(8.6, 0.7))))
            yield False, amount, f"{rng.randrange(10_000):04d}"


def half_up_fee(amount: int, rate_bp: int, fixed: int) -> int:
    """`remittance.service.fee_of_payments` for one payment, in integers."""
    return (amount * rate_bp * 2 + 10_000) // 20_000 + fixed


def generate(seed: int, transactions: int, remittances: int, entries: int) -> BenchData:
    rng = random.Random(seed)
    contracts = make_contracts(contract_count(remittances))
    days = math.ceil(remittances / len(contracts))
    rems = _remittances(rng, seed, contracts, remittances, transactions)
    last_day = add_business_days(FIRST_DAY + timedelta(days=days - 1), 0)
    wanted_chargebacks = max(1, round(entries * CHARGEBACK_SHARE))
    targets = _chargeback_targets(rng, rems, last_day, wanted_chargebacks)
    chargebacks = _fill_totals(seed, contracts, rems, targets)
    data = BenchData(seed, contracts, rems, [], FIRST_DAY, last_day, chargebacks)
    data.lines = _credit_lines(rng, data)
    data.lines += _commission_lines(data)
    data.lines += [_chargeback_line(rng, data, payment) for payment in chargebacks]
    data.lines += _unrelated_lines(rng, data, max(0, entries - len(data.lines)))
    return data


def _remittances(
    rng: random.Random, seed: int, contracts: list[ContractSpec], count: int, transactions: int
) -> list[GenRemittance]:
    """`count` remittances, day after day, contract after contract, with `transactions`
    payments spread over them (each between half and one and a half times the mean)."""
    sizes = [transactions // count + (1 if n < transactions % count else 0) for n in range(count)]
    for n in range(0, count - 1, 2):
        shift = rng.randint(-sizes[n] // 2, sizes[n] // 2)
        if sizes[n + 1] - shift >= 1 and sizes[n] + shift >= 1:
            sizes[n] += shift
            sizes[n + 1] -= shift
    out: list[GenRemittance] = []
    numbers = [0] * len(contracts)
    first = 0
    for index in range(count):
        contract, offset = index % len(contracts), index // len(contracts)
        numbers[contract] += 1
        foreign = contracts[contract].settlement == "net" and rng.random() < USD_SHARE
        out.append(
            GenRemittance(
                index=index,
                contract=contract,
                number=numbers[contract],
                day=FIRST_DAY + timedelta(days=offset),
                currency="USD" if foreign else "EUR",
                first_payment=first,
                count=sizes[index],
            )
        )
        first += sizes[index]
    return out


def _chargeback_targets(
    rng: random.Random, rems: list[GenRemittance], last_day: date, wanted: int
) -> dict[int, int]:
    """remittance index -> position of the payment a chargeback takes back."""
    latest = add_business_days(last_day, -31)
    old_enough = [r for r in rems if r.day <= latest and r.currency == "EUR"]
    chosen = rng.sample(old_enough, min(wanted, len(old_enough)))
    return {r.index: rng.randrange(r.count) for r in chosen}


def _fill_totals(
    seed: int, contracts: list[ContractSpec], rems: list[GenRemittance], targets: dict[int, int]
) -> list[Payment]:
    """Totals of each remittance from its payments; the payments chargebacks take back."""
    taken: list[Payment] = []
    for r in rems:
        contract = contracts[r.contract]
        gross = refunds = fee = refund_count = 0
        target = targets.get(r.index)
        for position, (refund, amount, last4) in enumerate(payments_of(seed, r, contract.price)):
            if refund:
                refunds += amount
                refund_count += 1
                continue
            gross += amount
            fee += half_up_fee(amount, contract.fee_bp, contract.fee_fixed)
            if target is not None and position >= target:
                taken.append(_payment(r, r.first_payment + position, amount, last4))
                target = None
        r.refund_count, r.gross, r.refunds, r.fee = refund_count, gross, refunds, fee
        r.net = gross - refunds - fee
        r.expected = gross - refunds if contract.settlement == "gross" else r.net
        r.expected_date = add_business_days(r.day, contract.delay)
    return taken


def _payment(r: GenRemittance, global_index: int, amount: int, last4: str) -> Payment:
    return Payment(
        uuid=transaction_uuid(global_index),
        transaction_id=transaction_id(global_index),
        order_id=order_id(global_index),
        amount=amount,
        last4=last4,
        remittance=r.index,
    )


def transaction_uuid(global_index: int) -> str:
    return f"{global_index:032x}"


def transaction_id(global_index: int) -> str:
    # Unique per shop and day: a day's transactions are consecutive and fewer than a million.
    return f"{global_index % 1_000_000:06d}"


def order_id(global_index: int) -> str:
    return f"CMD-{global_index:08d}"


def _credit_lines(rng: random.Random, data: BenchData) -> list[GenLine]:
    """The credits of the remittances due by the last day, grouped or not; a few short,
    late or missing."""
    due: dict[tuple[int, date], list[GenRemittance]] = defaultdict(list)
    for r in data.remittances:
        if r.expected_date <= data.last_day and r.expected > 0:
            due[(r.contract, r.expected_date)].append(r)
    singles: list[GenRemittance] = []
    lines: list[GenLine] = []
    for (contract_index, day), group in due.items():
        euros = [r for r in group if r.currency == "EUR"]
        lines += [_fx_line(rng, data, r) for r in group if r.currency != "EUR"]
        if len(euros) > 1 and rng.random() < GROUPED_SHARE:
            lines.append(_grouped_line(data, contract_index, day, euros))
        else:
            singles += euros
    anomalies = _pick_anomalies(rng, data, singles)
    for r in singles:
        line = _single_line(data, r, anomalies.get(r.index))
        if line is not None:
            if line.anomaly == "short":
                line.amount -= rng.randint(2_00, 9_00)
            elif line.anomaly == "late":
                line.day = add_business_days(r.expected_date, rng.randint(3, 5))
            lines.append(line)
    return lines


def _pick_anomalies(
    rng: random.Random, data: BenchData, singles: list[GenRemittance]
) -> dict[int, str]:
    """remittance index -> short, late or missing, among euro credits of at least 20 € whose
    lateness fits before the last day."""
    fit = add_business_days(data.last_day, -6)
    pool = [r for r in singles if r.expected >= 20_00 and r.expected_date <= fit]
    each = max(1, round(len(data.remittances) * ANOMALY_SHARE))
    chosen = rng.sample(pool, min(len(pool), 3 * each))
    kinds = ("short", "late", "missing")
    return {r.index: kinds[n % 3] for n, r in enumerate(chosen)}


def _single_line(data: BenchData, r: GenRemittance, anomaly: str | None) -> GenLine | None:
    if anomaly == "missing":
        return None
    contract = data.contracts[r.contract]
    return GenLine(
        account=contract.account,
        day=r.expected_date,
        amount=r.expected,
        label=f"REMISE CB {r.number:06d} {contract.number}",
        code="30",
        kind="remittance_credit",
        entry_number=f"{r.number:07d}",
        reference=_reference(r),
        remittances=(r.index,),
        anomaly=anomaly,
    )


def _grouped_line(
    data: BenchData, contract_index: int, day: date, group: list[GenRemittance]
) -> GenLine:
    contract = data.contracts[contract_index]
    group = sorted(group, key=lambda r: r.number)
    numbers = " ".join(f"{r.number:06d}" for r in group)
    return GenLine(
        account=contract.account,
        day=day,
        amount=sum(r.expected for r in group),
        label=f"REMISES CB {len(group)} REM {contract.number}",
        code="30",
        kind="grouped_remittance_credit",
        entry_number=f"{group[0].number:07d}",
        reference=_reference(group[0]),
        details=(f"REM {numbers}",),
        remittances=tuple(r.index for r in group),
    )


def _fx_line(rng: random.Random, data: BenchData, r: GenRemittance) -> GenLine:
    contract = data.contracts[r.contract]
    rate = rng.randint(*FX_RATES)
    amount = (r.expected * rate + 500_000) // 1_000_000
    return GenLine(
        account=contract.account,
        day=r.expected_date,
        amount=amount,
        label=f"REM CB USD {r.number:06d} {contract.number}",
        code="30",
        kind="remittance_credit_fx",
        entry_number=f"{r.number:07d}",
        reference=_reference(r),
        details=(f"{r.expected / 100:.2f} USD AU TAUX DE {rate / 1_000_000:.6f}",),
        remittances=(r.index,),
    )


def _reference(r: GenRemittance) -> str:
    return f"{r.day:%y%m%d}{r.number:06d}"


def _commission_lines(data: BenchData) -> list[GenLine]:
    """A gross contract's fees of a month, debited on the third business day of the next."""
    months: dict[tuple[int, date], list[GenRemittance]] = defaultdict(list)
    for r in data.remittances:
        if data.contracts[r.contract].settlement == "gross" and r.fee:
            months[(r.contract, r.day.replace(day=1))].append(r)
    lines = []
    for (contract_index, month), rems in months.items():
        following = (month + timedelta(days=32)).replace(day=1)
        day = add_business_days(add_business_days(following, 0), 2)
        if day > data.last_day:
            continue
        contract = data.contracts[contract_index]
        lines.append(
            GenLine(
                account=contract.account,
                day=day,
                amount=-sum(r.fee for r in rems),
                label=f"COMMISSIONS AMEX {month:%m/%Y}",
                code="64",
                kind="commission_debit",
                reference=f"COM{month:%Y%m}{contract.number}"[:16],
                details=(f"CONTRAT {contract.number} {len(rems)} REMISES",),
                fees=tuple(r.index for r in rems),
            )
        )
    return lines


def _chargeback_line(rng: random.Random, data: BenchData, payment: Payment) -> GenLine:
    r = data.remittances[payment.remittance]
    contract = data.contracts[r.contract]
    return GenLine(
        account=contract.account,
        day=add_business_days(r.day, rng.randint(10, 30)),
        amount=-payment.amount,
        label=f"IMPAYE CB X{payment.last4} TR {payment.transaction_id}",
        code="38",
        kind="chargeback",
        reference=f"CB{r.day:%y%m%d}{payment.transaction_id}",
        details=(f"CDE {payment.order_id} CONTRAT {contract.number}", "MOTIF 4853 LITIGE"),
        chargeback=payment,
    )


def _unrelated_lines(rng: random.Random, data: BenchData, count: int) -> list[GenLine]:
    """Transfers, direct debits and fees on business days, of card-like sizes."""
    days = [
        data.first_day + timedelta(days=n)
        for n in range((data.last_day - data.first_day).days + 1)
        if is_business_day(data.first_day + timedelta(days=n))
    ]
    lines = []
    for _ in range(count):
        day, account, draw = rng.choice(days), rng.randrange(2), rng.random()
        amount = max(100, int(math.exp(rng.gauss(11.5, 1.0))))
        if draw < 0.45:
            name = rng.choice(SUPPLIERS)
            line = GenLine(account, day, -amount, f"VIR SEPA {name}", "06", "unrelated")
        elif draw < 0.7:
            name = rng.choice(CUSTOMERS)
            line = GenLine(account, day, amount, f"VIR SEPA RECU {name}", "05", "unrelated")
        elif draw < 0.95:
            line = GenLine(account, day, -amount, rng.choice(DEBITS), "08", "unrelated")
        else:
            fee = -rng.randint(18_00, 45_00)
            line = GenLine(account, day, fee, "FRAIS TENUE DE COMPTE", "62", "unrelated")
        lines.append(line)
    return lines
