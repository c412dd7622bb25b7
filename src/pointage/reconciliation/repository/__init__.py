"""Every query of the reconciliation package, one module per concern."""
