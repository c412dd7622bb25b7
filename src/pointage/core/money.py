"""Money as integer minor units plus an ISO 4217 currency code.

Sign convention, stated once for the whole code base: amounts are seen from the account
holder (the merchant). A credit to the merchant's account is positive, a debit negative.
Every bank-format parser normalises to this convention.

`Decimal` appears only at the edges (parsing a file, showing an amount); inside Pointage
an amount is an `int` of minor units (cents for EUR, yen for JPY, millimes for TND).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from pointage.core.errors import InvalidAmount, UnknownCurrency

# ISO 4217 active codes and their number of minor-unit digits (the "exponent").
# Funds codes and precious metals (XAU, XDR…) have no minor unit and are not used for card
# payments; they are left out on purpose.
_EXPONENT_TABLE = """
AED 2 AFN 2 ALL 2 AMD 2 AOA 2 ARS 2 AUD 2 AWG 2 AZN 2 BAM 2 BBD 2 BDT 2 BHD 3 BIF 0 BMD 2
BND 2 BOB 2 BRL 2 BSD 2 BTN 2 BWP 2 BYN 2 BZD 2 CAD 2 CDF 2 CHF 2 CLP 0 CNY 2 COP 2 CRC 2
CUP 2 CVE 2 CZK 2 DJF 0 DKK 2 DOP 2 DZD 2 EGP 2 ERN 2 ETB 2 EUR 2 FJD 2 FKP 2 GBP 2 GEL 2
GHS 2 GIP 2 GMD 2 GNF 0 GTQ 2 GYD 2 HKD 2 HNL 2 HTG 2 HUF 2 IDR 2 ILS 2 INR 2 IQD 3 IRR 2
ISK 0 JMD 2 JOD 3 JPY 0 KES 2 KGS 2 KHR 2 KMF 0 KPW 2 KRW 0 KWD 3 KYD 2 KZT 2 LAK 2 LBP 2
LKR 2 LRD 2 LSL 2 LYD 3 MAD 2 MDL 2 MGA 2 MKD 2 MMK 2 MNT 2 MOP 2 MRU 2 MUR 2 MVR 2 MWK 2
MXN 2 MYR 2 MZN 2 NAD 2 NGN 2 NIO 2 NOK 2 NPR 2 NZD 2 OMR 3 PAB 2 PEN 2 PGK 2 PHP 2 PKR 2
PLN 2 PYG 0 QAR 2 RON 2 RSD 2 RUB 2 RWF 0 SAR 2 SBD 2 SCR 2 SDG 2 SEK 2 SGD 2 SHP 2 SLE 2
SOS 2 SRD 2 SSP 2 STN 2 SVC 2 SYP 2 SZL 2 THB 2 TJS 2 TMT 2 TND 3 TOP 2 TRY 2 TTD 2 TWD 2
TZS 2 UAH 2 UGX 0 USD 2 UYI 0 UYU 2 UYW 4 UZS 2 VED 2 VES 2 VND 0 VUV 0 WST 2 XAF 0 XCD 2
XCG 2 XOF 0 XPF 0 YER 2 ZAR 2 ZMW 2 ZWG 2 CLF 4
"""

EXPONENTS: dict[str, int] = {
    code: int(digits)
    for code, digits in zip(
        _EXPONENT_TABLE.split()[::2], _EXPONENT_TABLE.split()[1::2], strict=True
    )
}

# ISO 4217 numeric codes of the currencies French acquirers and CFONB files name by number.
NUMERIC_CODES: dict[str, str] = {
    "978": "EUR",
    "840": "USD",
    "826": "GBP",
    "756": "CHF",
    "392": "JPY",
    "124": "CAD",
    "036": "AUD",
    "752": "SEK",
    "578": "NOK",
    "208": "DKK",
    "985": "PLN",
    "203": "CZK",
    "348": "HUF",
    "946": "RON",
    "788": "TND",
    "504": "MAD",
    "953": "XPF",
    "952": "XOF",
    "950": "XAF",
    "156": "CNY",
    "344": "HKD",
    "702": "SGD",
    "784": "AED",
    "949": "TRY",
}


# No amount has more minor-unit digits than this: it keeps every amount inside a signed
# 64-bit column and stops "1e999999" from building a gigantic integer.
MAX_MINOR_DIGITS = 18


def exponent(currency: str) -> int:
    """Number of minor-unit digits of an ISO 4217 currency (EUR 2, JPY 0, TND 3)."""
    try:
        return EXPONENTS[currency]
    except KeyError:
        raise UnknownCurrency(f"unknown ISO 4217 currency code {currency!r}") from None


def is_currency(code: str) -> bool:
    return code in EXPONENTS


def to_minor(value: Decimal | str, currency: str) -> int:
    """Convert a decimal major-unit amount ("12.34" EUR) to minor units (1234).

    Refuses amounts with more decimals than the currency has: a bank file that says
    12.345 EUR is wrong, and rounding it silently would hide the error. The conversion is
    exact integer arithmetic on the decimal digits, so no context precision can round
    away a trailing decimal and no exponent can overflow.
    """
    try:
        # Decimal() reads Python literal syntax, where "1_000" is 1000; a bank file is not.
        if isinstance(value, str) and "_" in value:
            raise InvalidOperation
        amount = Decimal(value) if isinstance(value, str) else value
    except InvalidOperation:
        raise InvalidAmount(f"{value!r} is not a decimal amount") from None
    if not amount.is_finite():
        raise InvalidAmount(f"{value!r} is not a finite amount")
    digits = exponent(currency)
    sign, coefficient_digits, amount_exponent = amount.as_tuple()
    assert isinstance(amount_exponent, int)  # finite, checked above
    coefficient = int("".join(map(str, coefficient_digits)))
    if coefficient == 0:
        return 0
    shift = amount_exponent + digits
    if shift > MAX_MINOR_DIGITS:
        raise InvalidAmount(f"{value} is out of range")
    minor: int  # int ** int is typed Any: a negative exponent would give a float
    if shift >= 0:
        minor = coefficient * 10**shift
    else:
        # A non-zero coefficient shorter than the shift can never divide evenly; checking it
        # first keeps "1e-999999999" from building a gigantic power of ten.
        too_long = -shift > len(coefficient_digits)
        minor, remainder = (0, 1) if too_long else divmod(coefficient, 10**-shift)
        if remainder:
            raise InvalidAmount(f"{value} has more decimals than {currency} allows ({digits})")
    if minor >= 10**MAX_MINOR_DIGITS:
        raise InvalidAmount(f"{value} is out of range")
    return -minor if sign else minor


def to_decimal(minor: int, currency: str) -> Decimal:
    """Minor units back to a Decimal in major units, for display and file writing."""
    return Decimal(minor).scaleb(-exponent(currency))


def format_amount(minor: int, currency: str) -> str:
    """Plain text with the currency's number of decimals: 1234 EUR -> '12.34'."""
    digits = exponent(currency)
    return f"{to_decimal(minor, currency):.{digits}f}"


def percentage_of(minor: int, basis_points: int) -> int:
    """`basis_points`/10,000 of an amount, rounded half up to the minor unit.

    Acquirer commissions are quoted in basis points (0.80 % = 80 bp); the rounding of each
    transaction's fee is half up, as acquirers compute it per transaction.
    """
    exact = Decimal(minor) * Decimal(basis_points) / Decimal(10_000)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of one currency. Arithmetic refuses to mix currencies."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise InvalidAmount(f"money amounts are integer minor units, got {self.minor!r}")
        exponent(self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidAmount(f"cannot combine {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __str__(self) -> str:
        return f"{format_amount(self.minor, self.currency)} {self.currency}"
