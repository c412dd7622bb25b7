"""What every CLI command needs: settings, a unit of work, and one-line errors."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn, ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.orm import Session

from pointage.core.errors import FileRejected, PointageError
from pointage.db.session import make_engine, make_session_factory, unit_of_work
from pointage.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        fail(f"invalid setting {where}: {first['msg']}")


@contextmanager
def session_scope(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.database_url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def user_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn domain errors into one line on stderr and exit status 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except FileRejected as exc:
            typer.echo(f"error: {exc.message}", err=True)
            for line in exc.errors[:50]:
                typer.echo(f"  {line}", err=True)
            if len(exc.errors) > 50:
                typer.echo(f"  … and {len(exc.errors) - 50} more", err=True)
            raise typer.Exit(1) from None
        except PointageError as exc:
            where = f" ({exc.param})" if exc.param else ""
            typer.echo(f"error: {exc.message}{where}", err=True)
            raise typer.Exit(1) from None

    return wrapper
