"""JSON routes of webhook endpoints, events and deliveries (docs/webhooks.md).

Everything belongs to the key's shop and mode: a test key manages test-mode endpoints, which
receive test-mode events only. Another shop's endpoint, event or delivery answers 404.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from pointage.auth.service.keys import ApiCaller
from pointage.db.base import utcnow
from pointage.web.auth import CurrentCaller
from pointage.web.deps import AppSettings, DbSession
from pointage.web.errors import problem_responses
from pointage.web.pagination import Page, PageParams
from pointage.webhook.schemas import (
    DeliveryOut,
    EndpointIn,
    EndpointOut,
    EndpointPatch,
    EndpointWithSecretOut,
    EventOut,
    RotateIn,
)
from pointage.webhook.service import deliveries, endpoints, sending
from pointage.webhook.service.deliveries import DeliveryView
from pointage.webhook.service.endpoints import Owner
from pointage.webhook.transport import HttpxTransport, WebhookTransport

router = APIRouter(tags=["webhooks"])

EndpointId = Annotated[int, Path(ge=1, le=2**62, description="The endpoint's id")]
DeliveryId = Annotated[int, Path(ge=1, le=2**62, description="The delivery's id")]


def _owner(caller: ApiCaller) -> Owner:
    return Owner(caller.shop, caller.mode, f"api:{caller.shop.shop_id}")


def transport_of(request: Request) -> WebhookTransport:
    """The application's transport (tests put one trusting their own authority)."""
    transport: WebhookTransport | None = getattr(request.app.state, "webhook_transport", None)
    if transport is None:
        transport = HttpxTransport()
        request.app.state.webhook_transport = transport
    return transport


def _delivery_out(view: DeliveryView) -> DeliveryOut:
    return DeliveryOut.of(view.delivery, view.event, view.attempts)


@router.post(
    "/v1/webhook-endpoints",
    response_model=EndpointWithSecretOut,
    status_code=status.HTTP_201_CREATED,
    summary="Register a webhook endpoint",
    responses=problem_responses(401, 409, 422),
)
def create_endpoint(
    body: EndpointIn, caller: CurrentCaller, session: DbSession, settings: AppSettings
) -> EndpointWithSecretOut:
    """An https URL that receives the events chosen, in the key's mode. The answer carries
    the signing secret (`whsec_…`): it is shown only this once."""
    made = endpoints.create_endpoint(
        session,
        _owner(caller),
        url=body.url,
        event_types=body.events,
        description=body.description,
        enabled=body.enabled,
        secret_key=settings.secret_key,
        allow_loopback=settings.webhook_allow_http_loopback,
    )
    return EndpointWithSecretOut.with_secret(made.endpoint, made.event_types, made.secret)


@router.get(
    "/v1/webhook-endpoints",
    response_model=Page[EndpointOut],
    summary="List webhook endpoints",
    responses=problem_responses(401, 404, 422),
)
def list_endpoints(
    caller: CurrentCaller, session: DbSession, page: PageParams
) -> Page[EndpointOut]:
    """The shop's endpoints in the key's mode, newest first."""
    rows, has_more = endpoints.endpoint_page(session, _owner(caller), page)
    types = endpoints.event_types_of_many(session, rows)
    return Page[EndpointOut](data=[EndpointOut.of(e, types[e.id]) for e in rows], has_more=has_more)


@router.get(
    "/v1/webhook-endpoints/{endpoint_id}",
    response_model=EndpointOut,
    summary="Get a webhook endpoint",
    responses=problem_responses(401, 404, 422),
)
def get_endpoint(endpoint_id: EndpointId, caller: CurrentCaller, session: DbSession) -> EndpointOut:
    """One of the shop's webhook endpoints in the key's mode: its URL, events and state
    (never its secret)."""
    endpoint = endpoints.get_endpoint(session, _owner(caller), endpoint_id)
    return EndpointOut.of(endpoint, endpoints.event_types_of(session, endpoint))


@router.patch(
    "/v1/webhook-endpoints/{endpoint_id}",
    response_model=EndpointOut,
    summary="Change a webhook endpoint",
    responses=problem_responses(401, 404, 422),
)
def update_endpoint(
    endpoint_id: EndpointId,
    body: EndpointPatch,
    caller: CurrentCaller,
    session: DbSession,
    settings: AppSettings,
) -> EndpointOut:
    """Change the URL, the events, the description, or enable or disable the endpoint.
    Disabling fails its pending deliveries (they can be replayed later)."""
    endpoint = endpoints.update_endpoint(
        session,
        _owner(caller),
        endpoint_id,
        body.model_dump(exclude_unset=True),
        allow_loopback=settings.webhook_allow_http_loopback,
    )
    return EndpointOut.of(endpoint, endpoints.event_types_of(session, endpoint))


@router.delete(
    "/v1/webhook-endpoints/{endpoint_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a webhook endpoint",
    responses=problem_responses(401, 404, 422),
)
def delete_endpoint(endpoint_id: EndpointId, caller: CurrentCaller, session: DbSession) -> None:
    """Nothing more is sent to it and its pending deliveries fail; its deliveries stay in
    the log."""
    endpoints.delete_endpoint(session, _owner(caller), endpoint_id)


@router.post(
    "/v1/webhook-endpoints/{endpoint_id}/rotate-secret",
    response_model=EndpointWithSecretOut,
    summary="Rotate an endpoint's signing secret",
    responses=problem_responses(401, 404, 422),
)
def rotate_secret(
    endpoint_id: EndpointId,
    caller: CurrentCaller,
    session: DbSession,
    settings: AppSettings,
    body: RotateIn | None = None,
) -> EndpointWithSecretOut:
    """A new secret, shown only this once. Until `previous_secret_valid_hours` have passed
    (default 24), each delivery carries two v1 signatures, one per secret."""
    hours = (body or RotateIn()).previous_secret_valid_hours
    made = endpoints.rotate_secret(
        session,
        _owner(caller),
        endpoint_id,
        secret_key=settings.secret_key,
        previous_valid_for=timedelta(hours=hours),
    )
    return EndpointWithSecretOut.with_secret(made.endpoint, made.event_types, made.secret)


@router.get(
    "/v1/events",
    response_model=Page[EventOut],
    summary="List events",
    responses=problem_responses(401, 404, 422),
)
def list_events(
    caller: CurrentCaller,
    session: DbSession,
    page: PageParams,
    event_type: Annotated[
        str | None, Query(alias="type", max_length=60, description="Only this type")
    ] = None,
) -> Page[EventOut]:
    """The shop's events in the key's mode, newest first. Events are kept for shops with an
    endpoint subscribed to their type."""
    rows, has_more = deliveries.event_page(session, _owner(caller), page, event_type)
    return Page[EventOut](data=[EventOut.of(e) for e in rows], has_more=has_more)


@router.get(
    "/v1/events/{event_id}",
    response_model=EventOut,
    summary="Get an event",
    responses=problem_responses(401, 404),
)
def get_event(
    event_id: Annotated[str, Path(max_length=40)], caller: CurrentCaller, session: DbSession
) -> EventOut:
    """An event, exactly as its deliveries carry it."""
    return EventOut.of(deliveries.get_event(session, _owner(caller), event_id))


@router.get(
    "/v1/webhook-deliveries",
    response_model=Page[DeliveryOut],
    summary="List webhook deliveries",
    responses=problem_responses(401, 404, 422),
)
def list_deliveries(
    caller: CurrentCaller,
    session: DbSession,
    page: PageParams,
    endpoint_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    delivery_status: Annotated[
        str | None, Query(alias="status", description="pending, delivered or failed")
    ] = None,
    event_type: Annotated[str | None, Query(max_length=60)] = None,
) -> Page[DeliveryOut]:
    """The delivery log of the shop's endpoints in the key's mode, newest first, each with
    its attempts."""
    views, has_more = deliveries.delivery_page(
        session,
        _owner(caller),
        page,
        endpoint_id=endpoint_id,
        status=delivery_status,
        event_type=event_type,
    )
    return Page[DeliveryOut](data=[_delivery_out(v) for v in views], has_more=has_more)


@router.get(
    "/v1/webhook-deliveries/{delivery_id}",
    response_model=DeliveryOut,
    summary="Get a webhook delivery",
    responses=problem_responses(401, 404, 422),
)
def get_delivery(delivery_id: DeliveryId, caller: CurrentCaller, session: DbSession) -> DeliveryOut:
    """One delivery of an event to an endpoint, with every attempt: when, the answer's
    status or the error, and when the next attempt is due."""
    return _delivery_out(deliveries.get_delivery(session, _owner(caller), delivery_id))


@router.post(
    "/v1/webhook-deliveries/{delivery_id}/replay",
    response_model=DeliveryOut,
    summary="Replay a webhook delivery",
    responses=problem_responses(401, 404, 409, 422),
)
def replay_delivery(
    delivery_id: DeliveryId,
    caller: CurrentCaller,
    session: DbSession,
    settings: AppSettings,
    request: Request,
) -> DeliveryOut:
    """Send the event to the endpoint again, now, signed afresh; the attempt joins the
    delivery's log. A success marks the delivery delivered; a failure changes nothing else
    (no retry is scheduled for it)."""
    owner = _owner(caller)
    job = deliveries.replay_job(session, owner, delivery_id, settings)
    # Committed before the POST: the endpoint may take seconds, and this request must not
    # hold the database's locks (on SQLite, its write lock) meanwhile.
    session.commit()
    outcome = sending.attempt(job, transport_of(request), settings, utcnow)
    sending.record(session, job, outcome, settings)
    session.flush()
    return _delivery_out(deliveries.get_delivery(session, owner, delivery_id))
