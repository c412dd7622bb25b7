"""All queries of remittances, one module per use: the daily capture batch (`batch`) and the
resource API's reads (`reads`)."""

from pointage.remittance.repository.batch import BATCH_ACTOR, RemittanceRepository

__all__ = ["BATCH_ACTOR", "RemittanceRepository"]
