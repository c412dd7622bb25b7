"""Pydantic I/O of webhooks. An event's JSON here is, byte for byte, the body of its
deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pointage.webhook.models import (
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEndpoint,
    WebhookEvent,
)

_EVENTS_HELP = (
    "Event types to receive: transaction.updated, transaction.reconciliation_status_changed, "
    "remittance.credited, chargeback.received, report.ready, statement.imported"
)


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2048, description="https:// URL that receives the events")
    events: list[str] = Field(min_length=1, max_length=20, description=_EVENTS_HELP)
    description: str | None = Field(None, max_length=500)
    enabled: bool = True


class EndpointPatch(BaseModel):
    """The fields to change; the others stay as they are."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, max_length=2048)
    events: list[str] | None = Field(None, min_length=1, max_length=20, description=_EVENTS_HELP)
    description: str | None = Field(None, max_length=500, description="null clears it")
    enabled: bool | None = Field(
        None, description="false: nothing more is sent, and pending deliveries fail"
    )


class RotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    previous_secret_valid_hours: int = Field(
        24,
        ge=0,
        le=168,
        description="How long deliveries stay signed with the previous secret too "
        "(0: it stops at once)",
    )


class EndpointOut(BaseModel):
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    id: int
    url: str
    description: str | None
    events: list[str]
    enabled: bool
    mode: str = Field(description="TEST or PRODUCTION: the events it receives")
    created_at: datetime
    updated_at: datetime
    disabled_at: datetime | None
    previous_secret_expires_at: datetime | None = Field(
        description="Until then, deliveries carry a second v1 signature, with the previous secret"
    )

    @classmethod
    def of(cls, endpoint: WebhookEndpoint, events: list[str]) -> EndpointOut:
        return cls(
            id=endpoint.id,
            url=endpoint.url,
            description=endpoint.description,
            events=events,
            enabled=endpoint.enabled,
            mode=endpoint.mode,
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
            disabled_at=endpoint.disabled_at,
            previous_secret_expires_at=endpoint.previous_secret_expires_at,
        )


class EndpointWithSecretOut(EndpointOut):
    secret: str = Field(description="whsec_…: signs the deliveries. Shown only this once")

    @classmethod
    def with_secret(
        cls, endpoint: WebhookEndpoint, events: list[str], secret: str
    ) -> EndpointWithSecretOut:
        return cls(**EndpointOut.of(endpoint, events).model_dump(), secret=secret)


class EventData(BaseModel):
    object: dict[str, Any] = Field(description="The object as the API shows it")
    previous_attributes: dict[str, Any] | None = Field(
        None, description="The attributes that changed, as they were before"
    )


class EventOut(BaseModel):
    """Something that happened; the body of each delivery."""

    id: str = Field(description="evt_…: the same in every delivery of the event")
    object: Literal["event"] = "event"
    type: str
    mode: str = Field(description="TEST or PRODUCTION")
    created_at: datetime
    data: EventData

    @classmethod
    def of(cls, event: WebhookEvent) -> EventOut:
        return cls(
            id=event.public_id,
            type=event.type,
            mode=event.mode,
            created_at=event.created_at,
            data=EventData(object=event.payload or {}, previous_attributes=event.previous),
        )

    def body(self) -> bytes:
        """The JSON bytes a delivery carries (and signs)."""
        return self.model_dump_json().encode("utf-8")


class AttemptOut(BaseModel):
    at: datetime
    duration_ms: int
    response_status: int | None = Field(description="null when the endpoint did not answer")
    error: str | None
    response_excerpt: str | None = Field(description="The start of the endpoint's answer")
    replay: bool = Field(description="Asked for by a person (replay), not scheduled")

    @classmethod
    def of(cls, attempt: WebhookDeliveryAttempt) -> AttemptOut:
        return cls(
            at=attempt.at,
            duration_ms=attempt.duration_ms,
            response_status=attempt.response_status,
            error=attempt.error,
            response_excerpt=attempt.response_excerpt,
            replay=attempt.replay,
        )


class DeliveryOut(BaseModel):
    object: Literal["webhook_delivery"] = "webhook_delivery"
    id: int
    endpoint_id: int
    event_id: str
    event_type: str
    status: str = Field(description="pending, delivered or failed")
    attempt_count: int
    next_attempt_at: datetime | None
    last_response_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    attempts: list[AttemptOut] = Field(description="The log, oldest first")

    @classmethod
    def of(
        cls,
        delivery: WebhookDelivery,
        event: WebhookEvent,
        attempts: list[WebhookDeliveryAttempt],
    ) -> DeliveryOut:
        return cls(
            id=delivery.id,
            endpoint_id=delivery.endpoint_id,
            event_id=event.public_id,
            event_type=event.type,
            status=delivery.status,
            attempt_count=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at,
            last_response_status=delivery.last_response_status,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
            attempts=[AttemptOut.of(a) for a in attempts],
        )
