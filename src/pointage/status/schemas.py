"""Pydantic I/O of the operators' API of the status page (/v1/status/)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from pointage.status.models import StatusComponent, StatusIncident, StatusIncidentUpdate

ComponentState = Literal[
    "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"
]
_KEYS_HELP = (
    "Component keys: api, backoffice, ipn, capture_batch, reconciliation, report_delivery, "
    "statement_import, database"
)
_STATES_HELP = _KEYS_HELP + "; each with the state the operator says it is in"


class IncidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="What is wrong, in a line")
    impact: Literal["none", "minor", "major", "critical"] = Field(description="How bad it is")
    components: dict[str, ComponentState] = Field(
        default_factory=dict, max_length=20, description=_STATES_HELP
    )
    body: str = Field(min_length=1, max_length=10_000, description="The first update's text")
    status: Literal["investigating", "identified", "monitoring"] = Field(
        "investigating", description="The status it opens in"
    )


class UpdateIn(BaseModel):
    """A new step of an incident's timeline (investigating, identified, monitoring,
    resolved), or of a maintenance's (in_progress, verifying, completed)."""

    model_config = ConfigDict(extra="forbid")

    status: Literal[
        "investigating",
        "identified",
        "monitoring",
        "resolved",
        "in_progress",
        "verifying",
        "completed",
    ] = Field(description="The status after this update")
    body: str = Field(min_length=1, max_length=10_000, description="What is said")
    components: dict[str, ComponentState] = Field(
        default_factory=dict, max_length=20, description=_STATES_HELP + " (incidents only)"
    )
    impact: Literal["none", "minor", "major", "critical"] | None = Field(
        None, description="A new impact (incidents only); null keeps it"
    )


class PostmortemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=50_000, description="The postmortem's text")
    publish: bool = Field(True, description="Show it on the page (status becomes postmortem)")


class MaintenanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="What is done, in a line")
    components: list[str] = Field(min_length=1, max_length=20, description=_KEYS_HELP)
    scheduled_for: AwareDatetime = Field(description="Start, in the future (with its offset)")
    scheduled_until: AwareDatetime = Field(description="End, after the start")
    body: str = Field(min_length=1, max_length=10_000, description="The announcement's text")


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ComponentState = Field(description="The state shown until `until`")
    until: AwareDatetime = Field(description="When the probes take over again (future)")
    reason: str = Field(min_length=1, max_length=500, description="Why, for the other operators")


class UpdateOut(BaseModel):
    id: str = Field(description="The update's public id")
    status: str = Field(description="The status the incident took with this update")
    body: str = Field(description="What was said")
    affected_components: dict[str, str] | None = Field(
        description="Component key to the state told with this update"
    )
    created_at: datetime = Field(description="When it was posted")
    display_at: datetime = Field(description="The time shown on the page")
    created_by: str = Field(description="Who posted it")

    @classmethod
    def of(cls, update: StatusIncidentUpdate) -> UpdateOut:
        return cls(
            id=update.public_id,
            status=update.status,
            body=update.body,
            affected_components={str(k): str(v) for k, v in (update.affected or {}).items()}
            or None,
            created_at=update.created_at,
            display_at=update.display_at,
            created_by=update.created_by,
        )


class IncidentOut(BaseModel):
    id: str = Field(description="The public id")
    kind: Literal["incident", "maintenance"] = Field(description="Incident or maintenance")
    name: str = Field(description="Its name")
    status: str = Field(description="Its current status")
    impact: str = Field(description="none, minor, major, critical, or maintenance")
    draft: bool = Field(description="Opened by a probe and not yet published")
    created_at: datetime = Field(description="When it was opened or scheduled")
    updated_at: datetime = Field(description="Its last update")
    started_at: datetime | None = Field(description="When it started")
    monitoring_at: datetime | None = Field(description="When it went to monitoring")
    resolved_at: datetime | None = Field(description="When it was resolved or completed")
    scheduled_for: datetime | None = Field(description="A maintenance's announced start")
    scheduled_until: datetime | None = Field(description="A maintenance's announced end")
    postmortem_body: str | None = Field(description="The postmortem, once written")
    postmortem_published_at: datetime | None = Field(description="When it was published")
    components: list[str] = Field(description="The keys of the components it affects")
    updates: list[UpdateOut] = Field(description="The timeline, newest first")

    @classmethod
    def of(
        cls,
        incident: StatusIncident,
        components: Sequence[StatusComponent],
        updates: Sequence[StatusIncidentUpdate],
    ) -> IncidentOut:
        return cls(
            id=incident.public_id,
            kind="maintenance" if incident.kind == "maintenance" else "incident",
            name=incident.name,
            status=incident.status,
            impact=incident.impact,
            draft=incident.draft,
            created_at=incident.created_at,
            updated_at=incident.updated_at,
            started_at=incident.started_at,
            monitoring_at=incident.monitoring_at,
            resolved_at=incident.resolved_at,
            scheduled_for=incident.scheduled_for,
            scheduled_until=incident.scheduled_until,
            postmortem_body=incident.postmortem_body,
            postmortem_published_at=incident.postmortem_published_at,
            components=[c.key for c in components],
            updates=[UpdateOut.of(u) for u in updates],
        )


class IncidentList(BaseModel):
    data: list[IncidentOut] = Field(description="Newest first")


class OverrideOut(BaseModel):
    status: str = Field(description="The state shown")
    until: datetime | None = Field(description="When it ends (none: while a maintenance runs)")
    reason: str | None = Field(description="Why")
    by: str | None = Field(description="Who set it (or the maintenance holding it)")


class ComponentOut(BaseModel):
    key: str = Field(description="The component's key")
    id: str = Field(description="Its public id")
    name: str = Field(description="Its name")
    group: str | None = Field(description="The key of its group")
    status: str = Field(description="The state shown on the page")
    probe_status: str = Field(description="What the probes say")
    override: OverrideOut | None = Field(description="The override in force, if any")

    @classmethod
    def of(cls, component: StatusComponent, group: str | None) -> ComponentOut:
        override = None
        if component.override_status is not None:
            override = OverrideOut(
                status=component.override_status,
                until=component.override_until,
                reason=component.override_reason,
                by=component.override_by,
            )
        return cls(
            key=component.key,
            id=component.public_id,
            name=component.name,
            group=group,
            status=component.status,
            probe_status=component.probe_status,
            override=override,
        )


class ComponentList(BaseModel):
    data: list[ComponentOut] = Field(description="In the page's order")
