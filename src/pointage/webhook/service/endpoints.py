"""A shop's webhook endpoints: registered, changed, deleted, their secrets rotated.

Endpoints belong to a shop and a mode (the mode of the key that manages them): a test key
sees and changes only test-mode endpoints, which receive only test-mode events. Another
shop's endpoint, or one of the other mode, is not found, exactly like one that does not
exist. The signing secret is shown once, when it is made; it is stored encrypted under the
deployment's secret key.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from pointage.audit.service import record
from pointage.auth.keys import decrypt_key, encrypt_key
from pointage.core.errors import Conflict, InvalidInput, NotFound
from pointage.core.statuses import Mode
from pointage.db.base import utcnow
from pointage.shop.models import Shop
from pointage.web.pagination import Keyset, PageRequest, fetch_page
from pointage.webhook.models import EventType, WebhookEndpoint
from pointage.webhook.repository import endpoints as queries

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of generated secrets, not a secret
MAX_ENDPOINTS = 16  # per shop and mode
MAX_URL_LENGTH = 2048
_LOOPBACK_NAMES = {"localhost", "localhost."}


@dataclass(frozen=True)
class Owner:
    """Whose endpoints: a shop, in the mode of the key that asks."""

    shop: Shop
    mode: Mode
    actor: str


@dataclass(frozen=True)
class EndpointWithSecret:
    endpoint: WebhookEndpoint
    event_types: list[str]
    secret: str  # in clear: the only time it is seen


def check_url(url: str, *, allow_loopback: bool) -> str:
    """The endpoint URL, checked: https (http only to a loopback address, in development),
    a host, no credentials, no fragment; never an address that reaches the server's own
    network services (loopback unless allowed, link-local, unspecified, multicast)."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise InvalidInput(f"url must be 1 to {MAX_URL_LENGTH} characters", param="url")
    if any(char.isspace() or not char.isprintable() for char in url):
        raise InvalidInput("url must not contain spaces or control characters", param="url")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        raise InvalidInput("url is not a valid URL", param="url") from None
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidInput("url must be an https:// URL with a host", param="url")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput("url must not carry a user name or password", param="url")
    if parts.fragment:
        raise InvalidInput("url must not have a #fragment", param="url")
    loopback = _is_loopback(host)
    if loopback and not allow_loopback:
        raise InvalidInput("url must not point to a loopback address", param="url")
    if parts.scheme == "http" and not (loopback and allow_loopback):
        raise InvalidInput("url must use https", param="url")
    if _is_forbidden_address(host):
        raise InvalidInput(
            "url must not point to a link-local, unspecified or multicast address", param="url"
        )
    return url


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _is_loopback(host: str) -> bool:
    address = _address(host)
    return host in _LOOPBACK_NAMES or (address is not None and address.is_loopback)


def _is_forbidden_address(host: str) -> bool:
    address = _address(host)
    if address is None:
        return False
    return address.is_link_local or address.is_unspecified or address.is_multicast


def check_event_types(values: Sequence[str]) -> list[str]:
    known = {t.value for t in EventType}
    if not values:
        raise InvalidInput("choose at least one event type", param="events")
    for index, value in enumerate(values):
        if value not in known:
            raise InvalidInput(
                f"unknown event type {value!r}; one of {', '.join(sorted(known))}",
                param=f"events[{index}]",
            )
    return sorted(set(values))


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def create_endpoint(
    session: Session,
    owner: Owner,
    *,
    url: str,
    event_types: Sequence[str],
    description: str | None,
    enabled: bool,
    secret_key: str,
    allow_loopback: bool,
) -> EndpointWithSecret:
    url = check_url(url, allow_loopback=allow_loopback)
    types = check_event_types(event_types)
    if queries.count_visible(session, owner.shop.id, owner.mode.value) >= MAX_ENDPOINTS:
        raise Conflict(
            f"a shop has at most {MAX_ENDPOINTS} endpoints per mode; delete one first",
            param="url",
        )
    secret = new_secret()
    now = utcnow()
    endpoint = WebhookEndpoint(
        shop_id=owner.shop.id,
        mode=owner.mode.value,
        url=url,
        description=description,
        secret_encrypted=encrypt_key(secret, secret_key),
        enabled=enabled,
        created_at=now,
        created_by=owner.actor,
        updated_at=now,
        disabled_at=None if enabled else now,
    )
    queries.add(session, endpoint, types)
    _audit(session, owner, "webhook_endpoint.created", endpoint, {"url": url, "events": types})
    return EndpointWithSecret(endpoint, types, secret)


def get_endpoint(
    session: Session, owner: Owner, endpoint_id: int, *, lock: bool = False
) -> WebhookEndpoint:
    endpoint = queries.visible(session, owner.shop.id, owner.mode.value, endpoint_id, lock=lock)
    if endpoint is None:
        raise NotFound(f"webhook endpoint {endpoint_id} not found", param="endpoint_id")
    return endpoint


def event_types_of(session: Session, endpoint: WebhookEndpoint) -> list[str]:
    return queries.event_types(session, [endpoint.id])[endpoint.id]


def event_types_of_many(
    session: Session, endpoints: Sequence[WebhookEndpoint]
) -> dict[int, list[str]]:
    return queries.event_types(session, [endpoint.id for endpoint in endpoints])


def endpoint_page(
    session: Session, owner: Owner, page: PageRequest
) -> tuple[Sequence[WebhookEndpoint], bool]:
    """A page of the owner's endpoints, newest first."""
    shop_pk, mode = owner.shop.id, owner.mode.value
    keyset = Keyset(
        WebhookEndpoint.created_at,
        WebhookEndpoint.id,
        lambda cursor: queries.position(session, shop_pk, mode, cursor),
    )
    return fetch_page(session, queries.listing(shop_pk, mode), keyset, page)


def update_endpoint(
    session: Session,
    owner: Owner,
    endpoint_id: int,
    changes: dict[str, object],
    *,
    allow_loopback: bool,
) -> WebhookEndpoint:
    """Apply the fields given (url, events, description, enabled). Disabling fails the
    endpoint's pending deliveries: they can be replayed once it is enabled again."""
    endpoint = get_endpoint(session, owner, endpoint_id, lock=True)
    now = utcnow()
    if changes.get("url") is not None:
        endpoint.url = check_url(str(changes["url"]), allow_loopback=allow_loopback)
    if changes.get("events") is not None:
        events = changes["events"]
        assert isinstance(events, list)
        queries.set_event_types(session, endpoint.id, check_event_types(events))
    if "description" in changes:
        endpoint.description = changes["description"]  # type: ignore[assignment]
    enabled = changes.get("enabled")
    if enabled is not None and bool(enabled) != endpoint.enabled:
        endpoint.enabled = bool(enabled)
        endpoint.disabled_at = None if endpoint.enabled else now
        if not endpoint.enabled:
            queries.give_up_pending(session, endpoint.id, "the endpoint was disabled")
    endpoint.updated_at = now
    session.flush()
    detail = {key: value for key, value in changes.items() if key != "description"}
    _audit(session, owner, "webhook_endpoint.updated", endpoint, detail)
    return endpoint


def delete_endpoint(session: Session, owner: Owner, endpoint_id: int) -> None:
    """The endpoint receives nothing more; its pending deliveries fail; its log stays."""
    endpoint = get_endpoint(session, owner, endpoint_id, lock=True)
    now = utcnow()
    endpoint.deleted_at = now
    endpoint.enabled = False
    endpoint.disabled_at = endpoint.disabled_at or now
    queries.give_up_pending(session, endpoint.id, "the endpoint was deleted")
    session.flush()
    _audit(session, owner, "webhook_endpoint.deleted", endpoint, {"url": endpoint.url})


def rotate_secret(
    session: Session,
    owner: Owner,
    endpoint_id: int,
    *,
    secret_key: str,
    previous_valid_for: timedelta,
) -> EndpointWithSecret:
    """A new secret, shown once. Deliveries are signed with both the new and the previous
    secret until `previous_valid_for` has passed (0: the previous one stops at once)."""
    endpoint = get_endpoint(session, owner, endpoint_id, lock=True)
    secret = new_secret()
    now = utcnow()
    if previous_valid_for > timedelta(0):
        endpoint.previous_secret_encrypted = endpoint.secret_encrypted
        endpoint.previous_secret_expires_at = now + previous_valid_for
    else:
        endpoint.previous_secret_encrypted = None
        endpoint.previous_secret_expires_at = None
    endpoint.secret_encrypted = encrypt_key(secret, secret_key)
    endpoint.updated_at = now
    session.flush()
    detail = {"previous_valid_seconds": int(previous_valid_for.total_seconds())}
    _audit(session, owner, "webhook_endpoint.secret_rotated", endpoint, detail)
    return EndpointWithSecret(endpoint, event_types_of(session, endpoint), secret)


def signing_secrets(endpoint: WebhookEndpoint, secret_key: str, now: datetime) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous one
    while it has not expired. Empty when they cannot be decrypted (the deployment's
    secret key changed): the merchant must rotate the endpoint's secret."""
    found = []
    current = decrypt_key(endpoint.secret_encrypted, secret_key)
    if current is not None:
        found.append(current)
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_encrypted and expires is not None and expires > now:
        previous = decrypt_key(endpoint.previous_secret_encrypted, secret_key)
        if previous is not None:
            found.append(previous)
    return found


def _audit(
    session: Session,
    owner: Owner,
    action: str,
    endpoint: WebhookEndpoint,
    detail: Mapping[str, object],
) -> None:
    record(
        session,
        owner.actor,
        action,
        "webhook_endpoint",
        endpoint.id,
        shop_pk=owner.shop.id,
        detail={"mode": owner.mode.value, **detail},
    )
