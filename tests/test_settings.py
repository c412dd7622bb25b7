"""Settings: read from POINTAGE_* variables; production refuses weak secrets."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pointage.settings import DEFAULT_SECRET_KEY, Environment, Settings

STRONG_SECRET = "k3J9x-Qw7pZr2Lm8Vt5Ny1Bc6Hd4Fg0Sa"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "ENVIRONMENT",
        "SECRET_KEY",
        "DATABASE_URL",
        "PORT",
        "SCHEDULER_ENABLED",
        "SCHEDULER_INTERVAL_SECONDS",
        "LOG_LEVEL",
    ):
        monkeypatch.delenv(f"POINTAGE_{name}", raising=False)


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_defaults_are_for_development() -> None:
    settings = _settings()
    assert settings.environment is Environment.DEVELOPMENT
    assert settings.secret_key == DEFAULT_SECRET_KEY
    assert settings.is_sqlite


@pytest.mark.parametrize("secret", [DEFAULT_SECRET_KEY, "short-secret", "x" * 31])
def test_production_refuses_a_default_or_short_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="POINTAGE_SECRET_KEY must be set"):
        _settings(environment="production", secret_key=secret)


def test_production_refuses_the_default_when_no_secret_is_given() -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        _settings(environment="production")


def test_production_accepts_a_long_random_secret() -> None:
    settings = _settings(environment="production", secret_key=STRONG_SECRET)
    assert settings.environment is Environment.PRODUCTION
    assert settings.secret_key == STRONG_SECRET


def test_settings_are_read_from_pointage_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POINTAGE_ENVIRONMENT", "production")
    monkeypatch.setenv("POINTAGE_SECRET_KEY", STRONG_SECRET)
    monkeypatch.setenv("POINTAGE_DATABASE_URL", "postgresql+psycopg://db/pointage")
    monkeypatch.setenv("POINTAGE_PORT", "9000")
    monkeypatch.setenv("POINTAGE_SCHEDULER_ENABLED", "false")
    monkeypatch.setenv("PORT", "1234")  # without the prefix: not ours
    settings = _settings()
    assert settings.environment is Environment.PRODUCTION
    assert settings.secret_key == STRONG_SECRET
    assert settings.database_url == "postgresql+psycopg://db/pointage"
    assert not settings.is_sqlite
    assert settings.port == 9000
    assert settings.scheduler_enabled is False


def test_a_weak_secret_from_the_environment_is_refused_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POINTAGE_ENVIRONMENT", "production")
    monkeypatch.setenv("POINTAGE_SECRET_KEY", "changeme")
    with pytest.raises(ValidationError, match="POINTAGE_SECRET_KEY"):
        _settings()


def test_a_bad_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POINTAGE_ENVIRONMENT", "staging")
    with pytest.raises(ValidationError, match="environment"):
        _settings()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("POINTAGE_PORT", "0"),
        ("POINTAGE_PORT", "70000"),
        ("POINTAGE_LOG_LEVEL", "LOUD"),
        ("POINTAGE_DATABASE_URL", "mysql://root@localhost/pointage"),
        ("POINTAGE_SCHEDULER_INTERVAL_SECONDS", "0"),
    ],
)
def test_out_of_range_values_are_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=variable.removeprefix("POINTAGE_").lower()):
        _settings()


def test_the_log_level_is_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POINTAGE_LOG_LEVEL", "debug")
    assert _settings().log_level == "DEBUG"
