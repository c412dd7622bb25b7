"""Reconciliation in the app ring: runs the pure engine (`pointage.matching`) on the
database, records matches, suggestions and reversals, and keeps transaction statuses."""
