"""The reconciliation engine: pure functions from remittances and bank lines to matches,
suggestions and open items, each with its evidence (ARCHITECTURE.md §6, docs/matching.md)."""
