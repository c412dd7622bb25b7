"""Bank statement pages: the upload (imported, already imported, refused and why, the run
that follows), the statements of each account with their continuity warnings, and a
statement's entries with their match state; who may upload, and another merchant's
statement answered as absent."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from pointage.auth.service.users import create_user
from pointage.core.statuses import Role
from pointage.formats.statements import cfonb120
from pointage.remittance.models import Remittance
from pointage.settings import Settings
from pointage.shop.models import BankAccount
from pointage.statement import views
from pointage.statement.models import BankStatement, StatementEntry, StatementFile
from pointage.web.app import create_app
from tests.factories import IBAN_BANK_B, make_shop
from tests.formats.samples import SAMPLES_DIR
from tests.reconciliation.run_builders import (
    MONDAY,
    credit_line,
    other_line,
    remittance_of,
    shop_with_contract,
    statement_of,
)
from tests.remittance.builders import dump
from tests.statement.cfonb import EXAMPLE, add_example_accounts, day_statement, days_file
from tests.web.backoffice_world import page_token, sign_in

SHOP, OTHER_SHOP = "11111111", "87654321"
TRUNCATED_CAMT = SAMPLES_DIR / "camt" / "genkgo-camt053.v2.minimal.xml"
PASSWORD = "correct horse battery staple"
ACCOUNTANT, READER, STRANGER = (
    "compta@example.com",
    "lecture@example.com",
    "autre@example.com",
)


@dataclass
class Setup:
    settings: Settings
    factory: sessionmaker[Session]
    remittance_id: int
    contract_number: str
    credit_file: bytes


@pytest.fixture
def setup(settings: Settings, session_factory: sessionmaker[Session]) -> Setup:
    """Shop 11111111 (its merchant has account A, credited by its contract, and the two
    accounts of the CFONB 120 example) with a remittance to be credited; shop 87654321 of
    another merchant, with account B. An accountant and a read-only user of the first
    shop, and a user of the other shop."""
    with session_factory() as session, session.begin():
        shop = shop_with_contract(session, shop_id=SHOP)
        add_example_accounts(session, shop.merchant)
        remittance = remittance_of(session, shop, MONDAY, [10_000, 2_500])
        make_shop(session, shop_id=OTHER_SHOP, iban=IBAN_BANK_B)
        create_user(session, ACCOUNTANT, Role.ACCOUNTANT, [SHOP], password=PASSWORD)
        create_user(session, READER, Role.READ_ONLY, [SHOP], password=PASSWORD)
        create_user(session, STRANGER, Role.ADMIN, [OTHER_SHOP], password=PASSWORD)
        number = shop.contract.number
        credit = cfonb120.write(
            [
                statement_of(
                    [
                        credit_line(remittance, number),
                        other_line(-4_200, "PRLV EDF FACTURE", MONDAY),
                    ]
                )
            ]
        )
        return Setup(settings, session_factory, remittance.id, number, credit)


@pytest.fixture
def browser(setup: Setup) -> Iterator[TestClient]:
    with TestClient(
        create_app(setup.settings),
        raise_server_exceptions=False,
        follow_redirects=False,
        headers={"Accept-Language": "en-GB"},
    ) as client:
        yield client


def signed_in(browser: TestClient, email: str = ACCOUNTANT) -> TestClient:
    answer = sign_in(browser, email, PASSWORD)
    assert answer.status_code == 303, answer.text
    return browser


def upload(browser: TestClient, data: bytes, name: str = "releve.txt", **fields: str) -> object:
    token = page_token(browser, "/statements")
    return browser.post(
        "/statements/upload",
        files={"file": (name, data, "text/plain")},
        data={"csrf_token": token, **fields},
    )


def count(factory: sessionmaker[Session], model: type) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def text_of(html: str) -> str:
    """The page's words, tags dropped and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" .", ".")


def pages(html: str) -> dict[str, str]:
    """The page links of a list: rel -> query."""
    return {
        rel: query
        for query, rel in re.findall(r'href="/statements/\d+(\?[^"]+)" rel="(prev|next)"', html)
    }


def statement_ids(factory: sessionmaker[Session]) -> list[int]:
    with factory() as session:
        return list(session.scalars(select(BankStatement.id).order_by(BankStatement.id)))


# -- upload --------------------------------------------------------------------------------


def test_an_upload_is_imported_reconciled_and_its_result_told(browser, setup) -> None:
    signed_in(browser)

    answer = upload(browser, setup.credit_file)

    assert answer.status_code == 200, answer.text
    words = text_of(answer.text)
    assert "Imported: releve.txt" in words
    assert "Format CFONB 120: 1 statements, 2 entries; 2 imported, 0 skipped." in words
    assert re.search(r"Run #\d+: 1 matched automatically, 0 suggested", words)
    assert count(setup.factory, StatementEntry) == 2
    [statement_id] = statement_ids(setup.factory)
    # The result links to the statement, and the list below already shows it.
    assert answer.text.count(f'href="/statements/{statement_id}"') == 2


def test_the_same_file_again_is_told_as_already_imported_and_adds_nothing(browser, setup) -> None:
    signed_in(browser)
    upload(browser, setup.credit_file)

    again = upload(browser, setup.credit_file, name="copie.txt")

    assert again.status_code == 200
    words = text_of(again.text)
    assert "Already imported: copie.txt" in words
    assert "as releve.txt: nothing was added" in words
    assert count(setup.factory, StatementFile) == 1
    assert count(setup.factory, StatementEntry) == 2


def test_an_unreadable_file_is_refused_with_the_parsers_reason_and_nothing_changes(
    browser, setup, engine
) -> None:
    signed_in(browser)
    before = dump(engine)
    # A camt.053 cut short: its XML ends in the middle of an element.
    broken = TRUNCATED_CAMT.read_bytes()[:300]

    answer = upload(browser, broken, name="casse.xml")

    assert answer.status_code == 422
    words = text_of(answer.text)
    assert "Refused: casse.xml" in words
    assert "Nothing was imported: your statements are as they were." in words
    reason = re.search(r'<span class="st-reason">([^<]+)</span>', answer.text)
    assert reason is not None
    assert reason.group(1).startswith("casse.xml: record 6: the XML is not well-formed at line 6")
    assert dump(engine) == before


def test_a_file_of_accounts_the_merchant_does_not_have_is_refused_with_every_problem(
    browser, setup, engine
) -> None:
    signed_in(browser, STRANGER)
    before = dump(engine)

    answer = upload(browser, EXAMPLE.read_bytes())

    assert answer.status_code == 422
    words = text_of(answer.text)
    assert "releve.txt refused, nothing imported: 2 problems" in words
    problems = re.findall(r"<li>([^<]*unknown bank account[^<]*)</li>", answer.text)
    assert len(problems) == 2
    assert dump(engine) == before


def test_an_unbalanced_file_is_imported_only_with_a_reason(browser, setup) -> None:
    signed_in(browser)
    data = days_file(day_statement(0, [500], closing=100_400))

    refused = upload(browser, data)
    accepted = upload(browser, data, accept_unbalanced_reason="frais comptés deux fois")

    assert refused.status_code == 422
    assert "does not add up" in text_of(refused.text)
    assert count(setup.factory, StatementFile) == 1
    assert accepted.status_code == 200
    listing = text_of(browser.get("/statements").text)
    assert "Does not add up by -€1.00 (accepted: frais comptés deux fois)." in listing


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"format": "pdf"}, "format", "Choose a format from the list."),
        ({"format": "csv"}, "csv_profile", "A CSV file needs a CSV mapping: choose one."),
        ({"csv_profile": "nope"}, "csv_profile", "Choose a CSV mapping from the list."),
        (
            {"accept_unbalanced_reason": "x" * 501},
            "accept_unbalanced_reason",
            "The reason has at most 500 characters.",
        ),
    ],
)
def test_a_wrong_field_is_named_next_to_it_and_nothing_is_imported(
    browser, setup, fields, field, message
) -> None:
    signed_in(browser)

    answer = upload(browser, setup.credit_file, **fields)

    assert answer.status_code == 422
    assert f'<p class="field-error" id="st-{field}-error">{message}</p>' in answer.text
    assert count(setup.factory, StatementFile) == 0


def test_a_form_without_a_file_asks_for_one(browser, setup) -> None:
    signed_in(browser)
    token = page_token(browser, "/statements")

    answer = browser.post(
        "/statements/upload",
        files={"file": ("", b"", "application/octet-stream")},
        data={"csrf_token": token},
    )

    assert answer.status_code == 422
    assert "Choose the bank file to upload." in answer.text


def test_a_file_over_the_limit_is_refused(setup, browser, monkeypatch) -> None:
    signed_in(browser)
    monkeypatch.setattr(setup.settings, "statement_max_bytes", 100)

    answer = upload(browser, b"x" * 200)

    assert answer.status_code == 413
    assert "The file is larger than" in answer.text
    assert count(setup.factory, StatementFile) == 0


def test_a_read_only_user_sees_no_form_and_is_refused_an_upload(browser, setup) -> None:
    signed_in(browser, READER)
    page = browser.get("/statements")
    assert page.status_code == 200
    assert 'id="upload-form"' not in page.text
    assert "may read the statements but not import them" in page.text

    answer = upload(browser, setup.credit_file)

    assert answer.status_code == 403
    assert count(setup.factory, StatementFile) == 0


def test_an_upload_without_the_csrf_token_is_refused(browser, setup) -> None:
    signed_in(browser)

    answer = browser.post(
        "/statements/upload", files={"file": ("releve.txt", setup.credit_file, "text/plain")}
    )

    assert answer.status_code == 403
    assert count(setup.factory, StatementFile) == 0


def test_the_upload_address_asked_for_again_leads_to_the_list(browser, setup) -> None:
    signed_in(browser)

    answer = browser.get("/statements/upload")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/statements"


# -- the list ------------------------------------------------------------------------------


def test_statements_are_listed_per_account_with_balances_and_continuity(browser, setup) -> None:
    signed_in(browser)
    upload(browser, days_file(day_statement(0, [500])), name="jour0.txt")
    # Opens at 1,000.00 where the previous statement closed at 1,005.00.
    upload(browser, days_file(day_statement(1, [300])), name="jour1.txt")

    page = browser.get("/statements")

    assert page.status_code == 200
    words = text_of(page.text)
    for account in ("Main account", "Example 1", "Example 2"):
        assert '<h2 id="account-' in page.text and account in words
    assert "FR76 3000 6000 0112 3456 7890 189" in words
    assert "Opens -€5.00 away from the previous statement's closing balance" in words
    assert "No earlier statement to compare with" in words
    assert "€1,005.00" in words and "€1,003.00" in words
    assert "jour1.txt (CFONB 120," in words
    assert words.count("No statement imported for this account yet.") == 2


def test_an_account_with_many_statements_pages_to_its_older_ones(
    browser, setup, monkeypatch
) -> None:
    monkeypatch.setattr(views, "PER_ACCOUNT", 2)
    monkeypatch.setattr(views, "PER_PAGE", 2)
    signed_in(browser)
    upload(browser, days_file(*(day_statement(day, [100]) for day in range(3))))
    first, second, third = statement_ids(setup.factory)

    overview = browser.get("/statements").text
    older = re.search(r'href="(/statements\?account=\d+&amp;after=\d+)"', overview)

    assert older is not None
    assert (
        f'href="/statements/{third}"' in overview and f'href="/statements/{first}"' not in overview
    )
    page = browser.get(older.group(1).replace("&amp;", "&"))
    assert page.status_code == 200
    assert f'href="/statements/{first}"' in page.text
    assert f'href="/statements/{second}"' not in page.text
    assert 'rel="prev"' in page.text and 'rel="next"' not in page.text


def test_another_merchants_account_or_a_made_up_cursor_is_not_found(browser, setup) -> None:
    signed_in(browser)
    with setup.factory() as session:
        theirs = session.scalar(select(BankAccount.id).where(BankAccount.iban == IBAN_BANK_B))
    mine = re.search(r'id="account-(\d+)"', browser.get("/statements").text)
    assert mine is not None

    assert browser.get(f"/statements?account={theirs}").status_code == 404
    assert browser.get("/statements?account=abc").status_code == 404
    assert browser.get(f"/statements?account={mine.group(1)}&after=999999").status_code == 404
    assert browser.get(f"/statements?account={mine.group(1)}").status_code == 200


# -- one statement -------------------------------------------------------------------------


def test_a_statement_shows_its_entries_with_their_match_state(browser, setup) -> None:
    signed_in(browser)
    upload(browser, setup.credit_file)
    [statement_id] = statement_ids(setup.factory)
    with setup.factory() as session:
        credit, bill = session.scalars(select(StatementEntry).order_by(StatementEntry.id)).all()

    page = browser.get(f"/statements/{statement_id}")

    assert page.status_code == 200
    rows = re.findall(r'<tr id="entry-(\d+)">(.*?)</tr>', page.text, re.S)
    assert [int(entry_id) for entry_id, _ in rows] == [credit.id, bill.id]
    credited, billed = (text_of(row) for _, row in rows)
    assert "Matched" in credited
    assert f'href="/remittances/{setup.remittance_id}"' in rows[0][1]
    # A direct debit is no card movement: the run leaves it aside, and says why.
    assert "Not a card movement" in billed and "-€42.00" in billed
    assert "Not a movement of the card payment gateway." in billed
    assert f'href="/reconciliation?entry={bill.id}"' in rows[1][1]
    assert "Match by hand" in billed
    assert "/reconciliation?entry" not in rows[0][1]


def test_a_credit_the_engine_is_not_sure_of_is_shown_as_suggested(browser, setup) -> None:
    with setup.factory() as session:
        remittance = session.get(Remittance, setup.remittance_id)
        assert remittance is not None
        # The right amount, but the label does not say which remittance it pays.
        unsure = credit_line(remittance, setup.contract_number)
        unsure.label = f"REMISE CB {setup.contract_number}"
        data = cfonb120.write([statement_of([unsure])])
    signed_in(browser)

    answer = upload(browser, data)

    assert re.search(r"Run #\d+: 0 matched automatically, 1 suggested", text_of(answer.text))
    [statement_id] = statement_ids(setup.factory)
    page = browser.get(f"/statements/{statement_id}")
    [(entry_id, row)] = re.findall(r'<tr id="entry-(\d+)">(.*?)</tr>', page.text, re.S)
    assert "Suggested" in text_of(row) and "Review the suggestion" in text_of(row)
    assert f'href="/reconciliation?entry={entry_id}"' in row


def test_a_read_only_user_is_not_offered_to_match_by_hand(browser, setup) -> None:
    signed_in(browser)
    upload(browser, setup.credit_file)
    browser.post("/sign-out", data={"csrf_token": page_token(browser, "/statements")})
    signed_in(browser, READER)
    [statement_id] = statement_ids(setup.factory)

    page = browser.get(f"/statements/{statement_id}")

    assert page.status_code == 200
    assert "Match by hand" not in page.text and "See in Reconciliation" in page.text


def test_entries_are_paged_in_the_banks_order(browser, setup, monkeypatch) -> None:
    monkeypatch.setattr(views, "ENTRIES_PER_PAGE", 2)
    signed_in(browser)
    upload(browser, days_file(day_statement(0, [100, 200, 300])))
    [statement_id] = statement_ids(setup.factory)
    with setup.factory() as session:
        ids = list(session.scalars(select(StatementEntry.id).order_by(StatementEntry.id)))

    first = browser.get(f"/statements/{statement_id}").text
    later = browser.get(f"/statements/{statement_id}?after={ids[1]}").text
    back = browser.get(f"/statements/{statement_id}?before={ids[2]}").text

    assert re.findall(r'<tr id="entry-(\d+)">', first) == [str(i) for i in ids[:2]]
    assert pages(first) == {"next": f"?after={ids[1]}"}
    assert re.findall(r'<tr id="entry-(\d+)">', later) == [str(ids[2])]
    assert pages(later) == {"prev": f"?before={ids[2]}"}
    assert re.findall(r'<tr id="entry-(\d+)">', back) == [str(i) for i in ids[:2]]


def test_another_merchants_statement_is_not_found_as_one_that_does_not_exist(
    browser, setup
) -> None:
    signed_in(browser)
    upload(browser, setup.credit_file)
    [statement_id] = statement_ids(setup.factory)
    browser.post("/sign-out", data={"csrf_token": page_token(browser, "/statements")})
    signed_in(browser, STRANGER)

    theirs = browser.get(f"/statements/{statement_id}")
    missing = browser.get(f"/statements/{statement_id + 1000}")
    junk = browser.get("/statements/abc")

    assert theirs.status_code == missing.status_code == junk.status_code == 404
    assert "Page not found" in theirs.text
    assert count(setup.factory, Remittance) == 1
