"""The back office's dashboard: its figures computed for a set of shops (no HTML here)."""
