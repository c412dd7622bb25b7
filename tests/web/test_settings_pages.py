"""Settings pages: the index, contracts and bank accounts; who may open them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pointage.shop.models import BankAccount, Contract, Shop
from tests.web.backoffice_world import GIVEN, World
from tests.web.settings_world import accountant, admin, send, world

__all__ = ["accountant", "admin", "world"]  # fixtures

IBAN = "FR7630006000011234567890189"
SETTINGS_PAGES = [
    "/settings",
    "/settings/contracts",
    "/settings/bank-accounts",
]


def _account(client) -> None:
    data = {
        "label": "Main account",
        "iban": "FR76 3000 6000 0112 3456 7890 189",
        "bic": "",
        "currency": "EUR",
    }
    answer = send(client, "/settings/bank-accounts", data, "/settings/bank-accounts")
    assert answer.status_code == 303


def test_the_index_links_every_section_and_the_report_settings(admin):
    page = admin.get("/settings")
    assert page.status_code == 200
    for path in [
        "/settings/contracts",
        "/settings/bank-accounts",
        "/settings/users",
        "/settings/api-keys",
        "/settings/webhooks",
        "/reports/settings",
    ]:
        assert f'href="{path}"' in page.text


@pytest.mark.parametrize("path", SETTINGS_PAGES)
def test_an_accountant_gets_the_access_refused_page(accountant, path):
    page = accountant.get(path)
    assert page.status_code == 403
    assert "Access refused" in page.text or "Accès refusé" in page.text


def test_a_bank_account_is_added_and_shown_masked(admin, world: World):
    _account(admin)
    page = admin.get("/settings/bank-accounts")
    assert "FR76 •••• 0189" in page.text
    assert IBAN not in page.text
    with world.factory() as session:
        account = session.scalars(select(BankAccount)).one()
        assert account.iban == IBAN and account.bic is not None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("iban", "FR76 3000 6000 0112 3456 7890 180"),
        ("label", ""),
        ("currency", "EURO"),
        ("bic", "NOTABIC"),
    ],
)
def test_a_wrong_bank_account_field_is_named_and_nothing_is_added(admin, world, field, value):
    data = {"label": "Main", "iban": IBAN, "bic": "", "currency": "EUR", field: value}
    answer = send(admin, "/settings/bank-accounts", data, "/settings/bank-accounts")
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.text
    with world.factory() as session:
        assert session.scalars(select(BankAccount)).all() == []


def test_the_same_iban_twice_is_refused_on_its_field(admin):
    _account(admin)
    data = {"label": "Again", "iban": IBAN, "bic": "", "currency": "EUR"}
    answer = send(admin, "/settings/bank-accounts", data, "/settings/bank-accounts")
    assert answer.status_code == 422
    assert 'id="iban-error"' in answer.text


def _contract_form(account_id: int, **changes: str) -> dict[str, str]:
    form = {
        "number": "1234567",
        "acquirer": "BNP",
        "bank_account": str(account_id),
        "fee_rate": "1,25",
        "fee_fixed": "0.10",
        "settlement_mode": "gross",
        "credit_delay_days": "2",
        "grace_business_days": "3",
        "fee_tolerance": "0.05",
        "cutoff_time": "22:30",
        "brands": "cb, visa",
    }
    return {**form, **changes}


def _account_id(world: World) -> int:
    with world.factory() as session:
        return session.scalars(select(BankAccount.id)).one()


def test_a_contract_is_created_for_the_selected_shop(admin, world):
    _account(admin)
    answer = send(
        admin, "/settings/contracts", _contract_form(_account_id(world)), "/settings/contracts"
    )
    assert answer.status_code == 303
    with world.factory() as session:
        contract = session.scalars(select(Contract)).one()
        shop = session.get(Shop, contract.shop_id)
        assert shop is not None and shop.shop_id == next(iter(GIVEN))
        assert (contract.fee_rate_bp, contract.fee_fixed_minor, contract.fee_tolerance_minor) == (
            125,
            10,
            5,
        )
        assert (contract.settlement_mode, contract.brands) == ("gross", "CB,VISA")
        assert contract.cutoff_time.isoformat() == "22:30:00"
    page = admin.get("/settings/contracts")
    assert "1234567" in page.text and "FR76 •••• 0189" in page.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("number", "12-34"),
        ("fee_rate", "101"),
        ("fee_rate", "1.255"),
        ("fee_fixed", "-1"),
        ("fee_fixed", "0.001"),
        ("settlement_mode", "both"),
        ("credit_delay_days", "31"),
        ("grace_business_days", "x"),
        ("fee_tolerance", "1000.01"),
        ("cutoff_time", "25:00"),
        ("brands", "CB;VISA"),
        ("bank_account", "999"),
        ("acquirer", ""),
    ],
)
def test_a_wrong_contract_field_is_named_and_nothing_is_created(admin, world, field, value):
    _account(admin)
    form = _contract_form(_account_id(world), **{field: value})
    answer = send(admin, "/settings/contracts", form, "/settings/contracts")
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.text
    with world.factory() as session:
        assert session.scalars(select(Contract)).all() == []
