"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from pointage.db.base import Base
from pointage.db.migrate import alembic_config, check, upgrade
from pointage.db.session import make_engine


def test_models_and_migrations_agree(database_url):
    # alembic check raises if autogenerate would produce any operation.
    check(database_url)


def test_every_model_table_exists_after_upgrade(database_url):
    engine = make_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrade_is_repeatable(database_url):
    upgrade(database_url)
    upgrade(database_url)
    check(database_url)


def test_there_is_a_single_head():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_constraint_names_follow_the_convention(database_url):
    engine = make_engine(database_url)
    try:
        uniques = inspect(engine).get_unique_constraints("transaction")
    finally:
        engine.dispose()
    names = {u["name"] for u in uniques}
    assert "uq_transaction_shop_id_transaction_date_transaction_id" in names


def test_downgrade_to_the_first_revision_and_back(database_url):
    config = alembic_config(database_url)
    command.downgrade(config, "0001")
    command.upgrade(config, "head")
    check(database_url)
