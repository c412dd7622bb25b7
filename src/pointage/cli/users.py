"""`pointage users`: the people who sign in to the back office (docs/cli.md)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

import typer

from pointage.auth.service import users
from pointage.cli.common import load_settings, session_scope, user_errors
from pointage.cli.reconcile import cli_actor
from pointage.core.errors import InvalidInput, PointageError
from pointage.status.operators import set_operator

app = typer.Typer(
    help="Back-office users: create, list, disable, reset a password.", no_args_is_help=True
)

_OPTIONS = {"shop": "--shop", "role": "--role", "password": "--password-stdin", "email": "EMAIL"}
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input instead of generating one.",
    ),
]


@contextmanager
def _named_by_option() -> Iterator[None]:
    """Errors name the option the user typed, not the service's field."""
    try:
        yield
    except PointageError as exc:
        exc.param = _OPTIONS.get(exc.param or "", exc.param)
        raise


def read_password() -> str:
    """The first line of standard input, without its line ending."""
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise InvalidInput("no password on standard input", param="--password-stdin")
    return line


def when(instant: datetime | None, never: str = "never") -> str:
    return f"{instant:%Y-%m-%d %H:%M} UTC" if instant else never


def _show_once(password: str | None) -> None:
    if password is not None:
        typer.echo(f"password: {password}")
        typer.echo("the password is shown once: it is stored hashed", err=True)


@app.command("create")
@user_errors
def create(
    email: Annotated[str, typer.Argument(help="The person's e-mail address (their login).")],
    role: Annotated[str, typer.Option("--role", help="admin, accountant or read_only.")],
    shop: Annotated[
        list[str], typer.Option("--shop", help="A shop (8-digit id) the user sees; repeat.")
    ],
    password_stdin: PasswordStdin = False,
    operator: Annotated[
        bool, typer.Option("--operator", help="The user also runs the public status page.")
    ] = False,
) -> None:
    """Create a user who sees the shops given, and print the generated password once."""
    password = read_password() if password_stdin else None
    settings = load_settings()
    with _named_by_option(), session_scope(settings) as session:
        created = users.create_user(
            session,
            email,
            users.parse_role(role),
            shop,
            password=password,
            actor=cli_actor(),
        )
        user = created.user
        if operator:
            set_operator(session, user.email, True, actor=cli_actor())
        shops = ", ".join(s.shop_id for s in users.shops_visible_to(session, user))
    extra = ", status page operator" if operator else ""
    typer.echo(f"user {user.email} created: {user.role}, shops {shops}{extra}")
    _show_once(created.password)


@app.command("list")
@user_errors
def list_users() -> None:
    """Every user: address, role, shops, creation, last sign-in, and whether disabled."""
    settings = load_settings()
    with session_scope(settings) as session:
        found = users.list_users(session)
        for user, shops in found:
            state = f"disabled {when(user.disabled_at)}" if user.disabled_at else "active"
            typer.echo(
                f"{user.email}\t{user.role}\t{','.join(s.shop_id for s in shops)}\t"
                f"created {when(user.created_at)}\tlast sign-in {when(user.last_login_at)}\t"
                f"{state}"
            )
    typer.echo(f"{len(found)} user(s)")


@app.command("disable")
@user_errors
def disable(email: Annotated[str, typer.Argument(help="The user's e-mail address.")]) -> None:
    """Stop a user from signing in; their history stays."""
    settings = load_settings()
    with _named_by_option(), session_scope(settings) as session:
        user = users.user_by_email(session, email)
        already = user.disabled_at
        users.disable_user(session, user, actor=cli_actor())
    if already is not None:
        typer.echo(f"user {user.email} was already disabled on {when(already)}")
    else:
        typer.echo(f"user {user.email} disabled")


@app.command("set-password")
@user_errors
def set_password(
    email: Annotated[str, typer.Argument(help="The user's e-mail address.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Replace a user's password: read from standard input, or generated and printed once."""
    password = read_password() if password_stdin else None
    settings = load_settings()
    with _named_by_option(), session_scope(settings) as session:
        user = users.user_by_email(session, email)
        generated = users.set_password(session, user, password, actor=cli_actor())
    typer.echo(f"password of {user.email} changed")
    _show_once(generated)


@app.command("set-operator")
@user_errors
def operator_flag(
    email: Annotated[str, typer.Argument(help="The user's e-mail address.")],
    no: Annotated[bool, typer.Option("--no", help="Take the operator's rights away.")] = False,
) -> None:
    """Let a user run the public status page (incidents, maintenance, overrides), or not."""
    settings = load_settings()
    with _named_by_option(), session_scope(settings) as session:
        user = set_operator(session, email, not no, actor=cli_actor())
    state = "no longer an operator" if no else "an operator of the status page"
    typer.echo(f"user {user.email} is {state}")
