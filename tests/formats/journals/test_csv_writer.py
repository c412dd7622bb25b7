"""The CSV writer: the gateway's `;` layout line by line, encodings, escaping, FIN."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pointage.core.statuses import DetailedStatus, OperationType
from pointage.formats.journals.csv_writer import detail_lines, escape, write_csv
from pointage.formats.journals.layouts import JO_LAYOUT, JT_LAYOUT
from pointage.formats.journals.model import Column, ColumnType, JournalKind, Layout
from pointage.formats.transaction_journal import JournalError, JournalRow, JournalTitle, parse
from tests.formats.journals.documents import document

AT = datetime(2026, 3, 2, 9, 15, 4, 250_000, tzinfo=UTC)
PAYMENT = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
REFUND = "3c4d5e6f708192a3b4c5d6e7f8091a2b"


def jt_row(uuid: str = PAYMENT, **changes: object) -> tuple[object, ...]:
    values: dict[str, object] = {
        "SHOP_ID": "12345678",
        "TRANSACTION_UUID": uuid,
        "TRANSACTION_ID": "000001",
        "TRANSACTION_DATE": AT,
        "TRANSACTION_TYPE": "DEBIT",
        "AMOUNT": 4990,
        "ORIGINAL_AMOUNT": 5990,
        "CURRENCY": "EUR",
        "TRANSACTION_STATUS": "CAPTURED",
        "ORDER_ID": "CMD-1001",
        "CUSTOMER_ID": "cust-17",
        "CARD_TYPE": "CB",
        "CARD_NUMBER": "497010XXXXXX0044",
        "AUTHORIZATION_NUMBER": "3fc3db",
        "PRESENTATION_DATE": date(2026, 3, 2),
        "CONTRACT": "C12345678",
        "PARENT_TRANSACTION_UUID": None,
        "CAPTURE_DATE": datetime(2026, 3, 2, 22, 0, tzinfo=UTC),
        "REMITTANCE_NUMBER": 17,
        "REMITTANCE_DATE": date(2026, 3, 2),
        "RECONCILIATION_STATUS": "pending",
        "DISPUTE": "no",
        "DUPLICATED_FROM_UUID": None,
    } | changes
    assert list(values) == [column.name for column in JT_LAYOUT.columns]
    return tuple(values.values())


def lines_of(path: Path, encoding: str = "utf-8") -> list[str]:
    data = path.read_bytes()
    assert b"\r" not in data  # LF line ends only
    assert data.endswith(b"\n")
    return data.decode(encoding).split("\n")[:-1]


def test_a_transaction_journal_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "jt.csv"
    refund = jt_row(
        REFUND,
        TRANSACTION_ID="000004",
        TRANSACTION_TYPE="CREDIT",
        AMOUNT=1000,
        ORIGINAL_AMOUNT=1000,
        AUTHORIZATION_NUMBER=None,
        PARENT_TRANSACTION_UUID=PAYMENT,
        CAPTURE_DATE=None,
        REMITTANCE_NUMBER=None,
        REMITTANCE_DATE=None,
    )
    written = write_csv(document([jt_row(), refund], JT_LAYOUT), path)

    assert written == 2
    assert lines_of(path) == [
        "TITRE;BOUTIQUE DEMO;26/03/03_01:55:00;POINTAGE_JT_V1",
        "ENTETE;" + ";".join(column.name for column in JT_LAYOUT.columns),
        f"TRANSACTION;12345678;{PAYMENT};000001;20260302091504;DEBIT;4990;5990;978;CAPTURED;"
        "CMD-1001;cust-17;CB;497010XXXXXX0044;3fc3db;20260302;C12345678;;20260302220000;17;"
        "20260302;pending;no;",
        f"TRANSACTION;12345678;{REFUND};000004;20260302091504;CREDIT;1000;1000;978;CAPTURED;"
        f"CMD-1001;cust-17;CB;497010XXXXXX0044;;20260302;C12345678;{PAYMENT};;;;pending;no;",
    ]  # no FIN: the transaction journal has none


def test_a_journal_with_a_fin_record_counts_its_lines(tmp_path: Path) -> None:
    rows = [("a", 1, 100, 5, "EUR", None, None), ("b", 2, 200, 7, "EUR", None, None)]
    write_csv(document(rows), tmp_path / "j.csv")
    lines = lines_of(tmp_path / "j.csv")
    assert lines[2:] == ["LINE;a;1;100;5;978;;", "LINE;b;2;200;7;978;;", "FIN;2"]


def test_an_empty_journal_is_a_title_a_header_and_fin_0(tmp_path: Path) -> None:
    assert write_csv(document([], JO_LAYOUT), tmp_path / "jo.csv") == 0
    lines = lines_of(tmp_path / "jo.csv")
    assert [line.split(";")[0] for line in lines] == ["TITRE", "ENTETE", "FIN"]
    assert lines[-1] == "FIN;0"


@pytest.mark.parametrize(
    ("currency", "written"),
    [("EUR", "978"), ("JPY", "392"), ("TND", "788"), ("USD", "840"), ("BRL", "BRL")],
)
def test_currencies_are_written_as_numeric_iso_4217_codes(
    tmp_path: Path, currency: str, written: str
) -> None:
    write_csv(document([("x", 1, 500, 0, currency, None, None)]), tmp_path / "j.csv")
    assert lines_of(tmp_path / "j.csv")[2].split(";")[5] == written


def test_dates_are_yyyymmdd_and_instants_utc_yyyymmddhhmmss(tmp_path: Path) -> None:
    paris = timezone(timedelta(hours=1))
    rows = [
        ("x", 0, 0, 0, "EUR", date(2026, 12, 31), datetime(2026, 3, 3, 0, 30, 59, 999, paris)),
        ("y", None, None, None, None, None, None),
    ]
    write_csv(document(rows), tmp_path / "j.csv")
    lines = lines_of(tmp_path / "j.csv")
    assert lines[2] == "LINE;x;0;0;0;978;20261231;20260302233059"
    assert lines[3] == "LINE;y;;;;;;"  # None is an empty field


def test_the_title_is_the_generation_instant_in_utc(tmp_path: Path) -> None:
    doc = document([])
    local = doc.generated_at.astimezone(timezone(timedelta(hours=-5)))
    write_csv(doc.__class__(**{**_fields(doc), "generated_at": local}), tmp_path / "j.csv")
    assert lines_of(tmp_path / "j.csv")[0] == "TITRE;BOUTIQUE DEMO;26/03/03_01:55:00;TEST_V1"


def _fields(doc: object) -> dict[str, object]:
    return {name: getattr(doc, name) for name in doc.__slots__}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("Dupont; Fils", "Dupont, Fils"),
        ("ligne 1\nligne 2", "ligne 1 ligne 2"),
        ("ligne 1\r\nligne 2", "ligne 1  ligne 2"),
        ("a;b;c\r", "a,b,c "),
        ("plain text", "plain text"),
    ],
)
def test_separators_and_line_breaks_in_free_text_are_replaced(
    tmp_path: Path, value: str, written: str
) -> None:
    write_csv(document([(value, 1, 1, 1, "EUR", None, None)]), tmp_path / "j.csv")
    lines = lines_of(tmp_path / "j.csv")
    assert len(lines) == 4  # title, header, one line, FIN
    assert lines[2] == f"LINE;{written};1;1;1;978;;"


def test_the_shop_label_is_escaped_too(tmp_path: Path) -> None:
    write_csv(document([], shop_label="Café; Bar\nDupont"), tmp_path / "j.csv")
    assert lines_of(tmp_path / "j.csv")[0] == "TITRE;Café, Bar Dupont;26/03/03_01:55:00;TEST_V1"


TEXTS = Layout(
    JournalKind.JO, "T", "LINE", tuple(Column(f"C{n}", ColumnType.TEXT, f"C{n}") for n in range(4))
)


@given(st.lists(st.text(), min_size=4, max_size=4))
def test_any_text_keeps_one_line_with_one_field_per_column(values: list[str]) -> None:
    (line,) = detail_lines(TEXTS, [tuple(values)])
    assert "\n" not in line and "\r" not in line
    assert line.split(";")[1:] == [escape(value) for value in values]


def test_utf_8_by_default(tmp_path: Path) -> None:
    write_csv(document([("Crème brûlée € œ 漢", 1, 1, 1, "EUR", None, None)]), tmp_path / "j.csv")
    assert lines_of(tmp_path / "j.csv")[2].startswith("LINE;Crème brûlée € œ 漢;")


def test_iso_8859_15_has_the_euro_sign_and_writes_question_marks_for_the_rest(
    tmp_path: Path,
) -> None:
    path = tmp_path / "j.csv"
    write_csv(
        document([("Crème € œ 漢", 1, 1, 1, "EUR", None, None)]), path, encoding="iso-8859-15"
    )
    data = path.read_bytes()
    assert "Crème € œ ?;".encode("iso-8859-15") in data
    assert b"Cr\xe8me \xa4 \xbd ?;" in data  # ISO-8859-15 bytes: è, €, œ


def test_an_unknown_encoding_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="encoding"):
        write_csv(document([]), tmp_path / "j.csv", encoding="cp1252")


def test_a_row_of_the_wrong_length_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_csv(document([("too", "short")]), tmp_path / "j.csv")


def test_the_transaction_journal_reads_back_through_the_import_parser(tmp_path: Path) -> None:
    path = tmp_path / "jt.csv"
    refund = jt_row(REFUND, TRANSACTION_TYPE="CREDIT", AMOUNT=1000, PARENT_TRANSACTION_UUID=PAYMENT)
    verification = jt_row(
        "ab" * 16,
        TRANSACTION_TYPE="VERIFICATION",
        AMOUNT=0,
        ORIGINAL_AMOUNT=0,
        ORDER_ID=None,
        CURRENCY="JPY",
        DUPLICATED_FROM_UUID=PAYMENT,
    )
    write_csv(document([jt_row(), refund, verification], JT_LAYOUT), path)

    items = list(parse(path.read_bytes(), filename="jt.csv"))

    assert not [item for item in items if isinstance(item, JournalError)]
    title, payment, credit, check = items
    assert isinstance(title, JournalTitle)
    assert (title.shop_label, title.sent_at, title.version) == (
        "BOUTIQUE DEMO",
        datetime(2026, 3, 3, 1, 55, tzinfo=UTC),
        "POINTAGE_JT_V1",
    )
    assert isinstance(payment, JournalRow)
    assert payment == JournalRow(
        line=3,
        shop_id="12345678",
        uuid=PAYMENT,
        transaction_id="000001",
        created_at=AT.replace(microsecond=0),  # the layout keeps whole seconds
        operation_type=OperationType.DEBIT,
        amount_minor=4990,
        original_amount_minor=5990,
        currency="EUR",
        detailed_status=DetailedStatus.CAPTURED,
        order_id="CMD-1001",
        customer_reference="cust-17",
        card_brand="CB",
        card_masked="497010XXXXXX0044",
        authorisation_number="3fc3db",
        expected_capture_date=date(2026, 3, 2),
        contract_number="C12345678",
        parent_uuid=None,
    )
    assert isinstance(credit, JournalRow) and credit.parent_uuid == PAYMENT
    assert isinstance(check, JournalRow)
    assert (check.operation_type, check.currency, check.order_id, check.parent_uuid) == (
        OperationType.VERIFICATION,
        "JPY",
        None,
        None,  # a duplicate's origin is not a refund's payment
    )
