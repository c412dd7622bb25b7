"""Saved CSV column-mapping profiles: how to read one bank's CSV export.

A profile belongs to a merchant, or to nobody (then every merchant may use it, for a bank's
standard export); a merchant's own profile wins over a shared one of the same name. The
settings are stored as `formats.statements.csv_profile` writes them, and read back through
it, so a stored profile is always one the CSV parser accepts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from pointage.audit.service import record
from pointage.core.errors import Conflict, NotFound
from pointage.formats.statements.csv_profile import profile_from_dict, profile_to_dict
from pointage.formats.statements.model import CsvProfile
from pointage.shop.repository import ShopRepository
from pointage.statement.models import CsvMappingProfile
from pointage.statement.repository import StatementRepository


def save_profile(
    session: Session,
    name: str,
    settings: dict[str, Any],
    *,
    merchant_id: int | None = None,
    actor: str = "system",
) -> CsvMappingProfile:
    """Create or replace the owner's profile of that name (InvalidInput when unusable)."""
    profile = profile_from_dict({**settings, "name": name.strip()})
    if merchant_id is not None and ShopRepository(session).merchant(merchant_id) is None:
        raise NotFound(f"merchant {merchant_id} not found", param="merchant")
    repository = StatementRepository(session)
    stored = repository.profile_owned(profile.name, merchant_id)
    if stored is None:
        stored = repository.add_profile(
            CsvMappingProfile(
                merchant_id=merchant_id, name=profile.name, settings=profile_to_dict(profile)
            )
        )
    else:
        stored.settings = profile_to_dict(profile)
        session.flush()
    record(
        session,
        actor,
        "statements.csv_profile_saved",
        "csv_mapping_profile",
        stored.id,
        detail={"name": profile.name, "merchant_id": merchant_id},
    )
    return stored


def get_profile(session: Session, name: str, *, merchant_id: int | None = None) -> CsvProfile:
    """The profile of that name a merchant would use: its own, else the shared one. With
    no merchant (the command line): the shared one, else the only one of that name."""
    found = StatementRepository(session).profiles_named(name.strip(), merchant_id)
    own = [p for p in found if p.merchant_id is not None]
    if merchant_id is not None and own:
        return profile_from_dict(own[0].settings)
    if found and (found[0].merchant_id is None or len(found) == 1):
        return profile_from_dict(found[0].settings)
    if found:
        raise Conflict(
            f"several merchants have a CSV mapping profile named {name!r}", param="csv_profile"
        )
    raise NotFound(f"no CSV mapping profile named {name!r}", param="csv_profile")


def list_profiles(
    session: Session, *, merchant_id: int | None = None
) -> Sequence[CsvMappingProfile]:
    return StatementRepository(session).profiles(merchant_id)
