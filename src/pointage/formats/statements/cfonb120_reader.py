"""The careful path of the CFONB 120 reader: statement structure, every check, the issues.

`cfonb120._read` reads ordinary 04 and 05 records itself, for speed, and hands every other
record to `Reader.slow`: balances (01, 07), blank lines, unknown codes, and any 04 or 05
that is not plainly well formed. The reader keeps which statement is open and which
movement complements attach to, and says in an issue what is wrong with a record, reading
around it: see docs/formats/cfonb120.md for the table of problems and what is done.
"""

from __future__ import annotations

from datetime import date

from pointage.core.money import EXPONENTS
from pointage.formats.statements.cfonb120_fields import (
    BLANK,
    RECORD_LENGTH,
    REFERENCE_ZONES,
    FieldError,
    complement_fields,
    loose_amount,
    movement_references,
    read_amount,
    read_date,
)
from pointage.formats.statements.checks import balance_difference, statement_name
from pointage.formats.statements.model import (
    AccountId,
    Balance,
    Entry,
    EntryDetail,
    ParseIssue,
    Statement,
)

# Positions 33–48 of a movement (operation code, booking date, rejection code, value date),
# which repeat from one movement to the next, read once: (operation, booked, valued, rejection).
Moment = tuple[str | None, date, date, str | None]
# State the fast path keeps in local variables: entries of the open statement, details of
# the last movement, zones 17–20 (currency + decimals) and 22–32 (account) a movement must
# repeat to go the fast way (no record matches a header None), the statement's currency.
FastState = tuple[list[Entry], list[EntryDetail] | None, str | None, str, str]


class Reader:
    """The careful path: reads a record with every check, keeps the statement structure,
    and turns what is wrong into issues."""

    def __init__(self, lenient: bool) -> None:
        self.lenient = lenient
        self.statements: list[Statement] = []
        self.issues: list[ParseIssue] = []
        self.moments: dict[str, Moment] = {}
        self.current: Statement | None = None  # the statement records are read into
        self.opened = False  # whether an 01 opened it (else: movements outside a statement)
        self.account_zone = ""
        self.details: list[EntryDetail] | None = None
        self.dropping = False  # the last movement was left out: its complements go with it
        self.pending_opening: tuple[int, str] | None = None  # an 01 without a currency
        self.loose: list[tuple[Entry, tuple[int, int]]] = []  # entries read leniently, to verify

    def issue(self, record: int | None, message: str) -> None:
        self.issues.append(ParseIssue(record, message))

    def fast_state(self) -> FastState:
        statement = self.current
        if statement is None:
            return [], None, None, "", ""
        currency = statement.account.currency or ""
        digits = EXPONENTS.get(currency)
        header = None if self.pending_opening or digits is None else f"{currency}{digits}"
        return statement.entries, self.details, header, self.account_zone, currency

    def slow(self, number: int, line: str, details: list[EntryDetail] | None) -> None:
        self.details = details
        code = line[:2]
        line = line.ljust(RECORD_LENGTH)
        if code == "04":
            self.movement(number, line)
        elif code == "05":
            self.complement(number, line)
        elif code == "01":
            self.open(number, line)
        elif code == "07":
            self.close(number, line)
        elif line.strip(BLANK):
            self.issue(number, f"unknown record code {code!r} (expected 01, 04, 05 or 07); ignored")

    # 01 -------------------------------------------------------------------------------------

    def open(self, number: int, line: str) -> None:
        if self.current is not None:
            if self.opened:
                self.issue(
                    number,
                    "a new statement (01) begins before the "
                    f"{statement_name(self.current)} was closed by a nouveau solde (07); it is "
                    "kept without a closing balance",
                )
            self.end_statement()
        currency = line[16:19].strip()
        statement = Statement(number, _account(line, currency or None), None, None)
        self.begin(statement, line, opened=True)
        if not currency:
            self.pending_opening = (number, line)
            return
        self.check_currency(number, currency)
        statement.opening_balance = self.balance(number, line, currency, "the ancien solde (01)")

    def begin(self, statement: Statement, line: str, *, opened: bool) -> None:
        self.statements.append(statement)
        self.current, self.opened, self.account_zone = statement, opened, line[21:32]
        self.details, self.dropping = None, False

    def check_currency(self, number: int, currency: str) -> None:
        if currency not in EXPONENTS:
            self.issue(
                number,
                f"unknown currency code {currency!r}: amounts are read with the number of "
                "decimals each record gives",
            )

    def balance(self, number: int, line: str, currency: str, what: str) -> Balance | None:
        day = self.date(number, line[34:40], f"{what} has no valid date in 35–40")
        try:
            return Balance(read_amount(line[90:104], line[19], currency), day)
        except FieldError as error:
            self.issue(number, f"{what} {error}; the balance is left out")
            return None

    def date(self, number: int, text: str, problem: str) -> date | None:
        day = read_date(text)
        if day is None:
            self.issue(number, f"{problem} ({text.strip()!r}, expected JJMMAA)")
        return day

    def settle_currency(self, currency: str) -> None:
        """The statement's currency once a record names it: reads a pending opening."""
        statement = self.current
        if statement is None or self.pending_opening is None:
            return
        number, line = self.pending_opening
        self.pending_opening = None
        statement.account.currency = currency
        self.check_currency(number, currency)
        statement.opening_balance = self.balance(number, line, currency, "the ancien solde (01)")

    # 04 -------------------------------------------------------------------------------------

    def movement(self, number: int, line: str) -> None:
        statement = self.statement_for_movement(number, line)
        currency = self.record_currency(number, line, "the movement (04)")
        what = "the movement (04)"
        booked = self.date(number, line[34:40], f"{what} has no valid booking date in 35–40")
        valued = self.date(number, line[42:48], f"{what} has no valid value date in 43–48")
        operation, rejection = line[32:34].strip() or None, line[40:42].strip() or None
        if booked is not None and valued is not None:
            self.moments[line[32:48]] = (operation, booked, valued, rejection)
        references = movement_references(line)
        label_end, loose = 79, None
        try:
            amount = read_amount(line[90:104], line[19], currency)
        except FieldError as error:
            found = self.read_loose(number, line, currency) if self.lenient else None
            if found is None:
                self.issue(number, f"{what} {error}; it is left out with its complements")
                self.details, self.dropping = None, True
                return
            amount, loose = found
            references = {
                name: value
                for name, value in references.items()
                if not _overlap(REFERENCE_ZONES[name], loose)
            }
            label_end = min(label_end, max(48, loose[0]))
        entry = Entry(
            number,
            amount,
            currency,
            booked,
            valued,
            line[48:label_end].strip(),
            operation,
            references,
        )
        statement.entries.append(entry)
        self.details, self.dropping = entry.details, False
        if loose is not None:
            self.loose.append((entry, loose))

    def statement_for_movement(self, number: int, line: str) -> Statement:
        """The open statement; movements outside any are read into one without balances
        per account, since the money they move is real."""
        account_number = line[21:32].strip()
        statement = self.current
        if statement is not None and self.opened:
            if statement.account.account_number != account_number:
                self.issue(
                    number,
                    f"the movement (04) is for account {account_number!r} but sits in the "
                    f"{statement_name(statement)}; it is read into that statement",
                )
            return statement
        if statement is not None and statement.account.account_number == account_number:
            return statement
        self.end_statement()
        statement = Statement(number, _account(line, line[16:19].strip() or "EUR"), None, None)
        self.begin(statement, line, opened=False)
        self.issue(
            number,
            "the movement (04) is outside any statement (no ancien solde (01) before it): it "
            f"and the movements that follow are read into a {statement_name(statement)} "
            "without balances",
        )
        return statement

    def record_currency(self, number: int, line: str, what: str) -> str:
        """The currency amounts of this record are in: the account's, which a first record
        naming one settles when the 01 left it blank."""
        currency = line[16:19].strip()
        self.settle_currency(currency or "EUR")
        assert self.current is not None  # every caller has a statement open
        account_currency = self.current.account.currency or "EUR"
        if currency and currency != account_currency:
            self.issue(number, f"{what} in {currency} on an account in {account_currency}")
        return currency or account_currency

    def read_loose(
        self, number: int, line: str, currency: str
    ) -> tuple[int, tuple[int, int]] | None:
        span = loose_amount(line)
        if span is None:
            return None
        try:
            return read_amount(line[span[0] : span[1]], line[19], currency), span
        except FieldError as error:
            self.issue(number, f"the movement (04) {error}")
            return None

    # 05 -------------------------------------------------------------------------------------

    def complement(self, number: int, line: str) -> None:
        if self.details is None:
            if not self.dropping:
                self.issue(number, "a complement (05) without a movement (04) before it; ignored")
            return
        qualifier, text, references = complement_fields(line)
        self.details.append(EntryDetail(number, qualifier, text, None, references))

    # 07 -------------------------------------------------------------------------------------

    def close(self, number: int, line: str) -> None:
        statement = self.current
        account_number = line[21:32].strip()
        what = f"the nouveau solde (07) of account {account_number!r}"
        if statement is None:
            self.issue(number, f"{what} has no ancien solde (01) before it; ignored")
            return
        if statement.account.account_number != account_number:
            self.issue(
                number,
                f"{what} does not close the {statement_name(statement)}, which is kept "
                "without a closing balance; the nouveau solde is ignored",
            )
            self.end_statement()
            return
        currency = self.record_currency(number, line, "the nouveau solde (07)")
        statement.closing_balance = self.balance(number, line, currency, "the nouveau solde (07)")
        self.end_statement()

    # end of a statement, end of the file ----------------------------------------------------

    def end_statement(self) -> None:
        if self.current is not None:
            self.settle_currency("EUR")
            if self.loose:
                self.verify_loose(self.current)
        self.current, self.opened, self.account_zone = None, False, ""
        self.details, self.dropping = None, False

    def verify_loose(self, statement: Statement) -> None:
        """Keep the amounts read out of place only if the statement adds up with them."""
        loose, self.loose = self.loose, []
        adds_up = balance_difference(statement) == 0
        for entry, (start, end) in loose:
            where = f"positions {start + 1}–{end} instead of 91–104"
            if adds_up:
                self.issue(
                    entry.record,
                    f"the movement (04) has its amount in {where}; read leniently, since the "
                    "statement adds up with it",
                )
            else:
                self.issue(
                    entry.record,
                    f"the movement (04) has its amount in {where}, and the statement does not "
                    "add up with it (or has no balances to check it); it is left out with its "
                    "complements",
                )
        if not adds_up:
            left_out = {id(entry) for entry, _ in loose}
            statement.entries = [entry for entry in statement.entries if id(entry) not in left_out]

    def finish(self) -> None:
        if self.current is not None and self.opened:
            self.issue(
                self.current.record,
                f"the {statement_name(self.current)} has no nouveau solde (07): the file may "
                "be cut short",
            )
        self.end_statement()


def _account(line: str, currency: str | None) -> AccountId:
    return AccountId(
        iban=None,
        bank_code=line[2:7].strip() or None,
        branch_code=line[11:16].strip() or None,
        account_number=line[21:32].strip() or None,
        currency=currency,
    )


def _overlap(zone: tuple[int, int], span: tuple[int, int]) -> bool:
    return zone[0] < span[1] and span[0] < zone[1]
