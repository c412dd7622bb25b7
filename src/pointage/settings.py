"""Settings, read from the environment with the prefix POINTAGE_ (or a .env file).

Every setting is documented in docs/configuration.md.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pointage.matching.settings import PatternError, bank_patterns_from_json
from pointage.status.thresholds import ThresholdError, parse_thresholds

# Development default, refused in production by the validator below.
DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me-in-production-0000"  # noqa: S105


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POINTAGE_", env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = Field(
        default="sqlite:///pointage.db",
        description="SQLAlchemy URL: SQLite file by default, postgresql+psycopg://… in production",
    )
    secret_key: str = Field(
        default=DEFAULT_SECRET_KEY,
        description="Signs sessions, encrypts shop keys; required in production",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    scheduler_enabled: bool = Field(
        default=True,
        description="Run the daily capture batch in-process at each contract's cut-off.",
    )
    scheduler_interval_seconds: int = Field(default=60, ge=1)
    statement_max_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1,
        description="Largest bank statement file POST /v1/statements accepts, in bytes.",
    )
    log_level: Literal["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"] = "INFO"
    remittance_patterns: str = Field(
        default="",
        description="JSON object: bank code → regular expressions that find the remittance "
        "number (named group `number`) in that bank's lines, tried before the generic ones.",
    )
    reconcile_after_import: bool = Field(
        default=True,
        description="Run reconciliation for the merchant after a statement import that "
        "imported entries.",
    )
    reconcile_auto_threshold: int = Field(
        default=70,
        ge=1,
        description="Score from which the engine applies a unique best match automatically.",
    )

    reports_dir: str = Field(
        default="reports",
        description="Folder where generated journals are kept (one file per shop, journal, "
        "period and format).",
    )
    smtp_host: str = Field(default="", description="SMTP server reports are e-mailed through.")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = Field(default=True, description="Upgrade the connection with STARTTLS.")
    smtp_username: str = Field(default="", description="SMTP login; empty: no login.")
    smtp_password: str = Field(default="", description="SMTP password.")
    smtp_from: str = Field(
        default="pointage@localhost", description="Sender address of the report e-mails."
    )
    delivery_timeout_seconds: int = Field(
        default=30, ge=1, description="Connection timeout of an SMTP or SFTP delivery."
    )
    delivery_max_attempts: int = Field(
        default=6, ge=1, description="Attempts of a delivery before it is marked failed."
    )
    delivery_backoff_seconds: int = Field(
        default=60,
        ge=1,
        description="Wait before the second attempt; doubled after each failure.",
    )

    # Resource API: how long an Idempotency-Key is remembered (pointage.web.idempotency).
    idempotency_ttl_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 30,
        description="Hours an Idempotency-Key and its stored answer are kept.",
    )

    # Authentication failures (pointage.auth.service.limits): per client address and identity.
    auth_max_failures: int = Field(
        default=10,
        ge=1,
        description="Failed authentications allowed per client address, and per identity, "
        "within the window; more are refused with 429 without checking the credentials.",
    )
    auth_failure_window_seconds: int = Field(
        default=300,
        ge=1,
        le=24 * 3600,
        description="Sliding window over which authentication failures are counted.",
    )

    # Webhooks (pointage.jobs.webhooks): signed deliveries of events to merchants' endpoints.
    webhook_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        le=3600,
        description="How often the dispatcher looks for webhook deliveries due.",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=120,
        description="Time an endpoint has to answer a delivery before the attempt fails.",
    )
    webhook_retry_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 7,
        description="Failed deliveries are retried until this long after their event.",
    )
    webhook_allow_http_loopback: bool = Field(
        default=False,
        description="Development: accept endpoints on the loopback address, in http too.",
    )

    # Back-office sessions (pointage.web.session): a signed cookie, ended by inactivity.
    session_cookie_name: str = Field(
        default="pointage_session",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Name of the back office's session cookie.",
    )
    session_max_age_seconds: int = Field(
        default=8 * 3600,
        ge=60,
        le=30 * 24 * 3600,
        description="A back-office session ends after this long without a request.",
    )
    secure_cookies: bool = Field(
        default=False,
        description="Mark the session cookie Secure even when the request reached the server "
        "in plain http (behind a proxy that terminates TLS).",
    )

    public_url: str = Field(
        default="",
        description="The address people reach this server at (https://pay.example.com), for "
        "the links of e-mails: status page subscription confirmations and unsubscriptions. "
        "Empty: http://<host>:<port>.",
    )
    status_probe_seconds: int = Field(
        default=60,
        ge=5,
        le=3600,
        description="How often the status page's probes run, in seconds.",
    )
    status_thresholds: str = Field(
        default="",
        description="JSON object changing the status probes' thresholds (docs/status.md); "
        "empty: the defaults.",
    )
    status_snapshot_file: str = Field(
        default="status-snapshot.json",
        description="File the status page keeps its last known state in, to answer from "
        "while the database is unreachable.",
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("remittance_patterns")
    @classmethod
    def _usable_patterns(cls, value: str) -> str:
        # Checked at start-up: a bad pattern stops the process with the bank and index
        # named, rather than a run failing later.
        try:
            bank_patterns_from_json(value)
        except PatternError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("status_thresholds")
    @classmethod
    def _usable_thresholds(cls, value: str) -> str:
        try:
            parse_thresholds(value)
        except ThresholdError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return value

    @model_validator(mode="after")
    def _refuse_default_secrets_in_production(self) -> Settings:
        weak = self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32
        if self.environment is Environment.PRODUCTION and weak:
            raise ValueError(
                "POINTAGE_SECRET_KEY must be set to a random value of at least 32 "
                "characters in production"
            )
        return self

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
