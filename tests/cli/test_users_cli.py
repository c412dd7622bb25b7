"""`pointage users …`: create with a generated or given password, list, disable, reset;
one-line errors naming the option, exit status 1."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from pointage.auth.models import User
from pointage.auth.service.users import authenticate_user, shops_visible_to
from pointage.cli.main import app
from pointage.core.errors import AuthenticationFailed
from tests.factories import IBAN_BANK_B, make_shop


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    return {"POINTAGE_DATABASE_URL": database_url}


@pytest.fixture
def shops(session) -> None:
    make_shop(session)
    make_shop(session, shop_id="87654321", iban=IBAN_BANK_B)
    session.commit()


def invoke(env: dict[str, str], *args: str, input: str | None = None):
    return CliRunner().invoke(app, ["users", *args], env=env, input=input)


def lines(result) -> list[str]:
    return result.stdout.splitlines()


def test_create_prints_the_generated_password_once_and_it_signs_in(env, shops, session):
    result = invoke(
        env, "create", "Alice@Example.com", "--role", "accountant", "--shop", "87654321",
        "--shop", "12345678",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    created, password_line = lines(result)
    assert created == "user alice@example.com created: accountant, shops 12345678, 87654321"
    password = password_line.removeprefix("password: ")
    assert len(password) >= 20
    assert "shown once" in result.stderr
    user = authenticate_user(session, "alice@example.com", password)
    assert user.role == "accountant"
    assert [s.shop_id for s in shops_visible_to(session, user)] == ["12345678", "87654321"]


def test_create_reads_the_password_from_standard_input_and_prints_none(env, shops, session):
    result = invoke(
        env, "create", "bob@example.com", "--role", "read_only", "--shop", "12345678",
        "--password-stdin", input="a long enough password\nignored second line\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert lines(result) == ["user bob@example.com created: read_only, shops 12345678"]
    assert "a long enough password" not in result.output
    assert authenticate_user(session, "bob@example.com", "a long enough password")


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["x@example.com", "--role", "owner"],
            None,
            "error: role must be one of admin, accountant, read_only (--role)",
        ),
        (["x@example.com", "--shop", "99999999"], None, "error: shop 99999999 not found (--shop)"),
        (["not-an-address"], None, "error: email must be an address like name@example.com (EMAIL)"),
        (
            ["x@example.com", "--password-stdin"],
            "too short\n",
            "error: a password needs at least 12 characters (--password-stdin)",
        ),
        (
            ["x@example.com", "--password-stdin"],
            "",
            "error: no password on standard input (--password-stdin)",
        ),
        (
            ["x@example.com", "--password-stdin"],
            "x@example.com\n",
            "error: a password cannot be the e-mail address (--password-stdin)",
        ),
    ],
)
def test_create_errors_are_one_line_and_store_nothing(env, shops, session, args, stdin, message):
    defaults = {"--role": "admin", "--shop": "12345678"}
    for option, value in defaults.items():
        if option not in args:
            args = [*args, option, value]
    result = invoke(env, "create", *args, input=stdin)
    assert result.exit_code == 1
    assert result.stderr.strip() == message
    assert "Traceback" not in result.output
    assert session.scalars(select(User)).all() == []


def test_the_same_address_twice_is_refused(env, shops):
    assert (
        invoke(env, "create", "a@example.com", "--role", "admin", "--shop", "12345678").exit_code
        == 0
    )
    again = invoke(env, "create", "A@example.com", "--role", "admin", "--shop", "12345678")
    assert again.exit_code == 1
    assert again.stderr.strip() == (
        "error: a user with the address a@example.com already exists (EMAIL)"
    )


def test_list_disable_and_set_password(env, shops, session):
    invoke(env, "create", "zoe@example.com", "--role", "read_only", "--shop", "87654321")
    invoke(
        env,
        "create",
        "alice@example.com",
        "--role",
        "admin",
        "--shop",
        "12345678",
        "--shop",
        "87654321",
    )
    listed = invoke(env, "list")
    assert listed.exit_code == 0, listed.output
    rows = [line.split("\t") for line in lines(listed)]
    assert [row[:3] for row in rows[:-1]] == [
        ["alice@example.com", "admin", "12345678,87654321"],
        ["zoe@example.com", "read_only", "87654321"],
    ]
    assert rows[0][4] == "last sign-in never" and rows[0][5] == "active"
    assert rows[-1] == ["2 user(s)"]

    disabled = invoke(env, "disable", "ZOE@example.com")
    assert disabled.exit_code == 0, disabled.output
    assert lines(disabled) == ["user zoe@example.com disabled"]
    again = invoke(env, "disable", "zoe@example.com")
    assert lines(again)[0].startswith("user zoe@example.com was already disabled on ")
    assert invoke(env, "list").stdout.splitlines()[1].split("\t")[5].startswith("disabled ")

    reset = invoke(env, "set-password", "alice@example.com")
    assert reset.exit_code == 0, reset.output
    changed, password_line = lines(reset)
    assert changed == "password of alice@example.com changed"
    assert authenticate_user(session, "alice@example.com", password_line.removeprefix("password: "))
    session.rollback()  # a sign-in writes: let the command have the database
    given = invoke(
        env, "set-password", "alice@example.com", "--password-stdin", input="chosen password 1\n"
    )
    assert lines(given) == ["password of alice@example.com changed"]
    session.rollback()
    assert authenticate_user(session, "alice@example.com", "chosen password 1")
    with pytest.raises(AuthenticationFailed):
        authenticate_user(session, "zoe@example.com", "anything at all")


@pytest.mark.parametrize("command", ["disable", "set-password"])
def test_an_unknown_user_is_one_line(env, shops, command):
    result = invoke(env, command, "nobody@example.com")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: no user has the address nobody@example.com (EMAIL)"
