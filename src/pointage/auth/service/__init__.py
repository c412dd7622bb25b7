"""Business operations on credentials: API keys (keys.py)."""
