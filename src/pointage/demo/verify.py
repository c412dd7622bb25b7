"""`pointage demo --verify`: the reconciliation of the demo measured against the bank's truth.

The demo bank writes what every bank line really is (`ground-truth.json`, docs/demo.md).
This module compares that with what the engine decided, as plain values the queries of
`pointage.demo.verify_queries` load: no database here. Lines are named as the truth names
them — (CFONB file, record of its 04) — remittances by (contract number, remittance number),
chargebacked payments by uuid, so the comparison never depends on database keys.

An automatic match is *correct* when every bank line it claims is a card line and the
remittances, fees and payment it claims are exactly the ones those lines pay: a remittance
credit pays the line's remittances (CREDIT role), a commission debit the fees of the
line's commission remittances (FEE role), a chargeback takes back the truth's payment
(CHARGEBACK role). A match claiming an unrelated or duplicated line is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pointage.core.errors import InvalidInput
from pointage.core.statuses import ReconciliationStatus

TRUTH_VERSION = 1
# (CFONB file relative to the bank directory, record of its 04), as the truth names a line.
LineKey = tuple[str, int]
# (contract number, remittance number).
RemittanceKey = tuple[str, int]

CREDIT_KINDS = frozenset({"remittance_credit", "grouped_remittance_credit", "remittance_credit_fx"})
COMMISSION_KIND = "commission_debit"
CHARGEBACK_KIND = "chargeback"
FLAGGED = frozenset({ReconciliationStatus.ANOMALY.value, ReconciliationStatus.TO_REVIEW.value})
# The requirements of the issue: no wrong automatic match, 99 % of matchable credits.
REQUIRED_PRECISION = 1.0
REQUIRED_CREDIT_RECALL = 0.99


@dataclass(frozen=True, slots=True)
class AutoMatch:
    """An automatic match (origin engine, not reversed), with what it claims."""

    match_id: int
    rule: str
    lines: frozenset[LineKey]
    credit_remittances: frozenset[RemittanceKey] = frozenset()
    fee_remittances: frozenset[RemittanceKey] = frozenset()
    chargebacks: frozenset[str] = frozenset()  # uuids of the payments taken back


@dataclass(frozen=True, slots=True)
class DemoFacts:
    """What the database says about the demo's reconciliation."""

    lines: Mapping[LineKey, int]  # every imported bank line, with its amount (minor units)
    automatic: tuple[AutoMatch, ...]
    open_suggestions: int
    # The reconciliation statuses of each remittance's transactions (distinct values).
    statuses: Mapping[RemittanceKey, frozenset[str]]


@dataclass(frozen=True, slots=True)
class Recall:
    """How many lines of a kind there are, and how many an automatic match got right."""

    label: str
    total: int
    matched: int

    @property
    def ratio(self) -> float | None:
        return self.matched / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class AnomalyCheck:
    kind: str
    contract_number: str
    remittance_number: int
    file: str | None
    record: int | None
    statuses: frozenset[str]

    @property
    def flagged(self) -> bool:
        """Every transaction of the remittance shows the anomaly or asks for a review."""
        return bool(self.statuses) and self.statuses <= FLAGGED


@dataclass(frozen=True, slots=True)
class WrongMatch:
    match_id: int
    rule: str
    why: str


@dataclass(frozen=True, slots=True)
class Verification:
    automatic: int
    wrong: tuple[WrongMatch, ...]
    credits: Recall
    commissions: Recall
    chargebacks: Recall
    open_suggestions: int
    anomalies: tuple[AnomalyCheck, ...]
    failures: tuple[str, ...] = field(default=())

    @property
    def correct(self) -> int:
        return self.automatic - len(self.wrong)

    @property
    def precision(self) -> float | None:
        return self.correct / self.automatic if self.automatic else None

    @property
    def passed(self) -> bool:
        return not self.failures


def load_truth(path: Path) -> dict[str, Any]:
    """The demo bank's ground truth, or one clear error."""
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(
            f"no ground truth at {path}: build the demo with this --bank-dir first",
            param="--bank-dir",
        ) from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", param="--bank-dir") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidInput(f"{path} is not a demo ground truth (not JSON)") from None
    if not isinstance(truth, dict) or truth.get("version") != TRUTH_VERSION:
        raise InvalidInput(f"{path} is not a version {TRUTH_VERSION} demo ground truth")
    if not isinstance(truth.get("lines"), list) or not isinstance(truth.get("anomalies"), list):
        raise InvalidInput(f"{path} is not a demo ground truth (no lines or anomalies)")
    return truth


def verify(truth: Mapping[str, Any], facts: DemoFacts) -> Verification:
    """Compare the engine's automatic matches and the statuses with the truth."""
    lines = {_line_key(line): line for line in truth["lines"]}
    _check_same_demo(lines, facts.lines)
    wrong = tuple(
        WrongMatch(match.match_id, match.rule, why)
        for match in facts.automatic
        if (why := _why_wrong(match, lines)) is not None
    )
    wrong_ids = {w.match_id for w in wrong}
    right_lines = {
        key for match in facts.automatic if match.match_id not in wrong_ids for key in match.lines
    }
    result = Verification(
        automatic=len(facts.automatic),
        wrong=wrong,
        credits=_recall("remittance credits", lines, CREDIT_KINDS, right_lines),
        commissions=_recall("commission debits", lines, {COMMISSION_KIND}, right_lines),
        chargebacks=_recall("chargebacks", lines, {CHARGEBACK_KIND}, right_lines),
        open_suggestions=facts.open_suggestions,
        anomalies=tuple(_anomaly(item, facts.statuses) for item in truth["anomalies"]),
    )
    return _with_failures(result)


def _line_key(line: Mapping[str, Any]) -> LineKey:
    return (str(line["file"]), int(line["record"]))


def _remittance_key(item: Mapping[str, Any]) -> RemittanceKey:
    return (str(item["contract_number"]), int(item["remittance_number"]))


def _check_same_demo(
    lines: Mapping[LineKey, Mapping[str, Any]], stored: Mapping[LineKey, int]
) -> None:
    """The truth must describe this database's bank lines, or every figure would be noise."""
    absent = [key for key, line in lines.items() if stored.get(key) != line["amount_minor"]]
    if absent:
        file, record = absent[0]
        raise InvalidInput(
            f"the ground truth does not describe this database's demo: {len(absent)} of its "
            f"{len(lines)} bank lines are not in the database as written "
            f"(first: {file} record {record})",
            param="--bank-dir",
        )


def _why_wrong(match: AutoMatch, lines: Mapping[LineKey, Mapping[str, Any]]) -> str | None:
    """None when the match claims exactly what its lines pay; otherwise why not."""
    credits: set[RemittanceKey] = set()
    fees: set[RemittanceKey] = set()
    chargebacks: set[str] = set()
    for key in sorted(match.lines):
        line = lines.get(key)
        if line is None:
            return f"{key[0]} record {key[1]} is not a line of the demo bank"
        kind = line["kind"]
        if kind in CREDIT_KINDS:
            credits.update(_remittance_key(paid) for paid in line["remittances"])
        elif kind == COMMISSION_KIND:
            fees.update(_remittance_key(part) for part in line["commission"]["remittances"])
        elif kind == CHARGEBACK_KIND:
            chargebacks.add(str(line["transaction"]["uuid"]))
        else:  # unrelated, duplicate_line: nothing of the merchant's cards to claim
            return f"{key[0]} record {key[1]} is {kind.replace('_', ' ')}"
    if match.credit_remittances != credits:
        return _differs("credits remittances", match.credit_remittances, credits)
    if match.fee_remittances != fees:
        return _differs("covers the fees of", match.fee_remittances, fees)
    if match.chargebacks != chargebacks:
        return _differs("takes back", match.chargebacks, chargebacks)
    return None


def _differs(what: str, claimed: Iterable[Any], truth: Iterable[Any]) -> str:
    return f"{what} {_names(claimed)}, the bank's lines pay {_names(truth)}"


def _names(items: Iterable[Any]) -> str:
    names = [f"{i[0]}/{i[1]}" if isinstance(i, tuple) else str(i) for i in sorted(items)]
    return ", ".join(names) or "none"


def _recall(
    label: str,
    lines: Mapping[LineKey, Mapping[str, Any]],
    kinds: Iterable[str],
    right_lines: set[LineKey],
) -> Recall:
    wanted = set(kinds)
    of_kind = [key for key, line in lines.items() if line["kind"] in wanted]
    return Recall(label, len(of_kind), sum(1 for key in of_kind if key in right_lines))


def _anomaly(
    item: Mapping[str, Any], statuses: Mapping[RemittanceKey, frozenset[str]]
) -> AnomalyCheck:
    key = _remittance_key(item)
    record = item.get("record")
    return AnomalyCheck(
        kind=str(item["kind"]),
        contract_number=key[0],
        remittance_number=key[1],
        file=item.get("file"),
        record=int(record) if record is not None else None,
        statuses=statuses.get(key, frozenset()),
    )


def _with_failures(result: Verification) -> Verification:
    failures: list[str] = []
    precision = result.precision
    if precision is not None and precision < REQUIRED_PRECISION:
        failures.append(
            f"precision of automatic matches {percent(precision)} "
            f"({len(result.wrong)} wrong), required {percent(REQUIRED_PRECISION)}"
        )
    recall = result.credits.ratio
    if recall is not None and recall < REQUIRED_CREDIT_RECALL:
        failures.append(
            f"recall of remittance credits {percent(recall)}, "
            f"required at least {percent(REQUIRED_CREDIT_RECALL)}"
        )
    failures += [
        f"{a.kind} anomaly of remittance {a.contract_number}/{a.remittance_number} not flagged "
        f"({_status_text(a.statuses)})"
        for a in result.anomalies
        if not a.flagged
    ]
    return replace(result, failures=tuple(failures))


def percent(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio * 100:.2f} %"


def _status_text(statuses: frozenset[str]) -> str:
    return ", ".join(sorted(statuses)) or "no transactions"


def report_lines(truth: Mapping[str, Any], result: Verification) -> list[str]:
    """The verification as people read it, one figure a line."""
    out = [
        f"verification against the demo bank's ground truth (seed {truth.get('seed')}, "
        f"{truth.get('first_day')} to {truth.get('last_day')}, {len(truth['lines'])} lines)",
        f"automatic matches: {result.automatic}, correct {result.correct}, "
        f"wrong {len(result.wrong)}: precision {percent(result.precision)}",
    ]
    out += [f"  wrong: match {w.match_id} ({w.rule}): {w.why}" for w in result.wrong]
    for recall in (result.credits, result.commissions, result.chargebacks):
        out.append(
            f"{recall.label}: {recall.total}, matched automatically {recall.matched}: "
            f"recall {percent(recall.ratio)}"
        )
    out.append(f"suggestions open: {result.open_suggestions}")
    out.append(f"injected anomalies: {len(result.anomalies)}")
    for a in result.anomalies:
        where = f"{a.file} record {a.record}" if a.file else "no bank line"
        verdict = "flagged" if a.flagged else "NOT flagged"
        out.append(
            f"  {a.kind:<9} contract {a.contract_number} remittance {a.remittance_number} "
            f"({where}): {_status_text(a.statuses)}: {verdict}"
        )
    if result.passed:
        out.append(
            "requirements met: precision 100 %, credit recall >= 99 %, every anomaly flagged"
        )
    else:
        out += [f"requirement NOT met: {failure}" for failure in result.failures]
    return out
