"""GET /v1/statements, /v1/statements/{id}/entries and /v1/bank-accounts: the merchant's
files and accounts paged with cursors, and the match state of each entry of a statement
the engine and a person reconciled; another merchant's file is a 404; bank data needs a
production key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from pointage.auth.service.keys import issue_production_key, issue_test_key
from pointage.shop import service as shop_service
from tests.factories import IBAN_BANK_B, ShopSetup, make_shop
from tests.reconciliation.manual_data import (
    DAY,
    NET,
    captured,
    engine_match,
    imported,
    run_row,
    suggestion_row,
)
from tests.statement.cfonb import EXAMPLE, add_example_accounts

MINE, SISTER, STRANGER = "12345678", "12345679", "87654321"
LINES = {
    "credit": (NET, "REMISE CB 000001"),  # the remittance's credit: matched by the run
    "copy": (NET, "REMISE CB 000001"),  # booked twice: left open as a duplicate
    "transfer": (9_000, "VIR SEPA CLIENT"),  # matched by a person to a payment
    "debit": (-1_250, "PRLV EDF"),  # not a card movement: ignored
    "unknown": (5_000, "REMISE CB 000077"),  # a card line nothing fits: suggested by hand
}


@dataclass
class Statements:
    keys: dict[str, str]
    file_id: int
    entries: dict[str, int]  # LINES name -> entry id
    remittance_id: int
    payment_uuid: str  # the payment the transfer was matched to
    suggestion_id: int
    run_id: int
    setup: ShopSetup

    def auth(self, shop: str = MINE) -> tuple[str, str]:
        return shop, self.keys[shop]


def _get(client, statements: Statements, path: str, shop: str = MINE, **params):
    return client.get(path, params=params, auth=statements.auth(shop))


@pytest.fixture
def statements(client, session, settings) -> Statements:
    """Shop MINE's remittance of 2 March credited (twice) in a file of five lines; a
    payment of 3 March matched by hand to a transfer; a run as of 5 March; a suggestion
    on the card line nothing fits. Shop STRANGER: another merchant."""
    setup = make_shop(session, shop_id=MINE)
    first = captured(session, setup, [10_000, 5_000])
    later = captured(session, setup, [9_000], day=DAY + timedelta(days=1), tag="B")
    bank = imported(
        session, [amount for amount, _ in LINES.values()], labels=[t for _, t in LINES.values()]
    )
    stranger = make_shop(session, shop_id=STRANGER, iban=IBAN_BANK_B)
    keys = {
        MINE: issue_production_key(session, setup.shop, settings.secret_key),
        STRANGER: issue_production_key(session, stranger.shop, settings.secret_key),
    }
    entries = dict(zip(LINES, (entry.id for entry in bank.entries), strict=True))
    file_id, uuid = bank.file.id, later.payments[0].uuid
    session.commit()
    statements = Statements(keys, file_id, entries, first.remittance.id, uuid, 0, 0, setup)
    by_hand = client.post(
        "/v1/reconciliation/matches",
        json={"entry_ids": [entries["transfer"]], "transaction_uuids": [uuid], "comment": "ok"},
        auth=statements.auth(),
    )
    assert by_hand.status_code == 201, by_hand.text
    run = client.post(
        "/v1/reconciliation/runs", json={"business_date": "2026-03-05"}, auth=statements.auth()
    )
    assert run.status_code == 201, run.text
    statements.run_id = run.json()["id"]
    unknown = [e for e in bank.entries if e.id == entries["unknown"]]
    proposed = suggestion_row(
        session,
        run_row(session, setup.merchant.id),
        entries=unknown,
        remittances=[later.remittance],
    )
    statements.suggestion_id = proposed.id
    session.commit()
    return statements


def _entries(client, statements: Statements, **params) -> dict:
    response = _get(client, statements, f"/v1/statements/{statements.file_id}/entries", **params)
    assert response.status_code == 200, response.text
    return response.json()


def test_each_entry_of_a_reconciled_statement_tells_its_match_state(client, statements):
    body = _entries(client, statements)

    assert body["object"] == "list" and body["has_more"] is False
    found = {entry["id"]: entry for entry in body["data"]}
    assert list(found) == sorted(statements.entries.values(), reverse=True)
    named = {name: found[pk] for name, pk in statements.entries.items()}
    assert {name: e["match_state"] for name, e in named.items()} == {
        "credit": "matched",
        "copy": "duplicate",
        "transfer": "matched",
        "debit": "ignored",
        "unknown": "suggested",
    }
    credit = named["credit"]
    assert (credit["amount_minor"], credit["currency"], credit["label"]) == (
        NET,
        "EUR",
        "REMISE CB 000001",
    )
    assert credit["value_date"] == credit["booking_date"] == "2026-03-04"
    assert credit["record"] == 2 and credit["file_id"] == statements.file_id
    assert credit["open_reason"] is None and credit["suggestion_ids"] == []
    engine = credit["match"]
    assert (engine["rule"], engine["origin"], engine["automatic"], engine["role"]) == (
        "remittance_credit",
        "engine",
        True,
        "credit",
    )
    assert engine["run_id"] == statements.run_id
    assert engine["remittance_ids"] == [statements.remittance_id]
    assert engine["transaction_uuids"] == [] and engine["hidden_objects"] == 0
    assert "twice" in engine["anomaly"]

    manual = named["transfer"]["match"]
    assert (manual["origin"], manual["automatic"], manual["rule"]) == ("manual", False, "manual")
    assert manual["transaction_uuids"] == [statements.payment_uuid]
    assert manual["remittance_ids"] == [] and manual["run_id"] is None

    copy, debit = named["copy"], named["debit"]
    assert copy["match"] is None and copy["open_reason"]["reason"] == "duplicate_line"
    assert debit["open_reason"]["reason"] == "not_gateway"
    assert debit["open_reason"]["run_id"] == statements.run_id
    assert debit["open_reason"]["run_business_date"] == "2026-03-05"
    unknown = named["unknown"]
    assert unknown["suggestion_ids"] == [statements.suggestion_id]
    assert unknown["open_reason"]["reason"] == "no_candidate"


@pytest.mark.parametrize(
    ("state", "names"),
    [
        ("matched", ["transfer", "credit"]),
        ("suggested", ["unknown"]),
        ("duplicate", ["copy"]),
        ("ignored", ["debit"]),
        ("open", []),
    ],
)
def test_entries_are_filtered_by_match_state(client, statements, state, names):
    body = _entries(client, statements, match_state=state)

    assert [e["id"] for e in body["data"]] == [statements.entries[n] for n in names]
    assert {e["match_state"] for e in body["data"]} <= {state}


def test_an_entry_no_run_has_looked_at_is_open(client, session, statements):
    later = imported(session, [7_700], labels=["VIR AUTRE"], day=5, filename="next.txt")
    session.commit()

    response = _get(client, statements, f"/v1/statements/{later.file.id}/entries")
    opened = _get(client, statements, f"/v1/statements/{later.file.id}/entries", match_state="open")

    [entry] = response.json()["data"]
    assert entry["match_state"] == "open" and entry["match"] is None
    assert entry["open_reason"] == {
        "reason": "not_run",
        "detail": "no reconciliation run has looked at it yet",
        "run_id": None,
        "run_business_date": None,
    }
    assert [e["id"] for e in opened.json()["data"]] == [entry["id"]]


def test_entries_are_paged_forward_and_back(client, statements):
    ids = sorted(statements.entries.values(), reverse=True)

    first = _entries(client, statements, limit=2)
    second = _entries(client, statements, limit=2, starting_after=ids[1])
    last = _entries(client, statements, limit=2, starting_after=ids[3])
    back = _entries(client, statements, limit=2, ending_before=ids[4])
    filtered = _entries(client, statements, limit=1, match_state="matched")

    assert ([e["id"] for e in first["data"]], first["has_more"]) == (ids[:2], True)
    assert ([e["id"] for e in second["data"]], second["has_more"]) == (ids[2:4], True)
    assert ([e["id"] for e in last["data"]], last["has_more"]) == (ids[4:], False)
    assert ([e["id"] for e in back["data"]], back["has_more"]) == (ids[2:4], True)
    assert filtered["has_more"] is True and len(filtered["data"]) == 1


def test_a_shop_sees_the_objects_of_its_own_shop_only(client, session, settings, statements):
    """A sister shop paid on the same account: a credit grouping both shops' remittances
    shows each shop its own and counts the other's; a suggestion naming the sister's
    remittance is not shown to this shop."""
    setup = statements.setup
    sister = shop_service.create_shop(session, setup.merchant, shop_id=SISTER, name="Sister")
    contract = shop_service.create_contract(
        session, sister, setup.bank_account, number="CSISTER", acquirer="Test Acquirer"
    )
    sisters = ShopSetup(setup.merchant, sister, setup.bank_account, contract)
    theirs = captured(session, sisters, [3_000], tag="S").remittance
    mine = captured(session, setup, [4_000], day=DAY + timedelta(days=2), tag="C").remittance
    bank = imported(session, [12_345, 6_789], labels=["REMISE", "REMISE"], day=6, filename="g.txt")
    grouped, proposed = bank.entries
    run = run_row(session, setup.merchant.id)
    engine_match(session, run, entries=[grouped], remittances=[mine, theirs])
    suggestion_row(session, run, entries=[proposed], remittances=[mine, theirs])
    statements.keys[SISTER] = issue_production_key(session, sister, settings.secret_key)
    session.commit()

    path = f"/v1/statements/{bank.file.id}/entries"
    for shop, own in ((MINE, mine.id), (SISTER, theirs.id)):
        found = {e["id"]: e for e in _get(client, statements, path, shop).json()["data"]}
        match = found[grouped.id]["match"]
        assert (match["remittance_ids"], match["hidden_objects"]) == ([own], 1)
        assert found[proposed.id]["match_state"] == "open"
        assert found[proposed.id]["suggestion_ids"] == []
        suggested = _get(client, statements, path, shop, match_state="suggested").json()
        assert suggested["data"] == []


# The files and the accounts


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item.get("file_id", item.get("id")) for item in response.json()["data"]]


def test_the_files_are_listed_newest_first_and_filtered(client, session, statements):
    add_example_accounts(session, statements.setup.merchant)
    later = imported(session, [7_700], labels=["VIR AUTRE"], day=5, filename="next.txt")
    session.commit()
    upload = client.post(
        "/v1/statements",
        files={"file": ("example.txt", EXAMPLE.read_bytes(), "text/plain")},
        auth=statements.auth(),
    )
    assert upload.status_code == 201, upload.text
    example, account_a = upload.json()["file_id"], statements.setup.bank_account.id
    first, files = statements.file_id, "/v1/statements"

    listed = _get(client, statements, files)
    assert _ids(listed) == [example, later.file.id, first]
    assert listed.json()["data"][2] == _get(client, statements, f"{files}/{first}").json()
    assert _ids(_get(client, statements, files, bank_account_id=account_a)) == [
        later.file.id,
        first,
    ]
    assert _ids(_get(client, statements, files, date_from="2026-03-05")) == [later.file.id]
    assert _ids(_get(client, statements, files, date_from="2026-03-04", date_to="2026-03-04")) == [
        first
    ]
    assert _ids(_get(client, statements, files, date_to="2020-01-01")) == [example]
    page = _get(client, statements, files, limit=1, starting_after=example).json()
    assert ([f["file_id"] for f in page["data"]], page["has_more"]) == ([later.file.id], True)
    back = _get(client, statements, files, limit=2, ending_before=first).json()
    assert ([f["file_id"] for f in back["data"]], back["has_more"]) == (
        [example, later.file.id],
        False,
    )


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"date_from": "2026-03-05", "date_to": "2026-03-04"}, "date_to"),
        ({"date_from": "2026-02-30"}, "date_from"),
        ({"bank_account_id": "A"}, "bank_account_id"),
        # Past the largest BIGINT: SQLite could not compare it, the list answered 500.
        ({"bank_account_id": 2**63}, "bank_account_id"),
        ({"limit": 0}, "limit"),
        ({"starting_after": "1", "ending_before": "2"}, "ending_before"),
    ],
)
def test_a_bad_filter_is_refused_naming_it(client, statements, params, param):
    response = _get(client, statements, "/v1/statements", **params)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["param"] == param


@pytest.mark.parametrize("path", ["/v1/statements/{}", "/v1/statements/{}/entries"])
@pytest.mark.parametrize("file_id", [2**63, 0])
def test_a_file_id_no_file_can_have_is_invalid_input(client, statements, path, file_id):
    # Past the largest BIGINT, SQLite could not compare the id: these answered 500.
    response = _get(client, statements, path.format(file_id))

    assert response.status_code == 422, response.text
    assert response.json()["param"] == "file_id"


def test_the_bank_accounts_are_the_merchants_with_the_shops_contracts(client, session, statements):
    add_example_accounts(session, statements.setup.merchant)
    session.commit()
    account_a = statements.setup.bank_account.id

    listed = _get(client, statements, "/v1/bank-accounts").json()
    ids = [account["id"] for account in listed["data"]]
    assert len(ids) == 3 and ids == sorted(ids, reverse=True) and ids[-1] == account_a
    mine = listed["data"][-1]
    assert (mine["iban"], mine["contracts"], mine["currency"]) == (
        "FR7630006000011234567890189",
        [f"C{MINE}"],
        "EUR",
    )
    assert (mine["bank_code"], mine["branch_code"], mine["account_number"]) == (
        "30006",
        "00001",
        "12345678901",
    )
    assert listed["data"][0]["contracts"] == []
    page = _get(client, statements, "/v1/bank-accounts", limit=2, starting_after=ids[0]).json()
    assert ([a["id"] for a in page["data"]], page["has_more"]) == (ids[1:], False)
    theirs = _get(client, statements, "/v1/bank-accounts", STRANGER).json()["data"]
    assert [a["iban"] for a in theirs] == [IBAN_BANK_B]


# Who may see what


def test_another_merchants_statements_are_not_found(client, statements):
    file_id, account_a = statements.file_id, statements.setup.bank_account.id
    cursor = str(file_id)
    for path, params, param in [
        (f"/v1/statements/{file_id}", {}, None),
        (f"/v1/statements/{file_id}/entries", {}, "file_id"),
        ("/v1/statements", {"bank_account_id": account_a}, "bank_account_id"),
        ("/v1/statements", {"starting_after": cursor}, "starting_after"),
        ("/v1/bank-accounts", {"ending_before": str(account_a)}, "ending_before"),
        (f"/v1/statements/{file_id + 1}/entries", {}, "file_id"),
    ]:
        response = _get(client, statements, path, STRANGER, **params)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
        if param is not None:
            assert response.json()["param"] == param, path
    assert _get(client, statements, "/v1/statements", STRANGER).json()["data"] == []
    entry = str(statements.entries["credit"])
    elsewhere = _get(client, statements, "/v1/statements/999/entries", starting_after=entry)
    assert elsewhere.status_code == 404
    cursor_elsewhere = _get(
        client, statements, f"/v1/statements/{file_id}/entries", starting_after="999999"
    )
    assert cursor_elsewhere.json()["param"] == "starting_after"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/statements",
        "/v1/statements/{file_id}",
        "/v1/statements/{file_id}/entries",
        "/v1/bank-accounts",
    ],
)
def test_a_test_mode_key_sees_no_bank_data(client, session, settings, statements, path):
    key = issue_test_key(session, statements.setup.shop, settings.secret_key)
    session.commit()

    url = path.format(file_id=statements.file_id)
    response = client.get(url, headers={"Authorization": f"Bearer {key}"})
    anonymous = client.get(url)

    assert response.status_code == 403, response.text
    assert response.json()["code"] == "test_mode_key"
    assert anonymous.status_code == 401
