"""`pointage keys …`: a key printed once at creation and working at once, listed without the
key itself, revoked; one-line errors naming the option, exit status 1."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from pointage.auth.models import ApiKey
from pointage.auth.service.keys import authenticate_basic, authenticate_bearer
from pointage.cli.main import app
from pointage.core.errors import AuthenticationFailed
from pointage.core.statuses import Mode
from tests.factories import IBAN_BANK_B, make_shop

SECRET = "test-secret-key-0123456789abcdef0123456789"


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    return {"POINTAGE_DATABASE_URL": database_url, "POINTAGE_SECRET_KEY": SECRET}


@pytest.fixture
def shops(session) -> None:
    make_shop(session)
    make_shop(session, shop_id="87654321", iban=IBAN_BANK_B)
    session.commit()


def invoke(env: dict[str, str], *args: str):
    return CliRunner().invoke(app, ["keys", *args], env=env)


def create(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = invoke(env, "create", *args)
    assert result.exit_code == 0, result.output
    summary, key_line = result.stdout.splitlines()
    key_id = int(summary.split()[1])
    return key_id, key_line.removeprefix("key: ")


def test_create_prints_the_key_once_and_it_works_in_its_mode(env, shops, session):
    result = invoke(env, "create", "--shop", "12345678", "--mode", "Production", "--label", "site")
    assert result.exit_code == 0, result.output
    summary, key_line = result.stdout.splitlines()
    key = key_line.removeprefix("key: ")
    stored = session.scalars(select(ApiKey)).one()
    assert summary == f"key {stored.id} created: production mode, shop 12345678"
    assert key.startswith("prodpassword_12345678_")
    assert "shown once" in result.stderr
    assert stored.label == "site" and stored.created_by.startswith("cli")
    caller = authenticate_basic(session, "12345678", key)
    assert caller.mode is Mode.PRODUCTION and caller.api_key_id == stored.id
    session.rollback()  # a key's use is written: let the command have the database
    _, test_key = create(env, "--shop", "87654321", "--mode", "test")
    assert authenticate_bearer(session, test_key).mode is Mode.TEST


def test_list_shows_everything_but_the_key_and_revoke_stops_it(env, shops, session):
    first, first_key = create(env, "--shop", "12345678", "--mode", "test", "--label", "shop site")
    second, second_key = create(env, "--shop", "12345678", "--mode", "production")
    create(env, "--shop", "87654321", "--mode", "production")  # another shop's: not listed
    authenticate_bearer(session, second_key)  # records its use
    session.commit()

    listed = invoke(env, "list", "--shop", "12345678")
    assert listed.exit_code == 0, listed.output
    assert first_key not in listed.output and second_key not in listed.output
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert rows[-1] == ["2 key(s)"]
    assert [row[:4] for row in rows[:-1]] == [
        [str(first), first_key[:25] + "…", "test", "shop site"],
        [str(second), second_key[:25] + "…", "production", "-"],
    ]
    assert rows[0][5] == "last used never"
    assert rows[1][5].startswith("last used 20") and rows[1][5].endswith(" UTC")
    assert rows[0][6] == rows[1][6] == "active"

    revoked = invoke(env, "revoke", "--shop", "12345678", str(first))
    assert revoked.exit_code == 0, revoked.output
    assert revoked.stdout.strip() == f"key {first} of shop 12345678 revoked"
    again = invoke(env, "revoke", "--shop", "12345678", str(first))
    assert again.stdout.startswith(f"key {first} of shop 12345678 was already revoked on ")
    with pytest.raises(AuthenticationFailed):
        authenticate_bearer(session, first_key)
    assert authenticate_bearer(session, second_key)
    session.rollback()
    after = invoke(env, "list", "--shop", "12345678").stdout.splitlines()[0].split("\t")
    assert after[6].startswith("revoked 20") and " by cli" in after[6]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "--shop", "12345678", "--mode", "live"], "error: mode must be test or production, got 'live' (--mode)"),  # noqa: E501
        (["create", "--shop", "99999999", "--mode", "test"], "error: shop 99999999 not found (--shop)"),  # noqa: E501
        (["create", "--shop", "12345678", "--mode", "test", "--label", "x" * 101], "error: a key's label is at most 100 characters (--label)"),  # noqa: E501
        (["list", "--shop", "99999999"], "error: shop 99999999 not found (--shop)"),
        (["revoke", "--shop", "12345678", "999"], "error: API key 999 not found (KEY_ID)"),
    ],
)  # fmt: skip
def test_errors_are_one_line_and_change_nothing(env, shops, session, args, message):
    result = invoke(env, *args)
    assert result.exit_code == 1
    assert result.stderr.strip() == message
    assert session.scalars(select(ApiKey)).all() == []


def test_a_shop_cannot_revoke_another_shops_key(env, shops, session):
    theirs, key = create(env, "--shop", "87654321", "--mode", "production")
    result = invoke(env, "revoke", "--shop", "12345678", str(theirs))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: API key {theirs} not found (KEY_ID)"
    assert authenticate_bearer(session, key).shop.shop_id == "87654321"
