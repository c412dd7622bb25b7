"""Business operations of reconciliation, one module per concern: runs (`run`, `apply`),
what a person does by hand, and explanations."""
