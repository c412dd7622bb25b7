"""Who is asking: back-office users, per-shop API keys, and the limits on failed attempts."""
