"""The engine's settings from the application's (docs/configuration.md)."""

from __future__ import annotations

from dataclasses import replace

from pointage.matching.settings import DEFAULT_SETTINGS, EngineSettings, bank_patterns_from_json
from pointage.settings import Settings


def engine_settings(settings: Settings) -> EngineSettings:
    """POINTAGE_REMITTANCE_PATTERNS and POINTAGE_RECONCILE_AUTO_THRESHOLD over the engine's
    defaults. The patterns were checked when the settings were read."""
    return replace(
        DEFAULT_SETTINGS,
        auto_threshold=settings.reconcile_auto_threshold,
        bank_patterns=bank_patterns_from_json(settings.remittance_patterns),
    )
