"""`pointage keys`: a shop's API keys, in test or production mode (docs/cli.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from pointage.auth.models import ApiKey
from pointage.auth.service.keys import (
    issue_key,
    key_of_shop,
    keys_of_shop,
    parse_mode,
    revoke_key,
)
from pointage.cli.common import load_settings, session_scope, user_errors
from pointage.cli.reconcile import cli_actor
from pointage.cli.users import when
from pointage.core.errors import PointageError
from pointage.shop.service import shop_by_shop_id

app = typer.Typer(help="API keys of a shop: create, list, revoke.", no_args_is_help=True)

ShopOption = Annotated[str, typer.Option("--shop", help="The shop's 8-digit id.")]
_OPTIONS = {"shop_id": "--shop", "mode": "--mode", "label": "--label", "key_id": "KEY_ID"}


def _option_named(exc: PointageError) -> PointageError:
    exc.param = _OPTIONS.get(exc.param or "", exc.param)
    return exc


@app.command("create")
@user_errors
def create(
    shop: ShopOption,
    mode: Annotated[str, typer.Option("--mode", help="test or production.")],
    label: Annotated[
        str | None, typer.Option("--label", help="What the key is for (100 characters).")
    ] = None,
) -> None:
    """Give the shop a new key and print it, once. Older keys stay valid until revoked."""
    settings = load_settings()
    try:
        key_mode = parse_mode(mode)
        with session_scope(settings) as session:
            issued = issue_key(
                session,
                shop_by_shop_id(session, shop),
                key_mode,
                settings.secret_key,
                actor=cli_actor(),
                label=label,
            )
    except PointageError as exc:
        raise _option_named(exc) from None
    api_key = issued.api_key
    typer.echo(f"key {api_key.id} created: {api_key.mode.lower()} mode, shop {shop}")
    typer.echo(f"key: {issued.secret}")
    typer.echo("the key is shown once: it is stored hashed", err=True)


def _line(api_key: ApiKey) -> str:
    state = (
        f"revoked {when(api_key.revoked_at)} by {api_key.revoked_by}"
        if api_key.revoked_at
        else "active"
    )
    return (
        f"{api_key.id}\t{api_key.prefix}…\t{api_key.mode.lower()}\t{api_key.label or '-'}\t"
        f"created {when(api_key.created_at)}\tlast used {when(api_key.last_used_at)}\t{state}"
    )


@app.command("list")
@user_errors
def list_keys(shop: ShopOption) -> None:
    """The shop's keys, oldest first: id, first characters, mode, label, created, last used,
    revoked. Never the key itself: it is not kept in clear."""
    settings = load_settings()
    try:
        with session_scope(settings) as session:
            found = keys_of_shop(session, shop_by_shop_id(session, shop))
            for api_key in found:
                typer.echo(_line(api_key))
    except PointageError as exc:
        raise _option_named(exc) from None
    typer.echo(f"{len(found)} key(s)")


@app.command("revoke")
@user_errors
def revoke(
    shop: ShopOption,
    key_id: Annotated[int, typer.Argument(help="The key's id (pointage keys list).")],
) -> None:
    """Revoke one of the shop's keys: it stops working at once."""
    settings = load_settings()
    try:
        with session_scope(settings) as session:
            found = shop_by_shop_id(session, shop)
            already = key_of_shop(session, found, key_id).revoked_at
            revoke_key(session, found, key_id, actor=cli_actor())
    except PointageError as exc:
        raise _option_named(exc) from None
    if already is not None:
        typer.echo(f"key {key_id} of shop {shop} was already revoked on {when(already)}")
    else:
        typer.echo(f"key {key_id} of shop {shop} revoked")
