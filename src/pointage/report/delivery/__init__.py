"""Delivery of generated journals by e-mail, SFTP or to a local folder, with a log of every
attempt, retries with backoff, and re-sends on request."""
